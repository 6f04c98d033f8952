import { stringify } from 'csv-stringify/sync';
import { DESCRIPTORS, freeColumnName, type DescribedRow } from '@cryoprotect/kernel';

export type OutputFormat = 'csv' | 'json';

/** The input file's own columns: its header, and the cells of each row in that order (CSV). */
export interface SourceColumns {
  columns?: string[];
  /** Aligned with the described rows: cells[i] belongs to rows[i]. */
  cells?: string[][];
}

/**
 * CSV: one row per valid structure. From a CSV: the line, every column of the input as it was
 * (ids, names, measurements, in file order), then the canonical SMILES, the InChIKey and the
 * descriptors named as in DESCRIPTORS (a computed column whose name the input already uses gets
 * a suffix, e.g. smiles_2). From an SDF: line, id (the title), input, smiles, inchikey and the
 * descriptors. Counts are written as integers, other values by descriptorCell.
 */
export function formatCsv(rows: DescribedRow[], source: SourceColumns = {}): string {
  const names = DESCRIPTORS.map(d => d.name);
  const kept = Private.kept(rows, source);
  const taken = new Set(kept?.columns ?? []);
  const computed = (name: string) => {
    const free = freeColumnName(name, taken);
    taken.add(free);
    return free;
  };
  const header = kept
    ? [computed('line'), ...kept.columns, ...['smiles', 'inchikey', ...names].map(computed)]
    : ['line', 'id', 'input', 'smiles', 'inchikey', ...names];
  const records = rows.flatMap((row, i) =>
    'error' in row
      ? []
      : [
          [
            row.line,
            ...(kept ? kept.cells[i] : [row.id ?? '', row.input.includes('\n') ? '' : row.input]),
            row.smiles,
            row.inchikey,
            ...names.map(n => descriptorCell(row.descriptors[n]))
          ]
        ]
  );
  return stringify([header, ...records]);
}

/**
 * A descriptor as a CSV cell: an integer (counts, charges) as it is; any other number to 6
 * significant figures (the displays' default: enough not to hide a difference, few enough to hide
 * floating-point noise, 92.09400000000001 -> 92.094) but never fewer than 4 decimals, so a
 * monoisotopic mass keeps 0.1 mDa (1234.5678, not 1234.57). Values are RDKit's sums of tabulated
 * contributions (TPSA to 0.01 Å², Crippen logP to 0.0001): no digit they carry is lost.
 */
export function descriptorCell(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) {
    return '';
  }
  if (Number.isInteger(value)) {
    return String(value);
  }
  const decimals = Math.max(4, 5 - Math.floor(Math.log10(Math.abs(value))));
  return String(Number(value.toFixed(Math.min(decimals, 100))));
}

/**
 * JSON: the descriptor definitions (with units), the valid rows and the invalid rows; from a CSV,
 * each row also carries its input cells as `columns` (column name -> text). Numbers are the
 * doubles RDKit computed, unrounded, for programs comparing them.
 */
export function formatJson(
  rows: DescribedRow[],
  rdkitVersion: string,
  source: SourceColumns = {}
): string {
  const kept = Private.kept(rows, source);
  const withColumns = rows.map((row, i) =>
    kept
      ? { ...row, columns: Object.fromEntries(kept.columns.map((c, j) => [c, kept.cells[i][j]])) }
      : row
  );
  return JSON.stringify(
    {
      rdkitVersion,
      descriptors: DESCRIPTORS,
      rows: withColumns.filter(r => !('error' in r)),
      invalid: withColumns.filter(r => 'error' in r)
    },
    null,
    1
  );
}

namespace Private {
  /** The input's columns when there is a row of cells for every described row (a CSV). */
  export function kept(
    rows: DescribedRow[],
    source: SourceColumns
  ): { columns: string[]; cells: string[][] } | undefined {
    const { columns, cells } = source;
    return columns !== undefined && cells !== undefined && cells.length === rows.length
      ? { columns, cells }
      : undefined;
  }
}
