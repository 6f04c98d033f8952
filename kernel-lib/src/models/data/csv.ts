import { readCsvRecords } from '../../csv-records';
import { ChemistryError, loadRDKit, parseWith, type RDKitModule } from '../../chemistry';
import type { SnapshotColumn, SnapshotColumnType, SnapshotTable } from '../../datasets/canonical';
import { loadArquero, type ColumnTable } from './arquero';

export interface CsvTableOptions {
  /** Column holding each row's structure as SMILES, checked by RDKit (none for tables without one, e.g. of mixtures). */
  smilesColumn?: string;
  /** Column holding the measured value to learn; rows without a finite number there are rejected. */
  targetColumn?: string;
  /**
   * Further columns read as numbers (e.g. "Concentration (mM)"): an empty cell becomes null, any
   * other text that is not a decimal number rejects the row.
   */
  numberColumns?: readonly string[];
  /** Columns to keep, in this order (default: every column of the file, in file order). */
  columns?: readonly string[];
}

/** A row left out of the table, with where and why. */
export interface RejectedRow {
  /** Line in the file where the record starts (1 = the header line). */
  line: number;
  /** The column at fault, when one is. */
  column?: string;
  reason: string;
  /** The row's cells as text, by column name. */
  values: Record<string, string>;
}

export interface CsvTable {
  /** The valid rows; SMILES and text columns as strings (empty cells null), number columns as numbers. */
  table: ColumnTable;
  /** File line of each table row, aligned with the table's rows. */
  lines: number[];
  /** Every row not in `table`, in file order: none is dropped silently. */
  rejected: RejectedRow[];
  /** Snapshot type of each kept column. */
  columnTypes: Record<string, SnapshotColumnType>;
}

/** A CSV whose header cannot serve the request (a missing or repeated column). */
export class CsvTableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CsvTableError';
  }
}

