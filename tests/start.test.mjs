import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { connect } from 'node:net';
import { after, describe, it } from 'node:test';
import { CLI, freePort, startProcess, tempDir } from './helpers.mjs';

function portOpen(port) {
  return new Promise(done => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
  });
}

describe('cryoprotect start (what npm start runs after set-up)', () => {
  const dataDir = tempDir();
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('brings up the REST server and JupyterLab with the tslab kernel and the extension, and stops both on Ctrl-C', async () => {
    const [port, labPort] = [await freePort(), await freePort()];
    const started = startProcess(
      process.execPath,
      [CLI, 'start', '--no-browser', '--port', String(port), '--lab-port', String(labPort)],
      {
        env: { CRYOPROTECT_DATA_DIR: dataDir, DATABASE_URL: '' },
        ready: /JupyterLab: (http:\/\/\S+)/
      }
    );
    const [, labUrl] = await started.started;
    try {
      assert.match(started.output(), /loaded reference data: 25 molecules/);
      assert.match(started.output(), new RegExp(`REST server: http://127\\.0\\.0\\.1:${port}`));

      const ready = await fetch(`http://127.0.0.1:${port}/health/ready`);
      assert.equal(ready.status, 200);
      assert.equal((await ready.json()).database_kind, 'pglite');

      const url = new URL(labUrl);
      const token = url.searchParams.get('token');
      const auth = { headers: { Authorization: `token ${token}` } };
      const specs = await (await fetch(`${url.origin}/api/kernelspecs`, auth)).json();
      assert.ok(specs.kernelspecs.tslab, `kernels: ${Object.keys(specs.kernelspecs)}`);
      assert.equal(specs.kernelspecs.tslab.spec.language, 'typescript');

      const page = await (await fetch(`${url.origin}/lab`, auth)).text();
      assert.match(
        page,
        /@cryoprotect\/jupyterlab/,
        'the extension is not in JupyterLab page config'
      );

      // The extension's default route to the server: same origin, through jupyter-server-proxy.
      const proxied = await fetch(`${url.origin}/proxy/${port}/health/ready`, auth);
      assert.equal(proxied.status, 200);
      // The API's docs page through the same route: the redirect, the page's assets and the
      // OpenAPI document it loads are all relative, so each resolves under /proxy/<port>/.
      let docsUrl = new URL(`${url.origin}/proxy/${port}/api/docs`);
      let docs = await fetch(docsUrl, { ...auth, redirect: 'manual' });
      if (docs.status === 301 || docs.status === 302) {
        docsUrl = new URL(docs.headers.get('location'), docsUrl);
        docs = await fetch(docsUrl, { ...auth, redirect: 'manual' });
      }
      assert.equal(docs.status, 200, docsUrl.href);
      assert.equal(docsUrl.pathname, `/proxy/${port}/api/docs/`);
      const assets = [...(await docs.text()).matchAll(/\s(?:href|src)="([^"]*)"/g)].map(m => m[1]);
      for (const asset of [...assets, './json']) {
        const loaded = await fetch(new URL(asset, docsUrl), auth);
        assert.equal(loaded.status, 200, new URL(asset, docsUrl).href);
      }

      const notebook = await fetch(`${url.origin}/api/contents/01-tutorial.ipynb?content=0`, auth);
      assert.equal(notebook.status, 200, 'JupyterLab does not serve notebooks/ as its root');
    } finally {
      started.child.kill('SIGINT');
    }
    const { code } = await started.exited;
    assert.equal(code, 0, started.output());
    assert.match(started.output(), /SIGINT: stopping/);
    assert.equal(await portOpen(labPort), false, 'JupyterLab still listens after Ctrl-C');
    assert.equal(await portOpen(port), false, 'the REST server still listens after Ctrl-C');
  });
});
