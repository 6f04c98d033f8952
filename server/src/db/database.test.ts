import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  DatabaseInUseError,
  DatabaseUnavailableError,
  openPGlite,
  openPostgres
} from './database.js';
import { migrate } from './migrations.js';
import { DEFAULT_MIGRATIONS_DIR } from '../config.js';
import { databaseTargets } from '../testing/databases.js';
import { createUserWithToken } from '../testing/users.js';
import { hashToken } from './tokens.js';
import { toProblem } from '../http/problem.js';

describe('embedded database folder', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cryoprotect-lock-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses a second opener while the first holds it, naming the holder', async () => {
    const first = await openPGlite(dir);
    try {
      await assert.rejects(openPGlite(dir), (error: unknown) => {
        assert.ok(error instanceof DatabaseInUseError);
        assert.equal(error.pid, process.pid);
        assert.match(error.message, /in use by process \d+/);
        return true;
      });
    } finally {
      await first.close();
    }
    assert.equal(existsSync(join(dir, 'cryoprotect.lock')), false, 'close() must release the lock');
  });

  it('takes over a lock left by a process that no longer exists', async () => {
    // PIDs are below 2^22 on Linux, so this one cannot be alive.
    writeFileSync(join(dir, 'cryoprotect.lock'), '99999999');
    const db = await openPGlite(dir);
    const { rows } = await db.serviceTransaction(tx =>
      tx.query<{ one: number }>('SELECT 1 AS one')
    );
    assert.deepEqual(rows, [{ one: 1 }]);
    await db.close();
  });
});

describe('PostgreSQL that cannot be reached', () => {
  it('fails within the connect timeout with DatabaseUnavailableError, a 503 problem', async () => {
    // A port nothing listens on: refused at once; the timeout bounds an unanswered connect too.
    const db = await openPostgres('postgresql://nobody@127.0.0.1:1/none', {
      connectTimeoutMs: 500
    });
    try {
      const started = Date.now();
      const error = await db.userTransaction(null, tx => tx.query('SELECT 1')).catch(e => e);
      assert.ok(error instanceof DatabaseUnavailableError, String(error));
      assert.ok(Date.now() - started < 2_000);
      const problem = toProblem(error, true);
      assert.equal(problem.status, 503);
      assert.match(problem.type, /\/database-unavailable$/);
      // Whatever the driver said stays out of the answer.
      assert.doesNotMatch(problem.detail ?? '', /ECONNREFUSED|127\.0\.0\.1/);
      await assert.rejects(db.authenticate!(hashToken('cpt_x')), DatabaseUnavailableError);
    } finally {
      await db.close();
    }
  });
});

for (const target of databaseTargets().filter(t => t.kind === 'postgres')) {
  describe(`token check in one round trip (${target.kind})`, { skip: target.skip }, () => {
    it('answers as app.authenticate_token in a user transaction does, and leaves the connection clean', async () => {
      const t = await target.create();
      try {
        const { db } = t;
        assert.ok(db.authenticate, 'PostgreSQL has the one-round-trip token check');
        await migrate(db, DEFAULT_MIGRATIONS_DIR);
        const alice = await createUserWithToken(db, 'alice', '{read}');
        const viaTransaction = (hash: string) =>
          db.userTransaction(null, tx =>
            tx.query('SELECT user_id, scopes FROM app.authenticate_token($1)', [hash])
          );

        const found = await db.authenticate(hashToken(alice.token));
        assert.deepEqual(found, { user_id: alice.id, scopes: ['read'] });
        assert.deepEqual([found], (await viaTransaction(hashToken(alice.token))).rows);
        const used = await db.serviceTransaction(tx =>
          tx.query<{ last_used_at: Date | null }>(
            'SELECT last_used_at FROM api_tokens WHERE user_id = $1',
            [alice.id]
          )
        );
        assert.ok(
          used.rows[0].last_used_at,
          'last use is recorded (the implicit transaction committed)'
        );

        // Recorded at minute resolution: a second use within the minute writes nothing.
        await db.authenticate(hashToken(alice.token));
        const again = await db.serviceTransaction(tx =>
          tx.query<{ last_used_at: Date | null }>(
            'SELECT last_used_at FROM api_tokens WHERE user_id = $1',
            [alice.id]
          )
        );
        assert.deepEqual(again.rows[0].last_used_at, used.rows[0].last_used_at);
        await db.serviceTransaction(tx =>
          tx.query(
            `UPDATE api_tokens SET last_used_at = now() - interval '2 minutes' WHERE user_id = $1`,
            [alice.id]
          )
        );
        await db.authenticate(hashToken(alice.token));
        const later = await db.serviceTransaction(tx =>
          tx.query<{ recent: boolean }>(
            `SELECT last_used_at > now() - interval '1 minute' AS recent FROM api_tokens WHERE user_id = $1`,
            [alice.id]
          )
        );
        assert.equal(later.rows[0].recent, true, 'a use after the minute is recorded');

        assert.equal(await db.authenticate(hashToken('cpt_unknown')), undefined);
        await db.serviceTransaction(tx =>
          tx.query('UPDATE api_tokens SET revoked_at = now() WHERE user_id = $1', [alice.id])
        );
        assert.equal(await db.authenticate(hashToken(alice.token)), undefined);
        // Only a hash can be checked: nothing else reaches the SQL text.
        await assert.rejects(db.authenticate("'; DROP TABLE users; --"), /64 lowercase hex/);

        // The role switch ended with the check: the pool's connections are back to the login
        // role, anonymous, outside any transaction (the test pool has 4: use them all).
        const states = await Promise.all(
          Array.from({ length: 4 }, () =>
            db.serviceTransaction(tx =>
              tx.query<{ role: string; user_id: string | null }>(
                "SELECT current_user AS role, nullif(current_setting('app.user_id', true), '') AS user_id"
              )
            )
          )
        );
        for (const state of states) {
          assert.notEqual(state.rows[0].role, 'cryoprotect_app');
          assert.equal(state.rows[0].user_id, null);
        }
      } finally {
        await t.dispose();
      }
    });
  });
}
