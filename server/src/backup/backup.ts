import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { openPGlite, type Database, type Queryable } from '../db/database.js';
import { migrate, readMigrations } from '../db/migrations.js';
import {
  ARCHIVE_SUFFIX,
  ArchiveWriter,
  BackupError,
  META_SUFFIX,
  FORMAT,
  FORMAT_VERSION,
  backupName,
  fileSha256,
  readArchive,
  readEntry,
  softwareVersions,
  writeMetadata,
  writeVerification,
  type BackupEntry,
  type BackupMetadata,
  type Verification
} from './archive.js';
import {
  TableDigest,
  dependencyOrder,
  describeSchema,
  forEachRow,
  qualified,
  quoteIdent,
  readForeignKeys,
  readSchemaVersion,
  readTables,
  requireServiceRole,
  schemaVersionOf,
  summarizeTables,
  useCanonicalText,
  type ForeignKey,
  type SchemaVersion,
  type TableInfo,
  type TableSummary
} from './catalog.js';

/**
 * Back up every application table of `db` into `dir`: one consistent snapshot (REPEATABLE READ),
 * read on the service path because a backup must see every user's rows, which RLS would hide.
 */
export async function createBackup(
  db: Database,
  options: { dir: string; now?: Date }
): Promise<BackupEntry> {
  const createdAt = options.now ?? new Date();
  const name = backupName(createdAt, db.kind);
  const archiveFile = `${name}${ARCHIVE_SUFFIX}`;
  const archivePath = join(options.dir, archiveFile);
  const metaPath = join(options.dir, `${name}${META_SUFFIX}`);
  if (existsSync(archivePath) || existsSync(metaPath)) {
    throw new BackupError(`backup ${name} already exists in ${options.dir}`);
  }
  const writer = new ArchiveWriter(archivePath);
  let snapshot: { schema: SchemaVersion; serverVersion: string; tables: BackupMetadata['tables'] };
  try {
    snapshot = await db.serviceTransaction(async tx => {
      await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
      await requireServiceRole(tx, 'a backup');
      const schema = await readSchemaVersion(tx);
      if (!schema) {
        throw new BackupError('the database has no schema yet; nothing to back up');
      }
      const { rows } = await tx.query<{ version: string }>(
        `SELECT current_setting('server_version') AS version`
      );
      const tables = dependencyOrder(await readTables(tx), await readForeignKeys(tx));
      await useCanonicalText(tx);
      const summaries: BackupMetadata['tables'] = [];
      for (const table of tables) {
        await writer.line(`# ${JSON.stringify({ table: table.name, columns: table.columns })}`);
        const digest = new TableDigest();
        await forEachRow(tx, table, async row => {
          digest.add(row);
          await writer.line(row);
        });
        summaries.push({
          name: table.name,
          columns: table.columns,
          rowCount: digest.rowCount,
          checksum: digest.checksum()
        });
      }
      return { schema, serverVersion: rows[0].version, tables: summaries };
    });
    await writer.finish();
  } catch (error) {
    await writer.abort();
    throw error;
  }
  const metadata: BackupMetadata = {
    format: FORMAT,
    formatVersion: FORMAT_VERSION,
    name,
    createdAt: createdAt.toISOString(),
    database: { kind: db.kind, location: db.location, serverVersion: snapshot.serverVersion },
    software: softwareVersions(),
    schema: snapshot.schema,
    tables: snapshot.tables,
    totalRows: snapshot.tables.reduce((sum, t) => sum + t.rowCount, 0),
    archive: {
      file: archiveFile,
      compression: 'gzip',
      bytes: statSync(archivePath).size,
      sha256: await fileSha256(archivePath)
    }
  };
  writeMetadata(metaPath, metadata);
  return readEntry(metaPath);
}

