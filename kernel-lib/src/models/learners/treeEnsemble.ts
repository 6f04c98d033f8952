/**
 * Tree ensembles for regression, written here with scikit-learn's rules so numbers compare:
 *
 * - random forest (Breiman 2001): each tree on a bootstrap sample; at each node up to maxFeatures
 *   columns drawn at random, each searched for its best cut (midpoints between neighbouring values,
 *   squared error), as RandomForestRegressor. The rows are sorted once per column and each split
 *   partitions those orders stably, so a tree level costs O(columns x rows), not a sort per node.
 * - extremely randomized trees (Geurts, Ernst & Wehenkel 2006, Machine Learning 63:3-42): every tree
 *   on all rows; each drawn column gets one cut drawn uniformly between its smallest and largest
 *   value at the node, and the best of those cuts wins, as ExtraTreesRegressor.
 *
 * Both visit columns as scikit-learn does: up to maxFeatures of them, constant ones included unless
 * every one visited was constant (a column constant at a node stays constant below it and is never
 * scanned again there); they split only where both sides keep minSamplesLeaf rows, and predict a
 * leaf's mean.
 *
 * Written here because npm has no maintained package for either with per-split column sampling:
 * ml-random-forest 2.1.0 (the previous random-forest learner) draws its columns once per tree and its
 * trees (ml-cart) re-scan a node's rows for every candidate cut, O(rows^2), 31-84x slower than
 * scikit-learn (bench/README.md); ml-xgboost is a 2018 emscripten build of XGBoost.
 */
import { z } from 'zod';
import type { Learner, Matrix, Regressor } from '../types';
import { checkPredictionSet, checkSeed, checkTrainingSet, LearnerInputError } from './data';
import { SeededRandom } from './random';

/** The learner names of the two ensembles. */
export type TreeEnsembleKind = 'random-forest' | 'extra-trees';

export interface TreeEnsembleOptions {
  /** Number of trees. */
  trees?: number;
  /** Columns tried at each split: a fraction in (0, 1] of the columns, or a whole number of them. */
  maxFeatures?: number;
  /** Deepest split level; null for no limit (grow until leaves are pure or too small). */
  maxDepth?: number | null;
  /** A node with fewer training rows than this is not split. */
  minSamplesSplit?: number;
  /** A cut leaving fewer rows than this on either side is not allowed. */
  minSamplesLeaf?: number;
  /** Train each tree on a bootstrap sample of the rows instead of all of them. */
  bootstrap?: boolean;
}

export interface TreeEnsembleParams {
  trees: number;
  maxFeatures: number;
  maxDepth: number | null;
  minSamplesSplit: number;
  minSamplesLeaf: number;
  bootstrap: boolean;
}

/**
 * One tree as parallel arrays over its nodes, root first. A leaf has feature -1 and predicts value;
 * an inner node sends x to left when x[feature] <= threshold, else to right.
 */
export const SavedTreeSchema = z
  .object({
    feature: z.array(z.number().int().min(-1)),
    threshold: z.array(z.number()),
    left: z.array(z.number().int().min(-1)),
    right: z.array(z.number().int().min(-1)),
    value: z.array(z.number())
  })
  .refine(
    t =>
      t.feature.length > 0 &&
      [t.threshold, t.left, t.right, t.value].every(a => a.length === t.feature.length),
    'a tree needs the same positive number of entries in feature, threshold, left, right and value'
  );

export type SavedTree = z.infer<typeof SavedTreeSchema>;

/**
 * A loaded tree must be walkable: children inside the tree and after their parent, columns in
 * range (shared with the gradient-boosted trees, which save their trees the same way).
 */
export function checkSavedTree(
  learner: string,
  tree: SavedTree,
  columns: number,
  index: number
): void {
  const n = tree.feature.length;
  for (let node = 0; node < n; node++) {
    const f = tree.feature[node];
    if (f < 0) {
      continue;
    }
    const children = [tree.left[node], tree.right[node]];
    if (f >= columns || children.some(c => !(c > node && c < n))) {
      throw new LearnerInputError(
        `${learner}: tree ${index} node ${node} refers to a column or child that does not exist`
      );
    }
  }
}

