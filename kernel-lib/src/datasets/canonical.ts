import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils';

/**
 * Canonical form and content hash of a dataset snapshot (format cryoprotect-snapshot/1).
 *
 * A snapshot is a table: named, typed columns and rows of cells. The server stores the SHA-256 of
 * the canonical text below as the snapshot's identity, and anyone holding the rows (a notebook,
 * a reviewer, a training run in F4) can recompute it offline with `snapshotHash` and compare.
 *
 * The canonical text is the UTF-8 encoding of one JSON document, written without whitespace:
 *
 *   {"columns":[{"name":N,"type":T},...],"format":"cryoprotect-snapshot/1","rows":[[...],...]}
 *
 * - columns keep their given order (the order is part of the content; rows are aligned to it);
 *   names are unique, 1-200 characters; types are text | number | integer | boolean | json.
 * - every cell is null or a value of its column's type: text a string, number a finite number,
 *   integer a safe integer, boolean true/false, json any JSON value. NaN and infinities are refused.
 * - numbers are written as ECMAScript's Number::toString writes them (the shortest text that
 *   round-trips to the same double; JSON.stringify), with -0 written as 0.
 * - object keys (in json cells and in the document) are sorted by UTF-16 code units; strings are
 *   written as JSON.stringify writes them.
 * - rows are sorted by their own canonical text (UTF-16 code-unit order), so the hash does not
 *   depend on the order rows were collected in; identical rows are all kept.
 */
export const SNAPSHOT_FORMAT = 'cryoprotect-snapshot/1';

export const SNAPSHOT_COLUMN_TYPES = ['text', 'number', 'integer', 'boolean', 'json'] as const;
export type SnapshotColumnType = (typeof SNAPSHOT_COLUMN_TYPES)[number];

export interface SnapshotColumn {
  name: string;
  type: SnapshotColumnType;
}

export type SnapshotCell = unknown;

export interface SnapshotTable {
  columns: SnapshotColumn[];
  rows: SnapshotCell[][];
}

/** A table that is not a valid snapshot, with the offending place (e.g. `rows[3][1]`). */
export class SnapshotError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string
  ) {
    super(`${path}: ${reason}`);
    this.name = 'SnapshotError';
  }
}

/**
 * The table in canonical order with canonical values (json cells with sorted keys, -0 as 0):
 * what the server stores and returns. Throws SnapshotError naming the first offending cell.
 */
export function canonicalizeSnapshot(table: SnapshotTable): SnapshotTable {
  const columns = Private.checkColumns(table.columns);
  if (!Array.isArray(table.rows)) {
    throw new SnapshotError('rows', 'must be an array of rows');
  }
  const keyed = table.rows.map((row, r) => {
    if (!Array.isArray(row)) {
      throw new SnapshotError(`rows[${r}]`, 'must be an array of cells');
    }
    if (row.length !== columns.length) {
      throw new SnapshotError(
        `rows[${r}]`,
        `has ${row.length} cells but there are ${columns.length} columns`
      );
    }
    const cells = row.map((cell, c) => Private.cell(cell, columns[c], `rows[${r}][${c}]`));
    return { cells, text: Private.write(cells) };
  });
  keyed.sort((a, b) => (a.text < b.text ? -1 : a.text > b.text ? 1 : 0));
  return {
    columns: columns.map(c => ({ name: c.name, type: c.type })),
    rows: keyed.map(k => k.cells)
  };
}

/** The canonical text of a snapshot (see the module comment). */
export function canonicalSnapshotText(table: SnapshotTable): string {
  const canonical = canonicalizeSnapshot(table);
  return Private.write({
    columns: canonical.columns,
    format: SNAPSHOT_FORMAT,
    rows: canonical.rows
  });
}

/**
 * SHA-256 (lowercase hex) of the canonical text's UTF-8 bytes: the snapshot's content hash.
 * Synchronous and the same in Node and a browser (Web Crypto's digest is asynchronous).
 */
