import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ApiError } from '../api/transport';
import type { CryoProtectClient } from '../api/client';
import type { ModelVersion, RegisterModel } from '../api/models';
import { snapshotHash, type SnapshotTable } from '../datasets/canonical';
import { loadRDKit, type RDKitModule } from '../chemistry';
import { MixtureError, parseMixtureTextWith } from '../mixtures';
import { KERNEL_VERSION } from '../version';
import { readCsvTable, type RejectedRow } from './data';
import {
  combine,
  descriptorFeaturizer,
  groupKeys,
  mixtureFeaturizer,
  mixtureGroupKeyWith,
  mixtureSample,
  morganCountFeaturizer,
  type MixtureSample
} from './features';
import { trainAndValidate, type TrainedModel } from './pipeline';
import {
  coverageSpec,
  importanceSpec,
  learningCurveSpec,
  predictedVsMeasuredSpec,
  residualsSpec
} from './plots';
import type { FeatureSet, Learner } from './types';
import { MeanLearner, conformalMinimumSize } from './validation';
import { extraTreesLearner, forestLearner, mlpEnsembleLearner, ridgeLearner } from './learners';

/**
 * Batch training and prediction from CSV files (what `cryoprotect model train|predict` runs):
 * every rejected row is reported by line, the model directory holds everything a reviewer needs
 * to re-run and check the numbers (snapshot hash, seed, versions, out-of-fold predictions, plots).
 */

/** Coverage of the conformal intervals of trained models. */
const INTERVAL_LEVEL = 0.9;

/** inchikey and scaffold group SMILES rows; mixture groups mixture rows by their set of components. */
export type GroupByOption = 'inchikey' | 'scaffold' | 'mixture' | 'none';

/** Learners by name; parameters are the learner's own (e.g. {"alpha": 1} for ridge). */
const LEARNERS = new Map<string, (params: Record<string, unknown>) => Learner>([
  ['mean', () => new MeanLearner()],
  ['ridge', params => ridgeLearner(params)],
  ['random-forest', params => forestLearner(params)],
  ['extra-trees', params => extraTreesLearner(params)],
  ['mlp-ensemble', params => mlpEnsembleLearner(params)]
]);

/** Make a learner known to train/predict by name (the learners module registers its own). */
export function registerLearner(
  name: string,
  make: (params: Record<string, unknown>) => Learner
): void {
  LEARNERS.set(name, make);
}

export function learnerNames(): string[] {
  return [...LEARNERS.keys()];
}

export function makeLearner(name: string, params: Record<string, unknown> = {}): Learner {
  const make = LEARNERS.get(name);
  if (!make) {
    throw new Error(`learner: unknown "${name}" (known: ${learnerNames().join(', ')})`);
  }
  return make(params);
}

/** Which features a model uses; stored with it so prediction rebuilds exactly the same columns. */
export interface FeaturizerSpec {
  descriptors: boolean;
  morgan: { radius: number; nBits: number } | null;
  /** Numeric CSV columns used as inputs as they are (e.g. "Concentration (mM)"); family "conditions". */
  conditions?: string[];
  /**
   * The rows are mixtures (a mixture column in parseMixtureText's form), featurized by
   * mixtureFeaturizer: mole-fraction-weighted means and variances of the descriptors over the
   * components, water included, and the water fractions. Descriptors and Morgan counts of a single
   * SMILES are then off.
   */
  mixture?: boolean;
}

export const DEFAULT_FEATURIZER: FeaturizerSpec = {
  descriptors: true,
  morgan: { radius: 2, nBits: 2048 }
};

/** The features of a mixture model (conditions added by the caller). */
export const DEFAULT_MIXTURE_FEATURIZER: FeaturizerSpec = {
  descriptors: false,
  morgan: null,
  mixture: true
};

