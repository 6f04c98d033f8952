import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashToken, isTokenShaped, newToken } from './tokens.js';
import type { Database } from './database.js';

export const LOCAL_USERNAME = 'local';

/**
 * Embedded single-user mode: the local user (the embedded database's site administrator) and an
 * API token for it, created on first start and kept in `<data dir>/token` (readable by this OS
 * user only). `cryoprotect start` hands the token
 * to JupyterLab's kernels (CRYOPROTECT_TOKEN) and to the extension, so nobody copies it by hand.
 */
export async function ensureLocalToken(
  db: Database,
  dataDir: string
): Promise<{ token: string; userId: string; created: boolean }> {
  const file = join(dataDir, 'token');
  const existing = existsSync(file) ? readFileSync(file, 'utf8').trim() : '';
  return db.serviceTransaction(async tx => {
    // The site administrator of its own embedded database: whoever runs it owns the folder and
    // could do the same with `cryoprotect user create` while the server is stopped. So a notebook
    // can add the colleagues of a lab loop (tutorial 4) without leaving JupyterLab.
    const user = await tx.query<{ id: string }>(
      `INSERT INTO users (username, display_name, is_admin) VALUES ($1, 'Local user', true)
       ON CONFLICT (username) DO UPDATE SET deactivated_at = NULL, is_admin = true
       RETURNING id`,
      [LOCAL_USERNAME]
    );
    const userId = user.rows[0].id;
    let fresh = newToken();
    if (existing) {
      const known = await tx.query<{ user_id: string; revoked: boolean }>(
        'SELECT user_id, revoked_at IS NOT NULL AS revoked FROM api_tokens WHERE token_hash = $1',
        [hashToken(existing)]
      );
      const row = known.rows[0];
      if (row && row.user_id === userId && !row.revoked) {
        // A token of an earlier version had read and write only.
        await tx.query(
          `UPDATE api_tokens SET scopes = '{read,write,admin}' WHERE token_hash = $1 AND NOT scopes @> '{admin}'`,
          [hashToken(existing)]
        );
        return { token: existing, userId, created: false };
      }
      // A well-formed token the database has never seen was written ahead of the server (the
      // Jupyter server extension does, so the page it serves first already carries it): adopt
      // it. Whoever can write this folder can write the database beside it; a revoked or foreign
      // token is never revived.
      if (!row && isTokenShaped(existing)) {
        fresh = { token: existing, hash: hashToken(existing) };
      }
    }
    const { token, hash } = fresh;
    await tx.query(
      `INSERT INTO api_tokens (user_id, name, token_hash, scopes) VALUES ($1, 'local notebooks and JupyterLab', $2, '{read,write,admin}')`,
      [userId, hash]
    );
    await tx.query(
      `INSERT INTO audit_log (actor_id, action, entity, entity_id) VALUES ($1, 'token.create', 'api_tokens', $2)`,
      [userId, hash.slice(0, 12)]
    );
    if (token !== existing) {
      writeFileSync(file, `${token}\n`, { mode: 0o600 });
    }
    return { token, userId, created: true };
  });
}
