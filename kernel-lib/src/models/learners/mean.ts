/** The mean-predictor baseline: every prediction is the training mean. Any learner must beat it. */
import { z } from 'zod';
import type { Learner, Matrix, Regressor } from '../types';
import { checkPredictionSet, checkSeed, checkTrainingSet, LearnerInputError } from './data';

const SavedMeanSchema = z.object({
  kind: z.literal('mean'),
  mean: z.number(),
  columns: z.number().int().positive()
});

export type SavedMean = z.infer<typeof SavedMeanSchema>;

export class MeanRegressor implements Regressor {
  constructor(private saved?: SavedMean) {}

  async fit(X: Matrix, y: number[]): Promise<void> {
    const columns = checkTrainingSet('mean', X, y);
    this.saved = { kind: 'mean', mean: y.reduce((a, b) => a + b, 0) / y.length, columns };
  }

  async predict(X: Matrix): Promise<number[]> {
    const saved = this.toJSON();
    checkPredictionSet('mean', X, saved.columns);
    return X.map(() => saved.mean);
  }

  toJSON(): SavedMean {
    if (!this.saved) {
      throw new LearnerInputError('mean: predict or toJSON called before fit');
    }
    return this.saved;
  }
}

export interface MeanLearner extends Learner {
  create(seed: number): MeanRegressor;
  fromJSON(json: unknown): MeanRegressor;
}

export function meanLearner(): MeanLearner {
  return {
    name: 'mean',
    params: {},
    create: seed => {
      checkSeed('mean', seed);
      return new MeanRegressor();
    },
    fromJSON: json => {
      const parsed = SavedMeanSchema.safeParse(json);
      if (!parsed.success) {
        throw new LearnerInputError(`mean: not a saved mean model: ${parsed.error.message}`);
      }
      return new MeanRegressor(parsed.data);
    }
  };
}
