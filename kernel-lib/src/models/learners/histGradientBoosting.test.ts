import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { learnerCitations } from '../../citations';
import { makeLearner } from '../learner-registry';
import type { SavedTree } from './treeEnsemble';
import { binningThresholds, gradientBoostingLearner } from './histGradientBoosting';
import { LearnerInputError } from './data';
import { SeededRandom } from './random';

/**
 * A fixed table whose numbers are exact in binary floating point on both sides, so scikit-learn
 * sees the very same values: in Python, for i in range(n): a = ((i*37) % 61) / 8,
 * b = float((i*13) % 17), c = float(i % 5), d = ((i*29) % 1000) / 250, and
 * y = a*a/10 + (3 if b > 8 else 0) - c + ((i*7) % 11)/10 + d*b/20.
 */
function fixedTable(n: number): { X: number[][]; y: number[] } {
  const X: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = ((i * 37) % 61) / 8;
    const b = (i * 13) % 17;
    const c = i % 5;
    const d = ((i * 29) % 1000) / 250;
    X.push([a, b, c, d]);
    y.push((a * a) / 10 + (b > 8 ? 3 : 0) - c + ((i * 7) % 11) / 10 + (d * b) / 20);
  }
  return { X, y };
}

/** Rows n to n + 9 of the table, then the same rows with 0.37 added to every value (off its grid). */
function fixedTestRows(n: number): number[][] {
  const rows = fixedTable(n + 10).X.slice(n);
  return [...rows, ...rows.map(row => row.map(v => v + 0.37))];
}

/** Simulated data (not measurements): a step and a curve in two of six columns, plus noise. */
function simulated(n: number, seed: number): { X: number[][]; y: number[] } {
  const rng = new SeededRandom(seed);
  const X = Array.from({ length: n }, () => Array.from({ length: 6 }, () => rng.next()));
  const y = X.map(r => (r[0] > 0.5 ? 3 : 0) + Math.sin(6 * r[1]) + 0.1 * (rng.next() - 0.5));
  return { X, y };
}

const rmse = (p: number[], y: number[]) =>
  Math.sqrt(p.reduce((s, v, i) => s + (v - y[i]) ** 2, 0) / p.length);

function leafOf(tree: SavedTree, row: readonly number[]): number {
  let node = 0;
  while (tree.feature[node] >= 0) {
    node = row[tree.feature[node]] <= tree.threshold[node] ? tree.left[node] : tree.right[node];
  }
  return node;
}

function depthOf(tree: SavedTree, node = 0): number {
  return tree.feature[node] < 0
    ? 0
    : 1 + Math.max(depthOf(tree, tree.left[node]), depthOf(tree, tree.right[node]));
}

