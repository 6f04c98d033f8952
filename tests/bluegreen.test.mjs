import assert from 'node:assert/strict';
import {
  chmodSync,
  existsSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync
} from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { infoText } from '../deploy/pitr.mjs';
import { ensureDebianPackages } from '../scripts/debian.mjs';
import { psqlQuery, startPostgres } from '../scripts/postgres.mjs';
import { CLI, ROOT, freePort, runCommand, tempDir } from './helpers.mjs';

// Blue-green deploys behind a real HAProxy (Debian's) on a throw-away PostgreSQL, under a load
// that runs through the proxy for the whole test and counts every request that is not a 2xx:
// a good release switches with no failed request, a release that fails its smoke test never
// gets traffic, a release that fails under traffic is switched back by the watch window, and a
// manual rollback brings back the first release.
const TOOL = join(ROOT, 'deploy', 'bluegreen.mjs');
const CLIENTS = 4;
const REQUEST_LIMIT_MS = 10_000;
const COMMAND_LIMIT_MS = 120_000;
const sleep = ms => new Promise(done => setTimeout(done, ms));

let pg;
let stateDir;
let env;
let load;
const figures = [];

function tool(args) {
  return runCommand(process.execPath, [TOOL, ...args], { env, timeoutMs: COMMAND_LIMIT_MS });
}

/** The command's output and the end of both servers' logs, for a failed assertion. */
function explain(result) {
  const tail = slot => {
    const file = join(stateDir, 'logs', `${slot}.log`);
    return existsSync(file) ? readFileSync(file, 'utf8').split('\n').slice(-15).join('\n') : '';
  };
  return `${result.stdout}${result.stderr}\n--- blue.log\n${tail('blue')}\n--- green.log\n${tail('green')}`;
}

function readState() {
  return JSON.parse(readFileSync(join(stateDir, 'state.json'), 'utf8'));
}

function slotPid(slot) {
  try {
    return Number(readFileSync(join(stateDir, `${slot}.pid`), 'utf8'));
  } catch {
    return undefined;
  }
}

/** Running, not a zombie: a stopped slot may wait a moment for init to reap it. */
function alive(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/**
 * A release whose built server answers `answer` for requests `matches` picks: the copy's
 * app.js is replaced (renamed over, never written through, as release files may be hard links).
 */
function breakRelease(name, condition, answer) {
  const file = join(stateDir, 'releases', name, 'server', 'dist', 'app.js');
  const source = readFileSync(file, 'utf8');
  const anchor = "    app.addHook('onRoute', documentRoute);";
  assert.ok(
    source.includes(anchor),
    'the patch point in server/dist/app.js moved: update the test'
  );
  const hook = `    app.addHook('onRequest', async (request, reply) => {
        if (${condition}) {
            reply.code(${answer.status}).header('content-type', 'application/json').send(${JSON.stringify(answer.body)});
            return reply;
        }
    });\n`;
  writeFileSync(`${file}.broken`, source.replace(anchor, hook + anchor));
  renameSync(`${file}.broken`, file);
}

/**
 * Clients looping through the proxy until stopped: two reads (molecules, mixtures) and a write (a
 * project's description) each round. `phase()` starts a new count and returns the last one.
 */
function startLoad(base, token, projects) {
  let stopped = false;
  let current = { ok: 0, failed: 0, samples: [] };
  const headers = { authorization: `Bearer ${token}` };
  const request = async (path, init = {}) => {
    const counts = current;
    try {
      const response = await fetch(base + path, {
        ...init,
        headers: { ...headers, ...init.headers },
        signal: AbortSignal.timeout(REQUEST_LIMIT_MS)
      });
      await response.arrayBuffer();
      if (response.ok) {
        counts.ok++;
      } else {
        counts.failed++;
        counts.samples.push(`${init.method ?? 'GET'} ${path}: ${response.status}`);
      }
    } catch (error) {
      counts.failed++;
      counts.samples.push(`${init.method ?? 'GET'} ${path}: ${error.cause?.code ?? error.name}`);
    }
  };
  const client = async (project, i) => {
    let round = 0;
    while (!stopped) {
      round++;
      await request('/api/molecules?limit=5');
      await request('/api/mixtures?limit=5');
      await request(`/api/projects/${project}`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ description: `client ${i} round ${round}` })
      });
    }
  };
  const running = Promise.all(projects.map(client));
  return {
    phase() {
      const last = current;
      current = { ok: 0, failed: 0, samples: [] };
      return last;
    },
    async stop() {
      stopped = true;
      await running;
    }
  };
}

