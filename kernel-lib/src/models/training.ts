import { snapshotHash, type SnapshotTable } from '../datasets/canonical';
import { loadRDKit, type RDKitModule } from '../chemistry';
import { MixtureError, parseMixtureTextWith } from '../mixtures';
import { readCsvTable, type RejectedRow } from './data';
import { groupKeys, mixtureGroupKeyWith, mixtureSample, type MixtureSample } from './features';
import {
  DEFAULT_FEATURIZER,
  DEFAULT_MIXTURE_FEATURIZER,
  featurizeMixtures,
  featurizeSmiles,
  type FeaturizerSpec
} from './featurizer-spec';
import { makeLearner } from './learner-registry';
import { AUTO_LEARNER, autoLearners } from './auto';
import { trainAndValidate, type TrainedModel, type TrainOptions } from './pipeline';
import type { FeatureSet, Learner } from './types';
import { conformalMinimumSize } from './validation';
import { learnerCitations, METHOD_CITATIONS } from '../citations';
import { recordCitations, recordSeedUse, recordSnapshotUse } from '../provenance';

/**
 * Training with the settings a model file records, from rows however they arrived: a CSV's text
 * (every rejected row reported by line), a snapshot table (e.g. one the server froze from
 * measurements), or rows already read. The same settings give the same numbers from each.
 */

/** Coverage of the conformal intervals of trained models. */
export const INTERVAL_LEVEL = 0.9;

/** inchikey and scaffold group SMILES rows; mixture groups mixture rows by their set of components. */
export type GroupByOption = 'inchikey' | 'scaffold' | 'mixture' | 'none';

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
  /** Called before each step of the training (see TrainOptions.onProgress); not a setting. */
  onProgress?: TrainOptions['onProgress'];
  /** Stops the training between steps; not a setting. */
  signal?: AbortSignal;
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

/** Every setting of a training run, defaults filled in; what the model file records. */
export interface TrainingSettings {
  /** Where the rows came from: a CSV file's path, "snapshot <hash>", or the caller's name for them. */
  data: string;
  target: string;
  smilesColumn: string;
  mixtureColumn: string | null;
  groupBy: GroupByOption;
  seed: number;
  learner: string;
  learnerParams: Record<string, unknown>;
  search: Record<string, unknown[]> | null;
  folds: number;
  featurizer: FeaturizerSpec;
}

/** Progress reports and cancellation of a training run (see TrainOptions). */
export type TrainingControl = Pick<TrainOptions, 'onProgress' | 'signal'>;

/** What trainFromRows, trainFromCsvText and trainFromSnapshot return. */
export interface TrainResult {
  model: TrainedModel;
  learner: Learner;
  rejected: RejectedRow[];
  /** Each training row's SMILES, or its mixture text for a mixture model. */
  inputs: string[];
  lines: number[];
  y: number[];
  snapshot: SnapshotTable & { hash: string };
  /** The settings, with the features the model reads (fewer than asked when auto chose a subset). */
  options: TrainingSettings;
  /** The features training was asked for (what a retraining starts from). */
  requestedFeaturizer: FeaturizerSpec;
}

/**
 * Train on a CSV's text: the rows with a valid structure (or mixture), a numeric target and every
 * condition; the others are rejected by line. `source` names the rows in messages and in the
 * result's `options.data` (a file's path, when the caller read one).
 */
