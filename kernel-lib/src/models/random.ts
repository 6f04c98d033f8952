/**
 * The seeded random numbers of the model pipeline: splits, bootstrap resamples, permutations,
 * network initialisation. Everything random in a training run draws from a `SeededRandom` so the
 * same seed gives the same model; Math.random is never used.
 *
 * Generator: xoshiro128** 1.1 (D. Blackman and S. Vigna, "Scrambled linear pseudorandom number
 * generators", ACM Trans. Math. Softw. 47(4), 2021; reference C code
 * https://prng.di.unimi.it/xoshiro128starstar.c), 128 bits of state, period 2^128 - 1, passing
 * BigCrush. Its state is filled from the seed with SplitMix64 (G. Steele, D. Lea, C. Flood, "Fast
 * splittable pseudorandom number generators", OOPSLA 2014; https://prng.di.unimi.it/splitmix64.c),
 * as Vigna recommends: the first SplitMix64 output gives state words 0 (low 32 bits) and 1 (high),
 * the second words 2 and 3.
 *
 * Written here rather than taken from npm on purpose: the exact sequence for a seed is part of a
 * registered model's reproducibility, so it must not change with a dependency upgrade. The tests
 * pin it to outputs of the reference C code.
 */
export class SeededRandom {
  /** The seed this generator started from (any safe integer, negative included). */
  readonly seed: number;
  private readonly state: Uint32Array;

  constructor(seed: number) {
    Private.checkSeed(seed, 'seed');
    this.seed = seed;
    const mixer = { x: BigInt.asUintN(64, BigInt(seed)) };
    const a = Private.splitMix64(mixer);
    const b = Private.splitMix64(mixer);
    this.state = new Uint32Array([
      Number(a & 0xffffffffn),
      Number(a >> 32n),
      Number(b & 0xffffffffn),
      Number(b >> 32n)
    ]);
  }

  /** Build a generator from the raw 128-bit state (four 32-bit words), as the reference C code does; for tests. */
  static fromState(words: readonly [number, number, number, number]): SeededRandom {
    const generator = new SeededRandom(0);
    words.forEach((word, i) => {
      if (!Number.isInteger(word) || word < 0 || word > 0xffffffff) {
        throw new RangeError(`state[${i}] must be an integer from 0 to 2^32 - 1, got ${word}`);
      }
      generator.state[i] = word;
    });
    if (words.every(word => word === 0)) {
      throw new RangeError('state must not be all zero (xoshiro never leaves it)');
    }
    return generator;
  }

  /** The next 32-bit output of xoshiro128**, an integer in [0, 2^32). */
  nextUint32(): number {
    const s = this.state;
    const result = Math.imul(Private.rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = Private.rotl(s[3], 11);
    return result;
  }

  /** A uniform double in [0, 1) with all 53 bits random (two 32-bit outputs: 27 high bits, then 26). */
  nextFloat(): number {
    const high = this.nextUint32() >>> 5;
    const low = this.nextUint32() >>> 6;
    return (high * 67108864 + low) / 9007199254740992;
  }

  /**
   * A uniform integer in [0, n), without modulo bias: 32-bit outputs at or above the largest
   * multiple of n below 2^32 are rejected and drawn again. n is an integer from 1 to 2^32.
   */
  nextInt(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > 4294967296) {
      throw new RangeError(`nextInt(n): n must be an integer from 1 to 2^32, got ${n}`);
    }
    // x - floor(x / n) * n is x % n exactly for these integers (all below 2^32, so the quotient
    // is exact), without the floating-point remainder V8 uses for numbers above 2^31: the tree
    // learners draw tens of millions of these per fit.
    const accepted = 4294967296 - (4294967296 - Math.floor(4294967296 / n) * n);
    let x = this.nextUint32();
    while (x >= accepted) {
      x = this.nextUint32();
    }
    return x - Math.floor(x / n) * n;
  }

  /**
   * Shuffle the array in place and return it: Fisher–Yates (Durstenfeld's form; Knuth, TAOCP
   * vol. 2, Algorithm 3.4.2P), every permutation equally likely.
   */
  shuffle<T>(array: T[]): T[] {
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.nextInt(i + 1);
      const held = array[i];
      array[i] = array[j];
      array[j] = held;
    }
    return array;
  }

  /**
   * A normal deviate, N(mean, sd^2), by the Box–Muller transform (Box and Muller, Ann. Math.
   * Statist. 29(2), 1958). Each call draws two uniforms and uses one result (no cached spare, so
   * the sequence depends only on the number of calls).
   */
  normal(mean = 0, sd = 1): number {
    const u = 1 - this.nextFloat(); // (0, 1]: log(u) stays finite
    const v = this.nextFloat();
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}

/**
 * A seed for a sub-task derived from a parent seed and labels, e.g. `deriveSeed(seed, 'fold', 3)`
 * for the regressor of fold 3: the same inputs always give the same seed, different labels give
 * unrelated seeds, so adding a sub-task does not shift the random numbers of the others. The labels
 * are hashed with FNV-1a (64-bit) and mixed with the SplitMix64 finaliser; the result is a
 * non-negative safe integer (53 bits).
 */
export function deriveSeed(seed: number, ...labels: (string | number)[]): number {
  Private.checkSeed(seed, 'seed');
  let h = Private.mix64(BigInt.asUintN(64, BigInt(seed)));
  labels.forEach((label, i) => {
    let part: bigint;
    if (typeof label === 'number') {
      Private.checkSeed(label, `labels[${i}]`);
      part = Private.mix64(BigInt.asUintN(64, BigInt(label)) ^ 0x6e756d626572n);
    } else {
      part = Private.fnv1a64(label);
    }
    h = Private.mix64(BigInt.asUintN(64, (h ^ part) + 0x9e3779b97f4a7c15n));
  });
  return Number(h >> 11n);
}

namespace Private {
  export function checkSeed(seed: unknown, field: string): void {
    if (typeof seed !== 'number' || !Number.isSafeInteger(seed)) {
      throw new RangeError(`${field} must be a safe integer, got ${String(seed)}`);
    }
  }

  export function rotl(x: number, k: number): number {
    return (x << k) | (x >>> (32 - k));
  }

  /** One step of SplitMix64 on a 64-bit counter held as a bigint. */
  export function splitMix64(counter: { x: bigint }): bigint {
    counter.x = BigInt.asUintN(64, counter.x + 0x9e3779b97f4a7c15n);
    return mix64(counter.x);
  }

  /** The SplitMix64 output function (a bijection on 64-bit words). */
  export function mix64(value: bigint): bigint {
    let z = value;
    z = BigInt.asUintN(64, (z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n);
    z = BigInt.asUintN(64, (z ^ (z >> 27n)) * 0x94d049bb133111ebn);
    return z ^ (z >> 31n);
  }

  /** FNV-1a, 64-bit, over the UTF-16 code units of the text (http://www.isthe.com/chongo/tech/comp/fnv/). */
  export function fnv1a64(text: string): bigint {
    let h = 0xcbf29ce484222325n;
    for (let i = 0; i < text.length; i++) {
      h = BigInt.asUintN(64, (h ^ BigInt(text.charCodeAt(i))) * 0x100000001b3n);
    }
    return h;
  }
}
