#!/usr/bin/env node
// Point-in-time recovery for a PostgreSQL deployment of CryoProtect with pgBackRest: WAL archiving,
// full/differential/incremental backups in a repository, and restores to a moment into a new data
// folder. Run on the database host (root, or the cluster's OS owner). `cryoprotect backup` (logical
// backups) stays for PGlite and for moving data between databases; this is the PostgreSQL answer to
// "restore to five minutes before the mistake". Plain Node, no npm dependency: the host may have no
// node_modules. Walk-through: docs/point-in-time-recovery.md.
import { spawn } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  statSync,
  writeFileSync
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ensureDebianPackages } from '../scripts/debian.mjs';
import { freePort } from '../scripts/lib.mjs';

export const DEFAULTS = Object.freeze({
  configFile: '/etc/pgbackrest/pgbackrest.conf',
  stanza: 'cryoprotect',
  repoPath: '/var/lib/pgbackrest',
  socketDir: '/var/run/postgresql',
  pgUser: 'postgres',
  // Two full backups: with a weekly full that is one to two weeks of restorable history.
  retentionFull: 2,
  // An upper bound on the writes lost with the host (RPO) when writes are rare: PostgreSQL only
  // archives a WAL segment when it is full (16 MB) or this many seconds after its first write.
  archiveTimeout: 60,
  // zstd level 3 compresses about as well as gzip 6 at several times the speed, so backups and
  // archive-push keep up on two cores.
  compressType: 'zst',
  compressLevel: 3,
  processMax: 2,
  logPath: '/var/log/pgbackrest',
  lockPath: '/tmp/pgbackrest'
});

/** Run a command (as `user` when given and this is root), bounded by `timeoutMs`; resolves stdout. */
function exec(command, args, { user, timeoutMs, input, env } = {}) {
  const asOther = user && isRoot() && user !== 'root';
  const [cmd, argv] = asOther ? ['runuser', ['-u', user, '--', command, ...args]] : [command, args];
  return new Promise((done, fail) => {
    const child = spawn(cmd, argv, {
      // runuser keeps the caller's working folder, which the owner may not be allowed to enter.
      cwd: '/',
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'pipe']
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer =
      timeoutMs &&
      setTimeout(() => {
        timedOut = true;
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      }, timeoutMs);
    child.stdout.on('data', chunk => (stdout += chunk));
    child.stderr.on('data', chunk => (stderr += chunk));
    child.on('error', error => {
      clearTimeout(timer);
      fail(error);
    });
    child.on('close', code => {
      clearTimeout(timer);
      if (code === 0 && !timedOut) {
        done(stdout);
      } else {
        const why = timedOut ? `timed out after ${timeoutMs} ms` : `exited with ${code}`;
        fail(
          new Error(`${command} ${args.join(' ')} ${why}\n${(stdout + stderr).trim().slice(-4000)}`)
        );
      }
    });
    child.stdin.end(input ?? '');
  });
}

function isRoot() {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** The user and group names owning a path (pgBackRest and PostgreSQL must run as its owner). */
function ownerOf(path) {
  const { uid, gid } = statSync(path);
  const lookup = (file, id) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .map(line => line.split(':'))
      .find(fields => Number(fields[2]) === id)?.[0];
  const user = lookup('/etc/passwd', uid);
  if (!user) {
    throw new Error(`${path} belongs to uid ${uid}, which has no entry in /etc/passwd`);
  }
  return { user, group: lookup('/etc/group', gid) ?? String(gid), uid, gid };
}

/** The binaries of the server version that wrote the data folder (PG_VERSION). */
function binariesFor(dataDir, pgBin) {
  if (pgBin) {
    return pgBin;
  }
  const version = readFileSync(join(dataDir, 'PG_VERSION'), 'utf8').trim();
  const bin = `/usr/lib/postgresql/${version}/bin`;
  if (!existsSync(join(bin, 'pg_ctl'))) {
    throw new Error(`no PostgreSQL ${version} binaries in ${bin}: pass pgBin`);
  }
  return bin;
}

function quoteLiteral(text) {
  return `'${String(text).replaceAll("'", "''")}'`;
}

// -- the configuration file ------------------------------------------------------------------

/** Sections of an ini file, in order, each an ordered map of key to value(s). */
function parseIni(text) {
  const sections = new Map();
  let current;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) {
      continue;
    }
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      current = sections.get(header[1]) ?? new Map();
      sections.set(header[1], current);
    } else if (current && line.includes('=')) {
      const at = line.indexOf('=');
      current.set(line.slice(0, at).trim(), line.slice(at + 1).trim());
    }
  }
  return sections;
}

