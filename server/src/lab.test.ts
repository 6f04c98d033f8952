import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ANNOUNCEMENTS_PLUGIN, startJupyterLab } from './lab.js';

/** A port nobody listens on now (the OS picks it). */
async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => done(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

describe('JupyterLab as `cryoprotect start` runs it', () => {
  it('tells the extension where the server is, and asks no news consent and checks no update', async () => {
    const logDir = mkdtempSync(join(tmpdir(), 'cryoprotect-lab-'));
    const lab = await startJupyterLab({
      port: await freePort(),
      openBrowser: false,
      serverUrl: 'http://127.0.0.1:7777',
      serverPort: 7777,
      logDir,
      notebook: '01-tutorial.ipynb'
    });
    try {
      const page = await (await fetch(lab.url)).text();
      const json =
        /<script id="jupyter-config-data" type="application\/json">([\s\S]*?)<\/script>/.exec(page);
      assert.ok(json, 'the lab page carries its page config');
      const config = JSON.parse(json[1]) as {
        disabledExtensions: string[];
        cryoprotectServerPort?: string;
        cryoprotectProxyPath?: string;
      };
      assert.equal(config.cryoprotectServerPort, '7777');
      // The package's server extension (jupyter-config/) adds nothing over what start configured.
      assert.equal(config.cryoprotectProxyPath, undefined);
      assert.ok(
        config.disabledExtensions.includes(ANNOUNCEMENTS_PLUGIN),
        `disabled: ${config.disabledExtensions.join(', ')}`
      );
      // The server side never asks the internet either.
      const news = await fetch(lab.url.replace(/\/lab\/tree\/[^?]*/, '/lab/api/news'));
      assert.deepEqual(((await news.json()) as { news: unknown[] }).news, []);
    } finally {
      await lab.stop();
      rmSync(logDir, { recursive: true, force: true });
    }
  });
});
