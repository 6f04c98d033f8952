import { autoLearners } from './auto';
import { SeededRandom, deriveSeed } from './random';
import type { FeatureSet, Learner, Matrix, Regressor } from './types';
import {
  ADAPTIVE_METHOD,
  ModelValidationError,
  adaptiveIntervals,
  calibrateAdaptive,
  conformalQuantile,
  crossValidate,
  foldScore,
  summarizeOutOfFold,
  groupKFold,
  kFold,
  mae,
  permutationImportance,
  r2,
  rmse,
  type AdaptiveConformal,
  type CrossValidation,
  type Fold,
  type FoldScore,
  type IntervalComparison,
  type PermutationImportance
} from './validation';
import type { LearningCurvePoint } from './plots';

/**
 * From a featurized table to a validated model: grouped cross-validation with
 * out-of-fold predictions, metrics with bootstrap intervals and conformal intervals; permutation
 * importance per feature family on held-out folds; a learning curve; then the final model fitted
 * on every sample, with the conformal half-width its new predictions carry.
 */

export interface TrainingSet {
  features: FeatureSet;
  /** Measured values, one per row of features.X. */
  y: number[];
  /** Group of each sample (InChIKey or scaffold): no group is split across folds. */
  groups?: string[];
}

export interface TrainOptions {
  /**
   * The learner to validate and fit. Without it (and without `search`), the learner is chosen
   * automatically among autoLearners(), with a nested cross-validation as the honest estimate.
   */
  learner?: Learner;
  seed: number;
  /** Number of folds (default 5). */
  folds?: number;
  /** Nominal coverage of prediction intervals (default 0.9). */
  intervalLevel?: number;
  /** Repeats of each family's permutation (default 5; 0 skips importance). */
  importanceRepeats?: number;
  /** Fractions of each fold's training samples for the learning curve (default none). */
  learningCurve?: number[];
  /**
   * Candidate learners (other learners, or one learner's parameter grid). When given, `learner`
   * is ignored: inside each outer fold an inner (grouped) cross-validation on the fold's training
   * rows chooses among them and the choice predicts the fold's test rows, so the reported error
   * is that of "choose + fit" without optimism; the model is the candidate with the lowest
   * cross-validated RMSE on all rows, refitted on all of them.
   */
  search?: Candidate[];
  /** Folds of the inner cross-validations of a search (default 3). */
  innerFolds?: number;
  /** Called before each step (a fit, or a fold's importance), with what is done and what is left. */
  onProgress?: (progress: TrainingProgress) => void;
  /** Stops between steps with the signal's reason; nothing is returned and nothing is kept. */
  signal?: AbortSignal;
}

/** Where a training run is: steps done of the total, and what the next one is. */
export interface TrainingProgress {
  stage: 'choosing' | 'nested' | 'validation' | 'importance' | 'learning curve' | 'final fit';
  done: number;
  total: number;
  detail: string;
}

/**
 * A candidate of a search: a learner on every column, or on the columns of some feature families
 * only (e.g. the descriptors without the Morgan counts). Families the data do not have are
 * ignored; condition columns are always kept, since the measurement needs them.
 */
export type Candidate = Learner | { learner: Learner; families: string[] };

export interface SearchReport {
  /** Every candidate (learner, parameters, feature families) and its RMSE on the model's folds: what chose the model. */
  candidates: {
    name: string;
    params: Record<string, unknown>;
    families: string[] | null;
    rmse: number;
  }[];
  /** The parameters of the chosen candidate. */
  chosen: Record<string, unknown>;
  /** The chosen candidate's learner and parameters, and its feature families (null: every column). */
  chosenLearner: { name: string; params: Record<string, unknown>; families: string[] | null };
  /** Why, in one sentence. */
  why: string;
  /** Nested cross-validation on the model's outer folds: the honest error of choose + fit. */
  nested: { mae: number; rmse: number; r2: number; innerFolds: number } & Pick<
    NestedResult,
    'choices' | 'predictions'
  >;
}

