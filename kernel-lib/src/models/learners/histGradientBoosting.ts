/**
 * Gradient-boosted regression trees on binned features (Friedman 2001, "Greedy function
 * approximation: a gradient boosting machine", Ann. Statist. 29(5):1189-1232), grown the way
 * LightGBM (Ke et al., NIPS 2017) and scikit-learn's HistGradientBoostingRegressor do, with
 * scikit-learn 1.9's rules so that numbers compare:
 *
 * - Binning: each column gets at most maxBins bins. A column with at most maxBins distinct values
 *   is cut at the midpoints between neighbouring values; otherwise at the maxBins-quantiles
 *   (numpy's "averaged_inverted_cdf"), on a seeded sample of 200,000 rows when there are more.
 *   Duplicate cuts are dropped. A value goes to bin i when cut[i - 1] < x <= cut[i].
 * - Boosting: squared error, started from the mean of y; each iteration fits one tree to the
 *   gradients (prediction - y, rounded to float32 as scikit-learn stores them) with hessian 1.
 * - Trees grow best-first: the leaf whose best split gains most is split next, until maxLeafNodes
 *   leaves, maxDepth, or no split gains more than 0 while leaving minSamplesLeaf rows on each
 *   side. Gain and leaf values follow XGBoost's second-order formulas: a node with gradient sum G
 *   and hessian sum H has value -G / (H + l2Regularization), and a split's gain is
 *   G * value(node) - G_L * value(L) - G_R * value(R). The root counts as value 0, as scikit-learn.
 * - Histograms (per column and bin: gradient sum and row count) are built from the rows only for
 *   the smaller child of a split; the larger child's is the parent's minus it.
 * - Leaf values are multiplied by learningRate once the tree is grown.
 * - maxFeatures < 1 considers ceil(maxFeatures x columns) columns, drawn anew at every node.
 * - Early stopping ('auto': only above 10,000 rows) holds out validationFraction of the rows and
 *   stops when none of the last nIterNoChange iterations lowered the held-out loss by more than
 *   tol below the one before them; the trees grown so far are kept.
 *
 * A saved tree stores each split's raw threshold (the bin's upper cut), so prediction needs no
 * binning: x goes left when x[feature] <= threshold, exactly where its bin would have gone.
 *
 * Not as scikit-learn: the random draws (validation rows, column subsets, binning sample) come
 * from the project's seeded generator, so only seed-free fits (no early stopping, maxFeatures 1)
 * reproduce scikit-learn's trees, which they do to rounding. There is no missing-value bin (input
 * must be finite), no categorical features, monotonic or interaction constraints, sample weights,
 * warm start or scorer other than the loss; validationFraction is a fraction only. After the
 * validation split the training rows keep their original order (scikit-learn's are shuffled),
 * which changes only the order of floating-point sums. Histograms cover only non-constant columns
 * and only the bins each uses, which changes nothing but the time taken.
 *
 * Written here, like the tree ensembles, because npm offers no trainer with these rules: its
 * gradient-boosting packages are ml-xgboost (the emscripten build of XGBoost that treeEnsemble.ts
 * mentions) and xgboost-scorer, which only scores models trained elsewhere.
 */
import { z } from 'zod';
import type { Learner, Matrix, Regressor } from '../types';
import { checkPredictionSet, checkSeed, checkTrainingSet, LearnerInputError } from './data';
import { SeededRandom } from './random';
import { checkSavedTree, SavedTreeSchema, type SavedTree } from './treeEnsemble';

export interface GradientBoostingOptions {
  /** Shrinkage: every leaf value is multiplied by this. */
  learningRate?: number;
  /** Boosting iterations (one tree each); fewer when early stopping stops sooner. */
  maxIter?: number;
  /** Leaves per tree; null for no limit. */
  maxLeafNodes?: number | null;
  /** Deepest split level; null for no limit. */
  maxDepth?: number | null;
  /** A split leaving fewer rows than this on either side is not allowed. */
  minSamplesLeaf?: number;
  /** L2 penalty on leaf values (added to each node's hessian sum). */
  l2Regularization?: number;
  /** Bins per column, 2 to 255. */
  maxBins?: number;
  /** Fraction in (0, 1] of the columns considered at each split. */
  maxFeatures?: number;
  /** Hold out rows and stop when their loss stops improving; 'auto' does so above 10,000 rows. */
  earlyStopping?: 'auto' | boolean;
  /** Fraction of the rows held out for early stopping. */
  validationFraction?: number;
  /** Iterations without improvement before early stopping stops. */
  nIterNoChange?: number;
  /** The held-out loss must drop by more than this to count as an improvement. */
  tol?: number;
}

export interface GradientBoostingParams {
  learningRate: number;
  maxIter: number;
  maxLeafNodes: number | null;
  maxDepth: number | null;
  minSamplesLeaf: number;
  l2Regularization: number;
  maxBins: number;
  maxFeatures: number;
  earlyStopping: 'auto' | boolean;
  validationFraction: number;
  nIterNoChange: number;
  tol: number;
}

