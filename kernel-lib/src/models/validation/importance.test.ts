import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { permutationImportance, r2 } from './index';
import { simulateLinear, SubsampleLeastSquaresLearner } from './simulation.test-helpers';

describe('permutationImportance (SIMULATION: y = 3·x0 + 2·x1 + noise, family A = x0, x1; B = x2, x3)', () => {
  it('finds family A important and family B not, on held-out data', async () => {
    const train = simulateLinear(300, 4, 0.5, 1);
    const heldOut = simulateLinear(300, 4, 0.5, 2);
    const model = new SubsampleLeastSquaresLearner().create(3);
    await model.fit(train.X, train.y);
    const families = ['A', 'A', 'B', 'B'];
    const result = await permutationImportance(
      x => model.predict(x),
      heldOut.X,
      heldOut.y,
      families,
      {
        seed: 4
      }
    );
    const [a, b] = result.families;
    assert.equal(a.family, 'A');
    assert.equal(a.columns, 2);
    assert.equal(a.increases.length, 5);
    // Shuffling A leaves prediction errors of variance 2·(9 + 4) + 0.25: RMSE ≈ 5.1 vs baseline ≈ 0.5.
    assert.ok(a.mean > 3.5 && a.mean < 5.5, `A: ${a.mean}`);
    assert.ok(Math.abs(b.mean) < 0.05, `B: ${b.mean}`);
    assert.ok(a.mean > 10 * (a.sd + Math.abs(b.mean)));
    assert.ok(result.baseline > 0.4 && result.baseline < 0.65, `baseline ${result.baseline}`);
    assert.deepEqual(
      await permutationImportance(x => model.predict(x), heldOut.X, heldOut.y, families, {
        seed: 4
      }),
      result
    );
    const byR2 = await permutationImportance(
      x => model.predict(x),
      heldOut.X,
      heldOut.y,
      families,
      {
        seed: 4,
        metric: r2,
        higherIsBetter: true,
        repeats: 2
      }
    );
    assert.ok(byR2.families[0].mean > 0.9, 'R² falls by about 1 without family A');
  });

  it('permutes a family’s columns together', async () => {
    // The model reads x0 - x1; with both columns equal per row it predicts 0 whatever the shuffle,
    // so grouped permutation of {x0, x1} changes nothing (separate shuffles would).
    const X = Array.from({ length: 50 }, (_, i) => [i, i, i % 7]);
    const y = X.map(() => 0);
    const result = await permutationImportance(
      async m => m.map(row => row[0] - row[1]),
      X,
      y,
      ['pair', 'pair', 'other'],
      { seed: 1 }
    );
    assert.deepEqual(result.families[0].increases, [0, 0, 0, 0, 0]);
  });

  it('checks its inputs', async () => {
    const predict = async (m: number[][]) => m.map(() => 0);
    await assert.rejects(
      permutationImportance(predict, [[1], [2]], [1, 2], ['A', 'B'], { seed: 0 }),
      /families: must name the family of each of the 1 columns/
    );
    await assert.rejects(
      permutationImportance(predict, [[1], [2]], [1, 2], ['A'], { seed: 0, repeats: 0 }),
      /options.repeats/
    );
  });
});
