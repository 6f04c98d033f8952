/**
 * Random forest regression from mljs (ml-random-forest 2.1.0, CART trees from ml-cart).
 *
 * Two differences from scikit-learn's RandomForestRegressor that matter when comparing numbers:
 * ml-random-forest draws its feature subset once per tree, not at every split, and ml-cart tries every
 * midpoint of a feature at a node with an O(n) pass each, so training costs O(n^2) per feature and node.
 * The default maxFeatures 1.0 makes both forests plain bagged trees (scikit-learn's regression default).
 * Per-tree subsets cost accuracy when few columns carry the signal: on a simulated 500 x 50 problem
 * with 5 informative columns, 50 trees gave a held-out RMSE of 0.40 with all columns and 0.92 with a
 * third (mean predictor 1.31), for 2.6x the training time.
 */
import { RandomForestRegression } from 'ml-random-forest';
import { z } from 'zod';
import type { Learner, Matrix, Regressor } from '../types';
import { checkPredictionSet, checkSeed, checkTrainingSet, LearnerInputError } from './data';
import { SeededRandom } from './random';

export interface ForestOptions {
  /** Number of trees. */
  trees?: number;
  /** Fraction (0, 1] of the feature columns each tree sees, or an integer count of columns. */
  maxFeatures?: number;
  /** Deepest split level of each tree. */
  maxDepth?: number;
  /** A node with fewer training samples than this becomes a leaf. */
  minSamplesPerLeaf?: number;
  /** Train each tree on a bootstrap sample of the rows (true) or on all rows (false). */
  bootstrap?: boolean;
}

export interface ForestParams {
  trees: number;
  maxFeatures: number;
  maxDepth: number;
  minSamplesPerLeaf: number;
  bootstrap: boolean;
}

const SavedForestSchema = z.object({
  kind: z.literal('random-forest'),
  library: z.string(),
  params: z.object({
    trees: z.number(),
    maxFeatures: z.number(),
    maxDepth: z.number(),
    minSamplesPerLeaf: z.number(),
    bootstrap: z.boolean()
  }),
  seed: z.number().int(),
  columns: z.number().int().positive(),
  forest: z.object({
    name: z.literal('RFRegression'),
    selectionMethod: z.enum(['mean', 'median']),
    baseModel: z.record(z.string(), z.unknown())
  })
});

type SavedForest = z.infer<typeof SavedForestSchema>;

const LIBRARY = 'ml-random-forest@2.1.0';

export class ForestRegressor implements Regressor {
  private forest: RandomForestRegression | undefined;
  private columns = 0;

  constructor(
    readonly params: ForestParams,
    readonly seed: number
  ) {}

  /** @internal Rebuild from a saved model. */
  static restore(saved: SavedForest): ForestRegressor {
    const regressor = new ForestRegressor(saved.params, saved.seed);
    regressor.forest = RandomForestRegression.load(
      saved.forest as unknown as Parameters<typeof RandomForestRegression.load>[0]
    );
    regressor.columns = saved.columns;
    return regressor;
  }

  async fit(X: Matrix, y: number[]): Promise<void> {
    const columns = checkTrainingSet('random forest', X, y);
    if (Number.isInteger(this.params.maxFeatures) && this.params.maxFeatures > columns) {
      throw new LearnerInputError(
        `random forest: maxFeatures ${this.params.maxFeatures} exceeds the ${columns} feature columns`
      );
    }
    if (Math.floor(columns * this.params.maxFeatures) < 1 && this.params.maxFeatures < 1) {
      throw new LearnerInputError(
        `random forest: maxFeatures ${this.params.maxFeatures} of ${columns} columns leaves no column for a tree`
      );
    }
    const forest = new RandomForestRegression({
      nEstimators: this.params.trees,
      maxFeatures: this.params.maxFeatures,
      replacement: false,
      useSampleBagging: this.params.bootstrap,
      // ml-random-forest wants a 32-bit integer; derive one so that any safe-integer seed works.
      seed: new SeededRandom(this.seed).seed(),
      noOOB: true,
      selectionMethod: 'mean',
      treeOptions: {
        maxDepth: this.params.maxDepth,
        minNumSamples: this.params.minSamplesPerLeaf
      }
    });
    forest.train(X, y);
    this.forest = forest;
    this.columns = columns;
  }