/** Differences between what the metadata records and what was found, one sentence each. */
export function compareWithMetadata(
  metadata: BackupMetadata,
  found: TableSummary[],
  where: string,
  only?: Set<string>
): string[] {
  const problems: string[] = [];
  const expected = metadata.tables.filter(t => !only || only.has(t.name));
  const byName = new Map(found.map(t => [t.name, t]));
  for (const table of expected) {
    const actual = byName.get(table.name);
    if (!actual) {
      problems.push(`table ${table.name}: in the backup metadata but not in ${where}`);
      continue;
    }
    if (actual.rowCount !== table.rowCount) {
      problems.push(
        `table ${table.name}: ${table.rowCount} rows in the backup metadata, ${actual.rowCount} in ${where}`
      );
    } else if (actual.checksum !== table.checksum) {
      problems.push(
        `table ${table.name}: checksum ${table.checksum.slice(0, 12)}… in the backup metadata, ${actual.checksum.slice(0, 12)}… in ${where} (same row count, different content)`
      );
    }
  }
  const known = new Set(expected.map(t => t.name));
  for (const table of found) {
    if (!known.has(table.name) && (!only || only.has(table.name))) {
      problems.push(`table ${table.name}: in ${where} but not in the backup metadata`);
    }
  }
  return problems;
}

/** Check the archive file against the SHA-256 and size its metadata recorded. */
export async function checkArchiveFile(entry: BackupEntry): Promise<string[]> {
  if (!existsSync(entry.archivePath)) {
    return [`archive ${entry.metadata.archive.file} is missing`];
  }
  const problems: string[] = [];
  const bytes = statSync(entry.archivePath).size;
  if (bytes !== entry.metadata.archive.bytes) {
    problems.push(
      `archive ${entry.metadata.archive.file}: ${bytes} bytes on disk, ${entry.metadata.archive.bytes} recorded`
    );
  }
  const sha = await fileSha256(entry.archivePath);
  if (sha !== entry.metadata.archive.sha256) {
    problems.push(
      `archive ${entry.metadata.archive.file}: SHA-256 ${sha.slice(0, 12)}… differs from the recorded ${entry.metadata.archive.sha256.slice(0, 12)}… (the file is damaged or was changed)`
    );
  }
  return problems;
}

/** Per-table counts and checksums recomputed from the archive's own lines, without a database. */
export async function summarizeArchive(entry: BackupEntry): Promise<TableSummary[]> {
  const result: TableSummary[] = [];
  let current: { name: string; digest: TableDigest } | undefined;
  const close = (): void => {
    if (current) {
      result.push({
        name: current.name,
        rowCount: current.digest.rowCount,
        checksum: current.digest.checksum()
      });
    }
  };
  for await (const item of readArchive(entry.archivePath)) {
    if (item.kind === 'table') {
      close();
      current = { name: item.header.table, digest: new TableDigest() };
    } else {
      current?.digest.add(item.text);
    }
  }
  close();
  return result;
}

function schemaDifference(backup: SchemaVersion, live: SchemaVersion): string {
  const liveByVersion = new Map(live.migrations.map(m => [m.version, m]));
  const backupVersions = new Set(backup.migrations.map(m => m.version));
  const details = [
    ...backup.migrations
      .filter(m => !liveByVersion.has(m.version))
      .map(m => `${String(m.version).padStart(3, '0')}_${m.name} only in the backup`),
    ...live.migrations
      .filter(m => !backupVersions.has(m.version))
      .map(m => `${String(m.version).padStart(3, '0')}_${m.name} only in the database`),
    ...backup.migrations
      .filter(m => {
        const other = liveByVersion.get(m.version);
        return other !== undefined && other.checksum !== m.checksum;
      })
      .map(m => `${String(m.version).padStart(3, '0')}_${m.name} differs`)
  ];
  return `backup schema ${describeSchema(backup)}, database schema ${describeSchema(live)}: ${details.join(', ')}`;
}

const INSERT_BATCH_ROWS = 500;
const INSERT_BATCH_CHARS = 4 << 20;

