import { SeededRandom, deriveSeed } from './random';
import type { FeatureSet, Learner, Matrix, Regressor } from './types';
import {
  ModelValidationError,
  conformalQuantile,
  crossValidate,
  groupKFold,
  kFold,
  mae,
  permutationImportance,
  r2,
  rmse,
  type CrossValidation,
  type Fold,
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
  learner: Learner;
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
   * Candidate learners for a hyperparameter search. When given, `learner` is ignored: the candidate
   * with the lowest cross-validated RMSE on the model's folds is validated and fitted, and a nested
   * cross-validation on the same outer folds estimates the whole procedure without the optimism of
   * choosing on the data that scores it.
   */
  search?: Learner[];
}

export interface SearchReport {
  /** Every candidate's parameters and its RMSE on the model's folds (what chose the winner). */
  candidates: { params: Record<string, unknown>; rmse: number }[];
  chosen: Record<string, unknown>;
  /** Nested cross-validation on the model's outer folds: the honest error of search + fit. */
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
  /** Cross-validation: out-of-fold predictions, fold scores, metrics with intervals, coverage. */
  validation: Omit<CrossValidation, 'models'>;
  folds: Fold[];
  grouped: boolean;
  /** Permutation importance on each fold's held-out samples by that fold's model, averaged over folds. */
  importance: PermutationImportance | null;
  learningCurve: LearningCurvePoint[];
  /**
   * The hyperparameter search, when there was one. Then `validation` scores the chosen parameters
   * on the folds that chose them (optimistic); `search.nested` is the estimate to report.
   */
  search: SearchReport | null;
  /** Fitted on every sample with deriveSeed(seed, 'final'). */
  final: Regressor;
  /**
   * Intervals of new predictions: prediction +- halfWidth, the conformal quantile of the
   * out-of-fold absolute residuals at `level`. The out-of-fold models are not the final model (it
   * saw more data), so the guarantee is approximate; the coverage report of validation is exact.
   */
  conformal: { level: number; halfWidth: number; calibrationSize: number; method: string };
}

/** Cross-validate, explain and fit the final model. */
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
  const cvOptions = { seed: options.seed, groups: data.groups, intervalLevel: level };
  const search = options.search
    ? await Private.search(options.search, data, folds, cvOptions)
    : null;
  const learner = search ? search.learner : options.learner;
  // The search already cross-validated the winner on these folds with these options.
  const cv = search?.cv ?? (await crossValidate(learner, X, data.y, folds, cvOptions));
  const importance =
    (options.importanceRepeats ?? 5) > 0
      ? await Private.heldOutImportance(cv, data, folds, options)
      : null;
  const curve = options.learningCurve?.length
    ? await learningCurve(learner, X, data.y, folds, options.learningCurve, options.seed)
    : [];
  const final = learner.create(deriveSeed(options.seed, 'final'));
  await final.fit(X, data.y);
  const residuals = data.y.map((v, i) => Math.abs(v - cv.predictions[i]));
  const { models: _models, ...validation } = cv;
  void _models;
  return {
    learner: { name: learner.name, params: learner.params },
    seed: options.seed,
    featurizerVersion: data.features.version,
    featureNames: data.features.names,
    validation,
    folds,
    grouped: data.groups !== undefined,
    importance,
    learningCurve: curve,
    search: search?.report ?? null,
    final,
    conformal: {
      level,
      halfWidth: conformalQuantile(residuals, level),
      calibrationSize: residuals.length,
      method:
        'split conformal on out-of-fold absolute residuals (Lei et al. 2018), applied to the final model'
    }
  };
}

/** Predictions of the final model with their conformal interval. */
export async function predictWithIntervals(
  model: Pick<TrainedModel, 'final' | 'conformal'>,
  X: Matrix
): Promise<{ prediction: number; lower: number; upper: number }[]> {
  const predicted = await model.final.predict(X);
  const h = model.conformal.halfWidth;
  return predicted.map(p => ({ prediction: p, lower: p - h, upper: p + h }));
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
  seed: number
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
  /** The candidate chosen in each outer fold, with the inner RMSE of every candidate. */
  choices: { fold: number; chosen: string; innerRmse: Record<string, number> }[];
  rmse: number;
}

