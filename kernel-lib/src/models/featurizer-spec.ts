import type { FeatureSet } from './types';
import {
  combine,
  descriptorFeaturizer,
  mixtureFeaturizer,
  morganCountFeaturizer,
  type MixtureSample
} from './features';

/** Which features a model uses; stored with it so prediction rebuilds exactly the same columns. */
export interface FeaturizerSpec {
  descriptors: boolean;
  morgan: { radius: number; nBits: number } | null;
  /** Numeric CSV columns used as inputs as they are (e.g. "Concentration (mM)"); family "conditions". */
  conditions?: string[];
  /**
   * The rows are mixtures (a mixture column in parseMixtureText's form), featurized by
   * mixtureFeaturizer: mole-fraction-weighted means and variances of the descriptors over the
   * components, water included, and the water fractions. Descriptors and Morgan counts of a single
   * SMILES are then off.
   */
  mixture?: boolean;
}

export const DEFAULT_FEATURIZER: FeaturizerSpec = {
  descriptors: true,
  morgan: { radius: 2, nBits: 2048 }
};

/** The features of a mixture model (conditions added by the caller). */
export const DEFAULT_MIXTURE_FEATURIZER: FeaturizerSpec = {
  descriptors: false,
  morgan: null,
  mixture: true
};

export async function featurizeSmiles(
  smiles: readonly string[],
  spec: FeaturizerSpec,
  rowLabels?: string[],
  conditionValues?: number[][]
): Promise<FeatureSet> {
  const sets: FeatureSet[] = [];
  if (spec.mixture) {
    throw new Error('featurizer: this model reads mixtures, not SMILES');
  }
  // A molecule measured several times (several rows, e.g. at several concentrations) is
  // featurized once; its rows share the values.
  const first = new Map<string, number>();
  const unique: string[] = [];
  const uniqueLabels: string[] = [];
  const rowOf = smiles.map((s, i) => {
    let u = first.get(s);
    if (u === undefined) {
      u = unique.length;
      first.set(s, u);
      unique.push(s);
      // As the featurizers name a row without a label (rowLabel): by its index.
      uniqueLabels.push(rowLabels?.[i] ?? `row ${i}`);
    }
    return u;
  });
  const options = { rowLabels: uniqueLabels };
  if (spec.descriptors) {
    sets.push(await descriptorFeaturizer().featurize(unique, options));
  }
  if (spec.morgan) {
    sets.push(await morganCountFeaturizer(spec.morgan).featurize(unique, options));
  }
  if (sets.length === 0) {
    throw new Error('featurizer: choose descriptors, Morgan counts or both');
  }
  const rows = sets.map(set => ({ ...set, X: rowOf.map(u => set.X[u].slice()) }));
  return Private.withConditionColumns(rows, spec, smiles.length, conditionValues);
}

/** Composition features of mixtures (mixtureFeaturizer, no built-in conditions) and the condition columns. */
export async function featurizeMixtures(
  samples: readonly MixtureSample[],
  spec: FeaturizerSpec,
  rowLabels?: string[],
  conditionValues?: number[][]
): Promise<FeatureSet> {
  if (!spec.mixture || spec.descriptors || spec.morgan) {
    throw new Error(
      'featurizer: a mixture model uses the mixture features only (no single-SMILES descriptors or Morgan counts)'
    );
  }
  const composition = await mixtureFeaturizer({ conditions: [] }).featurize(samples, { rowLabels });
  return Private.withConditionColumns([composition], spec, samples.length, conditionValues);
}

namespace Private {
  /** The feature sets with the condition columns appended (family "conditions"). */
  export function withConditionColumns(
    sets: FeatureSet[],
    spec: FeaturizerSpec,
    rows: number,
    conditionValues?: number[][]
  ): FeatureSet {
    const conditions = spec.conditions ?? [];
    if (conditions.length > 0) {
      if (!conditionValues || conditionValues.length !== rows) {
        throw new Error(
          `featurizer: the model needs the columns ${conditions.map(c => `"${c}"`).join(', ')}`
        );
      }
      sets.push({
        names: conditions.map(c => `condition:${c}`),
        families: conditions.map(() => 'conditions'),
        X: conditionValues,
        version: `conditions@1(${conditions.join('|')})`
      });
    }
    return sets.length === 1 ? sets[0] : combine(...sets);
  }
}