const GradientBoostingParamsSchema = z.object({
  learningRate: z.number().positive(),
  maxIter: z.number().int().min(1),
  maxLeafNodes: z.number().int().min(2).nullable(),
  maxDepth: z.number().int().min(1).nullable(),
  minSamplesLeaf: z.number().int().min(1),
  l2Regularization: z.number().min(0),
  maxBins: z.number().int().min(2).max(255),
  maxFeatures: z.number().gt(0).max(1),
  earlyStopping: z.union([z.literal('auto'), z.boolean()]),
  validationFraction: z.number().gt(0).lt(1),
  nIterNoChange: z.number().int().min(1),
  tol: z.number().min(0)
});

const SavedGradientBoostingSchema = z.object({
  kind: z.literal('gradient-boosting'),
  params: GradientBoostingParamsSchema,
  seed: z.number().int(),
  columns: z.number().int().positive(),
  /** The mean of the training target, where every prediction starts. */
  baseline: z.number(),
  /** One per iteration, in order; a prediction adds one leaf value of each. */
  trees: z.array(SavedTreeSchema).min(1)
});

export type SavedGradientBoosting = z.infer<typeof SavedGradientBoostingSchema>;

const LABEL = 'gradient boosting';

export class HistGradientBoostingRegressor implements Regressor {
  private trees: SavedTree[] = [];
  private baseline = 0;
  private columns = 0;
  private compiled: Private.Compiled | null = null;

  constructor(
    readonly params: GradientBoostingParams,
    readonly seed: number
  ) {}

  /** @internal Rebuild from a saved model. */
  static restore(saved: SavedGradientBoosting): HistGradientBoostingRegressor {
    const regressor = new HistGradientBoostingRegressor(saved.params, saved.seed);
    saved.trees.forEach((tree, t) => checkSavedTree(LABEL, tree, saved.columns, t));
    regressor.trees = saved.trees;
    regressor.baseline = saved.baseline;
    regressor.columns = saved.columns;
    regressor.compiled = Private.compile(saved.trees);
    return regressor;
  }

  /** Trees grown: maxIter, or fewer when early stopping stopped sooner. */
  get iterations(): number {
    return this.trees.length;
  }

  async fit(X: Matrix, y: number[]): Promise<void> {
    const columns = checkTrainingSet(LABEL, X, y);
    const { baseline, trees } = Private.train(X, y, columns, this.params, this.seed);
    this.trees = trees;
    this.baseline = baseline;
    this.columns = columns;
    this.compiled = Private.compile(trees);
  }

  async predict(X: Matrix): Promise<number[]> {
    const compiled = this.requireFitted();
    checkPredictionSet(LABEL, X, this.columns);
    return X.map(row => Private.predictOne(compiled, this.baseline, row));
  }

  toJSON(): SavedGradientBoosting {
    this.requireFitted();
    return {
      kind: 'gradient-boosting',
      params: this.params,
      seed: this.seed,
      columns: this.columns,
      baseline: this.baseline,
      trees: this.trees
    };
  }

  private requireFitted(): Private.Compiled {
    if (!this.compiled) {
      throw new LearnerInputError(`${LABEL}: predict or toJSON called before fit`);
    }
    return this.compiled;
  }
}

export interface GradientBoostingLearner extends Learner {
  name: 'gradient-boosting';
  params: Record<string, unknown> & GradientBoostingParams;
  create(seed: number): HistGradientBoostingRegressor;
  fromJSON(json: unknown): HistGradientBoostingRegressor;
}

/**
 * Histogram gradient boosting. Defaults are scikit-learn's HistGradientBoostingRegressor's: 100
 * iterations at learning rate 0.1, 31 leaves, at least 20 rows a leaf, 255 bins, early stopping
 * only above 10,000 rows.
 */
export function gradientBoostingLearner(
  options: GradientBoostingOptions = {}
): GradientBoostingLearner {
  const params = Private.checkParams(options);
  return {
    name: 'gradient-boosting',
    params: { ...params },
    create: seed => new HistGradientBoostingRegressor(params, checkSeed(LABEL, seed)),
    fromJSON: json => {
      const parsed = SavedGradientBoostingSchema.safeParse(json);
      if (!parsed.success) {
        throw new LearnerInputError(
          `${LABEL}: not a saved gradient boosting model: ${parsed.error.message}`
        );
      }
      return HistGradientBoostingRegressor.restore(parsed.data);
    }
  };
}

/**
 * @internal The cuts scikit-learn's _find_binning_thresholds makes in one column (sorted
 * ascending, every value finite): midpoints of the distinct values when there are at most maxBins
 * of them, else the maxBins-quantiles without duplicates. Exported for the tests.
 */
