// An outside fuzzer against the served API document: schemathesis (PyPI, pinned in
// tests/fuzz/requirements.txt, installed into its own virtual environment, never the product's)
// generates requests from /api/openapi.json, without a token and with a read-write one, and checks
// every answer against the document. Bounded: a fixed number of examples per operation and a fixed
// seed, so a run is reproducible and takes a few minutes.
//
// Left out, with the reason (and tests/fuzz/schemathesis.toml counts 413 and 431 as refusals):
// - DELETE /api/tokens/{id} in the run with a token: the fuzzer learns the id of its own token
//   from GET /api/tokens and revokes it, and every later request of that run is a 401 (which is
//   right, and is why the run checks below that it met no 401). The run without a token covers
//   the operation; server/src/routes/accounts.test.ts tests revocation.
// - positive_data_acceptance: "every request the schema allows must be accepted". The document
//   describes shapes; the server also judges meaning (a schema-valid string that is not a
//   structure is a 422, an id that names no row a 404, a foreign key a 409), by design.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CLI, ROOT, freePort, runCommand, startProcess, tempDir } from './helpers.mjs';

const REQUIREMENTS = join(ROOT, 'tests', 'fuzz', 'requirements.txt');
const CONFIG = join(ROOT, 'tests', 'fuzz', 'schemathesis.toml');
const VENV = join(ROOT, '.cryoprotect', 'fuzz-venv');
const SCHEMATHESIS = join(VENV, 'bin', 'schemathesis');
// The test server's rate limit, raised so the fuzzer measures the API rather than the limiter
// (the default is 600 requests a minute per client; 429 is documented on every operation).
const RATE_LIMIT = 100_000;
const RUN = [
  '--checks',
  'all',
  '--exclude-checks',
  'positive_data_acceptance',
  '--max-examples',
  '10',
  '--seed',
  '1',
  '--phases',
  'examples,coverage,fuzzing',
  '--request-timeout',
  '30',
  '--no-color'
];
const PASSWORD = 'fuzzing passphrase 1';

/** The fuzzer's venv, made again only when the pinned requirements change. */
async function fuzzerVenv() {
  const digest = createHash('sha256').update(readFileSync(REQUIREMENTS)).digest('hex');
  const stamp = join(VENV, 'requirements.sha256');
  if (existsSync(SCHEMATHESIS) && existsSync(stamp) && readFileSync(stamp, 'utf8') === digest) {
    return;
  }
  rmSync(VENV, { recursive: true, force: true });
  mkdirSync(join(ROOT, '.cryoprotect'), { recursive: true });
  for (const [command, args] of [
    ['python3', ['-m', 'venv', VENV]],
    [join(VENV, 'bin', 'python'), ['-m', 'pip', 'install', '--quiet', '-r', REQUIREMENTS]]
  ]) {
    const result = await runCommand(command, args, { timeoutMs: 600_000 });
    assert.equal(
      result.code,
      0,
      `${command} ${args.join(' ')}\n${result.stdout}\n${result.stderr}`
    );
  }
  writeFileSync(stamp, digest);
}

/** The counts of schemathesis's closing summary, for the log and the assertions. */
function summary(output) {
  const line = pattern => pattern.exec(output)?.[1];
  return {
    operations: Number(line(/Tested: (\d+)/) ?? NaN),
    cases: Number(line(/(\d+) generated/) ?? NaN),
    failures: Number(line(/(\d+) found/) ?? 0),
    text: output.slice(output.lastIndexOf('SUMMARY') - 40)
  };
}

describe('an outside fuzzer (schemathesis) against the served API document', () => {
  const dataDir = tempDir('cryoprotect-fuzz-');
  const workDir = tempDir('cryoprotect-fuzz-run-');
  let server;
  let base;
  let token;

  before(async () => {
    await fuzzerVenv();
    const env = {
      CRYOPROTECT_DATA_DIR: dataDir,
      DATABASE_URL: '',
      LOG_LEVEL: 'silent',
      CRYOPROTECT_RATE_LIMIT: String(RATE_LIMIT)
    };
    const created = await runCommand(
      process.execPath,
      [CLI, 'user', 'create', 'fuzzer', '--password-stdin'],
      { env, stdin: `${PASSWORD}\n` }
    );
    assert.equal(created.code, 0, created.stderr);
    const port = await freePort();
    server = startProcess(process.execPath, [CLI, 'serve', '--port', String(port)], {
      env,
      ready: /REST server: http/
    });
    await server.started;
    base = `http://127.0.0.1:${port}`;
    const login = await fetch(`${base}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'fuzzer', password: PASSWORD })
    });
    assert.equal(login.status, 201, await login.clone().text());
    token = (await login.json()).token;
  });

  after(async () => {
    server?.child.kill('SIGTERM');
    await server?.exited;
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(workDir, { recursive: true, force: true });
  });

  for (const [who, headers] of [
    ['without a token', () => []],
    [
      'with a read-write token',
      () => [
        '--exclude-name',
        'DELETE /api/tokens/{id}',
        '--header',
        `Authorization: Bearer ${token}`
      ]
    ]
  ]) {
    it(`finds no server error and no answer the document does not describe, ${who}`, async () => {
      const started = Date.now();
      const result = await runCommand(
        SCHEMATHESIS,
        ['--config-file', CONFIG, 'run', `${base}/api/openapi.json`, ...RUN, ...headers()],
        { cwd: workDir, timeoutMs: 900_000, env: { NO_COLOR: '1' } }
      );
      const counts = summary(result.stdout);
      process.stdout.write(
        `# schemathesis ${who}: ${counts.operations} operations, ${counts.cases} cases, ${counts.failures} failures, ${Math.round((Date.now() - started) / 1000)} s\n${counts.text.replace(/^/gm, '#   ')}\n`
      );
      assert.ok(counts.operations >= 70, `too few operations tested:\n${counts.text}`);
      assert.equal(counts.failures, 0, `${result.stdout.slice(-20_000)}\n${result.stderr}`);
      assert.equal(result.code, 0, `${result.stdout.slice(-20_000)}\n${result.stderr}`);
      if (who !== 'without a token') {
        // The token stayed valid to the end: no operation met only 401s.
        assert.doesNotMatch(result.stdout, /401 Unauthorized \(\d+ operations?\)/, counts.text);
      }
    });
  }
});
