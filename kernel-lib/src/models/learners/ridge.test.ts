import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Matrix as MlMatrix } from 'ml-matrix';
import { LearnerInputError } from './data';
import { SeededRandom } from './random';
import { ridgeLearner } from './ridge';

/** Simulated data (not measurements): y = 2 x0 - x1 + noise, with a constant column. */
function simulated(n: number, p: number, seed: number): { X: number[][]; y: number[] } {
  const rng = new SeededRandom(seed);
  const X = Array.from({ length: n }, () =>
    Array.from({ length: p }, (_, j) => (j === p - 1 ? 7 : rng.next() * 10 - 5))
  );
  const y = X.map(row => 2 * row[0] - row[1] + 0.1 * (rng.next() - 0.5));
  return { X, y };
}

describe('ridge', () => {
  it('matches the hand calculation for one feature', async () => {
    // x = 0..3, y = 2x + 1: Sxx = 5, Sxy = 10, population var 1.25, n = 4.
    // Standardized slope w = Sxy / sd / (n + alpha); slope = Sxy / (sd^2 (n + alpha)) = 10 / 6.25 = 1.6;
    // intercept = mean(y) - 1.6 mean(x) = 4 - 2.4 = 1.6.
    const r = ridgeLearner({ alpha: 1 }).create(0);
    await r.fit([[0], [1], [2], [3]], [1, 3, 5, 7]);
    const model = r.fitted!;
    assert.ok(Math.abs(model.coefficients[0] - 1.6) < 1e-12);
    assert.ok(Math.abs(model.intercept - 1.6) < 1e-12);
    const predicted = await r.predict([[0], [3]]);
    assert.ok(Math.abs(predicted[0] - 1.6) < 1e-12);
    assert.ok(Math.abs(predicted[1] - 6.4) < 1e-12);
  });

  it('recovers the exact line with alpha 0 (ordinary least squares)', async () => {
    const r = ridgeLearner({ alpha: 0 }).create(0);
    await r.fit([[0], [1], [2], [3]], [1, 3, 5, 7]);
    assert.ok(Math.abs(r.fitted!.coefficients[0] - 2) < 1e-12);
    assert.ok(Math.abs(r.fitted!.intercept - 1) < 1e-12);
  });

  it("satisfies the normal equations (Z'Z + alpha I) w = Z'(y - mean y), intercept unpenalized", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 1e6 }),
        fc.integer({ min: 5, max: 30 }),
        fc.integer({ min: 2, max: 40 }),
        fc.double({ min: 0.01, max: 100, noNaN: true }),
        async (seed, n, p, alpha) => {
          const { X, y } = simulated(n, p, seed);
          const r = ridgeLearner({ alpha }).create(seed);
          await r.fit(X, y);
          const m = r.fitted!;
          const Z = new MlMatrix(X.map(row => row.map((v, j) => (v - m.means[j]) / m.scales[j])));
          const yMean = y.reduce((a, b) => a + b, 0) / n;
          const w = MlMatrix.columnVector(m.standardizedCoefficients);
          const lhs = Z.transpose().mmul(Z).mmul(w).add(w.clone().mul(alpha));
          const rhs = Z.transpose().mmul(MlMatrix.columnVector(y.map(v => v - yMean)));
          const scale = 1 + rhs.norm();
          for (let j = 0; j < p; j++) {
            assert.ok(Math.abs(lhs.get(j, 0) - rhs.get(j, 0)) < 1e-8 * scale, `row ${j}`);
          }
          // Residuals sum to zero: the intercept is fitted freely.
          const predicted = await r.predict(X);
          const residualSum = y.reduce((s, v, i) => s + v - predicted[i], 0);
          assert.ok(Math.abs(residualSum) < 1e-8 * (1 + Math.abs(yMean) * n));
        }
      ),
      { numRuns: 60, seed: 5 }
    );
  });

  it('gives a constant column a zero coefficient and ignores its value when predicting', async () => {
    const { X, y } = simulated(40, 4, 1);
    const r = ridgeLearner({ alpha: 0.5 }).create(0);
    await r.fit(X, y);
    assert.equal(r.fitted!.coefficients[3], 0);
    assert.equal(r.fitted!.scales[3], 1);
    const a = await r.predict([[1, 2, 3, 7]]);
    const b = await r.predict([[1, 2, 3, -100]]);
    assert.equal(a[0], b[0]);
    // and recovers the simulated slopes
    assert.ok(Math.abs(r.fitted!.coefficients[0] - 2) < 0.05);
    assert.ok(Math.abs(r.fitted!.coefficients[1] + 1) < 0.05);
  });

  it('refuses alpha 0 when columns are collinear, naming the reason', async () => {
    const X = [1, 2, 3, 4].map(a => [a, 2 * a]);
    await assert.rejects(
      ridgeLearner({ alpha: 0 }).create(0).fit(X, [1, 2, 3, 4]),
      /linearly dependent/
    );
  });

  it('round-trips through JSON and predicts identically', async () => {
    const { X, y } = simulated(30, 6, 3);
    const learner = ridgeLearner({ alpha: 2 });
    const r = learner.create(1);
    await r.fit(X, y);
    const restored = learner.fromJSON(JSON.parse(JSON.stringify(r.toJSON())));
    assert.deepEqual(await restored.predict(X), await r.predict(X));
    assert.throws(() => learner.fromJSON({ kind: 'ridge' }), LearnerInputError);
  });

  it('reports bad input by row and column', async () => {
    const r = ridgeLearner().create(0);
    await assert.rejects(
      r.fit(
        [
          [1, 2],
          [3, Number.NaN]
        ],
        [1, 2]
      ),
      /X row 1, column 1 is not a finite number/
    );
    await assert.rejects(r.fit([[1, 2], [3]], [1, 2]), /X row 1 has 1 values, expected 2/);
    await assert.rejects(r.fit([[1], [2]], [1]), /y has 1 values but X has 2 rows/);
    await assert.rejects(r.predict([[1]]), /before fit/);
    await r.fit(
      [
        [1, 2],
        [3, 5],
        [4, 4]
      ],
      [1, 2, 3]
    );
    await assert.rejects(r.predict([[1, 2, 3]]), /X has 3 columns but the model was trained on 2/);
    assert.throws(() => ridgeLearner({ alpha: -1 }), /alpha must be/);
  });
});