export function binningThresholds(sorted: Float64Array, maxBins: number): Float64Array {
  return Private.binningThresholds(sorted, maxBins);
}

namespace Private {
  /** scikit-learn's 'auto' early stopping needs strictly more rows than this. */
  const AUTO_EARLY_STOPPING_ROWS = 10_000;
  /** Binning cuts come from at most this many rows (drawn with replacement), as scikit-learn. */
  const BINNING_SUBSAMPLE = 200_000;
  /** scikit-learn clips cuts here (LightGBM's AvoidInf). */
  const ALMOST_INF = 1e300;
  /** scikit-learn's min_hessian_to_split and the epsilon in its leaf values. */
  const MIN_HESSIAN_TO_SPLIT = 1e-3;
  const VALUE_EPSILON = 1e-15;

  const REQUIREMENTS: Record<keyof GradientBoostingParams, string> = {
    learningRate: 'a number > 0',
    maxIter: 'an integer >= 1',
    maxLeafNodes: 'an integer >= 2, or null for no limit',
    maxDepth: 'an integer >= 1, or null for no limit',
    minSamplesLeaf: 'an integer >= 1',
    l2Regularization: 'a number >= 0',
    maxBins: 'an integer from 2 to 255',
    maxFeatures: 'a fraction in (0, 1]',
    earlyStopping: '"auto", true or false',
    validationFraction: 'a fraction in (0, 1)',
    nIterNoChange: 'an integer >= 1',
    tol: 'a number >= 0'
  };

  export function checkParams(options: GradientBoostingOptions): GradientBoostingParams {
    const known = Object.keys(REQUIREMENTS);
    const unknown = Object.keys(options).filter(k => !known.includes(k));
    if (unknown.length > 0) {
      throw new LearnerInputError(
        `${LABEL}: unknown parameter ${unknown.map(k => `"${k}"`).join(', ')} (known: ${known.join(', ')})`
      );
    }
    // null is a value for the two limits (no limit), so only undefined takes the default.
    const params = {
      learningRate: options.learningRate ?? 0.1,
      maxIter: options.maxIter ?? 100,
      maxLeafNodes: options.maxLeafNodes === undefined ? 31 : options.maxLeafNodes,
      maxDepth: options.maxDepth === undefined ? null : options.maxDepth,
      minSamplesLeaf: options.minSamplesLeaf ?? 20,
      l2Regularization: options.l2Regularization ?? 0,
      maxBins: options.maxBins ?? 255,
      maxFeatures: options.maxFeatures ?? 1,
      earlyStopping: options.earlyStopping ?? 'auto',
      validationFraction: options.validationFraction ?? 0.1,
      nIterNoChange: options.nIterNoChange ?? 10,
      tol: options.tol ?? 1e-7
    };
    const checked = GradientBoostingParamsSchema.safeParse(params);
    if (!checked.success) {
      const field = String(checked.error.issues[0].path[0]) as keyof GradientBoostingParams;
      const value: unknown = params[field];
      throw new LearnerInputError(
        `${LABEL}: ${field} must be ${REQUIREMENTS[field]}, got ${typeof value === 'string' ? `"${value}"` : String(value)}`
      );
    }
    return checked.data;
  }

  /** All trees' nodes in flat typed arrays (children as absolute indices), for fast prediction. */
  export interface Compiled {
    roots: Int32Array;
    feature: Int32Array;
    threshold: Float64Array;
    left: Int32Array;
    right: Int32Array;
    value: Float64Array;
  }

  export function compile(trees: SavedTree[]): Compiled {
    const total = trees.reduce((s, t) => s + t.feature.length, 0);
    const c: Compiled = {
      roots: new Int32Array(trees.length),
      feature: new Int32Array(total),
      threshold: new Float64Array(total),
      left: new Int32Array(total),
      right: new Int32Array(total),
      value: new Float64Array(total)
    };
    let offset = 0;
    trees.forEach((tree, t) => {
      c.roots[t] = offset;
      for (let k = 0; k < tree.feature.length; k++) {
        c.feature[offset + k] = tree.feature[k];
        c.threshold[offset + k] = tree.threshold[k];
        c.left[offset + k] = offset + tree.left[k];
        c.right[offset + k] = offset + tree.right[k];
        c.value[offset + k] = tree.value[k];
      }
      offset += tree.feature.length;
    });
    return c;
  }

  /** Baseline plus one leaf of each tree, added in tree order as scikit-learn does. */
  export function predictOne(c: Compiled, baseline: number, row: readonly number[]): number {
    let sum = baseline;
    for (let t = 0; t < c.roots.length; t++) {
      let node = c.roots[t];
      while (c.feature[node] >= 0) {
        node = row[c.feature[node]] <= c.threshold[node] ? c.left[node] : c.right[node];
      }
      sum += c.value[node];
    }
    return sum;
  }

