import type { CoverageReport, MonthlyCoverage, PermutationImportance } from './validation';

/**
 * Vega-Lite specifications of the plots that report a model: plain JSON, so a notebook
 * displays them with the Vega-Lite MIME type and a reviewer can read the numbers in them. Data are
 * inlined; nothing is fetched.
 */

export type VegaLiteSpec = Record<string, unknown>;

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v5.json';

export interface QuantityLabel {
  /** What was predicted, e.g. "Tg". */
  name: string;
  /** Its unit, e.g. "K". */
  unit: string;
}

const axisTitle = (label: QuantityLabel, what: string) => `${what} ${label.name} (${label.unit})`;

/**
 * Predicted against measured, one point per sample, with the prediction interval as a vertical
 * rule when given, and the identity line: points on the line are perfect predictions.
 */
export function predictedVsMeasuredSpec(
  measured: number[],
  predicted: number[],
  label: QuantityLabel,
  options: { lower?: number[]; upper?: number[]; ids?: string[]; title?: string } = {}
): VegaLiteSpec {
  Private.sameLength({ measured, predicted, lower: options.lower, upper: options.upper });
  const values = measured.map((m, i) => ({
    measured: m,
    predicted: predicted[i],
    ...(options.lower && options.upper
      ? {
          lower: options.lower[i],
          upper: options.upper[i],
          covered: options.lower[i] <= m && m <= options.upper[i],
          // The legend's words for it.
          interval:
            options.lower[i] <= m && m <= options.upper[i] ? 'inside its interval' : 'outside it'
        }
      : {}),
    ...(options.ids ? { id: options.ids[i] } : {})
  }));
  // The axes span the points, not the intervals: one molecule far from the training data can
  // have an interval many times the data's range, which would squeeze every point into a corner.
  // Its rule is clipped at the plot's edge instead.
  const all = [...measured, ...predicted];
  const low = Math.min(...all);
  const high = Math.max(...all);
  const pad = (high - low) * 0.05 || Math.abs(high) * 0.05 || 1;
  const domain = [low - pad, high + pad];
  const x = {
    field: 'measured',
    type: 'quantitative',
    title: axisTitle(label, 'measured'),
    scale: { domain, zero: false }
  };
  const layers: VegaLiteSpec[] = [];
  if (options.lower && options.upper) {
    layers.push({
      // Gray reads on the light and the dark theme alike.
      mark: { type: 'rule', color: 'gray', opacity: 0.5, clip: true },
      encoding: {
        x,
        y: { field: 'lower', type: 'quantitative', scale: { domain, zero: false } },
        y2: { field: 'upper' }
      }
    });
  }
  layers.push(
    {
      mark: { type: 'point', filled: true, clip: true },
      encoding: {
        x,
        y: {
          field: 'predicted',
          type: 'quantitative',
          title: axisTitle(label, 'predicted'),
          scale: { domain, zero: false }
        },
        tooltip: [
          ...(options.ids ? [{ field: 'id', type: 'nominal' }] : []),
          { field: 'measured', type: 'quantitative', format: '.4~g' },
          { field: 'predicted', type: 'quantitative', format: '.4~g' }
        ],
        ...(options.lower
          ? { color: { field: 'interval', type: 'nominal', title: 'measured value' } }
          : {})
      }
    },
    {
      data: { values: [{ v: domain[0] }, { v: domain[1] }] },
      mark: { type: 'line', strokeDash: [4, 4], color: 'gray' },
      encoding: { x: { field: 'v', type: 'quantitative' }, y: { field: 'v', type: 'quantitative' } }
    }
  );
  return {
    $schema: SCHEMA,
    title: options.title ?? `Predicted vs measured ${label.name}`,
    width: 360,
    height: 360,
    data: { values },
    layer: layers
  };
}

