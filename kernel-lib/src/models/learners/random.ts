/**
 * A small seeded generator for the learners (shuffles, validation splits, initializer seeds).
 * Private to this directory until the shared models/random.ts lands; never Math.random, so the same
 * seed gives the same model.
 *
 * mulberry32 (Tommy Ettinger, public domain): a 32-bit state, full period 2^32, passes
 * PractRand to 2^35 bytes; plenty for shuffling a few thousand rows.
 */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    if (!Number.isInteger(seed)) {
      throw new RangeError(`seed must be an integer, got ${seed}`);
    }
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform integer in [0, n). */
  integer(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** A non-negative 31-bit integer, for libraries that take their own integer seed. */
  seed(): number {
    return Math.floor(this.next() * 2147483647);
  }

  /** A new array with the items in a uniformly random order (Fisher-Yates). */
  shuffled<T>(items: readonly T[]): T[] {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.integer(i + 1);
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  }
}
