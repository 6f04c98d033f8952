import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { OpenAPIV3 } from 'openapi-types';
import { createTestApp } from '../testing/app.js';
import { databaseTargets, type TestDatabase } from '../testing/databases.js';
import { createUserWithToken } from '../testing/users.js';
import { OPTIONAL_TOKEN, PROBLEM_MEDIA_TYPE, TOKEN_REQUIRED } from './route-schemas.js';

/**
 * /api/openapi.json tells the truth about every operation: refusals are problem+json, 204s have
 * no content, the statuses every request can meet are listed, and the security of each GET is
 * what an anonymous caller really meets.
 */
const REPORTS = ['/api/models/{name}/versions/{version}/coverage'];

describe('the OpenAPI document', () => {
  let t: TestDatabase;
  let app: FastifyInstance;
  let document: OpenAPIV3.Document;
  const operations: { method: string; path: string; operation: OpenAPIV3.OperationObject }[] = [];

  before(async () => {
    ({ t, app } = await createTestApp(databaseTargets()[0]));
    document = (await app.inject({ url: '/api/openapi.json' })).json();
    for (const [path, item] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(item ?? {})) {
        if (typeof operation === 'object' && operation !== null && 'responses' in operation) {
          operations.push({ method, path, operation: operation as OpenAPIV3.OperationObject });
        }
      }
    }
  });
  after(async () => {
    await app?.close();
    await t?.dispose();
  });

  it('documents every refusal as application/problem+json and every 204 without content', () => {
    assert.ok(operations.length >= 60, `${operations.length} operations`);
    for (const { method, path, operation } of operations) {
      for (const [status, value] of Object.entries(operation.responses)) {
        const response = value as OpenAPIV3.ResponseObject;
        const where = `${method.toUpperCase()} ${path} ${status}`;
        assert.notEqual(response.description, 'Default Response', where);
        if (status === '204') {
          assert.equal(response.content, undefined, where);
        } else if (Number(status) >= 400) {
          assert.ok(response.content?.[PROBLEM_MEDIA_TYPE]?.schema, where);
          // Only the readiness report is a 503 in plain JSON (besides its problem).
          const others = Object.keys(response.content ?? {}).filter(k => k !== PROBLEM_MEDIA_TYPE);
          assert.deepEqual(
            others,
            path === '/health/ready' && status === '503' ? ['application/json'] : [],
            where
          );
        } else {
          assert.ok(Object.keys(response.content ?? {}).length > 0, `${where}: no content`);
        }
      }
    }
  });

  it('lists the statuses every request can meet: 400, 401, 431, 503, 429, 413/415 with a body, 404 for a record', () => {
    for (const { method, path, operation } of operations) {
      const statuses = new Set(Object.keys(operation.responses));
      const expected = ['400', '401', '431', '503'];
      if (path !== '/health/ready') {
        expected.push('429');
      }
      if (['post', 'put', 'patch', 'delete'].includes(method)) {
        expected.push('413', '415');
      }
      if (path.includes('{')) {
        expected.push('404');
      }
      for (const status of expected) {
        assert.ok(statuses.has(status), `${method.toUpperCase()} ${path} lacks ${status}`);
      }
      // Only PATCH /api/models/{id} never succeeds (405: model versions are immutable).
      assert.ok(
        [...statuses].some(s => s.startsWith('2')) || statuses.has('405'),
        `${method.toUpperCase()} ${path}: no success`
      );
    }
  });

  it('marks anonymous reads with optional auth, and they work without a token', async () => {
    const anyId = '00000000-0000-4000-8000-000000000000';
    const required = [];
    for (const { method, path, operation } of operations) {
      if (method !== 'get' || path === '/health/ready') {
        continue;
      }
      const query: Record<string, string> = {};
      for (const parameter of (operation.parameters ?? []) as OpenAPIV3.ParameterObject[]) {
        if (parameter.in === 'query' && parameter.required) {
          query[parameter.name] = 'CCO';
        }
      }
      const url =
        path.replace(/\{[^}]+\}/g, anyId) +
        (Object.keys(query).length ? `?${new URLSearchParams(query)}` : '');
      const response = await app.inject({ method: 'GET', url });
      const where = `GET ${path} -> ${response.statusCode}`;
      if (response.statusCode === 401) {
        assert.deepEqual(operation.security, TOKEN_REQUIRED, where);
        required.push(path);
      } else {
        assert.deepEqual(operation.security, OPTIONAL_TOKEN, where);
      }
    }
    assert.deepEqual(required.sort(), ['/api/audit', '/api/tokens', '/api/users', '/api/users/me']);
    // Writes need a token, stated on each operation (the authentication hook reads it), except
    // signing in.
    assert.deepEqual(document.security, TOKEN_REQUIRED);
    for (const { method, path, operation } of operations) {
      if (method !== 'get') {
        assert.deepEqual(
          operation.security,
          path === '/api/auth/login' ? [] : TOKEN_REQUIRED,
          `${method} ${path}`
        );
      }
    }
  });

  it('answers every list and search with the envelope { items, nextCursor }', () => {
    const lists = [];
    for (const { method, path, operation } of operations) {
      const ok = (operation.responses['200'] as OpenAPIV3.ResponseObject | undefined)?.content?.[
        'application/json'
      ]?.schema as OpenAPIV3.SchemaObject | undefined;
      // One record (its path ends with its key) may hold arrays of its parts; readiness too, and
      // a report about one record (a model version's real coverage: its months and results are
      // bounded by the version, not paged).
      if (
        method !== 'get' ||
        !ok?.properties ||
        /\}$/.test(path) ||
        path.startsWith('/health') ||
        REPORTS.includes(path)
      ) {
        continue;
      }
      const arrays = Object.entries(ok.properties)
        .filter(([, p]) => (p as OpenAPIV3.SchemaObject).type === 'array')
        .map(([k]) => k);
      if (arrays.length === 0) {
        continue;
      }
      lists.push(path);
      assert.ok(arrays.includes('items'), `GET ${path}: a list under ${arrays.join(', ')}`);
      assert.ok(ok.required?.includes('items') && ok.required.includes('nextCursor'), path);
    }
    for (const path of [
      '/api/molecules',
      '/api/molecules/search/substructure',
      '/api/molecules/search/similar',
      '/api/tokens',
      '/api/property-types',
      '/api/audit',
      '/api/measurements',
      '/api/molecules/{id}/measurements'
    ]) {
      assert.ok(lists.includes(path), `${path} is not a list`);
    }
  });

  it('refuses unknown keys in every request body (additionalProperties: false, free-form maps aside)', () => {
    const open: string[] = [];
    const walk = (schema: OpenAPIV3.SchemaObject | undefined, path: string) => {
      if (!schema) {
        return;
      }
      if (schema.properties) {
        // Free-form maps (conditions) declare their catchall as a schema; others must be closed.
        if (schema.additionalProperties === undefined || schema.additionalProperties === true) {
          open.push(path);
        }
        for (const [key, child] of Object.entries(schema.properties)) {
          walk(child as OpenAPIV3.SchemaObject, `${path}.${key}`);
        }
      }
      if ('items' in schema) {
        walk(schema.items as OpenAPIV3.SchemaObject, `${path}[]`);
      }
      for (const alternative of [...(schema.anyOf ?? []), ...(schema.oneOf ?? [])]) {
        walk(alternative as OpenAPIV3.SchemaObject, path);
      }
    };
    let bodies = 0;
    for (const { method, path, operation } of operations) {
      const body = (operation.requestBody as OpenAPIV3.RequestBodyObject | undefined)?.content[
        'application/json'
      ]?.schema as OpenAPIV3.SchemaObject | undefined;
      if (body) {
        bodies++;
        walk(body, `${method.toUpperCase()} ${path} body`);
      }
    }
    assert.ok(bodies >= 25, `${bodies} bodies`);
    assert.deepEqual(open, []);
  });

  it('sends refusals as it documents them: problem+json for 400, 401 and 415; unknown body keys named', async () => {
    const refused = await app.inject({ method: 'GET', url: '/api/molecules/not-a-uuid' });
    assert.equal(refused.statusCode, 400);
    assert.match(String(refused.headers['content-type']), /^application\/problem\+json/);
    const anonymousWrite = await app.inject({
      method: 'POST',
      url: '/api/molecules',
      payload: { structure: 'CCO' }
    });
    assert.equal(anonymousWrite.statusCode, 401);
    assert.match(String(anonymousWrite.headers['content-type']), /^application\/problem\+json/);
    // Refused as anonymous before the body is read: a malformed body does not change that.
    const anonymousMalformed = await app.inject({
      method: 'POST',
      url: '/api/molecules',
      payload: { colour: 'blue' }
    });
    assert.equal(anonymousMalformed.statusCode, 401, anonymousMalformed.body);
    const { token } = await createUserWithToken(t.db, 'openapi-writer');
    const authorization = `Bearer ${token}`;
    const unsupported = await app.inject({
      method: 'POST',
      url: '/api/molecules',
      headers: { 'content-type': 'application/xml', authorization },
      payload: '<molecule/>'
    });
    assert.equal(unsupported.statusCode, 415);
    // Unknown keys are refused by name, at the top level and inside arrays, not dropped.
    const unknown = await app.inject({
      method: 'POST',
      url: '/api/molecules',
      headers: { authorization },
      payload: { structure: 'CCO', colour: 'blue' }
    });
    assert.equal(unknown.statusCode, 400, unknown.body);
    assert.deepEqual(
      unknown.json().errors.map((e: { path: string }) => e.path),
      ['body.colour']
    );
    assert.match(unknown.json().errors[0].message, /unknown key "colour"/);
    const nested = await app.inject({
      method: 'POST',
      url: '/api/molecules/batch',
      headers: { authorization },
      payload: { rows: [{ structure: 'CCO', smiles: 'CCO' }] }
    });
    assert.equal(nested.statusCode, 400, nested.body);
    assert.deepEqual(
      nested.json().errors.map((e: { path: string }) => e.path),
      ['body.rows[0].smiles']
    );
    assert.match(String(unsupported.headers['content-type']), /^application\/problem\+json/);
  });
});
