import { chemistryStatus, type Readiness } from '@cryoprotect/kernel';
import { DatabaseUnavailableError, type Database } from './db/database.js';
import { migrationStatus } from './db/migrations.js';

/** What checkReadiness finds about the database; GET /health/ready adds its kind and the chemistry. */
export type ReadinessCheck = Omit<Readiness, 'database_kind' | 'chemistry'>;

/** How long readiness waits for the database before it answers "not ready". */
export const READINESS_TIMEOUT_MS = 3_000;

/**
 * Ready means: the database answers both logins, and its schema is the migrations of this code
 * (or newer additive ones).
 * The database check is bounded: a load balancer's probe must get an answer even when the
 * database hangs rather than refuses.
 */
export async function checkReadiness(
  db: Database,
  migrationsDir: string,
  timeoutMs = READINESS_TIMEOUT_MS
): Promise<ReadinessCheck> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      // Both logins: requests use DATABASE_URL's, and a server whose request login is refused
      // (pg_hba.conf, a password, TLS) serves nothing even when the service login works.
      // Only a failure to connect counts: before the first migration the app role does not
      // exist yet, which the schema check reports as pending.
      Promise.all([
        db.serviceTransaction(tx => tx.query('SELECT 1')),
        db
          .userTransaction(null, tx => tx.query('SELECT 1'))
          .catch((error: unknown) => {
            if (error instanceof DatabaseUnavailableError) {
              throw error;
            }
          })
      ]),
      new Promise((_, fail) => {
        timer = setTimeout(() => fail(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      })
    ]);
  } catch (error) {
    // Readiness is public: the driver's words (the login's user, the host) stay in the logs;
    // the error's code (ECONNREFUSED, 28P01) and the hint naming the setting to fix are shown.
    const reason =
      error instanceof DatabaseUnavailableError
        ? `unavailable (${[Private.code(error.cause), error.hint].filter(Boolean).join(': ') || 'no reason given'})`
        : (error as Error).message;
    return {
      ready: false,
      database: 'unreachable',
      schema: 'unknown',
      problems: [`database: ${reason}`]
    };
  } finally {
    clearTimeout(timer);
  }
  const status = await migrationStatus(db, migrationsDir);
  const problems = [
    ...status.pending.map(m => `migration ${m.file} is not applied`),
    ...status.modified.map(m => `migration ${m.file} was edited after it was applied`),
    ...(status.ahead
      ? []
      : status.unknown.map(
          m => `database has migration ${m.version} (${m.name}) that this code lacks`
        ))
  ];
  // Ahead stays ready: during a blue-green deploy the release still serving runs on the schema
  // its successor migrated (additive migrations), and a rollback starts it there again.
  const schema = status.ahead
    ? 'ahead'
    : status.modified.length + status.unknown.length > 0
      ? 'drift'
      : status.pending.length > 0
        ? 'pending'
        : 'current';
  return { ready: problems.length === 0, database: 'ok', schema, problems };
}

/**
 * The readiness answer: the database check, the database's kind and the chemistry engines. A
 * WebAssembly engine being rebuilt after a failure (a few hundred milliseconds), or one that could
 * not load, makes the server not ready: chemistry requests would fail meanwhile.
 */
export function readinessReport(
  check: ReadinessCheck,
  databaseKind: Readiness['database_kind']
): Readiness {
  const chemistry = chemistryStatus();
  const engines = [chemistry.rdkit, chemistry.indigo].flatMap(engine =>
    engine.state === 'rebuilding'
      ? [
          `chemistry engine ${engine.name} is being rebuilt after a WebAssembly failure (${engine.lastFailure?.reason ?? 'unknown'})`
        ]
      : engine.state === 'failed'
        ? [`chemistry engine ${engine.name} could not be loaded`]
        : []
  );
  return {
    ...check,
    ready: check.ready && engines.length === 0,
    problems: [...check.problems, ...engines],
    database_kind: databaseKind,
    chemistry
  };
}

namespace Private {
  /** A Node or PostgreSQL error code (ECONNREFUSED, 28P01): a category, never a name or host. */
  export function code(cause: unknown): string | undefined {
    const value = (cause as { code?: unknown } | undefined)?.code;
    return typeof value === 'string' && /^[A-Z0-9_]{1,40}$/.test(value) ? value : undefined;
  }
}
