import { readFileSync } from 'node:fs';
import { fileAccessError } from '@cryoprotect/kernel/node';

/**
 * The parts of an nbformat 4 notebook that running, checking and reproducing read. Everything
 * else a notebook holds is kept as it is (the index signatures), so a notebook written back loses
 * nothing.
 */
export interface NotebookOutput {
  output_type: 'stream' | 'display_data' | 'execute_result' | 'error' | 'update_display_data';
  name?: string;
  text?: string | string[];
  data?: Record<string, unknown>;
  ename?: string;
  evalue?: string;
  traceback?: string[];
  [key: string]: unknown;
}

export interface NotebookCell {
  cell_type: 'code' | 'markdown' | 'raw';
  id?: string;
  source: string | string[];
  metadata: Record<string, unknown> & { tags?: string[] };
  outputs?: NotebookOutput[];
  execution_count?: number | null;
  [key: string]: unknown;
}

export interface Notebook {
  cells: NotebookCell[];
  metadata: Record<string, unknown>;
  nbformat: number;
  nbformat_minor: number;
}

/** A notebook's problem, naming the file (and the cell when one is at fault). */
export class NotebookFormatError extends Error {}

/** Text of a field nbformat stores as a string or a list of lines. */
export function joinedText(text: string | string[] | undefined): string {
  return Array.isArray(text) ? text.join('') : (text ?? '');
}

/** Parse a notebook's JSON, refusing what is not nbformat 4 with cells. */
export function parseNotebook(text: string, file: string): Notebook {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new NotebookFormatError(`${file}: not JSON (${(error as Error).message})`);
  }
  const nb = parsed as Partial<Notebook> | null;
  if (!nb || typeof nb !== 'object' || !Array.isArray(nb.cells) || nb.nbformat !== 4) {
    throw new NotebookFormatError(`${file}: not a Jupyter notebook (nbformat 4 with cells)`);
  }
  nb.metadata ??= {};
  for (const [i, cell] of nb.cells.entries()) {
    if (!cell || typeof cell !== 'object' || typeof cell.cell_type !== 'string') {
      throw new NotebookFormatError(`${file}: cell ${i} is not a cell`);
    }
    cell.metadata ??= {};
  }
  return nb as Notebook;
}

export function readNotebook(file: string): Notebook {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const unreadable = fileAccessError(error, 'read', file);
    throw new NotebookFormatError(
      unreadable?.message ??
        `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      { cause: unreadable ?? error }
    );
  }
  return parseNotebook(text, file);
}

/** The notebook as nbformat writes it: one space indent, a final newline. */
export function notebookText(nb: Notebook): string {
  return `${JSON.stringify(nb, null, 1)}\n`;
}

/** The CryoProtect part of notebook or cell metadata (`metadata.cryoprotect`). */
export function cryoprotectMetadata(metadata: Record<string, unknown>): Record<string, unknown> {
  const value = metadata.cryoprotect;
  return value && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}
