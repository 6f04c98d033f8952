import type { ModelCoverage } from '../api/models';
import { realCoverageSpec } from '../models/plots';
import {
  realCoverage,
  realCoverageByMonth,
  type MonthlyCoverage,
  type RealCoverage,
  type VerifiedResult
} from '../models/validation';
import { Displayable } from './bundle';
import { DisplayError } from './errors';
import { displayUnit, escapeHtml, formatLevel, formatQuantity } from './format';
import { HTML_ROW_LIMIT, htmlBlock, htmlNotes, htmlTable } from './html';
import type { CoveragePayload } from './payloads';
import { textTable } from './text';
import { coverageVerdict } from './verdict';
import { plotDisplay, type PlotDisplay } from './vega';

/** Figures of errors: as many as the model report gives its metrics. */
const ERROR_DIGITS = 3;

/** A verified result with what it was a prediction of, when known. */
export interface CoverageResultInput extends VerifiedResult {
  subjectName?: string | null;
  verificationId?: string | null;
}

/**
 * Verified results gathered by the caller (e.g. from client.verifications.list), for a model
 * version's coverage computed here rather than by the server.
 */
export interface CoverageInput {
  name: string;
  version: number | null;
  /** The unit of predicted and measured values. */
  unit: string;
  /** What the version predicts, e.g. "Tg" (default: the model's name). */
  property?: string;
  results: readonly CoverageResultInput[];
}

export interface CoverageDisplayOptions {
  /**
   * Confidence of the binomial intervals (default 0.95, or the server's for a ModelCoverage; a
   * different one recomputes from its results).
   */
  confidence?: number;
  /** The predicted property (default: the target property type, or CoverageInput.property). */
  property?: { name: string; unit: string };
  /** Results kept in the payload and the HTML (default 200); the rest is counted. */
  limit?: number;
}

/** A coverage display and its plot (null without any interval), displayable on its own. */
export type CoverageDisplay = Displayable<'coverage'> & { readonly plot: PlotDisplay | null };

/**
 * Real coverage of a model version as a display: the verdict on its promise (flagged when even
 * the upper Clopper–Pearson bound is below the promised level), MAE and RMSE, the cumulative
 * coverage at the end of each month with its interval, each verified result, and a Vega-Lite plot
 * of the monthly coverage against the promised level (static SVG in the HTML). Takes the server's
 * answer (client.models.coverage) as it is, or verified results to compute it from
 * (realCoverage, realCoverageByMonth: the same functions the server uses).
 */
export async function coverageDisplay(
  input: ModelCoverage | CoverageInput,
  options: CoverageDisplayOptions = {}
): Promise<CoverageDisplay> {
  const { payload, plot } = await coverageParts(input, options);
  const display = new Displayable('coverage', payload, {
    text: coverageText(payload),
    html: htmlBlock(coverageHtml(payload, plot, true))
  });
  return Object.assign(display, { plot });
}

/** The payload and its plot, for the coverage display and the model report's section. */
export async function coverageParts(
  input: ModelCoverage | CoverageInput,
  options: CoverageDisplayOptions
): Promise<{ payload: CoveragePayload; plot: PlotDisplay | null }> {
  const payload = Private.payload(input, options);
  const plot =
    payload.plot === null ? null : await plotDisplay(payload.plot.spec, payload.plot.title);
  return { payload, plot };
}

/** The text/plain of a coverage payload. */
export function coverageText(p: CoveragePayload): string {
  const { overall } = p;
  const lines = [
    `Real coverage of ${Private.modelName(p)}: ${p.property.name}${Private.unitSuffix(p.property.unit)}, ${overall.count} verified result${overall.count === 1 ? '' : 's'}`,
    coverageVerdict(overall).text
  ];
  if (overall.mae !== null && overall.rmse !== null) {
    lines.push(
      `MAE ${formatQuantity(overall.mae, p.property.unit, ERROR_DIGITS)}, RMSE ${formatQuantity(overall.rmse, p.property.unit, ERROR_DIGITS)}`
    );
  }
  if (p.byMonth.length > 0) {
    lines.push(textTable(Private.monthColumns(p), Private.monthRows(p)));
  }
  return lines.join('\n');
}

/**
 * The static HTML of a coverage payload (without the outer block, so the model report can hold
 * it): a heading when `heading`, the verdict (a red-bordered paragraph when flagged), the months,
 * the plot, the results and the notes.
 */