export interface TrainedModel {
  learner: { name: string; params: Record<string, unknown> };
  seed: number;
  featurizerVersion: string;
  featureNames: string[];
  /**
   * The feature families the model reads, when a search chose a candidate on some families only
   * (its regressor then sees those columns, in their order); null when it reads every column.
   */
  families: string[] | null;
  /**
   * Cross-validation: out-of-fold predictions, fold scores, metrics with intervals, coverage.
   * After a search, these are the nested cross-validation's predictions (each outer fold's own
   * choice), so the metrics are honest.
   */
  validation: Omit<CrossValidation, 'models' | 'learner'>;
  folds: Fold[];
  grouped: boolean;
  /** Permutation importance on each fold's held-out samples by that fold's model, averaged over folds. */
  importance: PermutationImportance | null;
  learningCurve: LearningCurvePoint[];
  /** The search, when there was one: every candidate's score, the choice and why. */
  search: SearchReport | null;
  /** Fitted on every sample with deriveSeed(seed, 'final'). */
  final: Regressor;
  /**
   * Intervals of new predictions. Constant: prediction +- halfWidth, the conformal quantile of the
   * out-of-fold absolute residuals at `level`. Adaptive (when the folds are large enough):
   * prediction +- quantile x (beta + novelty), see calibrateAdaptive. The out-of-fold models are
   * not the final model (it saw more data), so the guarantee is approximate; the coverage report of
   * validation is exact.
   */
  conformal: {
    level: number;
    halfWidth: number;
    calibrationSize: number;
    method: string;
    adaptive?: AdaptiveConformal;
  };
  /** Constant against adaptive intervals on the out-of-fold predictions; null when not adaptive. */
  intervals: IntervalComparison | null;
}

/** Cross-validate (or choose among candidates), explain and fit the final model. */
export async function trainAndValidate(
  data: TrainingSet,
  options: TrainOptions
): Promise<TrainedModel> {
  const { X } = data.features;
  const k = options.folds ?? 5;
  const level = options.intervalLevel ?? 0.9;
  if (data.y.length !== X.length) {
    throw new ModelValidationError(
      'y',
      `has ${data.y.length} values for ${X.length} featurized rows`
    );
  }
  const folds = data.groups
    ? groupKFold(data.groups, k, deriveSeed(options.seed, 'folds'))
    : kFold(X.length, k, deriveSeed(options.seed, 'folds'));
  const requested = options.search ?? (options.learner ? null : autoLearners());
  if (requested && requested.length === 0) {
    throw new ModelValidationError('search', 'give at least one candidate');
  }
  const candidates = requested ? Private.bind(requested, data.features) : null;
  const innerFolds = options.innerFolds ?? Private.INNER_FOLDS;
  const fractions = (options.learningCurve ?? []).filter(f => f !== 1);
  const repeats = options.importanceRepeats ?? 5;
  const steps = new Private.Steps(
    (candidates ? candidates.length * k + k * (candidates.length * innerFolds + 1) : k) +
      (repeats > 0 ? k : 0) +
      fractions.length * k +
      1,
    options
  );
  const cvOptions = { seed: options.seed, groups: data.groups, intervalLevel: level };
  let learner: Learner;
  let families: string[] | null = null;
  let search: SearchReport | null = null;
  let models: Regressor[];
  let validation: Omit<CrossValidation, 'models' | 'learner'>;
  /** RMSE of the model's learner on the folds with every training row: the curve's last point. */
  let fullRmse: number;
  if (candidates) {
    const chosen = await Private.search(
      candidates,
      data,
      folds,
      { ...cvOptions, innerFolds },
      steps
    );
    learner = chosen.learner;
    families = chosen.report.chosenLearner.families;
    search = chosen.report;
    models = chosen.models;
    fullRmse = chosen.rmse;
    validation = summarizeOutOfFold(
      data.y,
      chosen.report.nested.predictions,
      folds,
      chosen.scores,
      cvOptions
    );
  } else {
    learner = options.learner!;
    const cv = await crossValidate(learner, X, data.y, folds, {
      ...cvOptions,
      onFold: f => steps.next('validation', `${learner.name}, fold ${f + 1} of ${k}`)
    });
    const { models: fitted, learner: _learner, ...rest } = cv;
    void _learner;
    models = fitted;
    fullRmse = cv.metrics.rmse.value;
    validation = rest;
  }
  const adaptive = Private.adaptive(data, families, validation, folds, level);
  if (adaptive) {
    validation = {
      ...validation,
      intervals: { ...adaptive.intervals, coverage: adaptive.comparison.adaptive }
    };
  }
  const importance =
    repeats > 0 ? await Private.heldOutImportance(models, data, folds, options, steps) : null;
  const curve = options.learningCurve?.length
    ? await learningCurve(learner, X, data.y, folds, fractions, options.seed, {
        onFit: (fraction, f) =>
          steps.next(
            'learning curve',
            `${Math.round(fraction * 100)} % of the training rows, fold ${f + 1} of ${k}`
          )
      })
    : [];
  if (options.learningCurve?.includes(1)) {
    // Every training row: the cross-validation above already fitted exactly these models.
    curve.push({
      trainSize: Math.round(folds.reduce((s, f) => s + f.train.length, 0) / folds.length),
      error: fullRmse
    });
    curve.sort((a, b) => a.trainSize - b.trainSize);
  }
  await steps.next('final fit', `${learner.name} on all ${X.length} rows`);
  const final = learner.create(deriveSeed(options.seed, 'final'));
  await final.fit(X, data.y);
  const residuals = data.y.map((v, i) => Math.abs(v - validation.predictions[i]));
  return {
    learner: { name: learner.name, params: learner.params },
    seed: options.seed,
    featurizerVersion: data.features.version,
    featureNames: data.features.names,
    families,
    validation,
    folds,
    grouped: data.groups !== undefined,
    importance,
    learningCurve: curve,
    search,
    final,
    conformal: {
      level,
      halfWidth: conformalQuantile(residuals, level),
      calibrationSize: residuals.length,
      method: adaptive
        ? ADAPTIVE_METHOD
        : 'split conformal on out-of-fold absolute residuals (Lei et al. 2018), applied to the final model',
      ...(adaptive ? { adaptive: adaptive.adaptive } : {})
    },
    intervals: adaptive?.comparison ?? null
  };
}

