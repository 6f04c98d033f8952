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
}

export const APP_ROLE = 'cryoprotect_app';

async function actAs(tx: Queryable, userId: string | null): Promise<void> {
  await tx.query(`SET LOCAL ROLE ${APP_ROLE}`);
  await tx.query(`SELECT set_config('app.user_id', $1, true)`, [userId ?? '']);
}

/** Open the embedded database in `dataDir` (created on first use). */
export async function openPGlite(dataDir: string): Promise<Database> {
  const db = await PGlite.create(dataDir);
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
    close: () => db.close()
  };
}

/** Connect to PostgreSQL with a connection URL. */
export async function openPostgres(
  connectionString: string,
  options: { maxConnections?: number } = {}
): Promise<Database> {
  const pool = new pg.Pool({ connectionString, max: options.maxConnections ?? 10 });
  // An idle client that loses its connection must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  const run = async <T>(userId: string | null | undefined, fn: (tx: Queryable) => Promise<T>) => {
    const client = await pool.connect();
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
    serviceTransaction: fn => run(undefined, fn),
    userTransaction: (userId, fn) => run(userId, fn),
    close: () => pool.end()
  };
}
