import { z } from 'zod';
import type { ModelVersion, RegisterModel } from '../api/models';
import { loadRDKit } from '../chemistry';
import { KERNEL_VERSION } from '../version';
import type { FeaturizerSpec } from './featurizer-spec';
import { csvCell } from './data';
import { AUTO_LEARNER } from './auto';
import { makeLearner } from './learner-registry';
import type { GroupByOption, TrainResult } from './training';
import {
  coverageSpec,
  importanceSpec,
  learningCurveSpec,
  predictedVsMeasuredSpec,
  residualsSpec,
  type QuantityLabel,
  type VegaLiteSpec
} from './plots';

/**
 * The saved model: what a model directory's model.json holds and what a registered version's
 * artifact carries, so that either predicts exactly as the training run would have. The format is
 * named in the file (`format`) and parsed with a schema on every load: a file with a missing or
 * wrong field is refused naming the field, and a file of a format this kernel does not read is
 * refused saying how to make a new one. Files are never read as whatever they claim to be.
 *
 * Formats:
 * - cryoprotect-model/1: every file written since model directories exist.
 */
export const SAVED_MODEL_FORMAT = 'cryoprotect-model/1';
export const SAVED_MODEL_FORMATS = [SAVED_MODEL_FORMAT] as const;

/** JSON writes NaN (an undefined metric, e.g. R² of a constant target) as null; read it back as NaN. */
const NumberOrNaN = z.union([z.number(), z.null().transform(() => Number.NaN)]);

const MetricIntervalSchema = z.object({
  value: NumberOrNaN,
  lower: NumberOrNaN,
  upper: NumberOrNaN,
  level: z.number(),
  resamples: z.number().int(),
  undefinedResamples: z.number().int(),
  method: z.string(),
  groups: z.number().int().optional(),
  seed: z.number()
});

const CoverageSchema = z.object({
  level: z.number(),
  count: z.number().int(),
  covered: z.number().int(),
  coverage: NumberOrNaN,
  meanWidth: NumberOrNaN,
  standardError: NumberOrNaN
});

export const FeaturizerSpecSchema = z.object({
  descriptors: z.boolean(),
  morgan: z
    .object({ radius: z.number().int().min(0), nBits: z.number().int().positive() })
    .nullable(),
  conditions: z.array(z.string()).optional(),
  mixture: z.boolean().optional()
}) satisfies z.ZodType<FeaturizerSpec>;

const AdaptiveConformalSchema = z
  .object({
    level: z.number().gt(0).lt(1),
    quantile: z.number().nonnegative(),
    beta: z.number().positive(),
    domainThreshold: z.number().nonnegative(),
    calibrationSize: z.number().int(),
    method: z.string(),
    space: z.object({
      columns: z.array(z.number().int().nonnegative()),
      center: z.array(z.number()),
      scale: z.array(z.number().positive()),
      weights: z.array(z.number().positive()),
      rows: z.array(z.array(z.number())).min(1),
      k: z.number().int().positive()
    })
  })
  .refine(
    a =>
      [a.space.center, a.space.scale, a.space.weights].every(
        v => v.length === a.space.columns.length
      ) && a.space.rows.every(r => r.length === a.space.columns.length),
    'space: columns, center, scale, weights and every row need the same length'
  );

export const ConformalSchema = z.object({
  level: z.number().gt(0).lt(1),
  halfWidth: z.number().nonnegative(),
  calibrationSize: z.number().int(),
  method: z.string(),
  /** Intervals that widen with the distance to the training rows, and the applicability domain. */
  adaptive: AdaptiveConformalSchema.optional()
});

const GroupBySchema = z.enum(['inchikey', 'scaffold', 'mixture', 'none']);

