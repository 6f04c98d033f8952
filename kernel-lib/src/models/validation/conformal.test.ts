import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deriveSeed, SeededRandom } from '../random';
import {
  conformalIntervals,
  conformalQuantile,
  coverageReport,
  crossValidate,
  cvPlusIntervals,
  kFold,
  outOfFoldConformal
} from './index';
import { simulateLinear, SubsampleLeastSquaresLearner } from './simulation.test-helpers';

/** Four binomial standard errors of a coverage estimate from `draws` independent draws. */
const tolerance = (level: number, draws: number) => 4 * Math.sqrt((level * (1 - level)) / draws);

describe('split-conformal intervals', () => {
  it('take the ⌈(n+1)·level⌉-th smallest residual', () => {
    const residuals = Array.from({ length: 19 }, (_, i) => 19 - i); // 19 .. 1
    assert.equal(conformalQuantile(residuals, 0.9), 18); // ⌈20 · 0.9⌉ = 18
    assert.equal(conformalQuantile(residuals.slice(0, 9), 0.9), 19); // n = 9: ⌈9⌉ = 9th of 9
    const made = conformalIntervals(residuals, [100, 200], 0.9);
    assert.deepEqual(made.lower, [82, 182]);
    assert.deepEqual(made.upper, [118, 218]);
    assert.equal(made.calibrationSize, 19);
  });

  it('refuses too few calibration residuals, negative residuals and bad levels', () => {
    assert.throws(
      () => conformalQuantile([1, 2, 3, 4, 5, 6, 7, 8], 0.9),
      /has 8 residuals; a 90 % conformal interval needs at least 9/
    );
    assert.throws(
      () => conformalQuantile([1, -2, 3], 0.5),
      /calibrationResiduals\[1\]: must be an absolute residual/
    );
    assert.throws(
      () => conformalQuantile([1, 2, 3], 1.5),
      /level: must be a number strictly between 0 and 1/
    );
  });

  it('cover 90 % of new samples over many simulated draws (SIMULATION, heavy-tailed noise, biased model)', t => {
    // Each draw: 99 calibration samples and one new sample from y = 3·x0 + 2·x1 + t-like noise,
    // scored by a deliberately biased model ŷ = 3·x0 + 2·x1 + 0.5. With n = 99 the rank is exactly
    // 90, so the exact coverage is 0.9 for continuous residuals (Lei et al. 2018, Thm 2.2).
    const random = new SeededRandom(2024);
    const draws = 4000;
    const sample = () => {
      const x0 = random.normal();
      const x1 = random.normal();
      const noise = random.normal() / Math.sqrt(Math.max(1e-3, random.nextFloat())); // heavy tails
      return { y: 3 * x0 + 2 * x1 + noise, predicted: 3 * x0 + 2 * x1 + 0.5 };
    };
    let covered = 0;
    for (let d = 0; d < draws; d++) {
      const calibration = Array.from({ length: 99 }, sample).map(s => Math.abs(s.y - s.predicted));
      const fresh = sample();
      const { lower, upper } = conformalIntervals(calibration, [fresh.predicted], 0.9);
      covered += fresh.y >= lower[0] && fresh.y <= upper[0] ? 1 : 0;
    }
    const coverage = covered / draws;
    t.diagnostic(`simulated coverage ${coverage} over ${draws} draws`);
    assert.ok(Math.abs(coverage - 0.9) < tolerance(0.9, draws), `coverage ${coverage}`);
  });
});

