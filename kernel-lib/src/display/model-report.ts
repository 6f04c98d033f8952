import { trainingPlotSpecs, type SavedModel } from '../models/artifact';
import type { TrainResult } from '../models/training';
import type { MetricInterval } from '../models/validation';
import type { ModelCoverage } from '../api/models';
import { Displayable } from './bundle';
import {
  coverageHtml,
  coverageParts,
  coverageText,
  type CoverageDisplayOptions,
  type CoverageInput
} from './coverage';
import { displayUnit, escapeHtml, formatInterval, formatLevel } from './format';
import { htmlBlock, htmlNotes, htmlTable } from './html';
import type { ModelReportPayload } from './payloads';
import { propertyOfColumn, type ModelIdentity } from './prediction';
import { textTable } from './text';
import { plotDisplay, type PlotDisplay } from './vega';

/** Figures of metrics: their bootstrap intervals are rarely narrower than 1 %. */
const METRIC_DIGITS = 3;

export interface ModelReportOptions {
  model?: ModelIdentity;
  /** The predicted property; default: read from the target column, e.g. "Tg (K)". */
  property?: { name: string; unit: string };
  /**
   * The registered version's real coverage (client.models.coverage(name, version), or verified
   * results): adds a "Real coverage" section; null adds it saying that nothing is verified yet.
   * Absent: no section (a training run has no verified results to speak of).
   */
  coverage?: ModelCoverage | CoverageInput | null;
  /** How that coverage is shown (confidence, results listed). */
  coverageOptions?: CoverageDisplayOptions;
}

/** A model report display; its plots are also displayable one by one. */
export interface ModelReportDisplay extends Displayable<'modelReport'> {
  readonly plots: readonly PlotDisplay[];
}

/**
 * The report of a training run (trainFromCsv, trainFromCsvText, trainFromSnapshot): the
 * out-of-fold metrics with their bootstrap intervals, the folds, the coverage of the conformal
 * intervals, permutation importance and the Vega-Lite plots (with static SVG), all taken from
 * what training computed; nothing is recomputed or estimated here. A saved model (model.json,
 * openModel, a registered version through savedModelFromVersion) gives what it keeps: metrics,
 * coverage, the validation scheme; its notes say what it does not keep.
 */
export async function modelReportDisplay(
  input: TrainResult | SavedModel,
  options: ModelReportOptions = {}
): Promise<ModelReportDisplay> {
  return 'format' in input
    ? Private.fromSaved(input, options)
    : Private.fromTraining(input, options);
}

namespace Private {
  export async function fromTraining(
    result: TrainResult,
    options: ModelReportOptions
  ): Promise<ModelReportDisplay> {
    const { model, options: settings } = result;
    const property = options.property ?? propertyOfColumn(settings.target);
    const notes: string[] = [];
    const metrics = metricsOf(model.validation.metrics, property.unit, notes);
    if (model.search !== null) {
      metrics.push(...nestedMetrics(model.search.nested, property.unit));
      notes.push(searchNote(model.search.chosen, model.search.nested.innerFolds));
    }
    const intervals = model.validation.intervals;
    if (intervals === null) {
      notes.push(
        `No coverage report: ${model.validation.intervalsUnavailable ?? 'the folds were too small for out-of-fold intervals'}.`
      );
    }
    notes.push(`Prediction intervals of the final model: ${model.conformal.method}.`);
    if (result.rejected.length > 0) {
      notes.push(
        `${result.rejected.length} rows of the data were rejected and not used (see the model directory's report.json).`
      );
    }
    unitNote(property, notes);
    const specs = trainingPlotSpecs(result, property);
    const plots = await Promise.all(Object.values(specs).map(spec => plotDisplay(spec)));
    const real = await realCoverageOf(options, property);
    const payload: ModelReportPayload = {
      model: {
        name: options.model?.name ?? settings.target,
        version: options.model?.version ?? null,
        learner: `${model.learner.name} ${JSON.stringify(model.learner.params)}`,
        snapshot: result.snapshot.hash
      },
      property,
      validation: {
        scheme: scheme(model.folds.length, settings.groupBy, model.seed),
        folds: model.folds.length,
        rows: result.y.length
      },
      metrics,
      coverage:
        intervals === null
          ? null
          : { nominal: intervals.coverage.level, observed: intervals.coverage.coverage },
      importance: (model.importance?.families ?? []).map(f => ({
        feature: f.family,
        mean: f.mean,
        std: f.sd
      })),
      ...(model.importance
        ? {
            importanceMethod:
              `permutation importance: increase of RMSE${Private.unitSuffix(property.unit)} when ` +
              `a feature family's columns are shuffled, on each fold's held-out rows by that ` +
              `fold's model, ${model.importance.repeats} shuffles per fold; mean and SD over ` +
              `all shuffles of all folds`
          }
        : {}),
      plots: plots.map(p => ({ title: p.title, spec: p.spec })),
      notes,
      ...real.field
    };
    const display = new Displayable('modelReport', payload, {
      text: text(payload),
      html: html(payload, plots, model.validation.folds, real.plot)
    });
    return Object.assign(display, { plots });
  }

