import type { Database } from './db/database.js';
import { migrationStatus } from './db/migrations.js';

export interface Readiness {
  ready: boolean;
  database: 'ok' | 'unreachable';
  schema: 'current' | 'pending' | 'drift' | 'unknown';
  problems: string[];
}

/** Ready means: the database answers, and its schema is exactly the migrations of this code. */
export async function checkReadiness(db: Database, migrationsDir: string): Promise<Readiness> {
  try {
    await db.serviceTransaction(tx => tx.query('SELECT 1'));
  } catch (error) {
    return {
      ready: false,
      database: 'unreachable',
      schema: 'unknown',
      problems: [`database: ${(error as Error).message}`]
    };
  }
  const status = await migrationStatus(db, migrationsDir);
  const problems = [
    ...status.pending.map(m => `migration ${m.file} is not applied`),
    ...status.modified.map(m => `migration ${m.file} was edited after it was applied`),
    ...status.unknown.map(
      m => `database has migration ${m.version} (${m.name}) that this code lacks`
    )
  ];
  const schema =
    status.modified.length + status.unknown.length > 0
      ? 'drift'
      : status.pending.length > 0
        ? 'pending'
        : 'current';
  return { ready: problems.length === 0, database: 'ok', schema, problems };
}
