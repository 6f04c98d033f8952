import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { CLI, freePort, runCommand, startProcess, tempDir } from './helpers.mjs';

// The database connection as docs/database-security.md prescribes it: a cluster of our own that
// accepts the server's logins only over TLS from 127.0.0.1 (hostssl, scram-sha-256) and refuses
// every connection without TLS, a throw-away CA of our own, and DATABASE_URL /
// DATABASE_SERVICE_URL with sslmode=verify-full&sslrootcert=<the CA>. The shared test server
// cannot be used: its pg_hba.conf trusts everyone.
const STEP_MS = 60_000;
const CONNECT_TIMEOUT_MS = 3_000;
const isRoot = process.getuid?.() === 0;
const sleep = ms => new Promise(done => setTimeout(done, ms));

function postgresBin() {
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base)
    ? readdirSync(base)
        .map(Number)
        .filter(v => v >= 15 && existsSync(join(base, String(v), 'bin', 'initdb')))
        .sort((a, b) => b - a)
    : [];
  return versions.length ? join(base, String(versions[0]), 'bin') : undefined;
}

async function must(command, args, options = {}) {
  const result = await runCommand(command, args, { timeoutMs: STEP_MS, ...options });
  if (result.code !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited with ${result.code}:\n${result.stderr}`);
  }
  return result;
}

/** initdb and pg_ctl refuse to run as root: the cluster then belongs to the postgres user. */
const asOwner = (command, args) =>
  isRoot ? must('runuser', ['-u', 'postgres', '--', command, ...args]) : must(command, args);

/** A CA (ca.pem) and a server certificate it signed for 127.0.0.1 and localhost. */
async function makeCertificates(dir) {
  const ssl = (...args) => must('openssl', args, { cwd: dir });
  const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  for (const name of ['ca', 'other-ca']) {
    await ssl(
      'req',
      '-x509',
      ...ecKey,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.pem`,
      '-days',
      '2',
      '-subj',
      `/CN=cryoprotect test ${name}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign'
    );
  }
  await ssl(
    'req',
    '-new',
    ...ecKey,
    '-keyout',
    'server.key',
    '-out',
    'server.csr',
    '-subj',
    '/CN=127.0.0.1'
  );
  writeFileSync(
    join(dir, 'server.ext'),
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n'
  );
  await ssl(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    'server.ext',
    '-out',
    'server.crt'
  );
  // PostgreSQL refuses a key file others can read.
  chmodSync(join(dir, 'server.key'), 0o600);
}

describe('PostgreSQL over TLS only (hostssl, verify-full)', { timeout: 150_000 }, () => {
  let dir;
  let bin;
  let port;
  let skip;
  let started = false;
  let serve;
  const password = {
    admin: randomBytes(18).toString('hex'),
    server: randomBytes(18).toString('hex')
  };
  const url = (user, query) =>
    `postgresql://${user}:${password[user === 'cryoprotect_admin' ? 'admin' : 'server']}@127.0.0.1:${port}/cryoprotect${query ? `?${query}` : ''}`;
  let verifyFull;
  let wrongCa;

  const superuser = () =>
    new pg.Client({
      host: dir,
      port,
      user: 'postgres',
      database: 'postgres',
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS
    });

  before(async () => {
    bin = postgresBin();
    if (!bin) {
      skip = 'PostgreSQL 15+ is not installed (npm test installs it)';
      return;
    }
    dir = tempDir('cryoprotect-tls-');
    const certs = join(dir, 'certs');
    mkdirSync(certs);
    await makeCertificates(certs);
    verifyFull = `sslmode=verify-full&sslrootcert=${join(certs, 'ca.pem')}`;
    wrongCa = `sslmode=verify-full&sslrootcert=${join(certs, 'other-ca.pem')}`;
    if (isRoot) {
      await must('chown', ['-R', 'postgres:postgres', dir]);
    }
    port = await freePort();
    const data = join(dir, 'data');
    await asOwner(join(bin, 'initdb'), [
      '-D',
      data,
      '-U',
      'postgres',
      '--auth=reject',
      '--encoding=UTF8',
      '--locale=C.UTF-8'
    ]);
    // As in production: TLS with our certificate, and password hashes stored as SCRAM.
    await asOwner('sh', [
      '-c',
      `cat >> ${data}/postgresql.conf <<'EOF'
listen_addresses = '127.0.0.1'
port = ${port}
unix_socket_directories = '${dir}'
ssl = on
ssl_cert_file = '${certs}/server.crt'
ssl_key_file = '${certs}/server.key'
ssl_min_protocol_version = 'TLSv1.2'
password_encryption = 'scram-sha-256'
fsync = off
EOF
cat > ${data}/pg_hba.conf <<'EOF'
# set-up of this throw-away cluster only: its superuser over the Unix socket
local     all          postgres                                        trust
# the server's logins: TLS only, from the server's host only, SCRAM passwords
hostssl   cryoprotect  cryoprotect_server,cryoprotect_admin  127.0.0.1/32  scram-sha-256
# everything else over TCP without TLS is refused outright
hostnossl all          all                                   0.0.0.0/0     reject
hostnossl all          all                                   ::/0          reject
EOF`
    ]);
    await asOwner(join(bin, 'pg_ctl'), [
      '-D',
      data,
      '-l',
      join(dir, 'server.log'),
      '-w',
      '-t',
      '60',
      'start'
    ]);
    started = true;
    const client = superuser();
    await client.connect();
    try {
      const literal = value => client.escapeLiteral(value);
      await client.query(
        `CREATE ROLE cryoprotect_admin LOGIN SUPERUSER PASSWORD ${literal(password.admin)}`
      );
      // As deploy/postgres-init/10-roles.sh: the request login is no superuser and has no BYPASSRLS.
      await client.query('CREATE ROLE cryoprotect_app NOLOGIN NOSUPERUSER NOBYPASSRLS');
      await client.query(
        `CREATE ROLE cryoprotect_server LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE IN ROLE cryoprotect_app PASSWORD ${literal(password.server)}`
      );
      await client.query('CREATE DATABASE cryoprotect OWNER cryoprotect_admin');
    } finally {
      await client.end();
    }
  });

  after(async () => {
    if (serve && serve.child.exitCode === null && serve.child.signalCode === null) {
      serve.child.kill('SIGTERM');
      await Promise.race([serve.exited, sleep(5_000)]);
      serve.child.kill('SIGKILL');
    }
    try {
      if (started) {
        await asOwner(join(bin, 'pg_ctl'), [
          '-D',
          join(dir, 'data'),
          '-m',
          'immediate',
          '-w',
          '-t',
          '30',
          'stop'
        ]);
      }
    } finally {
      if (dir) {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  });

  const cli = (args, env) =>
    runCommand(process.execPath, [CLI, ...args], {
      env: {
        DATABASE_SERVICE_URL: '',
        CRYOPROTECT_DB_CONNECT_TIMEOUT_MS: String(CONNECT_TIMEOUT_MS),
        LOG_LEVEL: 'warn',
        ...env
      },
      timeoutMs: STEP_MS
    });

  /** Connect once with node-postgres and report what happened (no server code in between). */
  async function tryConnect(connectionString) {
    const client = new pg.Client({ connectionString, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
    client.on('error', () => undefined);
    try {
      await client.connect();
      const { rows } = await client.query(
        'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()'
      );
      return { ok: true, ssl: rows[0].ssl };
    } catch (error) {
      return { ok: false, code: error.code, message: error.message };
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  it('migrates and serves with sslmode=verify-full and our CA; every connection is TLS', async context => {
    if (skip) {
      context.skip(skip);
      return;
    }
    const migrated = await cli(['db', 'migrate'], {
      DATABASE_URL: url('cryoprotect_admin', verifyFull)
    });
    assert.equal(migrated.code, 0, migrated.stderr);
    assert.match(migrated.stdout + migrated.stderr, /migrations applied|schema already current/);

    const httpPort = await freePort();
    serve = startProcess(process.execPath, [CLI, 'serve', '--port', String(httpPort)], {
      env: {
        DATABASE_URL: url('cryoprotect_server', verifyFull),
        DATABASE_SERVICE_URL: url('cryoprotect_admin', verifyFull),
        CRYOPROTECT_DB_CONNECT_TIMEOUT_MS: String(CONNECT_TIMEOUT_MS),
        LOG_LEVEL: 'warn'
      },
      ready: /REST server: http/,
      timeoutMs: STEP_MS
    });
    await serve.started;
    const base = `http://127.0.0.1:${httpPort}`;
    const ready = await fetch(`${base}/health/ready`, { signal: AbortSignal.timeout(10_000) });
    const readyBody = await ready.text();
    assert.equal(ready.status, 200, readyBody);
    assert.equal(JSON.parse(readyBody).database, 'ok');
    // A request runs on the request login (cryoprotect_server), not the service one.
    const read = await fetch(`${base}/api/molecules?q=glycerol&limit=1`, {
      signal: AbortSignal.timeout(10_000)
    });
    assert.equal(read.status, 200, await read.text());

    const client = superuser();
    await client.connect();
    try {
      const { rows } = await client.query(
        `SELECT a.usename AS user, s.ssl, s.version FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid)
         WHERE a.usename IN ('cryoprotect_server', 'cryoprotect_admin') ORDER BY 1`
      );
      assert.deepEqual(
        [...new Set(rows.map(r => r.user))],
        ['cryoprotect_admin', 'cryoprotect_server']
      );
      assert.ok(
        rows.every(r => r.ssl),
        `a connection without TLS: ${JSON.stringify(rows)}`
      );
      context.diagnostic(
        `server connections: ${rows.map(r => `${r.user} ${r.version}`).join(', ')}`
      );
    } finally {
      await client.end();
    }
  });

  it('refuses connections without TLS (sslmode=disable, or no sslmode at all) by pg_hba.conf', async context => {
    if (skip) {
      context.skip(skip);
      return;
    }
    for (const query of ['sslmode=disable', '']) {
      const status = await cli(['db', 'status'], { DATABASE_URL: url('cryoprotect_admin', query) });
      assert.notEqual(status.code, 0, `db status with "${query}" succeeded:\n${status.stdout}`);
      assert.match(
        status.stderr,
        /pg_hba\.conf rejects connection for host "127\.0\.0\.1".*no encryption \(DATABASE_URL connects without TLS, which the PostgreSQL server refuses: add sslmode=verify-full&sslrootcert=<CA file>\)/
      );
    }
    // A running server whose request login has no TLS: the service path works, so it starts,
    // but its requests cannot get a connection and say so as database-unavailable.
    const httpPort = await freePort();
    const mixed = startProcess(process.execPath, [CLI, 'serve', '--port', String(httpPort)], {
      env: {
        DATABASE_URL: url('cryoprotect_server', 'sslmode=disable'),
        DATABASE_SERVICE_URL: url('cryoprotect_admin', verifyFull),
        CRYOPROTECT_DB_CONNECT_TIMEOUT_MS: String(CONNECT_TIMEOUT_MS),
        LOG_LEVEL: 'warn'
      },
      ready: /REST server: http/,
      timeoutMs: STEP_MS
    });
    try {
      await mixed.started;
      // Readiness checks both logins, so a load balancer keeps traffic away from this server.
      const ready = await fetch(`http://127.0.0.1:${httpPort}/health/ready`, {
        signal: AbortSignal.timeout(10_000)
      });
      const readiness = await ready.json();
      assert.equal(ready.status, 503);
      assert.equal(readiness.database, 'unreachable');
      assert.match(readiness.problems.join('\n'), /DATABASE_URL connects without TLS/);
      const read = await fetch(`http://127.0.0.1:${httpPort}/api/molecules?q=glycerol&limit=1`, {
        signal: AbortSignal.timeout(10_000)
      });
      const body = await read.text();
      assert.equal(read.status, 503, body);
      assert.match(JSON.parse(body).type, /\/database-unavailable$/);
    } finally {
      mixed.child.kill('SIGTERM');
      await Promise.race([mixed.exited, sleep(5_000)]);
      mixed.child.kill('SIGKILL');
    }
    // With both logins without TLS the server does not start: it cannot migrate.
    const refused = await cli(['serve', '--port', String(await freePort())], {
      DATABASE_URL: url('cryoprotect_server', 'sslmode=disable'),
      DATABASE_SERVICE_URL: url('cryoprotect_admin', 'sslmode=disable')
    });
    assert.notEqual(refused.code, 0);
    assert.match(
      refused.stderr,
      /pg_hba\.conf rejects connection.*no encryption \(DATABASE_SERVICE_URL connects without TLS/
    );
  });

  it('refuses a server certificate our CA did not sign (verify-full with the wrong CA)', async context => {
    if (skip) {
      context.skip(skip);
      return;
    }
    const status = await cli(['db', 'status'], { DATABASE_URL: url('cryoprotect_admin', wrongCa) });
    assert.notEqual(status.code, 0, status.stdout);
    // Node's words, then which setting to fix.
    assert.match(
      status.stderr,
      /unable to verify the first certificate \(TLS: the PostgreSQL server's certificate does not verify against the CA of sslrootcert in DATABASE_URL/
    );
  });

  it('documents what node-postgres does with each sslmode', async context => {
    if (skip) {
      context.skip(skip);
      return;
    }
    const ca = verifyFull.split('&')[1];
    const other = wrongCa.split('&')[1];
    const cases = [
      ['sslmode=verify-full&' + ca, { ok: true, ssl: true }],
      ['sslmode=verify-full&' + other, { ok: false }],
      // Without sslrootcert: Node's built-in CA list, which does not hold our CA.
      ['sslmode=verify-full', { ok: false }],
      // pg-connection-string 2.x: require and verify-ca verify like verify-full.
      ['sslmode=require&' + other, { ok: false }],
      ['sslmode=verify-ca&' + other, { ok: false }],
      ['sslmode=require&' + ca, { ok: true, ssl: true }],
      // libpq semantics on request: require without a CA encrypts but verifies nothing.
      ['uselibpqcompat=true&sslmode=require', { ok: true, ssl: true }],
      ['sslmode=no-verify', { ok: true, ssl: true }],
      // prefer does not fall back to plain text in node-postgres: it verifies like verify-full.
      ['sslmode=prefer&' + other, { ok: false }],
      ['sslmode=disable', { ok: false }],
      ['', { ok: false }]
    ];
    const seen = [];
    for (const [query, expected] of cases) {
      const result = await tryConnect(url('cryoprotect_admin', query));
      seen.push(
        `${query.replace(/sslrootcert=[^&]*\//, 'sslrootcert=')}: ${result.ok ? `connected, ssl=${result.ssl}` : result.message}`
      );
      assert.equal(result.ok, expected.ok, `${query}: ${JSON.stringify(result)}`);
      if (expected.ssl !== undefined) {
        assert.equal(result.ssl, expected.ssl, query);
      }
    }
    context.diagnostic(seen.join('\n'));
  });
});
