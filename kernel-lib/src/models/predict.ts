import { csvCell, freeColumnName, readCsvRecords, type RejectedRow } from './data';
import { featurizeMixtures, featurizeSmiles } from './featurizer-spec';
import { makeLearner } from './learner-registry';
import { predictWithIntervals } from './pipeline';
import type { SavedModel } from './artifact';
import { readModelInputs } from './training';

export interface PredictedRow {
  line: number;
  /** The row's SMILES, or its mixture text for a mixture model. */
  input: string;
  /** The model's condition inputs of this row, by column name (empty when it has none). */
  conditions: Record<string, number>;
  prediction: number;
  lower: number;
  upper: number;
  /**
   * Mean distance to the model's nearest training rows (see calibrateAdaptive); null for a model
   * saved without adaptive intervals.
   */
  novelty: number | null;
  /** False when the molecule lies outside the model's applicability domain (far from its training rows). */
  inDomain: boolean;
  /** The name the caller gave the input (predictMolecules), shown with the prediction. */
  name?: string | null;
  /**
   * The row's cells as the CSV has them, in the order of `Predictions.columns` (ids, names and
   * any other column go into predictionsCsv's output unchanged).
   */
  cells?: string[];
}

export interface Predictions {
  rows: PredictedRow[];
  rejected: RejectedRow[];
  model: SavedModel;
  /** The column the inputs were read from. */
  inputColumn: string;
  /** The CSV's header, in file order: the columns of each row's `cells`. */
  columns?: string[];
}

/**
 * Predict every valid row of a CSV's text with a saved model (from a model directory, or from
 * the registry with loadRegisteredModel); each prediction carries the model's conformal interval.
 * Rejected rows are returned by line. The columns read are the model's unless named here.
 */
export async function predictCsvText(
  saved: SavedModel,
  text: string,
  options: { smilesColumn?: string; mixtureColumn?: string } = {}
): Promise<Predictions> {
  const mixtures = saved.featurizer.mixture === true;
  const inputColumn = mixtures
    ? (options.mixtureColumn ?? saved.mixtureColumn ?? 'Mixture')
    : (options.smilesColumn ?? saved.smilesColumn);
  const conditions = saved.featurizer.conditions ?? [];
  const read = await readModelInputs(text, { inputColumn, mixtures, conditions });
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
  const predicted =
    read.inputs.length > 0
      ? await predictWithIntervals({ final: regressor, conformal: saved.conformal }, features.X)
      : [];
  // The file's own cells of each row, by line: what predictionsCsv writes back beside the numbers.
  const [header, ...records] = readCsvRecords(text);
  const columns = header?.record ?? [];
  const cellsAt = new Map(records.map(r => [r.line, r.record]));
  const cellsOf = (line: number) => columns.map((_, j) => cellsAt.get(line)?.[j] ?? '');
  return {
    rows: predicted.map((p, i) => ({
      line: read.lines[i],
      input: read.inputs[i],
      conditions: Object.fromEntries(conditions.map((c, j) => [c, read.conditionValues[i][j]])),
      ...p,
      cells: cellsOf(read.lines[i])
    })),
    rejected: read.rejected,
    model: saved,
    inputColumn,
    columns
  };
}

/** A molecule to predict: its structure, a name to show, the model's conditions (if it needs any). */
export type MoleculeToPredict =
  string | { smiles: string; name?: string | null; conditions?: Record<string, number> };

/**
 * Predict molecules held in memory (SMILES, or records such as the reference molecules) with a
 * saved or registered model, without writing a file. The inputs go through exactly the reading
 * and checking of predictCsvText (one code path, so a notebook and `cryoprotect model predict`
 * agree); a rejected input is reported with `line` = its position in `molecules` + 2, as if it
 * were a CSV row under a header. Structure models only: a mixture model reads mixtures' text.
 */
