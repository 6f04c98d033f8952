import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { deriveSeed, SeededRandom } from './random';

describe('SeededRandom (xoshiro128** seeded by SplitMix64)', () => {
  it('reproduces the reference C code of xoshiro128** from the state {1, 2, 3, 4}', () => {
    // Printed by the reference xoshiro128starstar.c (prng.di.unimi.it) compiled with gcc.
    const generator = SeededRandom.fromState([1, 2, 3, 4]);
    const outputs = Array.from({ length: 6 }, () => generator.nextUint32());
    assert.deepEqual(outputs, [11520, 0, 5927040, 70819200, 2031721883, 1637235492]);
  });

  it('seeds the state with SplitMix64 as documented (reference C code, seed 42)', () => {
    const generator = new SeededRandom(42);
    const outputs = Array.from({ length: 6 }, () => generator.nextUint32());
    assert.deepEqual(
      outputs,
      [1776835114, 4165204688, 17111135, 2317295270, 2792088233, 2554630222]
    );
  });

  it('gives the same sequence for the same seed and different ones for different seeds', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), fc.nat(), (seed, offset) => {
        const a = new SeededRandom(seed);
        const b = new SeededRandom(seed);
        const c = new SeededRandom(seed + 1 + offset);
        const draw = (g: SeededRandom) => [
          g.nextUint32(),
          g.nextFloat(),
          g.nextInt(7),
          g.normal(),
          ...g.shuffle([1, 2, 3, 4, 5, 6, 7, 8])
        ];
        const first = draw(a);
        assert.deepEqual(first, draw(b));
        assert.notDeepEqual(first, draw(c));
      }),
      { numRuns: 200 }
    );
  });

  it('refuses seeds that are not safe integers', () => {
    for (const bad of [0.5, NaN, Infinity, 2 ** 53, '3' as unknown as number]) {
      assert.throws(() => new SeededRandom(bad), /seed must be a safe integer/);
    }
    assert.throws(() => SeededRandom.fromState([0, 0, 0, 0]), /all zero/);
  });

  it('draws floats in [0, 1) and integers in [0, n) with the expected mean', () => {
    const generator = new SeededRandom(7);
    const draws = 20000;
    let floatSum = 0;
    const counts = new Array<number>(6).fill(0);
    for (let i = 0; i < draws; i++) {
      const x = generator.nextFloat();
      assert.ok(x >= 0 && x < 1);
      floatSum += x;
      counts[generator.nextInt(6)]++;
    }
    // Mean of U(0,1): 0.5 with standard error sqrt(1/12/20000) = 0.002; 5 SE tolerance.
    assert.ok(Math.abs(floatSum / draws - 0.5) < 0.01);
    // Each face: expected 3333.3, binomial SE sqrt(20000 * 1/6 * 5/6) = 52.7; 5 SE tolerance.
    for (const count of counts) {
      assert.ok(Math.abs(count - draws / 6) < 5 * 52.7, `face count ${count}`);
    }
    assert.throws(() => generator.nextInt(0), /n must be an integer from 1 to 2\^32/);
    assert.throws(() => generator.nextInt(2.5), /n must be an integer/);
    assert.equal(generator.nextInt(1), 0);
  });

  it('shuffles into a permutation, each position uniformly', () => {
    fc.assert(
      fc.property(fc.integer(), fc.array(fc.integer(), { maxLength: 50 }), (seed, items) => {
        const shuffled = new SeededRandom(seed).shuffle([...items]);
        assert.deepEqual(
          [...shuffled].sort((a, b) => a - b),
          [...items].sort((a, b) => a - b)
        );
      })
    );
    // Where element 0 of [0..4] lands: each of 5 places with p = 0.2; SE sqrt(10000*0.2*0.8) = 40.
    const generator = new SeededRandom(11);
    const landed = new Array<number>(5).fill(0);
    for (let i = 0; i < 10000; i++) {
      landed[generator.shuffle([0, 1, 2, 3, 4]).indexOf(0)]++;
    }
    for (const count of landed) {
      assert.ok(Math.abs(count - 2000) < 5 * 40, `position count ${count}`);
    }
  });

  it('draws normal deviates with the requested mean and standard deviation', () => {
    const generator = new SeededRandom(3);
    const n = 20000;
    const xs = Array.from({ length: n }, () => generator.normal(10, 2));
    const mean = xs.reduce((s, x) => s + x, 0) / n;
    const sd = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1));
    // SE of the mean 2/sqrt(n) = 0.014; SE of the sd about 2/sqrt(2n) = 0.01; 5 SE tolerances.
    assert.ok(Math.abs(mean - 10) < 0.07, `mean ${mean}`);
    assert.ok(Math.abs(sd - 2) < 0.05, `sd ${sd}`);
    assert.ok(xs.every(Number.isFinite));
  });
});

describe('deriveSeed', () => {
  it('is deterministic, label-sensitive and gives safe integers', () => {
    assert.equal(deriveSeed(5, 'fold', 0), deriveSeed(5, 'fold', 0));
    assert.notEqual(deriveSeed(5, 'fold', 0), deriveSeed(5, 'fold', 1));
    assert.notEqual(deriveSeed(5, 'fold', 0), deriveSeed(6, 'fold', 0));
    assert.notEqual(deriveSeed(5, 'fold', 0), deriveSeed(5, 'repeat', 0));
    assert.notEqual(deriveSeed(5, 'ab', 'c'), deriveSeed(5, 'a', 'bc'));
    fc.assert(
      fc.property(fc.integer(), fc.array(fc.oneof(fc.string(), fc.integer())), (seed, labels) => {
        const derived = deriveSeed(seed, ...labels);
        assert.ok(Number.isSafeInteger(derived) && derived >= 0);
        assert.equal(derived, deriveSeed(seed, ...labels));
      })
    );
    assert.throws(() => deriveSeed(1, 0.5), /labels\[0\] must be a safe integer/);
  });
});
