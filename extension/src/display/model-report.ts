import type { ModelReportPayload } from '@cryoprotect/kernel';
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import type { Widget } from '@lumino/widgets';
import { dataTable, h, list, section } from './dom';
import {
  formatCell,
  formatInterval,
  formatLevel,
  formatNumber,
  formatQuantity,
  titleWithUnit
} from '@cryoprotect/kernel/display';
import { modelFacts, modelName } from './model-ref';
import { PayloadRenderer, type IRenderContext } from './renderer';

/**
 * Draws a Vega-Lite spec with JupyterLab's own Vega renderer, or answers null when that renderer
 * is not registered (then the report shows the plot's data as a table and says so).
 */
export type PlotRenderer = (
  spec: Record<string, unknown>,
  trusted: boolean
) => Promise<Widget | null>;

/** How many rows of a plot's data the table fallback shows. */
const FALLBACK_ROWS = 50;

/**
 * A model's validation report: the model and dataset snapshot, the validation scheme, metrics with
 * their intervals, interval coverage, feature importance, the plots and the notes.
 */
export class ModelReportRenderer extends PayloadRenderer<ModelReportPayload> {
  constructor(
    options: IRenderMime.IRendererOptions,
    private readonly plot: PlotRenderer | null
  ) {
    super('modelReport', options);
  }

  protected async render(
    payload: ModelReportPayload,
    context: IRenderContext
  ): Promise<(Node | Widget)[]> {
    const { validation } = payload;
    const importance = [...payload.importance].sort((a, b) => b.mean - a.mean);
    const top =
      importance.length > 0 ? Math.max(...importance.map(item => Math.abs(item.mean))) : 0;
    const parts: (Node | Widget)[] = [
      h(
        'div',
        { className: 'jp-cryoprotect-Report' },
        h('h3', { className: 'jp-cryoprotect-Title' }, `Model report: ${modelName(payload.model)}`),
        h(
          'p',
          { className: 'jp-cryoprotect-Lead' },
          `Predicts ${payload.property.name} (${payload.property.unit}).`
        ),
        modelFacts(payload.model),
        section(
          'Validation',
          h(
            'p',
            {},
            `${validation.scheme}: ${validation.folds} fold${validation.folds === 1 ? '' : 's'} over ${validation.rows} rows.`
          )
        ),
        section(
          'Metrics',
          dataTable(
            'jp-cryoprotect-Metrics',
            [
              { label: 'Metric' },
              { label: 'Value', numeric: true },
              { label: 'Interval', numeric: true }
            ],
            payload.metrics.map(metric => [
              metric.name,
              {
                text: formatQuantity(metric.value, metric.unit, metric.digits),
                title: String(metric.value)
              },
              {
                text:
                  formatInterval(
                    metric.lower,
                    metric.upper,
                    metric.intervalLevel ?? null,
                    metric.digits
                  ) ?? '—',
                title: metric.intervalMethod ?? ''
              }
            ])
          ),
          payload.coverage
            ? h(
                'p',
                {},
                `Interval coverage: ${formatLevel(payload.coverage.observed)} observed for ${formatLevel(payload.coverage.nominal)} nominal.`
              )
            : h(
                'p',
                { className: 'jp-cryoprotect-Muted' },
                'The model gives no intervals, so no coverage is reported.'
              )
        ),
        importance.length > 0
          ? section(
              'Feature importance',
              dataTable(
                'jp-cryoprotect-Importance',
                [
                  { label: 'Feature family' },
                  {
                    label: titleWithUnit('Mean increase of RMSE', payload.property.unit),
                    numeric: true
                  },
                  { label: 'SD', numeric: true },
                  { label: '' }
                ],
                importance.map(item => [
                  item.feature,
                  formatNumber(item.mean, 3),
                  formatNumber(item.std, 2),
                  Private.bar(top === 0 ? 0 : Math.abs(item.mean) / top)
                ])
              ),
              payload.importanceMethod
                ? h('p', { className: 'jp-cryoprotect-Muted' }, `${payload.importanceMethod}.`)
                : null
            )
          : null
      )
    ];
    for (const plot of payload.plots) {
      const widget = this.plot ? await this.plot(plot.spec, context.trusted) : null;
      // Vega draws the spec's own title; a heading above it would say it twice.
      if (!widget || plot.spec.title === undefined) {
        parts.push(h('h4', { className: 'jp-cryoprotect-PlotTitle' }, plot.title));
      }
      parts.push(widget ?? Private.plotData(plot.spec));
    }
    if (payload.notes.length > 0) {
      parts.push(section('Notes', list('jp-cryoprotect-Notes', payload.notes)));
    }
    return parts;
  }
}

namespace Private {
  export function bar(fraction: number): HTMLElement {
    const bar = h('span', { className: 'jp-cryoprotect-Bar', attrs: { 'aria-hidden': 'true' } });
    bar.style.width = `${Math.round(fraction * 100)}%`;
    return h('span', { className: 'jp-cryoprotect-BarTrack' }, bar);
  }

  /** The records a Vega-Lite spec carries inline: `data.values`, else its first named dataset. */
  export function records(spec: Record<string, unknown>): Record<string, unknown>[] {
    const data = spec.data as { values?: unknown } | undefined;
    if (data && Array.isArray(data.values)) {
      return data.values as Record<string, unknown>[];
    }
    const datasets = spec.datasets as Record<string, unknown> | undefined;
    const first = datasets ? Object.values(datasets).find(Array.isArray) : undefined;
    return (first as Record<string, unknown>[] | undefined) ?? [];
  }

  /** Without JupyterLab's Vega renderer: the plot's data as a table, and why. */
  export function plotData(spec: Record<string, unknown>): HTMLElement {
    const rows = records(spec).filter(row => row !== null && typeof row === 'object');
    const columns = [...new Set(rows.slice(0, FALLBACK_ROWS).flatMap(row => Object.keys(row)))];
    const cell = (value: unknown) =>
      typeof value === 'number' ||
      typeof value === 'string' ||
      typeof value === 'boolean' ||
      value === null
        ? formatCell(value, typeof value === 'number' ? 4 : undefined)
        : JSON.stringify(value);
    return h(
      'div',
      { className: 'jp-cryoprotect-PlotFallback' },
      h(
        'p',
        { className: 'jp-cryoprotect-Muted' },
        `JupyterLab's Vega renderer is not available here, so the plot's data are shown as a table${rows.length > FALLBACK_ROWS ? ` (first ${FALLBACK_ROWS} of ${rows.length} rows)` : ''}.`
      ),
      rows.length === 0
        ? h('p', {}, 'The plot carries no inline data.')
        : dataTable(
            'jp-cryoprotect-PlotData',
            columns.map(column => ({ label: column })),
            rows.slice(0, FALLBACK_ROWS).map(row => columns.map(column => cell(row[column])))
          )
    );
  }
}
