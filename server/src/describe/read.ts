import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import type { StructureRow } from '@cryoprotect/kernel';

export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

export interface ReadOptions {
  /** Column holding SMILES (CSV); default: the first column named "smiles" in any case. */
  smilesColumn?: string;
  /** Column holding an identifier (CSV); default: a column named "id" or "name", if any. */
  idColumn?: string;
}

/** Read structures from a CSV file with a SMILES column, or an SDF file (by extension). */
export function readStructures(path: string, options: ReadOptions = {}): StructureRow[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new InputError(
      `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`
    );
  }
  return /\.sdf$/i.test(path) ? readSdf(text) : readCsv(text, path, options);
}

export function readCsv(text: string, path: string, options: ReadOptions): StructureRow[] {
  let records: { record: Record<string, string>; info: { lines: number } }[];
  try {
    records = parse(text, {
      columns: true,
      info: true,
      skip_empty_lines: true,
      bom: true,
      relax_column_count: true
    });
  } catch (error) {
    throw new InputError(`${path} is not valid CSV: ${(error as Error).message}`);
  }
  const header = parse(text.split(/\r?\n/, 1)[0], { bom: true })[0] as string[] | undefined;
  if (!header || header.length === 0) {
    throw new InputError(`${path} has no header line`);
  }
  const smilesColumn =
    options.smilesColumn ?? header.find(h => h.trim().toLowerCase() === 'smiles');
  if (!smilesColumn || !header.includes(smilesColumn)) {
    throw new InputError(
      `${path} has no ${options.smilesColumn ? `column "${options.smilesColumn}"` : 'SMILES column'} (columns: ${header.join(', ')}); name it with --smiles-column`
    );
  }
  const idColumn = options.idColumn ?? header.find(h => /^(id|name)$/i.test(h.trim()));
  if (options.idColumn && !header.includes(options.idColumn)) {
    throw new InputError(
      `${path} has no column "${options.idColumn}" (columns: ${header.join(', ')})`
    );
  }
  return records.map(({ record, info }) => ({
    // info.lines is the line where the record ends; records here span one line.
    line: info.lines,
    id: idColumn ? record[idColumn] : undefined,
    structure: record[smilesColumn] ?? ''
  }));
}

/** SDF: MOL blocks separated by "$$$$"; the title line becomes the id. */
export function readSdf(text: string): StructureRow[] {
  const lines = text.split(/\r?\n/);
  const rows: StructureRow[] = [];
  let start = 0;
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() === '$$$$') {
      pushRecord(lines.slice(start, i), start + 1);
      start = i + 1;
    }
  }
  pushRecord(lines.slice(start), start + 1);
  return rows;

  function pushRecord(record: string[], line: number): void {
    if (record.every(l => l.trim() === '')) {
      return;
    }
    const end = record.findIndex(l => l.startsWith('M  END'));
    const block = end >= 0 ? record.slice(0, end + 1).join('\n') : record.join('\n');
    rows.push({ line, id: record[0].trim() || undefined, structure: block });
  }
}
