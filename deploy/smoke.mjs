// The smoke test a release must pass on its own port before it gets any traffic: readiness, a
// read, a write in a throw-away project (created, changed, read back, deleted) and the OpenAPI
// document of the expected version. Each check is one line of output; the first failure stops it.
import { step } from './state.mjs';

const TIMEOUT_MS = 10_000;

async function call(base, token, method, path, body) {
  const headers = { accept: 'application/json' };
  if (token) {
    headers.authorization = `Bearer ${token}`;
  }
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
  }
  let response;
  try {
    response = await fetch(`${base}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(TIMEOUT_MS)
    });
  } catch (error) {
    throw new Error(`${method} ${path}: ${error.cause?.code ?? error.message}`);
  }
  const text = await response.text();
  let json;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.status, text, json };
}

function expectStatus(result, status, what) {
  if (result.status !== status) {
    throw new Error(`${what}: ${result.status}, expected ${status}: ${result.text.slice(0, 300)}`);
  }
}

export async function smokeTest(base, { token, version, label }) {
  await step('smoke', async note => {
    const ready = await call(base, undefined, 'GET', '/health/ready');
    expectStatus(ready, 200, 'GET /health/ready');
    note(`ready: GET /health/ready 200 (schema ${ready.json?.schema ?? '?'})`);
  });
  await step('smoke', async note => {
    const read = await call(base, token, 'GET', '/api/molecules?limit=1');
    expectStatus(read, 200, 'GET /api/molecules?limit=1');
    if (!Array.isArray(read.json?.items)) {
      throw new Error(`GET /api/molecules?limit=1: no items in ${read.text.slice(0, 200)}`);
    }
    note(`read: GET /api/molecules?limit=1 200 (${read.json.items.length} item)`);
  });
  if (token) {
    await step('smoke', async note => {
      const name = `bluegreen smoke ${label} ${new Date().toISOString()}`;
      const created = await call(base, token, 'POST', '/api/projects', {
        name,
        description: 'throw-away project of a blue-green smoke test'
      });
      expectStatus(created, 201, 'POST /api/projects');
      const id = created.json.id;
      try {
        const marker = `written by the smoke test of ${label}`;
        const changed = await call(base, token, 'PATCH', `/api/projects/${id}`, {
          description: marker
        });
        expectStatus(changed, 200, `PATCH /api/projects/${id}`);
        const read = await call(base, token, 'GET', `/api/projects/${id}`);
        expectStatus(read, 200, `GET /api/projects/${id}`);
        if (read.json?.description !== marker) {
          throw new Error(`GET /api/projects/${id}: the description written is not read back`);
        }
      } finally {
        const deleted = await call(base, token, 'DELETE', `/api/projects/${id}`);
        expectStatus(deleted, 204, `DELETE /api/projects/${id}`);
      }
      const gone = await call(base, token, 'GET', `/api/projects/${id}`);
      expectStatus(gone, 404, `GET /api/projects/${id} after its deletion`);
      note(`write: project created, changed, read back, deleted (${id})`);
    });
  } else {
    await step('smoke', async note =>
      note(
        'write: SKIPPED, no deploy token (--token-file, CRYOPROTECT_DEPLOY_TOKEN or CRYOPROTECT_DEPLOY_TOKEN_FILE)'
      )
    );
  }
  await step('smoke', async note => {
    const doc = await call(base, undefined, 'GET', '/api/openapi.json');
    expectStatus(doc, 200, 'GET /api/openapi.json');
    if (!doc.json) {
      throw new Error(`GET /api/openapi.json is not JSON: ${doc.text.slice(0, 120)}`);
    }
    if (doc.json.info?.version !== version) {
      throw new Error(
        `GET /api/openapi.json: version ${doc.json.info?.version}, expected ${version}`
      );
    }
    const operations = Object.keys(doc.json.paths ?? {}).length;
    if (!doc.json.paths?.['/api/projects']) {
      throw new Error('GET /api/openapi.json: no /api/projects in its paths');
    }
    note(`openapi: version ${version}, ${operations} paths`);
  });
}
