import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_MIGRATIONS_DIR } from '../config.js';
import { databaseTargets, type TestDatabase } from '../testing/databases.js';
import { ensureLocalToken } from './local-user.js';
import { migrate } from './migrations.js';
import { hashToken, newToken } from './tokens.js';

describe('the local token written ahead of the server (jupyter lab on its own)', () => {
  let t: TestDatabase;
  const dataDir = mkdtempSync(join(tmpdir(), 'cryoprotect-local-'));
  const file = join(dataDir, 'token');

  before(async () => {
    t = await databaseTargets()[0].create();
    await migrate(t.db, DEFAULT_MIGRATIONS_DIR);
  });
  after(async () => {
    await t?.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('adopts a well-formed token the database has never seen, and keeps the file', async () => {
    const { token } = newToken();
    writeFileSync(file, `${token}\n`, { mode: 0o600 });
    const local = await ensureLocalToken(t.db, dataDir);
    assert.equal(local.token, token);
    assert.equal(readFileSync(file, 'utf8').trim(), token);
    const again = await ensureLocalToken(t.db, dataDir);
    assert.equal(again.token, token);
    assert.equal(again.created, false);
  });

  it('never revives a revoked token: a new one replaces it in the file', async () => {
    const before = readFileSync(file, 'utf8').trim();
    await t.db.serviceTransaction(tx =>
      tx.query('UPDATE api_tokens SET revoked_at = now() WHERE token_hash = $1', [
        hashToken(before)
      ])
    );
    const local = await ensureLocalToken(t.db, dataDir);
    assert.notEqual(local.token, before);
    assert.equal(readFileSync(file, 'utf8').trim(), local.token);
  });

  it('replaces a file that holds no token shape', async () => {
    writeFileSync(file, 'password123\n', { mode: 0o600 });
    const local = await ensureLocalToken(t.db, dataDir);
    assert.match(local.token, /^cpt_/);
    assert.notEqual(local.token, 'password123');
  });

  it("makes the local user its database's site administrator, and upgrades an older token", async () => {
    const local = await ensureLocalToken(t.db, dataDir);
    const scopes = async () =>
      (
        await t.db.serviceTransaction(tx =>
          tx.query<{ scopes: string[]; is_admin: boolean }>(
            `SELECT k.scopes, u.is_admin FROM api_tokens k JOIN users u ON u.id = k.user_id
             WHERE k.token_hash = $1`,
            [hashToken(local.token)]
          )
        )
      ).rows[0];
    assert.deepEqual(await scopes(), { scopes: ['read', 'write', 'admin'], is_admin: true });
    // As an earlier version left it: read and write, not an administrator.
    await t.db.serviceTransaction(async tx => {
      await tx.query(`UPDATE api_tokens SET scopes = '{read,write}' WHERE token_hash = $1`, [
        hashToken(local.token)
      ]);
      await tx.query(`UPDATE users SET is_admin = false WHERE username = 'local'`);
    });
    const again = await ensureLocalToken(t.db, dataDir);
    assert.equal(again.token, local.token);
    assert.deepEqual(await scopes(), { scopes: ['read', 'write', 'admin'], is_admin: true });
  });
});
