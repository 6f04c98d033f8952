import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { snapshotHash } from '../datasets/canonical';
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
import { MeanLearner } from './validation';
import { extraTreesLearner, forestLearner, mlpEnsembleLearner, ridgeLearner } from './learners';

/**
 * Batch training and prediction from CSV files (what `cryoprotect model train|predict` runs):
 * every rejected row is reported by line, the model directory holds everything a reviewer needs
 * to re-run and check the numbers (snapshot hash, seed, versions, out-of-fold predictions, plots).
 */

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

export interface TrainCsvOptions {
  data: string;
  target: string;
  smilesColumn?: string;
  /** Column of mixtures in parseMixtureText's form; when given, the rows are mixtures and no SMILES column is read. */
  mixtureColumn?: string;
  groupBy?: GroupByOption;
  seed?: number;
  learner?: string;
  learnerParams?: Record<string, unknown>;
  folds?: number;
  featurizer?: FeaturizerSpec;
}

export interface TrainCsvResult {
  model: TrainedModel;
  learner: Learner;
  rejected: RejectedRow[];
  /** Each training row's SMILES, or its mixture text for a mixture model. */
  inputs: string[];
  lines: number[];
  y: number[];
  snapshot: {
    columns: { name: string; type: 'text' | 'number' }[];
    rows: unknown[][];
    hash: string;
  };
  options: Required<Omit<TrainCsvOptions, 'learnerParams' | 'mixtureColumn'>> & {
    learnerParams: Record<string, unknown>;
    mixtureColumn: string | null;
  };
}

export async function trainFromCsv(options: TrainCsvOptions): Promise<TrainCsvResult> {
  const smilesColumn = options.smilesColumn ?? 'SMILES';
  const mixtureColumn = options.mixtureColumn ?? null;
  const settings = {
    data: options.data,
    target: options.target,
    smilesColumn,
    mixtureColumn,
    groupBy: options.groupBy ?? (mixtureColumn !== null ? 'mixture' : 'inchikey'),
    seed: options.seed ?? 0,
    learner: options.learner ?? 'mean',
    learnerParams: options.learnerParams ?? {},
    folds: options.folds ?? 5,
    featurizer:
      options.featurizer ??
      (mixtureColumn !== null ? DEFAULT_MIXTURE_FEATURIZER : DEFAULT_FEATURIZER)
  };
  Private.checkKind(settings.featurizer, mixtureColumn, settings.groupBy);
  const learner = makeLearner(settings.learner, settings.learnerParams);
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
  const labels = lines.map(line => `line ${line}`);
  let features: FeatureSet;
  let groups: string[] | undefined;
  if (read.mixtures) {
    features = await featurizeMixtures(
      read.mixtures.map(m => m.sample),
      settings.featurizer,
      labels,
      conditionValues
    );
    groups = settings.groupBy === 'none' ? undefined : read.mixtures.map(m => m.group);
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
    { learner, seed: settings.seed, folds: settings.folds, learningCurve: [0.25, 0.5, 0.75, 1] }
  );
  return {
    model,
    learner,
    rejected,
    inputs,
    lines,
    y,
    snapshot: {
      columns: snapshot.columns,
      rows: snapshot.rows,
      hash: snapshotHash(snapshot)
    },
    options: settings
  };
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
  regressor: unknown;
}

/** Write the model directory: model.json, oof.csv, report.json and Vega-Lite plots. */
export async function saveTrainedModel(dir: string, result: TrainCsvResult): Promise<SavedModel> {
  mkdirSync(join(dir, 'plots'), { recursive: true });
  const { model, options } = result;
  const rdkit = await loadRDKit();
  const saved: SavedModel = {
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
    regressor: model.final.toJSON()
  };
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
  prediction: number;
  lower: number;
  upper: number;
}

/** Predict every valid row of a CSV with a saved model; rejected rows are returned by line. */
export async function predictCsv(
  modelDir: string,
  input: string,
  options: { smilesColumn?: string; mixtureColumn?: string } = {}
): Promise<{
  rows: PredictedRow[];
  rejected: RejectedRow[];
  model: SavedModel;
  inputColumn: string;
}> {
  const saved = JSON.parse(readFileSync(join(modelDir, 'model.json'), 'utf8')) as SavedModel;
  if (saved.format !== 'cryoprotect-model/1') {
    throw new Error(
      `${modelDir}/model.json: not a CryoProtect model (format ${String(saved.format)})`
    );
  }
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
      prediction: p,
      lower: p - h,
      upper: p + h
    })),
    rejected: read.rejected,
    model: saved,
    inputColumn
  };
}

namespace Private {
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