const SavedTreeEnsembleSchema = z.object({
  kind: z.enum(['random-forest', 'extra-trees']),
  params: z.object({
    trees: z.number(),
    maxFeatures: z.number(),
    maxDepth: z.number().nullable(),
    minSamplesSplit: z.number(),
    minSamplesLeaf: z.number(),
    bootstrap: z.boolean()
  }),
  seed: z.number().int(),
  columns: z.number().int().positive(),
  trees: z.array(SavedTreeSchema).min(1)
});

export type SavedTreeEnsemble = z.infer<typeof SavedTreeEnsembleSchema>;

export class TreeEnsembleRegressor implements Regressor {
  private trees: SavedTree[] = [];
  private columns = 0;

  constructor(
    readonly kind: TreeEnsembleKind,
    readonly params: TreeEnsembleParams,
    readonly seed: number
  ) {}

  /** @internal Rebuild from a saved model. */
  static restore(saved: SavedTreeEnsemble): TreeEnsembleRegressor {
    const regressor = new TreeEnsembleRegressor(saved.kind, saved.params, saved.seed);
    saved.trees.forEach((tree, t) =>
      checkSavedTree(Private.label(saved.kind), tree, saved.columns, t)
    );
    regressor.trees = saved.trees;
    regressor.columns = saved.columns;
    return regressor;
  }

  async fit(X: Matrix, y: number[]): Promise<void> {
    const what = Private.label(this.kind);
    const columns = checkTrainingSet(what, X, y);
    const perSplit = Private.featuresPerSplit(what, this.params.maxFeatures, columns);
    const data = Private.columnMajor(X, columns);
    const target = Float64Array.from(y);
    const random = new SeededRandom(this.seed);
    // Column orders are shared by every tree of a forest; extra trees never sort.
    const orders = this.kind === 'random-forest' ? Private.sortedOrders(data) : null;
    const trees: SavedTree[] = [];
    for (let t = 0; t < this.params.trees; t++) {
      trees.push(
        orders
          ? new Private.BestSplitTree(data, target, orders, perSplit, this.params, random).build()
          : new Private.RandomSplitTree(data, target, perSplit, this.params, random).build()
      );
    }
    this.trees = trees;
    this.columns = columns;
  }

  async predict(X: Matrix): Promise<number[]> {
    return (await this.predictWithSpread(X)).mean;
  }

  /** The mean over trees and the trees' standard deviation per row (spread of the ensemble). */
  async predictWithSpread(X: Matrix): Promise<{ mean: number[]; spread: number[] }> {
    this.requireFitted();
    checkPredictionSet(Private.label(this.kind), X, this.columns);
    const mean: number[] = [];
    const spread: number[] = [];
    for (const row of X) {
      const values = this.trees.map(tree => Private.predictOne(tree, row));
      const m = values.reduce((a, b) => a + b, 0) / values.length;
      mean.push(m);
      spread.push(Math.sqrt(values.reduce((s, v) => s + (v - m) ** 2, 0) / values.length));
    }
    return { mean, spread };
  }

  toJSON(): SavedTreeEnsemble {
    this.requireFitted();
    return {
      kind: this.kind,
      params: this.params,
      seed: this.seed,
      columns: this.columns,
      trees: this.trees
    };
  }

  private requireFitted(): void {
    if (this.trees.length === 0) {
      throw new LearnerInputError(
        `${Private.label(this.kind)}: predict or toJSON called before fit`
      );
    }
  }
}

export interface TreeEnsembleLearner extends Learner {
  name: TreeEnsembleKind;
  params: Record<string, unknown> & TreeEnsembleParams;
  create(seed: number): TreeEnsembleRegressor;
  fromJSON(json: unknown): TreeEnsembleRegressor;
}

/**
 * A random forest. Defaults are scikit-learn's RandomForestRegressor's (all columns at each split,
 * bootstrap, grown until leaves are pure), with 100 trees.
 */
