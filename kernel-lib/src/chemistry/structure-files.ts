import { parse } from 'csv-parse/sync';
import type { StructureRow } from './describe';

/** A structure file that cannot be read as asked (not CSV, no such column). */
export class StructureFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StructureFileError';
  }
}

export interface StructureColumns {
  /** Column holding SMILES (CSV); default: the first column named "smiles" in any case. */
  smilesColumn?: string;
  /** Column holding an identifier (CSV); default: a column named "id" or "name", if any. */
  idColumn?: string;
}

/**
 * The structures of a CSV's text, one per record, with the line each came from. `name` (a file
 * name) is how messages call the text.
 */
export function readStructureCsv(
  text: string,
  name: string,
  options: StructureColumns = {}
): StructureRow[] {
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
    throw new StructureFileError(`${name} is not valid CSV: ${(error as Error).message}`);
  }
  const header = parse(text.split(/\r?\n/, 1)[0], { bom: true })[0] as string[] | undefined;
  if (!header || header.length === 0) {
    throw new StructureFileError(`${name} has no header line`);
  }
  const smilesColumn =
    options.smilesColumn ?? header.find(h => h.trim().toLowerCase() === 'smiles');
  if (!smilesColumn || !header.includes(smilesColumn)) {
    throw new StructureFileError(
      `${name} has no ${options.smilesColumn ? `column "${options.smilesColumn}"` : 'SMILES column'} (columns: ${header.join(', ')}); name it with --smiles-column`
    );
  }
  const idColumn = options.idColumn ?? header.find(h => /^(id|name)$/i.test(h.trim()));
  if (options.idColumn && !header.includes(options.idColumn)) {
    throw new StructureFileError(
      `${name} has no column "${options.idColumn}" (columns: ${header.join(', ')})`
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
  const pushRecord = (record: string[], line: number): void => {
    if (record.every(l => l.trim() === '')) {
      return;
    }
    const end = record.findIndex(l => l.startsWith('M  END'));
    const block = end >= 0 ? record.slice(0, end + 1).join('\n') : record.join('\n');
    rows.push({ line, id: record[0].trim() || undefined, structure: block });
  };
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() === '$$$$') {
      pushRecord(lines.slice(start, i), start + 1);
      start = i + 1;
    }
  }
  pushRecord(lines.slice(start), start + 1);
  return rows;
}
