import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LearnerInputError } from './data';
import { forestLearner } from './forest';
import { SeededRandom } from './random';

/** Simulated data (not measurements): a step and a curve in two of five columns, plus noise. */
function simulated(n: number, seed: number): { X: number[][]; y: number[] } {
  const rng = new SeededRandom(seed);
  const X = Array.from({ length: n }, () => Array.from({ length: 5 }, () => rng.next()));
  const y = X.map(r => (r[0] > 0.5 ? 3 : 0) + Math.sin(6 * r[1]) + 0.1 * (rng.next() - 0.5));
  return { X, y };
}

const SMALL = { trees: 15, maxDepth: 6 };

describe('random forest (ml-random-forest)', () => {
  it('gives bit-identical predictions for the same seed and different ones for another seed', async () => {
    const { X, y } = simulated(80, 1);
    const test = simulated(20, 2).X;
    const learner = forestLearner({ ...SMALL, maxFeatures: 0.6 });
    const predictions = [];
    for (const seed of [11, 11, 12]) {
      const r = learner.create(seed);
      await r.fit(X, y);
      predictions.push(await r.predict(test));
    }
    assert.deepEqual(predictions[0], predictions[1]);
    assert.notDeepEqual(predictions[0], predictions[2]);
  });

  it('learns a step the mean cannot (held-out error well below the spread of y)', async () => {
    const train = simulated(150, 3);
    const test = simulated(60, 4);
    const r = forestLearner(SMALL).create(0);
    await r.fit(train.X, train.y);
    const predicted = await r.predict(test.X);
    const mean = train.y.reduce((a, b) => a + b, 0) / train.y.length;
    const rmse = (p: number[]) =>
      Math.sqrt(p.reduce((s, v, i) => s + (v - test.y[i]) ** 2, 0) / p.length);
    const forestRmse = rmse(predicted);
    const meanRmse = rmse(test.y.map(() => mean));
    assert.ok(forestRmse < 0.4 * meanRmse, `forest ${forestRmse} vs mean ${meanRmse}`);
  });

  it("reports the trees' spread around the mean prediction", async () => {
    const { X, y } = simulated(60, 5);
    const r = forestLearner(SMALL).create(3);
    await r.fit(X, y);
    const { mean, spread } = await r.predictWithSpread(X.slice(0, 10));
    const predicted = await r.predict(X.slice(0, 10));
    mean.forEach((m, i) => assert.ok(Math.abs(m - predicted[i]) < 1e-12));
    assert.ok(spread.every(s => s >= 0) && spread.some(s => s > 0));
  });

  it('round-trips through JSON and predicts identically', async () => {
    const { X, y } = simulated(60, 6);
    const learner = forestLearner(SMALL);
    const r = learner.create(9);
    await r.fit(X, y);
    const saved = JSON.parse(JSON.stringify(r.toJSON())) as unknown;
    const restored = learner.fromJSON(saved);
    assert.deepEqual(await restored.predict(X), await r.predict(X));
    assert.equal((saved as { params: { trees: number } }).params.trees, 15);
    assert.throws(() => learner.fromJSON({ kind: 'random-forest' }), LearnerInputError);
  });

  it('rejects bad parameters and input with the reason', async () => {
    assert.throws(() => forestLearner({ trees: 0 }), /trees must be an integer >= 1/);
    assert.throws(() => forestLearner({ maxFeatures: 1.5 }), /maxFeatures must be/);
    await assert.rejects(
      forestLearner({ maxFeatures: 9 })
        .create(0)
        .fit(
          [
            [1, 2],
            [3, 4]
          ],
          [1, 2]
        ),
      /maxFeatures 9 exceeds the 2 feature columns/
    );
    await assert.rejects(
      forestLearner()
        .create(0)
        .fit([[1], [Number.POSITIVE_INFINITY]], [1, 2]),
      /X row 1, column 0 is not a finite number/
    );
  });
});