  export async function fromSaved(
    saved: SavedModel,
    options: ModelReportOptions
  ): Promise<ModelReportDisplay> {
    const property = options.property ?? propertyOfColumn(saved.target);
    const notes: string[] = [];
    const metrics = metricsOf(saved.metrics, property.unit, notes);
    if (saved.search !== undefined) {
      metrics.push(...nestedMetrics(saved.search.nested, property.unit));
      notes.push(searchNote(saved.search.chosen, saved.search.nested.innerFolds));
    }
    const coverage =
      saved.coverage !== null && Number.isFinite(saved.coverage.coverage)
        ? { nominal: saved.coverage.level, observed: saved.coverage.coverage }
        : null;
    if (coverage === null) {
      notes.push('No coverage report: the saved model has none.');
    }
    notes.push(`Prediction intervals: ${saved.conformal.method}.`);
    notes.push(
      "A saved model keeps no per-fold scores, permutation importance or plots: the model directory's report.json and plots/ hold them, and a training result displays them all."
    );
    unitNote(property, notes);
    const real = await realCoverageOf(options, property);
    const payload: ModelReportPayload = {
      model: {
        name: options.model?.name ?? saved.target,
        version: options.model?.version ?? null,
        learner: `${saved.learner.name} ${JSON.stringify(saved.learner.params)}`,
        snapshot: saved.snapshotHash
      },
      property,
      validation: {
        scheme: scheme(saved.folds, saved.groupBy, saved.seed),
        folds: saved.folds,
        rows: saved.trainingRows
      },
      metrics,
      coverage,
      importance: [],
      plots: [],
      notes,
      ...real.field
    };
    const display = new Displayable('modelReport', payload, {
      text: text(payload),
      html: html(payload, [], [], real.plot)
    });
    return Object.assign(display, { plots: [] });
  }

  /** The report's realCoverage field (absent unless asked for) and its plot. */
  async function realCoverageOf(
    options: ModelReportOptions,
    property: { name: string; unit: string }
  ): Promise<{
    field: Pick<ModelReportPayload, 'realCoverage'>;
    plot: PlotDisplay | null;
  }> {
    if (options.coverage === undefined) {
      return { field: {}, plot: null };
    }
    if (options.coverage === null) {
      return { field: { realCoverage: null }, plot: null };
    }
    const { payload, plot } = await coverageParts(options.coverage, {
      property,
      ...options.coverageOptions
    });
    return { field: { realCoverage: payload }, plot };
  }

  type Interval = Pick<
    MetricInterval,
    'value' | 'lower' | 'upper' | 'level' | 'method' | 'resamples' | 'seed'
  >;