/**
 * Predictions of the final model with their conformal interval; with adaptive intervals, each
 * prediction's novelty (mean distance to its nearest training rows) and whether it lies inside the
 * applicability domain. Without them every prediction counts as inside.
 */
export async function predictWithIntervals(
  model: Pick<TrainedModel, 'final' | 'conformal'>,
  X: Matrix
): Promise<
  { prediction: number; lower: number; upper: number; novelty: number | null; inDomain: boolean }[]
> {
  const predicted = await model.final.predict(X);
  const { adaptive } = model.conformal;
  if (adaptive) {
    const intervals = adaptiveIntervals(adaptive, X, predicted);
    return predicted.map((p, i) => ({ prediction: p, ...intervals[i] }));
  }
  const h = model.conformal.halfWidth;
  return predicted.map(p => ({
    prediction: p,
    lower: p - h,
    upper: p + h,
    novelty: null,
    inDomain: true
  }));
}

/**
 * Out-of-fold RMSE when each fold's model sees only a fraction of its training samples (the first
 * ones of a seeded shuffle), so more data can be seen to help, or not.
 */
export async function learningCurve(
  learner: Learner,
  X: Matrix,
  y: number[],
  folds: Fold[],
  fractions: number[],
  seed: number,
  hooks: { onFit?: (fraction: number, fold: number) => Promise<void> } = {}
): Promise<LearningCurvePoint[]> {
  const points: LearningCurvePoint[] = [];
  for (const fraction of fractions) {
    if (!(fraction > 0 && fraction <= 1)) {
      throw new ModelValidationError(
        'learningCurve',
        `fractions must be in (0, 1] (got ${fraction})`
      );
    }
    const predicted: number[] = [];
    const measured: number[] = [];
    let trainSize = 0;
    for (let f = 0; f < folds.length; f++) {
      const train = Private.seededPrefix(
        folds[f].train,
        fraction,
        deriveSeed(seed, 'curve', String(fraction), f)
      );
      trainSize += train.length / folds.length;
      await hooks.onFit?.(fraction, f);
      const regressor = learner.create(deriveSeed(seed, 'fold', f));
      await regressor.fit(
        train.map(i => X[i]),
        train.map(i => y[i])
      );
      predicted.push(...(await regressor.predict(folds[f].test.map(i => X[i]))));
      measured.push(...folds[f].test.map(i => y[i]));
    }
    points.push({ trainSize: Math.round(trainSize), error: rmse(measured, predicted) });
  }
  return points;
}

