import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { meanLearner } from './mean';

describe('mean baseline', () => {
  it('predicts the training mean for every row and survives JSON', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.double({ min: -1e3, max: 1e3, noNaN: true }), { minLength: 1, maxLength: 20 }),
        async y => {
          const learner = meanLearner();
          const r = learner.create(0);
          await r.fit(
            y.map((_, i) => [i]),
            y
          );
          const expected = y.reduce((a, b) => a + b, 0) / y.length;
          const restored = learner.fromJSON(JSON.parse(JSON.stringify(r.toJSON())));
          assert.deepEqual(await restored.predict([[0], [5]]), [expected, expected]);
        }
      ),
      { numRuns: 50, seed: 1 }
    );
  });

  it('rejects a prediction matrix of the wrong width', async () => {
    const r = meanLearner().create(0);
    await r.fit([[1, 2]], [3]);
    await assert.rejects(r.predict([[1]]), /X has 1 columns but the model was trained on 2/);
  });
});
