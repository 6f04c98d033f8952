import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { parse } from 'yaml';
import { buildApp } from '../app.js';
import { DEFAULT_MIGRATIONS_DIR } from '../config.js';
import { migrate } from '../db/migrations.js';
import { PROJECT_ROOT } from '../lab.js';
import { databaseTargets, type TestDatabase } from '../testing/databases.js';
import { newToken } from '../db/tokens.js';

describe('HTTP operations: headers, CORS, limits, request ids, metrics', () => {
  let t: TestDatabase;
  let app: FastifyInstance;
  let token: string;
  let other: string;
  before(async () => {
    t = await databaseTargets()[0].create();
    await migrate(t.db, DEFAULT_MIGRATIONS_DIR);
    const created = newToken();
    const second = newToken();
    token = created.token;
    other = second.token;
    await t.db.serviceTransaction(async tx => {
      const { rows } = await tx.query<{ id: string }>(
        `INSERT INTO users (username, display_name) VALUES ('ops', 'ops') RETURNING id`
      );
      await tx.query(
        `INSERT INTO api_tokens (user_id, name, token_hash, scopes) VALUES ($1, 't', $2, '{read}'), ($1, 'u', $3, '{read}')`,
        [rows[0].id, created.hash, second.hash]
      );
    });
    app = await buildApp({
      db: t.db,
      migrationsDir: DEFAULT_MIGRATIONS_DIR,
      logLevel: 'silent',
      corsOrigins: ['http://127.0.0.1:8888'],
      rateLimitPerMinute: 5,
      bodyLimit: 2048,
      metricsToken: 'metrics-token-0123456789'
    });
  });
  after(async () => {
    await app?.close();
    await t?.dispose();
  });

  it('sends security headers', async () => {
    const response = await app.inject({ method: 'GET', url: '/health/live' });
    assert.equal(response.headers['x-content-type-options'], 'nosniff');
    assert.match(String(response.headers['content-security-policy']), /default-src 'none'/);
    assert.ok(response.headers['strict-transport-security']);
    assert.equal(response.headers['x-powered-by'], undefined);
  });

  it('allows CORS only for the configured JupyterLab origins', async () => {
    const allowed = await app.inject({
      method: 'GET',
      url: '/health/live',
      headers: { origin: 'http://127.0.0.1:8888' }
    });
    assert.equal(allowed.headers['access-control-allow-origin'], 'http://127.0.0.1:8888');
    const other = await app.inject({
      method: 'GET',
      url: '/health/live',
      headers: { origin: 'http://evil.example' }
    });
    assert.equal(other.headers['access-control-allow-origin'], undefined);
  });

  it('answers 413 as problem+json for a body over the limit', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/api/molecules',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      payload: JSON.stringify({ structure: 'C'.repeat(4000) })
    });
    assert.equal(response.statusCode, 413);
    assert.match(String(response.headers['content-type']), /problem\+json/);
  });

  it('keeps or makes a request id and puts it in the problem', async () => {
    const given = await app.inject({
      method: 'GET',
      url: '/api/nowhere',
      headers: { 'x-request-id': 'trace-42' }
    });
    assert.equal(given.headers['x-request-id'], 'trace-42');
    assert.equal(given.json().instance, 'trace-42');
    const made = await app.inject({ method: 'GET', url: '/health/live' });
    assert.match(String(made.headers['x-request-id']), /^[0-9a-f-]{36}$/);
  });

  it('limits each client to its rate with 429 and Retry-After, and never limits health checks', async () => {
    const headers = { authorization: `Bearer ${other}` };
    const statuses: number[] = [];
    let limited;
    for (let i = 0; i < 7; i++) {
      const response = await app.inject({ method: 'GET', url: '/api/molecules?limit=1', headers });
      statuses.push(response.statusCode);
      if (response.statusCode === 429) {
        limited = response;
      }
    }
    assert.deepEqual(statuses.slice(0, 5), [200, 200, 200, 200, 200]);
    assert.ok(limited, `statuses ${statuses}`);
    assert.match(String(limited.headers['content-type']), /problem\+json/);
    assert.match(limited.json().type, /rate-limited$/);
    assert.ok(Number(limited.headers['retry-after']) > 0);
    for (let i = 0; i < 10; i++) {
      assert.equal((await app.inject({ method: 'GET', url: '/health/live' })).statusCode, 200);
    }
    // An anonymous client has its own budget.
    assert.equal(
      (await app.inject({ method: 'GET', url: '/api/molecules?limit=1' })).statusCode,
      200
    );
  });

  it('exports request latency by route pattern and database timings, to loopback or with the token', async () => {
    const metrics = await app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(metrics.statusCode, 200);
    assert.match(
      metrics.body,
      /cryoprotect_http_request_duration_seconds_bucket\{[^}]*route="\/api\/molecules"[^}]*status_code="200"/
    );
    assert.match(
      metrics.body,
      /cryoprotect_db_transaction_duration_seconds_count\{path="user",outcome="commit"\} \d+/
    );
    assert.doesNotMatch(metrics.body, /route="\/api\/molecules\?/);
    const remote = await app.inject({ method: 'GET', url: '/metrics', remoteAddress: '10.1.2.3' });
    assert.equal(remote.statusCode, 403);
    const withToken = await app.inject({
      method: 'GET',
      url: '/metrics',
      remoteAddress: '10.1.2.3',
      headers: { authorization: 'Bearer metrics-token-0123456789' }
    });
    assert.equal(withToken.statusCode, 200);
  });

  it('has alert rules and a dashboard that use only metrics the server exports', async () => {
    const exported = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    const names = new Set(
      [...exported.matchAll(/^# TYPE (\S+) (\S+)/gm)].flatMap(([, name, type]) =>
        type === 'histogram' ? [name, `${name}_bucket`, `${name}_count`, `${name}_sum`] : [name]
      )
    );
    const rules = parse(
      readFileSync(join(PROJECT_ROOT, 'ops', 'prometheus', 'alerts.yml'), 'utf8')
    ) as {
      groups: { rules: { alert: string; expr: string }[] }[];
    };
    const dashboard = JSON.parse(
      readFileSync(join(PROJECT_ROOT, 'ops', 'grafana', 'cryoprotect-dashboard.json'), 'utf8')
    ) as {
      panels: { targets: { expr: string }[] }[];
    };
    const expressions = [
      ...rules.groups.flatMap(g => g.rules.map(r => r.expr)),
      ...dashboard.panels.flatMap(p => p.targets.map(t => t.expr))
    ];
    assert.ok(expressions.length >= 10);
    for (const expr of expressions) {
      for (const [metric] of expr.matchAll(/cryoprotect_[a-z_]+/g)) {
        assert.ok(names.has(metric), `${metric} (in ${expr.trim()}) is not exported`);
      }
    }
  });
});
