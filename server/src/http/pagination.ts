import type { Queryable } from '../db/database.js';
import { ProblemError } from './problem.js';

/** Keyset cursor over (sort key, id), opaque to clients. */
export const Cursor = {
  encode: (key: string, id: string): string =>
    Buffer.from(JSON.stringify([key, id])).toString('base64url'),
  decode(cursor: string): [string, string] {
    try {
      const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
      if (Array.isArray(value) && value.length === 2 && value.every(v => typeof v === 'string')) {
        return value as [string, string];
      }
    } catch {
      // fall through
    }
    throw new ProblemError(
      400,
      'validation',
      'Invalid request',
      'querystring.cursor: not a cursor this API issued',
      [{ path: 'querystring.cursor', message: 'not a cursor this API issued' }]
    );
  }
};

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
  limit: number
): { page: R[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    page,
    nextCursor: rows.length > limit && last ? Cursor.encode(last.sort_name, last.id) : null
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
  },
  query: { q?: string; limit: number; cursor?: string }
): Promise<{ page: R[]; nextCursor: string | null }> {
  const after = query.cursor ? Cursor.decode(query.cursor) : null;
  const searched = (source.searchIn ?? [source.key]).map(e => `${e} LIKE $1`).join(' OR ');
  const { rows } = await tx.query<R & { sort_name: string }>(
    `SELECT ${source.key} AS sort_name, ${source.columns} FROM ${source.from}
     WHERE ($1::text IS NULL OR ${searched})
       AND ($2::text IS NULL OR (${source.key}, ${source.id}) > ($2::text, $3::uuid))
     ORDER BY ${source.key}, ${source.id} LIMIT $4`,
    [containsPattern(query.q), after?.[0] ?? null, after?.[1] ?? null, query.limit + 1]
  );
  return keysetPage(rows, query.limit);
}
