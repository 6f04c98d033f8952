import { checkLevel, checkNumbers, ModelValidationError } from './errors';
import type { Fold } from './splits';

/** Prediction intervals [lower, upper], one per prediction, and how they were made. */
export interface PredictionIntervals {
  lower: number[];
  upper: number[];
  /** Nominal coverage, e.g. 0.9. */
  level: number;
  method: string;
  /** What the method guarantees, in words, for reports. */
  guarantee: string;
}

/**
 * The split-conformal quantile of absolute residuals |y - ŷ| of n calibration samples: the
 * ⌈(n+1)·level⌉-th smallest, i.e. the empirical quantile at ⌈(n+1)·level⌉/n (Lei, G'Sell,
 * Rinaldo, Tibshirani and Wasserman, "Distribution-free predictive inference for regression",
 * JASA 113, 2018; Angelopoulos and Bates, "A gentle introduction to conformal prediction",
 * arXiv:2107.07511, 2021, §1). Too few samples for the level (⌈(n+1)·level⌉ > n, e.g. n < 9 at
 * 90 %) would give an infinite interval: refused with an error saying how many are needed.
 */
export function conformalQuantile(residuals: number[], level: number): number {
  checkLevel(level);
  Private.checkResiduals(residuals, 'calibrationResiduals');
  const n = residuals.length;
  const rank = Private.rank(n, level);
  if (rank > n) {
    throw new ModelValidationError(
      'calibrationResiduals',
      `has ${n} residuals; a ${level * 100} % conformal interval needs at least ${Private.minimumCalibration(level)}`
    );
  }
  return [...residuals].sort((a, b) => a - b)[rank - 1];
}

/** The fewest calibration residuals that give a finite interval at `level` (9 at 90 %). */
export function conformalMinimumSize(level: number): number {
  checkLevel(level);
  return Private.minimumCalibration(level);
}

/**
 * Split-conformal intervals ŷ ± q with q = conformalQuantile(calibrationResiduals, level). If the
 * calibration samples and a new sample are exchangeable (e.g. i.i.d.) and the model never saw the
 * calibration samples, P(y ∈ [ŷ - q, ŷ + q]) ≥ level, and ≤ level + 1/(n+1) when residuals have no
 * ties (Lei et al. 2018, Theorem 2.2). Marginal coverage, not per-molecule.
 */
export function conformalIntervals(
  calibrationResiduals: number[],
  predictions: number[],
  level: number
): PredictionIntervals & { halfWidth: number; calibrationSize: number } {
  const q = conformalQuantile(calibrationResiduals, level);
  checkNumbers(predictions, 'predictions');
  return {
    lower: predictions.map(p => p - q),
    upper: predictions.map(p => p + q),
    halfWidth: q,
    calibrationSize: calibrationResiduals.length,
    level,
    method: 'split conformal, absolute-residual score',
    guarantee: `marginal coverage >= ${level} for exchangeable samples the model did not see`
  };
}

/**
 * Intervals for the out-of-fold predictions of a cross-validation, each from models that never saw
 * the sample. Variant ("per-fold split conformal, leave one out"): sample j of test fold f gets
 * ŷ_j ± q_j, where ŷ_j is the prediction of fold f's model (trained without fold f) and q_j the
 * split-conformal quantile of the absolute residuals of the OTHER test samples of fold f under the
 * same model. Fold f's model is independent of fold f's samples, so for j they are a proper
 * calibration set and split-conformal validity holds exactly: P(y_j ∈ interval) ≥ level, and
 * ≤ level + 1/m_f for continuous residuals (m_f = fold size), when samples within a fold are
 * exchangeable. With grouped folds, samples of one group share a fold and are correlated, so
 * sample-level exchangeability and hence the guarantee are approximate.
 * Each fold needs at least conformal's minimum + 1 samples (10 at 90 %).
 *
 * With `scales` (one positive number per sample, known without its measured value, e.g. how far
 * the sample lies from the fold's training samples), the score is the normalized residual
 * |y - ŷ| / scale and the interval ŷ ± q·scale (normalized conformal, Papadopoulos, Vovk and
 * Gammerman, JAIR 40, 2011): the same validity argument, with widths that follow the scale.
 */
