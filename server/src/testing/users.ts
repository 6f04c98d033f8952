import type { Database } from '../db/database.js';
import { newToken } from '../db/tokens.js';

/** A user with one API token of the given scopes, created on the service path (tests only). */
export async function createUserWithToken(
  db: Database,
  username: string,
  scopes = '{read,write}'
): Promise<{ id: string; token: string }> {
  const { token, hash } = newToken();
  const id = await db.serviceTransaction(async tx => {
    const { rows } = await tx.query<{ id: string }>(
      'INSERT INTO users (username, display_name) VALUES ($1, $1) RETURNING id',
      [username]
    );
    await tx.query(
      `INSERT INTO api_tokens (user_id, name, token_hash, scopes) VALUES ($1, 'test', $2, $3)`,
      [rows[0].id, hash, scopes]
    );
    return rows[0].id;
  });
  return { id, token };
}
