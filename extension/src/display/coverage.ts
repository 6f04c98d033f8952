import type { CoveragePayload } from '@cryoprotect/kernel';
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import type { Widget } from '@lumino/widgets';
import {
  coverageVerdict,
  formatLevel,
  formatNumber,
  formatQuantity,
  titleWithUnit
} from '@cryoprotect/kernel/display';
import { dataTable, factTable, h, list, section } from './dom';
import { modelName } from './model-ref';
import { plotParts, type PlotRenderer } from './plot';
import { PayloadRenderer, type IRenderContext } from './renderer';

/** Figures of errors, as the kernel's fallbacks give them. */
const ERROR_DIGITS = 3;

/**
 * Real coverage of a model version: whether its intervals held on the lab's verified
 * measurements (a flag when even the upper confidence bound is below the promise), the errors,
 * the cumulative coverage by month as a table and a Vega-Lite plot, each result and the notes.
 */
export class CoverageRenderer extends PayloadRenderer<CoveragePayload> {
  constructor(
    options: IRenderMime.IRendererOptions,
    private readonly plot: PlotRenderer | null
  ) {
    super('coverage', options);
  }

  protected async render(
    payload: CoveragePayload,
    context: IRenderContext
  ): Promise<(Node | Widget)[]> {
    return coverageParts(payload, this.plot, context.trusted, true);
  }
}

/**
 * The parts of a coverage output, also drawn as the model report's "Real coverage" section
 * (`heading` false: the report names the model already).
 */
export async function coverageParts(
  payload: CoveragePayload,
  plot: PlotRenderer | null,
  trusted: boolean,
  heading: boolean
): Promise<(Node | Widget)[]> {
  const { overall } = payload;
  const unit = payload.property.unit;
  const count = `${overall.count} verified result${overall.count === 1 ? '' : 's'}`;
  const parts: (Node | Widget)[] = [
    h(
      'div',
      { className: 'jp-cryoprotect-Report jp-cryoprotect-Coverage' },
      heading
        ? h(
            'h3',
            { className: 'jp-cryoprotect-Title' },
            `Real coverage: ${modelName(payload.model)}`
          )
        : null,
      heading
        ? h(
            'p',
            { className: 'jp-cryoprotect-Lead' },
            `${titleWithUnit(payload.property.name, unit)}: ${count}; binomial intervals Clopper–Pearson exact, ${formatLevel(payload.confidence)}.`
          )
        : null,
      Private.verdict(payload),
      overall.count === 0 ? null : Private.facts(payload),
      payload.byMonth.length === 0 ? null : section('Cumulative by month', Private.months(payload))
    )
  ];
  if (payload.plot !== null) {
    parts.push(...(await plotParts(payload.plot, plot, trusted)));
  }
  if (payload.results.length > 0) {
    parts.push(
      section(
        'Verified results',
        Private.results(payload),
        payload.results.length < payload.totalResults
          ? h(
              'p',
              { className: 'jp-cryoprotect-Muted' },
              `Showing ${payload.results.length} of ${payload.totalResults} results; the figures above count them all.`
            )
          : null
      )
    );
  }
  if (payload.notes.length > 0) {
    // Inside the model report, whose own notes follow.
    parts.push(
      section(
        heading ? 'Notes' : 'Notes on real coverage',
        list('jp-cryoprotect-Notes', payload.notes)
      )
    );
  }
  return parts;
}

namespace Private {
  /** The verdict on the promise: a flag that reads as one (role alert) when it is below. */
  export function verdict(payload: CoveragePayload): HTMLElement {
    const { status, text } = coverageVerdict(payload.overall);
    if (status === 'below') {
      return h(
        'div',
        {
          className: 'jp-cryoprotect-Verdict jp-cryoprotect-Verdict-below',
          attrs: { role: 'alert' }
        },
        h('strong', {}, '⚠ Below its promise'),
        ` ${text.replace(/^Below its promise: /, '')}`
      );
    }
    return h(
      'p',
      {
        className: `jp-cryoprotect-Verdict jp-cryoprotect-Verdict-${status}`,
        attrs: { role: 'status' }
      },
      text
    );
  }