export function outOfFoldConformal(
  yTrue: number[],
  outOfFoldPredictions: number[],
  folds: Fold[],
  level: number,
  scales?: number[]
): PredictionIntervals {
  checkLevel(level);
  checkNumbers(yTrue, 'yTrue');
  checkNumbers(outOfFoldPredictions, 'outOfFoldPredictions', yTrue.length);
  if (scales) {
    checkNumbers(scales, 'scales', yTrue.length);
    const bad = scales.findIndex(s => !(s > 0));
    if (bad >= 0) {
      throw new ModelValidationError(`scales[${bad}]`, 'must be positive');
    }
  }
  const scale = (i: number) => (scales ? scales[i] : 1);
  const lower = new Array<number>(yTrue.length).fill(NaN);
  const upper = new Array<number>(yTrue.length).fill(NaN);
  folds.forEach((fold, f) => {
    const residuals = fold.test.map(i => Math.abs(yTrue[i] - outOfFoldPredictions[i]) / scale(i));
    const calibration = residuals.length - 1;
    const rank = Private.rank(calibration, level);
    if (rank > calibration) {
      throw new ModelValidationError(
        `folds[${f}].test`,
        `has ${residuals.length} samples; leave-one-out conformal at ${level * 100} % needs at least ${Private.minimumCalibration(level) + 1} per fold`
      );
    }
    const sorted = [...residuals].sort((a, b) => a - b);
    fold.test.forEach((i, t) => {
      // The rank-th smallest of the fold's residuals without this sample's own (one occurrence).
      const own = Private.lastIndexAtMost(sorted, residuals[t]);
      const q = (rank - 1 < own ? sorted[rank - 1] : sorted[rank]) * scale(i);
      lower[i] = outOfFoldPredictions[i] - q;
      upper[i] = outOfFoldPredictions[i] + q;
    });
  });
  const missing = lower.findIndex(Number.isNaN);
  if (missing >= 0) {
    throw new ModelValidationError('folds', `sample ${missing} is in no test fold`);
  }
  return {
    lower,
    upper,
    level,
    method: scales
      ? "per-fold normalized split conformal, leave one out (out-of-fold residuals of the same fold model over each sample's scale)"
      : 'per-fold split conformal, leave one out (out-of-fold residuals of the same fold model)',
    guarantee: `marginal coverage >= ${level} per sample when samples within a fold are exchangeable`
  };
}

/**
 * CV+ intervals for NEW samples from the K fold models of a cross-validation (Barber, Candès,
 * Ramdas and Tibshirani, "Predictive inference with the jackknife+", Ann. Statist. 49(1), 2021,
 * §3): with R_i the out-of-fold absolute residual of training sample i and μ_{-k(i)} the model of
 * the fold that held i out, the interval for x is
 *   [ the ⌊(1-level)(n+1)⌋-th smallest of μ_{-k(i)}(x) - R_i,
 *     the ⌈level·(n+1)⌉-th smallest of μ_{-k(i)}(x) + R_i ].
 * Guarantee (their Theorem 4): coverage ≥ 1 - 2(1-level) - min(2(1-1/K)/(n/K+1), (1-K/n)/(K+1))
 * for exchangeable samples; in practice close to `level`.
 *
 * @param foldPredictions foldPredictions[k][j]: fold k's model's prediction for new sample j.
 * @param outOfFoldResiduals |y_i - ŷ_i| of the n training samples, ŷ_i out of fold.
 * @param foldOfSample k(i): the fold whose model did not see training sample i.
 */
