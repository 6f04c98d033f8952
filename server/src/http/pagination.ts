import type { Queryable } from '../db/database.js';
import { ProblemError } from './problem.js';

/**
 * What a list's cursor holds: the list it belongs to, the kind of its sort key and of its id.
 * A cursor names its list, so one list's cursor given to another is refused rather than read as
 * a position it never was.
 *
 * Lists sorted by text (names, titles, citations) carry only the last row's id: the sort key is
 * read back from that row when the next page is asked for. A text key in the cursor made it as
 * long as the text (a 5000-character citation in another script became a 20 kB cursor, longer
 * than a request line may be); an id keeps every cursor under CURSOR_MAX_LENGTH.
 */
export interface CursorList {
  /** e.g. "molecules": unique per list. */
  name: string;
  /** text: looked up from the row; timestamp: created-at as UTC text with microseconds; none: unused. */
  key: 'text' | 'timestamp' | 'none';
  id: 'uuid' | 'integer';
}

/** Every list of the API that pages with a cursor, each with its own cursor. */
export const LISTS = {
  molecules: { name: 'molecules', key: 'text', id: 'uuid' },
  mixtures: { name: 'mixtures', key: 'text', id: 'uuid' },
  datasets: { name: 'datasets', key: 'text', id: 'uuid' },
  models: { name: 'models', key: 'text', id: 'uuid' },
  predictions: { name: 'predictions', key: 'timestamp', id: 'uuid' },
  verifications: { name: 'verifications', key: 'timestamp', id: 'uuid' },
  measurements: { name: 'measurements', key: 'timestamp', id: 'uuid' },
  references: { name: 'references', key: 'text', id: 'uuid' },
  experiments: { name: 'experiments', key: 'text', id: 'uuid' },
  projects: { name: 'projects', key: 'text', id: 'uuid' },
  users: { name: 'users', key: 'text', id: 'uuid' },
  audit: { name: 'audit', key: 'none', id: 'integer' },
  substructure: { name: 'substructure', key: 'none', id: 'uuid' },
  screens: { name: 'screens', key: 'timestamp', id: 'uuid' },
  screenResults: { name: 'screen-results', key: 'none', id: 'integer' }
} as const satisfies Record<string, CursorList>;

/** Where a text list's sort key is read back from: the list's own expressions, never the request's. */
export interface SortSource {
  /** e.g. "experiments x". */
  from: string;
  /** The row's id, e.g. "x.id". */
  id: string;
  /** The sort key, e.g. "lower(x.title)". */
  key: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') with or without a Z.
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d{6})Z?$/;

/** A 400 naming querystring.cursor. */
function cursorProblem(message: string): never {
  throw new ProblemError(400, 'validation', 'Invalid request', `querystring.cursor: ${message}`, [
    { path: 'querystring.cursor', message }
  ]);
}

function refuse(why: string): never {
  cursorProblem(`not a cursor this API issued for this list (${why}); start again without cursor`);
}

/** Keyset cursor over (list, sort key, id), opaque to clients. */
export const Cursor = {
  /** The cursor after the row (key, id) of `list`; a text list's cursor keeps the id only. */
  encode: (list: CursorList, key: string, id: string): string =>
    Buffer.from(
      JSON.stringify(list.key === 'text' ? [list.name, id] : [list.name, key, id])
    ).toString('base64url'),
  /**
   * The sort key and id of a cursor of a timestamp or keyless `list`, checked before any SQL
   * sees them: base64url text, a JSON [list, key, id] of this list, a key of the list's kind, an
   * id of the list's kind. Anything else is a 400 naming querystring.cursor.
   */
  decode(cursor: string, list: CursorList): [string, string] {
    const value = Private.parse(cursor);
    if (list.key === 'text') {
      throw new Error(`the ${list.name} list sorts by text; its cursors are resumed, not decoded`);
    }
    if (value.length !== 3) {
      refuse('not a [list, key, id] triple');
    }
    const [name, key, id] = value as [string, string, string];
    Private.checkListAndId(list, name, id);
    if (list.key === 'timestamp' && !validTimestamp(key)) {
      refuse('sort key not a timestamp');
    }
    if (list.key === 'none' && key !== '') {
      refuse('unexpected sort key');
    }
    return [key, id];
  },
  /**
   * The sort key and id a text list resumes after: the cursor's id checked as `decode` checks,
   * then the key read from that row as the caller sees it now. A row deleted or unshared since
   * the previous page is a 400 too: the position it marked is gone.
   */
  async resume(
    tx: Queryable,
    cursor: string,
    list: CursorList,
    source: SortSource
  ): Promise<[string, string]> {
    const value = Private.parse(cursor);
    if (value.length !== 2) {
      refuse('not a [list, id] pair');
    }
    const [name, id] = value as [string, string];
    Private.checkListAndId(list, name, id);
    const { rows } = await tx.query<{ sort_name: string }>(
      `SELECT ${source.key} AS sort_name FROM ${source.from} WHERE ${source.id} = $1::uuid`,
      [id]
    );
    if (!rows[0]) {
      cursorProblem(
        'the row this page continues after was deleted or is no longer visible to you; start again without cursor'
      );
    }
    return [rows[0].sort_name, id];
  }
};