  /**
   * numpy's pairwise summation (what np.sum and np.mean do on float64), so the baseline and the
   * root's gradient sum round as in scikit-learn.
   */
  export function pairwiseSum(a: ArrayLike<number>, start: number, n: number): number {
    if (n < 8) {
      let s = 0;
      for (let i = 0; i < n; i++) {
        s += a[start + i];
      }
      return s;
    }
    if (n <= 128) {
      let r0 = a[start];
      let r1 = a[start + 1];
      let r2 = a[start + 2];
      let r3 = a[start + 3];
      let r4 = a[start + 4];
      let r5 = a[start + 5];
      let r6 = a[start + 6];
      let r7 = a[start + 7];
      const blocks = n - (n % 8);
      let i = 8;
      for (; i < blocks; i += 8) {
        r0 += a[start + i];
        r1 += a[start + i + 1];
        r2 += a[start + i + 2];
        r3 += a[start + i + 3];
        r4 += a[start + i + 4];
        r5 += a[start + i + 5];
        r6 += a[start + i + 6];
        r7 += a[start + i + 7];
      }
      // numpy's ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7)), less the brackets that
      // left-to-right evaluation makes redundant.
      let s = r0 + r1 + (r2 + r3) + (r4 + r5 + (r6 + r7));
      for (; i < n; i++) {
        s += a[start + i];
      }
      return s;
    }
    let half = Math.floor(n / 2);
    half -= half % 8;
    return pairwiseSum(a, start, half) + pairwiseSum(a, start + half, n - half);
  }

  export function binningThresholds(sorted: Float64Array, maxBins: number): Float64Array {
    const distinct: number[] = [];
    for (let i = 0; i < sorted.length; i++) {
      if (i === 0 || sorted[i] !== sorted[i - 1]) {
        distinct.push(sorted[i]);
      }
    }
    let cuts: number[];
    if (distinct.length <= maxBins) {
      cuts = [];
      for (let i = 1; i < distinct.length; i++) {
        cuts.push((distinct[i - 1] + distinct[i]) / 2);
      }
    } else {
      cuts = quantileCuts(sorted, maxBins).filter((c, i, all) => i === 0 || c !== all[i - 1]);
    }
    return Float64Array.from(cuts, c => Math.min(c, ALMOST_INF));
  }

  /**
   * np.percentile(sorted, linspace(0, 100, maxBins + 1)[1:-1], method='averaged_inverted_cdf'),
   * step for step so that the float rounding (which decides between a value and the mean of two
   * neighbours) is numpy's.
   */
  function quantileCuts(sorted: Float64Array, maxBins: number): number[] {
    const n = sorted.length;
    const step = 100 / maxBins;
    const cuts: number[] = [];
    for (let i = 1; i < maxBins; i++) {
      const q = (i * step) / 100;
      const virtual = n * q - 1;
      if (virtual >= n - 1) {
        cuts.push(sorted[n - 1]);
        continue;
      }
      const previous = Math.max(0, Math.floor(virtual));
      const next = virtual < 0 ? 0 : previous + 1;
      const a = sorted[previous];
      const b = sorted[next];
      // numpy's _lerp with gamma 1 (past a step of the empirical CDF) or 0.5 (exactly on one).
      cuts.push(virtual - Math.floor(virtual) === 0 ? b - (b - a) * 0.5 : b);
    }
    return cuts;
  }

  /** The bin of x: the first cut with x <= cut (scikit-learn's binary search). */
  function binOf(x: number, cuts: Float64Array): number {
    let low = 0;
    let high = cuts.length;
    while (low < high) {
      const middle = low + ((high - low - 1) >> 1);
      if (x <= cuts[middle]) {
        high = middle;
      } else {
        low = middle + 1;
      }
    }
    return low;
  }

  /** Column-major bins of the given rows of X. */
  function binRows(X: Matrix, rows: Int32Array, cuts: Float64Array[]): Uint8Array {
    const n = rows.length;
    const binned = new Uint8Array(n * cuts.length);
    for (let j = 0; j < cuts.length; j++) {
      const base = j * n;
      for (let i = 0; i < n; i++) {
        binned[base + i] = binOf(X[rows[i]][j], cuts[j]);
      }
    }
    return binned;
  }

  /** Mean of (prediction - y)^2 / 2: scikit-learn's half squared error. */
  function halfSquaredLoss(raw: Float64Array, target: Float64Array, scratch: Float64Array): number {
    for (let i = 0; i < raw.length; i++) {
      const d = raw[i] - target[i];
      scratch[i] = 0.5 * d * d;
    }
    return pairwiseSum(scratch, 0, raw.length) / raw.length;
  }

  /** A tree of the current fit: saved form plus each split's bin, for the binned validation rows. */
  interface GrownTree {
    saved: SavedTree;
    bin: Int32Array;
  }

