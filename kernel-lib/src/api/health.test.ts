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
      database_kind: 'pglite'
    };
    assert.deepEqual(ReadinessSchema.parse(ready), ready);
    const pending = {
      ready: false,
      database: 'ok',
      schema: 'pending',
      problems: ['migration 012_x.sql is not applied'],
      database_kind: 'postgres'
    };
    assert.deepEqual(ReadinessSchema.parse(pending), pending);
  });

  it('refuses a body without the database kind or with an unknown schema state', () => {
    const base = { ready: true, database: 'ok', schema: 'current', problems: [] };
    assert.equal(ReadinessSchema.safeParse(base).success, false);
    assert.equal(
      ReadinessSchema.safeParse({ ...base, schema: 'fine', database_kind: 'pglite' }).success,
      false
    );
  });
});