/** A CSV cell as written: quoted when it holds a quote, a comma or a line break (LF or CR). */
export function csvCell(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The records of a CSV's text by line: the same records, by the same lines, as readCsvTable reads. */
export { readCsvRecords };

/**
 * A column name for a computed column that no column of `taken` already has: `name` itself, else
 * `name_2`, `name_3`, ... (e.g. predicting a file that already has a "prediction" column).
 */
export function freeColumnName(name: string, taken: Iterable<string>): string {
  const names = new Set(taken);
  if (!names.has(name)) {
    return name;
  }
  let n = 2;
  while (names.has(`${name}_${n}`)) {
    n++;
  }
  return `${name}_${n}`;
}

/**
 * Read a CSV's text into an arquero table of its valid rows (a file is read by `readCsvFile` of
 * `@cryoprotect/kernel/node`). A row is rejected,
 * with its line and reason, when it has the wrong number of cells, its SMILES (if the table has a
 * SMILES column) is empty or not parsed by RDKit, its target is missing or not a number, or a
 * number column holds text.
 */
export async function readCsvTable(
  source: { text: string },
  options: CsvTableOptions
): Promise<CsvTable> {
  const { text } = source;
  const [aq, rdkit] = await Promise.all([loadArquero(), loadRDKit()]);
  const records = readCsvRecords(text);
  if (records.length === 0) {
    throw new CsvTableError('the CSV is empty: it has no header line');
  }
  const header = records[0].record;
  const columns = Private.chooseColumns(header, options);
  const numeric = new Set([
    ...(options.numberColumns ?? []),
    ...(options.targetColumn ? [options.targetColumn] : [])
  ]);
  const columnTypes: Record<string, SnapshotColumnType> = {};
  for (const name of columns) {
    columnTypes[name] = numeric.has(name) ? 'number' : 'text';
  }
  const data: Record<string, (string | number | null)[]> = Object.fromEntries(
    columns.map(c => [c, []])
  );
  const lines: number[] = [];
  const rejected: RejectedRow[] = [];
  const smilesVerdicts = new Map<string, string | undefined>();
  for (const { record, line } of records.slice(1)) {
    const values = Object.fromEntries(header.map((name, i) => [name, record[i] ?? '']));
    const verdict = Private.checkRow(
      rdkit,
      record,
      header,
      columns,
      numeric,
      options,
      smilesVerdicts
    );
    if ('reason' in verdict) {
      rejected.push({ line, ...verdict, values });
      continue;
    }
    lines.push(line);
    columns.forEach((name, c) => data[name].push(verdict.cells[c]));
  }
  return { table: aq.table(data), lines, rejected, columnTypes };
}

/**
 * The table as a dataset snapshot (datasets/canonical.ts): its columns in table order and its rows,
 * ready for `snapshotHash`. Column types come from `types` where given, otherwise from the values:
 * numbers -> "number" (never "integer", so the type does not hang on whether values happen to be
 * whole), strings -> "text", booleans -> "boolean", only nulls -> "text"; mixed columns are refused.
 */
export function snapshotTable(
  table: ColumnTable,
  types: Record<string, SnapshotColumnType> = {}
): SnapshotTable {
  const names = table.columnNames();
  const arrays = names.map(name => table.array(name) as ArrayLike<unknown>);
  const columns: SnapshotColumn[] = names.map((name, c) => ({
    name,
    type: types[name] ?? Private.inferType(name, arrays[c])
  }));
  const rows: unknown[][] = [];
  for (let r = 0; r < table.numRows(); r++) {
    rows.push(arrays.map(values => (values[r] === undefined ? null : values[r])));
  }
  return { columns, rows };
}

namespace Private {
  const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

  export function chooseColumns(header: string[], options: CsvTableOptions): string[] {
    const seen = new Set<string>();
    for (const name of header) {
      if (seen.has(name)) {
        throw new CsvTableError(`the CSV header repeats the column "${name}"`);
      }
      seen.add(name);
    }
    const wanted = [
      ...(options.smilesColumn !== undefined ? [options.smilesColumn] : []),
      ...(options.targetColumn ? [options.targetColumn] : []),
      ...(options.numberColumns ?? []),
      ...(options.columns ?? [])
    ];
    for (const name of wanted) {
      if (!seen.has(name)) {
        throw new CsvTableError(
          `the CSV has no column "${name}"; its columns are ${header.map(h => `"${h}"`).join(', ')}`
        );
      }
    }
    if (!options.columns) {
      return header;
    }
    const kept = [...options.columns];
    for (const name of wanted) {
      if (!kept.includes(name)) {
        kept.push(name);
      }
    }
    return kept;
  }

  export function checkRow(
    rdkit: RDKitModule,
    record: string[],
    header: string[],
    columns: string[],
    numeric: Set<string>,
    options: CsvTableOptions,
    smilesVerdicts: Map<string, string | undefined>
  ): { cells: (string | number | null)[] } | { column?: string; reason: string } {
    if (record.length !== header.length) {
      return { reason: `has ${record.length} cells but the header has ${header.length} columns` };
    }
    const cell = (name: string): string => record[header.indexOf(name)];
    const smiles = options.smilesColumn !== undefined ? cell(options.smilesColumn).trim() : '';
    if (options.smilesColumn !== undefined) {
      if (smiles === '') {
        return { column: options.smilesColumn, reason: 'the SMILES is missing' };
      }
      if (!smilesVerdicts.has(smiles)) {
        smilesVerdicts.set(smiles, smilesProblem(rdkit, smiles));
      }
      const problem = smilesVerdicts.get(smiles);
      if (problem !== undefined) {
        return { column: options.smilesColumn, reason: problem };
      }
    }
    const cells: (string | number | null)[] = [];
    for (const name of columns) {
      const value = cell(name);
      if (!numeric.has(name)) {
        cells.push(name === options.smilesColumn ? smiles : value === '' ? null : value);
        continue;
      }
      const trimmed = value.trim();
      if (trimmed === '') {
        if (name === options.targetColumn) {
          return { column: name, reason: `the target "${name}" is missing` };
        }
        cells.push(null);
      } else if (!DECIMAL.test(trimmed) || !Number.isFinite(Number(trimmed))) {
        return { column: name, reason: `"${value}" in "${name}" is not a number` };
      } else {
        cells.push(Number(trimmed));
      }
    }
    return { cells };
  }

  /** Why RDKit refuses a SMILES, or undefined when it parses. */
  function smilesProblem(rdkit: RDKitModule, smiles: string): string | undefined {
    try {
      parseWith(rdkit, smiles).delete();
      return undefined;
    } catch (error) {
      if (error instanceof ChemistryError) {
        return error.message;
      }
      throw error;
    }
  }

  export function inferType(name: string, values: ArrayLike<unknown>): SnapshotColumnType {
    const kinds = new Set<string>();
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v !== null && v !== undefined) {
        kinds.add(typeof v);
      }
    }
    if (kinds.size === 0) {
      return 'text';
    }
    if (kinds.size === 1) {
      const [kind] = kinds;
      const type = ({ number: 'number', string: 'text', boolean: 'boolean' } as const)[
        kind as 'number' | 'string' | 'boolean'
      ];
      if (type) {
        return type;
      }
    }
    throw new Error(
      `column "${name}" holds ${[...kinds].sort().join(' and ')} values; give its snapshot type explicitly`
    );
  }
}
