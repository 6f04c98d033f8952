import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nestedCrossValidate, predictWithIntervals, trainAndValidate } from './pipeline';
import { SeededRandom } from './random';
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
    // The reported validation is the nested one: each outer fold's own choice predicted its rows.
    assert.deepEqual(model.validation.predictions, search.nested.predictions);
    // Its outer fits reuse the search's fold models: the same as fitting them again.
    const refitted = await nestedCrossValidate(candidates, data, {
      seed: 3,
      innerFolds: 3,
      outer: model.folds
    });
    assert.deepEqual(refitted.predictions, search.nested.predictions);
    assert.match(search.why, /lowest cross-validated RMSE of 3 candidates/);
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

  it('chooses automatically without a learner, and may choose a candidate on some families only', async () => {
    const data = simulated(120, 8);
    // Noise columns hurt an unpenalized fit on few rows: the candidate on "signal" alone wins.
    const model = await trainAndValidate(data, {
      seed: 2,
      importanceRepeats: 0,
      search: [
        new SubsampleLeastSquaresLearner(),
        { learner: new SubsampleLeastSquaresLearner(), families: ['signal'] },
        // Absent families: left out, not an error.
        { learner: new MeanLearner(), families: ['morgan'] }
      ]
    });
    assert.equal(model.search!.candidates.length, 2);
    assert.deepEqual(model.search!.chosenLearner.families, ['signal']);
    assert.deepEqual(model.families, ['signal']);
    // The final regressor takes the full matrix and reads its own columns.
    const [p] = await model.final.predict([[1, 1, 100, -100, 50, 7]]);
    assert.ok(Math.abs(p - 5) < 0.5, `prediction ${p}`);
    const auto = await trainAndValidate(simulated(60, 9), {
      seed: 1,
      importanceRepeats: 0
    });
    assert.ok(auto.search!.candidates.length >= 3, 'auto compares its candidates');
    assert.ok(
      ['ridge', 'extra-trees', 'random-forest', 'gradient-boosting'].includes(auto.learner.name)
    );
  });

  it('reports progress step by step, and stops at the signal with nothing returned', async () => {
    const data = simulated(80, 10);
    const seen: { stage: string; done: number; total: number }[] = [];
    await trainAndValidate(data, {
      learner: ridgeLearner(),
      seed: 1,
      learningCurve: [0.5, 1],
      onProgress: p => seen.push(p)
    });
    // 5 folds, 5 importance folds, 5 fits at 50 % (100 % reuses the folds), the final fit.
    assert.equal(seen.length, 16);
    assert.deepEqual(
      seen.map(p => p.done),
      seen.map((_, i) => i)
    );
    assert.ok(seen.every(p => p.total === 16));
    assert.deepEqual(
      [...new Set(seen.map(p => p.stage))],
      ['validation', 'importance', 'learning curve', 'final fit']
    );
    const stop = new AbortController();
    const steps: number[] = [];
    await assert.rejects(
      trainAndValidate(data, {
        learner: ridgeLearner(),
        seed: 1,
        signal: stop.signal,
        onProgress: p => {
          steps.push(p.done);
          if (p.done === 3) {
            stop.abort(new Error('stopped by the test'));
          }
        }
      }),
      /stopped by the test/
    );
    assert.equal(Math.max(...steps), 3, 'no step after the abort');
  });

  it('widens intervals away from the training data, keeps coverage, and flags molecules outside the domain', async () => {
    // SIMULATED: y = x0 + noise whose SD grows with |x1|, so far rows are harder to predict.
    const random = new SeededRandom(5);
    const rows = 400;
    const X: number[][] = [];
    const y: number[] = [];
    for (let i = 0; i < rows; i++) {
      // Most rows near x1 = 0, a tail far out (sparse, like unusual molecules).
      const x1 = random.nextFloat() < 0.8 ? random.normal() * 0.5 : 2 + random.nextFloat() * 3;
      const x0 = random.normal();
      X.push([x0, x1]);
      y.push(x0 + random.normal() * (0.1 + Math.abs(x1)));
    }
    const data = {
      features: { names: ['x0', 'x1'], families: ['a', 'a'], X, version: 'simulated@1' },
      y
    };
    const model = await trainAndValidate(data, {
      learner: ridgeLearner({ alpha: 0.01 }),
      seed: 4,
      importanceRepeats: 0
    });
    const comparison = model.intervals!;
    assert.ok(model.conformal.adaptive, 'adaptive calibration saved');
    // The same marginal coverage (exact per-fold leave-one-out, both ways)...
    for (const kind of ['constant', 'adaptive'] as const) {
      assert.ok(
        Math.abs(comparison[kind].coverage - 0.9) < 0.04,
        `${kind} coverage ${comparison[kind].coverage}`
      );
    }
    // ...narrower near the data, wider far from it.
    const [near, middle, far] = comparison.byNovelty;
    assert.ok(near.adaptive.meanWidth < near.constant.meanWidth, 'narrower near');
    assert.ok(near.adaptive.meanWidth < middle.adaptive.meanWidth);
    assert.ok(middle.adaptive.meanWidth < far.adaptive.meanWidth);
    // Constant widths under-cover the hard far rows; adapting helps them.
    assert.ok(far.adaptive.coverage > far.constant.coverage);
    assert.ok(comparison.adaptive.meanWidth < comparison.constant.meanWidth);
    const [inside, outside] = await predictWithIntervals(model, [
      [0, 0],
      [0, 40]
    ]);
    assert.equal(inside.inDomain, true);
    assert.equal(outside.inDomain, false);
    assert.ok(outside.upper - outside.lower > 3 * (inside.upper - inside.lower));
  });
});
