/**
 * Ridge regression on standardized features, solved in closed form with ml-matrix.
 *
 * Objective (as scikit-learn's Ridge on StandardScaler output): minimize
 *   || yc - Z w ||^2 + alpha || w ||^2
 * with Z the standardized features and yc the centred target, so the intercept (the target mean) is
 * never penalized. Solved by Cholesky on the p x p primal system (Z'Z + alpha I) w = Z' yc, or, when
 * there are more features than samples (e.g. 2048 Morgan counts for 100 molecules), on the n x n
 * dual system w = Z' (Z Z' + alpha I)^-1 yc, which gives the same w (push-through identity).
 */
import { CholeskyDecomposition, Matrix as MlMatrix } from 'ml-matrix';
import { z } from 'zod';
import type { Learner, Matrix, Regressor } from '../types';
import {
  checkPredictionSet,
  checkSeed,
  checkTrainingSet,
  fitStandardizer,
  LearnerInputError,
  standardize
} from './data';

export interface RidgeOptions {
  /** Penalty on the standardized coefficients; 0 is ordinary least squares (needs full rank). */
  alpha?: number;
}

/** A fitted ridge model, in the original feature units: prediction = intercept + coefficients . x */
export interface RidgeModel {
  kind: 'ridge';
  alpha: number;
  means: number[];
  scales: number[];
  /** Coefficients of the standardized features. */
  standardizedCoefficients: number[];
  /** The same model in original units. */
  coefficients: number[];
  intercept: number;
  /** Mean of the training target: the prediction at the mean of every feature. */
  targetMean: number;
}

const RidgeModelSchema = z.object({
  kind: z.literal('ridge'),
  alpha: z.number().nonnegative(),
  means: z.array(z.number()),
  scales: z.array(z.number().positive()),
  standardizedCoefficients: z.array(z.number()),
  coefficients: z.array(z.number()),
  intercept: z.number(),
  targetMean: z.number()
});

export class RidgeRegressor implements Regressor {
  private model: RidgeModel | undefined;

  constructor(
    readonly alpha: number,
    model?: RidgeModel
  ) {
    this.model = model;
  }

  /** The fitted model (coefficients in original and standardized units); undefined before fit. */
  get fitted(): RidgeModel | undefined {
    return this.model;
  }

  async fit(X: Matrix, y: number[]): Promise<void> {
    checkTrainingSet('ridge', X, y);
    const scaler = fitStandardizer(X);
    const Z = standardize(X, scaler);
    const yMean = y.reduce((a, b) => a + b, 0) / y.length;
    const w = Private.solve(
      Z,
      y.map(v => v - yMean),
      this.alpha
    );
    const coefficients = w.map((wj, j) => wj / scaler.scales[j]);
    const intercept = yMean - coefficients.reduce((sum, b, j) => sum + b * scaler.means[j], 0);
    this.model = {
      kind: 'ridge',
      alpha: this.alpha,
      means: scaler.means,
      scales: scaler.scales,
      standardizedCoefficients: w,
      coefficients,
      intercept,
      targetMean: yMean
    };
  }

  async predict(X: Matrix): Promise<number[]> {
    const model = this.requireFitted();
    checkPredictionSet('ridge', X, model.coefficients.length);
    // Through the standardized form, exactly as trained: no cancellation when a feature's mean is
    // large next to its spread (temperatures in kelvin).
    return X.map(row =>
      row.reduce(
        (sum, v, j) =>
          sum + ((v - model.means[j]) / model.scales[j]) * model.standardizedCoefficients[j],
        model.targetMean
      )
    );
  }

  toJSON(): RidgeModel {
    return this.requireFitted();
  }

  private requireFitted(): RidgeModel {
    if (!this.model) {
      throw new LearnerInputError('ridge: predict or toJSON called before fit');
    }
    return this.model;
  }
}

export interface RidgeLearner extends Learner {
  create(seed: number): RidgeRegressor;
  fromJSON(json: unknown): RidgeRegressor;
}

