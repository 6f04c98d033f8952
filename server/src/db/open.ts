import { mkdirSync } from 'node:fs';
import type { Config } from '../config.js';
import { openPGlite, openPostgres, type Database } from './database.js';

/** PostgreSQL when DATABASE_URL is set, otherwise the embedded database in the data folder. */
export async function openDatabase(config: Config): Promise<Database> {
  if (config.DATABASE_URL) {
    return openPostgres(config.DATABASE_URL, {
      serviceConnectionString: config.DATABASE_SERVICE_URL,
      maxConnections: config.CRYOPROTECT_DB_POOL_SIZE,
      connectTimeoutMs: config.CRYOPROTECT_DB_CONNECT_TIMEOUT_MS,
      statementTimeoutMs: config.CRYOPROTECT_DB_STATEMENT_TIMEOUT_MS
    });
  }
  mkdirSync(config.pgliteDir, { recursive: true });
  return openPGlite(config.pgliteDir);
}