export async function trainFromCsvText(
  text: string,
  options: TrainingOptions & { source?: string }
): Promise<TrainResult> {
  const settings = Private.settings(options, options.source ?? 'CSV text');
  const { smilesColumn, mixtureColumn } = settings;
  const conditions = settings.featurizer.conditions ?? [];
  const inputColumn = mixtureColumn ?? smilesColumn;
  const read = await readModelInputs(text, {
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
  return trainFromRows(
    { inputs, mixtures: read.mixtures, y, conditionValues, lines },
    settings,
    { rejected, snapshot: { ...snapshot, hash: snapshotHash(snapshot) } },
    { onProgress: options.onProgress, signal: options.signal }
  );
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
): Promise<TrainResult> {
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
  return trainFromRows(
    rows,
    settings,
    { rejected, snapshot: { columns: snapshot.columns, rows: snapshot.rows, hash } },
    { onProgress: options.onProgress, signal: options.signal }
  );
}

/** Featurize, cross-validate and fit the final model on rows already read. */
export async function trainFromRows(
  rows: TrainingRows,
  settings: TrainingSettings,
  provenance: { rejected: RejectedRow[]; snapshot: TrainResult['snapshot'] },
  control: TrainingControl = {}
): Promise<TrainResult> {
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
  const auto = settings.learner === AUTO_LEARNER;
  const model = await trainAndValidate(
    { features, y, groups },
    {
      ...(auto ? {} : { learner: makeLearner(settings.learner, settings.learnerParams) }),
      seed: settings.seed,
      folds: settings.folds,
      intervalLevel: INTERVAL_LEVEL,
      learningCurve: [0.25, 0.5, 0.75, 1],
      search: settings.search
        ? searchGrid(settings.search).map(values =>
            makeLearner(settings.learner, { ...settings.learnerParams, ...values })
          )
        : auto
          ? autoLearners()
          : undefined,
      onProgress: control.onProgress,
      signal: control.signal
    }
  );
  // The model's learner: the one named, or the candidate a search chose.
  const learner = makeLearner(model.learner.name, model.learner.params);
  // A candidate on some feature families only is saved with just those features, so a
  // prediction computes exactly the columns its regressor was fitted on.
  const featurizer = model.families
    ? Private.restrict(settings.featurizer, model.families)
    : settings.featurizer;
  if (model.families) {
    const empty = await featurizeSmiles([], featurizer, [], []);
    model.featurizerVersion = empty.version;
  }
  recordSnapshotUse({
    hash: provenance.snapshot.hash,
    rows: provenance.snapshot.rows.length,
    source: settings.data
  });
  recordSeedUse({
    purpose: `${settings.learner} training, ${settings.folds}-fold cross-validation`,
    seed: settings.seed
  });
  recordCitations([
    METHOD_CITATIONS.rdkit,
    ...(settings.featurizer.morgan ? [METHOD_CITATIONS.morgan] : []),
    ...learnerCitations(model.learner.name),
    ...(model.importance ? [METHOD_CITATIONS['random-forest']] : []),
    METHOD_CITATIONS.conformal,
    ...(model.conformal.adaptive ? [METHOD_CITATIONS['normalized-conformal']] : []),
    METHOD_CITATIONS.bootstrap
  ]);
  return {
    model,
    learner,
    rejected: provenance.rejected,
    inputs,
    lines,
    y,
    snapshot: provenance.snapshot,
    options: { ...settings, featurizer },
    requestedFeaturizer: settings.featurizer
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

/** The usable rows of a CSV for a model: its inputs, targets and conditions, each with its line. */
export interface ModelInputs {
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
 * The usable rows of a CSV's text: a valid SMILES (or mixture), a number in every condition column
 * and (for training) in the target column. Every other row is rejected by line, with its reason.
 */
export async function readModelInputs(
  text: string,
  options: { inputColumn: string; mixtures: boolean; target?: string; conditions: string[] }
): Promise<ModelInputs> {
  const { inputColumn, conditions, target } = options;
  const csv = await readCsvTable(
    { text },
    {
      ...(options.mixtures ? {} : { smilesColumn: inputColumn }),
      ...(target !== undefined ? { targetColumn: target } : {}),
      numberColumns: conditions,
      columns: [inputColumn, ...(target !== undefined ? [target] : []), ...conditions]
    }
  );
  const all = csv.table.array(inputColumn) as (string | null)[];
  const columns = conditions.map(c => csv.table.array(c) as ArrayLike<number | null>);
  const targets = target !== undefined ? (csv.table.array(target) as ArrayLike<number>) : undefined;
  const rdkit = options.mixtures ? await loadRDKit() : undefined;
  const rejected: RejectedRow[] = [...csv.rejected];
  const read: ModelInputs = {
    inputs: [],
    lines: [],
    conditionValues: [],
    ...(targets ? { y: [] } : {}),
    ...(options.mixtures ? { mixtures: [] } : {}),
    rejected
  };
  all.forEach((cell, i) => {
    const line = csv.lines[i];
    const values = { [inputColumn]: cell ?? '' };
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
      const parsed = Private.mixtureOf(rdkit, cell);
      if ('reason' in parsed) {
        rejected.push({ line, column: inputColumn, reason: parsed.reason, values });
        return;
      }
      read.mixtures!.push(parsed);
    }
    read.inputs.push((cell ?? '').trim());
    read.lines.push(line);
    read.conditionValues.push(columns.map(c => c[i] as number));
    if (targets) {
      read.y!.push(targets[i]);
    }
  });
  rejected.sort((a, b) => a.line - b.line);
  return read;
}

namespace Private {
  /** A featurizer reduced to some families of its structure features (conditions kept). */
  export function restrict(spec: FeaturizerSpec, families: string[]): FeaturizerSpec {
    return {
      ...spec,
      descriptors: spec.descriptors && families.includes('descriptors'),
      morgan: families.includes('morgan') ? spec.morgan : null
    };
  }

  export function settings(options: TrainingOptions, data: string): TrainingSettings {
    const mixtureColumn = options.mixtureColumn ?? null;
    const settings: TrainingSettings = {
      data,
      target: options.target,
      smilesColumn: options.smilesColumn ?? 'SMILES',
      mixtureColumn,
      groupBy: options.groupBy ?? (mixtureColumn !== null ? 'mixture' : 'inchikey'),
      seed: options.seed ?? 0,
      learner: options.learner ?? AUTO_LEARNER,
      learnerParams: options.learnerParams ?? {},
      search: options.search ?? null,
      folds: options.folds ?? 5,
      featurizer:
        options.featurizer ??
        (mixtureColumn !== null ? DEFAULT_MIXTURE_FEATURIZER : DEFAULT_FEATURIZER)
    };
    checkKind(settings.featurizer, mixtureColumn, settings.groupBy);
    // Unknown learners and bad parameters fail here, before any featurizing.
    if (settings.learner === AUTO_LEARNER) {
      if (settings.search || Object.keys(settings.learnerParams).length > 0) {
        throw new Error(
          `learner "${AUTO_LEARNER}" chooses among its own candidates: name a learner to give it parameters or a search grid`
        );
      }
    } else if (settings.search) {
      for (const values of searchGrid(settings.search)) {
        makeLearner(settings.learner, { ...settings.learnerParams, ...values });
      }
    } else {
      makeLearner(settings.learner, settings.learnerParams);
    }
    return settings;
  }

  /** A mixture cell as featurizer sample and group, or why it cannot be read. */
  export function mixtureOf(
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
}
