import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { ApiError, CryoProtectClient } from '@cryoprotect/kernel';
import { buildApp } from '../app.js';
import { DEFAULT_MIGRATIONS_DIR } from '../config.js';
import { openPGlite } from '../db/database.js';
import { createUserWithPassword } from '../testing/accounts.js';
import { createTestApp } from '../testing/app.js';
import { databaseTargets, type TestDatabase } from '../testing/databases.js';

const BIN = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'cryoprotect.js');

describe('kernel-lib account clients against a listening server', () => {
  let t: TestDatabase;
  let app: FastifyInstance;
  let serverUrl: string;

  before(async () => {
    ({ t, app } = await createTestApp(databaseTargets()[0]));
    await createUserWithPassword(t.db, 'admin', 'site administrator pass', true);
    await createUserWithPassword(t.db, 'bench', 'controlled rate freezing');
    serverUrl = await app.listen({ port: 0, host: '127.0.0.1' });
  });
  after(async () => {
    await app?.close();
    await t?.dispose();
  });

  it('signs in, manages accounts, tokens, projects and reads the audit log', async () => {
    await assert.rejects(CryoProtectClient.login(serverUrl, 'admin', 'wrong password!'), {
      status: 401,
      type: 'bad-credentials'
    });
    const admin = await CryoProtectClient.login(serverUrl, 'admin', 'site administrator pass', {
      scopes: ['read', 'write', 'admin'],
      tokenName: 'client test'
    });
    const me = await admin.users.me();
    assert.equal(me.username, 'admin');
    assert.equal(me.isAdmin, true);
    assert.equal(
      (await admin.users.updateMe({ displayName: 'Site admin' })).displayName,
      'Site admin'
    );

    const carol = await admin.users.create({
      username: 'carol',
      displayName: 'Carol',
      password: 'isochoric vitrification'
    });
    const carolClient = await CryoProtectClient.login(
      serverUrl,
      'carol',
      'isochoric vitrification'
    );
    await carolClient.users.changePassword({
      currentPassword: 'isochoric vitrification',
      newPassword: 'isochoric vitrification 2'
    });
    const usernames: string[] = [];
    for await (const user of carolClient.users.list({ pageSize: 1 })) {
      usernames.push(user.username);
    }
    assert.deepEqual(
      usernames.filter(u => ['admin', 'bench', 'carol'].includes(u)),
      ['admin', 'bench', 'carol']
    );

    const created = await admin.tokens.create({ name: 'read only', scopes: ['read'] });
    assert.ok((await admin.tokens.list()).some(k => k.id === created.id && k.revokedAt === null));
    await admin.tokens.revoke(created.id);
    const revoked = new CryoProtectClient({ serverUrl, token: created.token });
    await assert.rejects(revoked.users.me(), { status: 401 });

    const project = await admin.projects.create({ name: 'Tissue banking' });
    assert.equal(project.myRole, 'admin');
    const member = await admin.projects.setMember(project.id, carol.id, 'editor');
    assert.equal(member.role, 'editor');
    const names: string[] = [];
    for await (const p of carolClient.projects.list()) {
      names.push(p.name);
    }
    assert.deepEqual(names, ['Tissue banking']);
    assert.equal((await carolClient.projects.get(project.id)).myRole, 'editor');
    await assert.rejects(
      carolClient.projects.update(project.id, { name: 'mine now' }),
      (error: unknown) => error instanceof ApiError && error.status === 403
    );
    assert.equal((await admin.projects.update(project.id, { isPublic: true })).isPublic, true);
    await assert.rejects(admin.projects.removeMember(project.id, me.id), { status: 409 });
    await admin.projects.removeMember(project.id, carol.id);
    await admin.projects.delete(project.id);
    await assert.rejects(admin.projects.get(project.id), { status: 404 });

    await admin.users.deactivate(carol.id);
    await assert.rejects(carolClient.users.me(), { status: 401 });
    assert.equal((await admin.users.reactivate(carol.id)).active, true);

    const actions: string[] = [];
    for await (const entry of admin.audit.entries({ action: 'project.', pageSize: 2 })) {
      actions.push(entry.action);
    }
    assert.deepEqual(actions, [
      'project.delete',
      'project.member_remove',
      'project.publish',
      'project.member_add',
      'project.create'
    ]);
    const carolsOwn: string[] = [];
    for await (const entry of carolClient.audit.entries()) {
      carolsOwn.push(entry.action);
    }
    assert.ok(carolsOwn.length > 0 && !carolsOwn.includes('project.create'), carolsOwn.join());
    await assert.rejects(
      carolClient.users.create({ username: 'eve', displayName: 'Eve', password: 'twelve chars!' }),
      { status: 403 }
    );
  });
});

describe('cryoprotect user create / set-password', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cryoprotect-cli-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));
  const run = (args: string[], input: string) =>
    spawnSync(process.execPath, [BIN, 'user', ...args], {
      input,
      encoding: 'utf8',
      env: { ...process.env, CRYOPROTECT_DATA_DIR: dataDir, DATABASE_URL: '' }
    });

  it('creates the first site administrator, who can then sign in', async () => {
    const created = run(
      ['create', 'first-admin', '--admin', '--password-stdin'],
      'cryo admin password\n'
    );
    assert.equal(created.status, 0, created.stderr);
    assert.match(created.stdout, /created site administrator first-admin/);
    const short = run(['set-password', 'first-admin', '--password-stdin'], 'short\n');
    assert.equal(short.status, 1);
    assert.match(short.stderr, /at least 12 characters/);
    const unknown = run(['set-password', 'nobody', '--password-stdin'], 'long enough password\n');
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /no user nobody/);
    const taken = run(['create', 'first-admin'], '');
    assert.equal(taken.status, 1);
    assert.match(taken.stderr, /taken/);
    const changed = run(
      ['set-password', 'first-admin', '--password-stdin'],
      'the replaced password\n'
    );
    assert.equal(changed.status, 0, changed.stderr);

    const db = await openPGlite(join(dataDir, 'pgdata'));
    const app = await buildApp({ db, migrationsDir: DEFAULT_MIGRATIONS_DIR, logLevel: 'silent' });
    try {
      const login = (password: string) =>
        app.inject({
          method: 'POST',
          url: '/api/auth/login',
          payload: { username: 'first-admin', password, scopes: ['read', 'write', 'admin'] }
        });
      assert.equal((await login('cryo admin password')).statusCode, 401);
      const ok = await login('the replaced password');
      assert.equal(ok.statusCode, 201, ok.body);
      const me = await app.inject({
        method: 'GET',
        url: '/api/users/me',
        headers: { authorization: `Bearer ${ok.json().token}` }
      });
      assert.equal(me.json().isAdmin, true);
      const audit = await db.serviceTransaction(tx =>
        tx.query<{ action: string; actor_id: string | null }>(
          `SELECT action, actor_id FROM audit_log WHERE action LIKE 'user.%' ORDER BY id`
        )
      );
      assert.deepEqual(
        audit.rows.map(r => [r.action, r.actor_id]),
        [
          ['user.create', null],
          ['user.password_set', null]
        ]
      );
    } finally {
      await app.close();
      await db.close();
    }
  });
});
