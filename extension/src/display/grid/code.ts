/**
 * What a selection in the molecule grid becomes outside the grid: a code cell for the notebook
 * (the record of what was picked, reproducible and visible), SMILES lines and CSV for the clipboard.
 */
import { titleWithUnit } from '@cryoprotect/kernel/display';
import type { GridColumn, GridRow } from './model';

export interface ISelectionContext {
  /** The grid's title, if the payload has one. */
  title: string | null;
  /** How many rows the grid holds. */
  rowCount: number;
}

/**
 * A TypeScript cell for the tslab kernel that rebuilds the selected records: an array literal of
 * `{ id, smiles, name }`, ids where the database has them (they identify a record, SMILES only a
 * structure), and a comment saying where they were selected. It imports nothing, so it runs
 * whatever the kernel library offers.
 */
export function selectionCode(rows: readonly GridRow[], context: ISelectionContext): string {
  const where = context.title
    ? `the molecule grid "${Private.oneLine(context.title)}"`
    : 'the molecule grid';
  const withIds = rows.filter(row => row.id !== null).length;
  const identity =
    withIds === rows.length
      ? 'each by its database id'
      : withIds === 0
        ? 'by SMILES (the rows carry no database id)'
        : `${withIds} by database id, ${rows.length - withIds} by SMILES only (no id)`;
  const lines = [
    `// ${Private.plural(rows.length, 'molecule')} selected in ${where} of the output above`,
    `// (${rows.length} of ${context.rowCount} rows), ${identity}.`,
    'const selection: { id: string | null; smiles: string; name: string | null }[] = ['
  ];
  for (const row of rows) {
    lines.push(
      `  { id: ${Private.literal(row.id)}, smiles: ${Private.literal(row.smiles)}, name: ${Private.literal(row.name)} },`
    );
  }
  lines.push('];');
  return lines.join('\n');
}

/** One SMILES per line, a name after a space where there is one (the SMILES-file convention). */
export function selectionSmiles(rows: readonly GridRow[]): string {
  return rows
    .map(row => (row.name ? `${row.smiles} ${Private.oneLine(row.name)}` : row.smiles))
    .join('\n');
}

/** RFC 4180 CSV of the selected rows: id, name, SMILES, then every column, units in the header. */
export function selectionCsv(rows: readonly GridRow[], columns: readonly GridColumn[]): string {
  const header = [
    'id',
    'name',
    'smiles',
    ...columns.map(column => titleWithUnit(column.title, column.unit))
  ];
  const lines = [header.map(Private.csvField).join(',')];
  for (const row of rows) {
    // Full precision: CSV is for computing with, not for reading.
    const cells = [
      row.id,
      row.name,
      row.smiles,
      ...columns.map(column => row.values[column.key] ?? null)
    ];
    lines.push(cells.map(Private.csvField).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

namespace Private {
  /** A string or null as TypeScript source; JSON's string syntax is valid TypeScript. */
  export function literal(value: string | null): string {
    return value === null ? 'null' : JSON.stringify(value);
  }

  export function oneLine(text: string): string {
    return text.replace(/\s+/g, ' ').trim();
  }

  export function plural(count: number, noun: string): string {
    return `${count} ${noun}${count === 1 ? '' : 's'}`;
  }

  export function csvField(value: string | number | boolean | null): string {
    if (value === null) {
      return '';
    }
    const text = String(value);
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  }
}
