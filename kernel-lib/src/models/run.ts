import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { snapshotHash } from '../datasets/canonical';
import { loadRDKit } from '../chemistry';
import { KERNEL_VERSION } from '../version';
import { readCsvTable, type CsvTable, type RejectedRow } from './data';
import { combine, descriptorFeaturizer, groupKeys, morganCountFeaturizer } from './features';
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
import { forestLearner, mlpEnsembleLearner, ridgeLearner } from './learners';

/**
 * Batch training and prediction from CSV files (what `cryoprotect model train|predict` runs):
 * every rejected row is reported by line, the model directory holds everything a reviewer needs
 * to re-run and check the numbers (snapshot hash, seed, versions, out-of-fold predictions, plots).
 */

export type GroupByOption = 'inchikey' | 'scaffold' | 'none';

/** Learners by name; parameters are the learner's own (e.g. {"alpha": 1} for ridge). */
const LEARNERS = new Map<string, (params: Record<string, unknown>) => Learner>([
  ['mean', () => new MeanLearner()],
  ['ridge', params => ridgeLearner(params)],
  ['random-forest', params => forestLearner(params)],
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
}

export const DEFAULT_FEATURIZER: FeaturizerSpec = {
  descriptors: true,
  morgan: { radius: 2, nBits: 2048 }
};

export async function featurizeSmiles(
  smiles: readonly string[],
  spec: FeaturizerSpec,
  rowLabels?: string[],
  conditionValues?: number[][]
): Promise<FeatureSet> {
  const sets: FeatureSet[] = [];
  const conditions = spec.conditions ?? [];
  if (spec.descriptors) {
    sets.push(await descriptorFeaturizer().featurize(smiles, { rowLabels }));
  }
  if (spec.morgan) {
    sets.push(await morganCountFeaturizer(spec.morgan).featurize(smiles, { rowLabels }));
  }
  if (sets.length === 0) {
    throw new Error('featurizer: choose descriptors, Morgan counts or both');
  }
  if (conditions.length > 0) {
    if (!conditionValues || conditionValues.length !== smiles.length) {
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

export interface TrainCsvOptions {
  data: string;
  target: string;
  smilesColumn?: string;
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
  smiles: string[];
  lines: number[];
  y: number[];
  snapshot: {
    columns: { name: string; type: 'text' | 'number' }[];
    rows: unknown[][];
    hash: string;
  };
  options: Required<Omit<TrainCsvOptions, 'learnerParams'>> & {
    learnerParams: Record<string, unknown>;
  };
}

export async function trainFromCsv(options: TrainCsvOptions): Promise<TrainCsvResult> {
  const smilesColumn = options.smilesColumn ?? 'SMILES';
  const settings = {
    data: options.data,
    target: options.target,
    smilesColumn,
    groupBy: options.groupBy ?? 'inchikey',
    seed: options.seed ?? 0,
    learner: options.learner ?? 'mean',
    learnerParams: options.learnerParams ?? {},
    folds: options.folds ?? 5,
    featurizer: options.featurizer ?? DEFAULT_FEATURIZER
  };
  const learner = makeLearner(settings.learner, settings.learnerParams);
  const conditions = settings.featurizer.conditions ?? [];
  const csv = await readCsvTable(options.data, {
    smilesColumn,
    targetColumn: options.target,
    numberColumns: conditions,
    columns: [smilesColumn, options.target, ...conditions]
  });
  const read = Private.withConditions(csv, smilesColumn, conditions);
  const { smiles, lines, conditionValues } = read;
  const rejected = [...csv.rejected, ...read.rejected].sort((a, b) => a.line - b.line);
  const y = read.keep.map(i => (csv.table.array(options.target) as ArrayLike<number>)[i]);
  // The snapshot a registered model names: exactly the rows (SMILES, target, conditions) it was trained on.
  const snapshot = {
    columns: [
      { name: smilesColumn, type: 'text' as const },
      { name: options.target, type: 'number' as const },
      ...conditions.map(name => ({ name, type: 'number' as const }))
    ],
    rows: smiles.map((s, i) => [s, y[i], ...conditionValues[i]])
  };
  const labels = lines.map(line => `line ${line}`);
  const features = await featurizeSmiles(smiles, settings.featurizer, labels, conditionValues);
  const groups =
    settings.groupBy === 'none'
      ? undefined
      : await groupKeys(smiles, settings.groupBy, { rowLabels: labels });
  const model = await trainAndValidate(
    { features, y, groups },
    { learner, seed: settings.seed, folds: settings.folds, learningCurve: [0.25, 0.5, 0.75, 1] }
  );
  return {
    model,
    learner,
    rejected,
    smiles,
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
    'line,smiles,measured,predicted,lower,upper,fold',
    ...result.y.map((measured, i) =>
      [
        result.lines[i],
        Private.csvCell(result.smiles[i]),
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
        ids: result.smiles
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
  smiles: string;
  prediction: number;
  lower: number;
  upper: number;
}

/** Predict every valid row of a CSV with a saved model; rejected rows are returned by line. */
export async function predictCsv(
  modelDir: string,
  input: string,
  options: { smilesColumn?: string } = {}
): Promise<{ rows: PredictedRow[]; rejected: RejectedRow[]; model: SavedModel }> {
  const saved = JSON.parse(readFileSync(join(modelDir, 'model.json'), 'utf8')) as SavedModel;
  if (saved.format !== 'cryoprotect-model/1') {
    throw new Error(
      `${modelDir}/model.json: not a CryoProtect model (format ${String(saved.format)})`
    );
  }
  const smilesColumn = options.smilesColumn ?? saved.smilesColumn;
  const conditions = saved.featurizer.conditions ?? [];
  const csv = await readCsvTable(input, {
    smilesColumn,
    numberColumns: conditions,
    columns: [smilesColumn, ...conditions]
  });
  const read = Private.withConditions(csv, smilesColumn, conditions);
  const { smiles } = read;
  const features = await featurizeSmiles(
    smiles,
    saved.featurizer,
    read.lines.map(line => `line ${line}`),
    read.conditionValues
  );
  if (features.version !== saved.featurizerVersion) {
    throw new Error(
      `featurizer: this kernel makes "${features.version}" but the model was trained on "${saved.featurizerVersion}"`
    );
  }
  const regressor = makeLearner(saved.learner.name, saved.learner.params).fromJSON(saved.regressor);
  const predicted = await regressor.predict(features.X);
  const h = saved.conformal.halfWidth;
  return {
    rows: predicted.map((p, i) => ({
      line: read.lines[i],
      smiles: smiles[i],
      prediction: p,
      lower: p - h,
      upper: p + h
    })),
    rejected: [...csv.rejected, ...read.rejected].sort((a, b) => a.line - b.line),
    model: saved
  };
}

namespace Private {
  /** Rows whose condition columns all hold a number; the others are rejected by line. */
  export function withConditions(
    csv: CsvTable,
    smilesColumn: string,
    conditions: string[]
  ): {
    keep: number[];
    smiles: string[];
    lines: number[];
    conditionValues: number[][];
    rejected: RejectedRow[];
  } {
    const allSmiles = csv.table.array(smilesColumn) as string[];
    const columns = conditions.map(c => csv.table.array(c) as ArrayLike<number | null>);
    const keep: number[] = [];
    const rejected: RejectedRow[] = [];
    allSmiles.forEach((smiles, i) => {
      const missing = conditions.find((_, j) => columns[j][i] === null);
      if (missing) {
        rejected.push({
          line: csv.lines[i],
          column: missing,
          reason: 'has no value, and the model needs it as an input',
          values: { [smilesColumn]: smiles }
        } as RejectedRow);
      } else {
        keep.push(i);
      }
    });
    return {
      keep,
      smiles: keep.map(i => allSmiles[i]),
      lines: keep.map(i => csv.lines[i]),
      conditionValues: keep.map(i => columns.map(c => c[i] as number)),
      rejected
    };
  }

  export function csvCell(text: string): string {
    return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  }
}
