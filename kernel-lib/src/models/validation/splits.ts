import { SeededRandom } from '../random';
import { checkGroups, checkSeed, ModelValidationError } from './errors';

/** One cross-validation fold: sample indices to train on and to test on, each ascending. */
export interface Fold {
  train: number[];
  test: number[];
}

/**
 * k-fold split of n samples: the indices are shuffled with the seed and dealt into k test folds
 * whose sizes differ by at most one (the first n mod k folds get the extra sample). Every index is
 * in exactly one test fold; each fold trains on all the others.
 */
export function kFold(n: number, k: number, seed: number): Fold[] {
  if (!Number.isSafeInteger(n) || n < 2) {
    throw new ModelValidationError('n', `must be an integer of at least 2 samples, got ${n}`);
  }
  Private.checkK(k);
  checkSeed(seed);
  if (k > n) {
    throw new ModelValidationError('k', `asks for ${k} folds but there are only ${n} samples`);
  }
  const order = new SeededRandom(seed).shuffle(Array.from({ length: n }, (_, i) => i));
  const foldOf = new Array<number>(n);
  const base = Math.floor(n / k);
  const extra = n % k;
  let position = 0;
  for (let fold = 0; fold < k; fold++) {
    const size = base + (fold < extra ? 1 : 0);
    for (let j = 0; j < size; j++) {
      foldOf[order[position++]] = fold;
    }
  }
  return Private.foldsFromAssignment(foldOf, k);
}

/**
 * Grouped k-fold: all samples of a group (e.g. one molecule's InChIKey or scaffold) land in the
 * same test fold, so a model is never tested on a molecule it was trained on. Groups are placed
 * largest first, each into the test fold with the fewest samples so far (lowest fold number on a
 * tie) — the greedy "longest processing time" rule, which keeps every fold within one largest
 * group of the others. Groups of equal size are ordered by a shuffle with the seed, so the seed
 * decides which equal-sized groups go together.
 */
export function groupKFold(groups: string[], k: number, seed: number): Fold[] {
  checkGroups(groups);
  Private.checkK(k);
  checkSeed(seed);
  const members = new Map<string, number[]>();
  groups.forEach((group, i) => {
    const list = members.get(group);
    if (list) {
      list.push(i);
    } else {
      members.set(group, [i]);
    }
  });
  if (members.size < k) {
    throw new ModelValidationError(
      'groups',
      `has ${members.size} distinct groups but ${k} folds were asked for; grouped k-fold needs at least one group per fold`
    );
  }
  // Shuffle first, then a stable sort by size: equal-sized groups keep their seeded order.
  const order = new SeededRandom(seed).shuffle([...members.keys()].sort());
  order.sort((a, b) => members.get(b)!.length - members.get(a)!.length);
  const foldSizes = new Array<number>(k).fill(0);
  const foldOf = new Array<number>(groups.length);
  for (const group of order) {
    let smallest = 0;
    for (let fold = 1; fold < k; fold++) {
      if (foldSizes[fold] < foldSizes[smallest]) {
        smallest = fold;
      }
    }
    for (const i of members.get(group)!) {
      foldOf[i] = smallest;
    }
    foldSizes[smallest] += members.get(group)!.length;
  }
  return Private.foldsFromAssignment(foldOf, k);
}

namespace Private {
  export function checkK(k: number): void {
    if (!Number.isSafeInteger(k) || k < 2) {
      throw new ModelValidationError('k', `must be an integer of at least 2 folds, got ${k}`);
    }
  }

  export function foldsFromAssignment(foldOf: number[], k: number): Fold[] {
    const folds: Fold[] = Array.from({ length: k }, () => ({ train: [], test: [] }));
    foldOf.forEach((owner, i) => {
      folds.forEach((fold, f) => (f === owner ? fold.test : fold.train).push(i));
    });
    return folds;
  }
}