  async predict(X: Matrix): Promise<number[]> {
    const forest = this.requireFitted();
    checkPredictionSet('random forest', X, this.columns);
    return X.length === 0 ? [] : forest.predict(X);
  }

  /** The mean over trees and the trees' standard deviation per row (spread of the ensemble). */
  async predictWithSpread(X: Matrix): Promise<{ mean: number[]; spread: number[] }> {
    const forest = this.requireFitted();
    checkPredictionSet('random forest', X, this.columns);
    if (X.length === 0) {
      return { mean: [], spread: [] };
    }
    const perTree = forest.predictionValues(X).to2DArray();
    const mean = perTree.map(row => row.reduce((a, b) => a + b, 0) / row.length);
    const spread = perTree.map((row, i) =>
      Math.sqrt(row.reduce((s, v) => s + (v - mean[i]) ** 2, 0) / row.length)
    );
    return { mean, spread };
  }

  toJSON(): SavedForest {
    const forest = this.requireFitted();
    return {
      kind: 'random-forest',
      library: LIBRARY,
      params: this.params,
      seed: this.seed,
      columns: this.columns,
      // Through JSON once: the library's model holds tree objects with their own toJSON.
      forest: JSON.parse(JSON.stringify(forest.toJSON())) as SavedForest['forest']
    };
  }

  private requireFitted(): RandomForestRegression {
    if (!this.forest) {
      throw new LearnerInputError('random forest: predict or toJSON called before fit');
    }
    return this.forest;
  }
}

export interface ForestLearner extends Learner {
  params: Record<string, unknown> & ForestParams & { library: string };
  create(seed: number): ForestRegressor;
  fromJSON(json: unknown): ForestRegressor;
}

/** A random forest of CART regression trees (ml-random-forest). */
export function forestLearner(options: ForestOptions = {}): ForestLearner {
  const params: ForestParams = {
    trees: options.trees ?? 100,
    maxFeatures: options.maxFeatures ?? 1,
    maxDepth: options.maxDepth ?? 12,
    minSamplesPerLeaf: options.minSamplesPerLeaf ?? 3,
    bootstrap: options.bootstrap ?? true
  };
  Private.checkParams(params);
  return {
    name: 'random-forest',
    params: { ...params, library: LIBRARY },
    create: seed => new ForestRegressor(params, checkSeed('random forest', seed)),
    fromJSON: json => {
      const parsed = SavedForestSchema.safeParse(json);
      if (!parsed.success) {
        throw new LearnerInputError(
          `random forest: not a saved random forest: ${parsed.error.message}`
        );
      }
      return ForestRegressor.restore(parsed.data);
    }
  };
}

namespace Private {
  export function checkParams(p: ForestParams): void {
    const positiveInteger = (name: string, v: number) => {
      if (!Number.isInteger(v) || v < 1) {
        throw new LearnerInputError(`random forest: ${name} must be an integer >= 1, got ${v}`);
      }
    };
    positiveInteger('trees', p.trees);
    positiveInteger('minSamplesPerLeaf', p.minSamplesPerLeaf);
    positiveInteger('maxDepth', p.maxDepth);
    if (!(p.maxFeatures > 0 && (p.maxFeatures <= 1 || Number.isInteger(p.maxFeatures)))) {
      throw new LearnerInputError(
        `random forest: maxFeatures must be a fraction in (0, 1] or a whole number of columns, got ${p.maxFeatures}`
      );
    }
  }
}
