import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { adaptiveIntervals, calibrateAdaptive, distanceSpace, novelty } from './adaptive';
import { kFold } from './splits';

describe('adaptive intervals and applicability domain', () => {
  it('weighs each family the same whatever its number of columns, and drops constant columns', () => {
    // One descriptor column and four fingerprint columns, plus a constant one.
    const X = [
      [0, 0, 0, 0, 0, 7],
      [2, 0, 0, 0, 0, 7],
      [0, 2, 2, 2, 2, 7]
    ];
    const families = ['descriptors', 'morgan', 'morgan', 'morgan', 'morgan', 'morgan'];
    const space = distanceSpace(X, families, 1);
    assert.deepEqual(space.columns, [0, 1, 2, 3, 4]);
    assert.deepEqual(space.weights, [0.5, 0.125, 0.125, 0.125, 0.125]);
    // Moving one descriptor by one SD counts as much as moving all four fingerprint columns by one SD.
    const sd0 = space.scale[0];
    const sd1 = space.scale[1];
    const [alongDescriptor, alongMorgan] = novelty(space, [
      [sd0, 0, 0, 0, 0, 7],
      [0, sd1, sd1, sd1, sd1, 7]
    ]);
    assert.ok(Math.abs(alongDescriptor - alongMorgan) < 1e-12);
    assert.ok(Math.abs(alongDescriptor - Math.sqrt(0.5)) < 1e-12);
    // A training row is at distance 0 from itself.
    assert.deepEqual(novelty(space, [X[1]]), [0]);
    assert.throws(() => distanceSpace(X, ['descriptors']), /families: has 1 names for 6 columns/);
  });

  it('calibrates on out-of-fold predictions and widens with the distance', () => {
    const X = Array.from({ length: 60 }, (_, i) => [i % 10, Math.floor(i / 10)]);
    const y = X.map(([a, b]) => a + b + ((a * 7 + b * 3) % 5) - 2);
    const predictions = X.map(([a, b]) => a + b);
    const folds = kFold(60, 5, 1);
    const { adaptive, intervals, comparison } = calibrateAdaptive(
      { X, families: ['a', 'b'], y },
      { predictions, folds },
      0.9
    );
    assert.equal(intervals.lower.length, 60);
    assert.equal(comparison.constant.count, 60);
    assert.equal(adaptive.calibrationSize, 60);
    assert.ok(adaptive.beta > 0 && adaptive.quantile > 0);
    const [near, far] = adaptiveIntervals(
      adaptive,
      [
        [4, 3],
        [40, 30]
      ],
      [7, 70]
    );
    assert.ok(near.inDomain && !far.inDomain);
    assert.ok(far.upper - far.lower > 10 * (near.upper - near.lower));
    assert.ok(near.lower < 7 && near.upper > 7);
  });

  it('falls back to constant widths when every distance is zero (one structure measured many times)', () => {
    const X = Array.from({ length: 40 }, () => [1, 2]);
    const y = X.map((_, i) => (i % 7) - 3);
    const { adaptive } = calibrateAdaptive(
      { X: X.map((row, i) => [row[0] + (i % 2) * 1e-300, row[1]]), families: ['a', 'a'], y },
      { predictions: y.map(() => 0), folds: kFold(40, 4, 2) },
      0.9
    );
    assert.equal(adaptive.beta, 1);
    const [a, b] = adaptiveIntervals(adaptive, [X[0], X[1]], [0, 0]);
    assert.equal(a.upper - a.lower, b.upper - b.lower);
  });
});
