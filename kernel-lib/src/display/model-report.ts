import { trainingPlotSpecs, type SavedModel } from '../models/artifact';
import type { FeaturizerSpec } from '../models/featurizer-spec';
import { makeLearner } from '../models/learner-registry';
import { candidateName } from '../models/pipeline';
import type { TrainResult } from '../models/training';
import type { AdaptiveConformal, IntervalComparison, MetricInterval } from '../models/validation';
import type { ModelCoverage } from '../api/models';
import { Displayable } from './bundle';
import {
  coverageHtml,
  coverageParts,
  coverageText,
  type CoverageDisplayOptions,
  type CoverageInput
} from './coverage';
import {
  displayUnit,
  escapeHtml,
  formatInterval,
  formatLevel,
  formatNumber,
  formatQuantity
} from './format';
import { htmlBlock, htmlNotes, htmlTable } from './html';
import type { ModelReportPayload } from './payloads';
import { propertyOfColumn, type ModelIdentity } from './prediction';
import { textTable } from './text';
import { plotDisplay, type PlotDisplay } from './vega';

/** Figures of metrics: their bootstrap intervals are rarely narrower than 1 %. */
const METRIC_DIGITS = 3;
/** Figures of a candidate's cross-validated RMSE: candidates often differ by a few per cent. */
const CANDIDATE_DIGITS = 4;
/**
 * The applicability domain's percentile of out-of-fold distances, as calibrateAdaptive
 * (models/validation/adaptive.ts) sets domainThreshold; the saved calibration keeps only the value.
 */
const DOMAIN_PERCENTILE = 0.99;

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
  /**
   * For a saved model: constant against adaptive intervals on the out-of-fold predictions (the
   * model directory's report.json, `intervalComparison`), which model.json does not keep. A
   * training result has its own; this is ignored for it.
   */
  intervals?: IntervalComparison | null;
}

/** A model report display; its plots are also displayable one by one. */
export interface ModelReportDisplay extends Displayable<'modelReport'> {
  readonly plots: readonly PlotDisplay[];
}

