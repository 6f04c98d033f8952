import { createHash } from 'node:crypto';
import type { Queryable } from '../db/database.js';

/** One application table as the catalog describes it. */
export interface TableInfo {
  name: string;
  /** Every column, in table order. */
  columns: string[];
  /** Columns a restore writes: all but GENERATED ... STORED ones, which PostgreSQL computes. */
  insertColumns: string[];
  /** Primary-key columns in key order (empty when the table has none). */
  primaryKey: string[];
  /** Columns whose values come from a sequence (identity or serial): reset after a restore. */
  sequenceColumns: string[];
  /** Columns with a collation: ordered with COLLATE "C" so every server sorts them alike. */
  collatable: string[];
}

export interface ForeignKey {
  name: string;
  child: string;
  childColumns: string[];
  parent: string;
  parentColumns: string[];
}

export interface AppliedMigrationRecord {
  version: number;
  name: string;
  checksum: string;
}

/** The schema a database (or a backup) is at: its applied migrations with their SHA-256. */
export interface SchemaVersion {
  /** Highest applied migration number. */
  version: number;
  /** SHA-256 over "version name checksum" lines: equal fingerprints mean the same migrations. */
  fingerprint: string;
  migrations: AppliedMigrationRecord[];
}

/** Bookkeeping of the migration runner: part of the schema, so never backed up as data. */
export const MIGRATIONS_TABLE = 'cryoprotect_migrations';

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function qualified(table: string): string {
  return `public.${quoteIdent(table)}`;
}

export function schemaVersionOf(migrations: AppliedMigrationRecord[]): SchemaVersion {
  const sorted = [...migrations].sort((a, b) => a.version - b.version);
  const hash = createHash('sha256');
  for (const m of sorted) {
    hash.update(`${m.version} ${m.name} ${m.checksum}\n`);
  }
  return {
    version: sorted.at(-1)?.version ?? 0,
    fingerprint: hash.digest('hex'),
    migrations: sorted.map(m => ({ version: m.version, name: m.name, checksum: m.checksum }))
  };
}

/** Short form for messages and listings, e.g. "006 (3fa1c2d9)". */
export function describeSchema(schema: SchemaVersion): string {
  return `${String(schema.version).padStart(3, '0')} (${schema.fingerprint.slice(0, 8)})`;
}

/** The live database's schema version, or undefined when it has never been migrated. */
export async function readSchemaVersion(tx: Queryable): Promise<SchemaVersion | undefined> {
  const { rows: found } = await tx.query<{ found: boolean }>(
    `SELECT to_regclass('public.${MIGRATIONS_TABLE}') IS NOT NULL AS found`
  );
  if (!found[0].found) {
    return undefined;
  }
  const { rows } = await tx.query<AppliedMigrationRecord>(
    `SELECT version, name, checksum FROM ${MIGRATIONS_TABLE} ORDER BY version`
  );
  return schemaVersionOf(rows);
}

/**
 * Settings that make PostgreSQL's text of a row the same on every server and session, so a
 * checksum computed at backup time can be recomputed after a restore, even on another server.
 */
export async function useCanonicalText(tx: Queryable): Promise<void> {
  await tx.query(
    `SELECT set_config('TimeZone', 'UTC', true), set_config('IntervalStyle', 'postgres', true),
            set_config('extra_float_digits', '1', true), set_config('bytea_output', 'hex', true)`
  );
}

/** The application tables of the public schema (the migration record excluded), by name. */
export async function readTables(tx: Queryable): Promise<TableInfo[]> {
  const { rows } = await tx.query<{
    name: string;
    columns: { name: string; identity: string; generated: string; collatable: boolean }[];
    primary_key: string[] | null;
    serial: string[] | null;
  }>(
    `SELECT c.relname::text AS name,
            (SELECT json_agg(json_build_object('name', a.attname::text, 'identity', a.attidentity::text,
                                               'generated', a.attgenerated::text,
                                               'collatable', a.attcollation <> 0) ORDER BY a.attnum)
               FROM pg_attribute a
              WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns,
            (SELECT json_agg(a.attname::text ORDER BY k.ord)
               FROM pg_index i
               CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
               JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
              WHERE i.indrelid = c.oid AND i.indisprimary) AS primary_key,
            (SELECT json_agg(a.attname::text ORDER BY a.attnum)
               FROM pg_attribute a
              WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                AND pg_get_serial_sequence(format('public.%I', c.relname), a.attname) IS NOT NULL) AS serial
       FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname <> $1
      ORDER BY c.relname`,
    [MIGRATIONS_TABLE]
  );
  return rows.map(r => ({
    name: r.name,
    columns: r.columns.map(c => c.name),
    insertColumns: r.columns.filter(c => c.generated === '').map(c => c.name),
    primaryKey: r.primary_key ?? [],
    sequenceColumns: r.serial ?? [],
    collatable: r.columns.filter(c => c.collatable).map(c => c.name)
  }));
}