  function metricsOf(
    v: { mae: Interval; rmse: Interval; r2: Interval },
    unit: string,
    notes: string[]
  ): ModelReportPayload['metrics'] {
    const metric = (name: string, m: Interval, metricUnit: string | undefined) => {
      // An undefined metric (R² of a constant target) is not a number to show: say so instead.
      if (!Number.isFinite(m.value)) {
        notes.push(
          `${name} is undefined on these data (e.g. R² when the measured values are constant).`
        );
        return [];
      }
      const bounded = Number.isFinite(m.lower) && Number.isFinite(m.upper);
      return [
        {
          name,
          value: m.value,
          ...(metricUnit === undefined || metricUnit === '' ? {} : { unit: metricUnit }),
          lower: bounded ? m.lower : null,
          upper: bounded ? m.upper : null,
          digits: METRIC_DIGITS,
          ...(bounded
            ? { intervalLevel: m.level, intervalMethod: `${m.method}, ${m.resamples} resamples` }
            : {})
        }
      ];
    };
    notes.push(
      `Metric intervals: ${formatLevel(v.mae.level)} ${v.mae.method}, ${v.mae.resamples} resamples, seed ${v.mae.seed}.`
    );
    return [
      ...metric('MAE', v.mae, unit),
      ...metric('RMSE', v.rmse, unit),
      ...metric('R²', v.r2, undefined)
    ];
  }

  function nestedMetrics(
    nested: { mae: number; rmse: number; r2: number },
    unit: string
  ): ModelReportPayload['metrics'] {
    return (
      [
        ['nested MAE', nested.mae, unit],
        ['nested RMSE', nested.rmse, unit],
        ['nested R²', nested.r2, undefined]
      ] as const
    )
      .filter(([, value]) => Number.isFinite(value))
      .map(([name, value, metricUnit]) => ({
        name,
        value,
        ...(metricUnit === undefined || metricUnit === '' ? {} : { unit: metricUnit }),
        lower: null,
        upper: null,
        digits: METRIC_DIGITS
      }));
  }

  function searchNote(chosen: Record<string, unknown>, innerFolds: number): string {
    return `A hyperparameter search chose ${JSON.stringify(chosen)}: the cross-validated metrics score the chosen parameters on the folds that chose them (optimistic); the nested cross-validation metrics (${innerFolds} inner folds) are the estimate to report.`;
  }

  export function unitSuffix(unit: string): string {
    const shown = displayUnit(unit);
    return shown === undefined ? '' : ` (${shown})`;
  }

  function unitNote(property: { name: string; unit: string }, notes: string[]): void {
    if (property.unit === '') {
      notes.push(`The unit of ${property.name} is not known (the target column names none).`);
    }
  }

  function scheme(folds: number, groupBy: string, seed: number): string {
    const grouping = groupBy === 'none' ? 'not grouped' : `grouped by ${groupBy}`;
    return `${folds}-fold cross-validation ${grouping}, seed ${seed}`;
  }
  const name = (p: ModelReportPayload) =>
    `${p.model.name}${p.model.version === null ? ' (unregistered)' : `@${p.model.version}`}`;

  const METRIC_COLUMNS = [
    { key: 'name', title: 'metric', kind: 'text' as const },
    { key: 'value', title: 'value', kind: 'number' as const, digits: METRIC_DIGITS },
    { key: 'interval', title: 'interval', kind: 'text' as const },
    { key: 'unit', title: 'unit', kind: 'text' as const }
  ];

