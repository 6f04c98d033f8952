import { formatCell, titleWithUnit } from './format';

/** Rows text/plain shows of a table: a console is not a grid, the rest is counted. */
export const TEXT_ROW_LIMIT = 10;

/** A plain-text table with aligned columns, units in the headers; for text/plain. */
export function textTable(
  columns: readonly { key: string; title: string; unit?: string; digits?: number }[],
  rows: readonly Record<string, string | number | boolean | null>[],
  totalRows: number = rows.length,
  limit: number = TEXT_ROW_LIMIT
): string {
  const header = columns.map(c => titleWithUnit(c.title, c.unit));
  const shown = rows.slice(0, limit);
  const cells = shown.map(row => columns.map(c => formatCell(row[c.key] ?? null, c.digits)));
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map(r => r[i].length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  const more = Math.max(totalRows, rows.length) - shown.length;
  return [
    line(header),
    ...cells.map(line),
    ...(more > 0 ? [`... ${more} more rows (${Math.max(totalRows, rows.length)} in all)`] : [])
  ].join('\n');
}
