import { deriveSeed, SeededRandom } from '../random';
import type { Matrix } from '../types';
import { checkMatrix, checkNumbers, checkSeed, ModelValidationError } from './errors';
import { type Metric, rmse } from './metrics';

export interface PermutationImportanceOptions {
  seed: number;
  /** Permutations per family; default 5. */
  repeats?: number;
  /** Default rmse. */
  metric?: Metric;
  /** True for metrics where larger is better (R²): importance is then the decrease. Default false. */
  higherIsBetter?: boolean;
}

/** How much worse the model does when a family's columns are shuffled. */
export interface FamilyImportance {
  family: string;
  /** Number of columns in the family. */
  columns: number;
  /** Mean worsening of the metric over the repeats (in the metric's unit; ~0 means unused). */
  mean: number;
  /** Sample standard deviation over the repeats (0 with one repeat). */
  sd: number;
  /** Worsening per repeat. */
  increases: number[];
}

export interface PermutationImportance {
  /** The metric on the unshuffled data. */
  baseline: number;
  repeats: number;
  seed: number;
  families: FamilyImportance[];
}

/**
 * Grouped permutation importance (Breiman, Machine Learning 45, 2001, for single features; grouped
 * as in Gregorutti, Michel and Saint-Pierre, Stat. Comput. 27, 2017): for each family, the rows of
 * ALL its columns are shuffled with one shared permutation, so correlated columns of a family
 * (e.g. the bits of a Morgan fingerprint) lose their information together while staying
 * consistent with each other, and the metric's worsening is recorded. Each family's permutations
 * use deriveSeed(seed, 'family', name), so adding a family leaves the others' numbers unchanged.
 * Evaluate on held-out data to measure what the model relies on for generalisation.
 */
export async function permutationImportance(
  predict: (X: Matrix) => Promise<number[]>,
  X: Matrix,
  y: number[],
  families: string[],
  options: PermutationImportanceOptions
): Promise<PermutationImportance> {
  checkMatrix(X, 'X');
  checkNumbers(y, 'y', X.length);
  if (X.length < 2) {
    throw new ModelValidationError('X', 'needs at least 2 samples to permute');
  }
  const width = X[0].length;
  if (!Array.isArray(families) || families.length !== width) {
    throw new ModelValidationError(
      'families',
      `must name the family of each of the ${width} columns`
    );
  }
  families.forEach((family, c) => {
    if (typeof family !== 'string' || family.length === 0) {
      throw new ModelValidationError(`families[${c}]`, 'must be a non-empty text');
    }
  });
  const seed = checkSeed(options.seed, 'options.seed');
  const repeats = options.repeats ?? 5;
  if (!Number.isSafeInteger(repeats) || repeats < 1) {
    throw new ModelValidationError('options.repeats', `must be a positive integer, got ${repeats}`);
  }
  const metric = options.metric ?? rmse;
  const sign = options.higherIsBetter ? -1 : 1;
  const score = async (matrix: Matrix) => {
    const predicted = await predict(matrix);
    checkNumbers(predicted, 'predict(X)', matrix.length);
    return metric(y, predicted);
  };
  const baseline = await score(X);
  const columnsOf = new Map<string, number[]>();
  families.forEach((family, c) => {
    const list = columnsOf.get(family);
    if (list) {
      list.push(c);
    } else {
      columnsOf.set(family, [c]);
    }
  });
  const result: FamilyImportance[] = [];
  for (const [family, columns] of columnsOf) {
    const random = new SeededRandom(deriveSeed(seed, 'family', family));
    const increases: number[] = [];
    for (let r = 0; r < repeats; r++) {
      const order = random.shuffle(Array.from({ length: X.length }, (_, i) => i));
      const permuted = X.map((row, i) => {
        const copy = [...row];
        for (const c of columns) {
          copy[c] = X[order[i]][c];
        }
        return copy;
      });
      increases.push(sign * ((await score(permuted)) - baseline));
    }
    const mean = increases.reduce((s, v) => s + v, 0) / repeats;
    const sd =
      repeats > 1
        ? Math.sqrt(increases.reduce((s, v) => s + (v - mean) ** 2, 0) / (repeats - 1))
        : 0;
    result.push({ family, columns: columns.length, mean, sd, increases });
  }
  return { baseline, repeats, seed, families: result };
}