const SavedModelV1Schema = z.object({
  format: z.literal('cryoprotect-model/1'),
  target: z.string(),
  smilesColumn: z.string(),
  /** The mixture column of a mixture model (absent for SMILES models). */
  mixtureColumn: z.string().optional(),
  learner: z.object({ name: z.string().min(1), params: z.record(z.string(), z.unknown()) }),
  seed: z.number().int(),
  groupBy: GroupBySchema,
  folds: z.number().int().min(2),
  featurizer: FeaturizerSpecSchema,
  featurizerVersion: z.string().min(1),
  snapshotHash: z.string().regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 in lowercase hex'),
  trainingRows: z.number().int().nonnegative(),
  versions: z.object({ kernel: z.string(), rdkit: z.string() }).catchall(z.string()),
  metrics: z.object({
    mae: MetricIntervalSchema,
    rmse: MetricIntervalSchema,
    r2: MetricIntervalSchema
  }),
  coverage: CoverageSchema.nullable(),
  conformal: ConformalSchema,
  /** The hyperparameter search, when there was one: grid, chosen values and the nested (honest) error. */
  search: z
    .object({
      /** The parameter grid of --search; absent when the learner was chosen automatically. */
      grid: z.record(z.string(), z.array(z.unknown())).optional(),
      /** Every candidate with its cross-validated RMSE on all rows (what chose the model). */
      candidates: z
        .array(
          z.object({
            name: z.string(),
            params: z.record(z.string(), z.unknown()),
            families: z.array(z.string()).nullable().optional(),
            rmse: NumberOrNaN
          })
        )
        .optional(),
      chosen: z.record(z.string(), z.unknown()),
      chosenLearner: z
        .object({
          name: z.string(),
          params: z.record(z.string(), z.unknown()),
          families: z.array(z.string()).nullable().optional()
        })
        .optional(),
      why: z.string().optional(),
      /** The features the choice started from (the model's own may be fewer): a retraining's start. */
      features: FeaturizerSpecSchema.optional(),
      nested: z.object({
        mae: NumberOrNaN,
        rmse: NumberOrNaN,
        r2: NumberOrNaN,
        innerFolds: z.number().int()
      })
    })
    .optional(),
  /** The fitted regressor as its learner's toJSON() wrote it; the learner checks it on load. */
  regressor: z.unknown().refine(v => v !== undefined && v !== null, 'the fitted model is missing')
});

/** What model.json holds, by format (one format so far). */
export const SavedModelSchema = z.discriminatedUnion('format', [SavedModelV1Schema]);
export type SavedModel = z.output<typeof SavedModelSchema>;

/** A saved model that cannot be used, naming where it came from, the field and the reason. */
export class SavedModelError extends Error {
  constructor(
    readonly source: string,
    readonly field: string,
    readonly reason: string
  ) {
    super(`${source}: ${field ? `${field}: ` : ''}${reason}`);
    this.name = 'SavedModelError';
  }
}

/**
 * Check a saved model (model.json's parsed JSON, or an artifact rebuilt into one): its format,
 * every field, the learner by name with its parameters, and the fitted regressor as the learner
 * reads it back. `source` names it in errors, e.g. "models/tg/model.json".
 */
export function parseSavedModel(json: unknown, source: string): SavedModel {
  const format = (json as { format?: unknown } | null)?.format;
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new SavedModelError(source, '', 'not a CryoProtect model (not a JSON object)');
  }
  if (typeof format !== 'string' || !format.startsWith('cryoprotect-model/')) {
    throw new SavedModelError(
      source,
      'format',
      `not a CryoProtect model (format ${JSON.stringify(format ?? null)})`
    );
  }
  if (!(SAVED_MODEL_FORMATS as readonly string[]).includes(format)) {
    throw new SavedModelError(
      source,
      'format',
      `"${format}" is not a format this kernel (${KERNEL_VERSION}) reads (it reads ${SAVED_MODEL_FORMATS.join(', ')}); train the model again with this version ("cryoprotect model train", or trainFromCsv in a notebook)`
    );
  }
  const parsed = SavedModelSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new SavedModelError(source, issue.path.map(String).join('.'), issue.message);
  }
  const saved = parsed.data;
  try {
    makeLearner(saved.learner.name, saved.learner.params).fromJSON(saved.regressor);
  } catch (error) {
    const field = /learner: unknown/.test((error as Error).message) ? 'learner.name' : 'regressor';
    throw new SavedModelError(source, field, (error as Error).message);
  }
  return saved;
}

/** What model.json holds for a training result (software versions included), without writing it. */
export async function describeTrainedModel(result: TrainResult): Promise<SavedModel> {
  const { model, options } = result;
  const rdkit = await loadRDKit();
  return {
    format: SAVED_MODEL_FORMAT,
    target: options.target,
    smilesColumn: options.smilesColumn,
    ...(options.mixtureColumn !== null ? { mixtureColumn: options.mixtureColumn } : {}),
    learner: model.learner,
    seed: model.seed,
    groupBy: options.groupBy,
    folds: options.folds,
    featurizer: options.featurizer,
    featurizerVersion: model.featurizerVersion,
    snapshotHash: result.snapshot.hash,
    trainingRows: result.y.length,
    versions: {
      kernel: KERNEL_VERSION,
      rdkit: rdkit.version(),
      ...((await result.learner.runtime?.()) ?? {})
    },
    metrics: model.validation.metrics,
    coverage: model.validation.intervals?.coverage ?? null,
    conformal: model.conformal,
    ...(model.search
      ? {
          search: {
            ...(options.search ? { grid: options.search } : {}),
            candidates: model.search.candidates,
            chosen: model.search.chosen,
            chosenLearner: model.search.chosenLearner,
            why: model.search.why,
            features: result.requestedFeaturizer,
            nested: {
              mae: model.search.nested.mae,
              rmse: model.search.nested.rmse,
              r2: model.search.nested.r2,
              innerFolds: model.search.nested.innerFolds
            }
          }
        }
      : {}),
    regressor: model.final.toJSON()
  };
}

