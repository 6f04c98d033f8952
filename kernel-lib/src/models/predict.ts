import { csvCell, type RejectedRow } from './data';
import { featurizeMixtures, featurizeSmiles } from './featurizer-spec';
import { makeLearner } from './learner-registry';
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
  /** The name the caller gave the input (predictMolecules), shown with the prediction. */
  name?: string | null;
}

export interface Predictions {
  rows: PredictedRow[];
  rejected: RejectedRow[];
  model: SavedModel;
  /** The column the inputs were read from. */
  inputColumn: string;
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

/** Predictions as CSV: the input column, prediction, lower, upper. */
export function predictionsCsv(predictions: Predictions): string {
  return (
    [
      `${csvCell(predictions.inputColumn)},prediction,lower,upper`,
      ...predictions.rows.map(r => [csvCell(r.input), r.prediction, r.lower, r.upper].join(','))
    ].join('\n') + '\n'
  );
}
