import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_MIGRATIONS_DIR } from '../config.js';
import type { Database } from '../db/database.js';
import { migrate } from '../db/migrations.js';
import { loadReferenceData } from '../db/reference-data.js';
import { countRows } from '../testing/app.js';
import { databaseTargets, type TestDatabase } from '../testing/databases.js';
import { createUserWithToken } from '../testing/users.js';
import { META_SUFFIX, listBackups, readEntry, type BackupEntry } from './archive.js';
import { createBackup, restoreBackup, summarizeDatabase, verifyBackup } from './backup.js';
import type { TableSummary } from './catalog.js';

namespace Private {
  /** Users, a project with members, mixtures with awkward text, an experiment and audit rows. */
  export async function populate(db: Database): Promise<void> {
    const alice = await createUserWithToken(db, 'alice');
    const bob = await createUserWithToken(db, 'bob');
    await db.serviceTransaction(async tx => {
      const { rows: molecules } = await tx.query<{ id: string }>(
        `SELECT id FROM molecules WHERE name IN ('glycerol', 'sucrose') ORDER BY name`
      );
      const { rows: project } = await tx.query<{ id: string }>(
        `INSERT INTO projects (name, created_by) VALUES ('Vitrification lab', $1) RETURNING id`,
        [alice.id]
      );
      await tx.query(
        `INSERT INTO project_members (project_id, user_id, role) VALUES ($1, $2, 'viewer')`,
        [project[0].id, bob.id]
      );
      for (const [i, name] of [
        'VS55 "like" mix',
        'line one\nline two – ü, 😀',
        'plain'
      ].entries()) {
        const { rows } = await tx.query<{ id: string }>(
          `INSERT INTO mixtures (name, description, owner_id, project_id, visibility)
           VALUES ($1, $2, $3, $4, $5) RETURNING id`,
          [
            name,
            `backslash \\ tab \t ${i}`,
            alice.id,
            project[0].id,
            i === 0 ? 'project' : 'private'
          ]
        );
        await tx.query(
          `INSERT INTO mixture_components (mixture_id, molecule_id, amount, unit, role)
           VALUES ($1, $2, $3, '% w/w', 'penetrating'), ($1, $4, 0.1 + 0.2, 'mol/kg', 'non-penetrating')`,
          [rows[0].id, molecules[0].id, 12.345678901234567, molecules[1].id]
        );
      }
      await tx.query(
        `INSERT INTO experiments (title, conditions, performed_at, owner_id)
         VALUES ('cooling run', $1::jsonb, '2026-03-04 05:06:07.123456+02', $2)`,
        [
          JSON.stringify({ temperatureKelvin: 77.35, rates: [1e-10, 2.5, -0.0], note: null }),
          bob.id
        ]
      );
      for (const action of ['login', 'token.created', 'mixture.deleted']) {
        await tx.query(
          `INSERT INTO audit_log (actor_id, action, details) VALUES ($1, $2, '{"via": "test"}')`,
          [alice.id, action]
        );
      }
    });
  }

  export const tableNames = (db: Database): Promise<string[]> =>
    summarizeDatabase(db).then(s => s.map(t => t.name));

  export async function wipe(db: Database): Promise<void> {
    const names = await tableNames(db);
    await db.serviceTransaction(tx =>
      tx.query(`TRUNCATE ${names.map(n => `public."${n}"`).join(', ')} RESTART IDENTITY`)
    );
  }

  export const summaryOf = (entry: BackupEntry): TableSummary[] =>
    entry.metadata.tables.map(({ name, rowCount, checksum }) => ({ name, rowCount, checksum }));

  export const byName = (summaries: TableSummary[]): Map<string, TableSummary> =>
    new Map(summaries.map(s => [s.name, s]));

  /** The audit rows a restore added, removed again so the rest can be compared exactly. */
  export async function takeRestoreAudits(
    db: Database
  ): Promise<{ actor_id: string | null; entity_id: string; details: Record<string, unknown> }[]> {
    return db.serviceTransaction(async tx => {
      const { rows } = await tx.query<{
        actor_id: string | null;
        entity_id: string;
        details: Record<string, unknown>;
      }>(
        `DELETE FROM audit_log WHERE action = 'backup.restored' RETURNING actor_id, entity_id, details`
      );
      return rows;
    });
  }

  /** Copy a backup's files into a fresh folder, so a test can damage the copy. */
  export function copyBackup(entry: BackupEntry): { dir: string; entry: () => BackupEntry } {
    const dir = mkdtempSync(join(tmpdir(), 'cryoprotect-backup-copy-'));
    copyFileSync(entry.archivePath, join(dir, entry.metadata.archive.file));
    copyFileSync(entry.metaPath, join(dir, `${entry.name}${META_SUFFIX}`));
    return { dir, entry: () => readEntry(join(dir, `${entry.name}${META_SUFFIX}`)) };
  }
}

