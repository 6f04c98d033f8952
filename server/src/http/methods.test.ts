import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { ProblemSchema } from '@cryoprotect/kernel';
import { createTestApp } from '../testing/app.js';
import { databaseTargets, type TestDatabase } from '../testing/databases.js';

for (const target of databaseTargets()) {
  describe(`methods and tokens before validation on ${target.kind}`, { skip: target.skip }, () => {
    let t: TestDatabase;
    let app: FastifyInstance;
    before(async () => {
      ({ t, app } = await createTestApp(target));
    });
    after(async () => {
      await app?.close();
      await t?.dispose();
    });

    it('answers an undeclared method on a resource 405 with Allow, before reading the body', async () => {
      for (const [method, url] of [
        ['QUERY', '/api/molecules'],
        ['PROPFIND', '/api/molecules/5f0c8a3e-8d2b-4c1e-9f4a-2b7d6e1c0a9f'],
        ['PUT', '/api/molecules']
      ] as const) {
        const response = await app.inject({ method: method as 'PUT', url });
        assert.equal(response.statusCode, 405, `${method} ${url}: ${response.body}`);
        assert.match(String(response.headers['content-type']), /application\/problem\+json/);
        const allow = String(response.headers.allow).split(', ');
        assert.ok(allow.includes('GET') && !allow.includes(method), `${url}: ${allow.join(',')}`);
        assert.equal(ProblemSchema.parse(response.json()).status, 405);
      }
    });

    it('takes a static path for its own resource: PATCH on a batch is 405, not a bad id', async () => {
      for (const url of ['/api/molecules/batch', '/api/measurements/batch']) {
        for (const method of ['PATCH', 'DELETE', 'GET'] as const) {
          const response = await app.inject({
            method,
            url,
            headers: { authorization: 'Bearer nonsense', 'content-type': 'application/json' },
            payload: method === 'GET' ? undefined : '{}'
          });
          assert.equal(response.statusCode, 405, `${method} ${url}: ${response.body}`);
          assert.equal(response.headers.allow, 'POST');
        }
      }
      // The parametric route still serves its own paths.
      const bad = await app.inject({ method: 'GET', url: '/api/molecules/not-a-uuid' });
      assert.equal(bad.statusCode, 400);
    });

    it('keeps 404 for paths no route serves, and serves declared methods as before', async () => {
      const missing = await app.inject({ method: 'GET', url: '/api/no-such-thing' });
      assert.equal(missing.statusCode, 404);
      const queried = await app.inject({ method: 'QUERY' as 'GET', url: '/api/no-such-thing' });
      assert.equal(queried.statusCode, 404);
      const listed = await app.inject({ method: 'GET', url: '/api/molecules?limit=1' });
      assert.equal(listed.statusCode, 200);
      const head = await app.inject({ method: 'HEAD', url: '/api/molecules?limit=1' });
      assert.equal(head.statusCode, 200);
    });

    it('tells an anonymous caller of a token-only operation 401 before judging its parameters', async () => {
      for (const url of ['/api/audit?limit=0&cursor=0', '/api/users?limit=0', '/api/tokens']) {
        const response = await app.inject({ method: 'GET', url });
        assert.equal(response.statusCode, 401, `${url}: ${response.body}`);
        assert.equal(response.json().type.endsWith('/unauthenticated'), true);
      }
    });
  });
}