function report(t, line) {
  figures.push(line);
  t.diagnostic(line);
}

before(async () => {
  await ensureDebianPackages(['haproxy', 'pgbackrest']);
  assert.ok(
    existsSync(join(ROOT, 'server', 'dist', 'cli.js')),
    'the server is not built: run npx tsc -b first'
  );
  pg = await startPostgres();
  stateDir = tempDir('cryoprotect-bluegreen-');
  env = {
    CRYOPROTECT_DEPLOY_STATE: stateDir,
    DATABASE_URL: pg.url,
    DATABASE_SERVICE_URL: pg.url,
    // The load is far above a person's rate; the limit is not what is tested here.
    CRYOPROTECT_RATE_LIMIT: '1000000'
  };
});

after(async () => {
  // Everything this file started is stopped even when a step failed half-way.
  await load?.stop().catch(() => {});
  if (stateDir) {
    const stopped = await tool(['stop']).catch(error => ({ stdout: '', stderr: error.message }));
    for (const slot of ['blue', 'green']) {
      const pid = slotPid(slot);
      if (pid && alive(pid)) {
        process.kill(pid, 'SIGKILL');
      }
    }
    const haproxy = existsSync(join(stateDir, 'haproxy.pid'))
      ? Number(readFileSync(join(stateDir, 'haproxy.pid'), 'utf8'))
      : 0;
    if (haproxy && alive(haproxy)) {
      process.stderr.write(
        `bluegreen stop left haproxy running: ${stopped.stdout}${stopped.stderr}\n`
      );
      process.kill(haproxy, 'SIGKILL');
    }
    rmSync(stateDir, { recursive: true, force: true });
  }
  await pg?.stop();
  if (figures.length) {
    process.stdout.write(`blue-green figures:\n  ${figures.join('\n  ')}\n`);
  }
});

