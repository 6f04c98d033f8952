import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { lockDataDir } from './lock.js';

export { DatabaseInUseError } from './lock.js';

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
  /**
   * Check an API token (its SHA-256, 64 hex digits) with app.authenticate_token as
   * cryoprotect_app, anonymous, in one transaction: the same as
   * `userTransaction(null, tx => tx.query('SELECT ... FROM app.authenticate_token($1)'))`, in one
   * round trip. Optional: without it, authentication uses that userTransaction.
   */
  authenticate?(tokenHash: string): Promise<{ user_id: string; scopes: string[] } | undefined>;
  /**
   * The job queue's own statements (pg-boss), as the service role and outside any transaction of
   * ours: pg-boss wraps what must be atomic in its own BEGIN ... COMMIT. Without parameters the
   * text may hold several statements; the rows are those of the last one.
   */
  executeSql(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
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

const TIMESTAMPTZ_OID = 1184;

/**
 * A timestamptz as PostgreSQL writes it in UTC ("0001-01-01 00:00:00.123456+00", "... BC",
 * infinity), read exactly to the millisecond. PGlite's own parser hands the text to `new Date`,
 * which reads the years 0001 to 0099 as 1901 to 1999 and refuses BC years; node-postgres reads
 * them right, so both databases now answer the same.
 */
export function parseTimestamptz(text: string): Date | number {
  if (text === 'infinity' || text === '-infinity') {
    return text === 'infinity' ? Infinity : -Infinity;
  }
  const m =
    /^(\d{4,})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?([+-])(\d{2})(?::(\d{2}))?(?::(\d{2}))?( BC)?$/.exec(
      text
    );
  if (!m) {
    return new Date(text);
  }
  const [, y, mo, d, h, mi, s, fraction = '', sign, oh, om = '0', os = '0', bc] = m;
  const year = bc ? 1 - Number(y) : Number(y);
  const date = new Date(
    Date.UTC(
      2000,
      Number(mo) - 1,
      Number(d),
      Number(h),
      Number(mi),
      Number(s),
      Number(fraction.padEnd(3, '0').slice(0, 3))
    )
  );
  date.setUTCFullYear(year);
  const offset = (Number(oh) * 3600 + Number(om) * 60 + Number(os)) * 1000;
  return new Date(date.getTime() - (sign === '-' ? -offset : offset));
}

/** Open the embedded database in `dataDir` (created on first use), or in memory for `memory://`. */
export async function openPGlite(dataDir: string): Promise<Database> {
  // Two processes writing one folder corrupt it: the folder's lock comes first (lock.ts).
  const unlock = dataDir.startsWith('memory://') ? () => undefined : lockDataDir(dataDir).release;
  let db: PGlite;
  try {
    db = await PGlite.create(dataDir, { parsers: { [TIMESTAMPTZ_OID]: parseTimestamptz } });
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
    // In a transaction of PGlite's: a script with its own BEGIN ... COMMIT that fails midway
    // would leave its transaction open and aborted on the one connection, and whatever ran next
    // would fail; transaction() rolls back before anything else runs. (The script's own BEGIN and
    // COMMIT inside it only draw warnings.)
    executeSql: (text, values) =>
      db.transaction(async tx => {
        if (values && values.length > 0) {
          return { rows: (await tx.query<Record<string, unknown>>(text, values)).rows };
        }
        const results = await tx.exec(text);
        return { rows: (results.at(-1)?.rows ?? []) as Record<string, unknown>[] };
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
 * The database cannot be reached, or lost the connection mid-transaction (server down or
 * restarting, network cut, pool exhausted for too long). Requests answer 503 and may be retried;
 * the pool reconnects by itself once the server is back.
 */
export class DatabaseUnavailableError extends Error {
  /** `hint`: what to check when retrying will not help (see connectionHint). */
  constructor(
    cause: unknown,
    readonly hint?: string
  ) {
    super(
      `the database is unavailable: ${(cause as Error)?.message ?? String(cause)}${hint ? ` (${hint})` : ''}`,
      { cause }
    );
    this.name = 'DatabaseUnavailableError';
  }
}

/** Node's codes for a server certificate that does not verify (node:tls, OpenSSL). */
const CERTIFICATE_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'ERR_TLS_CERT_ALTNAME_INVALID'
]);

/**
 * What to fix when a connection cannot be made for a reason retrying will not cure: the driver's
 * own words ("unable to verify the first certificate") name neither the database nor the setting.
 * `setting` is the environment variable whose connection string was used.
 */
export function connectionHint(error: unknown, setting: string): string | undefined {
  const { code, message, syscall } = (error ?? {}) as {
    code?: unknown;
    message?: unknown;
    syscall?: unknown;
  };
  const text = typeof message === 'string' ? message : '';
  if (typeof code === 'string' && (CERTIFICATE_CODES.has(code) || /^ERR_(TLS|SSL)_/.test(code))) {
    return `TLS: the PostgreSQL server's certificate does not verify against the CA of sslrootcert in ${setting}, or does not name the host of ${setting}`;
  }
  if (text.startsWith('The server does not support SSL connections')) {
    return `${setting} asks for TLS but the PostgreSQL server has ssl = off`;
  }
  if ((code === 'ENOENT' || code === 'EACCES') && syscall === 'open') {
    return `cannot read a file named in ${setting} (sslrootcert, sslcert or sslkey)`;
  }
  if (code === '28000' && text.includes('no encryption')) {
    // node-postgres uses no TLS unless the connection string says so (libpq would try it first).
    return `${setting} connects without TLS, which the PostgreSQL server refuses: add sslmode=verify-full&sslrootcert=<CA file>`;
  }
  if (code === '28000' || code === '28P01') {
    return `the PostgreSQL server refuses the login of ${setting} (pg_hba.conf or password)`;
  }
  return undefined;
}

/** Timeouts and size of the PostgreSQL pool; every wait on the database is bounded. */
export interface PoolOptions {
  /** Connections of the request pool (default 10). */
  maxConnections?: number;
  /** The service path (migrations, health); default: the request connection string. */
  serviceConnectionString?: string;
  /** Longest wait for a connection, including the wait for a free one in the pool (default 5 s). */
  connectTimeoutMs?: number;
  /**
   * Longest a request's statement may run: the server cancels it (statement_timeout) and the
   * client gives up 5 s later in case the server does not answer at all (default 60 s).
   */
  statementTimeoutMs?: number;
}

export const POOL_DEFAULTS = {
  maxConnections: 10,
  connectTimeoutMs: 5_000,
  statementTimeoutMs: 60_000
} as const;

/**
 * Is this error about the connection rather than the statement? SQLSTATE classes 08 (connection
 * exception) and 57P (operator intervention: admin_shutdown, crash_shutdown, cannot_connect_now),
 * 53300 (too many connections), socket errors, and the pg driver's own connection messages.
 */
export function isConnectionError(error: unknown): boolean {
  if (error instanceof DatabaseUnavailableError) {
    return true;
  }
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string') {
    if (/^08...$/.test(code) || /^57P0[1-4]$/.test(code) || code === '53300') {
      return true;
    }
    if (
      [
        'ECONNREFUSED',
        'ECONNRESET',
        'EPIPE',
        'ETIMEDOUT',
        'EHOSTUNREACH',
        'ENOTFOUND',
        'EAI_AGAIN',
        'ENETUNREACH'
      ].includes(code)
    ) {
      return true;
    }
  }
  return (
    typeof message === 'string' &&
    /^(Connection terminated|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error|Client was closed|Connection closed)/.test(
      message
    )
  );
}

/**
 * Connect to PostgreSQL. `connectionString` is what requests use: in a shared deployment a login
 * role without BYPASSRLS that is a member of cryoprotect_app. `serviceConnectionString` (default:
 * the same) is used by the service path (migrations, reference data, health) and must be a
 * superuser or a BYPASSRLS role.
 */
export async function openPostgres(
  connectionString: string,
  options: PoolOptions = {}
): Promise<Database> {
  const connectTimeoutMs = options.connectTimeoutMs ?? POOL_DEFAULTS.connectTimeoutMs;
  const statementTimeoutMs = options.statementTimeoutMs ?? POOL_DEFAULTS.statementTimeoutMs;
  const pool = new pg.Pool({
    connectionString,
    max: options.maxConnections ?? POOL_DEFAULTS.maxConnections,
    connectionTimeoutMillis: connectTimeoutMs,
    statement_timeout: statementTimeoutMs,
    query_timeout: statementTimeoutMs + 5_000,
    keepAlive: true
  });
  // The service path runs migrations, which may legitimately take long: only its connection wait
  // is bounded here (readiness bounds its own check).
  const servicePool = options.serviceConnectionString
    ? new pg.Pool({
        connectionString: options.serviceConnectionString,
        max: 2,
        connectionTimeoutMillis: connectTimeoutMs,
        keepAlive: true
      })
    : pool;
  // An idle client that loses its connection must not crash the process; the pool drops it and
  // the next checkout connects anew.
  pool.on('error', () => undefined);
  servicePool.on('error', () => undefined);
  /**
   * A pooled connection for `body`. Connection failures (at checkout or while in use) become
   * DatabaseUnavailableError, and a connection that failed is discarded instead of reused.
   */
  const withClient = async <T>(
    from: pg.Pool,
    body: (client: pg.PoolClient, discard: () => void) => Promise<T>
  ): Promise<T> => {
    let client: pg.PoolClient;
    try {
      client = await from.connect();
    } catch (error) {
      // Without a connection nothing can be served, whatever the reason (refused by pg_hba.conf,
      // a wrong password, a certificate that does not verify, an unreadable CA file): a 503, and
      // readiness reports it, instead of a 500 that shows the server's login in its detail.
      const setting =
        from === servicePool && servicePool !== pool ? 'DATABASE_SERVICE_URL' : 'DATABASE_URL';
      throw new DatabaseUnavailableError(error, connectionHint(error, setting));
    }
    // pg-pool listens for errors only on idle clients. A checked-out client whose server goes
    // away between two statements emits 'error' with nobody listening, which would end the
    // process; this listener keeps it and the client is discarded on release.
    let broken = false;
    const onError = (): void => {
      broken = true;
    };
    client.on('error', onError);
    try {
      return await body(client, () => (broken = true));
    } catch (error) {
      if (isConnectionError(error)) {
        broken = true;
        throw new DatabaseUnavailableError(error);
      }
      throw error;
    } finally {
      client.removeListener('error', onError);
      client.release(broken);
    }
  };
  const run = <T>(
    from: pg.Pool,
    userId: string | null | undefined,
    fn: (tx: Queryable) => Promise<T>
  ): Promise<T> =>
    withClient(from, async (client, discard) => {
      const q: Queryable = {
        query: async <Row>(sql: string, params?: unknown[]) => {
          const result = await client.query(sql, params);
          return { rows: result.rows as Row[] };
        },
        exec: async (sql: string) => {
          await client.query(sql);
        }
      };
      try {
        // BEGIN and the role switch in one round trip (simple protocol, no parameters): the user
        // id is a UUID from our own token table, quoted as a literal all the same.
        await client.query(
          userId === undefined
            ? 'BEGIN'
            : `BEGIN; SELECT set_config('role', '${APP_ROLE}', true), set_config('app.user_id', ${client.escapeLiteral(userId ?? '')}, true)`
        );
        const result = await fn(q);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        if (!isConnectionError(error)) {
          try {
            await client.query('ROLLBACK');
          } catch {
            discard();
          }
        }
        throw error;
      }
    });
  // Every request with a token checks it first, so it is worth one round trip instead of three
  // (BEGIN with the role switch, the check, COMMIT). Several statements in one simple-protocol
  // query form one implicit transaction: set_config(..., true) holds until its end, it commits
  // when all succeed and rolls back otherwise, and the connection is left outside a transaction.
  const authenticate = async (tokenHash: string) => {
    if (!/^[0-9a-f]{64}$/.test(tokenHash)) {
      throw new Error('a token hash is 64 lowercase hex digits');
    }
    return withClient(pool, async client => {
      const results = (await client.query(
        `SELECT set_config('role', '${APP_ROLE}', true), set_config('app.user_id', '', true); SELECT user_id, scopes FROM app.authenticate_token('${tokenHash}')`
      )) as unknown as pg.QueryResult<{ user_id: string; scopes: string[] }>[];
      return results[1].rows[0];
    });
  };
  const url = new URL(connectionString);
  return {
    kind: 'postgres',
    authenticate,
    location: `${url.hostname}:${url.port || 5432}${url.pathname}`,
    serviceTransaction: fn => run(servicePool, undefined, fn),
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    userTransaction: (userId, fn) => run(pool, userId, fn),
    executeSql: (text, values) =>
      withClient(servicePool, async (client, discard) => {
        try {
          const result = (await client.query(text, values)) as
            pg.QueryResult<Record<string, unknown>> | pg.QueryResult<Record<string, unknown>>[];
          return { rows: Array.isArray(result) ? (result.at(-1)?.rows ?? []) : result.rows };
        } catch (error) {
          // A script with its own BEGIN (pg-boss's locked commands) that failed midway leaves
          // its transaction open and aborted: end it before the connection goes back to the pool.
          await client.query('ROLLBACK').catch(discard);
          throw error;
        }
      }),
    close: async () => {
      await pool.end();
      if (servicePool !== pool) {
        await servicePool.end();
      }
    }
  };
}
