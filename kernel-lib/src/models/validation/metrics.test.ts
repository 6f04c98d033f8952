import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { SeededRandom } from '../random';
import { bootstrapInterval, mae, quantile, r2, rmse } from './index';

describe('metrics', () => {
  it('computes MAE, RMSE and R² by their definitions', () => {
    const y = [1, 2, 3, 4];
    const p = [1, 2, 4, 2];
    assert.equal(mae(y, p), 0.75);
    assert.equal(rmse(y, p), Math.sqrt(5 / 4));
    // SS_tot = 2.25 + 0.25 + 0.25 + 2.25 = 5, SS_res = 5.
    assert.equal(r2(y, p), 0);
    assert.equal(r2(y, y), 1);
    assert.ok(r2(y, [4, 3, 2, 1]) < 0);
  });

  it('refuses constant y for R², mismatched lengths and non-finite values', () => {
    assert.throws(() => r2([2, 2, 2], [1, 2, 3]), /yTrue: is constant, so R² .* is undefined/);
    assert.throws(() => mae([1, 2], [1]), /yPred: has 1 values but 2 are needed/);
    assert.throws(() => rmse([1, NaN], [1, 2]), /yTrue\[1\]: must be a finite number/);
    assert.throws(() => mae([], []), /yTrue: is empty/);
  });

  it('orders RMSE ≥ MAE ≥ 0 on any data', () => {
    // Values in steps of 1/64 K: squares of subnormal doubles would underflow to 0.
    const measured = fc.integer({ min: -64e6, max: 64e6 }).map(v => v / 64);
    fc.assert(
      fc.property(fc.array(fc.tuple(measured, measured), { minLength: 1 }), pairs => {
        const y = pairs.map(p => p[0]);
        const q = pairs.map(p => p[1]);
        assert.ok(rmse(y, q) >= mae(y, q) * (1 - 1e-12) && mae(y, q) >= 0);
      })
    );
  });

  it('interpolates quantiles as R type 7', () => {
    assert.equal(quantile([1, 2, 3, 4], 0.5), 2.5);
    assert.equal(quantile([1, 2, 3, 4], 0), 1);
    assert.equal(quantile([1, 2, 3, 4], 1), 4);
    assert.equal(quantile([10, 20, 30, 40, 50], 0.9), 46);
  });
});

describe('bootstrapInterval', () => {
  const random = new SeededRandom(99);
  const yTrue = Array.from({ length: 200 }, () => random.normal(200, 30));
  const yPred = yTrue.map(y => y + random.normal(0, 10));

  it('brackets the metric, is deterministic per seed and describes itself', () => {
    const result = bootstrapInterval(yTrue, yPred, mae, { seed: 1 });
    assert.ok(result.lower < result.value && result.value < result.upper);
    assert.equal(result.level, 0.95);
    assert.equal(result.resamples, 1000);
    assert.equal(result.method, 'percentile bootstrap over samples');
    assert.deepEqual(bootstrapInterval(yTrue, yPred, mae, { seed: 1 }), result);
    assert.notDeepEqual(bootstrapInterval(yTrue, yPred, mae, { seed: 2 }), result);
    // MAE of N(0, 10) errors: 10·sqrt(2/π) = 7.98; the 95 % interval from 200 samples should hold it.
    assert.ok(result.lower < 7.98 && 7.98 < result.upper, JSON.stringify(result));
  });

  it('resamples whole groups when groups are given, widening intervals for repeated measurements', () => {
    // Each molecule measured 5 times with identical error: 40 molecules of evidence, not 200.
    const base = Array.from({ length: 40 }, (_, i) => ({ y: yTrue[i], p: yPred[i] }));
    const y = base.flatMap(b => Array<number>(5).fill(b.y));
    const p = base.flatMap(b => Array<number>(5).fill(b.p));
    const groups = base.flatMap((_, i) => Array<string>(5).fill(`m${i}`));
    const naive = bootstrapInterval(y, p, rmse, { seed: 3 });
    const cluster = bootstrapInterval(y, p, rmse, { seed: 3, groups });
    assert.equal(cluster.method, 'cluster percentile bootstrap over groups');
    assert.equal(cluster.groups, 40);
    assert.equal(cluster.value, naive.value);
    // Width scales as 1/sqrt(number of independent units): about sqrt(5) = 2.2 times wider.
    const ratio = (cluster.upper - cluster.lower) / (naive.upper - naive.lower);
    assert.ok(ratio > 1.6 && ratio < 3, `ratio ${ratio}`);
  });

  it('counts resamples where the metric is undefined and checks its options', () => {
    const result = bootstrapInterval([1, 1, 1, 2], [1, 1, 1, 1.5], r2, { seed: 0, resamples: 200 });
    assert.ok(result.undefinedResamples > 0 && result.undefinedResamples < 200);
    assert.throws(
      () => bootstrapInterval([1, 2], [1, 2], mae, { seed: 0, level: 1 }),
      /options.level/
    );
    assert.throws(
      () => bootstrapInterval([1, 2], [1, 2], mae, { seed: 0, resamples: 0 }),
      /options.resamples/
    );
    assert.throws(
      () => bootstrapInterval([1, 2], [1, 2], mae, { seed: 0, groups: ['a'] }),
      /options.groups: has 1 entries but there are 2 samples/
    );
  });
});