function validTimestamp(key: string): boolean {
  const m = TIMESTAMP.exec(key);
  if (!m) {
    return false;
  }
  const [, y, mo, d, h, mi, s] = m.map(Number);
  const date = new Date(Date.UTC(2000, mo - 1, d, h, mi, s));
  date.setUTCFullYear(y);
  return (
    y >= 1 &&
    date.getUTCFullYear() === y &&
    date.getUTCMonth() === mo - 1 &&
    date.getUTCDate() === d &&
    date.getUTCHours() === h &&
    date.getUTCMinutes() === mi &&
    date.getUTCSeconds() === s
  );
}

/** A LIKE pattern matching `text` anywhere, with LIKE's wildcards taken literally. */
export function containsPattern(text: string | undefined): string | null {
  return text ? `%${text.toLowerCase().replace(/[\\%_]/g, c => `\\${c}`)}%` : null;
}

/**
 * One page of a keyset query that fetched `limit + 1` rows ordered by (sort_name, id): the rows
 * to return, and the cursor of the next page (null on the last).
 */
export function keysetPage<R extends { sort_name: string; id: string }>(
  rows: R[],
  limit: number,
  list: CursorList
): { page: R[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    page,
    nextCursor: rows.length > limit && last ? Cursor.encode(list, last.sort_name, last.id) : null
  };
}

/**
 * One page of a table listed by a text key (case-folded name, title...) and searched by `q` in
 * `searchIn` (substring, case-insensitive), keyset-paginated on (key, id). Every expression comes
 * from the route's code, never from the request; the request's values are bound parameters.
 */
export async function pageByText<R extends { id: string }>(
  tx: Queryable,
  source: {
    /** Columns to return, over the table's alias. */
    columns: string;
    /** e.g. "experiments x". */
    from: string;
    /** The row's id, e.g. "x.id". */
    id: string;
    /** The sort key, e.g. "lower(x.title)". */
    key: string;
    /** Expressions `q` is looked for in (default: the sort key). */
    searchIn?: string[];
    /** The list's cursor (LISTS). */
    list: CursorList;
  },
  query: { q?: string; limit: number; cursor?: string }
): Promise<{ page: R[]; nextCursor: string | null }> {
  const list = source.list;
  const after = query.cursor ? await Cursor.resume(tx, query.cursor, list, source) : null;
  const searched = (source.searchIn ?? [source.key]).map(e => `${e} LIKE $1`).join(' OR ');
  const { rows } = await tx.query<R & { sort_name: string }>(
    `SELECT ${source.key} AS sort_name, ${source.columns} FROM ${source.from}
     WHERE ($1::text IS NULL OR ${searched})
       AND ($2::text IS NULL OR (${source.key}, ${source.id}) > ($2::text, $3::uuid))
     ORDER BY ${source.key}, ${source.id} LIMIT $4`,
    [containsPattern(query.q), after?.[0] ?? null, after?.[1] ?? null, query.limit + 1]
  );
  return keysetPage(rows, query.limit, list);
}

namespace Private {
  export function parse(cursor: string): unknown[] {
    if (!/^[A-Za-z0-9_-]+$/.test(cursor)) {
      refuse('not base64url');
    }
    let value: unknown;
    try {
      value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    } catch {
      return refuse('not JSON');
    }
    if (!Array.isArray(value) || !value.every(v => typeof v === 'string')) {
      return refuse('not a list of strings');
    }
    return value;
  }

  export function checkListAndId(list: CursorList, name: string, id: string): void {
    if (name !== list.name) {
      refuse('made for another list');
    }
    if (list.id === 'uuid' ? !UUID.test(id) : !/^[1-9]\d{0,17}$/.test(id)) {
      refuse(`id not ${list.id === 'uuid' ? 'a UUID' : 'a positive integer'}`);
    }
  }
}
