// bench/pitr: how long a point-in-time restore with pgBackRest (deploy/pitr.mjs) takes, the RTO's
// measurable part, on a throw-away PostgreSQL like npm test's (root: Debian's packages, installed
// when missing). A database of --size-mb is loaded and backed up (full), then --wal-mb of WAL is
// written after the backup (what a day of writes leaves to replay), a time is noted, and the restore
// to that time into a new data folder is timed: copying the files out of the repository, then the
// start, WAL replay to the target and promotion. Prints the figures and one JSON line.
//
//   node bench/pitr.mjs [--size-mb 1000] [--wal-mb 256] [--process-max 2]
//
// The source server runs with fsync=off (as in the tests), which only speeds up the load; the
// restored copy runs with PostgreSQL's defaults (fsync on), and pgBackRest syncs what it restores.
import { spawn } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { backup, configureArchiving, restore, stopCluster } from '../deploy/pitr.mjs';
import { ensureDebianPackages } from '../scripts/debian.mjs';
import { psqlQuery, startPostgres } from '../scripts/postgres.mjs';

const { values } = parseArgs({
  options: {
    'size-mb': { type: 'string', default: '1000' },
    'wal-mb': { type: 'string', default: '256' },
    'process-max': { type: 'string', default: '2' }
  }
});
const sizeMb = Number(values['size-mb']);
const walMb = Number(values['wal-mb']);
const processMax = Number(values['process-max']);
// ~165 bytes a row on disk; hex digests of different numbers compress about 2:1, like real text.
const ROW = 'md5(g::text) || md5((-g)::text) || md5((g * 7)::text) || md5((g * 13)::text)';
const HOUR = 3_600_000;

const seconds = since => (Date.now() - since) / 1000;
const mb = bytes => (bytes / 1024 / 1024).toFixed(0);
const say = line => process.stdout.write(`${line}\n`);

const cleanups = [];
async function cleanUp() {
  for (const cleanup of cleanups.reverse()) {
    await cleanup().catch(error => process.stderr.write(`cleanup: ${error.message}\n`));
  }
  cleanups.length = 0;
}
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => cleanUp().finally(() => process.exit(130)));
}

