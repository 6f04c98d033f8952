import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openPGlite, openPostgres, type Database } from '../db/database.js';

/** Set by scripts/test.mjs: a superuser URL of the PostgreSQL server started for the tests. */
export const POSTGRES_URL = process.env.CRYOPROTECT_TEST_POSTGRES_URL;

export interface TestDatabase {
  kind: 'pglite' | 'postgres';
  db: Database;
  /** For PostgreSQL: the URL of this test's own database (superuser). */
  url?: string;
  dispose(): Promise<void>;
}

export interface DatabaseTarget {
  kind: 'pglite' | 'postgres';
  /** Why the target is unavailable, or undefined when it can be used. */
  skip?: string;
  create(): Promise<TestDatabase>;
}

/** A fresh, empty database of each kind. PostgreSQL is required in CI (CI=true). */
export function databaseTargets(): DatabaseTarget[] {
  const missingPostgres =
    POSTGRES_URL === undefined && process.env.CI !== 'true'
      ? 'CRYOPROTECT_TEST_POSTGRES_URL is not set (npm test sets it)'
      : undefined;
  return [
    {
      kind: 'pglite',
      create: async () => {
        const dir = mkdtempSync(join(tmpdir(), 'cryoprotect-test-'));
        const db = await openPGlite(dir);
        return {
          kind: 'pglite',
          db,
          dispose: async () => {
            await db.close();
            rmSync(dir, { recursive: true, force: true });
          }
        };
      }
    },
    {
      kind: 'postgres',
      skip: missingPostgres,
      create: async () => {
        if (!POSTGRES_URL) {
          throw new Error(
            'CI=true but CRYOPROTECT_TEST_POSTGRES_URL is not set: PostgreSQL tests cannot run'
          );
        }
        const name = `cryoprotect_test_${randomBytes(6).toString('hex')}`;
        await adminQuery(`CREATE DATABASE ${name}`);
        const url = new URL(POSTGRES_URL);
        url.pathname = `/${name}`;
        const db = await openPostgres(url.toString(), { maxConnections: 4 });
        return {
          kind: 'postgres',
          db,
          url: url.toString(),
          dispose: async () => {
            await db.close();
            await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
          }
        };
      }
    }
  ];
}

export async function adminQuery(sql: string, params?: unknown[]): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    return await client.query(sql, params);
  } finally {
    await client.end();
  }
}
