import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';

/** The part of a connection a transaction body may use. */
export interface Queryable {
  query<Row = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: Row[] }>;
  /** Run one or more statements without parameters (migration files). */
  exec(sql: string): Promise<void>;
}

/**
 * The shared database, embedded (PGlite) or PostgreSQL. All access goes through one of the two
 * transaction methods, so every write is one transaction and nothing runs outside RLS by accident.
 */
export interface Database {
  readonly kind: 'pglite' | 'postgres';
  /** Where the data lives, without credentials. */
  readonly location: string;
  /**
   * The explicit service path: migrations, the reference-data loader, health checks. Runs as
   * the connecting role (a superuser or BYPASSRLS role), so Row Level Security does not apply.
   */
  serviceTransaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * Everything a request does: runs as the role cryoprotect_app with `app.user_id` set to the
   * acting user (null = anonymous), so every policy applies.
   */
  userTransaction<T>(userId: string | null, fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  /** Connection pool state (PostgreSQL only). */
  poolStats?(): { total: number; idle: number; waiting: number };
}

export const APP_ROLE = 'cryoprotect_app';

async function actAs(tx: Queryable, userId: string | null): Promise<void> {
  // One round trip: set_config('role', ..., true) is SET LOCAL ROLE.
  await tx.query(
    `SELECT set_config('role', '${APP_ROLE}', true), set_config('app.user_id', $1, true)`,
    [userId ?? '']
  );
}

/** Raised when another process holds the embedded database. */
export class DatabaseInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number
  ) {
    super(
      `the embedded database ${dataDir} is in use by process ${pid}; PGlite allows one process per data folder, so stop that process (e.g. its "cryoprotect start") or go through its REST server`
    );
    this.name = 'DatabaseInUseError';
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Take the data folder's lock file. Two processes writing one PGlite folder corrupt it, so a
 * second opener is refused; a lock left by a process that no longer exists is taken over.
 */
function lockDataDir(dataDir: string): () => void {
  const lockFile = join(dataDir, 'cryoprotect.lock');
  mkdirSync(dataDir, { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
      return () => rmSync(lockFile, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw error;
      }
      const holder = Number(readFileSync(lockFile, 'utf8'));
      if (Number.isInteger(holder) && holder > 0 && processAlive(holder)) {
        throw new DatabaseInUseError(dataDir, holder);
      }
      rmSync(lockFile, { force: true });
    }
  }
  throw new Error(`could not take the lock ${lockFile}`);
}

/** Open the embedded database in `dataDir` (created on first use), or in memory for `memory://`. */
export async function openPGlite(dataDir: string): Promise<Database> {
  const unlock = dataDir.startsWith('memory://') ? () => undefined : lockDataDir(dataDir);
  let db: PGlite;
  try {
    db = await PGlite.create(dataDir);
  } catch (error) {
    unlock();
    throw error;
  }
  const wrap = (tx: { query: PGlite['query']; exec: PGlite['exec'] }): Queryable => ({
    query: async <Row>(sql: string, params?: unknown[]) => {
      const result = await tx.query<Row>(sql, params);
      return { rows: result.rows };
    },
    exec: async (sql: string) => {
      await tx.exec(sql);
    }
  });
  return {
    kind: 'pglite',
    location: dataDir,
    serviceTransaction: fn => db.transaction(tx => fn(wrap(tx))),
    userTransaction: (userId, fn) =>
      db.transaction(async tx => {
        const q = wrap(tx);
        await actAs(q, userId);
        return fn(q);
      }),
    close: async () => {
      try {
        await db.close();
      } finally {
        unlock();
      }
    }
  };
}

/**
 * Connect to PostgreSQL. `connectionString` is what requests use: in a shared deployment a login
 * role without BYPASSRLS that is a member of cryoprotect_app. `serviceConnectionString` (default:
 * the same) is used by the service path (migrations, reference data, health) and must be a
 * superuser or a BYPASSRLS role.
 */
export async function openPostgres(
  connectionString: string,
  options: { maxConnections?: number; serviceConnectionString?: string } = {}
): Promise<Database> {
  const pool = new pg.Pool({ connectionString, max: options.maxConnections ?? 10 });
  const servicePool = options.serviceConnectionString
    ? new pg.Pool({ connectionString: options.serviceConnectionString, max: 2 })
    : pool;
  // An idle client that loses its connection must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  servicePool.on('error', () => undefined);
  const run = async <T>(
    from: pg.Pool,
    userId: string | null | undefined,
    fn: (tx: Queryable) => Promise<T>
  ) => {
    const client = await from.connect();
    const q: Queryable = {
      query: async <Row>(sql: string, params?: unknown[]) => {
        const result = await client.query(sql, params);
        return { rows: result.rows as Row[] };
      },
      exec: async (sql: string) => {
        await client.query(sql);
      }
    };
    let broken = false;
    try {
      await client.query('BEGIN');
      if (userId !== undefined) {
        await actAs(q, userId);
      }
      const result = await fn(q);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      try {
        await client.query('ROLLBACK');
      } catch {
        broken = true;
      }
      throw error;
    } finally {
      client.release(broken);
    }
  };
  const url = new URL(connectionString);
  return {
    kind: 'postgres',
    location: `${url.hostname}:${url.port || 5432}${url.pathname}`,
    serviceTransaction: fn => run(servicePool, undefined, fn),
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    userTransaction: (userId, fn) => run(pool, userId, fn),
    close: async () => {
      await pool.end();
      if (servicePool !== pool) {
        await servicePool.end();
      }
    }
  };
}
