import { Matrix as MlMatrix, solve } from 'ml-matrix';
import { deriveSeed, SeededRandom } from '../random';
import type { Learner, Matrix, Regressor } from '../types';

/**
 * For tests only: ordinary least squares (with intercept) fitted on a seeded random 70 % of the
 * training rows, so its predictions are real and depend on the seed: it lets the tests check that
 * seeds reach the regressors.
 */
export class SubsampleLeastSquaresLearner implements Learner {
  readonly name = 'subsample-least-squares (test)';
  readonly params = { fraction: 0.7 };

  create(seed: number): Regressor {
    let coefficients: number[] | null = null;
    const design = (X: Matrix) => X.map(row => [1, ...row]);
    return {
      async fit(X: Matrix, y: number[]) {
        const rows = new SeededRandom(seed)
          .shuffle(X.map((_, i) => i))
          .slice(0, Math.max(2, Math.round(0.7 * X.length)));
        const A = new MlMatrix(design(rows.map(i => X[i])));
        const b = MlMatrix.columnVector(rows.map(i => y[i]));
        coefficients = solve(A, b, true).getColumn(0);
      },
      async predict(X: Matrix) {
        const c = coefficients!;
        return design(X).map(row => row.reduce((s, v, j) => s + v * c[j], 0));
      },
      toJSON: () => ({ coefficients })
    };
  }

  fromJSON(): Regressor {
    throw new Error('not needed in tests');
  }
}

/**
 * SIMULATED data for tests, never a result: y = 3·x0 + 2·x1 + N(0, noise²) with x ~ N(0, 1) in
 * `width` columns (only the first two matter).
 */
export function simulateLinear(
  n: number,
  width: number,
  noise: number,
  seed: number
): { X: Matrix; y: number[] } {
  const random = new SeededRandom(deriveSeed(seed, 'simulate-linear'));
  const X = Array.from({ length: n }, () => Array.from({ length: width }, () => random.normal()));
  const y = X.map(row => 3 * row[0] + 2 * row[1] + random.normal(0, noise));
  return { X, y };
}