  function predictBinned(tree: GrownTree, binned: Uint8Array, rows: number, row: number): number {
    const { feature, left, right, value } = tree.saved;
    let node = 0;
    while (feature[node] >= 0) {
      node = binned[feature[node] * rows + row] <= tree.bin[node] ? left[node] : right[node];
    }
    return value[node];
  }

  export function train(
    X: Matrix,
    y: number[],
    columns: number,
    params: GradientBoostingParams,
    seed: number
  ): { baseline: number; trees: SavedTree[] } {
    const n = X.length;
    const random = new SeededRandom(seed);
    // Two streams, as scikit-learn: one for the validation split and binning sample, one for the
    // column subsets, so switching early stopping on does not change which columns are drawn.
    const dataRandom = new SeededRandom(random.seed());
    const featureRandom = new SeededRandom(random.seed());
    const early =
      params.earlyStopping === 'auto' ? n > AUTO_EARLY_STOPPING_ROWS : params.earlyStopping;

    let trainRows = Int32Array.from({ length: n }, (_, i) => i);
    let validationRows: Int32Array | null = null;
    if (early) {
      const held = Math.ceil(params.validationFraction * n);
      if (held >= n) {
        throw new LearnerInputError(
          `${LABEL}: early stopping would hold out ${held} of the ${n} rows, leaving none to train on`
        );
      }
      const order = dataRandom.shuffled(Array.from(trainRows));
      validationRows = Int32Array.from(order.slice(0, held)).sort();
      trainRows = Int32Array.from(order.slice(held)).sort();
    }
    const m = trainRows.length;
    const target = Float64Array.from(trainRows, i => y[i]);

    const sample =
      m > BINNING_SUBSAMPLE
        ? Int32Array.from({ length: BINNING_SUBSAMPLE }, () => dataRandom.integer(m))
        : trainRows.map((_, i) => i);
    const values = new Float64Array(sample.length);
    const cuts: Float64Array[] = [];
    for (let j = 0; j < columns; j++) {
      for (let i = 0; i < sample.length; i++) {
        values[i] = X[trainRows[sample[i]]][j];
      }
      cuts.push(binningThresholds(values.sort(), params.maxBins));
    }
    const binned = binRows(X, trainRows, cuts);

    const baseline = pairwiseSum(target, 0, m) / m;
    const raw = new Float64Array(m).fill(baseline);
    const gradient = new Float32Array(m);
    const grower = new TreeGrower(binned, m, cuts, params, featureRandom);

    const validation = validationRows && {
      rows: validationRows.length,
      binned: binRows(X, validationRows, cuts),
      target: Float64Array.from(validationRows, i => y[i]),
      raw: new Float64Array(validationRows.length).fill(baseline),
      scratch: new Float64Array(validationRows.length),
      scores: [] as number[]
    };
    if (validation) {
      validation.scores.push(
        -halfSquaredLoss(validation.raw, validation.target, validation.scratch)
      );
    }

    const trees: SavedTree[] = [];
    for (let iteration = 0; iteration < params.maxIter; iteration++) {
      for (let i = 0; i < m; i++) {
        gradient[i] = raw[i] - target[i];
      }
      const tree = grower.grow(gradient, raw);
      trees.push(tree.saved);
      if (validation) {
        for (let i = 0; i < validation.rows; i++) {
          validation.raw[i] += predictBinned(tree, validation.binned, validation.rows, i);
        }
        validation.scores.push(
          -halfSquaredLoss(validation.raw, validation.target, validation.scratch)
        );
        if (shouldStop(validation.scores, params)) {
          break;
        }
      }
    }
    return { baseline, trees };
  }

  /** scikit-learn's rule: stop when none of the last nIterNoChange scores beats the one before them by tol. */
  function shouldStop(scores: number[], params: GradientBoostingParams): boolean {
    const reference = params.nIterNoChange + 1;
    if (scores.length < reference) {
      return false;
    }
    const bar = scores[scores.length - reference] + params.tol;
    return !scores.slice(scores.length - reference + 1).some(score => score > bar);
  }

  /** A node while a tree grows; its rows are partition[start, start + count). */
  interface GrowNode {
    depth: number;
    start: number;
    count: number;
    sumGradients: number;
    sumHessians: number;
    value: number;
    histogram: Float64Array | null;
    leaf: boolean;
    // The best split found, if gain > 0.
    gain: number;
    feature: number;
    bin: number;
    leftSumGradients: number;
    leftSumHessians: number;
    leftCount: number;
    leftValue: number;
    rightValue: number;
    left: GrowNode | null;
    right: GrowNode | null;
  }

