import type { FeatureSet } from '../types';

/** How to name rows in errors, e.g. the CSV lines from readCsvTable: ["line 2", "line 3", ...]. */
export interface FeaturizeOptions {
  /** One label per input row; default "row i" with i the 0-based position in the input. */
  rowLabels?: readonly string[];
}

/** Turns a list of inputs into a FeatureSet; the same inputs always give the same features. */
export interface Featurizer<Input> {
  /** Short name, e.g. "descriptors". */
  name: string;
  /** Name, version and every option that changes the features, e.g. "morgan-counts@1(radius=2,nBits=2048,encoding=levels)". */
  version: string;
  featurize(inputs: readonly Input[], options?: FeaturizeOptions): Promise<FeatureSet>;
}

/**
 * Side-by-side columns of several feature sets of the same rows; versions joined with "+".
 * Column names must not repeat.
 */
export function combine(...featureSets: FeatureSet[]): FeatureSet {
  if (featureSets.length === 0) {
    throw new RangeError('combine needs at least one feature set');
  }
  const rows = featureSets[0].X.length;
  featureSets.forEach((set, i) => {
    if (set.X.length !== rows) {
      throw new RangeError(
        `feature set ${i} (${set.version}) has ${set.X.length} rows, feature set 0 (${featureSets[0].version}) ${rows}`
      );
    }
  });
  const names = featureSets.flatMap(set => set.names);
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) {
      throw new RangeError(`the column "${name}" appears in more than one feature set`);
    }
    seen.add(name);
  }
  return {
    names,
    families: featureSets.flatMap(set => set.families),
    X: Array.from({ length: rows }, (_, r) => featureSets.flatMap(set => set.X[r])),
    version: featureSets.map(set => set.version).join('+')
  };
}

/** The label of row `i` for error messages. */
export function rowLabel(options: FeaturizeOptions | undefined, i: number): string {
  return options?.rowLabels?.[i] ?? `row ${i}`;
}
