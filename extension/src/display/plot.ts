import type { Widget } from '@lumino/widgets';
import { dataTable, h } from './dom';
import { formatCell } from '@cryoprotect/kernel/display';

/**
 * Draws a Vega-Lite spec with JupyterLab's own Vega renderer, or answers null when that renderer
 * is not registered (then the output shows the plot's data as a table and says so).
 */
export type PlotRenderer = (
  spec: Record<string, unknown>,
  trusted: boolean
) => Promise<Widget | null>;

/** How many rows of a plot's data the table fallback shows. */
const FALLBACK_ROWS = 50;

/**
 * A payload's plot as output parts: JupyterLab's Vega rendering (loaded only when an output has a
 * plot to draw), or its data as a table; a heading only where Vega would not draw the spec's title.
 */
export async function plotParts(
  plot: { title: string; spec: Record<string, unknown> },
  renderer: PlotRenderer | null,
  trusted: boolean
): Promise<(Node | Widget)[]> {
  const widget = renderer ? await renderer(plot.spec, trusted) : null;
  const parts: (Node | Widget)[] = [];
  // Vega draws the spec's own title; a heading above it would say it twice.
  if (!widget || plot.spec.title === undefined) {
    parts.push(h('h4', { className: 'jp-cryoprotect-PlotTitle' }, plot.title));
  }
  parts.push(widget ?? Private.plotData(plot.spec));
  return parts;
}

namespace Private {
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