export function coverageHtml(
  p: CoveragePayload,
  plot: PlotDisplay | null,
  heading: boolean
): string {
  const { overall } = p;
  const verdict = coverageVerdict(overall);
  const head = heading
    ? `<p><b>${escapeHtml(`Real coverage of ${Private.modelName(p)}`)}</b><br>` +
      escapeHtml(
        `${p.property.name}${Private.unitSuffix(p.property.unit)}; ${overall.count} verified result${overall.count === 1 ? '' : 's'}; binomial intervals: Clopper–Pearson exact, ${formatLevel(p.confidence)}`
      ) +
      '</p>'
    : '';
  const flagged = verdict.status === 'below';
  const verdictHtml = flagged
    ? `<p style="border-left:4px solid #d62728;padding:2px 8px"><b>${escapeHtml('⚠ Below its promise')}</b>: ${escapeHtml(verdict.text.replace(/^Below its promise: /, ''))}</p>`
    : `<p>${escapeHtml(verdict.text)}</p>`;
  const errors =
    overall.mae !== null && overall.rmse !== null
      ? `<p>${escapeHtml(`MAE ${formatQuantity(overall.mae, p.property.unit, ERROR_DIGITS)}, RMSE ${formatQuantity(overall.rmse, p.property.unit, ERROR_DIGITS)} over ${overall.count} verified result${overall.count === 1 ? '' : 's'}.`)}</p>`
      : '';
  const months =
    p.byMonth.length === 0
      ? ''
      : htmlTable(Private.monthColumns(p), Private.monthRows(p), {
          caption: 'Cumulative by month'
        });
  const results =
    p.results.length === 0
      ? ''
      : htmlTable(Private.resultColumns(p), Private.resultRows(p), {
          caption: 'Verified results',
          totalRows: p.totalResults
        });
  return (
    head +
    verdictHtml +
    errors +
    months +
    (plot === null ? '' : plot.html()) +
    results +
    // Inside the model report, whose own notes follow.
    htmlNotes(heading ? 'Notes' : 'Notes on real coverage', p.notes)
  );
}

namespace Private {
  export function payload(
    input: ModelCoverage | CoverageInput,
    options: CoverageDisplayOptions
  ): CoveragePayload {
    if (typeof input !== 'object' || input === null || !Array.isArray(input.results)) {
      throw new DisplayError(
        'invalid_input',
        'must be client.models.coverage() output or { name, version, unit, results }',
        'coverage'
      );
    }
    const limit = options.limit ?? HTML_ROW_LIMIT;
    if (!Number.isInteger(limit) || limit < 1) {
      throw new DisplayError(
        'invalid_input',
        `must be a whole number >= 1 (got ${limit})`,
        'limit'
      );
    }
    const fromServer = 'overall' in input;
    const unit = input.unit;
    if (typeof unit !== 'string') {
      throw new DisplayError('invalid_input', 'must be the unit of the values, e.g. "K"', 'unit');
    }
    if (typeof input.name !== 'string' || input.name === '') {
      throw new DisplayError('invalid_input', "must be the model's name", 'name');
    }
    // The server lists results oldest first; results given here are put in that order.
    const results: CoverageResultInput[] = fromServer
      ? [...input.results]
      : [...input.results].sort((a, b) => Date.parse(a.verifiedAt) - Date.parse(b.verifiedAt));
    const recompute =
      !fromServer || (options.confidence !== undefined && options.confidence !== input.confidence);
    const confidence = options.confidence ?? (fromServer ? input.confidence : 0.95);
    // The server's figures are used as they are; results given here (or another confidence)
    // go through the same functions the server uses.
    const overall: RealCoverage = recompute
      ? realCoverage(results, { confidence })
      : (input as ModelCoverage).overall;
    const byMonth: MonthlyCoverage[] = recompute
      ? realCoverageByMonth(results, { confidence })
      : (input as ModelCoverage).byMonth;
    const property = options.property ?? {
      name: fromServer
        ? input.targetPropertyType.replace(/_/g, ' ')
        : (input.property ?? input.name),
      unit
    };
    const spec =
      overall.withInterval === 0
        ? null
        : realCoverageSpec(byMonth, {
            promisedLevel: overall.promisedLevel,
            confidence,
            title: `Real coverage of ${input.name}${input.version === null ? '' : `@${input.version}`} by month (cumulative)`
          });
    return {
      model: { name: input.name, version: input.version },
      property,
      confidence,
      overall: strip(overall),
      byMonth: byMonth.map(m => ({ month: m.month, ...strip(m) })),
      results: results.slice(0, limit).map(r => ({
        subject: r.subjectName ?? null,
        predicted: r.predicted,
        lower: r.lower,
        upper: r.upper,
        level: r.level,
        measured: r.measured,
        inside:
          r.lower === null || r.upper === null
            ? null
            : r.measured >= r.lower && r.measured <= r.upper,
        verifiedAt: r.verifiedAt,
        verificationId: r.verificationId ?? null
      })),
      totalResults: results.length,
      plot: spec === null ? null : { title: (spec.title as { text: string }).text, spec },
      notes: notes(overall, confidence, results.length, limit)
    };
  }

