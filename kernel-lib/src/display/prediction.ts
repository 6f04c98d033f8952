import type { Predictions } from '../models/predict';
import { Displayable } from './bundle';
import { DisplayError } from './errors';
import {
  DOMAIN_SIGN,
  NOVELTY_DIGITS,
  OUTSIDE_DOMAIN,
  noveltyDescription,
  outsideDomainExplanation,
  outsideDomainNote
} from './domain';
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
 * intervals, or a payload-shaped object made by the caller. A prediction outside the model's
 * applicability domain (inDomain false) is marked in its row, and a line under the table says how
 * many are; the novelty of each prediction is a column when the model gives it.
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
  const kept = payload.items.slice(0, limit);
  const outside = (item: PredictionPayload['items'][number]) => item.inDomain === false;
  const threshold = payload.domainThreshold ?? null;
  const withNovelty = kept.some(item => typeof item.novelty === 'number');
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
    ...(withNovelty
      ? [
          {
            key: 'novelty',
            title: 'novelty',
            digits: NOVELTY_DIGITS,
            kind: 'number' as const,
            description: noveltyDescription(threshold)
          }
        ]
      : [])
  ];
  // The warning column: the domain marker first, then any other warning of the item.
  const warningText = (item: PredictionPayload['items'][number]) =>
    [outside(item) ? `${DOMAIN_SIGN} ${OUTSIDE_DOMAIN}` : null, item.warning]
      .filter((w): w is string => w !== null)
      .join('; ') || null;
  const warningHtml = (item: PredictionPayload['items'][number]) =>
    [
      outside(item)
        ? `<span style="${Private.BADGE}" title="${escapeHtml(outsideDomainExplanation(item.novelty, threshold))}">${DOMAIN_SIGN} ${OUTSIDE_DOMAIN}</span>`
        : null,
      item.warning === null ? null : escapeHtml(item.warning)
    ]
      .filter((w): w is string => w !== null)
      .join(' ') || '—';
  const cells = (warning: (item: PredictionPayload['items'][number]) => string | null) =>
    kept.map(item => ({
      name: item.name,
      smiles: item.smiles,
      value: item.value,
      lower: item.lower,
      upper: item.upper,
      novelty: item.novelty ?? null,
      warning: warning(item)
    }));
  const total = Math.max(payload.totalItems ?? 0, payload.items.length);
  const outsideCount = kept.filter(outside).length;
  const note = outsideCount === 0 ? null : outsideDomainNote(outsideCount, kept.length);
  const heading = `${property.name} predicted by ${modelText}`;
  const single = payload.items.length === 1 ? payload.items[0] : undefined;
  const text =
    single !== undefined
      ? `${heading}: ${formatQuantity(single.value, property.unit, digits)}` +
        (single.lower === null || single.upper === null
          ? ''
          : ` (${level}interval ${formatNumber(single.lower, digits)} to ${formatQuantity(single.upper, property.unit, digits)})`) +
        (outside(single)
          ? `\n${DOMAIN_SIGN} ${outsideDomainExplanation(single.novelty, threshold)}`
          : '') +
        (single.warning === null ? '' : `\nwarning: ${single.warning}`)
      : `${heading}\n${textTable(
          [...columns, { key: 'warning', title: 'warning' }],
          cells(warningText),
          total
        )}` + (note === null ? '' : `\n${note}`);
  const html = htmlBlock(
    `<p><b>${escapeHtml(heading)}</b>` +
      (model.learner === undefined ? '' : `<br>learner ${escapeHtml(model.learner)}`) +
      (model.snapshot === undefined ? '' : `<br>training snapshot ${escapeHtml(model.snapshot)}`) +
      `</p>` +
      htmlTable(
        [
          ...columns,
          { key: 'warning', title: 'warning', kind: 'html' as const, align: 'left' as const }
        ],
        cells(warningHtml),
        { totalRows: total }
      ) +
      (note === null ? '' : `<p style="${Private.NOTE}">${escapeHtml(note)}</p>`)
  );
  return new Displayable(
    'prediction',
    // Kept items are counted against the total, so a renderer can say that some are missing.
    {
      ...payload,
      items: kept.map(item => ({ ...item })),
      ...(total > kept.length ? { totalItems: total } : {})
    },
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
    domainThreshold: saved.conformal.adaptive?.domainThreshold ?? null,
    // A mixture model's input is a mixture's text, not a structure: it goes in the name.
    items: input.rows.map(row => ({
      name: saved.mixtureColumn === undefined ? (row.name ?? null) : row.input,
      smiles: saved.mixtureColumn === undefined ? row.input : null,
      value: row.prediction,
      lower: row.lower,
      upper: row.upper,
      warning: null,
      // A model saved without adaptive intervals measured no distance: its domain is unknown.
      novelty: row.novelty ?? null,
      inDomain: (row.novelty ?? null) === null ? null : row.inDomain
    }))
  };
}

namespace Private {
  /**
   * The marker of a prediction outside the domain, inline (the fallback has no style sheet): its
   * own background and text colour, so it reads the same on a light or a dark page.
   */
  export const BADGE =
    'display:inline-block;padding:0 5px;border:1px solid #b26b00;border-radius:3px;' +
    'background:#fff4e0;color:#5c3700;font-size:0.9em;white-space:nowrap;cursor:help';
  /** The note under the table: a warning-coloured rule, the page's own text colour. */
  export const NOTE = 'margin:4px 0;padding:2px 8px;border-left:3px solid #d08a00';
}