export async function featurizeSmiles(
  smiles: readonly string[],
  spec: FeaturizerSpec,
  rowLabels?: string[],
  conditionValues?: number[][]
): Promise<FeatureSet> {
  const sets: FeatureSet[] = [];
  if (spec.mixture) {
    throw new Error('featurizer: this model reads mixtures, not SMILES');
  }
  if (spec.descriptors) {
    sets.push(await descriptorFeaturizer().featurize(smiles, { rowLabels }));
  }
  if (spec.morgan) {
    sets.push(await morganCountFeaturizer(spec.morgan).featurize(smiles, { rowLabels }));
  }
  if (sets.length === 0) {
    throw new Error('featurizer: choose descriptors, Morgan counts or both');
  }
  return Private.withConditionColumns(sets, spec, smiles.length, conditionValues);
}

/** Composition features of mixtures (mixtureFeaturizer, no built-in conditions) and the condition columns. */
export async function featurizeMixtures(
  samples: readonly MixtureSample[],
  spec: FeaturizerSpec,
  rowLabels?: string[],
  conditionValues?: number[][]
): Promise<FeatureSet> {
  if (!spec.mixture || spec.descriptors || spec.morgan) {
    throw new Error(
      'featurizer: a mixture model uses the mixture features only (no single-SMILES descriptors or Morgan counts)'
    );
  }
  const composition = await mixtureFeaturizer({ conditions: [] }).featurize(samples, { rowLabels });
  return Private.withConditionColumns([composition], spec, samples.length, conditionValues);
}

/** How to train: the same settings whether the rows come from a CSV or a snapshot. */
export interface TrainingOptions {
  target: string;
  smilesColumn?: string;
  /** Column of mixtures in parseMixtureText's form; when given, the rows are mixtures and no SMILES column is read. */
  mixtureColumn?: string;
  groupBy?: GroupByOption;
  seed?: number;
  learner?: string;
  learnerParams?: Record<string, unknown>;
  /**
   * Hyperparameter search: for each named parameter, the values to try (their grid, on top of
   * learnerParams). The winner by cross-validated RMSE is fitted; a nested cross-validation reports
   * the error of search + fit without optimism.
   */
  search?: Record<string, unknown[]>;
  folds?: number;
  featurizer?: FeaturizerSpec;
}

export interface TrainCsvOptions extends TrainingOptions {
  data: string;
}

/** The rows a model is trained on, each with where it came from (CSV line or snapshot row). */
export interface TrainingRows {
  /** Each row's SMILES, or its mixture text when `mixtures` is given. */
  inputs: string[];
  /** Parsed mixtures and their groups, for rows that are mixtures. */
  mixtures?: { sample: MixtureSample; group: string }[];
  y: number[];
  /** The featurizer's condition inputs of each row, in the order of its `conditions`. */
  conditionValues: number[][];
  lines: number[];
}

export interface TrainCsvResult {
  model: TrainedModel;
  learner: Learner;
  rejected: RejectedRow[];
  /** Each training row's SMILES, or its mixture text for a mixture model. */
  inputs: string[];
  lines: number[];
  y: number[];
  snapshot: SnapshotTable & { hash: string };
  /** `data` names where the rows came from: the CSV file, or the snapshot's hash. */
  options: Required<Omit<TrainCsvOptions, 'learnerParams' | 'mixtureColumn' | 'search'>> & {
    learnerParams: Record<string, unknown>;
    search: Record<string, unknown[]> | null;
    mixtureColumn: string | null;
  };
}

/** What trainFromRows, trainFromCsv and trainFromSnapshot return. */
export type TrainResult = TrainCsvResult;

export async function trainFromCsv(options: TrainCsvOptions): Promise<TrainCsvResult> {
  const settings = Private.settings(options, options.data);
  const { smilesColumn, mixtureColumn } = settings;
  const conditions = settings.featurizer.conditions ?? [];
  const inputColumn = mixtureColumn ?? smilesColumn;
  const read = await Private.readInputs(options.data, {
    inputColumn,
    mixtures: mixtureColumn !== null,
    target: options.target,
    conditions
  });
  const { inputs, lines, conditionValues, rejected } = read;
  const y = read.y!;
  // The snapshot a registered model names: exactly the rows (input, target, conditions) it was trained on.
  const snapshot = {
    columns: [
      { name: inputColumn, type: 'text' as const },
      { name: options.target, type: 'number' as const },
      ...conditions.map(name => ({ name, type: 'number' as const }))
    ],
    rows: inputs.map((s, i) => [s, y[i], ...conditionValues[i]])
  };
  return trainFromRows({ inputs, mixtures: read.mixtures, y, conditionValues, lines }, settings, {
    rejected,
    snapshot: { ...snapshot, hash: snapshotHash(snapshot) }
  });
}