  /**
   * Grows one tree per call on fixed binned data; its buffers (row partition, gathered gradients,
   * the histogram pool) live as long as the fit so no tree allocates them again.
   */
  class TreeGrower {
    /** Columns with at least two bins (the others cannot split) and where their bins start. */
    private readonly active: Int32Array;
    private readonly offset: Int32Array;
    private readonly bins: Int32Array;
    /** Histogram length: (gradient sum, count) per bin of every active column. */
    private readonly histogramLength: number;
    private readonly pool: Float64Array[] = [];
    private readonly partition: Int32Array;
    private readonly scratch: Int32Array;
    private readonly ordered: Float64Array;
    private readonly featureOrder: Int32Array;
    private readonly featureMask: Uint8Array;
    private readonly featuresPerSplit: number;
    private gradient: Float32Array = new Float32Array(0);
    private heap: GrowNode[] = [];
    private leaves: GrowNode[] = [];

    constructor(
      private readonly binned: Uint8Array,
      private readonly rows: number,
      private readonly cuts: Float64Array[],
      private readonly params: GradientBoostingParams,
      private readonly random: SeededRandom
    ) {
      const columns = cuts.length;
      this.bins = Int32Array.from(cuts, c => c.length + 1);
      this.offset = new Int32Array(columns).fill(-1);
      const active: number[] = [];
      let length = 0;
      for (let j = 0; j < columns; j++) {
        if (this.bins[j] >= 2) {
          active.push(j);
          this.offset[j] = length;
          length += 2 * this.bins[j];
        }
      }
      this.active = Int32Array.from(active);
      this.histogramLength = length;
      this.partition = new Int32Array(rows);
      this.scratch = new Int32Array(rows);
      this.ordered = new Float64Array(rows);
      this.featureOrder = Int32Array.from({ length: columns }, (_, j) => j);
      this.featureMask = new Uint8Array(columns);
      // As scikit-learn: a rounded-up share of all columns, constant ones included.
      this.featuresPerSplit =
        params.maxFeatures < 1 ? Math.max(1, Math.ceil(params.maxFeatures * columns)) : columns;
    }

    /** Grows a tree on the gradients and adds its (shrunk) leaf values to raw. */
    grow(gradient: Float32Array, raw: Float64Array): GrownTree {
      this.gradient = gradient;
      this.heap = [];
      this.leaves = [];
      for (let i = 0; i < this.rows; i++) {
        this.partition[i] = i;
      }
      const histogram = this.take();
      this.buildHistogram(histogram, 0, this.rows);
      const root = this.node(0, 0, this.rows, this.rootGradientSum(histogram), this.rows, 0);
      root.histogram = histogram;
      if (this.rows < 2 * this.params.minSamplesLeaf) {
        this.finalize(root);
      } else {
        this.splitOrFinalize(root);
      }
      while (this.heap.length > 0) {
        this.splitNext();
      }
      // Shrinkage once the tree is complete, as scikit-learn.
      for (const leaf of this.leaves) {
        leaf.value *= this.params.learningRate;
        for (let k = leaf.start; k < leaf.start + leaf.count; k++) {
          raw[this.partition[k]] += leaf.value;
        }
      }
      return this.export(root);
    }

    private node(
      depth: number,
      start: number,
      count: number,
      sumGradients: number,
      sumHessians: number,
      value: number
    ): GrowNode {
      return {
        depth,
        start,
        count,
        sumGradients,
        sumHessians,
        value,
        histogram: null,
        leaf: false,
        gain: -1,
        feature: -1,
        bin: -1,
        leftSumGradients: 0,
        leftSumHessians: 0,
        leftCount: 0,
        leftValue: 0,
        rightValue: 0,
        left: null,
        right: null
      };
    }

    /**
     * scikit-learn sums the root's gradients over column 0's histogram (numpy's pairwise sum over
     * its maxBins + 1 bins); a constant column 0 has all rows in its one bin.
     */
    private rootGradientSum(histogram: Float64Array): number {
      const bins = new Float64Array(this.params.maxBins + 1);
      if (this.offset[0] >= 0) {
        for (let b = 0; b < this.bins[0]; b++) {
          bins[b] = histogram[this.offset[0] + 2 * b];
        }
      } else {
        for (let i = 0; i < this.rows; i++) {
          bins[0] += this.gradient[i];
        }
      }
      return pairwiseSum(bins, 0, bins.length);
    }

    private take(): Float64Array {
      return this.pool.pop() ?? new Float64Array(this.histogramLength);
    }

    private release(node: GrowNode): void {
      if (node.histogram) {
        this.pool.push(node.histogram);
        node.histogram = null;
      }
    }

    private finalize(node: GrowNode): void {
      node.leaf = true;
      this.release(node);
      this.leaves.push(node);
    }

