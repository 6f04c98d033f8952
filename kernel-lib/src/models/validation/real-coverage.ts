import { checkLevel, ModelValidationError } from './errors';

/**
 * A model version's promise checked against the lab: for each prediction that was verified, the
 * value and interval it gave and the value the lab then measured.
 */
export interface VerifiedResult {
  predicted: number;
  /** The prediction interval, when the version gave one. */
  lower: number | null;
  upper: number | null;
  /** Its nominal level, e.g. 0.9. */
  level: number | null;
  measured: number;
  /** When the measurement was verified (ISO 8601): the month it counts in. */
  verifiedAt: string;
}

/** An exact binomial confidence interval for a proportion. */
export interface ProportionInterval {
  lower: number;
  upper: number;
  confidence: number;
  method: 'Clopper-Pearson exact';
}

/** Error and coverage over a set of verified results. */
export interface RealCoverage {
  /** Verified results counted. */
  count: number;
  /** Mean absolute and root mean squared error (measured − predicted), in the target's unit. */
  mae: number | null;
  rmse: number | null;
  /** Results that came with an interval. */
  withInterval: number;
  /** Of those, measured values inside [lower, upper]. */
  covered: number;
  /** covered / withInterval; null without any interval. */
  coverage: number | null;
  coverageInterval: ProportionInterval | null;
  /** The level the intervals promised (null when none, or when they differ). */
  promisedLevel: number | null;
  /**
   * True when even the upper confidence bound of the real coverage is below the promised level:
   * the version's intervals are too narrow, with the stated confidence.
   */
  belowPromise: boolean;
}

export interface RealCoverageOptions {
  /** Confidence of the binomial interval (default 0.95). */
  confidence?: number;
}

/** Coverage over everything verified up to the end of each month, oldest month first. */
export interface MonthlyCoverage extends RealCoverage {
  /** 'YYYY-MM' (UTC). */
  month: string;
}

/**
 * Real coverage of a model version: MAE, RMSE and the share of measured values inside the
 * predicted intervals, with a Clopper–Pearson interval for that share (Clopper and Pearson,
 * "The use of confidence or fiducial limits illustrated in the case of the binomial",
 * Biometrika 26, 404–413, 1934). The exact interval is conservative — it contains the true rate
 * at least `confidence` of the time for every n and rate — which is what a flag saying "this
 * version's intervals are too narrow" needs: it fires only when the upper bound is below the
 * promised level. Intervals with different levels cannot be pooled: then `promisedLevel` is null
 * and nothing is flagged.
 */
export function realCoverage(
  results: readonly VerifiedResult[],
  options: RealCoverageOptions = {}
): RealCoverage {
  const confidence = checkLevel(options.confidence ?? 0.95, 'confidence');
  results.forEach((r, i) => Private.check(r, i));
  const count = results.length;
  let absolute = 0;
  let squared = 0;
  let withInterval = 0;
  let covered = 0;
  const levels = new Set<number>();
  for (const r of results) {
    const error = r.measured - r.predicted;
    absolute += Math.abs(error);
    squared += error * error;
    if (r.lower !== null && r.upper !== null) {
      withInterval++;
      if (r.measured >= r.lower && r.measured <= r.upper) {
        covered++;
      }
      if (r.level !== null) {
        levels.add(r.level);
      }
    }
  }
  const coverageInterval =
    withInterval > 0 ? clopperPearson(covered, withInterval, confidence) : null;
  const promisedLevel = levels.size === 1 ? [...levels][0] : null;
  return {
    count,
    mae: count > 0 ? absolute / count : null,
    rmse: count > 0 ? Math.sqrt(squared / count) : null,
    withInterval,
    covered,
    coverage: withInterval > 0 ? covered / withInterval : null,
    coverageInterval,
    promisedLevel,
    belowPromise:
      promisedLevel !== null && coverageInterval !== null && coverageInterval.upper < promisedLevel
  };
}