/**
 * Train on a snapshot table, e.g. one the server made from measurements (columns smiles and
 * value by default). Rows without a structure (mixtures, molecules you cannot see) or without a
 * target are rejected by row number (1 = first row), as CSV rows are by line. The snapshot's hash
 * is computed here the way the server does, so the result names the same snapshot.
 */
export async function trainFromSnapshot(
  snapshot: SnapshotTable,
  options: Partial<TrainingOptions> = {}
): Promise<TrainCsvResult> {
  const hash = snapshotHash(snapshot);
  const settings = Private.settings(
    {
      ...options,
      target: options.target ?? 'value',
      smilesColumn: options.smilesColumn ?? 'smiles'
    },
    `snapshot ${hash}`
  );
  const conditions = settings.featurizer.conditions ?? [];
  const names = snapshot.columns.map(c => c.name);
  const index = (name: string) => {
    const i = names.indexOf(name);
    if (i < 0) {
      throw new Error(`snapshot: no column "${name}" (columns: ${names.join(', ')})`);
    }
    return i;
  };
  const smilesAt = index(settings.smilesColumn);
  const targetAt = index(settings.target);
  const conditionsAt = conditions.map(index);
  const mixtureAt = names.indexOf('mixture_id');
  const rows: TrainingRows = { inputs: [], y: [], conditionValues: [], lines: [] };
  const rejected: RejectedRow[] = [];
  snapshot.rows.forEach((row, r) => {
    const line = r + 1;
    const reject = (column: string, reason: string) =>
      rejected.push({
        line,
        column,
        reason,
        values: { [settings.smilesColumn]: String(row[smilesAt] ?? '') }
      });
    const smiles = row[smilesAt];
    const target = row[targetAt];
    if (typeof smiles !== 'string' || smiles === '') {
      reject(
        settings.smilesColumn,
        mixtureAt >= 0 && row[mixtureAt] !== null
          ? 'a mixture: this model featurizes single structures'
          : 'has no structure (the molecule is not visible to you)'
      );
      return;
    }
    if (typeof target !== 'number' || !Number.isFinite(target)) {
      reject(settings.target, 'has no numeric value');
      return;
    }
    const values = conditionsAt.map(i => row[i]);
    const missing = values.findIndex(v => typeof v !== 'number' || !Number.isFinite(v));
    if (missing >= 0) {
      reject(conditions[missing], 'has no value, and the model needs it as an input');
      return;
    }
    rows.inputs.push(smiles);
    rows.y.push(target);
    rows.conditionValues.push(values as number[]);
    rows.lines.push(line);
  });
  return trainFromRows(rows, settings, {
    rejected,
    snapshot: { columns: snapshot.columns, rows: snapshot.rows, hash }
  });
}

/** Featurize, cross-validate and fit the final model on rows already read. */
export async function trainFromRows(
  rows: TrainingRows,
  settings: TrainCsvResult['options'],
  provenance: { rejected: RejectedRow[]; snapshot: TrainCsvResult['snapshot'] }
): Promise<TrainCsvResult> {
  const learner = makeLearner(settings.learner, settings.learnerParams);
  const { inputs, y, lines, conditionValues } = rows;
  // Said up front in the scientist's terms rather than by whichever step would fail first.
  const needed = Math.max(settings.folds, conformalMinimumSize(INTERVAL_LEVEL));
  if (y.length < needed) {
    throw new Error(
      `training: ${y.length} usable rows (${provenance.rejected.length} rejected) in ${settings.data}; ${settings.folds}-fold cross-validation with ${INTERVAL_LEVEL * 100} % conformal intervals needs at least ${needed}`
    );
  }
  const labels = lines.map(line => `line ${line}`);
  let features: FeatureSet;
  let groups: string[] | undefined;
  if (rows.mixtures) {
    features = await featurizeMixtures(
      rows.mixtures.map(m => m.sample),
      settings.featurizer,
      labels,
      conditionValues
    );
    groups = settings.groupBy === 'none' ? undefined : rows.mixtures.map(m => m.group);
  } else {
    features = await featurizeSmiles(inputs, settings.featurizer, labels, conditionValues);
    groups =
      settings.groupBy === 'none'
        ? undefined
        : await groupKeys(inputs, settings.groupBy as 'inchikey' | 'scaffold', {
            rowLabels: labels
          });
  }
  const model = await trainAndValidate(
    { features, y, groups },
    {
      learner,
      seed: settings.seed,
      folds: settings.folds,
      intervalLevel: INTERVAL_LEVEL,
      learningCurve: [0.25, 0.5, 0.75, 1],
      search: settings.search
        ? searchGrid(settings.search).map(values =>
            makeLearner(settings.learner, { ...settings.learnerParams, ...values })
          )
        : undefined
    }
  );
  return {
    model,
    learner,
    rejected: provenance.rejected,
    inputs,
    lines,
    y,
    snapshot: provenance.snapshot,
    options: settings
  };
}

