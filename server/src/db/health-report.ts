import type { Database, Queryable } from './database.js';
import { migrationStatus } from './migrations.js';

export interface HealthCheck {
  name: string;
  ok: boolean;
  detail: string;
  /** Rows that make the check fail (table names, constraint names, ...). */
  findings: string[];
  /** What was measured, for the reader, whether or not the check failed. */
  info?: string[];
}

/** When the maintenance checks speak up (PostgreSQL only). */
export interface MaintenanceThresholds {
  /** Tables with fewer rows (live and dead) are not looked at (default 10 000). */
  minTableRows?: number;
  /** An index is reported when its estimated waste is at least this many bytes (default 10 MB)... */
  minIndexWasteBytes?: number;
  /** ...and at least this share of its size (default 0.3). */
  minIndexWasteRatio?: number;
}

export const MAINTENANCE_DEFAULTS = {
  minTableRows: 10_000,
  minIndexWasteBytes: 10 * 1024 * 1024,
  minIndexWasteRatio: 0.3
} as const;

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
 * (a constraint disabled or dropped by hand would allow them), the slowest statements when
 * pg_stat_statements is installed, and on PostgreSQL whether autovacuum keeps up with the large
 * tables and which indexes are bloated enough to rebuild. Runs on the service path; reads only.
 */
export async function databaseHealth(
  db: Database,
  migrationsDir: string,
  thresholds: MaintenanceThresholds = {}
): Promise<HealthReport> {
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
    if (db.kind === 'postgres') {
      checks.push(...(await Private.maintenance(tx, { ...MAINTENANCE_DEFAULTS, ...thresholds })));
    } else {
      checks.push({
        name: 'table and index maintenance',
        ok: true,
        detail:
          'not checked on the embedded database (PGlite): it runs no autovacuum and keeps no table statistics (dead rows, last vacuum and analyze), and index bloat is not estimated',
        findings: []
      });
    }
  });
  return { ok: checks.every(c => c.ok), database: `${db.kind} at ${db.location}`, checks };
}

namespace Private {
  const MB = 1024 * 1024;
  const HOUR_MS = 3_600_000;

  interface TableRow {
    name: string;
    live: number;
    dead: number;
    modified: number;
    last_vacuum: Date | null;
    last_autovacuum: Date | null;
    last_analyze: Date | null;
    last_autoanalyze: Date | null;
    autovacuum_off: boolean;
  }

  interface IndexRow {
    name: string;
    table_name: string;
    bytes: number;
    waste: number;
    analyzed: boolean;
  }

  const latest = (a: Date | null, b: Date | null): Date | null =>
    a && b ? (a > b ? a : b) : (a ?? b);

  const when = (manual: Date | null, auto: Date | null): string => {
    const last = latest(manual, auto);
    if (!last) {
      return 'never';
    }
    return `${last.toISOString().slice(0, 16).replace('T', ' ')} UTC${last === auto ? ' (auto)' : ''}`;
  };

  const percent = (ratio: number): string => `${(ratio * 100).toFixed(ratio < 0.1 ? 1 : 0)} %`;