function formatIni(sections) {
  const header = [
    '# pgBackRest configuration, written by deploy/pitr.mjs (configureArchiving). The keys it',
    '# manages are rewritten on every configure; other keys and sections are kept (comments are',
    '# not). See docs/point-in-time-recovery.md.'
  ];
  const body = [...sections].map(
    ([name, keys]) => `[${name}]\n${[...keys].map(([k, v]) => `${k}=${v}`).join('\n')}`
  );
  return `${header.join('\n')}\n\n${body.join('\n\n')}\n`;
}

/** The repository path and stanza settings from a configuration file written by configure. */
export function readConfig({ configFile = DEFAULTS.configFile, stanza = DEFAULTS.stanza } = {}) {
  if (!existsSync(configFile)) {
    throw new Error(`${configFile} does not exist: run "node deploy/pitr.mjs configure" first`);
  }
  const sections = parseIni(readFileSync(configFile, 'utf8'));
  const global = sections.get('global') ?? new Map();
  const own = sections.get(stanza);
  if (!own) {
    throw new Error(`${configFile} has no [${stanza}] section: run configure for this stanza`);
  }
  return {
    configFile,
    stanza,
    repoPath: own.get('repo1-path') ?? global.get('repo1-path') ?? DEFAULTS.repoPath,
    dataDir: own.get('pg1-path'),
    port: Number(own.get('pg1-port') ?? 5432),
    socketDir: own.get('pg1-socket-path') ?? DEFAULTS.socketDir,
    pgUser: own.get('pg1-user') ?? DEFAULTS.pgUser
  };
}

// -- talking to the running cluster ----------------------------------------------------------

function psql(
  { pgBin, port, socketDir, pgUser, owner, database = 'postgres' },
  statements,
  timeoutMs = 60_000
) {
  // One -c per statement: ALTER SYSTEM refuses to run inside the implicit transaction that a
  // multi-statement -c would be.
  const args = ['-X', '-A', '-t', '-q', '-v', 'ON_ERROR_STOP=1'];
  args.push('-h', socketDir, '-p', String(port), '-U', pgUser, '-d', database);
  for (const statement of [statements].flat()) {
    args.push('-c', statement);
  }
  return exec(join(pgBin, 'psql'), args, { user: owner, timeoutMs }).then(out => out.trim());
}

function pgbackrest(cfg, command, options = [], { timeoutMs, user } = {}) {
  return exec(
    'pgbackrest',
    [`--config=${cfg.configFile}`, `--stanza=${cfg.stanza}`, ...options, command],
    { user: user ?? cfg.owner, timeoutMs }
  );
}

async function waitUntil(what, timeoutMs, probe) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      if (await probe()) {
        return;
      }
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`${what}: not after ${timeoutMs} ms${last ? ` (${last.message})` : ''}`);
    }
    await new Promise(done => setTimeout(done, 250));
  }
}

/** The Debian cluster (version, name) whose data_directory is dataDir, for pg_ctlcluster. */
function debianCluster(dataDir) {
  const base = '/etc/postgresql';
  if (!existsSync(base)) {
    return undefined;
  }
  for (const version of readdirSync(base)) {
    for (const name of existsSync(join(base, version)) ? readdirSync(join(base, version)) : []) {
      const conf = join(base, version, name, 'postgresql.conf');
      if (existsSync(conf)) {
        const match = /^\s*data_directory\s*=\s*'([^']+)'/m.exec(readFileSync(conf, 'utf8'));
        if (match && resolve(match[1]) === resolve(dataDir)) {
          return { version, name };
        }
      }
    }
  }
  return undefined;
}

