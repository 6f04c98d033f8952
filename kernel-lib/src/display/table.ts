import { Displayable } from './bundle';
import { DisplayError } from './errors';
import { HTML_ROW_LIMIT, htmlBlock, htmlTable } from './html';
import type { TablePayload } from './payloads';
import { textTable } from './text';

type Cell = string | number | boolean | null;

/** What a table column says about itself; every field but the key is optional. */
export interface TableColumnOptions {
  title?: string;
  unit?: string;
  digits?: number;
  description?: string;
}

export interface TableOptions {
  title?: string;
  /** Column order and metadata by key; default: the keys of the rows in order of appearance. */
  columns?: Record<string, TableColumnOptions>;
  /** Rows kept in the payload and the HTML (default 200); the rest is counted in totalRows. */
  limit?: number;
}

/** The subset of an arquero table the builders read (columnNames and objects). */
export interface ArqueroLike {
  columnNames(): string[];
  objects(options?: { limit?: number }): object[];
  numRows(): number;
}

/** True for an arquero table (or anything with its columnNames/objects/numRows methods). */
export function isArqueroTable(value: unknown): value is ArqueroLike {
  const v = value as Partial<ArqueroLike> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.columnNames === 'function' &&
    typeof v.objects === 'function' &&
    typeof v.numRows === 'function'
  );
}

/**
 * Plain rows (objects, or an arquero table) as a table, units in the headers. Cells must be
 * text, numbers, booleans or null; anything else is refused naming the row and column, because
 * a display that silently stringifies an object hides a mistake.
 */
export function tableDisplay(
  input: readonly Record<string, unknown>[] | ArqueroLike,
  options: TableOptions = {}
): Displayable<'table'> {
  const limit = options.limit ?? HTML_ROW_LIMIT;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new DisplayError('invalid_input', `must be a whole number >= 1 (got ${limit})`, 'limit');
  }
  const { rows: raw, total, keys } = tableRows(input, limit);
  const order = options.columns === undefined ? keys : Object.keys(options.columns);
  const rows = raw.map((row, i) => {
    const out: Record<string, Cell> = {};
    for (const key of order) {
      out[key] = cell(row[key], `rows[${i}].${key}`);
    }
    return out;
  });
  const columns: TablePayload['columns'] = order.map(key => {
    const meta = options.columns?.[key] ?? {};
    const numeric = rows.some(r => typeof r[key] === 'number');
    return {
      key,
      title: meta.title ?? key,
      kind: numeric ? 'number' : 'text',
      ...(meta.unit === undefined ? {} : { unit: meta.unit }),
      ...(meta.digits === undefined ? {} : { digits: meta.digits }),
      ...(meta.description === undefined ? {} : { description: meta.description })
    };
  });
  const payload: TablePayload = { title: options.title ?? null, columns, rows, totalRows: total };
  const html = htmlBlock(htmlTable(columns, rows, { totalRows: total, caption: payload.title }));
  const text = [
    ...(payload.title === null ? [] : [payload.title]),
    textTable(columns, rows, total)
  ];
  return new Displayable('table', payload, { text: text.join('\n'), html });
}

/** The first `limit` rows as objects, the total count and the column keys in order. */
export function tableRows(
  input: readonly Record<string, unknown>[] | ArqueroLike,
  limit: number
): { rows: Record<string, unknown>[]; total: number; keys: string[] } {
  if (isArqueroTable(input)) {
    return {
      rows: input.objects({ limit }) as Record<string, unknown>[],
      total: input.numRows(),
      keys: input.columnNames()
    };
  }
  if (!Array.isArray(input)) {
    throw new DisplayError('invalid_input', 'must be an array of rows or an arquero table', 'rows');
  }
  const keys = new Set<string>();
  for (const row of input) {
    Object.keys(row).forEach(k => keys.add(k));
  }
  return { rows: input.slice(0, limit), total: input.length, keys: [...keys] };
}

function cell(value: unknown, field: string): Cell {
  if (value === undefined || value === null) {
    return null;
  }
  if (typeof value === 'number') {
    // JSON has no NaN or infinity: a missing number is null, shown empty, never a made-up value.
    return Number.isFinite(value) ? value : null;
  }
  if (typeof value === 'string' || typeof value === 'boolean') {
    return value;
  }
  if (value instanceof Date) {
    return value.toISOString();
  }
  throw new DisplayError(
    'invalid_input',
    `a table cell must be text, a number, a boolean or empty (got ${typeof value})`,
    field
  );
}
