import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LearnerInputError } from './data';
import { extraTreesLearner, forestLearner } from './treeEnsemble';
import { SeededRandom } from './random';

/** Simulated data (not measurements): a step and a curve in two of six columns, plus noise. */
function simulated(n: number, seed: number): { X: number[][]; y: number[] } {
  const rng = new SeededRandom(seed);
  const X = Array.from({ length: n }, () => Array.from({ length: 6 }, () => rng.next()));
  const y = X.map(r => (r[0] > 0.5 ? 3 : 0) + Math.sin(6 * r[1]) + 0.1 * (rng.next() - 0.5));
  return { X, y };
}

const rmse = (p: number[], y: number[]) =>
  Math.sqrt(p.reduce((s, v, i) => s + (v - y[i]) ** 2, 0) / p.length);

for (const [label, makeLearner] of [
  ['extra trees', extraTreesLearner],
  ['random forest', forestLearner]
] as const) {
  describe(label, () => {
    it('gives bit-identical predictions for the same seed and different ones for another seed', async () => {
      const { X, y } = simulated(80, 1);
      const test = simulated(20, 2).X;
      const learner = makeLearner({ trees: 20, maxFeatures: 0.5 });
      const predictions = [];
      for (const seed of [11, 11, 12]) {
        const r = learner.create(seed);
        await r.fit(X, y);
        predictions.push(await r.predict(test));
      }
      assert.deepEqual(predictions[0], predictions[1]);
      assert.notDeepEqual(predictions[0], predictions[2]);
    });

    it('learns a step and a curve the mean cannot, and more trees do not hurt', async () => {
      const train = simulated(200, 3);
      const test = simulated(100, 4);
      const mean = train.y.reduce((a, b) => a + b, 0) / train.y.length;
      const meanRmse = rmse(
        test.y.map(() => mean),
        test.y
      );
      const errors = [];
      for (const trees of [1, 100]) {
        const r = makeLearner({ trees }).create(0);
        await r.fit(train.X, train.y);
        errors.push(rmse(await r.predict(test.X), test.y));
      }
      assert.ok(errors[1] < 0.25 * meanRmse, `100 trees ${errors[1]} vs mean ${meanRmse}`);
      // Averaging many randomized trees is the point of the method: one tree is much worse.
      assert.ok(errors[1] < 0.8 * errors[0], `100 trees ${errors[1]} vs one tree ${errors[0]}`);
    });

    it('fits the training rows exactly when grown fully without bootstrap (pure leaves)', async () => {
      const { X, y } = simulated(50, 5);
      const r = makeLearner({ trees: 3, bootstrap: false }).create(1);
      await r.fit(X, y);
      const predicted = await r.predict(X);
      predicted.forEach((p, i) =>
        assert.ok(Math.abs(p - y[i]) < 1e-9, `row ${i}: ${p} vs ${y[i]}`)
      );
    });

    it('respects minSamplesLeaf and maxDepth', async () => {
      const { X, y } = simulated(64, 6);
      const stump = makeLearner({ trees: 1, maxDepth: 1 }).create(2);
      await stump.fit(X, y);
      const tree = stump.toJSON().trees[0];
      assert.equal(tree.feature.length, 3, 'a depth-1 tree has a root and two leaves');
      const leafy = makeLearner({ trees: 1, minSamplesLeaf: 10 }).create(2);
      await leafy.fit(X, y);
      const t = leafy.toJSON().trees[0];
      // Count the training rows reaching each leaf.
      const counts = new Map<number, number>();
      for (const row of X) {
        let node = 0;
        while (t.feature[node] >= 0) {
          node = row[t.feature[node]] <= t.threshold[node] ? t.left[node] : t.right[node];
        }
        counts.set(node, (counts.get(node) ?? 0) + 1);
      }
      assert.ok(Math.min(...counts.values()) >= 10, `leaf sizes ${[...counts.values()]}`);
    });

    it('makes a leaf of a constant target or constant columns', async () => {
      const r = makeLearner({ trees: 2, bootstrap: false }).create(0);
      await r.fit(
        [
          [1, 2],
          [1, 2],
          [1, 2]
        ],
        [4, 5, 6]
      );
      assert.deepEqual(await r.predict([[0, 0]]), [5]);
      assert.equal(r.toJSON().trees[0].feature.length, 1);
    });

    it("reports the trees' spread and round-trips through JSON", async () => {
      const { X, y } = simulated(60, 7);
      const learner = makeLearner({ trees: 10, bootstrap: true });
      const r = learner.create(9);
      await r.fit(X, y);
      const { mean, spread } = await r.predictWithSpread(X.slice(0, 10));
      assert.deepEqual(mean, await r.predict(X.slice(0, 10)));
      assert.ok(spread.every(s => s >= 0) && spread.some(s => s > 0));
      const restored = learner.fromJSON(JSON.parse(JSON.stringify(r.toJSON())));
      assert.deepEqual(await restored.predict(X), await r.predict(X));
    });

    it('refuses bad parameters, input and saved models with the reason', async () => {
      assert.throws(() => makeLearner({ trees: 0 }), /trees must be an integer >= 1/);
      assert.throws(() => makeLearner({ minSamplesSplit: 1 }), /minSamplesSplit must be/);
      assert.throws(() => makeLearner({ maxFeatures: 1.5 }), /maxFeatures must be/);
      assert.throws(() => makeLearner({ maxDepth: 0 }), /maxDepth must be an integer >= 1/);
      await assert.rejects(
        makeLearner({ maxFeatures: 3 })
          .create(0)
          .fit(
            [
              [1, 2],
              [3, 4]
            ],
            [1, 2]
          ),
        /maxFeatures 3 exceeds the 2 feature columns/
      );
      await assert.rejects(
        makeLearner()
          .create(0)
          .fit([[1], [Number.NaN]], [1, 2]),
        /X row 1, column 0 is not a finite number/
      );
      await assert.rejects(
        makeLearner()
          .create(0)
          .predict([[1]]),
        /before fit/
      );
      const learner = makeLearner({ trees: 2 });
      assert.throws(() => learner.fromJSON({ kind: 'extra-trees' }), LearnerInputError);
      const r = learner.create(0);
      await r.fit(simulated(20, 8).X, simulated(20, 8).y);
      const broken = JSON.parse(JSON.stringify(r.toJSON())) as {
        columns: number;
        trees: { left: number[] }[];
      };
      broken.trees[0].left[0] = 0;
      assert.throws(() => learner.fromJSON(broken), /tree 0 node 0 refers to a column or child/);
      assert.throws(() => makeLearner({ tree: 5 } as never), /unknown parameter "tree"/);
      const other = (label === 'extra trees' ? forestLearner : extraTreesLearner)({ trees: 1 });
      const otherModel = other.create(0);
      await otherModel.fit(simulated(20, 8).X, simulated(20, 8).y);
      assert.throws(() => learner.fromJSON(otherModel.toJSON()), /not a saved .* model \(it is/);
    });
  });
}
