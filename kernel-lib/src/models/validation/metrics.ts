import { SeededRandom } from '../random';
import { checkGroups, checkLevel, checkNumbers, checkSeed, ModelValidationError } from './errors';

/** A regression metric: measured and predicted values of the same samples to one number. */
export type Metric = (yTrue: number[], yPred: number[]) => number;

/** Mean absolute error, in the unit of y (e.g. K for Tg). */
export function mae(yTrue: number[], yPred: number[]): number {
  const n = Private.checkPair(yTrue, yPred);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    sum += Math.abs(yTrue[i] - yPred[i]);
  }
  return sum / n;
}

/** Root mean squared error, in the unit of y. */
export function rmse(yTrue: number[], yPred: number[]): number {
  const n = Private.checkPair(yTrue, yPred);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    sum += (yTrue[i] - yPred[i]) ** 2;
  }
  return Math.sqrt(sum / n);
}

/**
 * Coefficient of determination R² = 1 - SS_res / SS_tot, with SS_res = Σ (y - ŷ)² and
 * SS_tot = Σ (y - ȳ)² about the mean of the measured values given. 1 is perfect, 0 is no better
 * than predicting that mean, and it is negative when worse. Undefined for constant y (SS_tot = 0):
 * refused with an error rather than reported as 0, 1 or NaN.
 */
export function r2(yTrue: number[], yPred: number[]): number {
  const n = Private.checkPair(yTrue, yPred);
  const mean = yTrue.reduce((s, y) => s + y, 0) / n;
  let ssRes = 0;
  let ssTot = 0;
  for (let i = 0; i < n; i++) {
    ssRes += (yTrue[i] - yPred[i]) ** 2;
    ssTot += (yTrue[i] - mean) ** 2;
  }
  if (!(ssTot > 0)) {
    throw new ModelValidationError('yTrue', 'is constant, so R² (1 - SS_res/SS_tot) is undefined');
  }
  return 1 - ssRes / ssTot;
}

/** A metric with a bootstrap confidence interval. */
export interface MetricInterval {
  /** The metric on all samples. */
  value: number;
  lower: number;
  upper: number;
  /** Confidence level of [lower, upper], e.g. 0.95. */
  level: number;
  /** Bootstrap resamples drawn. */
  resamples: number;
  /** Resamples on which the metric was undefined (e.g. R² of a resample with constant y), left out of the percentiles. */
  undefinedResamples: number;
  /** "percentile bootstrap over samples" or "cluster percentile bootstrap over groups". */
  method: string;
  /** Number of groups resampled (cluster bootstrap only). */
  groups?: number;
  seed: number;
}

export interface BootstrapOptions {
  seed: number;
  /** Default 1000. */
  resamples?: number;
  /** Default 0.95. */
  level?: number;
  /**
   * Group of each sample (e.g. InChIKey). When given, whole groups are resampled with replacement
   * (the cluster bootstrap), because samples of one molecule are not independent evidence.
   */
  groups?: string[];
}

/**
 * Percentile bootstrap confidence interval of a metric (Efron and Tibshirani, An Introduction to
 * the Bootstrap, 1993, ch. 13): draw `resamples` samples of the same size with replacement (or
 * of the same number of groups, each bringing all its samples, when groups are given; Davison and
 * Hinkley, Bootstrap Methods and their Application, 1997, §3.8), compute the metric on each, and
 * take the (1 - level)/2 and (1 + level)/2 quantiles of those values (linear interpolation between
 * order statistics, R's type 7).
 */
export function bootstrapInterval(
  yTrue: number[],
  yPred: number[],
  metric: Metric,
  options: BootstrapOptions
): MetricInterval {
  const n = Private.checkPair(yTrue, yPred);
  const seed = checkSeed(options.seed, 'options.seed');
  const level = checkLevel(options.level ?? 0.95, 'options.level');
  const resamples = options.resamples ?? 1000;
  if (!Number.isSafeInteger(resamples) || resamples < 1) {
    throw new ModelValidationError(
      'options.resamples',
      `must be a positive integer, got ${resamples}`
    );
  }
  const clusters = options.groups
    ? Private.clusters(checkGroups(options.groups, 'options.groups', n))
    : Array.from({ length: n }, (_, i) => [i]);
  const value = metric(yTrue, yPred);
  const random = new SeededRandom(seed);
  const values: number[] = [];
  let undefinedResamples = 0;
  for (let b = 0; b < resamples; b++) {
    const t: number[] = [];
    const p: number[] = [];
    for (let c = 0; c < clusters.length; c++) {
      for (const i of clusters[random.nextInt(clusters.length)]) {
        t.push(yTrue[i]);
        p.push(yPred[i]);
      }
    }
    let v: number;
    try {
      v = metric(t, p);
    } catch (error) {
      if (error instanceof ModelValidationError) {
        undefinedResamples++;
        continue;
      }
      throw error;
    }
    if (Number.isFinite(v)) {
      values.push(v);
    } else {
      undefinedResamples++;
    }
  }
  if (values.length === 0) {
    throw new ModelValidationError(
      'metric',
      `was undefined on all ${resamples} bootstrap resamples`
    );
  }
  values.sort((a, b) => a - b);
  return {
    value,
    lower: quantile(values, (1 - level) / 2),
    upper: quantile(values, (1 + level) / 2),
    level,
    resamples,
    undefinedResamples,
    method: options.groups
      ? 'cluster percentile bootstrap over groups'
      : 'percentile bootstrap over samples',
    ...(options.groups ? { groups: clusters.length } : {}),
    seed
  };
}

/** The p-quantile of ascending values, interpolating linearly between order statistics (R type 7). */
export function quantile(sortedAscending: number[], p: number): number {
  const n = sortedAscending.length;
  if (n === 0) {
    throw new ModelValidationError('values', 'is empty, so it has no quantile');
  }
  const h = (n - 1) * p;
  const below = Math.floor(h);
  const above = Math.min(below + 1, n - 1);
  return sortedAscending[below] + (h - below) * (sortedAscending[above] - sortedAscending[below]);
}

namespace Private {
  export function checkPair(yTrue: number[], yPred: number[]): number {
    checkNumbers(yTrue, 'yTrue');
    if (yTrue.length === 0) {
      throw new ModelValidationError('yTrue', 'is empty; a metric needs at least one sample');
    }
    checkNumbers(yPred, 'yPred', yTrue.length);
    return yTrue.length;
  }

  /** Sample indices of each group, groups in order of first appearance. */
  export function clusters(groups: string[]): number[][] {
    const members = new Map<string, number[]>();
    groups.forEach((group, i) => {
      const list = members.get(group);
      if (list) {
        list.push(i);
      } else {
        members.set(group, [i]);
      }
    });
    return [...members.values()];
  }
}