async function restartCluster(cfg, restart, timeoutMs) {
  if (Array.isArray(restart)) {
    await exec(restart[0], restart.slice(1), { timeoutMs });
    return restart.join(' ');
  }
  const debian =
    restart === 'auto' || restart === 'pg_ctlcluster' ? debianCluster(cfg.dataDir) : undefined;
  if (debian) {
    // pg_ctlcluster goes through systemd when it runs, so the unit keeps tracking the server.
    await exec('pg_ctlcluster', [debian.version, debian.name, 'restart'], { timeoutMs });
    return `pg_ctlcluster ${debian.version} ${debian.name} restart`;
  }
  if (restart === 'pg_ctlcluster') {
    throw new Error(`${cfg.dataDir} is not the data folder of a Debian cluster (pg_lsclusters)`);
  }
  // pg_ctl restart starts the server with the options of the previous start (postmaster.opts).
  const args = ['-D', cfg.dataDir, '-m', 'fast', '-w', '-t', String(Math.ceil(timeoutMs / 1000))];
  await exec(join(cfg.pgBin, 'pg_ctl'), [...args, '-l', cfg.serverLog, 'restart'], {
    user: cfg.owner,
    timeoutMs: timeoutMs + 5000
  });
  return `pg_ctl -D ${cfg.dataDir} restart`;
}

function resolveCluster(options) {
  const dataDir = resolve(options.dataDir);
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    throw new Error(`${dataDir} is not a PostgreSQL data folder (no PG_VERSION)`);
  }
  const owner = ownerOf(dataDir);
  if (!isRoot() && process.getuid() !== owner.uid) {
    throw new Error(`run as root or as ${owner.user}, the owner of ${dataDir}`);
  }
  return {
    configFile: options.configFile ?? DEFAULTS.configFile,
    stanza: options.stanza ?? DEFAULTS.stanza,
    dataDir,
    owner: owner.user,
    ownerIds: owner,
    pgBin: binariesFor(dataDir, options.pgBin),
    port: Number(options.port ?? 5432),
    socketDir: options.socketDir ?? DEFAULTS.socketDir,
    pgUser: options.pgUser ?? DEFAULTS.pgUser,
    serverLog: options.serverLog ?? join(dirname(dataDir), `${basename(dataDir)}.pitr-restart.log`)
  };
}

/** A folder that exists and belongs to the cluster's owner (pgBackRest writes as that user). */
function ownedFolder(path, owner, mode = 0o750) {
  // Missing parents are made traversable (0755): the owner only has to reach the folder itself.
  mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
  mkdirSync(path, { recursive: true, mode });
  if (isRoot()) {
    chownSync(path, owner.uid, owner.gid);
  }
  chmodSync(path, mode);
}

// -- the operations ----------------------------------------------------------------------------

/**
 * Turn on WAL archiving to a pgBackRest repository for a running cluster, idempotently. This is the
 * host set-up step (deploy/bluegreen.mjs calls it); run it again after changing an option.
 *
 * Contract:
 * - Runs on the database host as root (or as the data folder's owner), the cluster RUNNING and
 *   reachable on its Unix socket (`socketDir`, `port`) as `pgUser` without a password (Debian's
 *   default peer authentication for postgres). pgbackrest must be installed; as root it is installed
 *   with apt-get when missing (`install: false` to refuse instead).
 * - Writes `configFile` (default /etc/pgbackrest/pgbackrest.conf, mode 0640, group of the owner):
 *   [global] repo1-path, repo1-retention-full, compress-type/level, process-max, log-path,
 *   lock-path, start-fast, and in the section [stanza] pg1-path/port/socket-path/user. Other
 *   sections and keys of an existing file (e.g. a repo2 off the host) are kept.
 * - Creates `repoPath` (0750), `logPath` and `lockPath` owned by the data folder's owner.
 * - ALTER SYSTEM (postgresql.auto.conf): wal_level=replica, archive_mode=on, archive_timeout,
 *   archive_command='pgbackrest --config=<configFile> --stanza=<stanza> archive-push %p'.
 * - Reloads; when wal_level or archive_mode changed the server must restart, which this does
 *   (`restart`: 'auto' = pg_ctlcluster for a Debian cluster, else pg_ctl restart with the previous
 *   start's options and `serverLog`; 'pg_ctl', 'pg_ctlcluster', an argv array, or false to leave the
 *   restart to the caller — then stanza-create and check are skipped and `restartRequired` is true).
 *   A restart disconnects clients for a few seconds: the server answers 503 meanwhile and reconnects.
 * - stanza-create (a no-op when the stanza exists for this database) and `pgbackrest check` (a WAL
 *   switch reaches the repository within `timeoutMs`).
 * - Resolves { configFile, stanza, repoPath, archiveCommand, archiveTimeout, restarted,
 *   restartRequired, checked, seconds }; throws with pgBackRest's or PostgreSQL's message otherwise.
 * It does not take a backup: call backup({ type: 'full' }) next, archiving alone cannot restore.
 *
 * @param {object} options
 * @param {string} options.dataDir the cluster's data folder (pg1-path)
 * @param {number} [options.port=5432]
 * @param {string} [options.socketDir='/var/run/postgresql']
 * @param {string} [options.pgUser='postgres'] a superuser pgBackRest connects as
 * @param {string} [options.pgBin] e.g. /usr/lib/postgresql/15/bin; default from PG_VERSION
 * @param {string} [options.stanza='cryoprotect']
 * @param {string} [options.repoPath='/var/lib/pgbackrest']
 * @param {string} [options.configFile='/etc/pgbackrest/pgbackrest.conf']
 * @param {number} [options.retentionFull=2] full backups kept (with their diff/incr and WAL)
 * @param {number} [options.archiveTimeout=60] seconds; bounds the RPO when writes are rare
 * @param {{type: string, passphrase: string}} [options.cipher] repository encryption, e.g.
 *   { type: 'aes-256-cbc', passphrase } — only when the repository is created (stanza-create)
 * @param {string} [options.logPath='/var/log/pgbackrest']
 * @param {string} [options.lockPath='/tmp/pgbackrest']
 * @param {string} [options.serverLog] pg_ctl's log for a pg_ctl restart
 * @param {'auto'|'pg_ctl'|'pg_ctlcluster'|false|string[]} [options.restart='auto']
 * @param {boolean} [options.install=true]
 * @param {number} [options.timeoutMs=180000] bound of each step (restart, stanza-create, check)
 */
