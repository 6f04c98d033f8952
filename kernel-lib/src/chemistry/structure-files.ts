import { readCsvRecords } from '../csv-records';
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
  return readStructureCsvTable(text, name, options).rows;
}

/** A CSV of structures with all its columns (readStructureCsvTable). */
export interface StructureCsv {
  /** One per record, with the line it starts on. */
  rows: StructureRow[];
  /** The header, in file order. */
  columns: string[];
  /** The cells of each row as the file has them, in the header's order (missing cells empty). */
  cells: string[][];
}

/**
 * The structures of a CSV's text with every column, so a writer can carry the file's other
 * columns (names, ids, measurements) next to what it computes. `name` (a file name) is how
 * messages call the text.
 */
export function readStructureCsvTable(
  text: string,
  name: string,
  options: StructureColumns = {}
): StructureCsv {
  let records: { record: string[]; line: number }[];
  try {
    records = readCsvRecords(text);
  } catch (error) {
    throw new StructureFileError(`${name} is not valid CSV: ${(error as Error).message}`);
  }
  const header = records[0]?.record;
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
  const smilesAt = header.indexOf(smilesColumn);
  const idAt = idColumn === undefined ? -1 : header.indexOf(idColumn);
  const body = records.slice(1);
  return {
    rows: body.map(({ record, line }) => ({
      line,
      id: idAt >= 0 ? record[idAt] : undefined,
      structure: record[smilesAt] ?? ''
    })),
    columns: header,
    cells: body.map(({ record }) => header.map((_, i) => record[i] ?? ''))
  };
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

/**
 * A SMILES file: one structure per line, `SMILES [id or name]` separated by whitespace (the
 * Daylight .smi form). Blank lines and lines starting with "#" are skipped; lines keep their
 * numbers in the file.
 */
export function readSmi(text: string): StructureRow[] {
  const rows: StructureRow[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) {
      return;
    }
    const space = line.search(/\s/);
    const structure = space < 0 ? line : line.slice(0, space);
    const id = space < 0 ? '' : line.slice(space).trim();
    rows.push({ line: i + 1, structure, ...(id ? { id } : {}) });
  });
  return rows;
}
