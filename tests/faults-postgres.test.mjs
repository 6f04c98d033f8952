import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startPostgres } from '../scripts/postgres.mjs';
import { CLI, freePort, startProcess } from './helpers.mjs';

// A PostgreSQL outage under read load: a throw-away cluster of our own (the shared test server
// must not be stopped), `cryoprotect serve` on it, a few clients reading in loops, then the
// database is shut down (pg_ctl stop -m fast: sessions end with admin_shutdown, new connections
// are refused) and started again on the same data folder and port.
const CONNECT_TIMEOUT_MS = 2_000;
// No request may hang: the longest any single request may take, outage or not.
const REQUEST_LIMIT_MS = 8_000;
const LOOPS = 4;
const STATEMENT_TIMEOUT_MS = 2_000;

const sleep = ms => new Promise(done => setTimeout(done, ms));

async function get(base, path, headers = {}, limitMs = REQUEST_LIMIT_MS) {
  const started = Date.now();
  try {
    const response = await fetch(base + path, {
      headers,
      signal: AbortSignal.timeout(limitMs)
    });
    const text = await response.text();
    return {
      status: response.status,
      type: response.headers.get('content-type') ?? '',
      retryAfter: response.headers.get('retry-after'),
      body: text,
      ms: Date.now() - started
    };
  } catch (error) {
    return { status: `failed: ${error.name}`, ms: Date.now() - started };
  }
}

/** Sum of a Prometheus counter over the series whose labels contain `match`. */
function counter(metrics, name, match = '') {
  return metrics
    .split('\n')
    .filter(line => line.startsWith(name) && line.includes(match))
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
}