export function forestLearner(options: TreeEnsembleOptions = {}): TreeEnsembleLearner {
  return Private.learner('random-forest', options, { trees: 100, bootstrap: true });
}

/**
 * Extremely randomized trees. Defaults are scikit-learn's ExtraTreesRegressor's except the number
 * of trees (300 rather than 100: cheap here, and steadier out-of-fold numbers on small data).
 */
export function extraTreesLearner(options: TreeEnsembleOptions = {}): TreeEnsembleLearner {
  return Private.learner('extra-trees', options, { trees: 300, bootstrap: false });
}

namespace Private {
  export function swap(a: Int32Array, i: number, j: number): void {
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }

  export function label(kind: TreeEnsembleKind): string {
    return kind === 'random-forest' ? 'random forest' : 'extra trees';
  }

  export function learner(
    kind: TreeEnsembleKind,
    options: TreeEnsembleOptions,
    defaults: { trees: number; bootstrap: boolean }
  ): TreeEnsembleLearner {
    const what = label(kind);
    const known = new Set([
      'trees',
      'maxFeatures',
      'maxDepth',
      'minSamplesSplit',
      'minSamplesLeaf',
      'bootstrap'
    ]);
    const unknown = Object.keys(options).filter(k => !known.has(k));
    if (unknown.length > 0) {
      throw new LearnerInputError(
        `${what}: unknown parameter ${unknown.map(k => `"${k}"`).join(', ')} (known: ${[...known].join(', ')})`
      );
    }
    const params: TreeEnsembleParams = {
      trees: options.trees ?? defaults.trees,
      maxFeatures: options.maxFeatures ?? 1,
      maxDepth: options.maxDepth ?? null,
      minSamplesSplit: options.minSamplesSplit ?? 2,
      minSamplesLeaf: options.minSamplesLeaf ?? 1,
      bootstrap: options.bootstrap ?? defaults.bootstrap
    };
    checkParams(what, params);
    return {
      name: kind,
      params: { ...params },
      create: seed => new TreeEnsembleRegressor(kind, params, checkSeed(what, seed)),
      fromJSON: json => {
        const parsed = SavedTreeEnsembleSchema.safeParse(json);
        if (!parsed.success || parsed.data.kind !== kind) {
          throw new LearnerInputError(
            `${what}: not a saved ${what} model${parsed.success ? ` (it is ${parsed.data.kind})` : `: ${parsed.error.message}`}`
          );
        }
        return TreeEnsembleRegressor.restore(parsed.data);
      }
    };
  }

  export function checkParams(what: string, p: TreeEnsembleParams): void {
    const atLeast = (name: string, v: number, min: number) => {
      if (!Number.isInteger(v) || v < min) {
        throw new LearnerInputError(`${what}: ${name} must be an integer >= ${min}, got ${v}`);
      }
    };
    atLeast('trees', p.trees, 1);
    atLeast('minSamplesSplit', p.minSamplesSplit, 2);
    atLeast('minSamplesLeaf', p.minSamplesLeaf, 1);
    if (p.maxDepth !== null) {
      atLeast('maxDepth', p.maxDepth, 1);
    }
    if (
      typeof p.maxFeatures !== 'number' ||
      !(p.maxFeatures > 0 && (p.maxFeatures <= 1 || Number.isInteger(p.maxFeatures)))
    ) {
      throw new LearnerInputError(
        `${what}: maxFeatures must be a fraction in (0, 1] or a whole number of columns, got ${p.maxFeatures}`
      );
    }
    if (typeof p.bootstrap !== 'boolean') {
      throw new LearnerInputError(`${what}: bootstrap must be true or false`);
    }
  }

  /** scikit-learn's rule: a fraction f of n columns means max(1, floor(f n)). */
  export function featuresPerSplit(what: string, maxFeatures: number, columns: number): number {
    if (maxFeatures > 1) {
      if (maxFeatures > columns) {
        throw new LearnerInputError(
          `${what}: maxFeatures ${maxFeatures} exceeds the ${columns} feature columns`
        );
      }
      return maxFeatures;
    }
    return Math.max(1, Math.floor(maxFeatures * columns));
  }