export async function readForeignKeys(tx: Queryable): Promise<ForeignKey[]> {
  const { rows } = await tx.query<{
    name: string;
    child: string;
    parent: string;
    child_columns: string[];
    parent_columns: string[];
  }>(
    `SELECT con.conname::text AS name, ch.relname::text AS child, pa.relname::text AS parent,
            (SELECT json_agg(a.attname::text ORDER BY k.ord)
               FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
               JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum) AS child_columns,
            (SELECT json_agg(a.attname::text ORDER BY k.ord)
               FROM unnest(con.confkey) WITH ORDINALITY AS k(attnum, ord)
               JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum) AS parent_columns
       FROM pg_constraint con
       JOIN pg_class ch ON ch.oid = con.conrelid
       JOIN pg_namespace n ON n.oid = ch.relnamespace
       JOIN pg_class pa ON pa.oid = con.confrelid
      WHERE con.contype = 'f' AND n.nspname = 'public'
      ORDER BY ch.relname, con.conname`
  );
  return rows.map(r => ({
    name: r.name,
    child: r.child,
    parent: r.parent,
    childColumns: r.child_columns,
    parentColumns: r.parent_columns
  }));
}

/**
 * Tables ordered so that every table comes after the tables it refers to (parents first);
 * self-references are ignored and a cycle, should one appear, keeps name order for its members.
 */
export function dependencyOrder(tables: TableInfo[], keys: ForeignKey[]): TableInfo[] {
  const names = new Set(tables.map(t => t.name));
  const parents = new Map<string, Set<string>>(tables.map(t => [t.name, new Set<string>()]));
  for (const fk of keys) {
    if (fk.child !== fk.parent && names.has(fk.child) && names.has(fk.parent)) {
      parents.get(fk.child)?.add(fk.parent);
    }
  }
  const ordered: TableInfo[] = [];
  const placed = new Set<string>();
  let remaining = [...tables].sort((a, b) => a.name.localeCompare(b.name, 'en'));
  while (remaining.length > 0) {
    const ready = remaining.filter(t => [...(parents.get(t.name) ?? [])].every(p => placed.has(p)));
    const next = ready.length > 0 ? ready : [remaining[0]];
    for (const t of next) {
      ordered.push(t);
      placed.add(t.name);
    }
    remaining = remaining.filter(t => !placed.has(t.name));
  }
  return ordered;
}

/** The rows of a table as canonical JSON text, in primary-key order (byte order for text). */
export function rowsQuery(table: TableInfo): string {
  const collatable = new Set(table.collatable);
  const order =
    table.primaryKey.length > 0
      ? table.primaryKey
          .map(c => `t.${quoteIdent(c)}${collatable.has(c) ? ' COLLATE "C"' : ''}`)
          .join(', ')
      : 'to_jsonb(t)::text COLLATE "C"';
  return `SELECT to_jsonb(t)::text AS row FROM ${qualified(table.name)} AS t ORDER BY ${order}`;
}

/** Row count and SHA-256 of a table's rows, accumulated one canonical row text at a time. */
export class TableDigest {
  private readonly hash = createHash('sha256');
  rowCount = 0;

  add(rowText: string): void {
    this.hash.update(rowText);
    this.hash.update('\n');
    this.rowCount += 1;
  }

  checksum(): string {
    return this.hash.copy().digest('hex');
  }
}

const FETCH_SIZE = 500;

/**
 * Stream a table's canonical rows through a cursor, so a large table never has to fit in
 * memory. Must run inside a transaction that has called useCanonicalText.
 */
export async function forEachRow(
  tx: Queryable,
  table: TableInfo,
  onRow: (rowText: string) => Promise<void> | void
): Promise<void> {
  await tx.query(`DECLARE cryoprotect_backup_rows NO SCROLL CURSOR FOR ${rowsQuery(table)}`);
  for (;;) {
    const { rows } = await tx.query<{ row: string }>(
      `FETCH FORWARD ${FETCH_SIZE} FROM cryoprotect_backup_rows`
    );
    for (const r of rows) {
      await onRow(r.row);
    }
    if (rows.length < FETCH_SIZE) {
      break;
    }
  }
  await tx.query('CLOSE cryoprotect_backup_rows');
}

export interface TableSummary {
  name: string;
  rowCount: number;
  checksum: string;
}

/** Row count and checksum of live tables: the same function a backup's metadata records. */
export async function summarizeTables(tx: Queryable, tables: TableInfo[]): Promise<TableSummary[]> {
  await useCanonicalText(tx);
  const result: TableSummary[] = [];
  for (const table of tables) {
    const digest = new TableDigest();
    await forEachRow(tx, table, row => digest.add(row));
    result.push({ name: table.name, rowCount: digest.rowCount, checksum: digest.checksum() });
  }
  return result;
}

/** Refuse to read through Row Level Security: a backup that silently misses rows is worse than none. */
export async function requireServiceRole(tx: Queryable, what: string): Promise<void> {
  const { rows } = await tx.query<{ name: string; ok: boolean }>(
    `SELECT current_user::text AS name, (rolsuper OR rolbypassrls) AS ok FROM pg_roles WHERE rolname = current_user`
  );
  if (!rows[0]?.ok) {
    throw new Error(
      `${what} must connect as a superuser or a BYPASSRLS role (connected as ${rows[0]?.name ?? 'unknown'}); set DATABASE_SERVICE_URL to such a role`
    );
  }
}