describe('PostgreSQL outage under read load', { timeout: 60_000 }, () => {
  let postgres;
  let server;
  let base;
  let skip;

  before(async () => {
    try {
      postgres = await startPostgres();
    } catch (error) {
      skip = `no PostgreSQL to start here: ${error.message.split('\n')[0]}`;
      return;
    }
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    server = startProcess(process.execPath, [CLI, 'serve', '--port', String(port)], {
      env: {
        DATABASE_URL: postgres.url,
        DATABASE_SERVICE_URL: '',
        CRYOPROTECT_DB_CONNECT_TIMEOUT_MS: String(CONNECT_TIMEOUT_MS),
        // A statement already sent to a hung server fails after this + 5 s (the second test).
        CRYOPROTECT_DB_STATEMENT_TIMEOUT_MS: String(STATEMENT_TIMEOUT_MS),
        CRYOPROTECT_RATE_LIMIT: '1000000',
        LOG_LEVEL: 'warn'
      },
      ready: /REST server: http/,
      timeoutMs: 40_000
    });
    await server.started;
  });

  after(async () => {
    if (server && server.child.exitCode === null && server.child.signalCode === null) {
      server.child.kill('SIGTERM');
      await Promise.race([server.exited, sleep(5_000)]);
      server.child.kill('SIGKILL');
    }
    // The cluster may be frozen or stopped if a test failed during its outage.
    await Promise.resolve(postgres?.thaw()).catch(() => undefined);
    await postgres?.resume().catch(() => undefined);
    await postgres?.stop();
  });

  it('answers 503 problems quickly while the database is down, stays up, and recovers by itself', async context => {
    if (skip) {
      context.skip(skip);
      return;
    }
    const before = await get(base, '/health/ready');
    assert.equal(before.status, 200, before.body);

    // Read load: every answer is recorded with the phase it was sent in.
    const answers = [];
    let phase = 'up';
    let running = true;
    // The loops end with the test whatever happens (a failed assertion, a crashed server).
    const deadline = Date.now() + 40_000;
    const loops = Array.from({ length: LOOPS }, async (_, i) => {
      const terms = ['glycerol', 'sulfoxide', 'ethylene', 'sucrose'];
      while (running && Date.now() < deadline) {
        const sentIn = phase;
        const sentAt = Date.now();
        const answer = await get(base, `/api/molecules?q=${terms[i % terms.length]}&limit=5`);
        answers.push({ ...answer, phase: sentIn, sentAt });
      }
    });

    try {
      await sleep(1_500);
      phase = 'stopping';
      await postgres.pause();
      phase = 'down';
      await sleep(1_500);

      // Readiness says "not ready", promptly.
      const ready = await get(base, '/health/ready');
      assert.equal(ready.status, 503, ready.body);
      assert.ok(ready.ms < REQUEST_LIMIT_MS, `readiness took ${ready.ms} ms`);
      assert.equal(JSON.parse(ready.body).database, 'unreachable');

      // A request fails cleanly: problem+json 503 with a stable type and a retry hint.
      const read = await get(base, '/api/molecules?q=glycerol');
      assert.equal(read.status, 503, read.body);
      assert.match(read.type, /^application\/problem\+json/);
      const problem = JSON.parse(read.body);
      assert.match(problem.type, /\/database-unavailable$/);
      assert.equal(problem.status, 503);
      assert.ok(problem.instance, 'the problem names the request id');
      assert.equal(read.retryAfter, '5');
      // An API token cannot be checked either: that is 503, not "unknown token" 401.
      const authenticated = await get(base, '/api/molecules?q=glycerol', {
        authorization: 'Bearer cpt_not-a-real-token'
      });
      assert.equal(authenticated.status, 503, authenticated.body);

      assert.equal(server.child.exitCode, null, `the server exited:\n${server.output()}`);

      phase = 'restarting';
      const restartedAt = Date.now();
      await postgres.resume();
      phase = 'back';
      // The server recovers without a restart: ready again, and reads answer 200.
      let recovered;
      while (Date.now() - restartedAt < 20_000) {
        const probe = await get(base, '/health/ready');
        if (probe.status === 200) {
          recovered = Date.now() - restartedAt;
          break;
        }
        await sleep(200);
      }
      assert.ok(recovered !== undefined, 'not ready again 20 s after the database restarted');
      const recoveredAt = Date.now();
      await sleep(1_500);
      running = false;
      await Promise.all(loops);

      const summary = {};
      for (const answer of answers) {
        const key = `${answer.phase} ${answer.status}`;
        summary[key] = (summary[key] ?? 0) + 1;
      }
      context.diagnostic(
        `ready again ${recovered} ms after the database started; answers by phase and status: ${JSON.stringify(summary)}`
      );

      // Only 200 and 503 were ever answered: no 500, no dropped connection, no hung request.
      const unexpected = answers.filter(a => a.status !== 200 && a.status !== 503);
      assert.deepEqual(
        unexpected.map(a => `${a.phase}: ${a.status} ${a.body ?? ''}`.slice(0, 300)),
        []
      );
      const slowest = Math.max(...answers.map(a => a.ms));
      assert.ok(slowest < REQUEST_LIMIT_MS, `a request took ${slowest} ms`);
      assert.ok(
        answers.some(a => a.phase === 'up' && a.status === 200),
        'no successful reads before the outage'
      );
      assert.ok(
        answers.some(a => a.phase === 'down' && a.status === 503),
        'no 503 answers during the outage'
      );
      for (const failed of answers.filter(a => a.status === 503)) {
        assert.match(JSON.parse(failed.body).type, /\/database-(unavailable|timeout)$/);
      }
      // Reads sent after readiness came back all succeed.
      const late = answers.filter(a => a.sentAt > recoveredAt);
      const afterRecovery = await get(base, '/api/molecules?q=glycerol');
      assert.equal(afterRecovery.status, 200, afterRecovery.body);
      assert.ok(JSON.parse(afterRecovery.body).items.length > 0);
      assert.ok(late.length > 0, 'no reads from the load loops after recovery');
      assert.deepEqual(
        late.filter(a => a.status !== 200).map(a => a.status),
        [],
        'reads failed after recovery'
      );

      // The outage is visible in the metrics.
      const metrics = (await get(base, '/metrics')).body;
      const http503 = counter(metrics, 'cryoprotect_http_errors_total{', 'status_code="503"');
      const rolledBack = counter(metrics, 'cryoprotect_db_transaction_errors_total{');
      assert.ok(http503 > 0, 'cryoprotect_http_errors_total has no 503s');
      assert.ok(rolledBack > 0, 'cryoprotect_db_transaction_errors_total counted nothing');
      context.diagnostic(`metrics: ${http503} HTTP 503 answers, ${rolledBack} failed transactions`);

      assert.equal(server.child.exitCode, null, `the server exited:\n${server.output()}`);
      assert.doesNotMatch(server.output(), /uncaught|unhandled/i);
    } finally {
      running = false;
      await Promise.all(loops);
    }
  });
  it('bounds every request when the database hangs instead of refusing, and recovers', async context => {
    if (skip) {
      context.skip(skip);
      return;
    }
    // Connections are accepted by the kernel and never answered; statements in flight get no
    // answer. Limits: a checkout waits CONNECT_TIMEOUT_MS, a sent statement STATEMENT_TIMEOUT_MS
    // + 5 s (the client-side read timeout), readiness 3 s.
    const bound = CONNECT_TIMEOUT_MS + STATEMENT_TIMEOUT_MS + 5_000 + 2_000;
    const answers = [];
    let frozen = false;
    try {
      postgres.freeze();
      frozen = true;
      const started = Date.now();
      const [ready, ...reads] = await Promise.all([
        get(base, '/health/ready'),
        ...Array.from({ length: 6 }, () =>
          get(base, '/api/molecules?q=glycerol', {}, bound + 3_000)
        )
      ]);
      answers.push(...reads);
      context.diagnostic(
        `while frozen: readiness ${ready.status} in ${ready.ms} ms; reads ${reads.map(r => `${r.status} in ${r.ms} ms`).join(', ')}`
      );
      assert.equal(ready.status, 503, ready.body);
      assert.ok(ready.ms < 5_000, `readiness took ${ready.ms} ms`);
      for (const read of reads) {
        assert.equal(read.status, 503, String(read.body));
        assert.match(JSON.parse(read.body).type, /\/database-(unavailable|timeout)$/);
        assert.ok(read.ms < bound, `a read took ${read.ms} ms (bound ${bound} ms)`);
      }
      assert.ok(Date.now() - started < bound + 3_000);
      assert.equal(server.child.exitCode, null, `the server exited:\n${server.output()}`);
    } finally {
      if (frozen) {
        postgres.thaw();
      }
    }
    const thawedAt = Date.now();
    let recovered;
    while (Date.now() - thawedAt < 20_000) {
      const probe = await get(base, '/health/ready');
      const read = await get(base, '/api/molecules?q=glycerol');
      if (probe.status === 200 && read.status === 200) {
        recovered = Date.now() - thawedAt;
        break;
      }
      await sleep(200);
    }
    assert.ok(recovered !== undefined, 'not serving again 20 s after the database went on');
    context.diagnostic(`serving again ${recovered} ms after the database went on`);
    const again = await Promise.all(
      Array.from({ length: 8 }, () => get(base, '/api/molecules?q=glycerol'))
    );
    assert.deepEqual(
      again.map(a => a.status),
      Array(8).fill(200)
    );
  });
});