describe('out-of-fold conformal intervals', () => {
  it('use the other samples of the same fold (leave one out), by hand', () => {
    // One fold of 10 with residuals 1..10 (and its mirror fold); at level 0.9 the rank among the
    // other 9 is ⌈10 · 0.9⌉ = 9: the largest other residual, 10 for all but the sample with 10 (9).
    const y = Array.from({ length: 20 }, (_, i) => (i % 10) + 1);
    const predictions = new Array<number>(20).fill(0);
    const folds = [
      {
        train: Array.from({ length: 10 }, (_, i) => i + 10),
        test: Array.from({ length: 10 }, (_, i) => i)
      },
      {
        train: Array.from({ length: 10 }, (_, i) => i),
        test: Array.from({ length: 10 }, (_, i) => i + 10)
      }
    ];
    const made = outOfFoldConformal(y, predictions, folds, 0.9);
    assert.deepEqual(made.upper.slice(0, 10), [10, 10, 10, 10, 10, 10, 10, 10, 10, 9]);
    assert.deepEqual(made.lower.slice(10), [-10, -10, -10, -10, -10, -10, -10, -10, -10, -9]);
    assert.throws(
      () => outOfFoldConformal(y, predictions, folds, 0.95),
      /folds\[0\].test: has 10 samples; leave-one-out conformal at 95 % needs at least 20 per fold/
    );
  });

  it('cover 90 % of out-of-fold samples over many simulated datasets (SIMULATION)', async t => {
    // 2000 independent simulated datasets of 50 samples, 5-fold CV of a least-squares learner.
    // Sample 0 of each dataset gives one independent Bernoulli draw; with folds of 10 the exact
    // coverage is 9/10 (rank 9 of 9 others), so the estimate should lie within 4 binomial SE.
    const draws = 2000;
    let covered = 0;
    for (let d = 0; d < draws; d++) {
      const { X, y } = simulateLinear(50, 2, 1, deriveSeed(7, 'dataset', d));
      const result = await crossValidate(
        new SubsampleLeastSquaresLearner(),
        X,
        y,
        kFold(50, 5, d),
        {
          seed: d,
          bootstrap: { resamples: 1 }
        }
      );
      const intervals = result.intervals!;
      covered += y[0] >= intervals.lower[0] && y[0] <= intervals.upper[0] ? 1 : 0;
    }
    const coverage = covered / draws;
    t.diagnostic(`simulated coverage ${coverage} over ${draws} draws`);
    assert.ok(Math.abs(coverage - 0.9) < tolerance(0.9, draws), `coverage ${coverage}`);
  });
});

describe('CV+ intervals', () => {
  it('cover new samples about 90 % of the time, above the Barber et al. bound (SIMULATION)', async t => {
    const draws = 1000;
    const level = 0.9;
    let covered = 0;
    for (let d = 0; d < draws; d++) {
      const { X, y } = simulateLinear(51, 2, 1, deriveSeed(8, 'dataset', d));
      const [xNew, yNew] = [X.pop()!, y.pop()!];
      const result = await crossValidate(
        new SubsampleLeastSquaresLearner(),
        X,
        y,
        kFold(50, 5, d),
        {
          seed: d,
          bootstrap: { resamples: 1 }
        }
      );
      const foldPredictions = await Promise.all(result.models.map(m => m.predict([xNew])));
      const residuals = y.map((v, i) => Math.abs(v - result.predictions[i]));
      const made = cvPlusIntervals(foldPredictions, residuals, result.foldOfSample, level);
      covered += yNew >= made.lower[0] && yNew <= made.upper[0] ? 1 : 0;
    }
    const coverage = covered / draws;
    t.diagnostic(`simulated coverage ${coverage} over ${draws} draws`);
    // Theorem 4 of Barber et al. 2021, K = 5, n = 50: 1 - 2·0.1 - min(2·0.8/11, 0.9/6) = 0.65.
    assert.ok(coverage >= 0.65, `coverage ${coverage}`);
    // In practice CV+ is close to nominal: within 4 binomial SE of 0.9 here.
    assert.ok(Math.abs(coverage - level) < tolerance(level, draws), `coverage ${coverage}`);
  });
});

describe('coverageReport', () => {
  it('counts covered samples (ends included) and the mean width', () => {
    const report = coverageReport([1, 2, 3, 10], [0, 2, 3.5, 0], [2, 4, 5, 10], 0.9);
    assert.deepEqual(
      {
        count: report.count,
        covered: report.covered,
        coverage: report.coverage,
        meanWidth: report.meanWidth
      },
      { count: 4, covered: 3, coverage: 0.75, meanWidth: 3.875 }
    );
    assert.equal(report.standardError, Math.sqrt(0.09 / 4));
    assert.throws(() => coverageReport([1], [2], [1], 0.9), /upper\[0\]: is below lower\[0\]/);
  });
});
