import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { createTestApp, countRows } from '../testing/app.js';
import { createUserWithPassword, makeSiteAdmin } from '../testing/accounts.js';
import { databaseTargets, type TestDatabase } from '../testing/databases.js';
import { createUserWithToken } from '../testing/users.js';

const ALICE_PASSWORD = 'glycerol and trehalose';

for (const target of databaseTargets()) {
  describe(`accounts API on ${target.kind}`, { skip: target.skip }, () => {
    let t: TestDatabase;
    let app: FastifyInstance;
    let aliceId: string;
    let bob: { id: string; token: string };
    let root: { id: string; token: string };
    let rootWithoutAdminScope: { token: string };
    const bodies: string[] = [];
    const as = (user: { token: string }) => ({ authorization: `Bearer ${user.token}` });
    // Every answer is kept, to check that no password hash ever leaves the server.
    const call = async (options: InjectOptions): Promise<LightMyRequestResponse> => {
      const response = await app.inject(options);
      bodies.push(response.body);
      return response;
    };
    const login = (payload: object) => call({ method: 'POST', url: '/api/auth/login', payload });
    const auditRows = (action: string) =>
      t.db.serviceTransaction(tx =>
        tx.query<{
          actor_id: string | null;
          entity_id: string | null;
          details: Record<string, unknown>;
        }>('SELECT actor_id, entity_id, details FROM audit_log WHERE action = $1 ORDER BY id', [
          action
        ])
      );

    before(async () => {
      ({ t, app } = await createTestApp(target));
      aliceId = await createUserWithPassword(t.db, 'alice', ALICE_PASSWORD);
      bob = await createUserWithToken(t.db, 'bob');
      root = await createUserWithToken(t.db, 'root', '{read,write,admin}');
      await makeSiteAdmin(t.db, root.id);
      const { rows } = await t.db.serviceTransaction(tx =>
        tx.query<{ id: string }>('SELECT id FROM users WHERE username = $1', ['root'])
      );
      assert.equal(rows[0].id, root.id);
      rootWithoutAdminScope = await createUserWithToken(t.db, 'root2', '{read,write}');
      await makeSiteAdmin(t.db, (rootWithoutAdminScope as { id: string; token: string }).id);
    });
    after(async () => {
      await app?.close();
      await t?.dispose();
    });

    let aliceToken: string;

    it('signs in with the right password and returns a new token that works', async () => {
      const response = await login({
        username: 'alice',
        password: ALICE_PASSWORD,
        tokenName: 'laptop'
      });
      assert.equal(response.statusCode, 201, response.body);
      const created = response.json();
      assert.match(created.token, /^cpt_/);
      assert.deepEqual(created.scopes, ['read', 'write']);
      assert.equal(created.userId, aliceId);
      const days = (Date.parse(created.expiresAt) - Date.now()) / 86_400_000;
      assert.ok(days > 29.9 && days <= 30, String(days));
      aliceToken = created.token;
      const me = await call({
        method: 'GET',
        url: '/api/users/me',
        headers: as({ token: aliceToken })
      });
      assert.equal(me.statusCode, 200);
      assert.equal(me.json().username, 'alice');
      assert.equal(me.json().hasPassword, true);
      const audit = await auditRows('auth.login');
      assert.deepEqual(
        audit.rows.map(r => [r.actor_id, r.entity_id]),
        [[aliceId, created.id]]
      );
    });

    it('answers a wrong password and an unknown username identically, and audits both', async () => {
      const wrong = await login({ username: 'alice', password: 'not her password' });
      const unknown = await login({ username: 'mallory', password: 'not her password' });
      assert.equal(wrong.statusCode, 401);
      assert.equal(unknown.statusCode, 401);
      const strip = (r: LightMyRequestResponse) => ({ ...r.json(), instance: undefined });
      assert.deepEqual(strip(wrong), strip(unknown));
      assert.match(wrong.json().type, /bad-credentials$/);
      const failed = await auditRows('auth.login_failed');
      assert.deepEqual(
        failed.rows.map(r => [r.actor_id, r.details.reason]),
        [
          [aliceId, 'wrong password'],
          [null, 'unknown username']
        ]
      );
      // The typed username is not kept (it may be a password typed in the wrong field).
      assert.ok(!JSON.stringify(failed.rows).includes('mallory'));
      const accountWithoutPassword = await login({ username: 'bob', password: 'whatever it is' });
      assert.equal(accountWithoutPassword.statusCode, 401);
    });

    it('names the field of bad sign-in input and writes no token', async () => {
      const tokens = await countRows(t.db, 'api_tokens');
      const missing = await login({ username: 'alice' });
      assert.equal(missing.statusCode, 400);
      assert.deepEqual(
        missing.json().errors.map((e: { path: string }) => e.path),
        ['body.password']
      );
      const badScope = await login({
        username: 'alice',
        password: ALICE_PASSWORD,
        scopes: ['root']
      });
      assert.equal(badScope.json().errors[0].path, 'body.scopes[0]');
      const badDays = await login({
        username: 'alice',
        password: ALICE_PASSWORD,
        expiresInDays: 0
      });
      assert.equal(badDays.json().errors[0].path, 'body.expiresInDays');
      assert.equal(await countRows(t.db, 'api_tokens'), tokens);
    });

    it('changes a password only with the current one, and the new one then signs in', async () => {
      const headers = as({ token: aliceToken });
      const short = await call({
        method: 'PUT',
        url: '/api/users/me/password',
        headers,
        payload: { currentPassword: ALICE_PASSWORD, newPassword: 'short' }
      });
      assert.equal(short.statusCode, 400);
      assert.equal(short.json().errors[0].path, 'body.newPassword');
      const wrong = await call({
        method: 'PUT',
        url: '/api/users/me/password',
        headers,
        payload: { currentPassword: 'not the current one', newPassword: 'a brand new passphrase' }
      });
      assert.equal(wrong.statusCode, 403);
      assert.equal(wrong.json().errors[0].path, 'body.currentPassword');
      assert.equal((await login({ username: 'alice', password: ALICE_PASSWORD })).statusCode, 201);
      const changed = await call({
        method: 'PUT',
        url: '/api/users/me/password',
        headers,
        payload: { currentPassword: ALICE_PASSWORD, newPassword: 'a brand new passphrase' }
      });
      assert.equal(changed.statusCode, 204, changed.body);
      assert.equal((await login({ username: 'alice', password: ALICE_PASSWORD })).statusCode, 401);
      assert.equal(
        (await login({ username: 'Alice ', password: 'a brand new passphrase' })).statusCode,
        201
      );
      assert.equal((await auditRows('user.password_set')).rows.at(-1)?.actor_id, aliceId);
      assert.equal((await auditRows('user.password_change_refused')).rows.length, 1);
    });

    it('updates display name and e-mail, naming bad fields', async () => {
      const headers = as({ token: aliceToken });
      const ok = await call({
        method: 'PATCH',
        url: '/api/users/me',
        headers,
        payload: { displayName: 'Alice Cryo', email: 'alice@lab.example' }
      });
      assert.equal(ok.statusCode, 200, ok.body);
      assert.equal(ok.json().displayName, 'Alice Cryo');
      assert.equal(ok.json().email, 'alice@lab.example');
      const bad = await call({
        method: 'PATCH',
        url: '/api/users/me',
        headers,
        payload: { email: 'nope' }
      });
      assert.equal(bad.statusCode, 400);
      assert.equal(bad.json().errors[0].path, 'body.email');
      const empty = await call({ method: 'PATCH', url: '/api/users/me', headers, payload: {} });
      assert.equal(empty.statusCode, 400);
      const taken = await call({
        method: 'PATCH',
        url: '/api/users/me',
        headers: as(bob),
        payload: { email: 'alice@lab.example' }
      });
      assert.equal(taken.statusCode, 409);
      assert.equal(taken.json().errors[0].path, 'body.email');
      const anonymous = await call({ method: 'GET', url: '/api/users/me' });
      assert.equal(anonymous.statusCode, 401);
    });

    it('never lets the application role make anyone a site administrator', async () => {
      await assert.rejects(
        t.db.userTransaction(bob.id, tx =>
          tx.query('UPDATE users SET is_admin = true WHERE id = $1', [bob.id])
        ),
        (error: { code?: string }) => error.code === '42501'
      );
      // user_credentials has no policy: the application role sees no row at all.
      assert.ok((await countRows(t.db, 'user_credentials')) > 0);
      const hashes = await t.db.userTransaction(aliceId, tx =>
        tx.query('SELECT password_hash FROM user_credentials')
      );
      assert.equal(hashes.rows.length, 0);
    });

    it('lists, creates and revokes tokens; a revoked token is refused', async () => {
      const headers = as({ token: aliceToken });
      const created = await call({
        method: 'POST',
        url: '/api/tokens',
        headers,
        payload: { name: 'notebook', scopes: ['read'], expiresInDays: 7 }
      });
      assert.equal(created.statusCode, 201, created.body);
      const readToken = created.json();
      const list = await call({ method: 'GET', url: '/api/tokens', headers });
      assert.equal(list.statusCode, 200);
      const mine = list.json().items;
      assert.ok(mine.some((k: { id: string }) => k.id === readToken.id));
      assert.ok(
        mine.every((k: object) => !('token' in k) && !('tokenHash' in k) && !('token_hash' in k))
      );
      assert.ok(!list.body.includes(readToken.token));
      // Bob sees none of Alice's tokens and cannot revoke them.
      const bobs = (await call({ method: 'GET', url: '/api/tokens', headers: as(bob) })).json()
        .items;
      assert.ok(bobs.every((k: { id: string }) => k.id !== readToken.id));
      assert.equal(
        (await call({ method: 'DELETE', url: `/api/tokens/${readToken.id}`, headers: as(bob) }))
          .statusCode,
        404
      );
      assert.equal(
        (await call({ method: 'GET', url: '/api/users/me', headers: as(readToken) })).statusCode,
        200
      );
      const revoked = await call({ method: 'DELETE', url: `/api/tokens/${readToken.id}`, headers });
      assert.equal(revoked.statusCode, 204);
      assert.equal(
        (await call({ method: 'GET', url: '/api/users/me', headers: as(readToken) })).statusCode,
        401
      );
      const listed = (await call({ method: 'GET', url: '/api/tokens', headers })).json().items;
      assert.ok(listed.find((k: { id: string }) => k.id === readToken.id).revokedAt);
      assert.deepEqual(
        (await auditRows('token.revoke')).rows.map(r => [r.actor_id, r.entity_id]),
        [[aliceId, readToken.id]]
      );
      assert.ok((await auditRows('token.create')).rows.some(r => r.entity_id === readToken.id));
    });

    it('refuses to grant scopes the requesting token lacks', async () => {
      const tokens = await countRows(t.db, 'api_tokens');
      const escalate = await call({
        method: 'POST',
        url: '/api/tokens',
        headers: as({ token: aliceToken }),
        payload: { name: 'sneaky', scopes: ['read', 'admin'] }
      });
      assert.equal(escalate.statusCode, 403);
      assert.equal(escalate.json().errors[0].path, 'body.scopes');
      const anonymous = await call({
        method: 'POST',
        url: '/api/tokens',
        payload: { name: 'child', scopes: ['read'] }
      });
      assert.equal(anonymous.statusCode, 401);
      const viaRead = (
        await call({
          method: 'POST',
          url: '/api/tokens',
          headers: as({ token: aliceToken }),
          payload: { name: 'r', scopes: ['read'] }
        })
      ).json();
      const fromRead = await call({
        method: 'POST',
        url: '/api/tokens',
        headers: as(viaRead),
        payload: { name: 'child', scopes: ['read'] }
      });
      assert.equal(fromRead.statusCode, 403);
      assert.equal(await countRows(t.db, 'api_tokens'), tokens + 1);
      const byAdmin = await call({
        method: 'POST',
        url: '/api/tokens',
        headers: as(root),
        payload: { name: 'ops', scopes: ['read'] }
      });
      assert.equal(byAdmin.statusCode, 201);
      const noName = await call({
        method: 'POST',
        url: '/api/tokens',
        headers: as(root),
        payload: { scopes: ['read'] }
      });
      assert.equal(noName.json().errors[0].path, 'body.name');
    });

    it('lists the user directory to signed-in callers only, page by page, without system accounts', async () => {
      assert.equal((await call({ method: 'GET', url: '/api/users' })).statusCode, 401);
      // An account nobody signs in as (the reference data's owner is one): not someone to assign.
      await t.db.serviceTransaction(tx =>
        tx.query(
          "INSERT INTO users (username, display_name, is_system) VALUES ('system-owner', 'System owner', true)"
        )
      );
      const names: string[] = [];
      let cursor: string | null = null;
      do {
        const url: string = `/api/users?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
        const page = (await call({ method: 'GET', url, headers: as(bob) })).json();
        assert.ok(page.items.length <= 2);
        names.push(...page.items.map((u: { username: string }) => u.username));
        cursor = page.nextCursor;
      } while (cursor);
      assert.deepEqual(
        names.filter(n => ['alice', 'bob', 'root', 'root2'].includes(n)),
        ['alice', 'bob', 'root', 'root2']
      );
      assert.ok(!names.includes('system-owner'), names.join(', '));
      const found = (
        await call({ method: 'GET', url: '/api/users?q=Alice%20C', headers: as(bob) })
      ).json();
      assert.deepEqual(
        found.items.map((u: { username: string }) => u.username),
        ['alice']
      );
      assert.ok(!JSON.stringify(found).includes('alice@lab.example'));
      const badLimit = await call({ method: 'GET', url: '/api/users?limit=0', headers: as(bob) });
      assert.equal(badLimit.json().errors[0].path, 'querystring.limit');
    });

    it('lets only site administrators (with an admin-scope token) create and deactivate accounts', async () => {
      const payload = { username: 'carol', displayName: 'Carol', password: 'vitrification works' };
      const users = await countRows(t.db, 'users');
      for (const [who, status] of [
        [bob, 403],
        [{ token: aliceToken }, 403],
        [rootWithoutAdminScope, 403]
      ] as const) {
        const response = await call({
          method: 'POST',
          url: '/api/users',
          headers: as(who),
          payload
        });
        assert.equal(response.statusCode, status, response.body);
      }
      assert.equal((await call({ method: 'POST', url: '/api/users', payload })).statusCode, 401);
      assert.equal(await countRows(t.db, 'users'), users);
      const bad = await call({
        method: 'POST',
        url: '/api/users',
        headers: as(root),
        payload: { username: 'Carol!', displayName: '', password: 'short' }
      });
      assert.equal(bad.statusCode, 400);
      assert.deepEqual(
        bad
          .json()
          .errors.map((e: { path: string }) => e.path)
          .sort(),
        ['body.displayName', 'body.password', 'body.username']
      );
      const created = await call({ method: 'POST', url: '/api/users', headers: as(root), payload });
      assert.equal(created.statusCode, 201, created.body);
      const carol = created.json();
      assert.equal(carol.hasPassword, true);
      assert.equal(carol.isAdmin, false);
      const again = await call({ method: 'POST', url: '/api/users', headers: as(root), payload });
      assert.equal(again.statusCode, 409);
      assert.equal(again.json().errors[0].path, 'body.username');
      const carolLogin = await login({ username: 'carol', password: 'vitrification works' });
      assert.equal(carolLogin.statusCode, 201);
      const carolToken = carolLogin.json().token;

      assert.equal(
        (await call({ method: 'POST', url: `/api/users/${carol.id}/deactivate`, headers: as(bob) }))
          .statusCode,
        403
      );
      const self = await call({
        method: 'POST',
        url: `/api/users/${root.id}/deactivate`,
        headers: as(root)
      });
      assert.equal(self.statusCode, 409);
      const unknown = await call({
        method: 'POST',
        url: '/api/users/00000000-0000-4000-8000-000000000000/deactivate',
        headers: as(root)
      });
      assert.equal(unknown.statusCode, 404);
      const deactivated = await call({
        method: 'POST',
        url: `/api/users/${carol.id}/deactivate`,
        headers: as(root)
      });
      assert.equal(deactivated.statusCode, 200);
      assert.equal(deactivated.json().active, false);
      assert.equal(
        (await call({ method: 'GET', url: '/api/users/me', headers: as({ token: carolToken }) }))
          .statusCode,
        401
      );
      const refused = await login({ username: 'carol', password: 'vitrification works' });
      assert.equal(refused.statusCode, 403);
      assert.match(refused.json().type, /account-deactivated$/);
      const wrongToo = await login({ username: 'carol', password: 'a wrong guess here' });
      assert.equal(wrongToo.statusCode, 401);
      assert.deepEqual(
        (await auditRows('auth.login_failed')).rows
          .filter(r => r.actor_id === carol.id)
          .map(r => r.details.reason),
        ['account deactivated', 'wrong password']
      );
      const back = await call({
        method: 'POST',
        url: `/api/users/${carol.id}/reactivate`,
        headers: as(root)
      });
      assert.equal(back.json().active, true);
      assert.equal(
        (await login({ username: 'carol', password: 'vitrification works' })).statusCode,
        201
      );
      assert.deepEqual(
        (await auditRows('user.deactivate')).rows.map(r => [r.actor_id, r.entity_id]),
        [[root.id, carol.id]]
      );
    });

    it('shows each user their own audit entries and site administrators all of them', async () => {
      const entries = async (who: { token: string }, query = '') => {
        const response = await call({ method: 'GET', url: `/api/audit${query}`, headers: as(who) });
        assert.equal(response.statusCode, 200, response.body);
        return response.json().items as { id: number; actorId: string | null; action: string }[];
      };
      const alice = await entries({ token: aliceToken }, '?limit=500');
      assert.ok(alice.length > 0);
      assert.ok(alice.every(e => e.actorId === aliceId));
      assert.ok(alice.some(e => e.action === 'auth.login_failed'));
      const ids = alice.map(e => e.id);
      assert.deepEqual(
        ids,
        [...ids].sort((a, b) => b - a)
      );
      const bobs = await entries(bob, '?limit=500');
      assert.ok(bobs.every(e => e.actorId === bob.id));
      const all = await entries(root, '?limit=500');
      assert.ok(all.some(e => e.actorId === aliceId) && all.some(e => e.actorId === null));
      assert.ok(all.length > alice.length);
      // A site administrator's token need not have the admin scope to read, only to manage.
      const logins = await entries(root, '?action=auth.');
      assert.ok(logins.length > 0 && logins.every(e => e.action.startsWith('auth.')));
      const exact = await entries({ token: aliceToken }, '?action=token.revoke');
      assert.deepEqual(
        exact.map(e => e.action),
        ['token.revoke']
      );
      const future = await entries(root, `?since=${encodeURIComponent('2999-01-01T00:00:00Z')}`);
      assert.deepEqual(future, []);
      const paged: number[] = [];
      let cursor: string | null = null;
      do {
        const url: string = `/api/audit?limit=3${cursor ? `&cursor=${cursor}` : ''}`;
        const page = (
          await call({ method: 'GET', url, headers: as({ token: aliceToken }) })
        ).json();
        paged.push(...page.items.map((e: { id: number }) => e.id));
        cursor = page.nextCursor;
      } while (cursor);
      assert.deepEqual(paged, ids);
      assert.equal((await call({ method: 'GET', url: '/api/audit' })).statusCode, 401);
      const badSince = await call({
        method: 'GET',
        url: '/api/audit?since=yesterday',
        headers: as(bob)
      });
      assert.equal(badSince.json().errors[0].path, 'querystring.since');
      const badCursor = await call({
        method: 'GET',
        url: '/api/audit?cursor=xyz',
        headers: as(bob)
      });
      assert.equal(badCursor.json().errors[0].path, 'querystring.cursor');
    });

    it('never sends a password hash', () => {
      assert.ok(bodies.length > 40);
      for (const body of bodies) {
        assert.ok(!body.includes('$argon2'), body);
        assert.ok(!/password_?hash/i.test(body), body);
      }
    });
  });
}
