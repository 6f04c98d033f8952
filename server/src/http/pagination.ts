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