    /**
     * Gradient sums and counts per bin of the rows partition[start, start + count), summed in
     * row order as scikit-learn so the sums round alike.
     */
    private buildHistogram(histogram: Float64Array, start: number, count: number): void {
      const { binned, partition, ordered, rows } = this;
      const gradient = this.gradient;
      for (let k = 0; k < count; k++) {
        ordered[k] = gradient[partition[start + k]];
      }
      histogram.fill(0);
      const root = count === rows;
      for (let a = 0; a < this.active.length; a++) {
        const j = this.active[a];
        const base = this.offset[j];
        const column = j * rows;
        if (root) {
          // The root holds every row in order: no indirection through the partition.
          for (let k = 0; k < count; k++) {
            const slot = base + 2 * binned[column + k];
            histogram[slot] += ordered[k];
            histogram[slot + 1] += 1;
          }
        } else {
          for (let k = 0; k < count; k++) {
            const slot = base + 2 * binned[column + partition[start + k]];
            histogram[slot] += ordered[k];
            histogram[slot + 1] += 1;
          }
        }
      }
    }

    /** Finds the node's best split; a node with one is queued by gain, else it becomes a leaf. */
    private splitOrFinalize(node: GrowNode): void {
      this.findSplit(node);
      if (node.gain <= 0) {
        this.finalize(node);
      } else {
        this.push(node);
      }
    }

    /** scikit-learn's splitter: every bin of every (drawn) column, left to right. */
    private findSplit(node: GrowNode): void {
      const histogram = node.histogram as Float64Array;
      const { minSamplesLeaf, l2Regularization } = this.params;
      const subsample = this.featuresPerSplit < this.bins.length;
      if (subsample) {
        this.drawFeatures();
      }
      const { count, sumGradients, sumHessians } = node;
      const lossCurrentNode = sumGradients * node.value;
      let bestGain = -1;
      for (let a = 0; a < this.active.length; a++) {
        const j = this.active[a];
        if (subsample && !this.featureMask[j]) {
          continue;
        }
        const base = this.offset[j];
        const last = this.bins[j] - 1;
        let leftCount = 0;
        let leftGradients = 0;
        for (let b = 0; b < last; b++) {
          leftCount += histogram[base + 2 * b + 1];
          leftGradients += histogram[base + 2 * b];
          if (leftCount < minSamplesLeaf) {
            continue;
          }
          if (count - leftCount < minSamplesLeaf) {
            break;
          }
          // Hessians are all 1, so a side's hessian sum is its row count.
          const leftHessians = leftCount;
          const rightHessians = sumHessians - leftHessians;
          if (leftHessians < MIN_HESSIAN_TO_SPLIT) {
            continue;
          }
          if (rightHessians < MIN_HESSIAN_TO_SPLIT) {
            break;
          }
          const rightGradients = sumGradients - leftGradients;
          const leftValue = -leftGradients / (leftHessians + l2Regularization + VALUE_EPSILON);
          const rightValue = -rightGradients / (rightHessians + l2Regularization + VALUE_EPSILON);
          let gain = lossCurrentNode;
          gain -= leftGradients * leftValue;
          gain -= rightGradients * rightValue;
          if (gain > bestGain && gain > 0) {
            bestGain = gain;
            node.feature = j;
            node.bin = b;
            node.leftSumGradients = leftGradients;
            node.leftSumHessians = leftHessians;
            node.leftCount = leftCount;
          }
        }
      }
      node.gain = bestGain;
      if (bestGain > 0) {
        // The expressions of the scan, so the values are bit for bit the ones the gain used.
        const rightGradients = sumGradients - node.leftSumGradients;
        const rightHessians = sumHessians - node.leftSumHessians;
        node.leftValue =
          -node.leftSumGradients / (node.leftSumHessians + l2Regularization + VALUE_EPSILON);
        node.rightValue = -rightGradients / (rightHessians + l2Regularization + VALUE_EPSILON);
      }
    }

    /** A fresh subset of featuresPerSplit columns (partial Fisher-Yates), marked in featureMask. */
    private drawFeatures(): void {
      const order = this.featureOrder;
      const columns = order.length;
      this.featureMask.fill(0);
      for (let k = 0; k < this.featuresPerSplit; k++) {
        const pick = k + this.random.integer(columns - k);
        const held = order[k];
        order[k] = order[pick];
        order[pick] = held;
        this.featureMask[order[k]] = 1;
      }
    }