async function checkForeignKeys(
  tx: Queryable,
  keys: ForeignKey[],
  touched: Set<string>
): Promise<string[]> {
  const problems: string[] = [];
  for (const fk of keys) {
    if (!touched.has(fk.child) && !touched.has(fk.parent)) {
      continue;
    }
    // MATCH SIMPLE: a key with any NULL column refers to nothing.
    const present = fk.childColumns.map(c => `c.${quoteIdent(c)} IS NOT NULL`).join(' AND ');
    const join = fk.childColumns
      .map((c, i) => `p.${quoteIdent(fk.parentColumns[i])} = c.${quoteIdent(c)}`)
      .join(' AND ');
    const { rows } = await tx.query<{ n: string }>(
      `SELECT count(*) AS n FROM ${qualified(fk.child)} AS c
        WHERE ${present} AND NOT EXISTS (SELECT 1 FROM ${qualified(fk.parent)} AS p WHERE ${join})`
    );
    const n = Number(rows[0].n);
    if (n > 0) {
      problems.push(
        `${n} rows of ${fk.child} would refer to missing rows of ${fk.parent} (foreign key ${fk.name} on ${fk.childColumns.join(', ')})`
      );
    }
  }
  return problems;
}

/**
 * Replace the rows of `only` (default: every table) with the backup's, inside the caller's
 * transaction, then prove the result: foreign keys hold and every restored table's count and
 * checksum equal the metadata; otherwise throw, so the caller's transaction rolls back.
 */
async function loadBackup(
  tx: Queryable,
  entry: BackupEntry,
  only: string[] | undefined
): Promise<TableSummary[]> {
  // Triggers off for this transaction only: restored rows must not fire the triggers that
  // create rows (a project's creator membership, a verification's first event), cascade deletes
  // or re-check ranges; foreign keys are checked explicitly below instead.
  try {
    await tx.query('SET LOCAL session_replication_role = replica');
  } catch (error) {
    throw new BackupError(
      `a restore needs a superuser on the service path (it sets session_replication_role so that triggers do not fire on restored rows): ${(error as Error).message}`
    );
  }
  await useCanonicalText(tx);
  const live = dependencyOrder(await readTables(tx), await readForeignKeys(tx));
  const liveByName = new Map(live.map(t => [t.name, t]));
  const inBackup = new Set(entry.metadata.tables.map(t => t.name));
  let selected: TableInfo[];
  if (only === undefined) {
    const missing = live.filter(t => !inBackup.has(t.name)).map(t => t.name);
    const extra = [...inBackup].filter(name => !liveByName.has(name));
    if (missing.length + extra.length > 0) {
      throw new BackupError(
        `the backup's tables do not match the database's: ${[
          ...missing.map(n => `${n} not in the backup`),
          ...extra.map(n => `${n} not in the database`)
        ].join(', ')}`
      );
    }
    selected = live;
  } else {
    const unknown = only.filter(name => !inBackup.has(name) || !liveByName.has(name));
    if (unknown.length > 0) {
      throw new BackupError(
        `--tables: ${unknown.join(', ')} not in both the backup and the database; tables are: ${[...inBackup].sort().join(', ')}`
      );
    }
    const wanted = new Set(only);
    selected = live.filter(t => wanted.has(t.name));
  }
  const wanted = new Set(selected.map(t => t.name));
  if (only === undefined) {
    await tx.query(`TRUNCATE ${selected.map(t => qualified(t.name)).join(', ')}`);
  } else {
    // DELETE, not TRUNCATE: TRUNCATE refuses a table that others refer to, while DELETE leaves
    // referring rows to the foreign-key check below (no cascade fires with triggers off).
    for (const table of selected) {
      await tx.query(`DELETE FROM ${qualified(table.name)}`);
    }
  }

  let table: TableInfo | undefined;
  let batch: string[] = [];
  let batchChars = 0;
  const flush = async (): Promise<void> => {
    if (!table || batch.length === 0) {
      return;
    }
    const columns = table.insertColumns.map(quoteIdent).join(', ');
    await tx.query(
      `INSERT INTO ${qualified(table.name)} (${columns}) OVERRIDING SYSTEM VALUE
       SELECT ${columns} FROM jsonb_populate_recordset(NULL::${qualified(table.name)}, $1::jsonb)`,
      [`[${batch.join(',')}]`]
    );
    batch = [];
    batchChars = 0;
  };
  for await (const item of readArchive(entry.archivePath)) {
    if (item.kind === 'table') {
      await flush();
      table = wanted.has(item.header.table) ? liveByName.get(item.header.table) : undefined;
      if (table) {
        const liveColumns = [...table.columns].sort().join(',');
        const backupColumns = [...item.header.columns].sort().join(',');
        if (liveColumns !== backupColumns) {
          throw new BackupError(
            `table ${table.name}: the backup has columns ${item.header.columns.join(', ')}, the database ${table.columns.join(', ')}`
          );
        }
      }
    } else if (table) {
      batch.push(item.text);
      batchChars += item.text.length;
      if (batch.length >= INSERT_BATCH_ROWS || batchChars >= INSERT_BATCH_CHARS) {
        await flush();
      }
    }
  }
  await flush();

  // Identity and serial columns continue after the restored rows.
  for (const t of selected) {
    for (const column of t.sequenceColumns) {
      await tx.query(
        `SELECT setval(pg_get_serial_sequence($1, $2),
                       coalesce((SELECT max(${quoteIdent(column)}) FROM ${qualified(t.name)}), 0) + 1, false)`,
        [qualified(t.name), column]
      );
    }
  }

  const broken = await checkForeignKeys(tx, await readForeignKeys(tx), wanted);
  if (broken.length > 0) {
    throw new BackupError(
      `refused: the restore would break foreign keys (nothing was changed):\n  ${broken.join('\n  ')}${
        only ? '\nadd the referring or referred tables to --tables, or restore everything' : ''
      }`
    );
  }
  const summaries = await summarizeTables(tx, selected);
  const differences = compareWithMetadata(
    entry.metadata,
    summaries,
    'the restored database',
    wanted
  );
  if (differences.length > 0) {
    throw new BackupError(
      `refused: the restored rows differ from the backup's metadata (nothing was changed):\n  ${differences.join('\n  ')}`
    );
  }
  return summaries;
}