/**
 * The files of a model directory, by path inside it: model.json, oof.csv (out-of-fold predictions
 * with their intervals and folds), report.json (folds, metrics, importance, learning curve,
 * search, rejected rows) and the Vega-Lite plots under plots/. Writing them is the caller's.
 */
export function modelDirectoryFiles(result: TrainResult, saved: SavedModel): Map<string, string> {
  const { model, options } = result;
  const json = (value: unknown) => JSON.stringify(value, null, 2) + '\n';
  const intervals = model.validation.intervals;
  const files = new Map<string, string>();
  files.set('model.json', json(saved));
  const oof = [
    `line,${options.mixtureColumn !== null ? 'mixture' : 'smiles'},measured,predicted,lower,upper,fold`,
    ...result.y.map((measured, i) =>
      [
        result.lines[i],
        csvCell(result.inputs[i]),
        measured,
        model.validation.predictions[i],
        intervals?.lower[i] ?? '',
        intervals?.upper[i] ?? '',
        model.validation.foldOfSample[i]
      ].join(',')
    )
  ];
  files.set('oof.csv', oof.join('\n') + '\n');
  files.set(
    'report.json',
    json({
      snapshotHash: result.snapshot.hash,
      rejected: result.rejected,
      folds: model.validation.folds,
      metrics: model.validation.metrics,
      intervals: intervals
        ? { method: intervals.method, guarantee: intervals.guarantee, coverage: intervals.coverage }
        : null,
      intervalsUnavailable: model.validation.intervalsUnavailable ?? null,
      importance: model.importance,
      learningCurve: model.learningCurve,
      search: model.search,
      families: model.families,
      // The training rows of the distance space are in model.json; not repeated here.
      conformal: {
        ...model.conformal,
        adaptive: model.conformal.adaptive && { ...model.conformal.adaptive, space: undefined }
      },
      intervalComparison: model.intervals
    })
  );
  const plots = trainingPlotSpecs(result, { name: options.target, unit: '' });
  for (const [name, spec] of Object.entries(plots)) {
    files.set(`plots/${name}.vl.json`, json(spec));
  }
  return files;
}

/**
 * The Vega-Lite plots of a training run by name: predicted vs measured (with the out-of-fold
 * intervals), residuals, learning curve, and importance and coverage when the run has them.
 */
export function trainingPlotSpecs(
  result: TrainResult,
  label: QuantityLabel
): Record<string, VegaLiteSpec> {
  const { model } = result;
  const intervals = model.validation.intervals;
  return {
    'predicted-vs-measured': predictedVsMeasuredSpec(
      result.y,
      model.validation.predictions,
      label,
      {
        lower: intervals?.lower,
        upper: intervals?.upper,
        ids: result.inputs
      }
    ),
    residuals: residualsSpec(result.y, model.validation.predictions, label),
    'learning-curve': learningCurveSpec(model.learningCurve, label),
    ...(model.importance ? { importance: importanceSpec(model.importance) } : {}),
    ...(intervals ? { coverage: coverageSpec([intervals.coverage]) } : {})
  };
}

// ------------------------------------------------------------------------------ registry

/**
 * What a registered model version's artifact holds: everything model.json has that the version's
 * own fields do not (the fitted regressor, the conformal calibration, the featurizer, which
 * columns it reads), so a version predicts exactly as its model directory does.
 */
export const ModelArtifactSchema = z.object({
  format: z.literal(SAVED_MODEL_FORMAT).optional(),
  regressor: z.unknown().refine(v => v !== undefined && v !== null, 'the fitted model is missing'),
  conformal: ConformalSchema,
  featurizer: FeaturizerSpecSchema,
  target: z.string().optional(),
  smilesColumn: z.string().optional(),
  mixtureColumn: z.string().optional(),
  trainingRows: z.number().int().optional()
});
export type ModelArtifact = z.infer<typeof ModelArtifactSchema>;

/** What a version records about its validation (written by modelRegistration). */
export const RegisteredMetricsSchema = z.object({
  mae: z.object({ value: z.number() }).passthrough(),
  rmse: z.unknown().optional(),
  r2: z.unknown().optional(),
  coverage: z.unknown().optional(),
  groupBy: GroupBySchema.optional(),
  folds: z.number().int().min(2).optional(),
  /** The search or automatic choice (registered from model.json's own). */
  search: SavedModelV1Schema.shape.search
});

