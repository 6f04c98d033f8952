// Point-in-time recovery with pgBackRest (deploy/pitr.mjs) on a throw-away PostgreSQL cluster of
// its own (archive_mode needs a restart, which the shared test server must not get): archiving
// configured, a full backup, rows written before and after a noted moment, a restore to that moment
// into a scratch cluster that must hold exactly the earlier rows. The database carries a bulk table
// of PITR_TEST_MB (default 200) MB so the restore's time is a figure for docs/point-in-time-recovery.md.
import assert from 'node:assert/strict';
import { chownSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { backup, configureArchiving, info, restore, stopCluster } from '../deploy/pitr.mjs';
import { debianPackageInstalled, ensureDebianPackages } from '../scripts/debian.mjs';
import { psqlQuery, startPostgres } from '../scripts/postgres.mjs';

const isRoot = process.getuid?.() === 0;
const SIZE_MB = Number(process.env.PITR_TEST_MB ?? 200);
// Rows of ~165 bytes on disk (a 128-character text, tuple header, item pointer); hex digests of
// different numbers, so the data compresses about as much as real text (about 2:1), not 100:1.
const BULK_ROWS = Math.round((SIZE_MB * 1024 * 1024) / 165);

async function waitUntil(what, timeoutMs, probe) {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) {
      throw new Error(`${what}: not within ${timeoutMs} ms`);
    }
    await new Promise(done => setTimeout(done, 200));
  }
}

const skip =
  !isRoot &&
  !debianPackageInstalled('pgbackrest') &&
  'pgbackrest is not installed and this is not root';

// Apart from the test's own bound: waiting for apt's lock (another test installing) is not restoring.
before(() => (skip ? undefined : ensureDebianPackages(['pgbackrest'])), { timeout: 120_000 });

const cleanups = [];
after(async () => {
  // Last in, first out: the scratch cluster, then the primary, then the folder (the primary's
  // archive_command writes into it until it stops).
  for (const cleanup of cleanups.reverse()) {
    try {
      await cleanup();
    } catch (error) {
      process.stderr.write(`pitr test cleanup: ${error.message}\n`);
    }
  }
});