export async function configureArchiving(options) {
  const started = Date.now();
  const timeoutMs = options.timeoutMs ?? 180_000;
  if (options.install !== false && isRoot()) {
    await ensureDebianPackages(['pgbackrest']);
  }
  const cfg = resolveCluster(options);
  const repoPath = resolve(options.repoPath ?? DEFAULTS.repoPath);
  const archiveTimeout = Number(options.archiveTimeout ?? DEFAULTS.archiveTimeout);
  const retentionFull = Number(options.retentionFull ?? DEFAULTS.retentionFull);
  if (!Number.isInteger(retentionFull) || retentionFull < 1) {
    throw new Error(`retentionFull must be a whole number ≥ 1, not ${options.retentionFull}`);
  }
  if (!Number.isInteger(archiveTimeout) || archiveTimeout < 1) {
    throw new Error(`archiveTimeout must be whole seconds ≥ 1, not ${options.archiveTimeout}`);
  }
  // Both end up unquoted in archive_command, which PostgreSQL runs through the shell.
  if (!/^[A-Za-z0-9_.-]+$/.test(cfg.stanza) || !/^[A-Za-z0-9_./-]+$/.test(cfg.configFile)) {
    throw new Error(
      'stanza and configFile may only hold letters, digits and _ . - (and / in paths)'
    );
  }
  const logPath = options.logPath ?? DEFAULTS.logPath;
  const lockPath = options.lockPath ?? DEFAULTS.lockPath;
  for (const path of [repoPath, logPath, lockPath]) {
    ownedFolder(path, cfg.ownerIds);
  }

  const sections = existsSync(cfg.configFile)
    ? parseIni(readFileSync(cfg.configFile, 'utf8'))
    : new Map();
  const global = sections.get('global') ?? new Map();
  const managed = {
    'repo1-path': repoPath,
    'repo1-retention-full': String(retentionFull),
    'compress-type': options.compressType ?? DEFAULTS.compressType,
    'compress-level': String(options.compressLevel ?? DEFAULTS.compressLevel),
    'process-max': String(options.processMax ?? DEFAULTS.processMax),
    'log-path': logPath,
    'lock-path': lockPath,
    // Backups start at once with an immediate checkpoint instead of waiting for the next one.
    'start-fast': 'y'
  };
  if (options.cipher) {
    managed['repo1-cipher-type'] = options.cipher.type;
    managed['repo1-cipher-pass'] = options.cipher.passphrase;
  }
  for (const [key, value] of Object.entries(managed)) {
    global.set(key, value);
  }
  sections.delete('global');
  const ordered = new Map([['global', global], ...sections]);
  const own = ordered.get(cfg.stanza) ?? new Map();
  own.set('pg1-path', cfg.dataDir);
  own.set('pg1-port', String(cfg.port));
  own.set('pg1-socket-path', cfg.socketDir);
  own.set('pg1-user', cfg.pgUser);
  ordered.set(cfg.stanza, own);
  mkdirSync(dirname(cfg.configFile), { recursive: true });
  // Written beside and renamed: archive-push reads this file at any moment.
  const temporary = `${cfg.configFile}.pitr-new`;
  writeFileSync(temporary, formatIni(ordered), { mode: 0o640 });
  if (isRoot()) {
    chownSync(temporary, 0, cfg.ownerIds.gid);
  }
  chmodSync(temporary, 0o640);
  renameSync(temporary, cfg.configFile);

  const archiveCommand = `pgbackrest --config=${cfg.configFile} --stanza=${cfg.stanza} archive-push %p`;
  await psql(
    cfg,
    [
      "ALTER SYSTEM SET wal_level = 'replica'",
      "ALTER SYSTEM SET archive_mode = 'on'",
      `ALTER SYSTEM SET archive_command = ${quoteLiteral(archiveCommand)}`,
      `ALTER SYSTEM SET archive_timeout = ${quoteLiteral(`${archiveTimeout}s`)}`,
      'SELECT pg_reload_conf()'
    ],
    timeoutMs
  );
  // The reload is asynchronous: pending_restart shows once the postmaster has re-read the files.
  let pending = false;
  await waitUntil('the configuration reload', 10_000, async () => {
    const rows = await psql(
      cfg,
      "SELECT name, pending_restart, setting FROM pg_settings WHERE name IN ('archive_command', 'archive_mode', 'wal_level')",
      timeoutMs
    );
    const settings = Object.fromEntries(
      rows.split('\n').map(row => {
        const [name, pendingRestart, ...setting] = row.split('|');
        return [name, { pending: pendingRestart === 't', value: setting.join('|') }];
      })
    );
    pending = settings.archive_mode.pending || settings.wal_level.pending;
    // With archive_mode still off, archive_command reads "(disabled)" until the restart.
    return settings.archive_command.value === archiveCommand || settings.archive_mode.pending;
  });
  const restart = options.restart ?? 'auto';
  const summary = {
    configFile: cfg.configFile,
    stanza: cfg.stanza,
    repoPath,
    archiveCommand,
    archiveTimeout
  };
  let restarted;
  if (pending) {
    if (restart === false) {
      return { ...summary, restarted: undefined, restartRequired: true, checked: false };
    }
    restarted = await restartCluster(cfg, restart, timeoutMs);
    await waitUntil(
      'the restarted server',
      timeoutMs,
      async () => (await psql(cfg, 'SHOW archive_mode', 5000)) === 'on'
    );
  }
  await pgbackrest(cfg, 'stanza-create', [], { timeoutMs });
  await pgbackrest(cfg, 'check', [`--archive-timeout=${Math.ceil(timeoutMs / 1000)}`], {
    timeoutMs: timeoutMs + 10_000
  });
  return {
    ...summary,
    restarted,
    restartRequired: false,
    checked: true,
    seconds: (Date.now() - started) / 1000
  };
}