export async function predictMolecules(
  saved: SavedModel,
  molecules: readonly MoleculeToPredict[]
): Promise<Predictions> {
  if (saved.featurizer.mixture === true) {
    throw new Error(
      'model: this model predicts mixtures; give predictCsvText a CSV with its mixture column'
    );
  }
  const conditions = saved.featurizer.conditions ?? [];
  const records = molecules.map(m => (typeof m === 'string' ? { smiles: m } : m));
  records.forEach((record, i) => {
    const missing = conditions.filter(c => typeof record.conditions?.[c] !== 'number');
    if (missing.length > 0) {
      throw new Error(`molecules[${i}].conditions: the model needs ${missing.join(', ')}`);
    }
  });
  const header = [saved.smilesColumn, ...conditions].map(csvCell).join(',');
  const lines = records.map(r =>
    [csvCell(r.smiles), ...conditions.map(c => String(r.conditions?.[c]))].join(',')
  );
  const predictions = await predictCsvText(saved, [header, ...lines].join('\n'));
  return {
    ...predictions,
    rows: predictions.rows.map(row => ({ ...row, name: records[row.line - 2].name ?? null }))
  };
}

/**
 * Decimals that predicted values and their interval bounds deserve: those that give the model's
 * conformal half-width two significant digits (half-width 12.3 -> 0 decimals, 0.0456 -> 3), the
 * usual rule for a value with its uncertainty: a further digit is noise the model cannot resolve,
 * one fewer would round by a sizeable part of the model's own error. The half-width is the
 * model's (constant-width calibration), so a molecule is written alike whatever file it is in.
 * Undefined when the half-width says nothing (zero or not finite): values then get 4 significant
 * figures.
 */
export function predictionDecimals(saved: SavedModel): number | undefined {
  const h = Math.abs(saved.conformal.halfWidth);
  if (!Number.isFinite(h) || h === 0) {
    return undefined;
  }
  return Math.min(15, Math.max(0, 1 - Math.floor(Math.log10(h))));
}

/**
 * Predictions as CSV: the input file's columns as it has them and in its order (predictCsvText;
 * predictions made otherwise: the input column), then prediction, lower and upper, rounded to
 * `decimals` (default: predictionDecimals of the model). A computed column whose name the file
 * already uses is written as NAME_2 (a file of earlier predictions predicted again).
 */
export function predictionsCsv(
  predictions: Predictions,
  options: { decimals?: number } = {}
): string {
  const { rows, columns: fileColumns } = predictions;
  const passThrough =
    fileColumns !== undefined && rows.every(r => r.cells?.length === fileColumns.length);
  const columns = passThrough ? fileColumns : [predictions.inputColumn];
  const taken = new Set(columns);
  // Models with adaptive intervals also say how far each row is from their training rows.
  const domain = predictions.model.conformal.adaptive !== undefined;
  const computed = [
    'prediction',
    'lower',
    'upper',
    ...(domain ? ['novelty', 'in_domain'] : [])
  ].map(name => {
    const free = freeColumnName(name, taken);
    taken.add(free);
    return free;
  });
  const decimals = options.decimals ?? predictionDecimals(predictions.model);
  const number = (value: number) => Private.numberCell(value, decimals);
  return (
    [
      [...columns, ...computed].map(csvCell).join(','),
      ...rows.map(r =>
        [
          ...(passThrough ? r.cells! : [r.input]).map(csvCell),
          number(r.prediction),
          number(r.lower),
          number(r.upper),
          ...(domain
            ? [
                r.novelty === null ? '' : Private.numberCell(r.novelty, undefined),
                String(r.inDomain)
              ]
            : [])
        ].join(',')
      )
    ].join('\n') + '\n'
  );
}

namespace Private {
  /** `value` to `decimals` places, else to 4 significant figures; "0", never "-0"; empty if not finite. */
  export function numberCell(value: number, decimals: number | undefined): string {
    if (!Number.isFinite(value)) {
      return '';
    }
    const text =
      decimals !== undefined ? value.toFixed(decimals) : String(Number(value.toPrecision(4)));
    return Number(text) === 0 ? text.replace(/^-/, '') : text;
  }
}
