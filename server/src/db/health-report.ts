import type { Database } from './database.js';
import { migrationStatus } from './migrations.js';

export interface HealthCheck {
  name: string;
  ok: boolean;
  detail: string;
  /** Rows that make the check fail (table names, constraint names, ...). */
  findings: string[];
}

export interface HealthReport {
  ok: boolean;
  database: string;
  checks: HealthCheck[];
}

/** Foreign keys whose referencing rows point nowhere would be orphans; kept as (table, column, parent). */
const ORPHAN_CANDIDATES: [string, string, string][] = [
  ['molecule_properties', 'molecule_id', 'molecules'],
  ['mixture_components', 'mixture_id', 'mixtures'],
  ['mixture_components', 'molecule_id', 'molecules'],
  ['measurements', 'molecule_id', 'molecules'],
  ['measurements', 'mixture_id', 'mixtures'],
  ['predictions', 'model_version_id', 'model_versions'],
  ['verifications', 'prediction_id', 'predictions']
];

/**
 * The database health report of `cryoprotect db health`: schema equals the migrations, Row Level
 * Security enabled and forced on every table, no foreign key without an index, no orphan rows
 * (a constraint disabled or dropped by hand would allow them), and the slowest statements when
 * pg_stat_statements is installed. Runs on the service path; reads only.
 */
export async function databaseHealth(db: Database, migrationsDir: string): Promise<HealthReport> {
  const checks: HealthCheck[] = [];
  const status = await migrationStatus(db, migrationsDir);
  const drift = [
    ...status.pending.map(m => `${m.file} not applied`),
    ...status.modified.map(m => `${m.file} edited after it was applied`),
    ...status.unknown.map(m => `migration ${m.version} (${m.name}) unknown to this code`)
  ];
  checks.push({
    name: 'schema matches migrations',
    ok: drift.length === 0,
    detail:
      drift.length === 0
        ? `${status.applied.length} migrations applied, none pending or edited`
        : drift.join('; '),
    findings: drift
  });

  await db.serviceTransaction(async tx => {
    const rls = await tx.query<{ relname: string }>(
      `SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r'
         AND NOT (relrowsecurity AND relforcerowsecurity) ORDER BY relname`
    );
    checks.push({
      name: 'row level security on every table',
      ok: rls.rows.length === 0,
      detail:
        rls.rows.length === 0
          ? 'enabled and forced everywhere'
          : `not enabled and forced on ${rls.rows.length} tables`,
      findings: rls.rows.map(r => r.relname)
    });

    const unindexed = await tx.query<{ name: string }>(
      `SELECT c.conrelid::regclass::text || '.' || c.conname AS name FROM pg_constraint c
       WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace AND NOT EXISTS (
         SELECT 1 FROM pg_index i WHERE i.indrelid = c.conrelid
           AND (i.indkey::int2[])[0:cardinality(c.conkey) - 1] = c.conkey)
       ORDER BY 1`
    );
    checks.push({
      name: 'foreign keys with an index',
      ok: unindexed.rows.length === 0,
      detail:
        unindexed.rows.length === 0
          ? 'every foreign key has an index'
          : `${unindexed.rows.length} foreign keys without an index`,
      findings: unindexed.rows.map(r => r.name)
    });

    const orphans: string[] = [];
    for (const [table, column, parent] of ORPHAN_CANDIDATES) {
      const exists = await tx.query<{ found: boolean }>(
        'SELECT to_regclass($1) IS NOT NULL AND to_regclass($2) IS NOT NULL AS found',
        [`public.${table}`, `public.${parent}`]
      );
      if (!exists.rows[0].found) {
        continue; // an unmigrated database: the schema check above already fails
      }
      const { rows } = await tx.query<{ n: string }>(
        `SELECT count(*) AS n FROM ${table} t WHERE t.${column} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ${parent} p WHERE p.id = t.${column})`
      );
      if (Number(rows[0].n) > 0) {
        orphans.push(`${table}.${column}: ${rows[0].n} rows point to no ${parent}`);
      }
    }
    checks.push({
      name: 'no orphan rows',
      ok: orphans.length === 0,
      detail: orphans.length === 0 ? 'every reference resolves' : orphans.join('; '),
      findings: orphans
    });

    const statements = await tx.query<{ found: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements') AS found`
    );
    if (statements.rows[0].found) {
      const slow = await tx.query<{ query: string; mean_ms: number; calls: string }>(
        `SELECT left(query, 120) AS query, round(mean_exec_time::numeric, 1)::float8 AS mean_ms, calls
         FROM pg_stat_statements WHERE mean_exec_time > 100 ORDER BY mean_exec_time DESC LIMIT 10`
      );
      checks.push({
        name: 'slow statements (mean over 100 ms)',
        ok: slow.rows.length === 0,
        detail: slow.rows.length === 0 ? 'none' : `${slow.rows.length} statements`,
        findings: slow.rows.map(r => `${r.mean_ms} ms x ${r.calls}: ${r.query}`)
      });
    } else {
      checks.push({
        name: 'slow statements',
        ok: true,
        detail: 'pg_stat_statements is not installed, so statement timings are not available',
        findings: []
      });
    }
  });
  return { ok: checks.every(c => c.ok), database: `${db.kind} at ${db.location}`, checks };
}
