import type { Matrix } from '../types';
import {
  conformalQuantile,
  coverageReport,
  outOfFoldConformal,
  type CoverageReport
} from './conformal';
import { checkLevel, checkMatrix, checkNumbers, ModelValidationError } from './errors';
import { quantile } from './metrics';
import type { Fold } from './splits';

/**
 * Intervals that adapt to how far a molecule lies from the training data, and the applicability
 * domain that follows from the same distance.
 *
 * Distance. Every column is standardized by the training rows' mean and standard deviation
 * (constant columns dropped); families (descriptors, Morgan counts, conditions...) weigh the same
 * whatever their number of columns, so 512 Morgan columns do not drown 47 descriptors:
 *
 *   D(x, t)² = (1/F) Σ_families (1/|family|) Σ_{j ∈ family} ((x_j - t_j) / s_j)²
 *
 * and the novelty of x is d(x), the mean D to its k nearest training rows (k = 5).
 *
 * Intervals. Normalized conformal prediction with a nearest-neighbour difficulty (Papadopoulos,
 * Vovk and Gammerman, "Regression conformal prediction with nearest neighbours", JAIR 40, 815-840,
 * 2011): the score of a calibration sample is |y - ŷ| / (β + d), the interval of a new x is
 * ŷ ± q·(β + d(x)) with q the split-conformal quantile of the scores. β, the median out-of-fold
 * distance, keeps a molecule that sits on a training row from getting a zero-width interval. The
 * calibration samples are the out-of-fold predictions, each with its distance to the rows of the
 * model that predicted it, so the same marginal guarantee holds as for constant widths (samples
 * exchangeable), while widths shrink near the training data and grow away from it.
 *
 * Applicability domain. A prediction is outside it when d(x) exceeds the 99th percentile of the
 * out-of-fold distances: farther from the training rows than 99 % of held-out molecules were from
 * theirs, so cross-validation never tested the model that far out.
 */

/** The training rows a distance is measured to, standardized, with the family weights. */
export interface DistanceSpace {
  /** Columns of the feature matrix used (the non-constant ones), ascending. */
  columns: number[];
  center: number[];
  scale: number[];
  /** Weight of each used column: 1 / (families x columns of its family). */
  weights: number[];
  /** The training rows' values in the used columns, as they were (not standardized). */
  rows: number[][];
  /** Neighbours averaged. */
  k: number;
}

/** How a trained model's adaptive intervals and domain are computed; saved with the model. */
export interface AdaptiveConformal {
  level: number;
  /** q: the conformal quantile of the normalized out-of-fold scores. */
  quantile: number;
  /** β: added to every distance (the median out-of-fold distance). */
  beta: number;
  /** d(x) above this is outside the applicability domain (99th percentile of out-of-fold distances). */
  domainThreshold: number;
  calibrationSize: number;
  method: string;
  space: DistanceSpace;
}

/** Constant against adaptive intervals on the same out-of-fold predictions, overall and by novelty. */
export interface IntervalComparison {
  level: number;
  constant: CoverageReport;
  adaptive: CoverageReport;
  /** Samples by out-of-fold distance: nearest third, middle third, farthest third. */
  byNovelty: {
    group: string;
    count: number;
    distance: { min: number; max: number };
    constant: { coverage: number; meanWidth: number };
    adaptive: { coverage: number; meanWidth: number };
  }[];
}

const NEIGHBOURS = 5;
const DOMAIN_PERCENTILE = 0.99;
export const ADAPTIVE_METHOD =
  'normalized split conformal, |y - ŷ| / (β + d) with d the mean distance to the 5 nearest training rows (Papadopoulos, Vovk & Gammerman 2011)';

/** The distance space of training rows X whose columns belong to `families`. */
export function distanceSpace(X: Matrix, families: string[], k = NEIGHBOURS): DistanceSpace {
  checkMatrix(X, 'X');
  if (families.length !== (X[0]?.length ?? 0)) {
    throw new ModelValidationError(
      'families',
      `has ${families.length} names for ${X[0]?.length ?? 0} columns`
    );
  }
  const n = X.length;
  const columns: number[] = [];
  const center: number[] = [];
  const scale: number[] = [];
  for (let j = 0; j < families.length; j++) {
    let mean = 0;
    for (let i = 0; i < n; i++) {
      mean += X[i][j];
    }
    mean /= n;
    let variance = 0;
    for (let i = 0; i < n; i++) {
      variance += (X[i][j] - mean) ** 2;
    }
    const sd = Math.sqrt(variance / n);
    if (sd > 1e-12 * Math.max(1, Math.abs(mean))) {
      columns.push(j);
      center.push(mean);
      scale.push(sd);
    }
  }
  const sizes = new Map<string, number>();
  for (const j of columns) {
    sizes.set(families[j], (sizes.get(families[j]) ?? 0) + 1);
  }
  const weights = columns.map(j => 1 / (sizes.size * sizes.get(families[j])!));
  return {
    columns,
    center,
    scale,
    weights,
    rows: X.map(row => columns.map(j => row[j])),
    k: Math.max(1, Math.min(k, n - 1))
  };
}

