import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CLI, VENV_BIN, freePort, startProcess, tempDir } from './helpers.mjs';

/** A first start migrates and loads the reference data: bounded, generously, on shared cores. */
const START_BOUND_MS = 180_000;

/** Nothing from `npm start`: a plain `jupyter lab`, with only the data folder chosen. */
function plainEnv(dataDir, configDir) {
  return {
    CRYOPROTECT_DATA_DIR: dataDir,
    CRYOPROTECT_SERVER_URL: '',
    CRYOPROTECT_TOKEN: '',
    DATABASE_URL: '',
    LOG_LEVEL: 'warn',
    // The user's own Jupyter configuration stays out; the environment's (.venv/etc/jupyter, where
    // the wheel put jupyter-config/) is what is tested.
    JUPYTER_CONFIG_DIR: configDir,
    JUPYTER_RUNTIME_DIR: join(configDir, 'runtime')
  };
}

async function startLab(dataDir) {
  const configDir = tempDir('cryoprotect-jupyter-config-');
  const port = await freePort();
  const token = randomBytes(16).toString('hex');
  const lab = startProcess(
    join(VENV_BIN, 'jupyter'),
    [
      'lab',
      '--no-browser',
      '--ServerApp.ip=127.0.0.1',
      `--ServerApp.port=${port}`,
      '--ServerApp.port_retries=0',
      `--IdentityProvider.token=${token}`,
      `--ServerApp.root_dir=${dataDir}`,
      ...(process.getuid?.() === 0 ? ['--allow-root'] : [])
    ],
    { env: plainEnv(dataDir, configDir), ready: /http:\/\/127\.0\.0\.1:\d+\/lab\?token=/ }
  );
  const stop = async () => {
    if (lab.child.exitCode === null && lab.child.signalCode === null) {
      lab.child.kill('SIGTERM');
      const timer = setTimeout(() => lab.child.kill('SIGKILL'), 20_000);
      await lab.exited;
      clearTimeout(timer);
    }
    rmSync(configDir, { recursive: true, force: true });
  };
  const origin = `http://127.0.0.1:${port}`;
  let login;
  try {
    await lab.started;
    // Jupyter prints its URL a moment before it accepts connections: ask until it answers.
    const deadline = Date.now() + 60_000;
    while ((await fetch(`${origin}/api/status?token=${token}`).catch(() => null))?.status !== 200) {
      if (Date.now() > deadline) {
        throw new Error('Jupyter did not answer /api/status within 60 s');
      }
      await new Promise(r => setTimeout(r, 200));
    }
    // Sign in as the browser does: the token once, then Jupyter's cookie (GETs need no XSRF).
    login = await fetch(`${origin}/lab?token=${token}`);
  } catch (error) {
    await stop();
    throw new Error(`${error.message} (${error.cause?.message ?? ''})\n${lab.output()}`);
  }
  const cookie = login.headers
    .getSetCookie()
    .map(c => c.split(';')[0])
    .join('; ');
  const page = await login.text();
  const json =
    /<script id="jupyter-config-data" type="application\/json">([\s\S]*?)<\/script>/.exec(page);
  assert.ok(json, 'the lab page carries its page config');
  return {
    lab,
    origin,
    pageConfig: JSON.parse(json[1]),
    get: (path, headers = {}) => fetch(`${origin}${path}`, { headers: { cookie, ...headers } }),
    stop
  };
}

/** GET `path` through Jupyter until it answers `status`, within `boundMs`. */
async function waitFor(jupyter, path, status, boundMs, headers = {}) {
  const deadline = Date.now() + boundMs;
  let last;
  for (;;) {
    last = await jupyter.get(path, headers).catch(error => error);
    if (last.status === status) {
      return last;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `${path} did not answer ${status} within ${boundMs} ms (last: ${last.status ?? last.message})`
      );
    }
    await new Promise(r => setTimeout(r, 500));
  }
}

function lockHolder(dataDir) {
  return JSON.parse(readFileSync(join(dataDir, 'pgdata', 'cryoprotect.lock'), 'utf8'));
}

function serverRecord(dataDir) {
  return JSON.parse(readFileSync(join(dataDir, 'server.json'), 'utf8'));
}