  export function facts(payload: CoveragePayload): HTMLTableElement | null {
    const { overall, property } = payload;
    const interval = overall.coverageInterval;
    return factTable(null, [
      ['Verified results', String(overall.count)],
      ...(overall.withInterval > 0
        ? ([
            ['Inside their intervals', `${overall.covered} of ${overall.withInterval}`],
            [
              'Real coverage',
              overall.coverage === null
                ? '—'
                : `${formatLevel(overall.coverage)}${interval ? ` (${formatLevel(interval.confidence)} interval ${formatLevel(interval.lower)} to ${formatLevel(interval.upper)})` : ''}`,
              interval?.method
            ],
            [
              'Promised level',
              overall.promisedLevel === null
                ? 'intervals of different levels'
                : formatLevel(overall.promisedLevel)
            ]
          ] as const)
        : []),
      ...(overall.mae !== null
        ? ([['MAE', formatQuantity(overall.mae, property.unit, ERROR_DIGITS)]] as const)
        : []),
      ...(overall.rmse !== null
        ? ([['RMSE', formatQuantity(overall.rmse, property.unit, ERROR_DIGITS)]] as const)
        : [])
    ]);
  }

  export function months(payload: CoveragePayload): HTMLTableElement {
    const unit = payload.property.unit;
    return dataTable(
      'jp-cryoprotect-CoverageMonths',
      [
        { label: 'Up to', title: 'everything verified up to the end of this month (UTC)' },
        { label: 'Verified', numeric: true },
        { label: 'Inside / with interval', numeric: true },
        { label: 'Coverage', numeric: true },
        { label: `${formatLevel(payload.confidence)} interval`, numeric: true },
        { label: titleWithUnit('MAE', unit), numeric: true },
        { label: titleWithUnit('RMSE', unit), numeric: true },
        { label: 'Flag' }
      ],
      payload.byMonth.map(m => [
        m.month,
        String(m.count),
        m.withInterval === 0 ? '—' : `${m.covered} / ${m.withInterval}`,
        m.coverage === null ? '—' : formatLevel(m.coverage),
        m.coverageInterval === null
          ? '—'
          : `${formatLevel(m.coverageInterval.lower)} to ${formatLevel(m.coverageInterval.upper)}`,
        m.mae === null ? '—' : formatNumber(m.mae, ERROR_DIGITS),
        m.rmse === null ? '—' : formatNumber(m.rmse, ERROR_DIGITS),
        m.belowPromise ? h('span', { className: 'jp-cryoprotect-Warning' }, 'below promise') : ''
      ])
    );
  }

  export function results(payload: CoveragePayload): HTMLTableElement {
    const unit = payload.property.unit;
    return dataTable(
      'jp-cryoprotect-CoverageResults',
      [
        { label: 'Subject' },
        { label: titleWithUnit('Predicted', unit), numeric: true },
        { label: titleWithUnit('Interval', unit), numeric: true },
        { label: titleWithUnit('Measured', unit), numeric: true },
        { label: 'Inside' },
        { label: 'Verified (UTC)' }
      ],
      payload.results.map(r => [
        r.subject ?? '—',
        { text: formatNumber(r.predicted, 4), title: String(r.predicted) },
        r.lower === null || r.upper === null
          ? '—'
          : `${formatNumber(r.lower, 4)} to ${formatNumber(r.upper, 4)}${r.level === null ? '' : ` (${formatLevel(r.level)})`}`,
        { text: formatNumber(r.measured), title: String(r.measured) },
        r.inside === null
          ? '—'
          : r.inside
            ? 'yes'
            : h('span', { className: 'jp-cryoprotect-Warning' }, 'no'),
        { text: r.verifiedAt.replace('T', ' ').slice(0, 16), title: r.verifiedAt }
      ])
    );
  }
}