export interface RestoreReport {
  backup: string;
  mode: 'full' | 'partial';
  tables: TableSummary[];
  rows: number;
}

/**
 * Restore a backup into `db` in ONE transaction on the service path (it writes every user's rows,
 * which RLS cannot allow any single user): refuses a damaged archive and a database whose schema
 * differs from the backup's, and records the restore in the audit log (actor NULL: the operator
 * is not a user of the database).
 */
export async function restoreBackup(
  db: Database,
  entry: BackupEntry,
  options: { tables?: string[]; audit?: boolean } = {}
): Promise<RestoreReport> {
  const damaged = await checkArchiveFile(entry);
  if (damaged.length > 0) {
    throw new BackupError(`refusing to restore ${entry.name}: ${damaged.join('; ')}`);
  }
  const tables = options.tables && options.tables.length > 0 ? options.tables : undefined;
  return db.serviceTransaction(async tx => {
    await requireServiceRole(tx, 'a restore');
    const live = await readSchemaVersion(tx);
    const backup = entry.metadata.schema;
    if (!live) {
      throw new BackupError(
        `the database has no schema; run "cryoprotect db migrate" first (the backup is at schema ${describeSchema(backup)})`
      );
    }
    if (live.fingerprint !== backup.fingerprint) {
      throw new BackupError(
        `refusing to restore ${entry.name}: its schema differs from the database's (${schemaDifference(backup, live)}); restore into a database migrated to the backup's schema`
      );
    }
    const restored = await loadBackup(tx, entry, tables);
    const report: RestoreReport = {
      backup: entry.name,
      mode: tables ? 'partial' : 'full',
      tables: restored,
      rows: restored.reduce((sum, t) => sum + t.rowCount, 0)
    };
    if (options.audit !== false) {
      await tx.query(
        `INSERT INTO audit_log (actor_id, action, entity, entity_id, details)
         VALUES (NULL, 'backup.restored', 'backup', $1, $2::jsonb)`,
        [
          entry.name,
          JSON.stringify({
            backup: entry.name,
            createdAt: entry.metadata.createdAt,
            archiveSha256: entry.metadata.archive.sha256,
            from: {
              kind: entry.metadata.database.kind,
              location: entry.metadata.database.location
            },
            mode: report.mode,
            tables: restored.map(t => ({ name: t.name, rows: t.rowCount }))
          })
        ]
      );
    }
    return report;
  });
}