/** Residual (measured - predicted) against predicted: structure here is what the model missed. */
export function residualsSpec(
  measured: number[],
  predicted: number[],
  label: QuantityLabel,
  options: { title?: string } = {}
): VegaLiteSpec {
  Private.sameLength({ measured, predicted });
  return {
    $schema: SCHEMA,
    title: options.title ?? `Residuals of ${label.name}`,
    width: 360,
    height: 240,
    data: {
      values: measured.map((m, i) => ({ predicted: predicted[i], residual: m - predicted[i] }))
    },
    layer: [
      {
        mark: { type: 'point', filled: true },
        encoding: {
          x: {
            field: 'predicted',
            type: 'quantitative',
            title: axisTitle(label, 'predicted'),
            scale: { zero: false }
          },
          y: {
            field: 'residual',
            type: 'quantitative',
            title: `measured - predicted (${label.unit})`
          }
        }
      },
      { mark: { type: 'rule', color: 'gray' }, encoding: { y: { datum: 0 } } }
    ]
  };
}

/** Permutation importance per feature family: mean increase of the error, with +-1 sd. */
export function importanceSpec(
  importance: PermutationImportance,
  options: { metric?: string; title?: string } = {}
): VegaLiteSpec {
  const values = importance.families.map(f => ({
    family: f.family,
    mean: f.mean,
    low: f.mean - f.sd,
    high: f.mean + f.sd
  }));
  const metric = options.metric ?? 'RMSE';
  return {
    $schema: SCHEMA,
    title:
      options.title ??
      `Permutation importance (increase of ${metric}, ${importance.repeats} repeats)`,
    width: 360,
    data: { values },
    layer: [
      {
        mark: 'bar',
        encoding: {
          y: { field: 'family', type: 'nominal', sort: '-x', title: 'feature family' },
          x: { field: 'mean', type: 'quantitative', title: `increase of ${metric}` }
        }
      },
      {
        mark: { type: 'rule' },
        encoding: {
          y: { field: 'family', type: 'nominal', sort: '-x' },
          x: { field: 'low', type: 'quantitative' },
          x2: { field: 'high' }
        }
      }
    ]
  };
}

export interface LearningCurvePoint {
  trainSize: number;
  /** Out-of-fold error at this training size. */
  error: number;
}

/** Out-of-fold error against the number of training samples. */
export function learningCurveSpec(
  points: LearningCurvePoint[],
  label: QuantityLabel,
  options: { metric?: string; title?: string } = {}
): VegaLiteSpec {
  const metric = options.metric ?? 'RMSE';
  return {
    $schema: SCHEMA,
    title: options.title ?? `Learning curve (${metric} of ${label.name})`,
    width: 360,
    height: 240,
    data: { values: points },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'trainSize', type: 'quantitative', title: 'training samples' },
      y: {
        field: 'error',
        type: 'quantitative',
        title: `${metric} (${label.unit})`,
        scale: { zero: false }
      }
    }
  };
}

/** Observed coverage of prediction intervals against their nominal level; the diagonal is ideal. */
export function coverageSpec(
  reports: CoverageReport[],
  options: { title?: string } = {}
): VegaLiteSpec {
  const values = reports.map(r => ({
    nominal: r.level,
    observed: r.coverage,
    low: Math.max(0, r.coverage - 2 * r.standardError),
    high: Math.min(1, r.coverage + 2 * r.standardError),
    count: r.count
  }));
  const scale = { domain: [0, 1] };
  return {
    $schema: SCHEMA,
    title: options.title ?? 'Coverage of prediction intervals',
    width: 300,
    height: 300,
    data: { values },
    layer: [
      {
        mark: { type: 'rule' },
        encoding: {
          x: { field: 'nominal', type: 'quantitative', title: 'nominal coverage', scale },
          y: { field: 'low', type: 'quantitative', title: 'observed coverage (+-2 SE)', scale },
          y2: { field: 'high' }
        }
      },
      {
        mark: { type: 'point', filled: true },
        encoding: {
          x: { field: 'nominal', type: 'quantitative', scale },
          y: { field: 'observed', type: 'quantitative', scale }
        }
      },
      {
        data: { values: [{ v: 0 }, { v: 1 }] },
        mark: { type: 'line', strokeDash: [4, 4], color: 'gray' },
        encoding: {
          x: { field: 'v', type: 'quantitative' },
          y: { field: 'v', type: 'quantitative' }
        }
      }
    ]
  };
}