for (const target of databaseTargets()) {
  describe(`backup and restore on ${target.kind}`, { skip: target.skip }, () => {
    let t: TestDatabase;
    let dir: string;
    let entry: BackupEntry;
    let live: TableSummary[];
    const scratchDirs: string[] = [];

    before(async () => {
      t = await target.create();
      await migrate(t.db, DEFAULT_MIGRATIONS_DIR);
      await loadReferenceData(t.db);
      await Private.populate(t.db);
      dir = mkdtempSync(join(tmpdir(), 'cryoprotect-backups-'));
    });
    after(async () => {
      await t?.dispose();
      for (const d of [dir, ...scratchDirs]) {
        rmSync(d, { recursive: true, force: true });
      }
    });

    it('records every table with the live row counts and checksums', async () => {
      live = await summarizeDatabase(t.db);
      entry = await createBackup(t.db, { dir });
      assert.deepEqual(
        [...Private.byName(Private.summaryOf(entry)).entries()].sort(),
        [...Private.byName(live).entries()].sort()
      );
      const counts = Private.byName(live);
      for (const table of [
        'users',
        'api_tokens',
        'projects',
        'project_members',
        'mixtures',
        'mixture_components',
        'molecules',
        'measurements',
        'audit_log',
        'experiments'
      ]) {
        assert.ok((counts.get(table)?.rowCount ?? 0) > 0, `${table} should have rows`);
      }
      assert.ok(!counts.has('cryoprotect_migrations'), 'the migration record is schema, not data');
      // Parents come before the tables that refer to them.
      const order = entry.metadata.tables.map(x => x.name);
      assert.ok(order.indexOf('users') < order.indexOf('mixtures'));
      assert.ok(order.indexOf('mixtures') < order.indexOf('mixture_components'));
      assert.equal(entry.metadata.database.kind, target.kind);
      assert.equal(entry.metadata.schema.migrations.length, entry.metadata.schema.version);
      assert.equal(
        entry.metadata.totalRows,
        live.reduce((sum, x) => sum + x.rowCount, 0)
      );
      assert.equal(listBackups(dir).backups.length, 1);
    });

    it('after a wipe, restores every table with the counts and checksums of the backup, and audits it', async () => {
      await Private.wipe(t.db);
      assert.equal(await countRows(t.db, 'users'), 0);
      const report = await restoreBackup(t.db, entry);
      assert.equal(report.mode, 'full');
      const audits = await Private.takeRestoreAudits(t.db);
      assert.equal(audits.length, 1);
      assert.equal(audits[0].actor_id, null);
      assert.equal(audits[0].entity_id, entry.name);
      assert.equal(audits[0].details.backup, entry.name);
      assert.equal(audits[0].details.mode, 'full');
      const after = await summarizeDatabase(t.db);
      assert.deepEqual(Private.byName(after), Private.byName(live));
      assert.deepEqual(Private.byName(after), Private.byName(Private.summaryOf(entry)));
      // Identity columns continue after the restored rows.
      const { rows } = await t.db.serviceTransaction(tx =>
        tx.query<{ id: string; max: string }>(
          `INSERT INTO audit_log (action) VALUES ('probe') RETURNING id, (SELECT max(id) FROM audit_log) AS max`
        )
      );
      assert.ok(Number(rows[0].id) > Number(rows[0].max));
      await t.db.serviceTransaction(tx => tx.query(`DELETE FROM audit_log WHERE action = 'probe'`));
    });

    it('verifies a good backup by restoring it into a scratch database, and list shows it verified', async () => {
      const report = await verifyBackup(entry, { migrationsDir: DEFAULT_MIGRATIONS_DIR });
      assert.equal(report.ok, true, report.problems.join('\n'));
      assert.deepEqual(
        report.checks.map(c => [c.name, c.ok]),
        [
          ['archive checksum', true],
          ['archive contents', true],
          ['scratch restore', true]
        ]
      );
      assert.equal(listBackups(dir).backups[0].verification?.ok, true);
    });

    it('verify and restore detect a flipped byte in the archive', async () => {
      const copy = Private.copyBackup(entry);
      scratchDirs.push(copy.dir);
      const archive = join(copy.dir, entry.metadata.archive.file);
      const bytes = readFileSync(archive);
      bytes[Math.floor(bytes.length / 2)] ^= 0x01;
      writeFileSync(archive, bytes);
      const report = await verifyBackup(copy.entry(), { migrationsDir: DEFAULT_MIGRATIONS_DIR });
      assert.equal(report.ok, false);
      assert.match(report.problems.join('\n'), /SHA-256 .* differs from the recorded/);
      assert.equal(listBackups(copy.dir).backups[0].verification?.ok, false);
      const users = await countRows(t.db, 'users');
      await assert.rejects(restoreBackup(t.db, copy.entry()), /refusing to restore .*damaged/);
      assert.equal(await countRows(t.db, 'users'), users);
    });

    it('verify detects a tampered row count and a tampered checksum in the metadata', async () => {
      const copy = Private.copyBackup(entry);
      scratchDirs.push(copy.dir);
      const metaPath = join(copy.dir, `${entry.name}${META_SUFFIX}`);
      const meta = JSON.parse(readFileSync(metaPath, 'utf8'));
      const users = meta.tables.find((x: { name: string }) => x.name === 'users');
      users.rowCount += 1;
      const mixtures = meta.tables.find((x: { name: string }) => x.name === 'mixtures');
      mixtures.checksum = '0'.repeat(64);
      writeFileSync(metaPath, JSON.stringify(meta));
      const report = await verifyBackup(copy.entry(), { migrationsDir: DEFAULT_MIGRATIONS_DIR });
      assert.equal(report.ok, false);
      const text = report.problems.join('\n');
      assert.match(
        text,
        new RegExp(
          `table users: ${users.rowCount} rows in the backup metadata, ${users.rowCount - 1} in the archive`
        )
      );
      assert.match(text, /table mixtures: checksum 000000000000… in the backup metadata/);
    });

    it('restore refuses a database whose schema differs from the backup, changing nothing', async () => {
      const before = await summarizeDatabase(t.db);
      await t.db.serviceTransaction(tx =>
        tx.query(
          `INSERT INTO cryoprotect_migrations (version, name, checksum) VALUES (999, 'newer_schema', $1)`,
          ['a'.repeat(64)]
        )
      );
      try {
        await assert.rejects(
          restoreBackup(t.db, entry),
          /its schema differs from the database's .*999_newer_schema only in the database/
        );
      } finally {
        await t.db.serviceTransaction(tx =>
          tx.query(`DELETE FROM cryoprotect_migrations WHERE version = 999`)
        );
      }
      assert.deepEqual(await summarizeDatabase(t.db), before);
    });

    it('restores only the tables named, leaving the others as they are', async () => {
      await t.db.serviceTransaction(async tx => {
        await tx.query(`DELETE FROM mixtures WHERE name = 'plain'`);
        await tx.query(`UPDATE mixtures SET description = 'edited'`);
        await tx.query(
          `UPDATE users SET display_name = 'Alice after the backup' WHERE username = 'alice'`
        );
      });
      const changed = Private.byName(await summarizeDatabase(t.db));
      const original = Private.byName(live);
      assert.notDeepEqual(changed.get('mixtures'), original.get('mixtures'));
      const report = await restoreBackup(t.db, entry, {
        tables: ['mixtures', 'mixture_components']
      });
      assert.equal(report.mode, 'partial');
      assert.deepEqual(report.tables.map(x => x.name).sort(), ['mixture_components', 'mixtures']);
      const audits = await Private.takeRestoreAudits(t.db);
      assert.deepEqual((audits[0].details.tables as { name: string }[]).map(x => x.name).sort(), [
        'mixture_components',
        'mixtures'
      ]);
      const now = Private.byName(await summarizeDatabase(t.db));
      assert.deepEqual(now.get('mixtures'), original.get('mixtures'));
      assert.deepEqual(now.get('mixture_components'), original.get('mixture_components'));
      assert.deepEqual(now.get('users'), changed.get('users'));
      assert.notDeepEqual(now.get('users'), original.get('users'));
    });

    it('refuses a partial restore that would break a foreign key, changing nothing', async () => {
      const carol = await createUserWithToken(t.db, 'carol');
      await t.db.serviceTransaction(tx =>
        tx.query(`INSERT INTO mixtures (name, owner_id) VALUES ('carol''s mix', $1)`, [carol.id])
      );
      const before = await summarizeDatabase(t.db);
      await assert.rejects(restoreBackup(t.db, entry, { tables: ['users'] }), (error: Error) => {
        assert.match(error.message, /would break foreign keys/);
        assert.match(error.message, /rows of mixtures would refer to missing rows of users/);
        assert.match(error.message, /rows of api_tokens would refer to missing rows of users/);
        return true;
      });
      assert.deepEqual(await summarizeDatabase(t.db), before);
      await assert.rejects(
        restoreBackup(t.db, entry, { tables: ['no_such_table'] }),
        /--tables: no_such_table not in both the backup and the database/
      );
    });
  });
}

const [pgliteTarget, postgresTarget] = databaseTargets();
describe('a PGlite backup restores into PostgreSQL', { skip: postgresTarget.skip }, () => {
  it('gives every table the same count and checksum on the other server', async () => {
    const source = await pgliteTarget.create();
    const destination = await postgresTarget.create();
    const dir = mkdtempSync(join(tmpdir(), 'cryoprotect-backups-'));
    try {
      await migrate(source.db, DEFAULT_MIGRATIONS_DIR);
      await loadReferenceData(source.db);
      await Private.populate(source.db);
      const entry = await createBackup(source.db, { dir });
      await migrate(destination.db, DEFAULT_MIGRATIONS_DIR);
      await restoreBackup(destination.db, entry);
      assert.equal((await Private.takeRestoreAudits(destination.db)).length, 1);
      assert.deepEqual(
        Private.byName(await summarizeDatabase(destination.db)),
        Private.byName(Private.summaryOf(entry))
      );
    } finally {
      await source.dispose();
      await destination.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
