import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildApp } from './app.js';
import { DEFAULT_MIGRATIONS_DIR } from './config.js';
import { openPostgres, type Database } from './db/database.js';
import { migrate } from './db/migrations.js';
import { databaseTargets, type TestDatabase } from './testing/databases.js';

for (const target of databaseTargets()) {
  describe(`health endpoints on ${target.kind}`, { skip: target.skip }, () => {
    let t: TestDatabase;
    before(async () => {
      t = await target.create();
    });
    after(() => t?.dispose());

    it('answers live at once, and ready only once the schema matches the migrations', async () => {
      const app = await buildApp({
        db: t.db,
        migrationsDir: DEFAULT_MIGRATIONS_DIR,
        logLevel: 'silent'
      });
      try {
        const live = await app.inject({ method: 'GET', url: '/health/live' });
        assert.equal(live.statusCode, 200);
        const before = await app.inject({ method: 'GET', url: '/health/ready' });
        assert.equal(before.statusCode, 503);
        const body = before.json();
        assert.equal(body.schema, 'pending');
        assert.ok(
          body.problems.some((p: string) => /001_roles_and_helpers\.sql is not applied/.test(p))
        );
        await migrate(t.db, DEFAULT_MIGRATIONS_DIR);
        const ready = await app.inject({ method: 'GET', url: '/health/ready' });
        assert.equal(ready.statusCode, 200);
        const { chemistry, ...readiness } = ready.json();
        assert.deepEqual(readiness, {
          ready: true,
          database: 'ok',
          schema: 'current',
          problems: [],
          database_kind: target.kind
        });
        assert.equal(chemistry.rdkit.name, 'RDKit.js');
      } finally {
        await app.close();
      }
    });
  });
}

describe('readiness without a database', () => {
  it('answers 503 naming the unreachable database instead of failing the request', async () => {
    // Port 1 on loopback: nothing listens there, so the connection is refused at once.
    const db = await openPostgres('postgresql://nobody@127.0.0.1:1/none');
    const app = await buildApp({ db, migrationsDir: DEFAULT_MIGRATIONS_DIR, logLevel: 'silent' });
    try {
      const response = await app.inject({ method: 'GET', url: '/health/ready' });
      assert.equal(response.statusCode, 503);
      assert.equal(response.json().database, 'unreachable');
      assert.match(response.json().problems[0], /ECONNREFUSED/);
    } finally {
      await app.close();
      await db.close();
    }
  });
});

describe('the log file', () => {
  it('writes one JSON line per request into a dated, numbered file when a log file is set', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cryoprotect-logs-'));
    const db = {
      kind: 'postgres',
      location: 'nowhere',
      serviceTransaction: () => Promise.reject(new Error('no database here')),
      userTransaction: () => Promise.reject(new Error('no database here')),
      close: async () => undefined
    } as unknown as Database;
    const app = await buildApp({
      db,
      migrationsDir: DEFAULT_MIGRATIONS_DIR,
      logLevel: 'info',
      logFile: { path: join(dir, 'server'), keep: 3, maxMegabytes: 1 }
    });
    try {
      await app.inject({ method: 'GET', url: '/health/live?probe=log-file' });
      const deadline = Date.now() + 5_000;
      let lines: { msg: string; req?: { url: string } }[] = [];
      while (Date.now() < deadline) {
        const files = readdirSync(dir);
        lines = files.flatMap(f =>
          readFileSync(join(dir, f), 'utf8')
            .split('\n')
            .filter(Boolean)
            .map(line => JSON.parse(line))
        );
        if (lines.some(l => l.req?.url === '/health/live?probe=log-file')) {
          assert.match(files[0], /^server\.\d{4}-\d{2}-\d{2}\.1\.log$/);
          break;
        }
        await new Promise(done => setTimeout(done, 100));
      }
      assert.ok(
        lines.some(l => l.req?.url === '/health/live?probe=log-file'),
        'the request is in the log file'
      );
    } finally {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
