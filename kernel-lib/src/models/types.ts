/**
 * The contracts between the parts of the model pipeline: featurizers turn rows into a
 * numeric matrix with named, grouped columns; learners make regressors; validation splits,
 * scores and calibrates using nothing but these interfaces. Rows are samples, columns features.
 */

/** Samples x features; every value finite. */
export type Matrix = number[][];

/** A featurized table: one row per sample, one name and family per column, and the version of the featurizer that made it. */
export interface FeatureSet {
  /** Column names, e.g. "descriptor:MolLogP", "morgan:1024", "condition:temperatureKelvin". */
  names: string[];
  /** Column families for grouped importance, e.g. "descriptors", "morgan", "composition", "conditions". */
  families: string[];
  X: Matrix;
  /** Featurizer name and version, e.g. "descriptors@1+morgan-counts@1"; stored with a model version. */
  version: string;
}

/** A trained (or trainable) regression model. */
export interface Regressor {
  fit(X: Matrix, y: number[]): Promise<void>;
  predict(X: Matrix): Promise<number[]>;
  /** Everything needed to predict again after fromJSON (weights, scalers), as plain JSON. */
  toJSON(): unknown;
}

/** A learner: a name, its hyperparameters, and a factory of seeded regressors. */
export interface Learner {
  name: string;
  params: Record<string, unknown>;
  /** The same seed gives the same fitted model and predictions (on the same backend). */
  create(seed: number): Regressor;
  /** Rebuild a fitted regressor from its toJSON(). */
  fromJSON(json: unknown): Regressor;
  /** Where it ran, for the registry: e.g. { backend: 'wasm', tfjsVersion: '4.22.0' } for TensorFlow.js. */
  runtime?(): Promise<Record<string, string>>;
}
