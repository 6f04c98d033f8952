import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Database, Queryable } from './database.js';

export interface MigrationFile {
  version: number;
  name: string;
  file: string;
  checksum: string;
  sql: string;
}

export interface AppliedMigration {
  version: number;
  name: string;
  checksum: string;
  appliedAt: Date;
}

export interface MigrationStatus {
  applied: AppliedMigration[];
  pending: MigrationFile[];
  /** Applied migrations whose file changed since: never run again, always refused. */
  modified: MigrationFile[];
  /** Applied in the database but absent from the folder (a newer checkout ran against this database). */
  unknown: AppliedMigration[];
  /**
   * Every unknown migration is newer than this code's newest, and nothing else differs: a newer
   * release migrated the database (a blue-green deploy, or one being rolled back). Migrations are
   * additive by policy (CONTRIBUTING.md), so this code still runs on that schema.
   */
  ahead: boolean;
}

export class MigrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MigrationError';
  }
}

const FILE_PATTERN = /^(\d{3})_([a-z0-9_]+)\.sql$/;

/** Read `NNN_name.sql` files in order; refuses stray files, repeated numbers and gaps. */
export function readMigrations(dir: string): MigrationFile[] {
  const files = readdirSync(dir)
    .filter(f => f.endsWith('.sql'))
    .sort();
  const migrations = files.map(file => {
    const match = FILE_PATTERN.exec(file);
    if (!match) {
      throw new MigrationError(`migration file ${file} must be named NNN_lowercase_name.sql`);
    }
    // Normalize line endings so a checkout with CRLF does not look edited.
    const sql = readFileSync(join(dir, file), 'utf8').replace(/\r\n/g, '\n');
    return {
      version: Number(match[1]),
      name: match[2],
      file,
      sql,
      checksum: createHash('sha256').update(sql).digest('hex')
    };
  });
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new MigrationError(
        `migration ${m.file} should be number ${String(i + 1).padStart(3, '0')}: numbers must run 001, 002, ... without gaps or repeats`
      );
    }
  });
  return migrations;
}

const BOOTSTRAP = `
  CREATE TABLE IF NOT EXISTS cryoprotect_migrations (
    version integer PRIMARY KEY,
    name text NOT NULL,
    checksum text NOT NULL CHECK (checksum ~ '^[0-9a-f]{64}$'),
    applied_at timestamptz NOT NULL DEFAULT now()
  )`;

async function readApplied(tx: Queryable): Promise<AppliedMigration[]> {
  const exists = await tx.query<{ found: boolean }>(
    `SELECT to_regclass('public.cryoprotect_migrations') IS NOT NULL AS found`
  );
  if (!exists.rows[0].found) {
    return [];
  }
  const { rows } = await tx.query<{
    version: number;
    name: string;
    checksum: string;
    applied_at: Date;
  }>('SELECT version, name, checksum, applied_at FROM cryoprotect_migrations ORDER BY version');
  return rows.map(r => ({
    version: r.version,
    name: r.name,
    checksum: r.checksum,
    appliedAt: r.applied_at
  }));
}

function compare(files: MigrationFile[], applied: AppliedMigration[]): MigrationStatus {
  const byVersion = new Map(applied.map(a => [a.version, a]));
  const known = new Set(files.map(f => f.version));
  const newest = Math.max(0, ...files.map(f => f.version));
  const pending = files.filter(f => !byVersion.has(f.version));
  const modified = files.filter(f => {
    const a = byVersion.get(f.version);
    return a !== undefined && a.checksum !== f.checksum;
  });
  const unknown = applied.filter(a => !known.has(a.version));
  const ahead =
    unknown.length > 0 &&
    pending.length === 0 &&
    modified.length === 0 &&
    unknown.every(a => a.version > newest);
  return { applied, pending, modified, unknown, ahead };
}

export async function migrationStatus(db: Database, dir: string): Promise<MigrationStatus> {
  const files = readMigrations(dir);
  return db.serviceTransaction(async tx => compare(files, await readApplied(tx)));
}

function refuseDrift(status: MigrationStatus): void {
  if (status.modified.length > 0) {
    const names = status.modified.map(m => m.file).join(', ');
    throw new MigrationError(
      `applied migration ${names} was edited after it ran (checksum differs); restore the file and put the change in a new migration`
    );
  }
  if (status.unknown.length > 0 && !status.ahead) {
    const names = status.unknown
      .map(m => `${String(m.version).padStart(3, '0')}_${m.name}`)
      .join(', ');
    throw new MigrationError(
      `the database has migration ${names}, which this checkout does not have, and they are not simply newer than its own; update the code first`
    );
  }
}

/**
 * Apply every pending migration, each in its own transaction together with its record, so a
 * failing migration leaves the database at the previous version. Concurrent runners serialize
 * on an advisory lock.
 */
export async function migrate(
  db: Database,
  dir: string,
  onApplied: (m: MigrationFile) => void = () => undefined
): Promise<MigrationFile[]> {
  const files = readMigrations(dir);
  refuseDrift(await migrationStatus(db, dir));
  const done: MigrationFile[] = [];
  for (const file of files) {
    const applied = await db.serviceTransaction(async tx => {
      await tx.query('SELECT pg_advisory_xact_lock(7262012)');
      await tx.exec(BOOTSTRAP);
      const status = compare(files, await readApplied(tx));
      refuseDrift(status);
      if (!status.pending.some(p => p.version === file.version)) {
        return false;
      }
      try {
        await tx.exec(file.sql);
      } catch (error) {
        throw new MigrationError(`migration ${file.file} failed: ${(error as Error).message}`);
      }
      await tx.query(
        'INSERT INTO cryoprotect_migrations (version, name, checksum) VALUES ($1, $2, $3)',
        [file.version, file.name, file.checksum]
      );
      return true;
    });
    if (applied) {
      done.push(file);
      onApplied(file);
    }
  }
  return done;
}