export function cvPlusIntervals(
  foldPredictions: number[][],
  outOfFoldResiduals: number[],
  foldOfSample: number[],
  level: number
): PredictionIntervals {
  checkLevel(level);
  Private.checkResiduals(outOfFoldResiduals, 'outOfFoldResiduals');
  const n = outOfFoldResiduals.length;
  checkNumbers(foldOfSample, 'foldOfSample', n);
  const K = foldPredictions.length;
  foldOfSample.forEach((k, i) => {
    if (!Number.isInteger(k) || k < 0 || k >= K) {
      throw new ModelValidationError(
        `foldOfSample[${i}]`,
        `must be a fold number from 0 to ${K - 1}`
      );
    }
  });
  const m = foldPredictions[0]?.length ?? 0;
  foldPredictions.forEach((row, k) => checkNumbers(row, `foldPredictions[${k}]`, m));
  const upperRank = Private.rank(n, level);
  const lowerRank = Math.floor((1 - level) * (n + 1) + 1e-9);
  if (upperRank > n || lowerRank < 1) {
    throw new ModelValidationError(
      'outOfFoldResiduals',
      `has ${n} residuals; CV+ at ${level * 100} % needs at least ${Private.minimumCalibration(level)}`
    );
  }
  const lower: number[] = [];
  const upper: number[] = [];
  for (let j = 0; j < m; j++) {
    const low = outOfFoldResiduals.map((r, i) => foldPredictions[foldOfSample[i]][j] - r);
    const high = outOfFoldResiduals.map((r, i) => foldPredictions[foldOfSample[i]][j] + r);
    low.sort((a, b) => a - b);
    high.sort((a, b) => a - b);
    lower.push(low[lowerRank - 1]);
    upper.push(high[upperRank - 1]);
  }
  return {
    lower,
    upper,
    level,
    method: 'CV+ (cross-validation plus, Barber et al. 2021)',
    guarantee: `coverage >= 1 - 2(1 - ${level}) minus a small K/n term for exchangeable samples; close to ${level} in practice`
  };
}

/** How well intervals covered measured values. */
export interface CoverageReport {
  level: number;
  count: number;
  covered: number;
  /** Fraction of samples with lower ≤ y ≤ upper. */
  coverage: number;
  meanWidth: number;
  /** Binomial standard error of the coverage if the true coverage were `level`: sqrt(level(1-level)/count). */
  standardError: number;
}

/** Fraction of measured values inside their intervals, and the mean interval width. */
export function coverageReport(
  yTrue: number[],
  lower: number[],
  upper: number[],
  level: number
): CoverageReport {
  checkLevel(level);
  checkNumbers(yTrue, 'yTrue');
  if (yTrue.length === 0) {
    throw new ModelValidationError('yTrue', 'is empty; coverage needs at least one sample');
  }
  checkNumbers(lower, 'lower', yTrue.length);
  checkNumbers(upper, 'upper', yTrue.length);
  let covered = 0;
  let width = 0;
  yTrue.forEach((y, i) => {
    if (upper[i] < lower[i]) {
      throw new ModelValidationError(`upper[${i}]`, `is below lower[${i}]`);
    }
    if (y >= lower[i] && y <= upper[i]) {
      covered++;
    }
    width += upper[i] - lower[i];
  });
  const count = yTrue.length;
  return {
    level,
    count,
    covered,
    coverage: covered / count,
    meanWidth: width / count,
    standardError: Math.sqrt((level * (1 - level)) / count)
  };
}

namespace Private {
  /** ⌈(n+1)·level⌉, forgiving the binary rounding of level (0.9 * 10 is 9, not 9.000000000000002). */
  export function rank(n: number, level: number): number {
    return Math.ceil((n + 1) * level - 1e-9);
  }

  export function minimumCalibration(level: number): number {
    let n = 1;
    while (rank(n, level) > n) {
      n++;
    }
    return n;
  }

  export function checkResiduals(residuals: number[], field: string): void {
    checkNumbers(residuals, field);
    residuals.forEach((r, i) => {
      if (r < 0) {
        throw new ModelValidationError(
          `${field}[${i}]`,
          'must be an absolute residual |y - ŷ| (not negative)'
        );
      }
    });
  }

  /** Index of the last element ≤ value in ascending values that contain value. */
  export function lastIndexAtMost(sorted: number[], value: number): number {
    let lo = 0;
    let hi = sorted.length - 1;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (sorted[mid] <= value) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    return lo;
  }
}
