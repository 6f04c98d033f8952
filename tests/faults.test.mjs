import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CLI, freePort, runCommand, startProcess, tempDir } from './helpers.mjs';

// A batch large enough that the server is still working on it when it is killed: 1,500 distinct
// ethers and amines C(a)-X-C(b) with a <= b (distinct structures, so distinct InChIKeys).
const ROWS = ['O', 'N']
  .flatMap(x =>
    Array.from({ length: 40 * 40 }, (_, i) => [1 + (i % 40), 1 + Math.floor(i / 40), x])
  )
  .filter(([a, b]) => a <= b)
  .slice(0, 1500)
  .map(([a, b, x], i) => ({
    structure: `${'C'.repeat(a)}${x}${'C'.repeat(b)}`,
    name: `ether ${i}`
  }));
const DISTINCT = ROWS.length;

function postBatch(port, token) {
  return fetch(`http://127.0.0.1:${port}/api/molecules/batch`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ rows: ROWS })
  }).then(
    r => r.status,
    () => 'connection lost'
  );
}

async function serve(dataDir, port) {
  const server = startProcess(process.execPath, [CLI, 'serve', '--port', String(port)], {
    env: { CRYOPROTECT_DATA_DIR: dataDir, DATABASE_URL: '', LOG_LEVEL: 'silent' },
    ready: /REST server: http/
  });
  await server.started;
  return server;
}

async function countMolecules(dataDir, port) {
  const server = await serve(dataDir, port);
  try {
    const token = readFileSync(join(dataDir, 'token'), 'utf8').trim();
    let total = 0;
    let cursor = null;
    do {
      const response = await fetch(
        `http://127.0.0.1:${port}/api/molecules?limit=200&q=ether${cursor ? `&cursor=${cursor}` : ''}`,
        {
          headers: { authorization: `Bearer ${token}` }
        }
      );
      const page = await response.json();
      total += page.items.length;
      cursor = page.nextCursor;
    } while (cursor);
    return total;
  } finally {
    server.child.kill('SIGTERM');
    await server.exited;
  }
}

describe('kill -9 during a batch registration (embedded database)', () => {
  const dirs = [];
  after(() => dirs.forEach(d => rmSync(d, { recursive: true, force: true })));

  // How long the whole batch takes here, so that the kills land across its whole duration,
  // including the write transaction at its end.
  let duration = 0;
  it('stores the whole batch when nothing goes wrong', async () => {
    const dataDir = tempDir('cryoprotect-fault-');
    dirs.push(dataDir);
    const port = await freePort();
    const server = await serve(dataDir, port);
    const started = Date.now();
    const status = await postBatch(port, readFileSync(join(dataDir, 'token'), 'utf8').trim());
    duration = Date.now() - started;
    server.child.kill('SIGTERM');
    await server.exited;
    assert.equal(status, 201);
    assert.equal(await countMolecules(dataDir, port), DISTINCT);
  });

  for (const fraction of [0.3, 0.8, 0.9, 0.97]) {
    it(`killed at ${fraction * 100} % of the batch's time: the batch is stored whole or not at all, and the server restarts`, async context => {
      const dataDir = tempDir('cryoprotect-fault-');
      dirs.push(dataDir);
      const port = await freePort();
      const server = await serve(dataDir, port);
      const token = readFileSync(join(dataDir, 'token'), 'utf8').trim();
      const request = postBatch(port, token);
      const delayMs = Math.round(duration * fraction);
      await new Promise(r => setTimeout(r, delayMs));
      server.child.kill('SIGKILL');
      await server.exited;
      const status = await request;
      const stored = await countMolecules(dataDir, port);
      context.diagnostic(
        `killed after ${delayMs} ms: answer ${status}, ${stored} of ${DISTINCT} rows stored`
      );
      assert.ok(
        stored === 0 || stored === DISTINCT,
        `after kill at ${delayMs} ms (answer: ${status}): ${stored} of ${DISTINCT} rows stored`
      );
      if (status === 201) {
        assert.equal(stored, DISTINCT, 'the server answered 201 but the batch is not there');
      }
      // The restarted server is healthy: its database check passes.
      const health = await runCommand(process.execPath, [CLI, 'db', 'health'], {
        env: { CRYOPROTECT_DATA_DIR: dataDir, DATABASE_URL: '' }
      });
      assert.equal(health.code, 0, health.stdout + health.stderr);
    });
  }
});