  /** Only the payload's fields (a server answer may carry more). */
  function strip(c: RealCoverage): CoveragePayload['overall'] {
    return {
      count: c.count,
      mae: c.mae,
      rmse: c.rmse,
      withInterval: c.withInterval,
      covered: c.covered,
      coverage: c.coverage,
      coverageInterval: c.coverageInterval,
      promisedLevel: c.promisedLevel,
      belowPromise: c.belowPromise
    };
  }

  function notes(c: RealCoverage, confidence: number, total: number, limit: number): string[] {
    const notes = [
      'Real coverage: the share of verified measurements inside the interval the version predicted for them, cumulative at the end of each month (UTC); MAE and RMSE of measured − predicted over every verified result. A result counts once its measurement is verified by someone other than who measured it.',
      `Its confidence interval: Clopper–Pearson exact binomial at ${formatLevel(confidence)}, which holds the true rate at least that often for every number of results (conservative).`,
      'Flag rule: a version is flagged below its promise when even the upper bound of that interval is below the promised level.'
    ];
    if (c.withInterval > 0 && c.promisedLevel === null) {
      notes.push(
        'The intervals were given at different levels: they are not pooled against one promise, and nothing is flagged.'
      );
    }
    if (c.count > c.withInterval) {
      notes.push(
        `${c.count - c.withInterval} verified result${c.count - c.withInterval === 1 ? '' : 's'} had no interval: counted in MAE and RMSE, not in the coverage.`
      );
    }
    if (total > limit) {
      notes.push(`${limit} of ${total} verified results are listed; the figures count them all.`);
    }
    return notes;
  }

  export function modelName(p: CoveragePayload): string {
    return `${p.model.name}${p.model.version === null ? '' : `@${p.model.version}`}`;
  }

  export function unitSuffix(unit: string): string {
    const shown = displayUnit(unit);
    return shown === undefined ? '' : ` (${shown})`;
  }

  export function monthColumns(p: CoveragePayload) {
    const unit = p.property.unit === '' ? undefined : p.property.unit;
    const level = formatLevel(p.confidence);
    return [
      { key: 'month', title: 'up to', kind: 'text' as const },
      { key: 'count', title: 'verified', kind: 'number' as const },
      { key: 'inside', title: 'inside / with interval', kind: 'text' as const },
      { key: 'coverage', title: 'coverage', kind: 'text' as const },
      { key: 'interval', title: `${level} interval`, kind: 'text' as const },
      { key: 'mae', title: 'MAE', unit, kind: 'number' as const, digits: ERROR_DIGITS },
      { key: 'rmse', title: 'RMSE', unit, kind: 'number' as const, digits: ERROR_DIGITS },
      { key: 'flag', title: 'flag', kind: 'text' as const }
    ];
  }

  export function monthRows(p: CoveragePayload): Record<string, string | number | null>[] {
    return p.byMonth.map(m => ({
      month: m.month,
      count: m.count,
      inside: m.withInterval === 0 ? null : `${m.covered} / ${m.withInterval}`,
      coverage: m.coverage === null ? null : formatLevel(m.coverage),
      interval:
        m.coverageInterval === null
          ? null
          : `${formatLevel(m.coverageInterval.lower)} to ${formatLevel(m.coverageInterval.upper)}`,
      mae: m.mae,
      rmse: m.rmse,
      flag: m.belowPromise ? 'below promise' : ''
    }));
  }

  export function resultColumns(p: CoveragePayload) {
    const unit = p.property.unit === '' ? undefined : p.property.unit;
    return [
      { key: 'subject', title: 'subject', kind: 'text' as const },
      { key: 'predicted', title: 'predicted', unit, kind: 'number' as const, digits: 4 },
      { key: 'interval', title: 'interval', unit, kind: 'text' as const },
      { key: 'measured', title: 'measured', unit, kind: 'number' as const },
      { key: 'inside', title: 'inside', kind: 'text' as const },
      { key: 'verifiedAt', title: 'verified (UTC)', kind: 'text' as const }
    ];
  }

  export function resultRows(p: CoveragePayload): Record<string, string | number | null>[] {
    return p.results.map(r => ({
      subject: r.subject,
      predicted: r.predicted,
      interval:
        r.lower === null || r.upper === null
          ? null
          : `${formatQuantity(r.lower, undefined, 4)} to ${formatQuantity(r.upper, undefined, 4)}${r.level === null ? '' : ` (${formatLevel(r.level)})`}`,
      measured: r.measured,
      inside: r.inside === null ? null : r.inside ? 'yes' : 'no',
      verifiedAt: r.verifiedAt.replace('T', ' ').slice(0, 16)
    }));
  }
}