/** The configuration of a configured stanza and the OS user pgBackRest must run as. */
function configured(options = {}) {
  const config = readConfig(options);
  const owner = ownerOf(config.repoPath).user;
  if (!isRoot() && process.getuid() !== ownerOf(config.repoPath).uid) {
    throw new Error(`run as root or as ${owner}, the owner of ${config.repoPath}`);
  }
  return { ...config, owner };
}

/**
 * Take a backup of the running cluster into the repository; pgBackRest then expires what the
 * retention no longer needs. A diff or incr without a prior full becomes a full (pgBackRest's rule).
 * Resolves the new backup's entry from info() (label, type, sizes, times).
 */
export async function backup({ type = 'full', timeoutMs, ...options } = {}) {
  if (!['full', 'diff', 'incr'].includes(type)) {
    throw new Error(`backup type must be full, diff or incr, not ${type}`);
  }
  const cfg = configured(options);
  const started = Date.now();
  await pgbackrest(cfg, 'backup', [`--type=${type}`], { timeoutMs });
  const seconds = (Date.now() - started) / 1000;
  const latest = (await info(options)).backup.at(-1);
  return { ...latest, seconds };
}

/** pgBackRest's `info --output=json` for the stanza: backups, WAL archive range, status. */
export async function info({ timeoutMs = 60_000, ...options } = {}) {
  const cfg = configured(options);
  const [stanza] = JSON.parse(await pgbackrest(cfg, 'info', ['--output=json'], { timeoutMs }));
  return stanza;
}