/**
 * The report of a training run (trainFromCsv, trainFromCsvText, trainFromSnapshot): how the learner
 * was chosen when it was chosen among candidates (automatically or by a search grid), the metrics
 * with their bootstrap intervals (a nested cross-validation's after a choice), the folds, the
 * prediction intervals (constant against adaptive, by novelty, and the applicability domain),
 * permutation importance and the Vega-Lite plots (with static SVG), all taken from what training
 * computed; nothing is recomputed or estimated here. A saved model (model.json, openModel, a
 * registered version through savedModelFromVersion) gives what it keeps: metrics, coverage, the
 * choice, the validation scheme; its notes say what it does not keep.
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
    const search = model.search;
    // Every search of this kernel scores its choice by the nested cross-validation (the
    // validation above is the nested one): the candidates, the choice and why.
    const selection =
      search === null
        ? undefined
        : selectionOf({
            kind: settings.search ? 'grid' : 'auto',
            chosen: search.chosenLearner,
            candidates: search.candidates,
            why: search.why,
            outerFolds: model.folds.length,
            innerFolds: search.nested.innerFolds,
            choices: search.nested.choices.map(c => c.chosen),
            features: result.requestedFeaturizer
          });
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
    // A model on some feature families does not read the others: their importance is zero by
    // construction, not a finding.
    const read = model.families;
    const importance = (model.importance?.families ?? []).filter(
      f => read === null || read.includes(f.family) || f.family === 'conditions'
    );
    if (read !== null && importance.length < (model.importance?.families.length ?? 0)) {
      notes.push(
        `The model reads ${familiesInWords(read, settings.featurizer, false)} only; the importance of the feature families it does not read is not shown.`
      );
    }
    // The importance plot shows the families the table shows.
    const specs = trainingPlotSpecs(
      model.importance && read !== null
        ? {
            ...result,
            model: { ...model, importance: { ...model.importance, families: importance } }
          }
        : result,
      property
    );
    const plots = await Promise.all(Object.values(specs).map(spec => plotDisplay(spec)));
    const real = await realCoverageOf(options, property);
    const payload: ModelReportPayload = {
      model: {
        name: options.model?.name ?? settings.target,
        version: options.model?.version ?? null,
        learner: Private.learnerInWords(model.learner),
        snapshot: result.snapshot.hash
      },
      property,
      validation: {
        scheme: scheme(model.folds.length, settings.groupBy, model.seed, selection?.innerFolds),
        folds: model.folds.length,
        rows: result.y.length
      },
      metrics,
      coverage:
        intervals === null
          ? null
          : { nominal: intervals.coverage.level, observed: intervals.coverage.coverage },
      importance: importance.map(f => ({
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
      ...real.field,
      ...(selection ? { selection } : {}),
      ...adaptiveField(
        model.conformal.adaptive,
        model.intervals,
        intervals?.coverage ?? null,
        property.unit
      )
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
    const search = saved.search;
    // A model saved before the choice was recorded with its candidates: a --search grid whose
    // cross-validated metrics scored the chosen parameters on the folds that chose them
    // (optimistic), with the nested estimate beside them.
    const legacy = search !== undefined && search.candidates === undefined;
    if (search !== undefined && legacy) {
      metrics.push(...nestedMetrics(search.nested, property.unit));
      notes.push(legacySearchNote(search.chosen, search.nested.innerFolds));
    }
    const selection =
      search === undefined || legacy
        ? undefined
        : selectionOf({
            kind: search.grid ? 'grid' : 'auto',
            chosen: {
              name: search.chosenLearner?.name ?? saved.learner.name,
              params: search.chosenLearner?.params ?? search.chosen,
              families: search.chosenLearner?.families ?? null
            },
            candidates: (search.candidates ?? []).map(c => ({
              ...c,
              families: c.families ?? null
            })),
            why: search.why ?? null,
            outerFolds: saved.folds,
            innerFolds: search.nested.innerFolds,
            choices: null,
            features: search.features ?? saved.featurizer
          });
    const coverage =
      saved.coverage !== null && Number.isFinite(saved.coverage.coverage)
        ? { nominal: saved.coverage.level, observed: saved.coverage.coverage }
        : null;
    if (coverage === null) {
      notes.push('No coverage report: the saved model has none.');
    }
    notes.push(`Prediction intervals: ${saved.conformal.method}.`);
    const comparison = options.intervals ?? null;
    notes.push(
      'A saved model keeps no per-fold scores, permutation importance or plots' +
        (saved.conformal.adaptive && comparison === null
          ? ', nor the comparison of its intervals with constant-width ones'
          : '') +
        ": the model directory's report.json and plots/ hold them, and a training result displays them all."
    );
    unitNote(property, notes);
    const real = await realCoverageOf(options, property);
    const payload: ModelReportPayload = {
      model: {
        name: options.model?.name ?? saved.target,
        version: options.model?.version ?? null,
        learner: Private.learnerInWords(saved.learner),
        snapshot: saved.snapshotHash
      },
      property,
      validation: {
        scheme: scheme(saved.folds, saved.groupBy, saved.seed, selection?.innerFolds),
        folds: saved.folds,
        rows: saved.trainingRows
      },
      metrics,
      coverage,
      importance: [],
      plots: [],
      notes,
      ...real.field,
      ...(selection ? { selection } : {}),
      ...adaptiveField(saved.conformal.adaptive, comparison, saved.coverage, property.unit)
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

  /** The nested estimate beside optimistic metrics: models saved before nested validation led. */
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

  function legacySearchNote(chosen: Record<string, unknown>, innerFolds: number): string {
    return `A hyperparameter search chose ${JSON.stringify(chosen)}: the cross-validated metrics score the chosen parameters on the folds that chose them (optimistic); the nested cross-validation metrics (${innerFolds} inner folds) are the estimate to report.`;
  }

  type LearnerChoice = { name: string; params: Record<string, unknown>; families: string[] | null };

  /** What a search or the automatic choice recorded, from a training result or a saved model. */
  interface SelectionInput {
    kind: 'auto' | 'grid';
    chosen: LearnerChoice;
    candidates: (LearnerChoice & { rmse: number })[];
    why: string | null;
    outerFolds: number;
    innerFolds: number;
    /** The candidate (by candidateName) each outer fold's inner loop chose; null when not kept. */
    choices: string[] | null;
    /** The features the choice started from (a candidate's families are a subset of them). */
    features: FeaturizerSpec;
  }

  function selectionOf(input: SelectionInput): NonNullable<ModelReportPayload['selection']> {
    const chosenName = candidateName(input.chosen);
    const words = `${learnerInWords(input.chosen)} on ${familiesInWords(input.chosen.families, input.features, true)}`;
    const summary =
      input.kind === 'auto'
        ? `Chosen automatically: ${words}`
        : `A hyperparameter search chose ${JSON.stringify(input.chosen.params)}: ${words}`;
    // The sentence training wrote names candidates as candidateName does; a reader gets words.
    let why = input.why;
    if (why !== null) {
      for (const c of input.candidates) {
        why = why
          .split(candidateName(c))
          .join(`${learnerInWords(c)} on ${familiesInWords(c.families, input.features, false)}`);
      }
      why = `${why.charAt(0).toUpperCase()}${why.slice(1)}.`;
    }
    const finite = (v: number) => (Number.isFinite(v) ? v : Infinity);
    return {
      kind: input.kind,
      summary,
      why,
      nested: `Nested cross-validation: the choice made again inside each outer fold (${input.innerFolds}-fold inner loops on its training rows), so the metrics are the error of choosing and fitting, measured on rows neither saw.`,
      outerFolds: input.outerFolds,
      innerFolds: input.innerFolds,
      candidates: [...input.candidates]
        .sort((a, b) => finite(a.rmse) - finite(b.rmse))
        .map(c => {
          const name = candidateName(c);
          return {
            learner: learnerInWords(c),
            features: familiesInWords(c.families, input.features, false),
            rmse: Number.isFinite(c.rmse) ? c.rmse : null,
            chosen: name === chosenName,
            innerChoices:
              input.choices === null ? null : input.choices.filter(n => n === name).length
          };
        })
    };
  }

  const LEARNER_WORDS: Record<string, string> = {
    mean: 'the mean of the training values',
    ridge: 'ridge regression',
    'random-forest': 'random forest',
    'extra-trees': 'extra trees',
    'gradient-boosting': 'gradient boosting',
    'mlp-ensemble': 'neural-network ensemble'
  };

  /** Parameters said even at their default: those that tell one learner's candidates apart. */
  const KEY_PARAMS: Record<string, string[]> = {
    ridge: ['alpha'],
    'random-forest': ['trees', 'maxFeatures'],
    'extra-trees': ['trees', 'maxFeatures'],
    'gradient-boosting': ['maxIter', 'learningRate'],
    'mlp-ensemble': ['members', 'hiddenUnits']
  };

  const num = (v: unknown) => (typeof v === 'number' ? formatNumber(v) : JSON.stringify(v));

  const PARAM_WORDS: Record<string, (v: unknown) => string> = {
    alpha: v => `α = ${num(v)}`,
    trees: v => `${num(v)} trees`,
    maxFeatures: v =>
      v === 1
        ? 'every column per split'
        : typeof v === 'number'
          ? `${formatNumber(v * 100, 3).replace(/\.0+$/, '')} % of columns per split`
          : `max features ${JSON.stringify(v)}`,
    maxDepth: v => (v === null ? 'unlimited depth' : `depth at most ${num(v)}`),
    minSamplesSplit: v => `nodes of fewer than ${num(v)} rows not split`,
    minSamplesLeaf: v => `at least ${num(v)} rows per leaf`,
    bootstrap: v => (v ? 'each tree on a bootstrap sample' : 'each tree on every row'),
    learningRate: v => `learning rate ${num(v)}`,
    maxIter: v => `${num(v)} iterations`,
    maxLeafNodes: v => (v === null ? 'unlimited leaves' : `at most ${num(v)} leaves per tree`),
    l2Regularization: v => `L2 penalty ${num(v)}`,
    l2: v => `L2 penalty ${num(v)}`,
    members: v => `${num(v)} networks`,
    hiddenUnits: v =>
      Array.isArray(v) ? `hidden layers of ${v.join(', ')} units` : `hidden units ${num(v)}`,
    epochs: v => `at most ${num(v)} epochs`,
    patience: v => `patience ${num(v)} epochs`
  };

  /**
   * A learner and its parameters as a methods section says them: "random forest (100 trees, 33 %
   * of the columns at each split)". Parameters at the learner's default are left out unless they
   * tell candidates apart; unknown ones are said by name.
   */
  export function learnerInWords(learner: {
    name: string;
    params: Record<string, unknown>;
  }): string {
    let defaults: Record<string, unknown> = {};
    try {
      defaults = makeLearner(learner.name, {}).params;
    } catch {
      // An unknown learner (a newer kernel's): every parameter is said.
    }
    const key = KEY_PARAMS[learner.name] ?? [];
    const said = Object.entries(learner.params)
      .filter(
        ([name, value]) =>
          key.includes(name) || JSON.stringify(value) !== JSON.stringify(defaults[name])
      )
      .sort(([a], [b]) => Number(!key.includes(a)) - Number(!key.includes(b)))
      .map(([name, value]) => PARAM_WORDS[name]?.(value) ?? `${name} ${JSON.stringify(value)}`);
    const base = LEARNER_WORDS[learner.name] ?? learner.name;
    return said.length === 0 ? base : `${base} (${said.join(', ')})`;
  }

  /**
   * Feature families in words: "descriptors only", or every family the features have
   * ("descriptors + Morgan counts"); the condition columns are always read. `detailed` says the
   * Morgan fingerprint's radius and length.
   */
  export function familiesInWords(
    families: string[] | null,
    spec: FeaturizerSpec,
    detailed: boolean
  ): string {
    const all = [
      ...(spec.descriptors ? ['descriptors'] : []),
      ...(spec.morgan ? ['morgan'] : []),
      ...(spec.mixture ? ['composition'] : [])
    ];
    const used = families === null ? all : all.filter(f => families.includes(f));
    const words = used.map(f =>
      f === 'morgan'
        ? detailed && spec.morgan
          ? `Morgan counts (radius ${spec.morgan.radius}, ${spec.morgan.nBits} bits)`
          : 'Morgan counts'
        : f === 'composition'
          ? 'mixture composition'
          : f
    );
    const conditions = spec.conditions ?? [];
    if (conditions.length > 0) {
      words.push(detailed ? `conditions (${conditions.join(', ')})` : 'conditions');
    }
    const text = words.length === 0 ? 'no features' : words.join(' + ');
    return used.length < all.length ? `${text} only` : text;
  }

  /**
   * The "Prediction intervals" section's data, for a model with adaptive intervals: the method,
   * constant against adaptive on the out-of-fold predictions (overall and by novelty third, when
   * the comparison is at hand; a saved model keeps the adaptive coverage only) and the domain.
   */
  function adaptiveField(
    adaptive: AdaptiveConformal | undefined,
    comparison: IntervalComparison | null | undefined,
    coverage: { count: number; coverage: number; meanWidth: number } | null,
    unit: string
  ): Pick<ModelReportPayload, 'intervals'> {
    if (adaptive === undefined) {
      return {};
    }
    const check = (c: { coverage: number; meanWidth: number }) => ({
      coverage: c.coverage,
      meanWidth: c.meanWidth
    });
    const suffix = displayUnit(unit) === undefined ? '' : ` ${displayUnit(unit)}`;
    const overall = comparison
      ? {
          count: comparison.adaptive.count,
          constant: check(comparison.constant),
          adaptive: check(comparison.adaptive)
        }
      : coverage !== null && Number.isFinite(coverage.coverage)
        ? { count: coverage.count, constant: null, adaptive: check(coverage) }
        : null;
    const threshold = formatNumber(adaptive.domainThreshold, 3);
    return {
      intervals: {
        level: adaptive.level,
        method:
          `The ${formatLevel(adaptive.level)} prediction intervals adapt to each molecule: wider the farther it is from the training rows. ` +
          `Half-width q × (β + d), with d the molecule's mean distance to its ${adaptive.space.k} nearest training rows ` +
          `(standardized features, each feature family weighing the same), β = ${formatNumber(adaptive.beta, 3)} ` +
          `(the median held-out distance) and q = ${formatNumber(adaptive.quantile, 3)}${suffix} per unit of distance, ` +
          `calibrated on the ${adaptive.calibrationSize} out-of-fold predictions.`,
        overall,
        byNovelty: (comparison?.byNovelty ?? []).map(g => ({
          group: g.group,
          count: g.count,
          distance: g.distance,
          constant: check(g.constant),
          adaptive: check(g.adaptive)
        })),
        domain: { threshold: adaptive.domainThreshold, percentile: DOMAIN_PERCENTILE },
        domainRule: `Applicability domain: a molecule is outside when d > ${threshold}, farther from the training rows than ${formatLevel(DOMAIN_PERCENTILE)} of the held-out molecules were from theirs in cross-validation; each prediction says whether its molecule is inside.`
      }
    };
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

  function scheme(folds: number, groupBy: string, seed: number, innerFolds?: number): string {
    const grouping = groupBy === 'none' ? 'not grouped' : `grouped by ${groupBy}`;
    return innerFolds === undefined
      ? `${folds}-fold cross-validation ${grouping}, seed ${seed}`
      : `${folds}-fold nested cross-validation (${innerFolds}-fold inner loops) ${grouping}, seed ${seed}`;
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

  /** A table's columns and rows, as the HTML and text renderings of the report take them. */
  type TableSpec = {
    columns: {
      key: string;
      title: string;
      unit?: string;
      digits?: number;
      kind: 'text' | 'number';
    }[];
    rows: Record<string, string | number | null>[];
  };

  /** The candidates' table: best first, the chosen one marked, how often inner loops chose each. */
  function candidateTable(p: ModelReportPayload): TableSpec {
    const selection = p.selection!;
    const unit = p.property.unit === '' ? undefined : p.property.unit;
    const counted = selection.candidates.some(c => c.innerChoices !== null);
    return {
      columns: [
        { key: 'learner', title: 'candidate', kind: 'text' },
        { key: 'features', title: 'features', kind: 'text' },
        {
          key: 'rmse',
          title: 'cross-validated RMSE',
          unit,
          digits: CANDIDATE_DIGITS,
          kind: 'number'
        },
        ...(counted
          ? [{ key: 'inner', title: 'chosen by inner loops', kind: 'text' as const }]
          : [])
      ],
      rows: selection.candidates.map(c => ({
        learner: `${c.learner}${c.chosen ? ' (chosen)' : ''}`,
        features: c.features,
        rmse: c.rmse,
        inner: c.innerChoices === null ? null : `${c.innerChoices} of ${selection.outerFolds} folds`
      }))
    };
  }

  /** Constant against adaptive intervals: all held-out molecules, then by novelty third. */
  function intervalTable(p: ModelReportPayload): TableSpec | null {
    const intervals = p.intervals!;
    const overall = intervals.overall;
    if (overall === null || overall.constant === null) {
      return null;
    }
    const unit = p.property.unit === '' ? undefined : p.property.unit;
    const groups = intervals.byNovelty;
    const range = (min: number, max: number) =>
      groups.length === 0 ? '' : `${formatNumber(min, 3)} – ${formatNumber(max, 3)}`;
    const row = (
      group: string,
      count: number,
      distance: string,
      constant: { coverage: number; meanWidth: number },
      adaptive: { coverage: number; meanWidth: number }
    ) => ({
      group,
      count,
      distance,
      constantCoverage: formatLevel(constant.coverage),
      constantWidth: constant.meanWidth,
      adaptiveCoverage: formatLevel(adaptive.coverage),
      adaptiveWidth: adaptive.meanWidth
    });
    return {
      columns: [
        { key: 'group', title: 'held-out molecules', kind: 'text' },
        { key: 'count', title: 'n', kind: 'number' },
        { key: 'distance', title: 'distance d', kind: 'text' },
        { key: 'constantCoverage', title: 'constant coverage', kind: 'number' },
        {
          key: 'constantWidth',
          title: 'constant mean width',
          unit,
          digits: METRIC_DIGITS,
          kind: 'number'
        },
        { key: 'adaptiveCoverage', title: 'adaptive coverage', kind: 'number' },
        {
          key: 'adaptiveWidth',
          title: 'adaptive mean width',
          unit,
          digits: METRIC_DIGITS,
          kind: 'number'
        }
      ],
      rows: [
        row(
          'all',
          overall.count,
          range(
            Math.min(...groups.map(g => g.distance.min)),
            Math.max(...groups.map(g => g.distance.max))
          ),
          overall.constant,
          overall.adaptive
        ),
        ...groups.map(g =>
          row(g.group, g.count, range(g.distance.min, g.distance.max), g.constant, g.adaptive)
        )
      ]
    };
  }

  /** The adaptive intervals' coverage in a sentence, when no comparison table is at hand. */
  function adaptiveCoverageSentence(p: ModelReportPayload): string | null {
    const overall = p.intervals?.overall;
    if (!overall) {
      return null;
    }
    const width = formatQuantity(overall.adaptive.meanWidth, p.property.unit, METRIC_DIGITS);
    return `Out-of-fold coverage of the ${formatLevel(p.intervals!.level)} adaptive intervals: ${formatLevel(overall.adaptive.coverage)} of ${overall.count} held-out molecules, mean width ${width}.`;
  }

  export function text(p: ModelReportPayload): string {
    const selection = p.selection;
    const intervals = p.intervals;
    const table = intervals ? intervalTable(p) : null;
    return [
      `Model ${name(p)}: ${p.property.name}${unitSuffix(p.property.unit)}, ${p.validation.rows} rows, ${p.validation.scheme}`,
      ...(selection
        ? [
            selection.summary,
            ...(selection.why === null ? [] : [`  why: ${selection.why}`]),
            (({ columns, rows }) => textTable(columns, rows))(candidateTable(p)),
            selection.nested
          ]
        : []),
      textTable(METRIC_COLUMNS, metricRows(p)),
      ...(p.coverage === null || intervals
        ? []
        : [
            `coverage of ${formatLevel(p.coverage.nominal)} intervals: ${formatLevel(p.coverage.observed)}`
          ]),
      ...(intervals
        ? [
            intervals.method,
            table === null
              ? (adaptiveCoverageSentence(p) ?? '')
              : textTable(table.columns, table.rows),
            intervals.domainRule
          ].filter(line => line !== '')
        : []),
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

  /** How the learner was chosen: the choice, why, the candidates. */
  function selectionHtml(p: ModelReportPayload): string {
    const selection = p.selection;
    if (selection === undefined) {
      return '';
    }
    const { columns, rows } = candidateTable(p);
    return (
      '<h4>Learner</h4>' +
      `<p><b>${escapeHtml(selection.summary)}</b>` +
      (selection.why === null ? '' : `<br>${escapeHtml(selection.why)}`) +
      '</p>' +
      htmlTable(columns, rows, {
        caption: `Candidates, by RMSE of a ${p.validation.folds}-fold cross-validation on all rows`
      })
    );
  }

  /** Prediction intervals: how they adapt, constant against adaptive, the domain. */
  function intervalsHtml(p: ModelReportPayload): string {
    const intervals = p.intervals;
    if (intervals === undefined) {
      return '';
    }
    const table = intervalTable(p);
    const coverage = table === null ? adaptiveCoverageSentence(p) : null;
    return (
      '<h4>Prediction intervals</h4>' +
      `<p>${escapeHtml(intervals.method)}</p>` +
      (table === null
        ? coverage === null
          ? ''
          : `<p>${escapeHtml(coverage)}</p>`
        : htmlTable(table.columns, table.rows, {
            caption: `Constant against adaptive ${formatLevel(intervals.level)} intervals on the out-of-fold predictions, by distance to the fold's training rows`
          })) +
      `<p>${escapeHtml(intervals.domainRule)}</p>`
    );
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
    const metrics =
      (p.selection === undefined ? '' : `<p>${escapeHtml(p.selection.nested)}</p>`) +
      htmlTable(METRIC_COLUMNS, metricRows(p), {
        caption:
          p.selection === undefined ? 'Out-of-fold metrics' : 'Nested cross-validation metrics'
      });
    const unit = p.property.unit === '' ? undefined : p.property.unit;
    // Its own margin: it follows the metrics' table directly.
    const foldTable =
      folds.length === 0
        ? ''
        : '<div style="margin-top:10px">' +
          htmlTable(
            [
              { key: 'fold', title: 'fold', kind: 'number' },
              { key: 'trainSize', title: 'training rows', kind: 'number' },
              { key: 'testSize', title: 'test rows', kind: 'number' },
              { key: 'mae', title: 'MAE', unit, kind: 'number', digits: METRIC_DIGITS },
              { key: 'rmse', title: 'RMSE', unit, kind: 'number', digits: METRIC_DIGITS },
              { key: 'r2', title: 'R²', kind: 'number', digits: METRIC_DIGITS }
            ],
            folds.map(f => ({ ...f })),
            { caption: p.selection === undefined ? 'Folds' : 'Outer folds' }
          ) +
          '</div>';
    const coverage =
      p.coverage === null || p.intervals !== undefined
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
        selectionHtml(p) +
        metrics +
        foldTable +
        coverage +
        intervalsHtml(p) +
        importance +
        plots.map(plot => plot.html()).join('') +
        realCoverageHtml(p, realPlot) +
        htmlNotes('Notes', p.notes)
    );
  }
}