  /**
   * Autovacuum is relied on for VACUUM and ANALYZE (see docs/database-security.md, "Database
   * maintenance"); these checks say when it is not keeping up, and which indexes are worth a
   * REINDEX CONCURRENTLY, rather than scheduling either blindly.
   */
  export async function maintenance(
    tx: Queryable,
    limits: Required<MaintenanceThresholds>
  ): Promise<HealthCheck[]> {
    const settings = await tx.query<{ autovacuum: string; track_counts: string }>(
      `SELECT current_setting('autovacuum') AS autovacuum, current_setting('track_counts') AS track_counts`
    );
    const { autovacuum, track_counts: trackCounts } = settings.rows[0];
    // Counters are those of the last statistics flush: a few seconds behind, enough for this.
    const tables = await tx.query<TableRow>(
      `SELECT s.relname AS name, s.n_live_tup::float8 AS live, s.n_dead_tup::float8 AS dead,
              s.n_mod_since_analyze::float8 AS modified, s.last_vacuum, s.last_autovacuum,
              s.last_analyze, s.last_autoanalyze,
              coalesce('autovacuum_enabled=false' = ANY (c.reloptions)
                       OR 'autovacuum_enabled=off' = ANY (c.reloptions), false) AS autovacuum_off
       FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
       WHERE s.schemaname = 'public' AND s.n_live_tup + s.n_dead_tup >= $1
       ORDER BY s.n_live_tup + s.n_dead_tup DESC`,
      [limits.minTableRows]
    );
    const now = Date.now();
    const stale = (d: Date | null): boolean => !d || now - d.getTime() > HOUR_MS;
    const tableFindings: string[] = [];
    if (autovacuum !== 'on' || trackCounts !== 'on') {
      tableFindings.push(
        `autovacuum = ${autovacuum}, track_counts = ${trackCounts}: nothing vacuums or analyzes the tables; turn both on`
      );
    }
    const tableInfo = tables.rows.map(t => {
      const deadRatio = t.dead / Math.max(t.live + t.dead, 1);
      if (t.autovacuum_off) {
        tableFindings.push(
          `${t.name}: autovacuum is disabled on this table (ALTER TABLE public.${t.name} RESET (autovacuum_enabled))`
        );
      }
      // Autovacuum starts at 20 % dead rows and 10 % changed since ANALYZE (the defaults): past
      // these with no run in the last hour, it is not keeping up (or is off).
      if (deadRatio > 0.2 && t.dead >= 1000 && stale(latest(t.last_vacuum, t.last_autovacuum))) {
        tableFindings.push(
          `${t.name}: ${percent(deadRatio)} of ${Math.round(t.live + t.dead)} rows dead, last vacuum ${when(t.last_vacuum, t.last_autovacuum)}: VACUUM (ANALYZE) public.${t.name}`
        );
      } else if (
        t.modified > 0.2 * t.live + 1000 &&
        stale(latest(t.last_analyze, t.last_autoanalyze))
      ) {
        tableFindings.push(
          `${t.name}: ${Math.round(t.modified)} rows changed since its statistics, last analyze ${when(t.last_analyze, t.last_autoanalyze)}: ANALYZE public.${t.name}`
        );
      }
      return `${t.name}: ${Math.round(t.live)} rows, ${percent(deadRatio)} dead, last vacuum ${when(t.last_vacuum, t.last_autovacuum)}, last analyze ${when(t.last_analyze, t.last_autoanalyze)}`;
    });
    const checks: HealthCheck[] = [
      {
        name: 'autovacuum keeps up with the large tables',
        ok: tableFindings.length === 0,
        detail:
          tableFindings.length > 0
            ? `${tableFindings.length} problems`
            : tables.rows.length === 0
              ? `no table has ${limits.minTableRows} rows yet`
              : `${tables.rows.length} tables of ${limits.minTableRows} rows or more, each vacuumed and analyzed in time`,
        findings: tableFindings,
        info: tableInfo
      }
    ];

    // The well-known B-tree size estimate: the pages the index would need at its fillfactor for
    // the tuples it holds (average column widths from pg_stats), against the pages it has. It
    // reads the catalog only; pgstatindex reads the whole index. Deduplicated indexes (many equal
    // keys) are smaller than estimated and so never reported.
    const indexes = await tx.query<IndexRow>(
      `WITH idx AS (
         SELECT i.indexrelid, ci.relname AS name, ct.relname AS table_name,
                ci.relpages::float8 AS pages, greatest(ci.reltuples, 0)::float8 AS tuples,
                coalesce((SELECT substring(o FROM 'fillfactor=([0-9]+)')::int
                          FROM unnest(ci.reloptions) o WHERE o LIKE 'fillfactor=%'), 90) AS fillfactor
         FROM pg_index i
         JOIN pg_class ci ON ci.oid = i.indexrelid
         JOIN pg_class ct ON ct.oid = i.indrelid
         WHERE ci.relnamespace = 'public'::regnamespace AND ci.relpages > 0
           AND ci.relam = (SELECT oid FROM pg_am WHERE amname = 'btree')
       ), cols AS (
         SELECT idx.indexrelid,
                sum((1 - coalesce(s.null_frac, 0)) * coalesce(s.avg_width, 1024)) AS width,
                bool_or(coalesce(s.null_frac, 0) > 0) AS nullable,
                bool_and(s.avg_width IS NOT NULL) AS analyzed
         FROM idx
         JOIN pg_attribute a ON a.attrelid = idx.indexrelid AND a.attnum > 0
         -- A plain column's statistics are the table's, an expression's the index's own.
         LEFT JOIN pg_stats s ON s.schemaname = 'public' AND s.attname = a.attname
           AND s.tablename IN (idx.table_name, idx.name)
         GROUP BY idx.indexrelid
       ), est AS (
         SELECT idx.*, cols.analyzed, current_setting('block_size')::int AS block,
                -- tuple header (+ null bitmap) and data, each MAXALIGNed, and a line pointer
                ceil((8 + CASE WHEN cols.nullable THEN 4 ELSE 0 END) / 8.0) * 8
                  + ceil(cols.width / 8.0) * 8 + 4 AS item
         FROM idx JOIN cols USING (indexrelid)
       )
       SELECT name, table_name, (pages * block)::float8 AS bytes, analyzed,
              (greatest(pages - 1 - ceil(tuples / floor((block - 40) * fillfactor / 100.0 / item)), 0)
                * block)::float8 AS waste
       FROM est ORDER BY waste DESC, name`
    );
    const exact = await tx.query<{ found: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pgstattuple') AS found`
    );
    const bloated = indexes.rows.filter(
      i =>
        i.analyzed &&
        i.waste >= limits.minIndexWasteBytes &&
        i.waste / i.bytes >= limits.minIndexWasteRatio
    );
    const indexFindings: string[] = [];
    for (const i of bloated) {
      let measured = '';
      if (exact.rows[0].found) {
        // Reading every page of the index, and only for superusers and pg_stat_scan_tables:
        // without the privilege the estimate stands alone.
        await tx.query('SAVEPOINT pgstatindex');
        try {
          const { rows } = await tx.query<{ density: number; empty: number; pages: number }>(
            `SELECT avg_leaf_density::float8 AS density,
                    (deleted_pages + empty_pages)::float8 AS empty,
                    (index_size / current_setting('block_size')::int)::float8 AS pages
             FROM pgstatindex($1::regclass)`,
            [`public.${i.name}`]
          );
          // Leaf density leaves out the pages emptied by deletes, which are waste all the same.
          measured = `, pgstatindex: leaves ${rows[0].density.toFixed(0)} % full, ${rows[0].empty} of ${rows[0].pages} pages empty`;
          await tx.query('RELEASE SAVEPOINT pgstatindex');
        } catch {
          await tx.query('ROLLBACK TO SAVEPOINT pgstatindex');
        }
      }
      indexFindings.push(
        `${i.name} on ${i.table_name}: ${(i.bytes / MB).toFixed(1)} MB, of which about ${(i.waste / MB).toFixed(1)} MB (${percent(i.waste / i.bytes)}) is free space${measured}: REINDEX INDEX CONCURRENTLY public.${i.name}`
      );
    }
    const unanalyzed = indexes.rows.filter(i => !i.analyzed).length;
    checks.push({
      name: 'index bloat',
      ok: indexFindings.length === 0,
      detail:
        (indexFindings.length > 0
          ? `${indexFindings.length} of ${indexes.rows.length} B-tree indexes have ${percent(limits.minIndexWasteRatio)} and ${limits.minIndexWasteBytes / MB} MB or more free space (estimate from the statistics)`
          : `no B-tree index has ${percent(limits.minIndexWasteRatio)} and ${limits.minIndexWasteBytes / MB} MB or more free space (estimate from the statistics, ${indexes.rows.length} indexes)`) +
        (unanalyzed > 0
          ? `; ${unanalyzed} indexes without column statistics (empty or not yet analyzed tables) are not estimated`
          : ''),
      findings: indexFindings,
      info: indexes.rows
        .filter(i => i.analyzed && i.bytes >= MB)
        .slice(0, 10)
        .map(
          i =>
            `${i.name}: ${(i.bytes / MB).toFixed(1)} MB, about ${percent(i.waste / i.bytes)} free space`
        )
    });
    return checks;
  }
}