/**
 * Hyperparameter search without optimism: for each outer fold, the candidates are compared by an
 * inner (grouped) cross-validation on the outer training samples only, and the winner is scored on
 * the outer test samples. The outer error is then an honest estimate of "search + fit".
 */
export async function nestedCrossValidate(
  candidates: Learner[],
  data: TrainingSet,
  options: { seed: number; outerFolds?: number; innerFolds?: number; outer?: Fold[] }
): Promise<NestedResult> {
  if (candidates.length === 0) {
    throw new ModelValidationError('candidates', 'give at least one learner');
  }
  const names = candidates.map(c => `${c.name} ${JSON.stringify(c.params)}`);
  const { X } = data.features;
  const outer =
    options.outer ??
    (data.groups
      ? groupKFold(data.groups, options.outerFolds ?? 5, deriveSeed(options.seed, 'outer'))
      : kFold(X.length, options.outerFolds ?? 5, deriveSeed(options.seed, 'outer')));
  const predictions = new Array<number>(X.length).fill(NaN);
  const choices: NestedResult['choices'] = [];
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
        bootstrap: { resamples: 1 }
      });
      innerRmse[names[c]] = cv.metrics.rmse.value;
    }
    const best = names.reduce((a, b) => (innerRmse[b] < innerRmse[a] ? b : a));
    const regressor = candidates[names.indexOf(best)].create(deriveSeed(options.seed, 'fold', f));
    await regressor.fit(Xtrain, ytrain);
    const predicted = await regressor.predict(test.map(i => X[i]));
    test.forEach((i, t) => (predictions[i] = predicted[t]));
    choices.push({ fold: f, chosen: best, innerRmse });
  }
  return { predictions, choices, rmse: rmse(data.y, predictions) };
}

namespace Private {
  const INNER_FOLDS = 3;

  export async function search(
    candidates: Learner[],
    data: TrainingSet,
    folds: Fold[],
    cvOptions: { seed: number; groups?: string[]; intervalLevel: number }
  ): Promise<{ learner: Learner; report: SearchReport; cv: CrossValidation }> {
    if (candidates.length === 0) {
      throw new ModelValidationError('search', 'give at least one candidate');
    }
    const { seed } = cvOptions;
    const { X } = data.features;
    const scored: SearchReport['candidates'] = [];
    let best = 0;
    let bestCv: CrossValidation | undefined;
    for (let c = 0; c < candidates.length; c++) {
      const cv = await crossValidate(candidates[c], X, data.y, folds, cvOptions);
      scored.push({ params: candidates[c].params, rmse: cv.metrics.rmse.value });
      // Only the leader's cross-validation (with its fitted fold models) is kept.
      if (!bestCv || cv.metrics.rmse.value < scored[best].rmse) {
        best = c;
        bestCv = cv;
      }
    }
    const nested = await nestedCrossValidate(candidates, data, {
      seed,
      innerFolds: INNER_FOLDS,
      outer: folds
    });
    return {
      learner: candidates[best],
      cv: bestCv!,
      report: {
        candidates: scored,
        chosen: candidates[best].params,
        nested: {
          mae: mae(data.y, nested.predictions),
          rmse: nested.rmse,
          r2: r2(data.y, nested.predictions),
          innerFolds: INNER_FOLDS,
          choices: nested.choices,
          predictions: nested.predictions
        }
      }
    };
  }

  export async function heldOutImportance(
    cv: CrossValidation,
    data: TrainingSet,
    folds: Fold[],
    options: TrainOptions
  ): Promise<PermutationImportance> {
    const perFold: PermutationImportance[] = [];
    for (let f = 0; f < folds.length; f++) {
      const test = folds[f].test;
      perFold.push(
        await permutationImportance(
          X => cv.models[f].predict(X),
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