test(
  'restore to a noted time gives exactly the rows written before it',
  { skip, timeout: 170_000 },
  async t => {
    const work = mkdtempSync(join(tmpdir(), 'cryoprotect-pitr-'));
    cleanups.push(() => rmSync(work, { recursive: true, force: true }));
    const primary = await startPostgres();
    cleanups.push(() => primary.stop());
    const port = Number(new URL(primary.url).port);
    const psqlBin = `/usr/lib/postgresql/${primary.version}/bin/psql`;
    const query = (statement, timeoutMs) => psqlQuery(psqlBin, port, statement, timeoutMs);
    const dataDir = await query('SHOW data_directory');
    const socketDir = (await query('SHOW unix_socket_directories')).split(',')[0].trim();

    if (isRoot) {
      // pgBackRest and the scratch cluster run as the data folder's owner, who must enter `work`.
      const { uid, gid } = statSync(dataDir);
      chownSync(work, uid, gid);
    }
    const repo = {
      configFile: join(work, 'pgbackrest.conf'),
      stanza: 'pitr-test'
    };

    const t0 = Date.now();
    const configured = await configureArchiving({
      ...repo,
      dataDir,
      port,
      socketDir,
      repoPath: join(work, 'repo'),
      logPath: join(work, 'log'),
      lockPath: join(work, 'lock'),
      // startPostgres logs there; a pg_ctl restart keeps its other start options.
      serverLog: join(dirname(dataDir), 'server.log'),
      install: false,
      timeoutMs: 60_000
    });
    assert.equal(configured.checked, true);
    assert.ok(configured.restarted, 'archive_mode=on needed a restart');
    assert.equal(await query('SHOW archive_mode'), 'on');
    assert.equal(await query('SHOW archive_timeout'), '1min');
    const configureSeconds = (Date.now() - t0) / 1000;

    const t1 = Date.now();
    await query(
      `CREATE TABLE bulk AS SELECT g AS id, md5(g::text) || md5((-g)::text) || md5((g * 7)::text) || md5((g * 13)::text) AS filler FROM generate_series(1, ${BULK_ROWS}) g`,
      120_000
    );
    const loadSeconds = (Date.now() - t1) / 1000;
    const databaseBytes = Number(await query('SELECT pg_database_size(current_database())'));

    const full = await backup({ ...repo, type: 'full', timeoutMs: 120_000 });
    assert.equal(full.type, 'full');

    await query(
      'CREATE TABLE samples (id serial PRIMARY KEY, label text NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp())'
    );
    await query("INSERT INTO samples (label) SELECT 'before-' || g FROM generate_series(1, 100) g");
    // pgBackRest picks the backup for a time target by its stop time, in whole seconds taken after
    // the backup ended: the noted time must come after it.
    await waitUntil(
      'a time after the backup ended',
      10_000,
      async () =>
        Number(await query('SELECT extract(epoch FROM clock_timestamp())')) >
        full.timestamp.stop + 1
    );
    // Read from the database after the earlier commits returned: every later commit is after it.
    const target = await query(
      "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00'"
    );
    await query("INSERT INTO samples (label) SELECT 'after-' || g FROM generate_series(1, 50) g");
    // The mistake to undo: recovery must stop before it.
    await query('DELETE FROM samples WHERE id <= 10');
    const segment = await query('SELECT pg_walfile_name(pg_switch_wal())');
    await waitUntil('the WAL segment with the later rows in the repository', 60_000, async () => {
      const archived = await query("SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver");
      return archived >= segment;
    });

    const scratch = join(work, 'scratch');
    cleanups.push(async () => {
      if (existsSync(join(scratch, 'postmaster.pid'))) {
        await stopCluster({
          dataDir: scratch,
          pgBin: dirname(psqlBin),
          owner: isRoot ? 'postgres' : undefined,
          mode: 'immediate'
        });
      }
    });
    const restored = await restore({ ...repo, target, into: scratch, timeoutMs: 120_000 });
    const copy = (statement, timeoutMs) => psqlQuery(psqlBin, restored.port, statement, timeoutMs);

    assert.equal(await copy('SELECT pg_is_in_recovery()'), 'f', 'promoted');
    assert.equal(
      await copy("SELECT string_agg(label, ',' ORDER BY id) FROM samples"),
      Array.from({ length: 100 }, (_, i) => `before-${i + 1}`).join(',')
    );
    assert.equal(await copy("SELECT min(id) || '-' || max(id) FROM samples"), '1-100');
    assert.equal(await copy('SELECT count(*) FROM bulk', 60_000), String(BULK_ROWS));
    // The copy must not archive: its new timeline would be followed by later restores.
    assert.equal(await copy('SHOW archive_mode'), 'off');
    const history = await info(repo);
    assert.equal(history.status.code, 0);

    const figures = [
      `database ${(databaseBytes / 1024 / 1024).toFixed(0)} MB (bulk table ${BULK_ROWS} rows), PostgreSQL ${primary.version}, pgBackRest ${full.backrest.version}`,
      `configure (with restart) ${configureSeconds.toFixed(1)} s, load ${loadSeconds.toFixed(1)} s`,
      `full backup ${full.seconds.toFixed(1)} s, repository ${(full.info.repository.delta / 1024 / 1024).toFixed(1)} MB (zst)`,
      `restore to ${target}: files ${restored.seconds.restore.toFixed(1)} s + start, WAL replay to the target, promote ${restored.seconds.recovery.toFixed(1)} s = ${restored.seconds.total.toFixed(1)} s`
    ];
    for (const line of figures) {
      t.diagnostic(line);
      process.stdout.write(`pitr: ${line}\n`);
    }
  }
);
