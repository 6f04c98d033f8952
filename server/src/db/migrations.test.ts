import assert from 'node:assert/strict';
import { appendFileSync, cpSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_MIGRATIONS_DIR } from '../config.js';
import { databaseTargets, type TestDatabase } from '../testing/databases.js';
import { migrate, migrationStatus, MigrationError, readMigrations } from './migrations.js';

const SHIPPED = readMigrations(DEFAULT_MIGRATIONS_DIR);
const LAST = SHIPPED[SHIPPED.length - 1];
const pad = (n: number) => String(n).padStart(3, '0');
const BROKEN = `${pad(SHIPPED.length + 1)}_broken.sql`;
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function copyMigrations(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cryoprotect-migrations-'));
  cpSync(DEFAULT_MIGRATIONS_DIR, dir, { recursive: true });
  return dir;
}

for (const target of databaseTargets()) {
  describe(`migrations on ${target.kind}`, { skip: target.skip }, () => {
    let t: TestDatabase;
    let dir: string;
    before(async () => {
      t = await target.create();
      dir = copyMigrations();
    });
    after(async () => {
      await t?.dispose();
      rmSync(dir, { recursive: true, force: true });
    });

    it('applies every migration once, recorded with its checksum, and nothing on a second run', async () => {
      const files = readMigrations(dir);
      const first = await migrate(t.db, dir);
      assert.deepEqual(
        first.map(m => m.file),
        files.map(m => m.file)
      );
      assert.deepEqual(await migrate(t.db, dir), []);
      const status = await migrationStatus(t.db, dir);
      assert.equal(status.pending.length + status.modified.length + status.unknown.length, 0);
      assert.deepEqual(
        status.applied.map(a => a.checksum),
        files.map(f => f.checksum)
      );
    });

    it('rolls back a failing migration whole and names it', async () => {
      writeFileSync(
        join(dir, BROKEN),
        'CREATE TABLE half_done (id int);\nINSERT INTO no_such_table VALUES (1);\n'
      );
      await assert.rejects(migrate(t.db, dir), (error: Error) => {
        assert.ok(error instanceof MigrationError);
        assert.match(error.message, new RegExp(`${escape(BROKEN)} failed: .*no_such_table`));
        return true;
      });
      const { rows } = await t.db.serviceTransaction(tx =>
        tx.query<{ half: string | null }>(`SELECT to_regclass('public.half_done')::text AS half`)
      );
      assert.equal(rows[0].half, null, 'the first statement of the failed migration was kept');
      const status = await migrationStatus(t.db, dir);
      assert.deepEqual(
        status.pending.map(p => p.file),
        [BROKEN]
      );
      rmSync(join(dir, BROKEN));
    });

    it('refuses to run when an applied migration was edited, naming the file', async () => {
      appendFileSync(join(dir, LAST.file), '\n-- an innocent-looking edit\n');
      await assert.rejects(
        migrate(t.db, dir),
        new RegExp(`${escape(LAST.file)} was edited after it ran`)
      );
      const status = await migrationStatus(t.db, dir);
      assert.deepEqual(
        status.modified.map(m => m.file),
        [LAST.file]
      );
    });

    it('accepts a database ahead of the checkout (a newer release migrated it) and reports the newer migrations', async () => {
      const fresh = copyMigrations();
      try {
        rmSync(join(fresh, LAST.file));
        const status = await migrationStatus(t.db, fresh);
        assert.deepEqual(
          status.unknown.map(u => u.version),
          [LAST.version]
        );
        // Newer than everything the checkout has: a newer release migrated the database, and an
        // older one (a blue-green deploy's other slot, a rollback) still starts on it.
        assert.equal(status.ahead, true);
        assert.deepEqual(await migrate(t.db, fresh), []);
      } finally {
        rmSync(fresh, { recursive: true, force: true });
      }
    });

    it('012 takes rows published inside a project out of it, and then refuses such rows', async () => {
      const fresh = await target.create();
      const older = copyMigrations();
      try {
        // Later ones first: the reader refuses a gap in the numbering.
        for (const file of readMigrations(older).filter(f => f.version > 12)) {
          rmSync(join(older, file.file));
        }
        rmSync(join(older, '012_public_rows_have_no_project.sql'));
        await migrate(fresh.db, older);
        const ids = await fresh.db.serviceTransaction(async tx => {
          const user = await tx.query<{ id: string }>(
            `INSERT INTO users (username, display_name) VALUES ('migrated', 'Migrated') RETURNING id`
          );
          const owner = user.rows[0].id;
          const project = await tx.query<{ id: string }>(
            `INSERT INTO projects (name, created_by) VALUES ('lab', $1) RETURNING id`,
            [owner]
          );
          const rows = await tx.query<{ id: string; visibility: string }>(
            `INSERT INTO literature_references (citation, owner_id, project_id, visibility)
             VALUES ('published in a project', $1, $2, 'public'),
                    ('kept in a project', $1, $2, 'project'),
                    ('private in a project', $1, $2, 'private')
             RETURNING id, visibility`,
            [owner, project.rows[0].id]
          );
          return { project: project.rows[0].id, rows: rows.rows };
        });
        await migrate(fresh.db, DEFAULT_MIGRATIONS_DIR);
        const after = await fresh.db.serviceTransaction(tx =>
          tx.query<{ visibility: string; project_id: string | null }>(
            'SELECT visibility, project_id FROM literature_references ORDER BY citation'
          )
        );
        assert.deepEqual(
          after.rows.map(r => [r.visibility, r.project_id]),
          [
            ['project', ids.project],
            ['private', ids.project],
            ['public', null]
          ]
        );
        await assert.rejects(
          fresh.db.serviceTransaction(tx =>
            tx.query(
              `UPDATE literature_references SET project_id = $1 WHERE visibility = 'public'`,
              [ids.project]
            )
          ),
          /literature_references_public_has_no_project/
        );
      } finally {
        await fresh.dispose();
        rmSync(older, { recursive: true, force: true });
      }
    });
  });
}

describe('migration files', () => {
  it('refuse gaps, repeats and badly named files', () => {
    const dir = copyMigrations();
    try {
      const skipped = `${pad(LAST.version + 2)}_${LAST.name}.sql`;
      renameSync(join(dir, LAST.file), join(dir, skipped));
      assert.throws(
        () => readMigrations(dir),
        new RegExp(`${escape(skipped)} should be number ${pad(LAST.version)}`)
      );
      renameSync(join(dir, skipped), join(dir, '4-types.sql'));
      assert.throws(
        () => readMigrations(dir),
        /4-types\.sql must be named NNN_lowercase_name\.sql/
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('checksum the same content the same regardless of line endings', () => {
    const dir = copyMigrations();
    try {
      const before = readMigrations(dir)[0].checksum;
      const file = join(dir, readMigrations(dir)[0].file);
      const text = readMigrations(dir)[0].sql;
      writeFileSync(file, text.replace(/\n/g, '\r\n'));
      assert.equal(readMigrations(dir)[0].checksum, before);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
