import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SeededRandom } from '../random';
import {
  clopperPearson,
  ModelValidationError,
  realCoverage,
  realCoverageByMonth,
  type VerifiedResult
} from './index';

const close = (actual: number, expected: number, tolerance: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} vs ${expected}`);

/** A verified result predicted 0 with interval [-1, 1] at `level`, measured `measured`. */
const result = (measured: number, verifiedAt: string, level = 0.9): VerifiedResult => ({
  predicted: 0,
  lower: -1,
  upper: 1,
  level,
  measured,
  verifiedAt
});

describe('Clopper–Pearson interval', () => {
  it('gives the published exact bounds', () => {
    // Reference values: Clopper and Pearson's construction as tabulated, e.g. by R's binom.test
    // (7 of 10: 0.3475–0.9333; 0 of 10: 0–0.3085; 10 of 10: 0.6915–1; 50 of 100: 0.3983–0.6017).
    const cases: [number, number, number, number][] = [
      [7, 10, 0.34755, 0.93326],
      [0, 10, 0, 0.3085],
      [10, 10, 0.6915, 1],
      [50, 100, 0.39832, 0.60168]
    ];
    for (const [k, n, lower, upper] of cases) {
      const interval = clopperPearson(k, n);
      close(interval.lower, lower, 5e-5, `${k}/${n} lower`);
      close(interval.upper, upper, 5e-5, `${k}/${n} upper`);
    }
    // A higher confidence widens it.
    const wide = clopperPearson(7, 10, 0.99);
    assert.ok(wide.lower < 0.34755 && wide.upper > 0.93326);
  });

  it('names the bad argument', () => {
    assert.throws(() => clopperPearson(11, 10), /k: must be a whole number from 0 to n = 10/);
    assert.throws(
      () => clopperPearson(1, 0),
      (e: unknown) => e instanceof ModelValidationError && e.path === 'n'
    );
    assert.throws(
      () => clopperPearson(1, 2, 1),
      /confidence: must be a number strictly between 0 and 1/
    );
  });

  it('contains the true rate at least as often as promised (simulation)', () => {
    // SIMULATION, not lab data: verified results whose intervals truly cover 85 %, 60 per version,
    // 400 versions. The exact interval must contain 0.85 in at least 95 % of them (it is
    // conservative); with 400 versions, 93 % allows for the binomial noise of the check itself.
    const random = new SeededRandom(20261207);
    let contained = 0;
    let flagged = 0;
    for (let version = 0; version < 400; version++) {
      const results = Array.from({ length: 60 }, () =>
        result(random.nextFloat() < 0.85 ? 0 : 2, '2026-11-15T00:00:00Z', 0.85)
      );
      const real = realCoverage(results);
      const interval = real.coverageInterval!;
      if (interval.lower <= 0.85 && 0.85 <= interval.upper) {
        contained++;
      }
      if (real.belowPromise) {
        flagged++;
      }
    }
    assert.ok(contained / 400 >= 0.93, `contained ${contained} of 400`);
    // A version that keeps its promise is flagged at most about α/2 of the time.
    assert.ok(flagged / 400 <= 0.05, `flagged ${flagged} of 400`);
  });

  it('flags a version whose intervals cover far less than promised (simulation)', () => {
    // SIMULATION: intervals that promise 90 % but cover 60 %, 60 verified results per version.
    const random = new SeededRandom(7);
    let flagged = 0;
    for (let version = 0; version < 200; version++) {
      const results = Array.from({ length: 60 }, () =>
        result(random.nextFloat() < 0.6 ? 0.5 : 3, '2026-11-15T00:00:00Z', 0.9)
      );
      if (realCoverage(results).belowPromise) {
        flagged++;
      }
    }
    assert.ok(flagged / 200 >= 0.95, `flagged ${flagged} of 200`);
  });
});

describe('real coverage of a model version', () => {
  it('reports error, coverage and its interval, and the promise it checks', () => {
    const results: VerifiedResult[] = [
      result(0.5, '2026-10-03T10:00:00Z'),
      result(-2, '2026-10-20T10:00:00Z'),
      result(1, '2026-11-02T10:00:00Z'),
      { predicted: 3, lower: null, upper: null, level: null, measured: 4, verifiedAt: '2026-12-01' }
    ];
    const real = realCoverage(results);
    assert.equal(real.count, 4);
    close(real.mae!, (0.5 + 2 + 1 + 1) / 4, 1e-12, 'MAE');
    close(real.rmse!, Math.sqrt((0.25 + 4 + 1 + 1) / 4), 1e-12, 'RMSE');
    assert.equal(real.withInterval, 3);
    assert.equal(real.covered, 2);
    close(real.coverage!, 2 / 3, 1e-12, 'coverage');
    assert.equal(real.promisedLevel, 0.9);
    assert.equal(real.belowPromise, false);
    assert.equal(real.coverageInterval!.method, 'Clopper-Pearson exact');

    // Intervals at two levels cannot be pooled into one promise.
    const mixed = realCoverage([result(0, '2026-10-01', 0.9), result(0, '2026-10-02', 0.8)]);
    assert.equal(mixed.promisedLevel, null);
    assert.equal(mixed.belowPromise, false);

    const nothing = realCoverage([]);
    assert.deepEqual(
      [nothing.count, nothing.mae, nothing.coverage, nothing.coverageInterval],
      [0, null, null, null]
    );
  });

  it('accumulates month by month', () => {
    const months = realCoverageByMonth([
      result(5, '2026-11-02T10:00:00Z'),
      result(0, '2026-10-03T10:00:00Z'),
      result(0, '2026-10-20T10:00:00Z'),
      result(0, '2026-12-31T23:00:00Z')
    ]);
    assert.deepEqual(
      months.map(m => [m.month, m.count, m.covered]),
      [
        ['2026-10', 2, 2],
        ['2026-11', 3, 2],
        ['2026-12', 4, 3]
      ]
    );
  });

  it('names the result and field that cannot be used', () => {
    assert.throws(
      () => realCoverage([{ ...result(0, '2026-10-01'), measured: Number.NaN }]),
      /results\[0\]\.measured: must be a finite number/
    );
    assert.throws(
      () => realCoverage([result(0, '2026-10-01'), { ...result(0, '2026-10-01'), upper: null }]),
      /results\[1\]: give both lower and upper, or neither/
    );
    assert.throws(
      () => realCoverage([{ ...result(0, '2026-10-01'), upper: -2 }]),
      /results\[0\]\.upper: is below lower/
    );
    assert.throws(
      () => realCoverageByMonth([{ ...result(0, 'yesterday') }]),
      /results\[0\]\.verifiedAt: is not a date/
    );
  });
});