/** The registration of a saved model: its version fields, metrics and artifact. */
export function modelRegistration(
  saved: SavedModel,
  options: {
    name: string;
    snapshotId: string;
    propertyType: string;
    codeCommit?: string;
    visibility?: RegisterModel['visibility'];
    projectId?: string;
  }
): RegisterModel {
  const m = saved.metrics;
  return {
    name: options.name,
    snapshotId: options.snapshotId,
    targetPropertyType: options.propertyType,
    learner: saved.learner.name,
    featurizerVersion: saved.featurizerVersion,
    kernelVersion: saved.versions.kernel,
    rdkitVersion: saved.versions.rdkit,
    tfjsVersion: saved.versions.tfjsVersion,
    backend: saved.versions.backend,
    params: saved.learner.params,
    seed: saved.seed,
    metrics: {
      mae: m.mae,
      rmse: m.rmse,
      r2: m.r2,
      coverage: saved.coverage,
      groupBy: saved.groupBy,
      folds: saved.folds,
      ...(saved.search ? { search: saved.search } : {})
    },
    codeCommit: options.codeCommit,
    artifact: {
      format: saved.format,
      regressor: saved.regressor,
      conformal: saved.conformal,
      featurizer: saved.featurizer,
      target: saved.target,
      smilesColumn: saved.smilesColumn,
      ...(saved.mixtureColumn !== undefined ? { mixtureColumn: saved.mixtureColumn } : {}),
      trainingRows: saved.trainingRows
    } satisfies ModelArtifact,
    visibility: options.visibility,
    projectId: options.projectId
  };
}

/**
 * The saved model a registered version holds, as model.json would have it. Versions registered
 * before the artifact named its columns read SMILES (the train command's default) and the
 * version's target property. Throws naming the version and the field when the artifact cannot
 * make predictions (e.g. a version registered without one).
 */
export function savedModelFromVersion(version: ModelVersion): SavedModel {
  const what = `model ${version.name} version ${version.version}`;
  const artifact = ModelArtifactSchema.safeParse(version.artifact);
  if (!artifact.success) {
    const issue = artifact.error.issues[0];
    throw new Error(
      `${what}: artifact${issue.path.length ? `.${issue.path.join('.')}` : ''}: ${issue.message} (it cannot make predictions; register it with "cryoprotect model train --register")`
    );
  }
  const metrics = RegisteredMetricsSchema.safeParse(version.metrics);
  const a = artifact.data;
  return {
    format: SAVED_MODEL_FORMAT,
    target: a.target ?? version.targetPropertyType,
    smilesColumn: a.smilesColumn ?? 'SMILES',
    ...(a.mixtureColumn !== undefined ? { mixtureColumn: a.mixtureColumn } : {}),
    learner: { name: version.learner, params: version.params },
    seed: version.seed,
    groupBy: (metrics.success && metrics.data.groupBy) || 'inchikey',
    folds: (metrics.success && metrics.data.folds) || 5,
    featurizer: a.featurizer,
    featurizerVersion: version.featurizerVersion,
    snapshotHash: version.snapshotHash,
    trainingRows: a.trainingRows ?? 0,
    versions: {
      kernel: version.kernelVersion,
      rdkit: version.rdkitVersion,
      ...(version.tfjsVersion ? { tfjsVersion: version.tfjsVersion } : {}),
      ...(version.backend ? { backend: version.backend } : {})
    },
    metrics: version.metrics as SavedModel['metrics'],
    coverage: (version.metrics.coverage ?? null) as SavedModel['coverage'],
    conformal: a.conformal,
    ...(metrics.success && metrics.data.search ? { search: metrics.data.search } : {}),
    regressor: a.regressor
  };
}

/**
 * The settings a saved model was trained with, to train it again on other rows of single
 * molecules (retraining on a fresh snapshot of measurements).
 */
export function trainingSettingsOf(saved: SavedModel): {
  target: string;
  smilesColumn: string;
  groupBy: GroupByOption;
  seed: number;
  folds: number;
  learner: string;
  learnerParams: Record<string, unknown>;
  featurizer: FeaturizerSpec;
} {
  return {
    target: saved.target,
    smilesColumn: saved.smilesColumn,
    groupBy: saved.groupBy,
    seed: saved.seed,
    folds: saved.folds,
    // A learner chosen automatically is chosen again on the new rows.
    ...(saved.search && !saved.search.grid
      ? { learner: AUTO_LEARNER, learnerParams: {} }
      : { learner: saved.learner.name, learnerParams: saved.learner.params }),
    featurizer: saved.search?.features ?? saved.featurizer
  };
}
