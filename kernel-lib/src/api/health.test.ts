import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ReadinessSchema } from './health';

describe('ReadinessSchema', () => {
  it('reads the bodies the server sends with 200 and 503', () => {
    const ready = {
      ready: true,
      database: 'ok',
      schema: 'current',
      problems: [],
      database_kind: 'pglite',
      chemistry: {
        rdkit: { name: 'RDKit.js', state: 'ready', failures: 0, lastFailure: null },
        indigo: { name: 'Indigo', state: 'idle', failures: 0, lastFailure: null }
      }
    };
    assert.deepEqual(ReadinessSchema.parse(ready), ready);
    const pending = {
      ready: false,
      database: 'ok',
      schema: 'pending',
      problems: ['migration 012_x.sql is not applied'],
      database_kind: 'postgres',
      chemistry: {
        rdkit: {
          name: 'RDKit.js',
          state: 'rebuilding',
          failures: 1,
          lastFailure: {
            at: '2026-12-06T10:00:00.000Z',
            reason: 'RuntimeError: memory access out of bounds'
          }
        },
        indigo: { name: 'Indigo', state: 'idle', failures: 0, lastFailure: null }
      }
    };
    assert.deepEqual(ReadinessSchema.parse(pending), pending);
  });

  it('refuses a body without the database kind, without the chemistry engines or with an unknown state', () => {
    const engines = {
      rdkit: { name: 'RDKit.js', state: 'ready', failures: 0, lastFailure: null },
      indigo: { name: 'Indigo', state: 'idle', failures: 0, lastFailure: null }
    };
    const base = {
      ready: true,
      database: 'ok',
      schema: 'current',
      problems: [],
      chemistry: engines
    };
    assert.equal(ReadinessSchema.safeParse(base).success, false);
    assert.equal(
      ReadinessSchema.safeParse({ ...base, schema: 'fine', database_kind: 'pglite' }).success,
      false
    );
    assert.equal(
      ReadinessSchema.safeParse({ ...base, database_kind: 'pglite', chemistry: undefined }).success,
      false
    );
    assert.equal(
      ReadinessSchema.safeParse({
        ...base,
        database_kind: 'pglite',
        chemistry: { ...engines, rdkit: { ...engines.rdkit, state: 'broken' } }
      }).success,
      false
    );
  });
});
