import { ServerConnection } from '@jupyterlab/services';
import { checkHealth, resolveServerUrl } from '../health';

const SERVER = 'http://127.0.0.1:8787/';

/** Settings of a Jupyter server elsewhere, so checkHealth uses plain fetch for SERVER. */
const connection = ServerConnection.makeSettings({ baseUrl: 'http://localhost:8888/' });

/** The chemistry engines as a server reports them (RDKit loaded, Indigo not needed yet). */
const chemistry = {
  rdkit: { name: 'RDKit.js', state: 'ready', failures: 0, lastFailure: null },
  indigo: { name: 'Indigo', state: 'idle', failures: 0, lastFailure: null }
};

function answer(status: number, body: unknown): jest.Mock {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return jest.fn(async () => new Response(text, { status }));
}

describe('checkHealth', () => {
  const realFetch = globalThis.fetch;
  afterEach(() => {
    globalThis.fetch = realFetch;
  });

  it('reports ready from a 200 readiness report', async () => {
    const fetch = answer(200, {
      ready: true,
      database: 'ok',
      schema: 'current',
      problems: [],
      database_kind: 'pglite',
      chemistry
    });
    globalThis.fetch = fetch;
    await expect(checkHealth(SERVER, connection)).resolves.toEqual({
      state: 'ready',
      databaseKind: 'pglite',
      detail: 'ready (pglite)'
    });
    expect(fetch).toHaveBeenCalledWith('http://127.0.0.1:8787/health/ready');
  });

  it('reports not ready from a 503 readiness report, with its problems', async () => {
    globalThis.fetch = answer(503, {
      ready: false,
      database: 'ok',
      schema: 'pending',
      problems: ['migration 012_x.sql is not applied', 'migration 013_y.sql is not applied'],
      database_kind: 'postgres',
      chemistry
    });
    await expect(checkHealth(SERVER, connection)).resolves.toEqual({
      state: 'not-ready',
      databaseKind: 'postgres',
      detail: 'migration 012_x.sql is not applied; migration 013_y.sql is not applied'
    });
  });

  it('refuses a body the kernel schema does not accept, even with 200 and ready: true', async () => {
    globalThis.fetch = answer(200, { ready: true, database_kind: 'sqlite' });
    const health = await checkHealth(SERVER, connection);
    expect(health.state).toBe('invalid');
    expect(health.databaseKind).toBeUndefined();
    expect(health.detail).toMatch(/answered 200 with a body that is not a readiness report/);
    expect(health.detail).toMatch(/database/);
  });

  it('reports an answer without JSON and no answer at all as unreachable', async () => {
    globalThis.fetch = answer(502, '<html>Bad Gateway</html>');
    await expect(checkHealth(SERVER, connection)).resolves.toMatchObject({
      state: 'unreachable',
      detail: expect.stringMatching(/answered 502 without JSON/)
    });
    globalThis.fetch = jest.fn(async () => {
      throw new TypeError('Failed to fetch');
    });
    await expect(checkHealth(SERVER, connection)).resolves.toMatchObject({
      state: 'unreachable',
      detail: expect.stringMatching(/no answer from .*: Failed to fetch/)
    });
  });
});

describe('resolveServerUrl', () => {
  it('prefers the configured URL, else the proxied port of the page config', () => {
    expect(resolveServerUrl(' http://example.org:9000// ', '/lab/', '8787')).toBe(
      'http://example.org:9000/'
    );
    expect(resolveServerUrl('', '/user/x/', '8797')).toBe('/user/x/proxy/8797/');
    expect(resolveServerUrl('', '/', 'not a port')).toBe('/proxy/8787/');
  });

  it('uses the named proxy entry of a plain jupyter lab when no port is in the page config', () => {
    expect(resolveServerUrl('', '/user/x/', '', 'cryoprotect')).toBe('/user/x/cryoprotect/');
    // The port of `npm start` wins over the entry; a configured URL over both.
    expect(resolveServerUrl('', '/', '8797', 'cryoprotect')).toBe('/proxy/8797/');
    expect(resolveServerUrl('http://h:1', '/', '', 'cryoprotect')).toBe('http://h:1/');
    // Only a plain path segment is taken; anything else falls back to the default port.
    expect(resolveServerUrl('', '/', '', '../evil')).toBe('/proxy/8787/');
  });
});