/** The most candidates one search may try (each costs a cross-validation and a nested one). */
const MAX_SEARCH_CANDIDATES = 64;

/**
 * Every combination of a search's values, in a stable order (parameters by name, values as given).
 * Refuses an empty or oversized grid, naming the parameter.
 */
export function searchGrid(search: Record<string, unknown[]>): Record<string, unknown>[] {
  const names = Object.keys(search).sort();
  if (names.length === 0) {
    throw new Error('search: name at least one parameter with the values to try');
  }
  let grid: Record<string, unknown>[] = [{}];
  for (const name of names) {
    const values = search[name];
    if (!Array.isArray(values) || values.length === 0) {
      throw new Error(`search.${name}: give a non-empty list of values to try`);
    }
    grid = grid.flatMap(partial => values.map(value => ({ ...partial, [name]: value })));
    if (grid.length > MAX_SEARCH_CANDIDATES) {
      throw new Error(
        `search: more than ${MAX_SEARCH_CANDIDATES} combinations; narrow the grid (each is cross-validated twice)`
      );
    }
  }
  return grid;
}

/** What model.json holds. */
export interface SavedModel {
  format: 'cryoprotect-model/1';
  target: string;
  smilesColumn: string;
  /** The mixture column of a mixture model (absent for SMILES models). */
  mixtureColumn?: string;
  learner: { name: string; params: Record<string, unknown> };
  seed: number;
  groupBy: GroupByOption;
  folds: number;
  featurizer: FeaturizerSpec;
  featurizerVersion: string;
  snapshotHash: string;
  trainingRows: number;
  versions: { kernel: string; rdkit: string } & Record<string, string>;
  metrics: TrainedModel['validation']['metrics'];
  coverage: NonNullable<TrainedModel['validation']['intervals']>['coverage'] | null;
  conformal: TrainedModel['conformal'];
  /** The hyperparameter search, when there was one: grid, chosen values and the nested (honest) error. */
  search?: {
    grid: Record<string, unknown[]>;
    chosen: Record<string, unknown>;
    nested: { mae: number; rmse: number; r2: number; innerFolds: number };
  };
  regressor: unknown;
}