/** Cumulative real coverage at the end of each month that has a verified result, oldest first. */
export function realCoverageByMonth(
  results: readonly VerifiedResult[],
  options: RealCoverageOptions = {}
): MonthlyCoverage[] {
  results.forEach((r, i) => Private.check(r, i));
  const byMonth = [...results]
    .map(r => ({ r, month: new Date(r.verifiedAt).toISOString().slice(0, 7) }))
    .sort((a, b) => a.month.localeCompare(b.month));
  const months = [...new Set(byMonth.map(m => m.month))];
  return months.map(month => ({
    month,
    ...realCoverage(
      byMonth.filter(m => m.month <= month).map(m => m.r),
      options
    )
  }));
}

/**
 * The Clopper–Pearson interval for k successes in n trials: the p where P(X ≥ k | p) = α/2
 * (lower; 0 when k = 0) and where P(X ≤ k | p) = α/2 (upper; 1 when k = n), α = 1 − confidence.
 * Both tail probabilities are monotone in p, so each bound is found by bisection to 1e-12 on the
 * binomial distribution itself, summed in log space (no beta quantile function needed).
 */
export function clopperPearson(k: number, n: number, confidence = 0.95): ProportionInterval {
  checkLevel(confidence, 'confidence');
  if (!Number.isInteger(n) || n < 1) {
    throw new ModelValidationError('n', `must be a whole number of trials ≥ 1, got ${n}`);
  }
  if (!Number.isInteger(k) || k < 0 || k > n) {
    throw new ModelValidationError('k', `must be a whole number from 0 to n = ${n}, got ${k}`);
  }
  const tail = (1 - confidence) / 2;
  const lower =
    k === 0 ? 0 : Private.bisect(p => 1 - Private.binomialCdf(k - 1, n, p) - tail, true);
  const upper = k === n ? 1 : Private.bisect(p => Private.binomialCdf(k, n, p) - tail, false);
  return { lower, upper, confidence, method: 'Clopper-Pearson exact' };
}

namespace Private {
  export function check(r: VerifiedResult, i: number): void {
    for (const field of ['predicted', 'measured'] as const) {
      if (typeof r[field] !== 'number' || !Number.isFinite(r[field])) {
        throw new ModelValidationError(`results[${i}].${field}`, 'must be a finite number');
      }
    }
    if ((r.lower === null) !== (r.upper === null)) {
      throw new ModelValidationError(`results[${i}]`, 'give both lower and upper, or neither');
    }
    if (r.lower !== null && r.upper !== null && !(r.upper >= r.lower)) {
      throw new ModelValidationError(`results[${i}].upper`, 'is below lower');
    }
    if (r.level !== null) {
      checkLevel(r.level, `results[${i}].level`);
    }
    if (Number.isNaN(Date.parse(r.verifiedAt))) {
      throw new ModelValidationError(`results[${i}].verifiedAt`, 'is not a date');
    }
  }

  /** P(X ≤ k) for X ~ Binomial(n, p), 0 < p < 1, summed in log space. */
  export function binomialCdf(k: number, n: number, p: number): number {
    const logP = Math.log(p);
    const logQ = Math.log1p(-p);
    // log C(n, i) built up term by term: exact enough for n in the millions.
    let logChoose = 0;
    const terms: number[] = [];
    for (let i = 0; i <= k; i++) {
      if (i > 0) {
        logChoose += Math.log((n - i + 1) / i);
      }
      terms.push(logChoose + i * logP + (n - i) * logQ);
    }
    const max = Math.max(...terms);
    return Math.min(1, Math.exp(max) * terms.reduce((s, t) => s + Math.exp(t - max), 0));
  }

  /** The root in (0, 1) of f, increasing (or decreasing) in p. */
  export function bisect(f: (p: number) => number, increasing: boolean): number {
    let lo = 0;
    let hi = 1;
    for (let step = 0; step < 200 && hi - lo > 1e-12; step++) {
      const mid = (lo + hi) / 2;
      if (f(mid) > 0 === increasing) {
        hi = mid;
      } else {
        lo = mid;
      }
    }
    return (lo + hi) / 2;
  }
}