export interface NestedResult {
  /** Out-of-fold predictions of the outer loop, each from the candidate the inner loop chose. */
  predictions: number[];
  /**
   * The candidate chosen in each outer fold (its name, and its index among the candidates), with
   * the inner RMSE of every candidate.
   */
  choices: { fold: number; chosen: string; candidate: number; innerRmse: Record<string, number> }[];
  rmse: number;
}

/** A candidate's name in reports: its learner and parameters. */
export function candidateName(
  learner: Pick<Learner, 'name' | 'params'> & { families?: string[] | null }
): string {
  return `${learner.name} ${JSON.stringify(learner.params)}${learner.families ? ` on ${learner.families.join(' + ')}` : ''}`;
}

/**
 * Hyperparameter search without optimism: for each outer fold, the candidates are compared by an
 * inner (grouped) cross-validation on the outer training samples only, and the winner is scored on
 * the outer test samples. The outer error is then an honest estimate of "search + fit".
 */
export async function nestedCrossValidate(
  candidates: Learner[],
  data: TrainingSet,
  options: {
    seed: number;
    outerFolds?: number;
    innerFolds?: number;
    outer?: Fold[];
    onFit?: (detail: string) => Promise<void>;
    /**
     * A candidate's model already fitted on an outer fold's training rows with that fold's seed
     * (deriveSeed(seed, 'fold', f)), e.g. by a cross-validation on the same outer folds: used
     * instead of fitting the same model again.
     */
    fitted?: (candidate: number, fold: number) => Regressor | undefined;
  }
): Promise<NestedResult & { models: Regressor[]; scores: FoldScore[] }> {
  if (candidates.length === 0) {
    throw new ModelValidationError('candidates', 'give at least one learner');
  }
  const names = candidates.map(c =>
    candidateName({ ...c, families: (c as BoundLearner).families ?? null })
  );
  const { X } = data.features;
  const outer =
    options.outer ??
    (data.groups
      ? groupKFold(data.groups, options.outerFolds ?? 5, deriveSeed(options.seed, 'outer'))
      : kFold(X.length, options.outerFolds ?? 5, deriveSeed(options.seed, 'outer')));
  const predictions = new Array<number>(X.length).fill(NaN);
  const choices: NestedResult['choices'] = [];
  const models: Regressor[] = [];
  const scores: FoldScore[] = [];
  for (let f = 0; f < outer.length; f++) {
    const { train, test } = outer[f];
    const Xtrain = train.map(i => X[i]);
    const ytrain = train.map(i => data.y[i]);
    const gtrain = data.groups ? train.map(i => data.groups![i]) : undefined;
    const innerSeed = deriveSeed(options.seed, 'inner', f);
    const inner = gtrain
      ? groupKFold(gtrain, options.innerFolds ?? 3, innerSeed)
      : kFold(train.length, options.innerFolds ?? 3, innerSeed);
    const innerRmse: Record<string, number> = {};
    for (let c = 0; c < candidates.length; c++) {
      const cv = await crossValidate(candidates[c], Xtrain, ytrain, inner, {
        seed: innerSeed,
        groups: gtrain,
        bootstrap: { resamples: 1 },
        onFold: i =>
          options.onFit?.(
            `outer fold ${f + 1} of ${outer.length}: ${candidates[c].name}, inner fold ${i + 1} of ${inner.length}`
          ) ?? Promise.resolve()
      });
      innerRmse[names[c]] = cv.metrics.rmse.value;
    }
    const best = names.reduce((a, b) => (innerRmse[b] < innerRmse[a] ? b : a));
    await options.onFit?.(`outer fold ${f + 1} of ${outer.length}: fitting its choice`);
    const seed = deriveSeed(options.seed, 'fold', f);
    const c = names.indexOf(best);
    let regressor = options.fitted?.(c, f);
    if (!regressor) {
      regressor = candidates[c].create(seed);
      await regressor.fit(Xtrain, ytrain);
    }
    const predicted = await regressor.predict(test.map(i => X[i]));
    test.forEach((i, t) => (predictions[i] = predicted[t]));
    choices.push({ fold: f, chosen: best, candidate: c, innerRmse });
    models.push(regressor);
    scores.push(
      foldScore(
        f,
        seed,
        train.length,
        test.map(i => data.y[i]),
        predicted
      )
    );
  }
  return { predictions, choices, rmse: rmse(data.y, predictions), models, scores };
}