/**
 * Real coverage of a model version by month, cumulative (realCoverageByMonth): the share of
 * verified measurements inside their predicted intervals with its confidence band (an area, and a
 * rule per month so that a single month still shows its interval), against the promised level as
 * a dashed rule. Months without any interval are left out; the y axis is the whole 0–100 %, so a
 * wide band reads as the uncertainty it is.
 */
export function realCoverageSpec(
  months: readonly MonthlyCoverage[],
  options: { promisedLevel?: number | null; confidence?: number; title?: string } = {}
): VegaLiteSpec {
  const values = months
    .filter(m => m.coverage !== null && m.coverageInterval !== null)
    .map(m => ({
      month: m.month,
      coverage: m.coverage,
      lower: m.coverageInterval!.lower,
      upper: m.coverageInterval!.upper,
      covered: m.covered,
      withInterval: m.withInterval,
      belowPromise: m.belowPromise
    }));
  const confidence = options.confidence ?? months[0]?.coverageInterval?.confidence ?? 0.95;
  const percent = `${Math.round(confidence * 1000) / 10} %`;
  const x = {
    field: 'month',
    type: 'ordinal',
    title: 'verified up to the end of (month, UTC)',
    axis: { labelAngle: 0 }
  };
  const scale = { domain: [0, 1] };
  const promised = options.promisedLevel ?? null;
  const layers: VegaLiteSpec[] = [
    {
      mark: { type: 'area', opacity: 0.2 },
      encoding: {
        x,
        y: {
          field: 'lower',
          type: 'quantitative',
          scale,
          axis: { format: '.0%' },
          // Short: a long rotated title pads the static SVG (text is measured by estimate).
          title: 'real coverage'
        },
        y2: { field: 'upper' }
      }
    },
    {
      // The band's colour, not the default black: readable on dark themes too.
      mark: { type: 'rule', color: '#4c78a8', opacity: 0.7 },
      encoding: { x, y: { field: 'lower', type: 'quantitative', scale }, y2: { field: 'upper' } }
    },
    {
      mark: { type: 'line', point: { filled: true, size: 50 } },
      encoding: {
        x,
        y: { field: 'coverage', type: 'quantitative', scale },
        tooltip: [
          { field: 'month', type: 'ordinal', title: 'up to' },
          { field: 'coverage', type: 'quantitative', format: '.1%', title: 'coverage' },
          { field: 'lower', type: 'quantitative', format: '.1%', title: `${percent} lower` },
          { field: 'upper', type: 'quantitative', format: '.1%', title: `${percent} upper` },
          { field: 'covered', type: 'quantitative', title: 'inside' },
          { field: 'withInterval', type: 'quantitative', title: 'with an interval' }
        ]
      }
    }
  ];
  if (promised !== null) {
    const label = `promised ${Math.round(promised * 1000) / 10} %`;
    layers.push(
      {
        mark: { type: 'rule', strokeDash: [6, 4], color: '#d62728', strokeWidth: 1.5 },
        encoding: { y: { datum: promised, type: 'quantitative', scale } }
      },
      {
        mark: { type: 'text', align: 'left', baseline: 'bottom', dx: 4, dy: -2, color: '#d62728' },
        encoding: {
          x: { value: 0 },
          y: { datum: promised, type: 'quantitative', scale },
          text: { value: label }
        }
      }
    );
  }
  return {
    $schema: SCHEMA,
    title: {
      text: options.title ?? 'Real coverage by month (cumulative)',
      subtitle: `band: ${percent} Clopper–Pearson interval${promised === null ? '' : '; dashed: the promised level'}`
    },
    width: 360,
    height: 220,
    data: { values },
    layer: layers
  };
}

namespace Private {
  export function sameLength(arrays: Record<string, number[] | undefined>): void {
    const entries = Object.entries(arrays).filter(
      (e): e is [string, number[]] => e[1] !== undefined
    );
    const [first, n] = [entries[0][0], entries[0][1].length];
    for (const [name, values] of entries) {
      if (values.length !== n) {
        throw new Error(`${name}: has ${values.length} values but ${first} has ${n}`);
      }
      values.forEach((v, i) => {
        if (!Number.isFinite(v)) {
          throw new Error(`${name}[${i}]: must be a finite number (got ${v})`);
        }
      });
    }
  }
}
