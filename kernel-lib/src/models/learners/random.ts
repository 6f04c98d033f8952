import { SeededRandom as SharedRandom } from '../random';

/**
 * The learners' view of the shared seeded generator (models/random.ts, xoshiro128**): shuffles,
 * validation splits and initializer seeds. One generator for the whole pipeline, so a model's
 * seed means the same sequence everywhere; never Math.random.
 */
export class SeededRandom {
  private readonly random: SharedRandom;

  constructor(seed: number) {
    if (!Number.isInteger(seed)) {
      throw new RangeError(`seed must be an integer, got ${seed}`);
    }
    this.random = new SharedRandom(seed);
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.random.nextFloat();
  }

  /** Uniform integer in [0, n). */
  integer(n: number): number {
    return this.random.nextInt(n);
  }

  /** A non-negative 31-bit integer, for libraries that take their own integer seed. */
  seed(): number {
    return this.random.nextInt(2147483647);
  }

  /** A new array with the items in a uniformly random order (Fisher-Yates). */
  shuffled<T>(items: readonly T[]): T[] {
    return this.random.shuffle(items.slice());
  }
}