  export function columnMajor(X: Matrix, columns: number): Float64Array[] {
    return Array.from({ length: columns }, (_, j) => Float64Array.from(X, row => row[j]));
  }

  /** Row indices sorted by each column's value (ties by row index, so the order is reproducible). */
  export function sortedOrders(data: Float64Array[]): Int32Array[] {
    return data.map(column =>
      Int32Array.from({ length: column.length }, (_, i) => i).sort(
        (a, b) => column[a] - column[b] || a - b
      )
    );
  }

  export function predictOne(tree: SavedTree, row: readonly number[]): number {
    let node = 0;
    while (tree.feature[node] >= 0) {
      node = row[tree.feature[node]] <= tree.threshold[node] ? tree.left[node] : tree.right[node];
    }
    return tree.value[node];
  }

  /** Nodes as parallel arrays, and the column draw both builders share. */
  abstract class TreeBuilder {
    protected readonly tree: SavedTree = {
      feature: [],
      threshold: [],
      left: [],
      right: [],
      value: []
    };
    private readonly order: Int32Array;
    /** The columns known to be constant along the current path, in the order `order` keeps them. */
    private readonly knownConstants: Int32Array;
    /** How many columns are known constant at the node being split (then: for its children). */
    private constants = 0;

    constructor(
      protected readonly X: Float64Array[],
      protected readonly y: Float64Array,
      protected readonly perSplit: number,
      protected readonly params: TreeEnsembleParams,
      protected readonly random: SeededRandom
    ) {
      this.order = Int32Array.from({ length: X.length }, (_, j) => j);
      this.knownConstants = new Int32Array(X.length);
    }

    /**
     * Grows the node holding positions [start, end) depth first; returns its index. `known` columns
     * (the first ones of `order`) were found constant at an ancestor, so they are constant here.
     */
    protected grow(start: number, end: number, depth: number, known = 0): number {
      const { total, sum } = this.sums(start, end);
      const node = this.push(sum / total);
      this.constants = known;
      const split = this.splittable(end - start, depth)
        ? this.chooseSplit(start, end, total, sum)
        : null;
      if (split) {
        const constants = this.constants;
        const middle = this.partition(start, end, split.feature, split.threshold);
        this.tree.feature[node] = split.feature;
        this.tree.threshold[node] = split.threshold;
        this.tree.left[node] = this.grow(start, middle, depth + 1, constants);
        this.tree.right[node] = this.grow(middle, end, depth + 1, constants);
      }
      return node;
    }

    /** Weight and weighted sum of y over the node's rows. */
    protected abstract sums(start: number, end: number): { total: number; sum: number };

    /** The cut of the node, or null to make it a leaf. */
    protected abstract chooseSplit(
      start: number,
      end: number,
      total: number,
      sum: number
    ): { feature: number; threshold: number } | null;

    /** Rows with x[feature] <= threshold first; returns where the others begin. */
    protected abstract partition(
      start: number,
      end: number,
      feature: number,
      threshold: number
    ): number;

    protected push(value: number): number {
      this.tree.feature.push(-1);
      this.tree.threshold.push(0);
      this.tree.left.push(-1);
      this.tree.right.push(-1);
      this.tree.value.push(value);
      return this.tree.feature.length - 1;
    }

    protected splittable(count: number, depth: number): boolean {
      return (
        count >= this.params.minSamplesSplit &&
        count >= 2 * this.params.minSamplesLeaf &&
        (this.params.maxDepth === null || depth < this.params.maxDepth)
      );
    }

