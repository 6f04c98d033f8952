import { stringify } from 'csv-stringify/sync';
import { DESCRIPTORS, type DescribedRow } from '@cryoprotect/kernel';

export type OutputFormat = 'csv' | 'json';

/** CSV: one row per valid structure, descriptors as columns named as in DESCRIPTORS. */
export function formatCsv(rows: DescribedRow[]): string {
  const names = DESCRIPTORS.map(d => d.name);
  const records = rows.flatMap(row =>
    'error' in row
      ? []
      : [
          [
            row.line,
            row.id ?? '',
            row.input.includes('\n') ? '' : row.input,
            row.smiles,
            row.inchikey,
            ...names.map(n => row.descriptors[n])
          ]
        ]
  );
  return stringify([['line', 'id', 'input', 'smiles', 'inchikey', ...names], ...records]);
}

/** JSON: the descriptor definitions (with units), the valid rows and the invalid rows. */
export function formatJson(rows: DescribedRow[], rdkitVersion: string): string {
  return JSON.stringify(
    {
      rdkitVersion,
      descriptors: DESCRIPTORS,
      rows: rows.filter(r => !('error' in r)),
      invalid: rows.filter(r => 'error' in r)
    },
    null,
    1
  );
}
