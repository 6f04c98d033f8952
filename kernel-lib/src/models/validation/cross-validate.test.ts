import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deriveSeed } from '../random';
import type { Learner, Regressor } from '../types';
import { crossValidate, groupKFold, kFold, MeanLearner, mae, r2, rmse } from './index';
import { simulateLinear, SubsampleLeastSquaresLearner } from './simulation.test-helpers';

/** What a cross-validation reports, without the fitted models (closures do not compare). */
const reported = ({ models: _models, ...rest }: Awaited<ReturnType<typeof crossValidate>>) => rest;

describe('crossValidate', () => {
  it('predicts each sample with the mean of the other folds (mean baseline, by hand)', async () => {
    const X = Array.from({ length: 6 }, (_, i) => [i]);
    const y = [1, 2, 3, 10, 20, 30];
    const folds = [
      { train: [3, 4, 5], test: [0, 1, 2] },
      { train: [0, 1, 2], test: [3, 4, 5] }
    ];
    const result = await crossValidate(new MeanLearner(), X, y, folds, { seed: 1 });
    assert.deepEqual(result.predictions, [20, 20, 20, 2, 2, 2]);
    assert.deepEqual(result.foldOfSample, [0, 0, 0, 1, 1, 1]);
    assert.equal(result.metrics.mae.value, mae(y, [20, 20, 20, 2, 2, 2]));
    assert.equal(result.metrics.rmse.value, rmse(y, result.predictions));
    assert.equal(result.metrics.r2.value, r2(y, result.predictions));
    assert.deepEqual(
      result.folds.map(f => [f.fold, f.trainSize, f.testSize, f.mae, f.seed]),
      [
        [0, 3, 3, 18, deriveSeed(1, 'fold', 0)],
        [1, 3, 3, 18, deriveSeed(1, 'fold', 1)]
      ]
    );
    // Folds of 3 are too small for 90 % leave-one-out conformal intervals: said, not faked.
    assert.equal(result.intervals, null);
    assert.match(result.intervalsUnavailable!, /needs at least 10 per fold/);
  });

  it('is deterministic per seed, and the seed reaches the regressors', async () => {
    const { X, y } = simulateLinear(60, 3, 1, 5);
    const folds = kFold(60, 5, 5);
    const run = (seed: number) =>
      crossValidate(new SubsampleLeastSquaresLearner(), X, y, folds, {
        seed,
        bootstrap: { resamples: 200 }
      });
    const a = reported(await run(11));
    assert.deepEqual(reported(await run(11)), a);
    assert.notDeepEqual(reported(await run(12)).predictions, a.predictions);
    assert.ok(a.intervals && a.intervals.lower.every((l, i) => l < a.predictions[i]));
    assert.equal(a.intervals!.coverage.count, 60);
    assert.ok(a.metrics.r2.value > 0.8, 'least squares explains simulated linear data');
    assert.equal(a.metrics.mae.method, 'percentile bootstrap over samples');
  });

  it('uses the cluster bootstrap and refuses leaking folds when groups are given', async () => {
    const { X, y } = simulateLinear(60, 2, 1, 6);
    const groups = X.map((_, i) => `molecule-${i % 15}`);
    const folds = groupKFold(groups, 5, 3);
    const result = await crossValidate(new MeanLearner(), X, y, folds, { seed: 2, groups });
    assert.equal(result.metrics.rmse.method, 'cluster percentile bootstrap over groups');
    assert.equal(result.metrics.rmse.groups, 15);
    await assert.rejects(
      crossValidate(new MeanLearner(), X, y, kFold(60, 5, 3), { seed: 2, groups }),
      /folds\[\d\]: group "molecule-\d+" is in both train \(sample \d+\) and test/
    );
  });

  it('refuses malformed folds, constant targets and misbehaving learners, naming the place', async () => {
    const X = Array.from({ length: 4 }, (_, i) => [i]);
    const y = [1, 2, 3, 4];
    const cv = (
      folds: { train: number[]; test: number[] }[],
      learner: Learner = new MeanLearner(),
      target = y
    ) => crossValidate(learner, X, target, folds, { seed: 0 });
    await assert.rejects(
      cv([
        { train: [2, 3], test: [0, 1] },
        { train: [0], test: [1, 2, 3] }
      ]),
      /folds\[1\].test: sample 1 is also in the test set of fold 0/
    );
    await assert.rejects(
      cv([
        { train: [1, 2, 3], test: [0, 1] },
        { train: [0, 1], test: [2, 3] }
      ]),
      /folds\[0\]: sample 1 is in both train and test/
    );
    await assert.rejects(
      cv([
        { train: [2], test: [0, 1] },
        { train: [0, 1], test: [2] }
      ]),
      /folds: sample 3 is in no test fold/
    );
    await assert.rejects(
      cv([
        { train: [2, 3], test: [0, 1] },
        { train: [0, 1], test: [2, 7] }
      ]),
      /folds\[1\].test\[1\]: must be a sample index from 0 to 3, got 7/
    );
    await assert.rejects(cv(kFold(4, 2, 0), new MeanLearner(), [5, 5, 5, 5]), /y: is constant/);
    const broken: Learner = {
      name: 'broken',
      params: {},
      create: (): Regressor => ({
        fit: async () => undefined,
        predict: async X => X.map(() => NaN),
        toJSON: () => ({})
      }),
      fromJSON: () => {
        throw new Error('unused');
      }
    };
    await assert.rejects(
      cv(kFold(4, 2, 0), broken),
      /learner "broken" predicted NaN for sample \d/
    );
    await assert.rejects(
      crossValidate(new MeanLearner(), [[1], [2, 3]], [1, 2], kFold(2, 2, 0), { seed: 0 }),
      /X\[1\]: has 2 values but 1 are needed/
    );
  });
});

describe('MeanLearner', () => {
  it('round-trips through JSON and refuses predicting before fitting', async () => {
    const learner = new MeanLearner();
    const model = learner.create(0);
    await assert.rejects(model.predict([[1]]), /predict was called before fit/);
    await model.fit([[1], [2], [3]], [1, 2, 6]);
    assert.deepEqual(await model.predict([[0], [9]]), [3, 3]);
    const copy = learner.fromJSON(JSON.parse(JSON.stringify(model.toJSON())));
    assert.deepEqual(await copy.predict([[5]]), [3]);
    assert.throws(() => learner.fromJSON({ mean: 'x' }), /json.mean/);
  });
});
