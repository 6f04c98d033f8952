import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../app.js';
import { DEFAULT_MIGRATIONS_DIR } from '../config.js';
import { openPGlite, type Database } from '../db/database.js';

/** Every address an HTML page loads (href and src attributes). */
function referenced(html: string): string[] {
  return [...html.matchAll(/\s(?:href|src)="([^"]*)"/g)].map(m => m[1]);
}

/**
 * What jupyter-server-proxy does for <base>/proxy/<port>/...: strip the prefix and forward the rest
 * to the server, answers (Location headers included) passed back as they are. Anything outside the
 * prefix is not the server's: 404, as in JupyterLab.
 */
function prefixProxy(prefix: string, target: number): Server {
  return createServer((incoming, outgoing) => {
    if (!incoming.url!.startsWith(`${prefix}/`)) {
      outgoing.writeHead(404).end(`not under ${prefix}`);
      return;
    }
    const forward = request(
      {
        host: '127.0.0.1',
        port: target,
        path: incoming.url!.slice(prefix.length),
        method: incoming.method,
        headers: { ...incoming.headers, host: `127.0.0.1:${target}` }
      },
      answer => {
        outgoing.writeHead(answer.statusCode!, answer.headers);
        answer.pipe(outgoing);
      }
    );
    forward.on('error', () => outgoing.writeHead(502).end());
    incoming.pipe(forward);
  });
}

async function listen(server: Server | FastifyInstance): Promise<number> {
  if ('inject' in server) {
    await server.listen({ port: 0, host: '127.0.0.1' });
    return (server.server.address() as { port: number }).port;
  }
  await new Promise<void>(done => server.listen(0, '127.0.0.1', done));
  return (server.address() as { port: number }).port;
}

describe('the docs page through a path prefix (jupyter-server-proxy)', () => {
  let db: Database;
  let app: FastifyInstance;
  let port: number;
  before(async () => {
    db = await openPGlite('memory://');
    app = await buildApp({ db, migrationsDir: DEFAULT_MIGRATIONS_DIR, logLevel: 'silent' });
    port = await listen(app);
  });
  after(async () => {
    await app.close();
    await db.close();
  });

  it('names every asset, the OpenAPI document and each redirect relatively', async () => {
    const page = await app.inject({ method: 'GET', url: '/api/docs/' });
    assert.equal(page.statusCode, 200);
    const urls = referenced(page.body);
    assert.ok(urls.length >= 5, page.body);
    for (const url of urls) {
      assert.match(url, /^\.\/static\/[\w.-]+$/, `${url} is not relative to the page`);
    }
    const initializer = await app.inject({
      method: 'GET',
      url: '/api/docs/static/swagger-initializer.js'
    });
    assert.equal(initializer.statusCode, 200);
    // The document is loaded from ./json beside the page; no address in it starts at the root.
    assert.match(initializer.body, /url: resolveUrl\('\.\/json'\)/);
    assert.doesNotMatch(initializer.body, /["'`]\/(?:api|static|docs|json)/);
    assert.doesNotMatch(initializer.body, /https?:\/\/(?!stackoverflow)/);

    for (const [from, to] of [
      ['/api/docs', 'docs/'],
      ['/api/docs?x=1', 'docs/'],
      ['/api/docs/static/index.html', '../']
    ]) {
      const redirect = await app.inject({ method: 'GET', url: from });
      assert.equal(redirect.statusCode, 302, from);
      assert.equal(redirect.headers.location, to, from);
    }
  });

  for (const prefix of ['/proxy/PORT', '/user/alice/proxy/PORT', '/cryoprotect']) {
    it(`loads the page, each asset and the OpenAPI document under ${prefix}`, async () => {
      const proxy = prefixProxy(prefix.replace('PORT', String(port)), port);
      const proxyPort = await listen(proxy);
      try {
        const base = `http://127.0.0.1:${proxyPort}${prefix.replace('PORT', String(port))}`;
        // As a browser does: follow redirects, resolving each Location against the current URL.
        let location = new URL(`${base}/api/docs`);
        let response = await fetch(location, { redirect: 'manual' });
        for (let hops = 0; response.status >= 300 && response.status < 400; hops++) {
          assert.ok(hops < 3, 'redirect loop');
          location = new URL(response.headers.get('location')!, location);
          response = await fetch(location, { redirect: 'manual' });
        }
        assert.equal(response.status, 200);
        assert.equal(location.href, `${base}/api/docs/`);
        const html = await response.text();
        const loaded: string[] = [];
        for (const url of referenced(html)) {
          const asset = new URL(url, location);
          const got = await fetch(asset);
          assert.equal(got.status, 200, asset.href);
          assert.ok((await got.arrayBuffer()).byteLength > 0, asset.href);
          loaded.push(asset.pathname);
        }
        assert.ok(loaded.some(p => p.endsWith('/swagger-initializer.js')));
        assert.ok(loaded.some(p => p.endsWith('/swagger-ui-bundle.js')));
        // The initializer's resolveUrl('./json'): the page's address with a closing slash.
        const href = location.href.split('#')[0];
        const documentUrl = new URL('./json', href.endsWith('/') ? href : `${href}/`);
        assert.equal(documentUrl.href, `${base}/api/docs/json`);
        const openapi = await fetch(documentUrl);
        assert.equal(openapi.status, 200);
        const spec = (await openapi.json()) as { openapi: string; paths: Record<string, unknown> };
        assert.match(spec.openapi, /^3\./);
        assert.ok(spec.paths['/api/molecules']);
        // A link into the page's static folder from an old bookmark lands on the page too.
        const old = await fetch(`${base}/api/docs/static/index.html`, { redirect: 'manual' });
        assert.equal(
          new URL(old.headers.get('location')!, `${base}/api/docs/static/index.html`).href,
          `${base}/api/docs/`
        );
      } finally {
        await new Promise(done => proxy.close(done));
      }
    });
  }
});