/** pgBackRest's text `info` (what the CLI prints). */
export async function infoText({ timeoutMs = 60_000, ...options } = {}) {
  return pgbackrest(configured(options), 'info', [], { timeoutMs });
}

/**
 * A recovery target time as pgBackRest and PostgreSQL both read it: "YYYY-MM-DD HH:MM:SS[.ffffff]+ZZ".
 * The zone is required: a time without one would be read in the server's TimeZone.
 */
export function normalizeTarget(target) {
  const match =
    /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?)\s*(Z|UTC|[+-]\d{2}(?::?\d{2})?)$/i.exec(
      String(target).trim()
    );
  if (!match) {
    throw new Error(
      `recovery target "${target}" is not a time with a zone, e.g. 2026-12-08 01:30:00+00 or 2026-12-08T01:30:00Z`
    );
  }
  const zone = /^(Z|UTC)$/i.test(match[3]) ? '+00' : match[3];
  return `${match[1]} ${match[2]}${zone}`;
}

/** Stop a cluster started by restore() (`mode` fast, or immediate for a copy being thrown away). */
export async function stopCluster({ dataDir, pgBin, owner, mode = 'fast', timeoutMs = 60_000 }) {
  if (!existsSync(join(dataDir, 'postmaster.pid'))) {
    return;
  }
  await exec(
    join(pgBin, 'pg_ctl'),
    ['-D', dataDir, '-m', mode, '-w', '-t', String(Math.ceil(timeoutMs / 1000)), 'stop'],
    { user: owner, timeoutMs: timeoutMs + 5000 }
  );
}

/**
 * Restore the repository's backups and WAL to the moment `target` into a NEW data folder `into`
 * (missing or empty; its parent must exist, and hold the server log `<into>.log`, so be writable by
 * the owner), start that copy on `port` (default: a free one) and socket folder `socketDir`
 * (default: `into`), and wait until recovery reached the target and promoted. The running
 * cluster is not touched. The copy does not archive (pgBackRest --archive-mode=off): a trial
 * restore must not push its new timeline into the repository, where later restores would follow
 * it. To make the copy the new primary, run configureArchiving on it (then a full backup).
 *
 * Resolves { dataDir, port, socketDir, pgBin, owner, target, seconds: {restore, recovery, total},
 * stop() } — stop() does a fast shutdown of the copy.
 */
