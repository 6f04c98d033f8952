import { formatLevel } from './format';

/** The figures of real coverage a verdict reads (a subset of realCoverage()'s result). */
export interface CoverageFigures {
  count: number;
  withInterval: number;
  covered: number;
  coverage: number | null;
  coverageInterval: { lower: number; upper: number; confidence: number } | null;
  promisedLevel: number | null;
  belowPromise: boolean;
}

/**
 * What real coverage says about a model version's promise, in one sentence: `below` when even the
 * upper confidence bound is under the promised level (the flag), `consistent` when the interval
 * reaches the promise, `unpooled` when the intervals had different levels, `none` before any
 * verified result with an interval. The kernel's fallbacks and the extension's renderer both
 * print this sentence, so the flag reads the same in JupyterLab and in an HTML export.
 */
export function coverageVerdict(figures: CoverageFigures): {
  status: 'none' | 'unpooled' | 'consistent' | 'below';
  text: string;
} {
  const { count, withInterval, covered, coverage, coverageInterval, promisedLevel } = figures;
  if (count === 0) {
    return { status: 'none', text: 'No verified results yet.' };
  }
  if (withInterval === 0 || coverage === null || coverageInterval === null) {
    return {
      status: 'none',
      text: `None of the ${count} verified predictions came with an interval, so there is no coverage to check.`
    };
  }
  const share = `${covered} of ${withInterval} measured values inside their predicted intervals (${formatLevel(coverage)})`;
  const interval = `${formatLevel(coverageInterval.confidence)} Clopper–Pearson interval ${formatLevel(coverageInterval.lower)} to ${formatLevel(coverageInterval.upper)}`;
  if (promisedLevel === null) {
    return {
      status: 'unpooled',
      text: `${share}, ${interval}; the intervals were given at different levels, so there is no single promise to check.`
    };
  }
  const promise = formatLevel(promisedLevel);
  if (figures.belowPromise) {
    return {
      status: 'below',
      text: `Below its promise: ${share}; even the upper bound of the ${interval} is below the promised ${promise}.`
    };
  }
  return {
    status: 'consistent',
    text:
      coverage >= promisedLevel
        ? `${share}, ${interval}: consistent with the promised ${promise}.`
        : `${share}, ${interval}: under the promised ${promise}, but the interval still reaches it, so the version is not flagged.`
  };
}