    /**
     * Visits columns in a random order as scikit-learn's splitters do (sklearn/tree/_splitter.pyx,
     * node_split): a partial Fisher-Yates over `order`, whose first `this.constants` entries are
     * the columns known to be constant at the node (an ancestor found them so): drawing one costs
     * nothing. `tryColumn` returns false for a column constant at the node, which joins the known
     * ones for the node's children. Visiting stops after `perSplit` columns, constant ones
     * included, unless every column visited so far was constant. On return `this.constants` counts
     * the known and newly found constant columns.
     */
    protected drawColumns(tryColumn: (feature: number) => boolean): void {
      const features = this.order;
      const known = this.constants;
      let end = features.length;
      let drawnConstants = 0;
      let foundConstants = 0;
      let totalConstants = known;
      let visited = 0;
      while (
        end > totalConstants &&
        (visited < this.perSplit || visited <= foundConstants + drawnConstants)
      ) {
        visited++;
        let j = drawnConstants + this.random.integer(end - foundConstants - drawnConstants);
        if (j < known) {
          Private.swap(features, drawnConstants, j);
          drawnConstants++;
          continue;
        }
        j += foundConstants;
        const feature = features[j];
        if (!tryColumn(feature)) {
          Private.swap(features, j, totalConstants);
          foundConstants++;
          totalConstants++;
          continue;
        }
        end--;
        Private.swap(features, end, j);
      }
      // Keep the known constants in their order for the siblings; record the new ones.
      features.set(this.knownConstants.subarray(0, known), 0);
      this.knownConstants.set(features.subarray(known, known + foundConstants), known);
      this.constants = totalConstants;
    }
  }

  /**
   * Extra trees: depth first over an index array partitioned in place (bootstrap repeats appear as
   * repeated indices), one uniform cut per drawn column, no sorting.
   */
  export class RandomSplitTree extends TreeBuilder {
    private readonly rows: Int32Array;

    constructor(
      X: Float64Array[],
      y: Float64Array,
      perSplit: number,
      params: TreeEnsembleParams,
      random: SeededRandom
    ) {
      super(X, y, perSplit, params, random);
      const n = y.length;
      this.rows = params.bootstrap
        ? Int32Array.from({ length: n }, () => random.integer(n))
        : Int32Array.from({ length: n }, (_, i) => i);
    }

    build(): SavedTree {
      this.grow(0, this.rows.length, 0);
      return this.tree;
    }

    protected sums(start: number, end: number): { total: number; sum: number } {
      let sum = 0;
      for (let i = start; i < end; i++) {
        sum += this.y[this.rows[i]];
      }
      return { total: end - start, sum };
    }

    /** The drawn column's uniform cut with the largest drop in squared error, or null. */
    protected chooseSplit(
      start: number,
      end: number,
      n: number,
      sum: number
    ): { feature: number; threshold: number } | null {
      const minLeaf = this.params.minSamplesLeaf;
      const first = this.y[this.rows[start]];
      let pure = true;
      for (let i = start + 1; i < end && pure; i++) {
        pure = this.y[this.rows[i]] === first;
      }
      if (pure) {
        return null;
      }
      let best: { feature: number; threshold: number } | null = null;
      // Maximizing sumL^2/nL + sumR^2/nR is maximizing the drop in squared error.
      let bestScore = -Infinity;
      this.drawColumns(feature => {
        const column = this.X[feature];
        let min = Infinity;
        let max = -Infinity;
        for (let i = start; i < end; i++) {
          const v = column[this.rows[i]];
          if (v < min) min = v;
          if (v > max) max = v;
        }
        if (!(max > min)) {
          return false;
        }
        let threshold = min + this.random.next() * (max - min);
        if (threshold >= max) {
          threshold = min;
        }
        let leftSum = 0;
        let leftCount = 0;
        for (let i = start; i < end; i++) {
          const row = this.rows[i];
          if (column[row] <= threshold) {
            leftSum += this.y[row];
            leftCount++;
          }
        }
        const rightCount = n - leftCount;
        if (leftCount >= minLeaf && rightCount >= minLeaf) {
          const rightSum = sum - leftSum;
          const score = (leftSum * leftSum) / leftCount + (rightSum * rightSum) / rightCount;
          if (score > bestScore) {
            bestScore = score;
            best = { feature, threshold };
          }
        }
        return true;
      });
      return best;
    }

    protected partition(start: number, end: number, feature: number, threshold: number): number {
      const column = this.X[feature];
      let i = start;
      let j = end - 1;
      while (i <= j) {
        if (column[this.rows[i]] <= threshold) {
          i++;
        } else {
          const swap = this.rows[i];
          this.rows[i] = this.rows[j];
          this.rows[j] = swap;
          j--;
        }
      }
      return i;
    }
  }