export async function restore({
  target,
  into,
  port,
  socketDir,
  timeoutMs,
  pgBin,
  processMax,
  archive = false,
  ...options
}) {
  if (!into) {
    throw new Error('restore needs "into", a new data folder');
  }
  const time = normalizeTarget(target);
  const cfg = configured(options);
  const dataDir = resolve(into);
  if (!existsSync(dirname(dataDir))) {
    // Created here it would belong to root and keep the owner out.
    throw new Error(`${dirname(dataDir)} does not exist: create it for ${dataDir} first`);
  }
  if (existsSync(dataDir) && readdirSync(dataDir).length > 0) {
    throw new Error(`${dataDir} is not empty: restore into a new folder`);
  }
  const owner = ownerOf(cfg.repoPath);
  ownedFolder(dataDir, owner, 0o700);
  const started = Date.now();
  const args = [
    `--pg1-path=${dataDir}`,
    '--type=time',
    `--target=${time}`,
    '--target-action=promote',
    ...(archive ? [] : ['--archive-mode=off']),
    ...(processMax ? [`--process-max=${processMax}`] : [])
  ];
  await pgbackrest(cfg, 'restore', args, { timeoutMs });
  const restoreSeconds = (Date.now() - started) / 1000;
  // A Debian cluster keeps postgresql.conf and pg_hba.conf in /etc/postgresql, outside the backup:
  // the copy gets a minimal pair that only admits local connections.
  if (!existsSync(join(dataDir, 'postgresql.conf'))) {
    writeFileSync(
      join(dataDir, 'postgresql.conf'),
      '# Written by deploy/pitr.mjs restore: the backup had no postgresql.conf (Debian keeps it in /etc).\n'
    );
  }
  if (!existsSync(join(dataDir, 'pg_hba.conf'))) {
    writeFileSync(
      join(dataDir, 'pg_hba.conf'),
      'local all all peer\nhost all all 127.0.0.1/32 scram-sha-256\n'
    );
  }
  if (!existsSync(join(dataDir, 'pg_ident.conf'))) {
    writeFileSync(join(dataDir, 'pg_ident.conf'), '');
  }
  if (isRoot()) {
    for (const file of ['postgresql.conf', 'pg_hba.conf', 'pg_ident.conf']) {
      chownSync(join(dataDir, file), owner.uid, owner.gid);
    }
  }
  const bin = binariesFor(dataDir, pgBin);
  const cluster = {
    dataDir,
    port: Number(port ?? (await freePort())),
    socketDir: socketDir ?? dataDir,
    pgBin: bin,
    owner: owner.user,
    pgUser: cfg.pgUser,
    target: time
  };
  // Recovery refuses to run a hot standby with fewer connections, workers, ... than the primary
  // had; the minimal postgresql.conf above (or a changed one) would have PostgreSQL's defaults.
  const control = await exec(join(bin, 'pg_controldata'), [dataDir], { user: owner.user });
  const required = {
    max_connections: 'max_connections setting',
    max_worker_processes: 'max_worker_processes setting',
    max_wal_senders: 'max_wal_senders setting',
    max_prepared_transactions: 'max_prepared_xacts setting',
    max_locks_per_transaction: 'max_locks_per_xact setting'
  };
  const settings = Object.entries(required)
    .map(([name, label]) => [name, new RegExp(`^${label}:\\s*(\\d+)`, 'm').exec(control)?.[1]])
    .filter(([, value]) => value)
    .map(([name, value]) => `-c ${name}=${value}`);
  const startedRecovery = Date.now();
  const limit = Math.ceil((timeoutMs ?? 3_600_000) / 1000);
  try {
    await exec(
      join(bin, 'pg_ctl'),
      [
        '-D',
        dataDir,
        '-l',
        `${dataDir}.log`,
        '-w',
        '-t',
        String(limit),
        '-o',
        [
          `-p ${cluster.port} -k ${cluster.socketDir} -c listen_addresses=127.0.0.1`,
          ...settings
        ].join(' '),
        'start'
      ],
      { user: owner.user, timeoutMs: limit * 1000 + 5000 }
    );
    // pg_ctl returns once connections are accepted, which a hot standby does before the target.
    await waitUntil('recovery to the target and promotion', limit * 1000, async () => {
      return (
        (await psql({ ...cluster, owner: owner.user }, 'SELECT pg_is_in_recovery()', 5000)) === 'f'
      );
    });
  } catch (error) {
    await stopCluster({ ...cluster, mode: 'immediate' }).catch(() => {});
    const log = existsSync(`${dataDir}.log`)
      ? readFileSync(`${dataDir}.log`, 'utf8').slice(-3000)
      : '';
    error.message += `\nserver log (${dataDir}.log):\n${log}`;
    throw error;
  }
  const recoverySeconds = (Date.now() - startedRecovery) / 1000;
  return {
    ...cluster,
    seconds: {
      restore: restoreSeconds,
      recovery: recoverySeconds,
      total: (Date.now() - started) / 1000
    },
    stop: () => stopCluster(cluster)
  };
}

// -- the command line --------------------------------------------------------------------------

const HELP = `Point-in-time recovery with pgBackRest (docs/point-in-time-recovery.md).

usage: node deploy/pitr.mjs <command> [options]

commands:
  configure   turn on WAL archiving for a running cluster, create the stanza, check it
              --data-dir DIR (required) --port N (5432) --socket-dir DIR (/var/run/postgresql)
              --repo-path DIR (${DEFAULTS.repoPath}) --retention-full N (${DEFAULTS.retentionFull})
              --archive-timeout SECONDS (${DEFAULTS.archiveTimeout}) --pg-bin DIR --pg-user NAME (postgres)
              --cipher-pass-file FILE (encrypt the repository, aes-256-cbc; new repositories only)
              --restart auto|pg_ctl|pg_ctlcluster|no (auto)
  backup      take a backup: --type full|diff|incr (full)
  info        list the backups and the archived WAL range (--json for pgBackRest's JSON)
  restore     restore to a time into a NEW data folder and start it (the running cluster is left alone)
              --to "2026-12-08 01:30:00+00" (required, with a zone) --into DIR (required)
              --port N (a free port) --socket-dir DIR (the new data folder) --process-max N
              --archive (let the copy archive to the repository: only when it becomes the primary)

common options:
  --config FILE   pgBackRest configuration (${DEFAULTS.configFile})
  --stanza NAME   (${DEFAULTS.stanza})
  --help

Run as root or as the cluster's OS owner (postgres); pgBackRest itself always runs as that owner.`;

