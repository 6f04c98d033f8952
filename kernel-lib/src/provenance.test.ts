import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  recordCitations,
  recordModelUse,
  recordSeedUse,
  recordSnapshotUse,
  resetSessionProvenance,
  sessionProvenance
} from './provenance';

describe('session provenance', () => {
  it('notes each snapshot, model version and seed once, in the order first used', () => {
    resetSessionProvenance();
    const hash = 'a'.repeat(64);
    recordSnapshotUse({ hash, rows: 40, source: 'tg.csv' });
    recordSnapshotUse({ hash, rows: 40, source: 'tg.csv (again)' });
    recordSeedUse({ purpose: 'ridge training', seed: 1 });
    recordSeedUse({ purpose: 'ridge training', seed: 1 });
    recordSeedUse({ purpose: 'ridge training', seed: 2 });
    recordModelUse({ name: 'tg', version: 1, use: 'registered', snapshotHash: hash });
    recordModelUse({ name: 'tg', version: 1, use: 'loaded', snapshotHash: hash });
    recordModelUse({ name: 'tg', version: 1, use: 'loaded', snapshotHash: hash });
    recordCitations([
      { citation: 'Gordon M, Taylor JS (1952)', doi: '10.1002/jctb.5010020901', usedFor: 'Tg' },
      { citation: 'Gordon M, Taylor JS (1952)', usedFor: 'Tg again' }
    ]);
    const seen = sessionProvenance();
    assert.deepEqual(seen.citations, [
      { citation: 'Gordon M, Taylor JS (1952)', doi: '10.1002/jctb.5010020901', usedFor: 'Tg' }
    ]);
    assert.deepEqual(seen.snapshots, [{ hash, rows: 40, source: 'tg.csv' }]);
    assert.deepEqual(
      seen.seeds.map(s => s.seed),
      [1, 2]
    );
    assert.deepEqual(
      seen.models.map(m => m.use),
      ['registered', 'loaded']
    );
    // A copy: changing it changes nothing recorded.
    seen.snapshots.length = 0;
    assert.equal(sessionProvenance().snapshots.length, 1);
    resetSessionProvenance();
    assert.deepEqual(sessionProvenance(), {
      files: [],
      snapshots: [],
      models: [],
      seeds: [],
      citations: []
    });
  });
});
