/**
 * The molecule grid's logic without a DOM: text filtering, sorting by any column, paging and
 * selection, all over row indices so that 100,000 rows are never copied.
 */
import type { MoleculesPayload } from '@cryoprotect/kernel';

export type GridRow = MoleculesPayload['rows'][number];
export type GridColumn = MoleculesPayload['columns'][number];
export type CellValue = GridRow['values'][string];

/** The record columns every row has, besides the payload's own columns. */
export const RECORD_COLUMNS = ['name', 'id', 'smiles'] as const;
export type RecordColumn = (typeof RECORD_COLUMNS)[number];

export type SortDirection = 'ascending' | 'descending';

export interface ISortOrder {
  /** 'name', 'id', 'smiles' or the key of one of the payload's columns. */
  column: string;
  direction: SortDirection;
}

/** The value of `column` in `row`: a record field or one of its values. */
export function cellOf(row: GridRow, column: string): CellValue {
  if ((RECORD_COLUMNS as readonly string[]).includes(column)) {
    return row[column as RecordColumn];
  }
  return row.values[column] ?? null;
}

/**
 * Indices of the rows whose name, id, SMILES or text values contain every word of `query`
 * (case-insensitive). Numbers are not searched: "1" would match nearly everything.
 */
export function filterByText(
  rows: readonly GridRow[],
  query: string,
  candidates?: readonly number[]
): number[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const indices = candidates ?? rows.map((_, index) => index);
  if (words.length === 0) {
    return [...indices];
  }
  return indices.filter(index => {
    const haystack = Private.haystack(rows[index]);
    return words.every(word => haystack.includes(word));
  });
}

/**
 * `indices` sorted by `order` (a new array). Missing values (null) go last in both directions, so
 * that sorting never hides the rows that have a value; ties keep the incoming order.
 */
export function sortIndices(
  rows: readonly GridRow[],
  indices: readonly number[],
  order: ISortOrder | null
): number[] {
  const sorted = [...indices];
  if (!order) {
    return sorted;
  }
  const sign = order.direction === 'ascending' ? 1 : -1;
  sorted.sort((a, b) => {
    const left = cellOf(rows[a], order.column);
    const right = cellOf(rows[b], order.column);
    if (left === null || right === null) {
      return left === right ? a - b : left === null ? 1 : -1;
    }
    const compared = Private.compare(left, right);
    return compared === 0 ? a - b : sign * compared;
  });
  return sorted;
}

/** Number of pages for `count` items (at least one, so that "page 1 of 1" shows an empty grid). */
export function pageCount(count: number, pageSize: number): number {
  return Math.max(1, Math.ceil(count / pageSize));
}

/** The indices shown on `page` (0-based, clamped to the pages there are). */
export function pageSlice(
  indices: readonly number[],
  page: number,
  pageSize: number
): { page: number; items: number[] } {
  const last = pageCount(indices.length, pageSize) - 1;
  const clamped = Math.min(Math.max(0, page), last);
  return {
    page: clamped,
    items: indices.slice(clamped * pageSize, (clamped + 1) * pageSize)
  };
}

/** The model that scored a grid's rows, when one did (absent in v1 payloads). */
export type GridModel = NonNullable<MoleculesPayload['model']>;

/** The command that opens the prediction panel (registered by predict/plugin.ts). */
export const OPEN_PREDICTION_COMMAND = 'cryoprotect:open-prediction-panel';

/**
 * The arguments of OPEN_PREDICTION_COMMAND for a row of a grid scored by `model`: the model's
 * name, its version when it has one (without, the panel takes the latest registered version),
 * and the row's SMILES.
 */
export function predictionArgs(
  model: GridModel,
  row: GridRow
): { model: string; version?: number; smiles: string } {
  return {
    model: model.name,
    ...(model.version === null ? {} : { version: model.version }),
    smiles: row.smiles
  };
}

/**
 * Which rows are selected, as in a file manager: a click toggles a row and makes it the anchor;
 * a shift-click selects every row between the anchor and the clicked row in the order shown.
 */
export class GridSelection {
  private readonly selected = new Set<number>();
  private anchor: number | null = null;

  get size(): number {
    return this.selected.size;
  }

  has(index: number): boolean {
    return this.selected.has(index);
  }

  /** Selected row indices in the order shown (`order`), then any selected rows filtered out. */
  ordered(order: readonly number[]): number[] {
    const shown = order.filter(index => this.selected.has(index));
    const shownSet = new Set(shown);
    const hidden = [...this.selected].filter(index => !shownSet.has(index)).sort((a, b) => a - b);
    return [...shown, ...hidden];
  }

  click(index: number, order: readonly number[], shift: boolean): void {
    const from = this.anchor === null ? -1 : order.indexOf(this.anchor);
    const to = order.indexOf(index);
    if (shift && from >= 0 && to >= 0) {
      const [start, end] = from <= to ? [from, to] : [to, from];
      for (const row of order.slice(start, end + 1)) {
        this.selected.add(row);
      }
      return;
    }
    if (this.selected.has(index)) {
      this.selected.delete(index);
    } else {
      this.selected.add(index);
    }
    this.anchor = index;
  }

  selectAll(indices: readonly number[]): void {
    for (const index of indices) {
      this.selected.add(index);
    }
  }

  clear(): void {
    this.selected.clear();
    this.anchor = null;
  }
}

namespace Private {
  const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });
  const haystacks = new WeakMap<GridRow, string>();

  /** The searchable text of a row, lower-cased once and kept while the row lives. */
  export function haystack(row: GridRow): string {
    let text = haystacks.get(row);
    if (text === undefined) {
      const values = Object.values(row.values).filter(
        (value): value is string => typeof value === 'string'
      );
      text = [row.name ?? '', row.id ?? '', row.smiles, ...values].join('\u0000').toLowerCase();
      haystacks.set(row, text);
    }
    return text;
  }

  /** Numbers numerically, text in natural order ("mol2" before "mol10"), booleans false first. */
  export function compare(
    left: string | number | boolean,
    right: string | number | boolean
  ): number {
    if (typeof left === 'number' && typeof right === 'number') {
      return left - right;
    }
    if (typeof left === 'boolean' && typeof right === 'boolean') {
      return Number(left) - Number(right);
    }
    return collator.compare(String(left), String(right));
  }
}
