import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProblemSchema, ReadinessSchema, type Readiness } from '@cryoprotect/kernel';
import { buildApp } from './app.js';
import { DEFAULT_MIGRATIONS_DIR } from './config.js';
import { openPostgres } from './db/database.js';
import { migrate } from './db/migrations.js';
import { databaseTargets } from './testing/databases.js';

/** The fields of a readiness answer, in the order the route sends them (chemistry last, added by the hostile-input work). */
const FIELDS = ['ready', 'database', 'schema', 'problems', 'database_kind', 'chemistry'];

function readiness(body: string): Readiness {
  assert.deepEqual(Object.keys(JSON.parse(body)), FIELDS);
  return ReadinessSchema.parse(JSON.parse(body));
}

for (const target of databaseTargets()) {
  describe(`GET /health/ready and ReadinessSchema on ${target.kind}`, { skip: target.skip }, () => {
    it('answers not ready (503) and ready (200) in ReadinessSchema, and the OpenAPI document says so', async () => {
      const t = await target.create();
      const app = await buildApp({
        db: t.db,
        migrationsDir: DEFAULT_MIGRATIONS_DIR,
        logLevel: 'silent'
      });
      try {
        const before = await app.inject({ method: 'GET', url: '/health/ready' });
        assert.equal(before.statusCode, 503);
        const notReady = readiness(before.body);
        assert.equal(notReady.ready, false);
        assert.equal(notReady.schema, 'pending');
        assert.equal(notReady.database_kind, target.kind);

        await migrate(t.db, DEFAULT_MIGRATIONS_DIR);
        const after = await app.inject({ method: 'GET', url: '/health/ready' });
        assert.equal(after.statusCode, 200);
        const { chemistry, ...rest } = readiness(after.body);
        assert.deepEqual(rest, {
          ready: true,
          database: 'ok',
          schema: 'current',
          problems: [],
          database_kind: target.kind
        });
        assert.deepEqual(Object.keys(chemistry), ['rdkit', 'indigo']);
        assert.ok(!['rebuilding', 'failed'].includes(chemistry.rdkit.state));

        const doc = (await app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
        const responses = doc.paths['/health/ready'].get.responses;
        const ok = responses['200'].content['application/json'].schema;
        assert.deepEqual(ok.required, FIELDS);
        // A 503 is the report (application/json) or, with a token, a problem (problem+json).
        const unavailable = responses['503'].content;
        assert.deepEqual(unavailable['application/json'].schema, ok);
        assert.ok(unavailable['application/problem+json'].schema.properties.detail);
      } finally {
        await app.close();
        await t.dispose();
      }
    });
  });
}

describe('GET /health/ready without a database', () => {
  it('answers 503 in ReadinessSchema; with a token, 503 with the problem of the unreachable database', async () => {
    // Port 1 on loopback: nothing listens there, so the connection is refused at once.
    const db = await openPostgres('postgresql://nobody@127.0.0.1:1/none');
    const app = await buildApp({ db, migrationsDir: DEFAULT_MIGRATIONS_DIR, logLevel: 'silent' });
    try {
      const probe = await app.inject({ method: 'GET', url: '/health/ready' });
      assert.equal(probe.statusCode, 503);
      const body = readiness(probe.body);
      assert.equal(body.database, 'unreachable');
      assert.equal(body.schema, 'unknown');
      assert.equal(body.database_kind, 'postgres');

      // The token cannot be checked: the answer is the problem document it always was, not a 500.
      const withToken = await app.inject({
        method: 'GET',
        url: '/health/ready',
        headers: { authorization: 'Bearer cpt_x' }
      });
      assert.equal(withToken.statusCode, 503);
      assert.match(String(withToken.headers['content-type']), /^application\/problem\+json/);
      assert.match(ProblemSchema.parse(withToken.json()).type, /\/database-unavailable$/);
    } finally {
      await app.close();
      await db.close();
    }
  });
});
