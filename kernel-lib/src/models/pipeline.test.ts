import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nestedCrossValidate, predictWithIntervals, trainAndValidate } from './pipeline';
import type { FeatureSet } from './types';
import { ridgeLearner } from './learners';
import { MeanLearner } from './validation';
import { SubsampleLeastSquaresLearner, simulateLinear } from './validation/simulation.test-helpers';

/** SIMULATED data (y = 3 x0 + 2 x1 + noise), never a result: checks the plumbing, not science. */
function simulated(
  n: number,
  seed: number
): { features: FeatureSet; y: number[]; groups: string[] } {
  const { X, y } = simulateLinear(n, 6, 0.5, seed);
  return {
    features: {
      names: X[0].map((_, j) => `x${j}`),
      families: ['signal', 'signal', 'noise', 'noise', 'noise', 'noise'],
      X,
      version: 'simulated@1'
    },
    y,
    // Pairs of samples share a group, as repeated measurements of one molecule do.
    groups: y.map((_, i) => `g${Math.floor(i / 2)}`)
  };
}

describe('training pipeline (simulated data)', () => {
  it('validates by groups, explains by family, fits the final model and gives intervals', async () => {
    const data = simulated(240, 1);
    const model = await trainAndValidate(data, {
      learner: new SubsampleLeastSquaresLearner(),
      seed: 7,
      learningCurve: [0.1, 1]
    });
    assert.equal(model.validation.predictions.length, 240);
    assert.ok(model.grouped);
    for (const fold of model.folds) {
      const train = new Set(fold.train.map(i => data.groups[i]));
      assert.ok(
        fold.test.every(i => !train.has(data.groups[i])),
        'no group in train and test'
      );
    }
    assert.ok(
      model.validation.metrics.rmse.value < 0.7,
      `rmse ${model.validation.metrics.rmse.value}`
    );
    const [signal, noise] = ['signal', 'noise'].map(
      family => model.importance!.families.find(f => f.family === family)!.mean
    );
    assert.ok(signal > 1 && Math.abs(noise) < 0.1, `signal ${signal}, noise ${noise}`);
    assert.ok(model.learningCurve[1].error <= model.learningCurve[0].error);
    const coverage = model.validation.intervals!.coverage.coverage;
    assert.ok(Math.abs(coverage - 0.9) < 0.06, `out-of-fold coverage ${coverage}`);

    const fresh = simulated(400, 2);
    const predicted = await predictWithIntervals(model, fresh.features.X);
    const covered = predicted.filter((p, i) => p.lower <= fresh.y[i] && fresh.y[i] <= p.upper);
    assert.ok(
      Math.abs(covered.length / 400 - 0.9) < 0.06,
      `coverage on new samples ${covered.length / 400}`
    );
  });

  it('gives identical numbers for the same seed, and different folds for another', async () => {
    const data = simulated(120, 3);
    const run = (seed: number) =>
      trainAndValidate(data, {
        learner: new SubsampleLeastSquaresLearner(),
        seed,
        importanceRepeats: 2
      });
    const [a, b, c] = await Promise.all([run(11), run(11), run(12)]);
    assert.deepEqual(a.validation.predictions, b.validation.predictions);
    assert.deepEqual(a.importance, b.importance);
    assert.equal(a.conformal.halfWidth, b.conformal.halfWidth);
    assert.notDeepEqual(a.folds, c.folds);
  });

  it('chooses between candidates inside each outer fold only', async () => {
    const data = simulated(150, 4);
    const nested = await nestedCrossValidate(
      [new MeanLearner(), new SubsampleLeastSquaresLearner()],
      data,
      { seed: 5 }
    );
    assert.equal(nested.choices.length, 5);
    assert.ok(nested.choices.every(c => c.chosen.startsWith('subsample-least-squares')));
    assert.ok(nested.rmse < 0.8, `nested rmse ${nested.rmse}`);
    await assert.rejects(nestedCrossValidate([], data, { seed: 1 }), /at least one learner/);
  });

  it('searches hyperparameters: fits the best candidate and reports the nested error on the same folds', async () => {
    const data = simulated(120, 6);
    // Heavy shrinkage (alpha 1e4) flattens the signal; alpha 0.1 keeps it.
    const candidates = [1e4, 0.1, 1000].map(alpha => ridgeLearner({ alpha }));
    const model = await trainAndValidate(data, {
      learner: new MeanLearner(),
      seed: 3,
      importanceRepeats: 0,
      search: candidates
    });
    const search = model.search!;
    assert.equal(search.candidates.length, 3);
    assert.equal(search.chosen.alpha, 0.1);
    assert.equal(model.learner.name, 'ridge');
    assert.equal(model.learner.params.alpha, 0.1);
    const best = Math.min(...search.candidates.map(c => c.rmse));
    assert.equal(search.candidates[1].rmse, best);
    // The chosen candidate's cross-validation is the one the search scored it by.
    assert.ok(Math.abs(model.validation.metrics.rmse.value - best) < 1e-9);
    // Nested: one choice per outer fold of the model's own folds, every sample predicted once.
    assert.equal(search.nested.choices.length, model.folds.length);
    assert.ok(search.nested.predictions.every(Number.isFinite));
    assert.ok(search.nested.rmse < 0.8, `nested rmse ${search.nested.rmse}`);
    const noSearch = await trainAndValidate(data, {
      learner: new MeanLearner(),
      seed: 3,
      importanceRepeats: 0
    });
    assert.equal(noSearch.search, null);
    assert.deepEqual(noSearch.folds, model.folds);
  });
});
