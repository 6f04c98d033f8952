import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CLI, freePort, runCommand, startProcess, tempDir } from './helpers.mjs';

const ENV = { DATABASE_URL: '', LOG_LEVEL: 'silent' };
/** A restart after kill -9 must be ready within this (measured: about 5 s on two shared cores). */
const RESTART_BOUND_MS = 60_000;

function serve(dataDir, port) {
  return startProcess(process.execPath, [CLI, 'serve', '--port', String(port)], {
    env: { ...ENV, CRYOPROTECT_DATA_DIR: dataDir },
    ready: /REST server: http/
  });
}

async function waitReady(port, deadline) {
  for (;;) {
    const status = await fetch(`http://127.0.0.1:${port}/health/ready`).then(
      r => r.status,
      () => 0
    );
    if (status === 200) {
      return;
    }
    if (Date.now() > deadline) {
      throw new Error(`not ready (last answer ${status})`);
    }
    await new Promise(r => setTimeout(r, 50));
  }
}

describe('the embedded database folder has one server at a time (cryoprotect serve)', () => {
  const dataDir = tempDir('cryoprotect-lock-it-');
  // The embedded database lives in <data folder>/pgdata, its lock beside its files.
  const pgdata = join(dataDir, 'pgdata');
  const lockFile = join(pgdata, 'cryoprotect.lock');
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('refuses a second server on the folder, and is ready at once after kill -9', async context => {
    const port = await freePort();
    const first = serve(dataDir, port);
    await first.started;
    let second;
    try {
      await waitReady(port, Date.now() + 60_000);
      const record = JSON.parse(readFileSync(lockFile, 'utf8'));
      assert.equal(record.pid, first.child.pid);

      const refused = await runCommand(
        process.execPath,
        [CLI, 'serve', '--port', String(await freePort())],
        { env: { ...ENV, CRYOPROTECT_DATA_DIR: dataDir }, timeoutMs: 60_000 }
      );
      assert.notEqual(refused.code, 0, 'a second server on the folder must fail');
      assert.ok(
        (refused.stdout + refused.stderr).includes(
          `the embedded database ${pgdata} is in use by process ${first.child.pid} since ${record.since}`
        ),
        refused.stdout + refused.stderr
      );
      // The refused server left the first one's lock and database alone.
      assert.equal(JSON.parse(readFileSync(lockFile, 'utf8')).id, record.id);
      assert.equal((await fetch(`http://127.0.0.1:${port}/health/ready`)).status, 200);

      first.child.kill('SIGKILL');
      await first.exited;
      const killedAt = Date.now();
      second = serve(dataDir, port);
      await second.started;
      await waitReady(port, killedAt + RESTART_BOUND_MS);
      const restartMs = Date.now() - killedAt;
      context.diagnostic(`ready ${restartMs} ms after kill -9 (bound ${RESTART_BOUND_MS} ms)`);
      const taken = JSON.parse(readFileSync(lockFile, 'utf8'));
      assert.equal(taken.pid, second.child.pid);
    } finally {
      first.child.kill('SIGKILL');
      if (second) {
        second.child.kill('SIGTERM');
        await second.exited;
      }
    }
  });
});
