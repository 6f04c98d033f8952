import { deriveSeed } from '../random';
import type { Learner, Matrix, Regressor } from '../types';
import {
  type CoverageReport,
  coverageReport,
  outOfFoldConformal,
  type PredictionIntervals
} from './conformal';
import {
  checkGroups,
  checkLevel,
  checkMatrix,
  checkNumbers,
  checkSeed,
  ModelValidationError
} from './errors';
import { bootstrapInterval, mae, type MetricInterval, r2, rmse } from './metrics';
import type { Fold } from './splits';

export interface CrossValidateOptions {
  /** Seeds the fold regressors (via deriveSeed(seed, 'fold', f)) and the bootstrap. */
  seed: number;
  /** Group of each sample (e.g. InChIKey): checked for leaks across train/test, and the metric intervals use the cluster bootstrap. */
  groups?: string[];
  /** Nominal coverage of the out-of-fold conformal intervals; default 0.9. */
  intervalLevel?: number;
  /** Bootstrap of the overall metrics; defaults 1000 resamples, level 0.95. */
  bootstrap?: { resamples?: number; level?: number };
  /** Awaited before each fold's fit (progress, cancellation). */
  onFold?: (fold: number) => Promise<void>;
}

/** Scores of one fold's model on its test samples. */
export interface FoldScore {
  fold: number;
  /** Seed the fold's regressor was created with. */
  seed: number;
  trainSize: number;
  testSize: number;
  mae: number;
  rmse: number;
  /** Null when the fold's measured values are constant (R² undefined). */
  r2: number | null;
}

export interface CrossValidation {
  learner: { name: string; params: Record<string, unknown> };
  seed: number;
  /** Out-of-fold prediction of every sample, in sample order, each by the model that did not see it. */
  predictions: number[];
  /** The fold whose test set holds each sample. */
  foldOfSample: number[];
  folds: FoldScore[];
  /** Metrics over all out-of-fold predictions, with bootstrap intervals (cluster bootstrap when grouped). */
  metrics: { mae: MetricInterval; rmse: MetricInterval; r2: MetricInterval };
  /** Out-of-fold conformal intervals (see outOfFoldConformal) and their coverage; null with a reason when folds are too small. */
  intervals: (PredictionIntervals & { coverage: CoverageReport }) | null;
  intervalsUnavailable?: string;
  /** The fitted fold models, fold order: for CV+ intervals on new samples (cvPlusIntervals). */
  models: Regressor[];
}

/**
 * Cross-validate a learner: for each fold, a regressor created with deriveSeed(seed, 'fold', f)
 * is fitted on the fold's training samples and predicts its test samples. Folds run one after the
 * other (deterministic, and the learners may use all cores themselves). The test folds must
 * partition the samples; a fold's train and test must not overlap, nor share a group when groups
 * are given.
 */
export async function crossValidate(
  learner: Learner,
  X: Matrix,
  y: number[],
  folds: Fold[],
  options: CrossValidateOptions
): Promise<CrossValidation> {
  checkMatrix(X, 'X');
  checkNumbers(y, 'y', X.length);
  const seed = checkSeed(options.seed, 'options.seed');
  const intervalLevel = checkLevel(options.intervalLevel ?? 0.9, 'options.intervalLevel');
  const groups = options.groups
    ? checkGroups(options.groups, 'options.groups', X.length)
    : undefined;
  if (y.every(v => v === y[0])) {
    throw new ModelValidationError('y', 'is constant; there is nothing to predict or validate');
  }
  Private.checkFolds(folds, X.length, groups);
  const predictions = new Array<number>(X.length).fill(NaN);
  const scores: FoldScore[] = [];
  const models: Regressor[] = [];
  for (let f = 0; f < folds.length; f++) {
    const { train, test } = folds[f];
    const foldSeed = deriveSeed(seed, 'fold', f);
    await options.onFold?.(f);
    const regressor = learner.create(foldSeed);
    await regressor.fit(
      train.map(i => X[i]),
      train.map(i => y[i])
    );
    const predicted = await regressor.predict(test.map(i => X[i]));
    if (!Array.isArray(predicted) || predicted.length !== test.length) {
      throw new ModelValidationError(
        `folds[${f}]`,
        `learner "${learner.name}" returned ${Array.isArray(predicted) ? predicted.length : 'no'} predictions for ${test.length} test samples`
      );
    }
    predicted.forEach((p, t) => {
      if (!Number.isFinite(p)) {
        throw new ModelValidationError(
          `folds[${f}]`,
          `learner "${learner.name}" predicted ${p} for sample ${test[t]}`
        );
      }
      predictions[test[t]] = p;
    });
    scores.push(
      foldScore(
        f,
        foldSeed,
        train.length,
        test.map(i => y[i]),
        predicted
      )
    );
    models.push(regressor);
  }
  return {
    ...summarizeOutOfFold(y, predictions, folds, scores, {
      seed,
      groups,
      intervalLevel,
      bootstrap: options.bootstrap
    }),
    learner: { name: learner.name, params: learner.params },
    models
  };
}