/** Ridge regression with standardized features and an unpenalized intercept. */
export function ridgeLearner(options: RidgeOptions = {}): RidgeLearner {
  const alpha = options.alpha ?? 1;
  if (typeof alpha !== 'number' || !Number.isFinite(alpha) || alpha < 0) {
    throw new LearnerInputError(`ridge: alpha must be a finite number >= 0, got ${String(alpha)}`);
  }
  return {
    name: 'ridge',
    params: { alpha },
    // Ridge has no randomness; the seed is checked and otherwise irrelevant.
    create: seed => {
      checkSeed('ridge', seed);
      return new RidgeRegressor(alpha);
    },
    fromJSON: json => {
      const parsed = RidgeModelSchema.safeParse(json);
      if (!parsed.success) {
        throw new LearnerInputError(`ridge: not a saved ridge model: ${parsed.error.message}`);
      }
      const model = parsed.data;
      const p = model.coefficients.length;
      for (const [field, values] of [
        ['means', model.means],
        ['scales', model.scales],
        ['standardizedCoefficients', model.standardizedCoefficients]
      ] as const) {
        if (values.length !== p) {
          throw new LearnerInputError(
            `ridge: saved model field ${field} has ${values.length} values, expected ${p}`
          );
        }
      }
      return new RidgeRegressor(model.alpha, model);
    }
  };
}

namespace Private {
  /**
   * The normal equations are formed on plain arrays: ml-matrix's transpose().mmul() was 70 % of a
   * fit at 1000 x 50 (bench/train) and its result is symmetric, so half of it need not be computed.
   */
  export function solve(Z: number[][], yc: number[], alpha: number): number[] {
    const n = Z.length;
    const p = Z[0].length;
    if (p <= n) {
      // (Z'Z + alpha I) w = Z'yc
      const A = new Float64Array(p * p);
      const b = new Float64Array(p);
      for (let i = 0; i < n; i++) {
        const row = Z[i];
        for (let j = 0; j < p; j++) {
          const v = row[j];
          b[j] += v * yc[i];
          if (v === 0) continue;
          const offset = j * p;
          for (let k = j; k < p; k++) {
            A[offset + k] += v * row[k];
          }
        }
      }
      return cholesky(symmetric(A, p, alpha), 'features')
        .solve(MlMatrix.columnVector(Array.from(b)))
        .to1DArray();
    }
    // More columns than rows: w = Z'(ZZ' + alpha I)^-1 yc, with the n x n matrix of row products.
    const K = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = i; j < n; j++) {
        let dot = 0;
        const a = Z[i];
        const c = Z[j];
        for (let k = 0; k < p; k++) {
          dot += a[k] * c[k];
        }
        K[i * n + j] = dot;
      }
    }
    const u = cholesky(symmetric(K, n, alpha), 'samples')
      .solve(MlMatrix.columnVector(yc))
      .to1DArray();
    const w = new Array<number>(p).fill(0);
    for (let i = 0; i < n; i++) {
      const row = Z[i];
      for (let k = 0; k < p; k++) {
        w[k] += row[k] * u[i];
      }
    }
    return w;
  }

  /** The full matrix from its upper triangle, with alpha added to the diagonal. */
  function symmetric(upper: Float64Array, size: number, alpha: number): MlMatrix {
    const M = new MlMatrix(size, size);
    for (let i = 0; i < size; i++) {
      M.set(i, i, upper[i * size + i] + alpha);
      for (let j = i + 1; j < size; j++) {
        const v = upper[i * size + j];
        M.set(i, j, v);
        M.set(j, i, v);
      }
    }
    return M;
  }

  function cholesky(A: MlMatrix, what: string): CholeskyDecomposition {
    const decomposition = new CholeskyDecomposition(A);
    if (!decomposition.isPositiveDefinite()) {
      throw new LearnerInputError(
        `ridge: the ${what} are linearly dependent, so the least-squares problem has no unique ` +
          'solution; use alpha > 0'
      );
    }
    return decomposition;
  }
}
