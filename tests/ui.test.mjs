// Browser tests: JupyterLab with the CryoProtect extension in Debian's Chromium, driven by Galata
// (Playwright) from ui-tests/. This file prepares what they need and runs them as one test:
// Chromium (installed from Debian when missing and this is root), a scratch root holding a copy
// of notebooks/ and data/ inside the repository (.cryoprotect/, git-ignored: tslab resolves
// @cryoprotect/kernel from the repository's node_modules as the notebooks do, and nothing the
// browser saves lands in notebooks/), and a Jupyter server on a free port of 127.0.0.1.
// ui-tests/tests/renderers.spec.ts needs no copy here: each of its tests uploads
// ui-tests/notebooks/renderers.ipynb into Galata's per-test folder of that root (deleted after it).
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readFileSync } from 'node:fs';
import { CLI, ROOT, VENV_BIN, freePort, runCommand, startProcess, tempDir } from './helpers.mjs';

/** The account the sign-in test signs in with (a throw-away database on 127.0.0.1). */
const UI_USER = { username: 'ada', password: 'galata-sign-in-test' };
/** The lab member of the verification test, signed in from a second browser context. */
const LAB_USER = { username: 'grace', password: 'galata-lab-member-test' };
const CHROMIUM = process.env.CRYOPROTECT_CHROMIUM ?? '/usr/bin/chromium';
const UI = join(ROOT, 'ui-tests');

async function ensureChromium() {
  if (existsSync(CHROMIUM)) {
    return;
  }
  assert.equal(
    process.getuid?.(),
    0,
    `${CHROMIUM} is missing: install Debian's chromium (sudo apt-get install chromium) or set CRYOPROTECT_CHROMIUM`
  );
  const env = { DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update'], ['install', '-y', '--no-install-recommends', 'chromium']]) {
    const result = await runCommand('apt-get', args, { env, timeoutMs: 900_000 });
    assert.equal(result.code, 0, `apt-get ${args.join(' ')}\n${result.stderr}`);
  }
}

describe('JupyterLab in Chromium (Galata)', () => {
  mkdirSync(join(ROOT, '.cryoprotect'), { recursive: true });
  const root = mkdtempSync(join(ROOT, '.cryoprotect', 'ui-root-'));
  const results = tempDir('cryoprotect-ui-results-');
  let lab;
  let port;
  let server;
  let serverPort;

  before(async () => {
    await ensureChromium();
    cpSync(join(ROOT, 'notebooks'), join(root, 'notebooks'), {
      recursive: true,
      filter: source =>
        !source.endsWith('.executed.ipynb') && !source.includes('.ipynb_checkpoints')
    });
    cpSync(join(ROOT, 'data'), join(root, 'data'), { recursive: true });
    // The embedded CryoProtect server (PGlite in a scratch folder, its local user and token), as
    // `npm start` runs it: the extension finds it through the page config and jupyter-server-proxy,
    // kernels through CRYOPROTECT_SERVER_URL and CRYOPROTECT_TOKEN.
    const dataDir = tempDir('cryoprotect-ui-data-');
    // Accounts with a password: ada for the sign-in test, grace for the verification queue's lab
    // member (PGlite has one process at a time: they are made before the server opens the database).
    for (const user of [UI_USER, LAB_USER]) {
      const account = await runCommand(
        process.execPath,
        [CLI, 'user', 'create', user.username, '--password-stdin'],
        {
          env: { CRYOPROTECT_DATA_DIR: dataDir, DATABASE_URL: '' },
          stdin: `${user.password}\n`,
          timeoutMs: 180_000
        }
      );
      assert.equal(account.code, 0, account.stderr);
    }
    serverPort = await freePort();
    server = startProcess(
      process.execPath,
      [CLI, 'start', '--no-lab', '--no-browser', '--port', String(serverPort)],
      {
        env: { CRYOPROTECT_DATA_DIR: dataDir, DATABASE_URL: '' },
        ready: /REST server: http/,
        timeoutMs: 180_000
      }
    );
    await server.started;
    const token = readFileSync(join(dataDir, 'token'), 'utf8').trim();
    port = await freePort();
    lab = startProcess(
      join(VENV_BIN, 'jupyter'),
      ['lab', '--config', join(UI, 'jupyter_server_test_config.py')],
      {
        env: {
          CRYOPROTECT_UI_PORT: String(port),
          CRYOPROTECT_UI_SERVER_PORT: String(serverPort),
          CRYOPROTECT_SERVER_URL: `http://127.0.0.1:${serverPort}`,
          CRYOPROTECT_TOKEN: token,
          JUPYTERLAB_GALATA_ROOT_DIR: root,
          PATH: `${VENV_BIN}:${process.env.PATH}`
        },
        ready: /Jupyter Server .* is running at|http:\/\/127\.0\.0\.1:\d+\/lab/,
        timeoutMs: 120_000
      }
    );
    await lab.started;
  });

  after(async () => {
    lab?.child.kill('SIGTERM');
    await lab?.exited;
    server?.child.kill('SIGTERM');
    await server?.exited;
    rmSync(root, { recursive: true, force: true });
  });

  it('runs the Galata suite in ui-tests/ against it', async () => {
    const result = await runCommand(
      join(ROOT, 'node_modules', '.bin', 'playwright'),
      // CRYOPROTECT_UI_ARGS passes more Playwright arguments, e.g. "--update-snapshots -g renderers"
      // after a deliberate change of what the renderers draw.
      [
        'test',
        '--config',
        join(UI, 'playwright.config.ts'),
        ...(process.env.CRYOPROTECT_UI_ARGS?.split(' ').filter(Boolean) ?? [])
      ],
      {
        cwd: UI,
        timeoutMs: 1_500_000,
        env: {
          CRYOPROTECT_UI_PORT: String(port),
          CRYOPROTECT_UI_RESULTS: results,
          CRYOPROTECT_UI_SERVER_PORT: String(serverPort),
          CRYOPROTECT_UI_USERNAME: UI_USER.username,
          CRYOPROTECT_UI_PASSWORD: UI_USER.password,
          CRYOPROTECT_UI_LAB_USERNAME: LAB_USER.username,
          CRYOPROTECT_UI_LAB_PASSWORD: LAB_USER.password,
          CRYOPROTECT_CHROMIUM: CHROMIUM,
          PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1'
        }
      }
    );
    process.stdout.write(
      `# Galata: ${result.stdout
        .split('\n')
        .filter(l => /passed|failed|skipped/.test(l))
        .join('; ')} (screenshots and traces: ${results})\n`
    );
    assert.equal(result.code, 0, `${result.stdout.slice(-20_000)}\n${result.stderr.slice(-5000)}`);
  });
});