export interface VerifyReport extends Verification {
  backup: string;
  /** What was checked, in order, for the report. */
  checks: { name: string; ok: boolean; detail: string }[];
}

/**
 * Verify a backup: the archive's checksum, the counts and checksums of its rows, and a full
 * restore into a scratch database (a fresh in-memory PGlite migrated from `migrationsDir`, which
 * also serves PostgreSQL backups) whose tables must equal the metadata. Records the result next
 * to the backup for `backup list`.
 */
export async function verifyBackup(
  entry: BackupEntry,
  options: { migrationsDir: string; openScratch?: () => Promise<Database>; record?: boolean }
): Promise<VerifyReport> {
  const checks: VerifyReport['checks'] = [];
  const problems: string[] = [];
  const check = (name: string, found: string[], okDetail: string): boolean => {
    checks.push({
      name,
      ok: found.length === 0,
      detail: found.length ? found.join('; ') : okDetail
    });
    problems.push(...found);
    return found.length === 0;
  };
  const fileOk = check(
    'archive checksum',
    await checkArchiveFile(entry),
    `SHA-256 ${entry.metadata.archive.sha256.slice(0, 12)}… matches`
  );
  let contents: string[];
  try {
    contents = compareWithMetadata(entry.metadata, await summarizeArchive(entry), 'the archive');
  } catch (error) {
    contents = [(error as Error).message];
  }
  const contentsOk = check(
    'archive contents',
    contents,
    `${entry.metadata.tables.length} tables, ${entry.metadata.totalRows} rows match the metadata`
  );
  if (fileOk && contentsOk) {
    let scratchProblems: string[] = [];
    const files = schemaVersionOf(readMigrations(options.migrationsDir));
    if (files.fingerprint !== entry.metadata.schema.fingerprint) {
      scratchProblems = [
        `cannot restore into a scratch database: ${schemaDifference(entry.metadata.schema, files).replace('database schema', "this checkout's migrations")}`
      ];
    } else {
      const scratch = await (options.openScratch ?? (() => openPGlite('memory://')))();
      try {
        await migrate(scratch, options.migrationsDir);
        await scratch.serviceTransaction(tx => loadBackup(tx, entry, undefined));
        // Read back after commit, in a new transaction: what a real restore would leave.
        const summaries = await scratch.serviceTransaction(async tx =>
          summarizeTables(tx, await readTables(tx))
        );
        scratchProblems = compareWithMetadata(entry.metadata, summaries, 'the scratch database');
      } catch (error) {
        scratchProblems = [(error as Error).message];
      } finally {
        await scratch.close();
      }
    }
    check(
      'scratch restore',
      scratchProblems,
      'restored into a scratch database; every table count and checksum equal'
    );
  } else {
    checks.push({ name: 'scratch restore', ok: false, detail: 'skipped: the archive is damaged' });
  }
  const report: VerifyReport = {
    backup: entry.name,
    verifiedAt: new Date().toISOString(),
    ok: problems.length === 0,
    problems,
    checks
  };
  if (options.record !== false) {
    writeVerification(entry, {
      verifiedAt: report.verifiedAt,
      ok: report.ok,
      problems: report.problems
    });
  }
  return report;
}

/** Live per-table counts and checksums (service path), comparable with a backup's metadata. */
export async function summarizeDatabase(db: Database): Promise<TableSummary[]> {
  return db.serviceTransaction(async tx => summarizeTables(tx, await readTables(tx)));
}
