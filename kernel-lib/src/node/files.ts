import { readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import {
  StructureFileError,
  readSdf,
  readStructureCsv,
  type StructureColumns
} from '../chemistry/structure-files';
import type { StructureRow } from '../chemistry/describe';
import { readCsvTable, type CsvTable, type CsvTableOptions } from '../models/data/csv';

/** A CSV file into an arquero table of its valid rows; see readCsvTable for what is rejected. */
export async function readCsvFile(path: string, options: CsvTableOptions): Promise<CsvTable> {
  return readCsvTable({ text: await readFile(path, 'utf8') }, options);
}

/** Structures from a CSV file with a SMILES column, or an SDF file (by extension). */
export function readStructures(path: string, options: StructureColumns = {}): StructureRow[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new StructureFileError(
      `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`
    );
  }
  return /\.sdf$/i.test(path) ? readSdf(text) : readStructureCsv(text, path, options);
}
