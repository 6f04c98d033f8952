import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_MIGRATIONS_DIR } from '../config.js';
import { databaseTargets, type TestDatabase } from '../testing/databases.js';
import { databaseHealth } from './health-report.js';
import { migrate } from './migrations.js';
import { loadReferenceData } from './reference-data.js';

for (const target of databaseTargets()) {
  describe(`database health report on ${target.kind}`, { skip: target.skip }, () => {
    let t: TestDatabase;
    before(async () => {
      t = await target.create();
    });
    after(() => t?.dispose());

    it('fails on an unmigrated database, naming the pending migrations', async () => {
      const report = await databaseHealth(t.db, DEFAULT_MIGRATIONS_DIR);
      assert.equal(report.ok, false);
      assert.match(report.checks[0].findings[0], /001_roles_and_helpers\.sql not applied/);
    });

    it('passes on a migrated database with reference data', async () => {
      await migrate(t.db, DEFAULT_MIGRATIONS_DIR);
      await loadReferenceData(t.db);
      const report = await databaseHealth(t.db, DEFAULT_MIGRATIONS_DIR);
      assert.deepEqual(
        report.checks.filter(c => !c.ok),
        []
      );
      assert.equal(report.ok, true);
    });

    it('finds a table without forced RLS, an unindexed foreign key and orphan rows', async () => {
      await t.db.serviceTransaction(async tx => {
        await tx.query('ALTER TABLE mixtures NO FORCE ROW LEVEL SECURITY');
        await tx.query('DROP INDEX mixture_components_molecule_id_idx');
        // Orphans can only appear when someone disables the constraint by hand; simulate that.
        await tx.query(
          'ALTER TABLE molecule_properties DROP CONSTRAINT molecule_properties_molecule_id_fkey'
        );
        await tx.query(
          `INSERT INTO molecule_properties (molecule_id, name, value, unit, rdkit_version) VALUES ('00000000-0000-4000-8000-000000000001', 'x', 1, '1', 'v')`
        );
      });
      const report = await databaseHealth(t.db, DEFAULT_MIGRATIONS_DIR);
      const failed = Object.fromEntries(
        report.checks.filter(c => !c.ok).map(c => [c.name, c.findings])
      );
      assert.deepEqual(failed['row level security on every table'], ['mixtures']);
      assert.deepEqual(failed['foreign keys with an index'], [
        'mixture_components.mixture_components_molecule_id_fkey'
      ]);
      assert.match(
        failed['no orphan rows'][0],
        /molecule_properties\.molecule_id: 1 rows point to no molecules/
      );
      assert.equal(report.ok, false);
    });
  });
}
