import type { Matrix } from '../types';

/** Bad training or prediction input; the message names the row, column or field and the reason. */
export class LearnerInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LearnerInputError';
  }
}

/**
 * Checks a training set: a non-empty rectangular matrix of finite numbers and one finite target per
 * row. Returns the number of feature columns.
 */
export function checkTrainingSet(learner: string, X: Matrix, y: number[]): number {
  const columns = Private.checkMatrix(learner, X);
  if (!Array.isArray(y) || y.length !== X.length) {
    throw new LearnerInputError(
      `${learner}: y has ${Array.isArray(y) ? y.length : 'no'} values but X has ${X.length} rows`
    );
  }
  y.forEach((value, row) => {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new LearnerInputError(
        `${learner}: y row ${row} is not a finite number (${String(value)})`
      );
    }
  });
  return columns;
}

/** Checks a matrix to predict on against the number of columns the model was trained with. */
export function checkPredictionSet(learner: string, X: Matrix, columns: number): void {
  if (Array.isArray(X) && X.length === 0) {
    return;
  }
  const got = Private.checkMatrix(learner, X);
  if (got !== columns) {
    throw new LearnerInputError(
      `${learner}: X has ${got} columns but the model was trained on ${columns}`
    );
  }
}

/** Per-column centre and scale, so that features in kelvin and in counts weigh alike. */
export interface Standardizer {
  means: number[];
  /** Population standard deviations; a constant column keeps scale 1 and so maps to 0. */
  scales: number[];
}

export function fitStandardizer(X: Matrix): Standardizer {
  const n = X.length;
  const p = X[0].length;
  const means = new Array<number>(p).fill(0);
  const scales = new Array<number>(p).fill(0);
  for (const row of X) {
    for (let j = 0; j < p; j++) {
      means[j] += row[j];
    }
  }
  for (let j = 0; j < p; j++) {
    means[j] /= n;
  }
  for (const row of X) {
    for (let j = 0; j < p; j++) {
      const d = row[j] - means[j];
      scales[j] += d * d;
    }
  }
  for (let j = 0; j < p; j++) {
    const sd = Math.sqrt(scales[j] / n);
    // A column that does not vary carries no information in training; scale 1 keeps it at 0
    // after centring instead of dividing by zero. Relative tolerance: rounding noise is not variance.
    scales[j] = sd > 1e-12 * Math.max(1, Math.abs(means[j])) ? sd : 1;
  }
  return { means, scales };
}

export function standardize(X: Matrix, s: Standardizer): Matrix {
  return X.map(row => row.map((v, j) => (v - s.means[j]) / s.scales[j]));
}

/** Mean and population standard deviation of a target (scale 1 if constant). */
export function targetScale(y: number[]): { mean: number; scale: number } {
  const s = fitStandardizer(y.map(v => [v]));
  return { mean: s.means[0], scale: s.scales[0] };
}

export function checkSeed(learner: string, seed: number): number {
  if (!Number.isSafeInteger(seed)) {
    throw new LearnerInputError(`${learner}: seed must be an integer, got ${String(seed)}`);
  }
  return seed;
}

namespace Private {
  export function checkMatrix(learner: string, X: Matrix): number {
    if (!Array.isArray(X) || X.length === 0) {
      throw new LearnerInputError(`${learner}: X must have at least one row`);
    }
    const first = X[0];
    if (!Array.isArray(first) || first.length === 0) {
      throw new LearnerInputError(`${learner}: X row 0 has no feature values`);
    }
    const columns = first.length;
    X.forEach((row, i) => {
      if (!Array.isArray(row) || row.length !== columns) {
        throw new LearnerInputError(
          `${learner}: X row ${i} has ${Array.isArray(row) ? row.length : 'no'} values, expected ${columns}`
        );
      }
      row.forEach((value, j) => {
        if (typeof value !== 'number' || !Number.isFinite(value)) {
          throw new LearnerInputError(
            `${learner}: X row ${i}, column ${j} is not a finite number (${String(value)})`
          );
        }
      });
    });
    return columns;
  }
}
