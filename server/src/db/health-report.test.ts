import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { DEFAULT_MIGRATIONS_DIR } from '../config.js';
import { databaseTargets, type TestDatabase } from '../testing/databases.js';
import { databaseHealth, type HealthCheck } from './health-report.js';
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

    it('says whether autovacuum keeps up and which indexes to rebuild, or why it cannot', async () => {
      const byName = async (thresholds = {}) =>
        Object.fromEntries(
          (await databaseHealth(t.db, DEFAULT_MIGRATIONS_DIR, thresholds)).checks.map(c => [
            c.name,
            c
          ])
        );
      if (target.kind === 'pglite') {
        const check = (await byName())['table and index maintenance'];
        assert.equal(check.ok, true);
        assert.match(check.detail, /not checked on the embedded database \(PGlite\)/);
        return;
      }
      // A table as a bulk load and a mass delete leave it (a screen written, then deleted), with
      // autovacuum off so that nothing cleans up behind the test's back.
      // Statistics reach other sessions when the one that changed the rows flushes them
      // (pg_stat_force_next_flush, PostgreSQL 15+), so the report is polled for them below.
      await t.db.serviceTransaction(async tx => {
        await tx.query(
          'CREATE TABLE maintenance_probe (id int PRIMARY KEY, note text) WITH (autovacuum_enabled = off)'
        );
        await tx.query(
          "INSERT INTO maintenance_probe SELECT g, 'x' FROM generate_series(1, 200000) g"
        );
        await tx.query('SELECT pg_stat_force_next_flush()');
      });
      await t.db.serviceTransaction(async tx => {
        await tx.query('DELETE FROM maintenance_probe WHERE id % 10 <> 0');
        await tx.query('SELECT pg_stat_force_next_flush()');
      });
      const thresholds = { minIndexWasteBytes: 1024 * 1024 };
      const dead =
        'maintenance_probe: 90 % of 200000 rows dead, last vacuum never: VACUUM (ANALYZE) public.maintenance_probe';
      let tables: HealthCheck | undefined;
      for (const started = Date.now(); Date.now() - started < 10_000;) {
        tables = (await byName(thresholds))['autovacuum keeps up with the large tables'];
        if (tables.findings.includes(dead)) {
          break;
        }
        await new Promise(done => setTimeout(done, 200));
      }
      assert.equal(tables!.ok, false);
      assert.deepEqual(tables!.findings, [
        'maintenance_probe: autovacuum is disabled on this table (ALTER TABLE public.maintenance_probe RESET (autovacuum_enabled))',
        dead
      ]);
      assert.match(tables!.info!.join('\n'), /maintenance_probe: 20000 rows, 90 % dead/);

      // Vacuumed, the rows are gone but the index keeps its pages, nine in ten of them empty.
      await adminQuery(t.url!, 'VACUUM (ANALYZE) maintenance_probe');
      await adminQuery(t.url!, 'CREATE EXTENSION IF NOT EXISTS pgstattuple');
      const after = await byName(thresholds);
      assert.deepEqual(after['autovacuum keeps up with the large tables'].findings, [
        'maintenance_probe: autovacuum is disabled on this table (ALTER TABLE public.maintenance_probe RESET (autovacuum_enabled))'
      ]);
      const index = after['index bloat'];
      assert.equal(index.ok, false);
      assert.equal(index.findings.length, 1, index.findings.join('\n'));
      assert.match(
        index.findings[0],
        /^maintenance_probe_pkey on maintenance_probe: 4\.\d MB, of which about \d\.\d MB \(9\d %\) is free space, pgstatindex: leaves \d+ % full, \d+ of \d+ pages empty: REINDEX INDEX CONCURRENTLY public\.maintenance_probe_pkey$/
      );
      // The command it names clears it.
      await adminQuery(t.url!, 'REINDEX INDEX CONCURRENTLY public.maintenance_probe_pkey');
      await adminQuery(t.url!, 'ANALYZE maintenance_probe');
      assert.deepEqual((await byName(thresholds))['index bloat'].findings, []);
      // The default thresholds (10 MB) leave a small index alone.
      assert.equal((await byName())['index bloat'].ok, true);
    });
  });
}

/** A statement that may not run in a transaction (VACUUM, REINDEX CONCURRENTLY), as superuser. */
async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
