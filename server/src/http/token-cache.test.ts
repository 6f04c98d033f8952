import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createTestApp } from '../testing/app.js';
import { hashToken } from '../db/tokens.js';
import { databaseTargets, type TestDatabase } from '../testing/databases.js';
import { createUserWithToken } from '../testing/users.js';

describe('trusting a checked API token for a moment (CRYOPROTECT_TOKEN_CACHE_MS)', () => {
  let t: TestDatabase;
  let cached: FastifyInstance;
  let uncached: FastifyInstance;

  before(async () => {
    ({ t, app: cached } = await createTestApp(databaseTargets()[0], { tokenCacheMs: 60_000 }));
    ({ app: uncached } = await createTestApp(
      { kind: 'pglite', create: async () => t },
      { tokenCacheMs: 0 }
    ));
  });
  after(async () => {
    await cached?.close();
    await uncached?.close();
    await t?.dispose();
  });

  const me = (app: FastifyInstance, token: string) =>
    app.inject({ url: '/api/users/me', headers: { authorization: `Bearer ${token}` } });
  const revokeInDatabase = (userId: string) =>
    t.db.serviceTransaction(tx =>
      tx.query('UPDATE api_tokens SET revoked_at = now() WHERE user_id = $1', [userId])
    );

  it('without a cache, a token revoked anywhere is refused at the next request', async () => {
    const alice = await createUserWithToken(t.db, 'alice');
    assert.equal((await me(uncached, alice.token)).statusCode, 200);
    await revokeInDatabase(alice.id);
    assert.equal((await me(uncached, alice.token)).statusCode, 401);
  });

  it('with a cache, a token revoked by another server stays usable for the window only', async () => {
    const bob = await createUserWithToken(t.db, 'bob');
    assert.equal((await me(cached, bob.token)).statusCode, 200);
    await revokeInDatabase(bob.id);
    // The documented trade-off: this server has not seen the revocation and trusts its check.
    assert.equal((await me(cached, bob.token)).statusCode, 200);
    assert.equal((await me(uncached, bob.token)).statusCode, 401);
  });

  it('with a cache, a revocation through this server takes effect at once', async () => {
    const carol = await createUserWithToken(t.db, 'carol');
    const headers = { authorization: `Bearer ${carol.token}` };
    assert.equal((await me(cached, carol.token)).statusCode, 200);
    const tokens = (await cached.inject({ url: '/api/tokens', headers })).json();
    const revoked = await cached.inject({
      method: 'DELETE',
      url: `/api/tokens/${tokens.items[0].id}`,
      headers
    });
    assert.ok(revoked.statusCode < 300, revoked.body);
    assert.equal((await me(cached, carol.token)).statusCode, 401);
  });

  it('never caches an unknown token, so a token created elsewhere works at once', async () => {
    const dave = await createUserWithToken(t.db, 'dave');
    const token = `cpt_chosen-${Date.now()}`;
    assert.equal((await me(cached, token)).statusCode, 401);
    await t.db.serviceTransaction(tx =>
      tx.query(
        `INSERT INTO api_tokens (user_id, name, token_hash, scopes) VALUES ($1, 'made elsewhere', $2, '{read}')`,
        [dave.id, hashToken(token)]
      )
    );
    assert.equal((await me(cached, token)).statusCode, 200);
  });
});