/**
 * What a cross-validation reports, from out-of-fold predictions however they were made (one
 * learner's folds, or a nested loop whose folds chose different learners): metrics with bootstrap
 * intervals (cluster bootstrap over groups) and per-fold conformal intervals with their coverage.
 */
export function summarizeOutOfFold(
  y: number[],
  predictions: number[],
  folds: Fold[],
  scores: FoldScore[],
  options: {
    seed: number;
    groups?: string[];
    intervalLevel: number;
    bootstrap?: CrossValidateOptions['bootstrap'];
  }
): Omit<CrossValidation, 'learner' | 'models'> {
  const { seed, groups, intervalLevel } = options;
  const foldOfSample = Private.checkFolds(folds, y.length, groups);
  const bootstrap = {
    seed: deriveSeed(seed, 'bootstrap'),
    resamples: options.bootstrap?.resamples,
    level: options.bootstrap?.level,
    groups
  };
  let intervals: CrossValidation['intervals'] = null;
  let intervalsUnavailable: string | undefined;
  try {
    const made = outOfFoldConformal(y, predictions, folds, intervalLevel);
    intervals = { ...made, coverage: coverageReport(y, made.lower, made.upper, intervalLevel) };
  } catch (error) {
    if (!(error instanceof ModelValidationError)) {
      throw error;
    }
    intervalsUnavailable = error.message;
  }
  return {
    seed,
    predictions,
    foldOfSample,
    folds: scores,
    metrics: {
      mae: bootstrapInterval(y, predictions, mae, bootstrap),
      rmse: bootstrapInterval(y, predictions, rmse, bootstrap),
      r2: bootstrapInterval(y, predictions, r2, bootstrap)
    },
    intervals,
    ...(intervalsUnavailable ? { intervalsUnavailable } : {})
  };
}

/** One fold's scores on its test samples. */
export function foldScore(
  fold: number,
  seed: number,
  trainSize: number,
  yTest: number[],
  predicted: number[]
): FoldScore {
  return {
    fold,
    seed,
    trainSize,
    testSize: yTest.length,
    mae: mae(yTest, predicted),
    rmse: rmse(yTest, predicted),
    r2: yTest.every(v => v === yTest[0]) ? null : r2(yTest, predicted)
  };
}

namespace Private {
  /** Check the folds against n samples; return the test fold of each sample. */
  export function checkFolds(folds: Fold[], n: number, groups?: string[]): number[] {
    if (!Array.isArray(folds) || folds.length < 2) {
      throw new ModelValidationError('folds', 'must be an array of at least 2 {train, test} folds');
    }
    const foldOfSample = new Array<number>(n).fill(-1);
    folds.forEach((fold, f) => {
      const train = indices(fold?.train, `folds[${f}].train`, n);
      const test = indices(fold?.test, `folds[${f}].test`, n);
      const inTest = new Set(test);
      const overlap = train.find(i => inTest.has(i));
      if (overlap !== undefined) {
        throw new ModelValidationError(
          `folds[${f}]`,
          `sample ${overlap} is in both train and test`
        );
      }
      for (const i of test) {
        if (foldOfSample[i] >= 0) {
          throw new ModelValidationError(
            `folds[${f}].test`,
            `sample ${i} is also in the test set of fold ${foldOfSample[i]}`
          );
        }
        foldOfSample[i] = f;
      }
      if (groups) {
        const testGroups = new Set(test.map(i => groups[i]));
        const leak = train.find(i => testGroups.has(groups[i]));
        if (leak !== undefined) {
          throw new ModelValidationError(
            `folds[${f}]`,
            `group "${groups[leak]}" is in both train (sample ${leak}) and test`
          );
        }
      }
    });
    const missing = foldOfSample.indexOf(-1);
    if (missing >= 0) {
      throw new ModelValidationError('folds', `sample ${missing} is in no test fold`);
    }
    return foldOfSample;
  }

  function indices(values: unknown, field: string, n: number): number[] {
    if (!Array.isArray(values) || values.length === 0) {
      throw new ModelValidationError(field, 'must be a non-empty array of sample indices');
    }
    values.forEach((i, j) => {
      if (!Number.isInteger(i) || i < 0 || i >= n) {
        throw new ModelValidationError(
          `${field}[${j}]`,
          `must be a sample index from 0 to ${n - 1}, got ${String(i)}`
        );
      }
    });
    if (new Set(values).size !== values.length) {
      throw new ModelValidationError(field, 'repeats a sample index');
    }
    return values as number[];
  }
}
