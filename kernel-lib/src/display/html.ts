import { DisplayError } from './errors';
import { escapeHtml, formatCell, titleWithUnit } from './format';

/**
 * Static HTML for the text/html fallback: what nbconvert, GitHub and a notebook without our
 * extension show. No script, no style sheet, no external URL: inline styles only, so it renders
 * the same offline and survives sanitizers that strip <style> and <script>.
 */

/** Rows a static table shows at most; the rest is counted in a line below it. */
export const HTML_ROW_LIMIT = 200;

export interface HtmlColumn {
  key: string;
  title: string;
  unit?: string;
  digits?: number;
  kind: 'text' | 'number' | 'html';
  /** Least width in pixels (a column of depictions: front ends otherwise squeeze them). */
  minWidth?: number;
  /** Alignment of an 'html' column's cells (default center, for depictions). */
  align?: 'left' | 'center';
  /** What the column holds, shown on hovering its header. */
  description?: string;
}

export type HtmlCell = string | number | boolean | null;

const TABLE = 'border-collapse:collapse;font-size:0.9em';
const CELL = 'border:1px solid #ccc;padding:2px 6px';

/**
 * An HTML table, units in the headers, numbers right-aligned to their significant figures. Cells
 * of kind 'html' are trusted markup made by a builder (a depiction); every other cell is escaped.
 * `totalRows` may exceed the rows given (the kernel kept fewer); the note says how many are left.
 */
export function htmlTable(
  columns: readonly HtmlColumn[],
  rows: readonly Record<string, HtmlCell>[],
  options: { totalRows?: number; limit?: number; caption?: string | null } = {}
): string {
  const limit = options.limit ?? HTML_ROW_LIMIT;
  const shown = rows.slice(0, limit);
  const total = Math.max(options.totalRows ?? rows.length, rows.length);
  // Notebook front ends right-align every cell by default; text reads from the left.
  const head = columns
    .map(
      c =>
        `<th style="${CELL};text-align:${c.kind === 'number' ? 'right' : 'left'}"${c.description === undefined ? '' : ` title="${escapeHtml(c.description)}"`}>${escapeHtml(titleWithUnit(c.title, c.unit))}</th>`
    )
    .join('');
  const body = shown
    .map(row => {
      const cells = columns.map(c => {
        const value = row[c.key] ?? null;
        if (c.kind === 'html') {
          const width = c.minWidth === undefined ? '' : `;min-width:${c.minWidth}px`;
          return `<td style="${CELL};text-align:${c.align ?? 'center'}${width}">${typeof value === 'string' ? value : ''}</td>`;
        }
        const align = c.kind === 'number' ? ';text-align:right' : ';text-align:left';
        return `<td style="${CELL}${align}">${escapeHtml(formatCell(value, c.digits))}</td>`;
      });
      return `<tr>${cells.join('')}</tr>`;
    })
    .join('');
  const caption =
    options.caption !== undefined && options.caption !== null
      ? `<caption style="text-align:left;font-weight:bold">${escapeHtml(options.caption)}</caption>`
      : '';
  const more = total - shown.length;
  const note =
    more > 0
      ? `<p>${escapeHtml(`${shown.length} of ${total} rows shown; ${more} more not shown.`)}</p>`
      : '';
  return `<table style="${TABLE}">${caption}<thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>${note}`;
}

/** A list of notes (limits, why a value is missing), escaped. */
export function htmlNotes(title: string, notes: readonly string[]): string {
  if (notes.length === 0) {
    return '';
  }
  const items = notes.map(n => `<li>${escapeHtml(n)}</li>`).join('');
  return `<p><b>${escapeHtml(title)}</b></p><ul>${items}</ul>`;
}

/**
 * An SVG document (RDKit's depiction, vega's rendering) ready to inline in HTML: the XML
 * declaration goes (it is not allowed inside HTML), and anything that could run or fetch is
 * refused rather than cleaned, because our own renderers never produce it.
 */
export function inlineSvg(svg: string): string {
  const body = svg.replace(/^\s*<\?xml[^>]*\?>\s*/, '');
  const problem = Private.unsafeSvg(body);
  if (problem !== undefined) {
    throw new DisplayError('unsafe_svg', `refusing to inline an SVG with ${problem}`, 'svg');
  }
  return body;
}

/** A fenced block wrapping one output: a font and a margin, nothing that needs a style sheet. */
export function htmlBlock(inner: string): string {
  return `<div style="font-family:sans-serif;margin:4px 0">${inner}</div>`;
}

namespace Private {
  const FORBIDDEN_ELEMENTS = /^(script|foreignobject|iframe|object|embed)$/i;
  const LINK_ATTRIBUTES = /^(href|src|xlink:href)$/i;
  const ATTRIBUTE = /([^\s=/>]+)\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)/g;

  /**
   * What in an SVG could run or fetch: a script-like element, an event handler attribute, or a
   * link to a URL. Tags and attributes are read one by one: text and attribute values (a plot
   * title, an axis label) may contain such words escaped, and are harmless there.
   */
  export function unsafeSvg(svg: string): string | undefined {
    for (const tag of svg.matchAll(/<([a-zA-Z][\w:-]*)((?:[^>"']|"[^"]*"|'[^']*')*)>/g)) {
      if (FORBIDDEN_ELEMENTS.test(tag[1])) {
        return `a <${tag[1]}> element`;
      }
      for (const [, name, quoted] of tag[2].matchAll(ATTRIBUTE)) {
        const value = quoted.replace(/^["']|["']$/g, '').trim();
        if (/^on/i.test(name)) {
          return `an event handler (${name})`;
        }
        if (LINK_ATTRIBUTES.test(name) && !value.startsWith('#')) {
          return `a link (${name}="${value.slice(0, 40)}")`;
        }
      }
    }
    return undefined;
  }
}