export function snapshotHash(table: SnapshotTable): string {
  return bytesToHex(sha256(utf8ToBytes(canonicalSnapshotText(table))));
}

namespace Private {
  export function checkColumns(columns: unknown): SnapshotColumn[] {
    if (!Array.isArray(columns) || columns.length === 0) {
      throw new SnapshotError('columns', 'must be a non-empty array of {name, type}');
    }
    const seen = new Set<string>();
    return columns.map((column: unknown, i) => {
      const { name, type } = (column ?? {}) as { name?: unknown; type?: unknown };
      if (typeof name !== 'string' || name.length < 1 || name.length > 200) {
        throw new SnapshotError(`columns[${i}].name`, 'must be a text of 1 to 200 characters');
      }
      if (seen.has(name)) {
        throw new SnapshotError(`columns[${i}].name`, `repeats the column name "${name}"`);
      }
      seen.add(name);
      if (!SNAPSHOT_COLUMN_TYPES.includes(type as SnapshotColumnType)) {
        throw new SnapshotError(
          `columns[${i}].type`,
          `must be one of ${SNAPSHOT_COLUMN_TYPES.join(', ')}`
        );
      }
      return { name, type: type as SnapshotColumnType };
    });
  }

  export function cell(value: unknown, column: SnapshotColumn, path: string): unknown {
    if (value === null) {
      return null;
    }
    switch (column.type) {
      case 'text':
        if (typeof value !== 'string') {
          throw new SnapshotError(path, `column "${column.name}" holds text or null`);
        }
        return text(value, path);
      case 'number':
        return number(value, path, `column "${column.name}" holds finite numbers or null`);
      case 'integer':
        if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
          throw new SnapshotError(path, `column "${column.name}" holds safe integers or null`);
        }
        return value === 0 ? 0 : value;
      case 'boolean':
        if (typeof value !== 'boolean') {
          throw new SnapshotError(path, `column "${column.name}" holds true, false or null`);
        }
        return value;
      case 'json':
        return json(value, path);
    }
  }

  function number(value: unknown, path: string, message: string): number {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new SnapshotError(path, `${message} (NaN and infinities have no canonical form)`);
    }
    return value === 0 ? 0 : value;
  }

  /** A JSON value with object keys sorted; anything JSON cannot carry exactly is refused. */
  function json(value: unknown, path: string): unknown {
    if (value === null || typeof value === 'boolean') {
      return value;
    }
    if (typeof value === 'string') {
      return text(value, path);
    }
    if (typeof value === 'number') {
      return number(value, path, 'numbers in json cells must be finite');
    }
    if (Array.isArray(value)) {
      return value.map((v, i) => json(v, `${path}[${i}]`));
    }
    if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
      return Object.fromEntries(
        Object.entries(value)
          .filter(([, v]) => v !== undefined)
          .map(([key, v]) => [text(key, `${path}.${key}`), json(v, `${path}.${key}`)])
      );
    }
    throw new SnapshotError(path, `a ${typeof value} is not a JSON value`);
  }

  /**
   * Text that stores in PostgreSQL's jsonb unchanged: no NUL character and no lone surrogate
   * (neither has a UTF-8 form), so what the server stores hashes the same when read back.
   */
  function text(value: string, path: string): string {
    if (value.includes('\u0000')) {
      throw new SnapshotError(path, 'text may not contain the NUL character');
    }
    if (/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(value)) {
      throw new SnapshotError(path, 'text contains a lone UTF-16 surrogate (not valid Unicode)');
    }
    return value;
  }

  /**
   * JSON without whitespace and with object keys in code-unit order at every depth. Written by
   * hand because JavaScript objects put integer-like keys ("2", "10") first whatever the order.
   */
  export function write(value: unknown): string {
    if (Array.isArray(value)) {
      return `[${value.map(write).join(',')}]`;
    }
    if (value !== null && typeof value === 'object') {
      const entries = Object.entries(value).filter(([, v]) => v !== undefined);
      entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${write(v)}`).join(',')}}`;
    }
    return JSON.stringify(value);
  }
}
