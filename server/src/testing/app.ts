import type { FastifyInstance } from 'fastify';
import { buildApp, type AppOptions } from '../app.js';
import { DEFAULT_MIGRATIONS_DIR } from '../config.js';
import type { Database } from '../db/database.js';
import { migrate } from '../db/migrations.js';
import { loadReferenceData } from '../db/reference-data.js';
import type { DatabaseTarget, TestDatabase } from './databases.js';

/** A fresh database of `target`, migrated and seeded, and an app over it (tests only). */
export async function createTestApp(
  target: DatabaseTarget,
  options: Partial<AppOptions> = {}
): Promise<{ t: TestDatabase; app: FastifyInstance }> {
  const t = await target.create();
  await migrate(t.db, DEFAULT_MIGRATIONS_DIR);
  await loadReferenceData(t.db);
  const app = await buildApp({
    db: t.db,
    migrationsDir: DEFAULT_MIGRATIONS_DIR,
    logLevel: 'silent',
    ...options
  });
  return { t, app };
}

/** Rows of a table, all users included (service path). */
export async function countRows(db: Database, table: string): Promise<number> {
  const { rows } = await db.serviceTransaction(tx =>
    tx.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)
  );
  return Number(rows[0].n);
}
