import type { Predictions } from '../models/predict';
import { Displayable } from './bundle';
import { DisplayError } from './errors';
import { escapeHtml, formatLevel, formatNumber, formatQuantity } from './format';
import { HTML_ROW_LIMIT, htmlBlock, htmlTable } from './html';
import type { PredictionPayload } from './payloads';
import { textTable } from './text';

/** Figures of predicted values when the caller does not say: a model's error rarely earns more. */
const PREDICTION_DIGITS = 4;

/** Which registered model made the predictions; a model directory has no name or version. */
export interface ModelIdentity {
  name: string;
  version: number | null;
}

export interface PredictionOptions {
  model?: ModelIdentity;
  /** The predicted property; default: read from the target column, e.g. "Tg (K)" -> Tg in K. */
  property?: { name: string; unit: string };
  digits?: number;
  /** Items kept (default 200). */
  limit?: number;
}

/**
 * Split a column header like "Tg (K)" into name and unit. A header without a bracketed unit gives
 * an empty unit: the display then shows none rather than guessing one.
 */
export function propertyOfColumn(header: string): { name: string; unit: string } {
  const match = /^(.*\S)\s*\(([^()]+)\)\s*$/.exec(header);
  return match === null ? { name: header, unit: '' } : { name: match[1], unit: match[2].trim() };
}

/**
 * Predictions of a saved or registered model (predictCsvText, predictCsv) with their conformal
 * intervals, or a payload-shaped object made by the caller.
 */
export function predictionDisplay(
  input: Predictions | PredictionPayload,
  options: PredictionOptions = {}
): Displayable<'prediction'> {
  const payload = 'items' in input ? input : fromPredictions(input, options);
  const limit = options.limit ?? HTML_ROW_LIMIT;
  const { property, model } = payload;
  const digits = options.digits ?? payload.digits ?? PREDICTION_DIGITS;
  const level = payload.intervalLevel === null ? '' : `${formatLevel(payload.intervalLevel)} `;
  const modelText = `${model.name}${model.version === null ? ' (unregistered)' : `@${model.version}`}`;
  const columns = [
    { key: 'name', title: 'name', kind: 'text' as const },
    { key: 'smiles', title: 'input', kind: 'text' as const },
    { key: 'value', title: property.name, unit: property.unit, digits, kind: 'number' as const },
    ...(payload.intervalLevel === null
      ? []
      : [
          {
            key: 'lower',
            title: `${level}lower`,
            unit: property.unit,
            digits,
            kind: 'number' as const
          },
          {
            key: 'upper',
            title: `${level}upper`,
            unit: property.unit,
            digits,
            kind: 'number' as const
          }
        ]),
    { key: 'warning', title: 'warning', kind: 'text' as const }
  ];
  const total = Math.max(payload.totalItems ?? 0, payload.items.length);
  const rows = payload.items.slice(0, limit).map(item => ({ ...item }));
  const heading = `${property.name} predicted by ${modelText}`;
  const single = payload.items.length === 1 ? payload.items[0] : undefined;
  const text =
    single !== undefined
      ? `${heading}: ${formatQuantity(single.value, property.unit, digits)}` +
        (single.lower === null || single.upper === null
          ? ''
          : ` (${level}interval ${formatNumber(single.lower, digits)} to ${formatQuantity(single.upper, property.unit, digits)})`) +
        (single.warning === null ? '' : `\nwarning: ${single.warning}`)
      : `${heading}\n${textTable(columns, rows, total)}`;
  const html = htmlBlock(
    `<p><b>${escapeHtml(heading)}</b>` +
      (model.learner === undefined ? '' : `<br>learner ${escapeHtml(model.learner)}`) +
      (model.snapshot === undefined ? '' : `<br>training snapshot ${escapeHtml(model.snapshot)}`) +
      `</p>` +
      htmlTable(columns, rows, { totalRows: total })
  );
  return new Displayable(
    'prediction',
    // Kept items are counted against the total, so a renderer can say that some are missing.
    { ...payload, items: rows, ...(total > rows.length ? { totalItems: total } : {}) },
    {
      text,
      html
    }
  );
}

function fromPredictions(input: Predictions, options: PredictionOptions): PredictionPayload {
  const saved = input.model;
  if (saved === undefined || !Array.isArray(input.rows)) {
    throw new DisplayError(
      'invalid_input',
      'must be predictMolecules()/predictCsvText()/predictCsv() output',
      'predictions'
    );
  }
  const digits = options.digits ?? PREDICTION_DIGITS;
  return {
    property: options.property ?? propertyOfColumn(saved.target),
    model: {
      name: options.model?.name ?? saved.target,
      version: options.model?.version ?? null,
      learner: saved.learner.name,
      snapshot: saved.snapshotHash
    },
    intervalLevel: saved.conformal.level,
    digits,
    // A mixture model's input is a mixture's text, not a structure: it goes in the name.
    items: input.rows.map(row => ({
      name: saved.mixtureColumn === undefined ? (row.name ?? null) : row.input,
      smiles: saved.mixtureColumn === undefined ? row.input : null,
      value: row.prediction,
      lower: row.lower,
      upper: row.upper,
      warning: null
    }))
  };
}