try {
  await ensureDebianPackages(['pgbackrest']);
  // Made first so it goes last: the primary's archive_command writes into it until it stops.
  const work = mkdtempSync(join(tmpdir(), 'cryoprotect-pitr-bench-'));
  cleanups.push(async () => rmSync(work, { recursive: true, force: true }));
  const primary = await startPostgres();
  cleanups.push(() => primary.stop());
  const port = Number(new URL(primary.url).port);
  const psqlBin = `/usr/lib/postgresql/${primary.version}/bin/psql`;
  const query = statement => psqlQuery(psqlBin, port, statement, HOUR);
  const dataDir = await query('SHOW data_directory');
  const socketDir = (await query('SHOW unix_socket_directories')).split(',')[0].trim();
  if (process.getuid?.() === 0) {
    const { uid, gid } = statSync(dataDir);
    chownSync(work, uid, gid);
  }
  const repo = { configFile: join(work, 'pgbackrest.conf'), stanza: 'pitr-bench' };
  await configureArchiving({
    ...repo,
    dataDir,
    port,
    socketDir,
    repoPath: join(work, 'repo'),
    logPath: join(work, 'log'),
    lockPath: join(work, 'lock'),
    serverLog: join(dirname(dataDir), 'server.log'),
    processMax,
    timeoutMs: 120_000
  });

  let t = Date.now();
  const rows = Math.round((sizeMb * 1024 * 1024) / 165);
  await query(
    `CREATE TABLE bulk AS SELECT g AS id, ${ROW} AS filler FROM generate_series(1, ${rows}) g`
  );
  await query('CREATE TABLE changes (id bigserial PRIMARY KEY, filler text NOT NULL)');
  const databaseBytes = Number(await query('SELECT pg_database_size(current_database())'));
  say(`database: ${mb(databaseBytes)} MB (${rows} rows) loaded in ${seconds(t).toFixed(1)} s`);

  const full = await backup({ ...repo, type: 'full' });
  say(
    `full backup: ${full.seconds.toFixed(1)} s, ${mb(full.info.repository.delta)} MB in the repository (zst level 3, process-max ${processMax})`
  );

  // WAL after the backup, which the restore has to replay: inserts in batches of ~16 MB of rows.
  t = Date.now();
  const startLsn = await query('SELECT pg_current_wal_lsn()');
  const batch = Math.round((16 * 1024 * 1024) / 165);
  let walBytes = 0;
  while (walBytes < walMb * 1024 * 1024) {
    await query(`INSERT INTO changes (filler) SELECT ${ROW} FROM generate_series(1, ${batch}) g`);
    walBytes = Number(await query(`SELECT pg_current_wal_lsn() - '${startLsn}'::pg_lsn`));
  }
  const changed = await query('SELECT count(*) FROM changes');
  await new Promise(done => setTimeout(done, 1100));
  const target = await query(
    "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00'"
  );
  await query("INSERT INTO changes (filler) VALUES ('after the target')");
  const segment = await query('SELECT pg_walfile_name(pg_switch_wal())');
  for (;;) {
    const archived = await query("SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver");
    if (archived >= segment) {
      break;
    }
    if (seconds(t) > 1800) {
      throw new Error('WAL not archived within 30 minutes');
    }
    await new Promise(done => setTimeout(done, 250));
  }
  say(
    `WAL after the backup: ${mb(walBytes)} MB written and archived in ${seconds(t).toFixed(1)} s`
  );

  const scratch = join(work, 'scratch');
  cleanups.push(() =>
    stopCluster({
      dataDir: scratch,
      pgBin: dirname(psqlBin),
      owner: process.getuid?.() === 0 ? 'postgres' : undefined,
      mode: 'immediate'
    })
  );
  const restored = await restore({ ...repo, target, into: scratch, processMax });
  const count = await psqlQuery(psqlBin, restored.port, 'SELECT count(*) FROM changes', HOUR);
  if (count !== changed) {
    throw new Error(`the restored copy has ${count} changed rows, not ${changed}`);
  }
  say(
    `restore to ${target}: files ${restored.seconds.restore.toFixed(1)} s, start + replay of ${mb(walBytes)} MB WAL + promote ${restored.seconds.recovery.toFixed(1)} s, total ${restored.seconds.total.toFixed(1)} s (${count} rows as at the target)`
  );
  // The anchor: copying the primary's data folder on the same disk, the least any physical
  // restore of it costs (timing only: a copy of a running cluster is not a usable backup).
  t = Date.now();
  await new Promise((done, fail) => {
    const copy = spawn('cp', ['-a', dataDir, join(work, 'anchor-copy')], { stdio: 'ignore' });
    copy.on('error', fail);
    copy.on('exit', code => (code === 0 ? done() : fail(new Error(`cp exited with ${code}`))));
  });
  const anchorSeconds = seconds(t);
  rmSync(join(work, 'anchor-copy'), { recursive: true, force: true });
  say(
    `anchor: copying the data folder ${anchorSeconds.toFixed(1)} s; restore files / copy ${(restored.seconds.restore / anchorSeconds).toFixed(2)}, whole restore / copy ${(restored.seconds.total / anchorSeconds).toFixed(2)}`
  );
  say(
    JSON.stringify({
      anchorCopySeconds: anchorSeconds,
      databaseMb: Number(mb(databaseBytes)),
      repositoryMb: Number(mb(full.info.repository.delta)),
      walMb: Number(mb(walBytes)),
      processMax,
      backupSeconds: full.seconds,
      restoreFilesSeconds: restored.seconds.restore,
      recoverySeconds: restored.seconds.recovery,
      totalSeconds: restored.seconds.total,
      pgbackrest: full.backrest.version,
      postgres: primary.version
    })
  );
} finally {
  await cleanUp();
}