/** A candidate bound to the columns it reads; its regressors take every column and pick theirs. */
interface BoundLearner extends Learner {
  families: string[] | null;
}

namespace Private {
  export const INNER_FOLDS = 3;

  /** Columns of the given families plus the conditions (every column when families is null). */
  export function columnsOf(all: string[], families: string[] | null): number[] {
    return all
      .map((family, j) => ({ family, j }))
      .filter(({ family }) => !families || family === 'conditions' || families.includes(family))
      .map(({ j }) => j);
  }

  /**
   * Candidates as learners over the full feature matrix. A candidate on some families reads only
   * their columns; one whose families are all absent, or that reads every column anyway, is the
   * plain learner (duplicates are dropped, first kept).
   */
  export function bind(candidates: Candidate[], features: FeatureSet): BoundLearner[] {
    const present = new Set(features.families);
    const bound: BoundLearner[] = [];
    const seen = new Set<string>();
    const structure = [...present].filter(f => f !== 'conditions');
    for (const candidate of candidates) {
      const learner = 'learner' in candidate ? candidate.learner : candidate;
      let families: string[] | null = null;
      if ('learner' in candidate) {
        const wanted = [...new Set(candidate.families)].filter(
          f => present.has(f) && f !== 'conditions'
        );
        if (wanted.length === 0) {
          // None of its families in these data (e.g. descriptors of a mixture model).
          continue;
        }
        families = wanted.length === structure.length ? null : wanted;
      }
      const name = candidateName({ ...learner, families });
      if (seen.has(name)) {
        continue;
      }
      seen.add(name);
      bound.push(
        families
          ? onColumns(learner, columnsOf(features.families, families), families)
          : { ...plain(learner), families: null }
      );
    }
    return bound;
  }

  /** The learner itself, as a bound candidate (methods kept with their object). */
  export function plain(learner: Learner): Learner {
    return {
      name: learner.name,
      params: learner.params,
      create: seed => learner.create(seed),
      fromJSON: json => learner.fromJSON(json),
      ...(learner.runtime ? { runtime: () => learner.runtime!() } : {})
    };
  }

  function onColumns(learner: Learner, columns: number[], families: string[]): BoundLearner {
    const pick = (X: Matrix) => X.map(row => columns.map(j => row[j]));
    const wrap = (regressor: Regressor): Regressor => ({
      fit: (X, y) => regressor.fit(pick(X), y),
      predict: X => regressor.predict(pick(X)),
      toJSON: () => regressor.toJSON()
    });
    return {
      ...plain(learner),
      families,
      create: seed => wrap(learner.create(seed)),
      fromJSON: json => wrap(learner.fromJSON(json))
    };
  }

  /** Counts steps for onProgress and stops at the signal, yielding so a Ctrl-C can be heard. */
  export class Steps {
    private done = 0;

    constructor(
      private readonly total: number,
      private readonly options: Pick<TrainOptions, 'onProgress' | 'signal'>
    ) {}

    async next(stage: TrainingProgress['stage'], detail: string): Promise<void> {
      const { signal, onProgress } = this.options;
      if (signal) {
        // A signal handler (Ctrl-C) runs only when the event loop gets a turn.
        await new Promise(resolve => setTimeout(resolve, 0));
        signal.throwIfAborted();
      }
      onProgress?.({ stage, done: this.done, total: this.total, detail });
      this.done++;
    }
  }

