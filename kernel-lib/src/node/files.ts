import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  StructureFileError,
  readSdf,
  readStructureCsv,
  type StructureColumns
} from '../chemistry/structure-files';
import type { StructureRow } from '../chemistry/describe';
import { readCsvTable, type CsvTable, type CsvTableOptions } from '../models/data/csv';
import { recordFileUse } from '../provenance';

/**
 * A data file's text (UTF-8), noted in the session's provenance by path and SHA-256 so a headless
 * run records what it read and `cryoprotect export` can carry the very file. Every reader below
 * goes through it; read a notebook's own data files with it too.
 */
export function readDataFile(path: string): string {
  const bytes = readFileSync(path);
  recordFileUse({
    path: resolve(path),
    sha256: createHash('sha256').update(bytes).digest('hex'),
    bytes: bytes.length
  });
  return bytes.toString('utf8');
}

/** A CSV file into an arquero table of its valid rows; see readCsvTable for what is rejected. */
export async function readCsvFile(path: string, options: CsvTableOptions): Promise<CsvTable> {
  return readCsvTable({ text: readDataFile(path) }, options);
}

/** Structures from a CSV file with a SMILES column, or an SDF file (by extension). */
export function readStructures(path: string, options: StructureColumns = {}): StructureRow[] {
  let text: string;
  try {
    text = readDataFile(path);
  } catch (error) {
    throw new StructureFileError(
      `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`
    );
  }
  return /\.sdf$/i.test(path) ? readSdf(text) : readStructureCsv(text, path, options);
}
