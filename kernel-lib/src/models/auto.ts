import { makeLearner } from './learner-registry';
import type { Candidate } from './pipeline';

/**
 * The candidates of the default learner, "auto": what `cryoprotect model train` and
 * trainAndValidate choose among when no learner is named. Each outer fold of a nested
 * cross-validation chooses among them by an inner cross-validation, so the reported error is that
 * of the whole procedure; the model is the candidate with the lowest cross-validated RMSE on all
 * rows. Every candidate costs about 20 fits, so the list is short, and each is here because it
 * was the best of the shared data sets' models on one of them (docs/models.md):
 *
 * - ridge with a strong penalty: small, noisy sets where only a smooth trend is learnable (IRI of
 *   carbohydrates); a light penalty for larger, cleaner ones;
 * - gradient boosting and extra trees on every column: the Tg of pure compounds;
 * - a random forest on the descriptors alone: very small sets (IRI of amino acids, 50 rows), where
 *   512 Morgan columns are mostly noise to a tree.
 */
export const AUTO_CANDIDATES: readonly {
  name: string;
  params: Record<string, unknown>;
  /** Feature families it reads (conditions always); absent: every column. */
  families?: string[];
}[] = [
  { name: 'ridge', params: { alpha: 10 } },
  { name: 'ridge', params: { alpha: 1000 } },
  { name: 'gradient-boosting', params: {} },
  { name: 'random-forest', params: {}, families: ['descriptors'] },
  { name: 'extra-trees', params: { maxFeatures: 0.5, trees: 100 } }
];

/** The name a model file and the command line give the automatic choice. */
export const AUTO_LEARNER = 'auto';

/** Fresh learners for AUTO_CANDIDATES. */
export function autoLearners(): Candidate[] {
  return AUTO_CANDIDATES.map(c => {
    const learner = makeLearner(c.name, c.params);
    return c.families ? { learner, families: c.families } : learner;
  });
}