  /** Metric rows as tables show them: the interval with its level and method, the unit as read. */
  function metricRows(p: ModelReportPayload): Record<string, string | number | null>[] {
    return p.metrics.map(m => ({
      name: m.name,
      value: m.value,
      interval:
        formatInterval(m.lower, m.upper, m.intervalLevel ?? null, m.digits)?.replace(
          / interval\)$/,
          m.intervalMethod === undefined ? ' interval)' : ` ${m.intervalMethod})`
        ) ?? null,
      unit: displayUnit(m.unit) ?? ''
    }));
  }

  export function text(p: ModelReportPayload): string {
    return [
      `Model ${name(p)}: ${p.property.name}${unitSuffix(p.property.unit)}, ${p.validation.rows} rows, ${p.validation.scheme}`,
      textTable(METRIC_COLUMNS, metricRows(p)),
      ...(p.coverage === null
        ? []
        : [
            `coverage of ${formatLevel(p.coverage.nominal)} intervals: ${formatLevel(p.coverage.observed)}`
          ]),
      ...(p.realCoverage === undefined
        ? []
        : p.realCoverage === null
          ? ['Real coverage: no verified results yet.']
          : [coverageText(p.realCoverage)])
    ].join('\n');
  }

  /** The "Real coverage" section, when the report was asked for it. */
  function realCoverageHtml(p: ModelReportPayload, plot: PlotDisplay | null): string {
    if (p.realCoverage === undefined) {
      return '';
    }
    const body =
      p.realCoverage === null || p.realCoverage.overall.count === 0
        ? `<p>${escapeHtml('No verified results yet: the lab has verified no measurement of a prediction of this version.')}</p>`
        : coverageHtml(p.realCoverage, plot, false);
    return `<h4>Real coverage</h4>${body}`;
  }

  export function html(
    p: ModelReportPayload,
    plots: readonly PlotDisplay[],
    folds: TrainResult['model']['validation']['folds'],
    realPlot: PlotDisplay | null
  ): string {
    const header =
      `<p><b>${escapeHtml(`Model ${name(p)}`)}</b><br>` +
      escapeHtml(
        `${p.property.name}${unitSuffix(p.property.unit)}; ${p.validation.rows} rows; ${p.validation.scheme}; learner ${p.model.learner ?? ''}`
      ) +
      (p.model.snapshot === undefined
        ? ''
        : `<br>training snapshot ${escapeHtml(p.model.snapshot)}`) +
      '</p>';
    const metrics = htmlTable(METRIC_COLUMNS, metricRows(p), { caption: 'Out-of-fold metrics' });
    const unit = p.property.unit === '' ? undefined : p.property.unit;
    const foldTable =
      folds.length === 0
        ? ''
        : htmlTable(
            [
              { key: 'fold', title: 'fold', kind: 'number' },
              { key: 'trainSize', title: 'training rows', kind: 'number' },
              { key: 'testSize', title: 'test rows', kind: 'number' },
              { key: 'mae', title: 'MAE', unit, kind: 'number', digits: METRIC_DIGITS },
              { key: 'rmse', title: 'RMSE', unit, kind: 'number', digits: METRIC_DIGITS },
              { key: 'r2', title: 'R²', kind: 'number', digits: METRIC_DIGITS }
            ],
            folds.map(f => ({ ...f })),
            { caption: 'Folds' }
          );
    const coverage =
      p.coverage === null
        ? ''
        : `<p>${escapeHtml(`Observed coverage of the ${formatLevel(p.coverage.nominal)} out-of-fold intervals: ${formatLevel(p.coverage.observed)}.`)}</p>`;
    const importance =
      p.importance.length === 0
        ? ''
        : htmlTable(
            [
              { key: 'feature', title: 'feature family', kind: 'text' },
              {
                key: 'mean',
                title: 'mean increase of RMSE',
                unit,
                kind: 'number',
                digits: METRIC_DIGITS
              },
              {
                key: 'std',
                title: 'standard deviation',
                unit,
                kind: 'number',
                digits: METRIC_DIGITS
              }
            ],
            p.importance,
            { caption: 'Permutation importance' }
          ) + (p.importanceMethod === undefined ? '' : `<p>${escapeHtml(p.importanceMethod)}.</p>`);
    return htmlBlock(
      header +
        metrics +
        foldTable +
        coverage +
        importance +
        plots.map(plot => plot.html()).join('') +
        realCoverageHtml(p, realPlot) +
        htmlNotes('Notes', p.notes)
    );
  }
}
