import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Database } from './db/database.js';
import { DEFAULT_MIGRATIONS_DIR } from './config.js';
import { checkReadiness } from './health.js';

describe('readiness', () => {
  it('answers "not ready" within its bound when the database does not answer at all', async () => {
    // A database that hangs (a network cut, a stopped process): the probe must still get an answer.
    const hanging = {
      kind: 'postgres',
      location: 'nowhere',
      serviceTransaction: () => new Promise(() => undefined),
      userTransaction: () => new Promise(() => undefined),
      close: async () => undefined
    } as unknown as Database;
    const started = Date.now();
    const readiness = await checkReadiness(hanging, DEFAULT_MIGRATIONS_DIR, 200);
    const took = Date.now() - started;
    assert.ok(took >= 190 && took < 1_000, `took ${took} ms`);
    assert.deepEqual(readiness, {
      ready: false,
      database: 'unreachable',
      schema: 'unknown',
      problems: ['database: no answer within 200 ms']
    });
  });
});
