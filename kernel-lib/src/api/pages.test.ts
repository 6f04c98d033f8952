import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError, CryoProtectClient } from './client';

const SERVER = 'http://cryoprotect.test';
const OWNED = {
  visibility: 'private',
  projectId: null,
  ownerId: '00000000-0000-4000-8000-000000000001',
  createdAt: '2026-12-07T00:00:00.000Z'
};
const REFERENCE = {
  id: '00000000-0000-4000-8000-00000000000a',
  key: null,
  citation: 'Fahy 2004',
  doi: null,
  url: null,
  licence: null,
  ...OWNED
};

/** A client whose fetch answers each request with the next of `answers`, recording the URLs. */
function clientAnswering(...answers: [number, unknown][]): {
  client: CryoProtectClient;
  urls: string[];
} {
  const urls: string[] = [];
  const fetch = (async (url: string) => {
    urls.push(url);
    const [status, body] = answers.shift() ?? [500, {}];
    return new Response(JSON.stringify(body), {
      status,
      headers: { 'content-type': 'application/json' }
    });
  }) as typeof globalThis.fetch;
  return { client: new CryoProtectClient({ serverUrl: SERVER, token: 't', fetch }), urls };
}

describe('page-returning listings', () => {
  it('asks for one page with the filters, limit and cursor given, and returns its cursor', async () => {
    const { client, urls } = clientAnswering(
      [200, { items: [REFERENCE], nextCursor: 'c2' }],
      [200, { items: [], nextCursor: null }]
    );
    const first = await client.references.page({ q: 'fahy', limit: 1 });
    assert.deepEqual(
      first.items.map(r => r.citation),
      ['Fahy 2004']
    );
    assert.equal(first.nextCursor, 'c2');
    const second = await client.references.page({ q: 'fahy', limit: 1, cursor: first.nextCursor });
    assert.equal(second.nextCursor, null);
    assert.deepEqual(urls, [
      `${SERVER}/api/references?q=fahy&limit=1`,
      `${SERVER}/api/references?q=fahy&limit=1&cursor=c2`
    ]);
  });

  it('reaches every listing the database browser pages through', async () => {
    const empty: [number, unknown] = [200, { items: [], nextCursor: null }];
    const { client, urls } = clientAnswering(empty, empty, empty, empty, empty);
    await client.moleculesPage({ q: 'ol' });
    await client.mixtures.page({ cursor: 'm' });
    await client.datasets.page({ q: 'tg' });
    await client.models.page({ name: 'tg-model', limit: 5 });
    await client.predictions.page({ modelVersionId: 'v', cursor: null });
    assert.deepEqual(urls, [
      `${SERVER}/api/molecules?q=ol`,
      `${SERVER}/api/mixtures?cursor=m`,
      `${SERVER}/api/datasets?q=tg`,
      `${SERVER}/api/models?name=tg-model&limit=5`,
      `${SERVER}/api/predictions?modelVersionId=v`
    ]);
  });

  it("fails with the server's problem, not a page", async () => {
    const { client } = clientAnswering([
      403,
      {
        type: 'https://cryoprotect.org/problems/forbidden',
        title: 'Forbidden',
        status: 403,
        detail: 'the token lacks the read scope'
      }
    ]);
    await assert.rejects(client.datasets.page(), (error: unknown) => {
      assert.ok(error instanceof ApiError);
      assert.equal(error.status, 403);
      assert.match(error.message, /lacks the read scope/);
      return true;
    });
  });

  it('refuses a page that does not match the schema', async () => {
    const { client } = clientAnswering([200, { items: [{ id: 'x' }], nextCursor: null }]);
    await assert.rejects(client.references.page(), { name: 'ZodError' });
  });
});