    /** Splits the queued node with the largest gain, as scikit-learn's TreeGrower.split_next. */
    private splitNext(): void {
      const node = this.pop();
      this.partitionRows(node);
      const depth = node.depth + 1;
      const leavesAfter = this.leaves.length + this.heap.length + 2;
      const left = this.node(
        depth,
        node.start,
        node.leftCount,
        node.leftSumGradients,
        node.leftSumHessians,
        node.leftValue
      );
      const right = this.node(
        depth,
        node.start + node.leftCount,
        node.count - node.leftCount,
        node.sumGradients - node.leftSumGradients,
        node.sumHessians - node.leftSumHessians,
        node.rightValue
      );
      node.left = left;
      node.right = right;
      const { maxLeafNodes, maxDepth, minSamplesLeaf } = this.params;
      if (maxLeafNodes !== null && leavesAfter === maxLeafNodes) {
        this.finalize(left);
        this.finalize(right);
        while (this.heap.length > 0) {
          this.finalize(this.heap.pop() as GrowNode);
        }
        this.release(node);
        return;
      }
      if (maxDepth !== null && depth === maxDepth) {
        this.finalize(left);
        this.finalize(right);
        this.release(node);
        return;
      }
      if (left.count < 2 * minSamplesLeaf) {
        this.finalize(left);
      }
      if (right.count < 2 * minSamplesLeaf) {
        this.finalize(right);
      }
      if (!left.leaf || !right.leaf) {
        // Only the smaller child is built from its rows; the larger one takes the parent's
        // buffer minus the smaller's (the subtraction trick), scikit-learn's choice on ties.
        const [smallest, largest] = left.count < right.count ? [left, right] : [right, left];
        smallest.histogram = this.take();
        this.buildHistogram(smallest.histogram, smallest.start, smallest.count);
        const parent = node.histogram as Float64Array;
        const sibling = smallest.histogram;
        for (let k = 0; k < parent.length; k++) {
          parent[k] -= sibling[k];
        }
        largest.histogram = parent;
        node.histogram = null;
        if (!left.leaf) {
          this.splitOrFinalize(left);
        }
        if (!right.leaf) {
          this.splitOrFinalize(right);
        }
        for (const child of [left, right]) {
          if (child.leaf) {
            this.release(child);
          }
        }
      }
      this.release(node);
    }

    /** Stable partition of the node's rows: those with bin <= the split's bin first. */
    private partitionRows(node: GrowNode): void {
      const { partition, scratch } = this;
      const column = node.feature * this.rows;
      let left = node.start;
      let right = 0;
      for (let k = node.start; k < node.start + node.count; k++) {
        const row = partition[k];
        if (this.binned[column + row] <= node.bin) {
          partition[left++] = row;
        } else {
          scratch[right++] = row;
        }
      }
      partition.set(scratch.subarray(0, right), left);
    }

    /**
     * Python's heapq push and pop with scikit-learn's order (larger gain first), so that ties in
     * gain break the same way.
     */
    private push(node: GrowNode): void {
      this.heap.push(node);
      this.siftDown(0, this.heap.length - 1);
    }

    private pop(): GrowNode {
      const heap = this.heap;
      const last = heap.pop() as GrowNode;
      if (heap.length === 0) {
        return last;
      }
      const top = heap[0];
      heap[0] = last;
      this.siftUp(0);
      return top;
    }

    private siftDown(startPosition: number, position: number): void {
      const heap = this.heap;
      const item = heap[position];
      while (position > startPosition) {
        const parentPosition = (position - 1) >> 1;
        const parent = heap[parentPosition];
        if (item.gain > parent.gain) {
          heap[position] = parent;
          position = parentPosition;
          continue;
        }
        break;
      }
      heap[position] = item;
    }

    private siftUp(position: number): void {
      const heap = this.heap;
      const end = heap.length;
      const startPosition = position;
      const item = heap[position];
      let child = 2 * position + 1;
      while (child < end) {
        const right = child + 1;
        if (right < end && !(heap[child].gain > heap[right].gain)) {
          child = right;
        }
        heap[position] = heap[child];
        position = child;
        child = 2 * position + 1;
      }
      heap[position] = item;
      this.siftDown(startPosition, position);
    }

    /** Nodes in preorder (scikit-learn's predictor order) with each split's raw cut as threshold. */
    private export(root: GrowNode): GrownTree {
      const saved: SavedTree = { feature: [], threshold: [], left: [], right: [], value: [] };
      const bins: number[] = [];
      const stack: { node: GrowNode; parent: number; isLeft: boolean }[] = [
        { node: root, parent: -1, isLeft: false }
      ];
      while (stack.length > 0) {
        const { node, parent, isLeft } = stack.pop() as (typeof stack)[number];
        const index = saved.feature.length;
        if (parent >= 0) {
          (isLeft ? saved.left : saved.right)[parent] = index;
        }
        saved.left.push(-1);
        saved.right.push(-1);
        if (node.leaf) {
          saved.feature.push(-1);
          saved.threshold.push(0);
          saved.value.push(node.value);
          bins.push(-1);
        } else {
          saved.feature.push(node.feature);
          saved.threshold.push(this.cuts[node.feature][node.bin]);
          // What the tree would predict had it stopped here (not used for prediction).
          saved.value.push(node.value * this.params.learningRate);
          bins.push(node.bin);
          stack.push({ node: node.right as GrowNode, parent: index, isLeft: false });
          stack.push({ node: node.left as GrowNode, parent: index, isLeft: true });
        }
      }
      return { saved, bin: Int32Array.from(bins) };
    }
  }
}