export async function main(argv = process.argv.slice(2)) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      config: { type: 'string' },
      stanza: { type: 'string' },
      'data-dir': { type: 'string' },
      port: { type: 'string' },
      'socket-dir': { type: 'string' },
      'repo-path': { type: 'string' },
      'retention-full': { type: 'string' },
      'archive-timeout': { type: 'string' },
      'pg-bin': { type: 'string' },
      'pg-user': { type: 'string' },
      'cipher-pass-file': { type: 'string' },
      restart: { type: 'string' },
      type: { type: 'string' },
      json: { type: 'boolean' },
      to: { type: 'string' },
      into: { type: 'string' },
      'process-max': { type: 'string' },
      archive: { type: 'boolean' }
    }
  });
  const [command] = positionals;
  if (values.help || !command) {
    process.stdout.write(`${HELP}\n`);
    return command || values.help ? 0 : 2;
  }
  const common = { configFile: values.config, stanza: values.stanza };
  switch (command) {
    case 'configure': {
      if (!values['data-dir']) {
        throw new Error(
          'configure needs --data-dir (the cluster data folder, e.g. /var/lib/postgresql/15/main)'
        );
      }
      if (values.restart && !['auto', 'pg_ctl', 'pg_ctlcluster', 'no'].includes(values.restart)) {
        throw new Error(`--restart is auto, pg_ctl, pg_ctlcluster or no, not ${values.restart}`);
      }
      const restart = values.restart === 'no' ? false : (values.restart ?? 'auto');
      const result = await configureArchiving({
        ...common,
        dataDir: values['data-dir'],
        port: values.port,
        socketDir: values['socket-dir'],
        repoPath: values['repo-path'],
        retentionFull: values['retention-full'],
        archiveTimeout: values['archive-timeout'],
        pgBin: values['pg-bin'],
        pgUser: values['pg-user'],
        restart,
        cipher: values['cipher-pass-file'] && {
          type: 'aes-256-cbc',
          passphrase: readFileSync(values['cipher-pass-file'], 'utf8').trim()
        }
      });
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      if (result.restartRequired) {
        process.stderr.write(
          'archive_mode/wal_level need a restart: restart PostgreSQL, then run configure again\n'
        );
        return 1;
      }
      return 0;
    }
    case 'backup': {
      const result = await backup({ ...common, type: values.type ?? 'full' });
      process.stdout.write(
        `${result.label} (${result.type}) in ${result.seconds.toFixed(1)} s: database ${result.info.size} bytes, repository ${result.info.repository.delta} bytes\n`
      );
      return 0;
    }
    case 'info':
      process.stdout.write(
        values.json ? `${JSON.stringify(await info(common), null, 2)}\n` : await infoText(common)
      );
      return 0;
    case 'restore': {
      if (!values.to || !values.into) {
        throw new Error('restore needs --to "<time with zone>" and --into <new data folder>');
      }
      const result = await restore({
        ...common,
        target: values.to,
        into: values.into,
        port: values.port,
        socketDir: values['socket-dir'],
        pgBin: values['pg-bin'],
        processMax: values['process-max'],
        archive: values.archive ?? false
      });
      process.stdout.write(
        [
          `restored to ${result.target} into ${result.dataDir} in ${result.seconds.total.toFixed(1)} s (files ${result.seconds.restore.toFixed(1)} s, recovery ${result.seconds.recovery.toFixed(1)} s)`,
          `running and promoted: port ${result.port}, socket ${result.socketDir}, log ${result.dataDir}.log`,
          `look:  runuser -u ${result.owner} -- psql -h ${result.socketDir} -p ${result.port} -U ${result.pgUser}`,
          `stop:  runuser -u ${result.owner} -- ${result.pgBin}/pg_ctl -D ${result.dataDir} stop`,
          ''
        ].join('\n')
      );
      return 0;
    }
    default:
      process.stderr.write(`unknown command ${command}\n${HELP}\n`);
      return 2;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then(
    code => process.exit(code),
    error => {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
  );
}