describe('gradient boosting', () => {
  it("predicts as scikit-learn's HistGradientBoostingRegressor where neither draws at random", async () => {
    // Expected numbers: scikit-learn 1.9.1, HistGradientBoostingRegressor(early_stopping=False,
    // **settings).fit(X, y), then [int(p[0].nodes['is_leaf'].sum()) for p in est._predictors]
    // and est.predict(test rows), on the table above (fixedTable / fixedTestRows in Python).
    const cases = [
      {
        rows: 120,
        // max_iter=15, max_leaf_nodes=6, min_samples_leaf=8, max_bins=16: quantile bins for a
        // and d, midpoint bins for b and c, and the leaf limit reached in every tree.
        params: { maxIter: 15, maxLeafNodes: 6, minSamplesLeaf: 8, maxBins: 16 },
        leaves: Array<number>(15).fill(6),
        predictions: [
          6.14406164150948, 2.9759317042295197, 0.49060149562432936, 0.0895021575085671,
          2.3666298631973497, 6.399296322088834, 0.49060149562432936, 0.49060149562432936,
          3.7872883658671213, 2.3666298631973497, 6.399296322088834, 4.552499736877304,
          0.49060149562432936, 1.501987054915018, 2.3666298631973497, 6.399296322088834,
          1.8265735642001462, 0.49060149562432936, 3.7872883658671213, 2.3666298631973497
        ]
      },
      {
        rows: 300,
        // max_iter=20, max_depth=2, l2_regularization=1.0, learning_rate=0.3.
        params: { maxIter: 20, maxDepth: 2, l2Regularization: 1, learningRate: 0.3 },
        leaves: [4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 3, 4, 4, 4],
        predictions: [
          5.856361704296342, 1.577745801531553, 3.329238268076055, 5.723803149335736,
          -0.72484436749913, 0.8824598950742325, 1.577745801531553, 3.329238268076055,
          6.21150510533947, -1.4258386348234608, 5.856361704296342, 1.577745801531553,
          3.329238268076055, 6.5180506956445265, -0.38321336165079534, 0.8824598950742325,
          2.4779725244030364, 3.329238268076055, 6.40887480419696, -1.0842076289751263
        ]
      }
    ];
    for (const c of cases) {
      const { X, y } = fixedTable(c.rows);
      const r = gradientBoostingLearner({ ...c.params, earlyStopping: false }).create(0);
      await r.fit(X, y);
      const leaves = r.toJSON().trees.map(t => t.feature.filter(f => f < 0).length);
      assert.deepEqual(leaves, c.leaves);
      const predicted = await r.predict(fixedTestRows(c.rows));
      predicted.forEach((p, i) =>
        assert.ok(
          Math.abs(p - c.predictions[i]) <= 1e-9 * Math.max(1, Math.abs(c.predictions[i])),
          `${c.rows} rows, test row ${i}: ${p} vs scikit-learn ${c.predictions[i]}`
        )
      );
    }
  });

  it("cuts columns as scikit-learn's _find_binning_thresholds", () => {
    // Expected: [float(v) for v in _find_binning_thresholds(np.array(column), max_bins)].
    const column = (n: number, f: (i: number) => number) =>
      Float64Array.from({ length: n }, (_, i) => f(i)).sort();
    const triplicates = (i: number) => ((Math.floor(i / 3) * 7919) % 1009) / 7;
    // 200 distinct values, each three times; 16 bins: quantiles.
    assert.deepEqual(
      Array.from(binningThresholds(column(600, triplicates), 16)),
      [
        8.285714285714286, 17.785714285714285, 27.285714285714285, 36.42857142857143,
        45.57142857142857, 54.714285714285715, 63.285714285714285, 72.42857142857142,
        81.57142857142857, 90.71428571428572, 99.85714285714286, 108.42857142857142,
        117.57142857142857, 126.14285714285714, 135.28571428571428
      ]
    );
    // 600 distinct values: every other cut falls exactly on a step and averages two values.
    assert.deepEqual(
      Array.from(
        binningThresholds(
          column(600, i => ((i * 7919) % 1009) / 7),
          16
        )
      ),
      [
        9.0, 17.92857142857143, 26.857142857142858, 35.92857142857143, 45.142857142857146,
        54.214285714285715, 63.285714285714285, 72.21428571428572, 81.14285714285714,
        90.28571428571428, 99.28571428571429, 108.21428571428572, 117.14285714285714,
        126.07142857142857, 135.0
      ]
    );
    // Six distinct values, four bins, most rows on one value: duplicate quantiles are dropped.
    assert.deepEqual(
      Array.from(
        binningThresholds(
          column(600, i => Math.min(Math.floor(i / 40), 5)),
          4
        )
      ),
      [3, 5]
    );
    // Ten distinct values, at most 16 bins: midpoints.
    assert.deepEqual(
      Array.from(binningThresholds(column(30, triplicates), 16)),
      [
        6.5, 23.928571428571427, 45.785714285714285, 67.64285714285714, 85.07142857142857, 96.0,
        106.92857142857143, 117.85714285714286, 128.78571428571428
      ]
    );
    assert.deepEqual(
      Array.from(
        binningThresholds(
          column(5, () => 2),
          255
        )
      ),
      []
    );
  });

  it('builds maxIter trees within maxLeafNodes, maxDepth and minSamplesLeaf', async () => {
    const { X, y } = simulated(300, 1);
    for (const params of [
      { maxIter: 12, maxLeafNodes: 7, minSamplesLeaf: 15 },
      { maxIter: 8, maxLeafNodes: null, maxDepth: 3, minSamplesLeaf: 5 }
    ]) {
      const r = gradientBoostingLearner(params).create(3);
      await r.fit(X, y);
      const { trees } = r.toJSON();
      assert.equal(trees.length, params.maxIter);
      assert.equal(r.iterations, params.maxIter);
      for (const tree of trees) {
        const leaves = tree.feature.filter(f => f < 0).length;
        assert.ok(leaves >= 2, 'the data are worth a split in every tree');
        if (params.maxLeafNodes !== null) {
          assert.ok(leaves <= params.maxLeafNodes, `${leaves} leaves`);
        }
        if (params.maxDepth !== undefined) {
          assert.ok(depthOf(tree) <= params.maxDepth, `depth ${depthOf(tree)}`);
        }
        const counts = new Map<number, number>();
        for (const row of X) {
          const leaf = leafOf(tree, row);
          counts.set(leaf, (counts.get(leaf) ?? 0) + 1);
        }
        assert.equal(counts.size, leaves, 'every leaf holds training rows');
        assert.ok(
          Math.min(...counts.values()) >= params.minSamplesLeaf,
          `leaf sizes ${[...counts.values()]}`
        );
      }
    }
  });

  it('is deterministic for a seed and draws other columns with another seed', async () => {
    const { X, y } = simulated(200, 2);
    const test = simulated(30, 3).X;
    const learner = gradientBoostingLearner({ maxIter: 20, maxFeatures: 0.5 });
    const fitted = [];
    for (const seed of [11, 11, 12]) {
      const r = learner.create(seed);
      await r.fit(X, y);
      fitted.push({ trees: r.toJSON().trees, predictions: await r.predict(test) });
    }
    assert.deepEqual(fitted[0], fitted[1]);
    assert.notDeepEqual(fitted[0].predictions, fitted[2].predictions);
  });

  it('learns a step and a curve far better than the mean', async () => {
    const train = simulated(400, 4);
    const test = simulated(200, 5);
    const mean = train.y.reduce((a, b) => a + b, 0) / train.y.length;
    const meanRmse = rmse(
      test.y.map(() => mean),
      test.y
    );
    const r = gradientBoostingLearner().create(0);
    await r.fit(train.X, train.y);
    const error = rmse(await r.predict(test.X), test.y);
    assert.ok(error < 0.15 * meanRmse, `boosting ${error} vs mean ${meanRmse}`);
  });

  it('stops early when the held-out loss stops falling, and only above 10,000 rows for auto', async () => {
    const rng = new SeededRandom(6);
    const X = Array.from({ length: 600 }, () => [rng.next(), rng.next()]);
    const noise = X.map(() => rng.next() - 0.5);
    const counts = [];
    for (const seed of [1, 1]) {
      const r = gradientBoostingLearner({ earlyStopping: true, nIterNoChange: 5 }).create(seed);
      await r.fit(X, noise);
      counts.push(r.iterations);
    }
    assert.equal(counts[0], counts[1]);
    assert.ok(counts[0] >= 6 && counts[0] < 100, `${counts[0]} iterations on noise`);
    const auto = gradientBoostingLearner({ nIterNoChange: 5 }).create(1);
    await auto.fit(X, noise);
    assert.equal(auto.iterations, 100, "'auto' does not hold out rows from 600");
    await assert.rejects(
      gradientBoostingLearner({ earlyStopping: true })
        .create(0)
        .fit([[1]], [1]),
      /early stopping would hold out 1 of the 1 rows/
    );
  });

  it('round-trips through JSON and predicts identically', async () => {
    const { X, y } = simulated(150, 7);
    const learner = gradientBoostingLearner({ maxIter: 30, maxFeatures: 0.7 });
    const r = learner.create(9);
    await r.fit(X, y);
    const saved = JSON.parse(JSON.stringify(r.toJSON())) as unknown;
    const restored = learner.fromJSON(saved);
    const test = simulated(40, 8).X;
    assert.deepEqual(await restored.predict(test), await r.predict(test));
    assert.deepEqual(restored.toJSON(), r.toJSON());
    const viaRegistry = makeLearner('gradient-boosting', learner.params).fromJSON(saved);
    assert.deepEqual(await viaRegistry.predict(test), await r.predict(test));
  });

  it('makes single-leaf trees when there are too few rows to split, predicting the mean', async () => {
    const r = gradientBoostingLearner({ maxIter: 3 }).create(0);
    await r.fit(
      [
        [1, 2],
        [3, 4],
        [5, 6]
      ],
      [4, 5, 9]
    );
    assert.deepEqual(await r.predict([[0, 0]]), [6]);
    assert.deepEqual(
      r.toJSON().trees.map(t => t.feature),
      [[-1], [-1], [-1]]
    );
  });

  it('refuses bad parameters, input and saved models naming the field', async () => {
    const refusals: [Record<string, unknown>, RegExp][] = [
      [{ learningRate: 0 }, /gradient boosting: learningRate must be a number > 0, got 0/],
      [{ maxIter: 1.5 }, /maxIter must be an integer >= 1, got 1.5/],
      [{ maxLeafNodes: 1 }, /maxLeafNodes must be an integer >= 2, or null/],
      [{ maxDepth: 0 }, /maxDepth must be an integer >= 1, or null/],
      [{ minSamplesLeaf: 0 }, /minSamplesLeaf must be an integer >= 1/],
      [{ l2Regularization: -1 }, /l2Regularization must be a number >= 0/],
      [{ maxBins: 256 }, /maxBins must be an integer from 2 to 255, got 256/],
      [{ maxFeatures: 1.5 }, /maxFeatures must be a fraction in \(0, 1\]/],
      [{ maxFeatures: 0 }, /maxFeatures must be a fraction/],
      [{ earlyStopping: 'yes' }, /earlyStopping must be "auto", true or false, got "yes"/],
      [{ validationFraction: 1 }, /validationFraction must be a fraction in \(0, 1\)/],
      [{ nIterNoChange: 0 }, /nIterNoChange must be an integer >= 1/],
      [{ tol: Number.NaN }, /tol must be a number >= 0, got NaN/],
      [{ maxIters: 5 }, /unknown parameter "maxIters" \(known: learningRate, maxIter,/]
    ];
    for (const [params, message] of refusals) {
      assert.throws(() => gradientBoostingLearner(params as never), message);
      assert.throws(() => makeLearner('gradient-boosting', params), LearnerInputError);
    }
    await assert.rejects(
      gradientBoostingLearner()
        .create(0)
        .fit([[1], [Number.POSITIVE_INFINITY]], [1, 2]),
      /X row 1, column 0 is not a finite number/
    );
    await assert.rejects(
      gradientBoostingLearner()
        .create(0)
        .predict([[1]]),
      /before fit/
    );
    assert.throws(() => gradientBoostingLearner().create(0.5), /seed must be an integer/);

    const learner = gradientBoostingLearner({ maxIter: 2 });
    const r = learner.create(0);
    const { X, y } = simulated(60, 9);
    await r.fit(X, y);
    await assert.rejects(r.predict([[1, 2]]), /X has 2 columns but the model was trained on 6/);
    assert.throws(() => learner.fromJSON({ kind: 'extra-trees' }), /not a saved gradient boosting/);
    const broken = JSON.parse(JSON.stringify(r.toJSON())) as { trees: { left: number[] }[] };
    broken.trees[1].left[0] = 0;
    assert.throws(() => learner.fromJSON(broken), /tree 1 node 0 refers to a column or child/);
  });

  it('is registered by name with its citations', () => {
    assert.equal(makeLearner('gradient-boosting').name, 'gradient-boosting');
    assert.deepEqual(
      learnerCitations('gradient-boosting').map(c => c.key),
      ['friedman2001', 'ke2017']
    );
  });
});