function parentOf(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitGone(pid, boundMs) {
  const deadline = Date.now() + boundMs;
  while (alive(pid) && Date.now() < deadline) {
    await new Promise(r => setTimeout(r, 200));
  }
  return !alive(pid);
}

describe('a plain `jupyter lab` reaches CryoProtect through jupyter-config/ and the cryoprotect proxy entry', () => {
  const dirs = [];
  after(() => dirs.forEach(dir => rmSync(dir, { recursive: true, force: true })));

  it(
    'starts the server on first use, with the token the page and the kernels were given',
    { timeout: 400_000 },
    async context => {
      const dataDir = tempDir('cryoprotect-plain-lab-');
      dirs.push(dataDir);
      const jupyter = await startLab(dataDir);
      let entryPid;
      try {
        const config = jupyter.pageConfig;
        assert.equal(config.cryoprotectProxyPath, 'cryoprotect');
        assert.equal(config.cryoprotectServerPort, undefined, 'no page config of npm start here');
        // Written ahead of the server, which adopts it on its first start.
        const token = readFileSync(join(dataDir, 'token'), 'utf8').trim();
        assert.match(token, /^cpt_/);
        assert.equal(config.cryoprotectToken, token);

        const t0 = Date.now();
        const ready = await waitFor(jupyter, '/cryoprotect/health/ready', 200, START_BOUND_MS);
        context.diagnostic(`first start through the entry: ready after ${Date.now() - t0} ms`);
        const body = await ready.json();
        assert.equal(body.ready, true);
        assert.equal(body.database_kind, 'pglite');

        // The token of the page is one the server accepts: the local user.
        const me = await jupyter.get('/cryoprotect/api/users/me', {
          authorization: `Bearer ${config.cryoprotectToken}`
        });
        assert.equal(me.status, 200, await me.clone().text());
        assert.equal((await me.json()).username, 'local');

        // The server holding the database is the entry's process, a child of Jupyter.
        const record = serverRecord(dataDir);
        entryPid = record.pid;
        assert.equal(lockHolder(dataDir).pid, entryPid);
        assert.equal(parentOf(entryPid), jupyter.lab.child.pid);
        // Kernels are told the entry's address (from Jupyter's environment), which answers directly.
        const kernelUrl = /kernels: (http:\/\/127\.0\.0\.1:(\d+))/.exec(jupyter.lab.output());
        assert.ok(kernelUrl, jupyter.lab.output());
        assert.equal(Number(kernelUrl[2]), record.port);
        assert.equal((await fetch(`${kernelUrl[1]}/health/ready`)).status, 200);
      } finally {
        await jupyter.stop();
      }
      // Stopping Jupyter stops the server it started, which releases the database.
      if (entryPid !== undefined) {
        assert.ok(await waitGone(entryPid, 20_000), `server process ${entryPid} outlived Jupyter`);
        assert.equal(existsSync(join(dataDir, 'pgdata', 'cryoprotect.lock')), false);
        assert.equal(existsSync(join(dataDir, 'server.json')), false);
      }
    }
  );

  it(
    'forwards to a server already running on the data folder instead of opening it twice, and takes over when it stops',
    { timeout: 400_000 },
    async context => {
      const dataDir = tempDir('cryoprotect-plain-lab-running-');
      dirs.push(dataDir);
      const servePort = await freePort();
      const first = startProcess(process.execPath, [CLI, 'serve', '--port', String(servePort)], {
        env: { CRYOPROTECT_DATA_DIR: dataDir, DATABASE_URL: '', LOG_LEVEL: 'silent' },
        ready: /REST server: http/,
        timeoutMs: START_BOUND_MS
      });
      let jupyter;
      let entryPid;
      try {
        await first.started;
        const lockBefore = lockHolder(dataDir);
        assert.equal(lockBefore.pid, first.child.pid);
        jupyter = await startLab(dataDir);
        const token = readFileSync(join(dataDir, 'token'), 'utf8').trim();
        assert.equal(jupyter.pageConfig.cryoprotectToken, token, 'the running server’s token');

        const ready = await waitFor(jupyter, '/cryoprotect/health/ready', 200, 60_000);
        assert.equal((await ready.json()).ready, true);
        const me = await jupyter.get('/cryoprotect/api/users/me', {
          authorization: `Bearer ${token}`
        });
        assert.equal(me.status, 200);

        // The answers came from the first server: it still holds the database (same lock), its
        // record still names it, and the entry says it forwards to it.
        const forwarding = new RegExp(
          `forwarding 127\\.0\\.0\\.1:(\\d+) to the server of process ${first.child.pid} at http://127\\.0\\.0\\.1:${servePort}`
        ).exec(jupyter.lab.output());
        assert.ok(forwarding, jupyter.lab.output());
        assert.deepEqual(lockHolder(dataDir), lockBefore);
        assert.equal(serverRecord(dataDir).pid, first.child.pid);
        assert.equal(serverRecord(dataDir).port, servePort);

        // When the first server stops, the entry serves the folder itself: one process at a time.
        first.child.kill('SIGTERM');
        await first.exited;
        const t0 = Date.now();
        await waitFor(jupyter, '/cryoprotect/health/ready', 200, START_BOUND_MS);
        context.diagnostic(`taken over ${Date.now() - t0} ms after the first server stopped`);
        entryPid = serverRecord(dataDir).pid;
        assert.notEqual(entryPid, first.child.pid);
        assert.equal(lockHolder(dataDir).pid, entryPid);
        assert.equal(parentOf(entryPid), jupyter.lab.child.pid);
        assert.equal(serverRecord(dataDir).port, Number(forwarding[1]));
      } finally {
        first.child.kill('SIGKILL');
        await jupyter?.stop();
      }
      if (entryPid !== undefined) {
        assert.ok(await waitGone(entryPid, 20_000), `server process ${entryPid} outlived Jupyter`);
      }
    }
  );
});
