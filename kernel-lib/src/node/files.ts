import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  StructureFileError,
  readSdf,
  readSmi,
  readStructureCsvTable,
  type StructureColumns
} from '../chemistry/structure-files';
import type { StructureRow } from '../chemistry/describe';
import { readCsvTable, type CsvTable, type CsvTableOptions } from '../models/data/csv';
import { recordFileUse } from '../provenance';

/**
 * A file that could not be read or written, in a person's words: "cannot read data.csv: no such
 * file". `code` is the file system's (ENOENT, EACCES, EPERM, EISDIR, ENOTDIR), so code that tests
 * `error.code === 'ENOENT'` keeps working; the file system's error is the `cause`.
 */
export class FileAccessError extends Error {
  constructor(
    readonly action: 'read' | 'write',
    readonly path: string,
    readonly reason: string,
    readonly code: string,
    options?: { cause?: unknown }
  ) {
    super(`cannot ${action} ${path}: ${reason}`, options);
    this.name = 'FileAccessError';
  }
}

/**
 * The file-system error in `error` or in its chain of causes (ENOENT, EACCES, EPERM, EISDIR,
 * ENOTDIR) as a FileAccessError, else undefined. `action` says whether the file was being read or
 * written (default: from the failed system call, e.g. mkdir writes); `path` names the file when
 * the error does not (reading a directory fails with EISDIR and no path).
 */
export function fileAccessError(
  error: unknown,
  action?: 'read' | 'write',
  path?: string
): FileAccessError | undefined {
  const seen = new Set<Error>();
  let next: unknown = error;
  while (next instanceof Error && !seen.has(next)) {
    const e: Error = next;
    seen.add(e);
    next = e.cause;
    if (e instanceof FileAccessError) {
      return e;
    }
    const { code, path: errorPath, syscall } = e as NodeJS.ErrnoException;
    const file = path ?? errorPath;
    // EEXIST: only mkdir's, when a file stands where a folder must be made.
    const known =
      code !== undefined && (code in Private.REASONS || (code === 'EEXIST' && syscall === 'mkdir'));
    if (!known || typeof file !== 'string') {
      continue;
    }
    const doing =
      action ?? (syscall !== undefined && Private.WRITES.has(syscall) ? 'write' : 'read');
    // Writing (or listing) into a folder that is not there: the folder is what is missing.
    const reason =
      code === 'ENOENT' && (doing === 'write' || syscall === 'scandir')
        ? 'no such directory'
        : code === 'EEXIST'
          ? 'not a directory'
          : Private.REASONS[code];
    return new FileAccessError(doing, file, reason, code, { cause: error });
  }
  return undefined;
}

/**
 * A data file's text (UTF-8), noted in the session's provenance by path and SHA-256 so a headless
 * run records what it read and `cryoprotect export` can carry the very file. Every reader below
 * goes through it; read a notebook's own data files with it too. A file that cannot be read is a
 * FileAccessError ("cannot read data.csv: no such file").
 */
export function readDataFile(path: string): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw fileAccessError(error, 'read', path) ?? error;
  }
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

/**
 * The structures of a file, and for a CSV its columns: `columns` is its header and `cells[i]` the
 * cells of `rows[i]` as the file has them, in the header's order (for writing them back out).
 */
export interface StructureFile {
  rows: StructureRow[];
  columns?: string[];
  cells?: string[][];
}

/**
 * Structures from a CSV file with a SMILES column (with its other columns), an SDF file or a
 * SMILES file (.smi, .smiles: `SMILES [id]` per line), by extension. A file that cannot be read is a FileAccessError.
 */
export function readStructureFile(path: string, options: StructureColumns = {}): StructureFile {
  let text: string;
  try {
    text = readDataFile(path);
  } catch (error) {
    if (error instanceof FileAccessError) {
      throw error;
    }
    throw new StructureFileError(`cannot read ${path}: ${(error as Error).message}`);
  }
  return /\.sdf$/i.test(path)
    ? { rows: readSdf(text) }
    : /\.(smi|smiles)$/i.test(path)
      ? { rows: readSmi(text) }
      : readStructureCsvTable(text, path, options);
}

/** Structures from a CSV file with a SMILES column, or an SDF file (by extension). */
export function readStructures(path: string, options: StructureColumns = {}): StructureRow[] {
  return readStructureFile(path, options).rows;
}

namespace Private {
  export const REASONS: Record<string, string> = {
    ENOENT: 'no such file',
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    EISDIR: 'is a directory',
    ENOTDIR: 'not a directory'
  };

  /** System calls that write: their failures are about writing, whatever the file. */
  export const WRITES = new Set([
    'mkdir',
    'mkdtemp',
    'rmdir',
    'rm',
    'unlink',
    'rename',
    'write',
    'copyfile',
    'cp',
    'symlink',
    'link',
    'chmod',
    'chown',
    'utime',
    'futime',
    'ftruncate'
  ]);
}