/** d(x): the mean distance of each row of X to its k nearest rows of the space. */
export function novelty(space: DistanceSpace, X: Matrix): number[] {
  const { columns, scale, weights, rows } = space;
  const m = columns.length;
  // Weighted, standardized coordinates: plain Euclidean distances between them are D.
  const factor = weights.map((w, c) => Math.sqrt(w) / scale[c]);
  const train = rows.map(row => {
    const z = new Float64Array(m);
    for (let c = 0; c < m; c++) {
      z[c] = row[c] * factor[c];
    }
    return z;
  });
  const k = Math.min(space.k, train.length);
  const nearest = new Float64Array(k);
  return X.map(x => {
    const z = new Float64Array(m);
    for (let c = 0; c < m; c++) {
      z[c] = x[columns[c]] * factor[c];
    }
    nearest.fill(Infinity);
    for (const t of train) {
      let d2 = 0;
      for (let c = 0; c < m; c++) {
        const diff = z[c] - t[c];
        d2 += diff * diff;
      }
      // Insert into the k smallest so far (k is small: a sorted insert beats a heap).
      if (d2 < nearest[k - 1]) {
        let p = k - 1;
        while (p > 0 && nearest[p - 1] > d2) {
          nearest[p] = nearest[p - 1];
          p--;
        }
        nearest[p] = d2;
      }
    }
    let sum = 0;
    for (let p = 0; p < k; p++) {
      sum += Math.sqrt(nearest[p]);
    }
    return sum / k;
  });
}

/**
 * Each sample's distance to the training rows of the fold that held it out, standardized by that
 * fold's training rows: what the model that predicted it had seen.
 */
export function outOfFoldNovelty(X: Matrix, families: string[], folds: Fold[]): number[] {
  const distances = new Array<number>(X.length).fill(NaN);
  for (const fold of folds) {
    const space = distanceSpace(
      fold.train.map(i => X[i]),
      families
    );
    const d = novelty(
      space,
      fold.test.map(i => X[i])
    );
    fold.test.forEach((i, t) => (distances[i] = d[t]));
  }
  const missing = distances.findIndex(Number.isNaN);
  if (missing >= 0) {
    throw new ModelValidationError('folds', `sample ${missing} is in no test fold`);
  }
  return distances;
}

/**
 * Calibrate adaptive intervals on out-of-fold predictions: the model's saved calibration, the
 * out-of-fold adaptive intervals (per-fold leave-one-out, as the constant ones) and how both
 * kinds did overall and by novelty.
 */
export function calibrateAdaptive(
  data: { X: Matrix; families: string[]; y: number[] },
  oof: { predictions: number[]; folds: Fold[] },
  level: number
): {
  adaptive: AdaptiveConformal;
  intervals: ReturnType<typeof outOfFoldConformal>;
  comparison: IntervalComparison;
  distances: number[];
} {
  checkLevel(level);
  const { y } = data;
  checkNumbers(oof.predictions, 'predictions', y.length);
  const distances = outOfFoldNovelty(data.X, data.families, oof.folds);
  const sorted = [...distances].sort((a, b) => a - b);
  // Every sample at distance zero (one molecule measured many times, ungrouped) leaves nothing to
  // adapt to: β = 1 then gives constant widths rather than a division by zero.
  const beta = quantile(sorted, 0.5) || 1;
  const scales = distances.map(d => beta + d);
  const scores = y.map((v, i) => Math.abs(v - oof.predictions[i]) / scales[i]);
  const intervals = outOfFoldConformal(y, oof.predictions, oof.folds, level, scales);
  const constant = outOfFoldConformal(y, oof.predictions, oof.folds, level);
  const adaptive: AdaptiveConformal = {
    level,
    quantile: conformalQuantile(scores, level),
    beta,
    domainThreshold: quantile(sorted, DOMAIN_PERCENTILE),
    calibrationSize: scores.length,
    method: ADAPTIVE_METHOD,
    space: distanceSpace(data.X, data.families)
  };
  return {
    adaptive,
    intervals,
    distances,
    comparison: Private.compare(y, distances, constant, intervals, level)
  };
}

/** Intervals of new predictions from a saved calibration, with each one's novelty and domain. */
export function adaptiveIntervals(
  adaptive: AdaptiveConformal,
  X: Matrix,
  predictions: number[]
): { lower: number; upper: number; novelty: number; inDomain: boolean }[] {
  const d = novelty(adaptive.space, X);
  return predictions.map((p, i) => {
    const h = adaptive.quantile * (adaptive.beta + d[i]);
    return {
      lower: p - h,
      upper: p + h,
      novelty: d[i],
      inDomain: d[i] <= adaptive.domainThreshold
    };
  });
}

namespace Private {
  export function compare(
    y: number[],
    distances: number[],
    constant: { lower: number[]; upper: number[] },
    adaptive: { lower: number[]; upper: number[] },
    level: number
  ): IntervalComparison {
    const order = distances.map((_, i) => i).sort((a, b) => distances[a] - distances[b]);
    const thirds = [
      order.slice(0, Math.round(order.length / 3)),
      order.slice(Math.round(order.length / 3), Math.round((2 * order.length) / 3)),
      order.slice(Math.round((2 * order.length) / 3))
    ];
    const summary = (intervals: { lower: number[]; upper: number[] }, members: number[]) => {
      const report = coverageReport(
        members.map(i => y[i]),
        members.map(i => intervals.lower[i]),
        members.map(i => intervals.upper[i]),
        level
      );
      return { coverage: report.coverage, meanWidth: report.meanWidth };
    };
    return {
      level,
      constant: coverageReport(y, constant.lower, constant.upper, level),
      adaptive: coverageReport(y, adaptive.lower, adaptive.upper, level),
      byNovelty: ['nearest third', 'middle third', 'farthest third']
        .map((group, g) => ({ group, members: thirds[g] }))
        .filter(({ members }) => members.length > 0)
        .map(({ group, members }) => ({
          group,
          count: members.length,
          distance: {
            min: distances[members[0]],
            max: distances[members[members.length - 1]]
          },
          constant: summary(constant, members),
          adaptive: summary(adaptive, members)
        }))
    };
  }
}