  /**
   * Random-forest trees: a bootstrap sample as integer row weights; each node owns the same range
   * [start, end) of every column's sorted order, so the best cut of a column is one pass over it,
   * and a split partitions every order stably (they stay sorted).
   */
  export class BestSplitTree extends TreeBuilder {
    private readonly weight: Float64Array;
    private readonly orders: Int32Array[];
    private readonly goesLeft: Uint8Array;
    private readonly scratch: Int32Array;

    constructor(
      X: Float64Array[],
      y: Float64Array,
      sorted: Int32Array[],
      perSplit: number,
      params: TreeEnsembleParams,
      random: SeededRandom
    ) {
      super(X, y, perSplit, params, random);
      const n = y.length;
      this.weight = new Float64Array(n);
      if (params.bootstrap) {
        for (let i = 0; i < n; i++) {
          this.weight[random.integer(n)] += 1;
        }
      } else {
        this.weight.fill(1);
      }
      const weight = this.weight;
      this.orders = sorted.map(order => order.filter(row => weight[row] > 0));
      this.goesLeft = new Uint8Array(n);
      this.scratch = new Int32Array(this.orders[0].length);
    }

    build(): SavedTree {
      this.grow(0, this.orders[0].length, 0);
      return this.tree;
    }

    protected sums(start: number, end: number): { total: number; sum: number } {
      const rows = this.orders[0];
      let total = 0;
      let sum = 0;
      for (let k = start; k < end; k++) {
        const r = rows[k];
        total += this.weight[r];
        sum += this.weight[r] * this.y[r];
      }
      return { total, sum };
    }

    /** The best midpoint cut over the drawn columns, or null when none lowers the error. */
    protected chooseSplit(
      start: number,
      end: number,
      total: number,
      sum: number
    ): { feature: number; threshold: number } | null {
      const minLeaf = this.params.minSamplesLeaf;
      const parent = (sum * sum) / total;
      let best: { feature: number; threshold: number } | null = null;
      let bestScore = parent + 1e-12 * Math.abs(parent);
      this.drawColumns(feature => {
        const order = this.orders[feature];
        const column = this.X[feature];
        if (!(column[order[end - 1]] > column[order[start]])) {
          return false;
        }
        let leftWeight = 0;
        let leftSum = 0;
        for (let k = start; k < end - 1; k++) {
          const r = order[k];
          leftWeight += this.weight[r];
          leftSum += this.weight[r] * this.y[r];
          const leftRows = k - start + 1;
          if (leftRows < minLeaf) {
            continue;
          }
          if (end - start - leftRows < minLeaf) {
            break;
          }
          const x = column[r];
          const next = column[order[k + 1]];
          if (!(next > x)) {
            continue;
          }
          const rightWeight = total - leftWeight;
          const rightSum = sum - leftSum;
          const score = (leftSum * leftSum) / leftWeight + (rightSum * rightSum) / rightWeight;
          if (score > bestScore) {
            bestScore = score;
            let threshold = x / 2 + next / 2;
            // As scikit-learn: a midpoint that rounds up to the next value becomes the lower one.
            if (!(threshold < next)) {
              threshold = x;
            }
            best = { feature, threshold };
          }
        }
        return true;
      });
      return best;
    }

    /** Stable partition of every column's order; returns where the right side begins. */
    protected partition(start: number, end: number, feature: number, threshold: number): number {
      const column = this.X[feature];
      const rows = this.orders[feature];
      for (let k = start; k < end; k++) {
        this.goesLeft[rows[k]] = column[rows[k]] <= threshold ? 1 : 0;
      }
      let middle = start;
      for (const order of this.orders) {
        let left = start;
        let right = 0;
        for (let k = start; k < end; k++) {
          const r = order[k];
          if (this.goesLeft[r]) {
            order[left++] = r;
          } else {
            this.scratch[right++] = r;
          }
        }
        order.set(this.scratch.subarray(0, right), left);
        middle = left;
      }
      return middle;
    }
  }
}