  export async function search(
    candidates: BoundLearner[],
    data: TrainingSet,
    folds: Fold[],
    cvOptions: { seed: number; groups?: string[]; intervalLevel: number; innerFolds: number },
    steps: Steps
  ): Promise<{
    learner: Learner;
    report: SearchReport;
    models: Regressor[];
    scores: FoldScore[];
    rmse: number;
  }> {
    const { innerFolds, ...cvSettings } = cvOptions;
    const { seed } = cvSettings;
    const { X } = data.features;
    const scored: SearchReport['candidates'] = [];
    // Each candidate's fold models: the nested loop's outer fits are the same models.
    const foldModels: Regressor[][] = [];
    let best = 0;
    for (let c = 0; c < candidates.length; c++) {
      const candidate = candidates[c];
      const cv = await crossValidate(candidate, X, data.y, folds, {
        ...cvSettings,
        bootstrap: { resamples: 1 },
        onFold: f => steps.next('choosing', `${candidate.name}, fold ${f + 1} of ${folds.length}`)
      });
      scored.push({
        name: candidate.name,
        params: candidate.params,
        families: candidate.families,
        rmse: cv.metrics.rmse.value
      });
      foldModels.push(cv.models);
      if (cv.metrics.rmse.value < scored[best].rmse) {
        best = c;
      }
    }
    const nested = await nestedCrossValidate(candidates, data, {
      seed,
      innerFolds,
      outer: folds,
      onFit: detail => steps.next('nested', detail),
      fitted: (c, f) => foldModels[c][f]
    });
    const chosen = candidates[best];
    const agreeing = nested.choices.filter(c => c.chosen === candidateName(chosen)).length;
    return {
      learner: chosen,
      models: nested.models,
      scores: nested.scores,
      rmse: scored[best].rmse,
      report: {
        candidates: scored,
        chosen: chosen.params,
        chosenLearner: { name: chosen.name, params: chosen.params, families: chosen.families },
        why: `lowest cross-validated RMSE of ${candidates.length} candidates on all rows (${scored[best].rmse.toPrecision(4)}; next best ${nextBest(scored, best)}); the nested cross-validation's inner loops chose it in ${agreeing} of ${folds.length} outer folds`,
        nested: {
          mae: mae(data.y, nested.predictions),
          rmse: nested.rmse,
          r2: r2(data.y, nested.predictions),
          innerFolds,
          choices: nested.choices,
          predictions: nested.predictions
        }
      }
    };
  }

  function nextBest(scored: SearchReport['candidates'], best: number): string {
    const others = scored.filter((_, c) => c !== best).sort((a, b) => a.rmse - b.rmse);
    return others.length > 0
      ? `${candidateName(others[0])} at ${others[0].rmse.toPrecision(4)}`
      : 'none';
  }

  /**
   * Adaptive intervals on the out-of-fold predictions, or null when folds are too small for them.
   * Distances are measured in the columns the model reads, the only ones a prediction will have.
   */
  export function adaptive(
    data: TrainingSet,
    families: string[] | null,
    validation: { predictions: number[] },
    folds: Fold[],
    level: number
  ): ReturnType<typeof calibrateAdaptive> | null {
    const columns = columnsOf(data.features.families, families);
    try {
      return calibrateAdaptive(
        {
          X: data.features.X.map(row => columns.map(j => row[j])),
          families: columns.map(j => data.features.families[j]),
          y: data.y
        },
        { predictions: validation.predictions, folds },
        level
      );
    } catch (error) {
      if (error instanceof ModelValidationError) {
        return null;
      }
      throw error;
    }
  }

  export async function heldOutImportance(
    models: Regressor[],
    data: TrainingSet,
    folds: Fold[],
    options: TrainOptions,
    steps: Steps
  ): Promise<PermutationImportance> {
    const perFold: PermutationImportance[] = [];
    for (let f = 0; f < folds.length; f++) {
      await steps.next('importance', `fold ${f + 1} of ${folds.length}`);
      const test = folds[f].test;
      perFold.push(
        await permutationImportance(
          X => models[f].predict(X),
          test.map(i => data.features.X[i]),
          test.map(i => data.y[i]),
          data.features.families,
          {
            seed: deriveSeed(options.seed, 'importance', f),
            repeats: options.importanceRepeats ?? 5
          }
        )
      );
    }
    const first = perFold[0];
    return {
      ...first,
      baseline: perFold.reduce((s, p) => s + p.baseline, 0) / perFold.length,
      families: first.families.map((family, j) => {
        const increases = perFold.flatMap(p => p.families[j].increases);
        const mean = increases.reduce((s, v) => s + v, 0) / increases.length;
        const sd = Math.sqrt(
          increases.reduce((s, v) => s + (v - mean) ** 2, 0) / Math.max(1, increases.length - 1)
        );
        return { ...family, mean, sd, increases };
      })
    };
  }

  /** The first ceil(fraction * n) indices of a seeded shuffle of `indices`. */
  export function seededPrefix(indices: number[], fraction: number, seed: number): number[] {
    const order = [...indices];
    // Fisher-Yates with the shared generator, so curves are reproducible.
    new SeededRandom(seed).shuffle(order);
    return order.slice(0, Math.max(2, Math.ceil(fraction * order.length)));
  }
}