/** What model.json holds for a training result (software versions included), without writing it. */
export async function describeTrainedModel(result: TrainCsvResult): Promise<SavedModel> {
  const { model, options } = result;
  const rdkit = await loadRDKit();
  return {
    format: 'cryoprotect-model/1',
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
    ...(model.search && options.search
      ? {
          search: {
            grid: options.search,
            chosen: model.search.chosen,
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

/** Write the model directory: model.json, oof.csv, report.json and Vega-Lite plots. */
export async function saveTrainedModel(dir: string, result: TrainCsvResult): Promise<SavedModel> {
  mkdirSync(join(dir, 'plots'), { recursive: true });
  const { model, options } = result;
  const saved = await describeTrainedModel(result);
  writeFileSync(join(dir, 'model.json'), JSON.stringify(saved, null, 2) + '\n');
  const intervals = model.validation.intervals;
  const oof = [
    `line,${options.mixtureColumn !== null ? 'mixture' : 'smiles'},measured,predicted,lower,upper,fold`,
    ...result.y.map((measured, i) =>
      [
        result.lines[i],
        Private.csvCell(result.inputs[i]),
        measured,
        model.validation.predictions[i],
        intervals?.lower[i] ?? '',
        intervals?.upper[i] ?? '',
        model.validation.foldOfSample[i]
      ].join(',')
    )
  ];
  writeFileSync(join(dir, 'oof.csv'), oof.join('\n') + '\n');
  const report = {
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
    conformal: model.conformal
  };
  writeFileSync(join(dir, 'report.json'), JSON.stringify(report, null, 2) + '\n');
  const label = { name: options.target, unit: '' };
  const plots: Record<string, unknown> = {
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
  for (const [name, spec] of Object.entries(plots)) {
    writeFileSync(join(dir, 'plots', `${name}.vl.json`), JSON.stringify(spec, null, 2) + '\n');
  }
  return saved;
}

export interface PredictedRow {
  line: number;
  /** The row's SMILES, or its mixture text for a mixture model. */
  input: string;
  /** The model's condition inputs of this row, by column name (empty when it has none). */
  conditions: Record<string, number>;
  prediction: number;
  lower: number;
  upper: number;
}

/** Read and check a model directory's model.json. */
export function readModelDirectory(modelDir: string): SavedModel {
  const saved = JSON.parse(readFileSync(join(modelDir, 'model.json'), 'utf8')) as SavedModel;
  if (saved.format !== 'cryoprotect-model/1') {
    throw new Error(
      `${modelDir}/model.json: not a CryoProtect model (format ${String(saved.format)})`
    );
  }
  return saved;
}

/**
 * Predict every valid row of a CSV with a saved model (a model directory, or a model loaded from
 * the registry with loadRegisteredModel); rejected rows are returned by line.
 */
export async function predictCsv(
  model: string | SavedModel,
  input: string,
  options: { smilesColumn?: string; mixtureColumn?: string } = {}
): Promise<{
  rows: PredictedRow[];
  rejected: RejectedRow[];
  model: SavedModel;
  inputColumn: string;
}> {
  const saved = typeof model === 'string' ? readModelDirectory(model) : model;
  const mixtures = saved.featurizer.mixture === true;
  const inputColumn = mixtures
    ? (options.mixtureColumn ?? saved.mixtureColumn ?? 'Mixture')
    : (options.smilesColumn ?? saved.smilesColumn);
  const conditions = saved.featurizer.conditions ?? [];
  const read = await Private.readInputs(input, { inputColumn, mixtures, conditions });
  const labels = read.lines.map(line => `line ${line}`);
  const features = read.mixtures
    ? await featurizeMixtures(
        read.mixtures.map(m => m.sample),
        saved.featurizer,
        labels,
        read.conditionValues
      )
    : await featurizeSmiles(read.inputs, saved.featurizer, labels, read.conditionValues);
  if (features.version !== saved.featurizerVersion) {
    throw new Error(
      `featurizer: this kernel makes "${features.version}" but the model was trained on "${saved.featurizerVersion}"`
    );
  }
  const regressor = makeLearner(saved.learner.name, saved.learner.params).fromJSON(saved.regressor);
  const predicted = read.inputs.length > 0 ? await regressor.predict(features.X) : [];
  const h = saved.conformal.halfWidth;
  return {
    rows: predicted.map((p, i) => ({
      line: read.lines[i],
      input: read.inputs[i],
      conditions: Object.fromEntries(conditions.map((c, j) => [c, read.conditionValues[i][j]])),
      prediction: p,
      lower: p - h,
      upper: p + h
    })),
    rejected: read.rejected,
    model: saved,
    inputColumn
  };
}

// ------------------------------------------------------------------------------ registry

/**
 * What a registered model version's artifact holds: everything model.json has that the version's
 * own fields do not (the fitted regressor, the conformal calibration, the featurizer, which
 * columns it reads), so a version predicts exactly as its model directory does.
 */
export const ModelArtifactSchema = z.object({
  format: z.literal('cryoprotect-model/1').optional(),
  regressor: z.unknown().refine(v => v !== undefined && v !== null, 'the fitted model is missing'),
  conformal: z.object({
    level: z.number().gt(0).lt(1),
    halfWidth: z.number().nonnegative(),
    calibrationSize: z.number().int(),
    method: z.string()
  }),
  featurizer: z.object({
    descriptors: z.boolean(),
    morgan: z.object({ radius: z.number().int(), nBits: z.number().int() }).nullable(),
    conditions: z.array(z.string()).optional(),
    mixture: z.boolean().optional()
  }),
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
  groupBy: z.enum(['inchikey', 'scaffold', 'mixture', 'none']).optional(),
  folds: z.number().int().min(2).optional()
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
    format: 'cryoprotect-model/1',
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
    regressor: a.regressor
  };
}

/** "NAME" (latest version), "NAME@3" or "NAME@latest". */
export function parseModelReference(reference: string): {
  name: string;
  version: number | 'latest';
} {
  const match = /^([A-Za-z0-9][A-Za-z0-9_.-]{0,199})(?:@(latest|[1-9][0-9]*))?$/.exec(reference);
  if (!match) {
    throw new Error(
      `model "${reference}": expected NAME or NAME@VERSION (a name of letters, digits, _ . -; a version number or latest)`
    );
  }
  return {
    name: match[1],
    version: match[2] && match[2] !== 'latest' ? Number(match[2]) : 'latest'
  };
}

/**
 * Fetch a model version from the server (the latest when `version` is omitted) and return it with
 * the saved model it holds, ready for predictCsv. Unknown names and versions are errors naming them.
 */
export async function loadRegisteredModel(
  client: CryoProtectClient,
  name: string,
  version: number | 'latest' = 'latest',
  options: { ownerId?: string } = {}
): Promise<{ version: ModelVersion; model: SavedModel }> {
  let found: ModelVersion;
  try {
    found = await client.models.getVersion(name, version, options);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      throw new Error(
        version === 'latest'
          ? `model ${name}: no version registered under this name is visible to you`
          : `model ${name} version ${version}: not registered, or not visible to you`
      );
    }
    throw error;
  }
  return { version: found, model: savedModelFromVersion(found) };
}

namespace Private {
  export function settings(options: TrainingOptions, data: string): TrainCsvResult['options'] {
    const mixtureColumn = options.mixtureColumn ?? null;
    const settings = {
      data,
      target: options.target,
      smilesColumn: options.smilesColumn ?? 'SMILES',
      mixtureColumn,
      groupBy: options.groupBy ?? (mixtureColumn !== null ? 'mixture' : 'inchikey'),
      seed: options.seed ?? 0,
      learner: options.learner ?? 'mean',
      learnerParams: options.learnerParams ?? {},
      search: options.search ?? null,
      folds: options.folds ?? 5,
      featurizer:
        options.featurizer ??
        (mixtureColumn !== null ? DEFAULT_MIXTURE_FEATURIZER : DEFAULT_FEATURIZER)
    };
    checkKind(settings.featurizer, mixtureColumn, settings.groupBy);
    // Unknown learners and bad parameters fail here, before any featurizing.
    if (settings.search) {
      for (const values of searchGrid(settings.search)) {
        makeLearner(settings.learner, { ...settings.learnerParams, ...values });
      }
    } else {
      makeLearner(settings.learner, settings.learnerParams);
    }
    return settings;
  }

  export interface ReadInputs {
    inputs: string[];
    lines: number[];
    conditionValues: number[][];
    /** Target values, when a target column was read. */
    y?: number[];
    /** Parsed mixtures and their groups, for a mixture column. */
    mixtures?: { sample: MixtureSample; group: string }[];
    /** Every row left out, by line: CSV problems, missing conditions, unreadable mixtures. */
    rejected: RejectedRow[];
  }

  /**
   * The usable rows of a CSV: a valid SMILES (or mixture), a number in every condition column and
   * (for training) in the target column. Every other row is rejected by line, with its reason.
   */
  export async function readInputs(
    source: string,
    options: { inputColumn: string; mixtures: boolean; target?: string; conditions: string[] }
  ): Promise<ReadInputs> {
    const { inputColumn, conditions, target } = options;
    const csv = await readCsvTable(source, {
      ...(options.mixtures ? {} : { smilesColumn: inputColumn }),
      ...(target !== undefined ? { targetColumn: target } : {}),
      numberColumns: conditions,
      columns: [inputColumn, ...(target !== undefined ? [target] : []), ...conditions]
    });
    const all = csv.table.array(inputColumn) as (string | null)[];
    const columns = conditions.map(c => csv.table.array(c) as ArrayLike<number | null>);
    const targets =
      target !== undefined ? (csv.table.array(target) as ArrayLike<number>) : undefined;
    const rdkit = options.mixtures ? await loadRDKit() : undefined;
    const rejected: RejectedRow[] = [...csv.rejected];
    const read: ReadInputs = {
      inputs: [],
      lines: [],
      conditionValues: [],
      ...(targets ? { y: [] } : {}),
      ...(options.mixtures ? { mixtures: [] } : {}),
      rejected
    };
    all.forEach((text, i) => {
      const line = csv.lines[i];
      const values = { [inputColumn]: text ?? '' };
      const missing = conditions.find((_, j) => columns[j][i] === null);
      if (missing) {
        rejected.push({
          line,
          column: missing,
          reason: 'has no value, and the model needs it as an input',
          values
        });
        return;
      }
      if (rdkit) {
        const parsed = mixtureOf(rdkit, text);
        if ('reason' in parsed) {
          rejected.push({ line, column: inputColumn, reason: parsed.reason, values });
          return;
        }
        read.mixtures!.push(parsed);
      }
      read.inputs.push((text ?? '').trim());
      read.lines.push(line);
      read.conditionValues.push(columns.map(c => c[i] as number));
      if (targets) {
        read.y!.push(targets[i]);
      }
    });
    rejected.sort((a, b) => a.line - b.line);
    return read;
  }

  /** A mixture cell as featurizer sample and group, or why it cannot be read. */
  function mixtureOf(
    rdkit: RDKitModule,
    text: string | null
  ): { sample: MixtureSample; group: string } | { reason: string } {
    if (text === null || text.trim() === '') {
      return { reason: 'the mixture is missing' };
    }
    try {
      const mixture = parseMixtureTextWith(rdkit, text);
      return { sample: mixtureSample(mixture), group: mixtureGroupKeyWith(rdkit, mixture) };
    } catch (error) {
      if (error instanceof MixtureError) {
        return { reason: error.message };
      }
      throw error;
    }
  }

  /** A mixture column goes with the mixture features and grouping, a SMILES column with the others. */
  export function checkKind(
    featurizer: FeaturizerSpec,
    mixtureColumn: string | null,
    groupBy: GroupByOption
  ): void {
    if (mixtureColumn !== null) {
      if (!featurizer.mixture) {
        throw new Error('featurizer: a mixture column needs the mixture features (mixture: true)');
      }
      if (groupBy !== 'mixture' && groupBy !== 'none') {
        throw new Error(
          `group by "${groupBy}": rows of a mixture column are grouped by "mixture" or "none"`
        );
      }
    } else {
      if (featurizer.mixture) {
        throw new Error('featurizer: the mixture features need a mixture column');
      }
      if (groupBy === 'mixture') {
        throw new Error('group by "mixture": give a mixture column');
      }
    }
  }

  /** The feature sets with the condition columns appended (family "conditions"). */
  export function withConditionColumns(
    sets: FeatureSet[],
    spec: FeaturizerSpec,
    rows: number,
    conditionValues?: number[][]
  ): FeatureSet {
    const conditions = spec.conditions ?? [];
    if (conditions.length > 0) {
      if (!conditionValues || conditionValues.length !== rows) {
        throw new Error(
          `featurizer: the model needs the columns ${conditions.map(c => `"${c}"`).join(', ')}`
        );
      }
      sets.push({
        names: conditions.map(c => `condition:${c}`),
        families: conditions.map(() => 'conditions'),
        X: conditionValues,
        version: `conditions@1(${conditions.join('|')})`
      });
    }
    return sets.length === 1 ? sets[0] : combine(...sets);
  }

  export function csvCell(text: string): string {
    return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  }
}