test(
  'blue-green deploys behind HAProxy: switch, smoke-test refusal, automatic and manual rollback',
  { timeout: 240_000 },
  async t => {
    const [frontend, bluePort, greenPort] = [await freePort(), await freePort(), await freePort()];
    const base = `http://127.0.0.1:${frontend}`;
    const init = await tool([
      'init',
      '--port',
      String(frontend),
      '--blue-port',
      String(bluePort),
      '--green-port',
      String(greenPort)
    ]);
    assert.equal(init.code, 0, explain(init));

    for (const name of ['r1', 'r2', 'r3-broken-openapi', 'r4-fails-under-load']) {
      const made = await tool(['release', name, '--from-build', ROOT]);
      assert.equal(made.code, 0, explain(made));
    }
    // r2 brings an additive migration, as releases do: the live r1 then runs on a schema ahead of
    // its own and must stay ready, and so must r1 again after the manual rollback.
    const r2Migrations = join(stateDir, 'releases', 'r2', 'migrations');
    const newest = Math.max(...readdirSync(r2Migrations).map(f => Number(f.split('_')[0]) || 0));
    writeFileSync(
      join(r2Migrations, `${String(newest + 1).padStart(3, '0')}_bluegreen_test_column.sql`),
      'ALTER TABLE projects ADD COLUMN bluegreen_test_note text;\n'
    );
    breakRelease('r3-broken-openapi', "request.url === '/api/openapi.json'", {
      status: 200,
      body: '{"openapi": "3.1.0", "info": '
    });
    breakRelease('r4-fails-under-load', "request.url.startsWith('/api/mixtures')", {
      status: 500,
      body: '{"type": "internal", "title": "broken on purpose by tests/bluegreen.test.mjs"}'
    });

    // The operator of a new deployment: an account for deploys, then the first release; its smoke
    // test reads only, as no token can exist before a server does.
    const password = 'deployer-password-for-the-test';
    const user = await runCommand(
      process.execPath,
      [CLI, 'user', 'create', 'deployer', '--password-stdin'],
      {
        env,
        stdin: `${password}\n`,
        timeoutMs: COMMAND_LIMIT_MS
      }
    );
    assert.equal(user.code, 0, explain(user));
    const first = await tool(['deploy', 'r1']);
    assert.equal(first.code, 0, explain(first));
    assert.match(first.stdout, /write: SKIPPED, no deploy token/);
    assert.equal(readState().live, 'blue');
    const login = await fetch(`${base}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        username: 'deployer',
        password,
        tokenName: 'deploys',
        scopes: ['read', 'write'],
        expiresInDays: 1
      }),
      signal: AbortSignal.timeout(REQUEST_LIMIT_MS)
    });
    const { token } = await login.json();
    assert.equal(login.status, 201, JSON.stringify(token));
    const tokenFile = join(stateDir, 'deploy-token');
    writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
    const projects = [];
    for (let i = 0; i < CLIENTS; i++) {
      const created = await fetch(`${base}/api/projects`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ name: `load ${i}` }),
        signal: AbortSignal.timeout(REQUEST_LIMIT_MS)
      });
      assert.equal(created.status, 201);
      projects.push((await created.json()).id);
    }
    load = startLoad(base, token, projects);
    await sleep(1000);
    const warmUp = load.phase();
    assert.equal(warmUp.failed, 0, warmUp.samples.join('\n'));

    await t.test('a good release: switched under load with no failed request', async () => {
      const bluePid = slotPid('blue');
      const deployed = await tool(['deploy', 'r2', '--watch', '4s', '--token-file', tokenFile]);
      await sleep(500);
      const counts = load.phase();
      assert.equal(deployed.code, 0, explain(deployed));
      assert.match(deployed.stdout, /write: project created, changed, read back, deleted/);
      assert.match(deployed.stdout, /r2: cryoprotect db migrate, 1 new migrations/);
      assert.equal(readState().live, 'green');
      assert.equal(alive(bluePid), false, 'the old slot is stopped after the watch window');
      const switchSeconds = Number(/switch-over ([\d.]+) s/.exec(deployed.stdout)[1]);
      report(
        t,
        `good release r2 (blue -> green): ${counts.ok + counts.failed} requests, ${counts.failed} failed; switch-over ${switchSeconds.toFixed(2)} s; deploy ${/total ([\d.]+ s)/.exec(deployed.stdout)[1]}`
      );
      assert.equal(counts.failed, 0, counts.samples.slice(0, 10).join('\n'));
      assert.ok(counts.ok > 50, `only ${counts.ok} requests across the deploy`);
    });

    await t.test('a release failing its smoke test gets no traffic', async () => {
      const greenPid = slotPid('green');
      // Without a token the smoke test could not write: an upgrade is refused before it starts.
      const tokenless = await tool(['deploy', 'r3-broken-openapi']);
      assert.equal(tokenless.code, 2, explain(tokenless));
      assert.match(
        tokenless.stderr,
        /smoke-tests a write: give a read\/write token with --token-file/
      );
      const deployed = await tool([
        'deploy',
        'r3-broken-openapi',
        '--watch',
        '4s',
        '--token-file',
        tokenFile
      ]);
      const counts = load.phase();
      assert.equal(deployed.code, 1, explain(deployed));
      assert.match(deployed.stdout, /FAILED {4}smoke test: GET \/api\/openapi.json is not JSON/);
      assert.match(deployed.stdout, /traffic stayed on green \(r2\)/);
      assert.doesNotMatch(deployed.stdout, /^switch/m);
      assert.equal(readState().live, 'green');
      assert.equal(slotPid('green'), greenPid);
      assert.equal(slotPid('blue'), undefined, 'the refused release is stopped');
      report(
        t,
        `broken release r3 (smoke test): exit ${deployed.code}, ${counts.ok + counts.failed} requests, ${counts.failed} failed, live slot still green`
      );
      assert.equal(counts.failed, 0, counts.samples.slice(0, 10).join('\n'));
    });

    await t.test(
      'a release failing under traffic is switched back by the watch window',
      async () => {
        const greenPid = slotPid('green');
        const deployed = await tool([
          'deploy',
          'r4-fails-under-load',
          '--watch',
          '30s',
          '--max-error-rate',
          '0.05',
          '--token-file',
          tokenFile
        ]);
        const during = load.phase();
        assert.equal(deployed.code, 1, explain(deployed));
        assert.match(deployed.stdout, /^switch +blue ready, green drained/m);
        assert.match(deployed.stdout, /ROLLED BACK r4-fails-under-load: error rate [\d.]+ %/);
        assert.equal(readState().live, 'green');
        assert.equal(slotPid('green'), greenPid, 'the old slot ran through the watch window');
        assert.equal(slotPid('blue'), undefined);
        const watched = /^watch +(.*)$/m.exec(deployed.stdout)[1];
        await sleep(2000);
        const afterwards = load.phase();
        report(
          t,
          `release r4 failing under load: rolled back (${watched}); ${during.failed} failed requests while it was live (the broken route), ${afterwards.failed} of ${afterwards.ok + afterwards.failed} in the 2 s after`
        );
        assert.ok(during.failed > 0, 'the broken route was reached through the proxy');
        assert.ok(
          during.samples.every(s => s.startsWith('GET /api/mixtures') && s.endsWith(': 500')),
          during.samples.slice(0, 10).join('\n')
        );
        assert.equal(afterwards.failed, 0, afterwards.samples.slice(0, 10).join('\n'));
      }
    );

    await t.test('a manual rollback redeploys the previous release', async () => {
      const rolled = await tool(['rollback', '--watch', '3s', '--token-file', tokenFile]);
      await sleep(500);
      const counts = load.phase();
      assert.equal(rolled.code, 0, explain(rolled));
      assert.match(rolled.stdout, /r1 is not running any more: deploying it again/);
      assert.equal(readState().live, 'blue');
      assert.equal(readState().slots.blue.release, 'r1');
      const status = await tool(['status']);
      assert.match(status.stdout, /^live +blue \(r1\)$/m);
      report(
        t,
        `manual rollback to r1 (green -> blue): ${counts.ok + counts.failed} requests, ${counts.failed} failed; switch-over ${/switch-over ([\d.]+ s)/.exec(rolled.stdout)[1]}`
      );
      assert.equal(counts.failed, 0, counts.samples.slice(0, 10).join('\n'));
    });

    await load.stop();
    load = undefined;

    await t.test(
      'after a crash of HAProxy and the live server, up brings back the live slot',
      async () => {
        process.kill(Number(readFileSync(join(stateDir, 'haproxy.pid'), 'utf8')), 'SIGKILL');
        process.kill(slotPid('blue'), 'SIGKILL');
        const up = await tool(['up']);
        assert.equal(up.code, 0, explain(up));
        assert.match(up.stdout, /^haproxy +started/m);
        assert.match(up.stdout, /^ready +blue: GET \/health\/ready 200, UP in haproxy/m);
        const answer = await fetch(`${base}/health/ready`, { signal: AbortSignal.timeout(5000) });
        assert.equal(answer.status, 200);
        // The regenerated configuration starts with the live slot in service and the idle one off.
        const config = readFileSync(join(stateDir, 'haproxy.cfg'), 'utf8');
        assert.match(config, new RegExp(`server blue 127.0.0.1:${bluePort}\n`));
        assert.match(config, new RegExp(`server green 127.0.0.1:${greenPort} disabled`));
      }
    );

    await t.test(
      'init --pitr-data-dir turns on WAL archiving with a first full backup, and the live server stays ready',
      async () => {
        const psql = `/usr/lib/postgresql/${pg.version}/bin/psql`;
        const port = new URL(pg.url).port;
        const query = statement => psqlQuery(psql, port, statement, 30_000);
        const dataDir = await query('SHOW data_directory');
        // pgBackRest runs as the cluster's owner: its repository must be reachable by it.
        const pitr = tempDir('cryoprotect-bluegreen-pitr-');
        chmodSync(pitr, 0o755);
        const init = await tool([
          'init',
          '--pitr-data-dir',
          dataDir,
          '--pitr-port',
          port,
          '--pitr-socket-dir',
          (await query('SHOW unix_socket_directories')).split(',')[0],
          '--pitr-config',
          join(pitr, 'pgbackrest.conf'),
          '--pitr-repo',
          join(pitr, 'repo')
        ]);
        try {
          assert.equal(init.code, 0, explain(init));
          assert.match(
            init.stdout,
            /^archiving +pgBackRest stanza cryoprotect, repository .*archive_timeout 60 s/m
          );
          assert.match(init.stdout, /^backup +full backup in [\d.]+ s/m);
          assert.equal(await query('SHOW archive_mode'), 'on');
          const info = await infoText({ configFile: join(pitr, 'pgbackrest.conf') });
          assert.match(info, /full backup: \d{8}-\d{6}F/);
          // PostgreSQL restarted for archive_mode; the server reconnects by itself.
          let ready;
          for (let i = 0; i < 40 && ready !== 200; i++) {
            ready = (await fetch(`${base}/health/ready`, { signal: AbortSignal.timeout(5000) }))
              .status;
            if (ready !== 200) {
              await sleep(250);
            }
          }
          assert.equal(ready, 200);
        } finally {
          rmSync(pitr, { recursive: true, force: true });
        }
      }
    );

    const stopped = await tool(['stop']);
    assert.equal(stopped.code, 0, explain(stopped));
    assert.equal(slotPid('blue'), undefined);
  }
);
