import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { groupKFold, kFold, ModelValidationError, type Fold } from './index';

/** Every index in exactly one test fold, train = the rest, disjoint, ascending. */
function assertPartition(folds: Fold[], n: number): void {
  const seen = new Array<number>(n).fill(0);
  for (const { train, test } of folds) {
    assert.ok(test.length > 0, 'no empty test fold');
    const inTest = new Set(test);
    assert.ok(
      train.every(i => !inTest.has(i)),
      'train ∩ test = ∅'
    );
    assert.equal(train.length + test.length, n);
    assert.deepEqual(
      [...train, ...test].sort((a, b) => a - b),
      Array.from({ length: n }, (_, i) => i)
    );
    test.forEach(i => seen[i]++);
  }
  assert.ok(
    seen.every(count => count === 1),
    'every index in exactly one test fold'
  );
}

describe('kFold', () => {
  it('partitions the samples into k balanced, disjoint test folds, the same for the same seed', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 300 }),
        fc.integer({ min: 2, max: 12 }),
        fc.integer(),
        (n, kWanted, seed) => {
          const k = Math.min(kWanted, n);
          const folds = kFold(n, k, seed);
          assert.equal(folds.length, k);
          assertPartition(folds, n);
          const sizes = folds.map(f => f.test.length);
          assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1);
          assert.deepEqual(kFold(n, k, seed), folds);
        }
      )
    );
  });

  it('depends on the seed', () => {
    assert.notDeepEqual(kFold(100, 5, 1), kFold(100, 5, 2));
  });

  it('refuses impossible requests with the field named', () => {
    assert.throws(() => kFold(3, 5, 0), /k: asks for 5 folds but there are only 3 samples/);
    assert.throws(() => kFold(10, 1, 0), /k: must be an integer of at least 2/);
    assert.throws(() => kFold(10, 2, 0.5), ModelValidationError);
  });
});

describe('groupKFold', () => {
  const groupsArbitrary = fc
    .array(fc.integer({ min: 0, max: 30 }), { minLength: 2, maxLength: 200 })
    .map(ids => ids.map(id => `molecule-${id}`));

  it('keeps every group in one fold, partitions the samples, balances folds, and is deterministic', () => {
    fc.assert(
      fc.property(
        groupsArbitrary,
        fc.integer({ min: 2, max: 6 }),
        fc.integer(),
        (groups, k, seed) => {
          const distinct = new Set(groups).size;
          fc.pre(distinct >= k);
          const folds = groupKFold(groups, k, seed);
          assert.equal(folds.length, k);
          assertPartition(folds, groups.length);
          for (const { train, test } of folds) {
            const testGroups = new Set(test.map(i => groups[i]));
            assert.ok(
              train.every(i => !testGroups.has(groups[i])),
              'no group in train and test'
            );
          }
          // Greedy largest-first keeps folds within one largest group of each other.
          const counts = new Map<string, number>();
          groups.forEach(g => counts.set(g, (counts.get(g) ?? 0) + 1));
          const largest = Math.max(...counts.values());
          const sizes = folds.map(f => f.test.length);
          assert.ok(Math.max(...sizes) - Math.min(...sizes) <= largest);
          assert.deepEqual(groupKFold(groups, k, seed), folds);
        }
      )
    );
  });

  it('places equal-sized groups by the seed', () => {
    const groups = Array.from({ length: 40 }, (_, i) => `g${i % 20}`);
    const assignments = new Set(
      [1, 2, 3, 4, 5].map(seed => JSON.stringify(groupKFold(groups, 4, seed)))
    );
    assert.ok(assignments.size > 1);
  });

  it('balances by sample count, largest group first', () => {
    // Sizes 5, 3, 3, 2, 1 into 2 folds: 5 -> fold 0; 3 -> fold 1; 3 -> fold 1 (6); 2 -> fold 0 (7); 1 -> fold 1 (7).
    const groups = [
      ...Array<string>(5).fill('A'),
      ...Array<string>(3).fill('B'),
      ...Array<string>(3).fill('C'),
      ...Array<string>(2).fill('D'),
      'E'
    ];
    const sizes = groupKFold(groups, 2, 0).map(f => f.test.length);
    assert.deepEqual(sizes, [7, 7]);
  });

  it('says so when there are fewer groups than folds, and names bad group entries', () => {
    assert.throws(
      () => groupKFold(['a', 'a', 'b', 'b'], 3, 0),
      /groups: has 2 distinct groups but 3 folds were asked for/
    );
    assert.throws(() => groupKFold(['a', '', 'b'], 2, 0), /groups\[1\]: must be a non-empty text/);
  });
});
