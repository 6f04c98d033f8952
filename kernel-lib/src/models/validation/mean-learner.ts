import type { Learner, Matrix, Regressor } from '../types';
import { checkMatrix, checkNumbers, ModelValidationError } from './errors';

/**
 * The baseline every model must beat: predicts the mean of the training targets whatever the
 * features. Its cross-validated RMSE is the "mean predictor" baseline of issue 5 (IRI targets).
 */
export class MeanLearner implements Learner {
  readonly name = 'mean';
  readonly params: Record<string, unknown> = {};

  create(_seed: number): Regressor {
    return new MeanRegressor();
  }

  fromJSON(json: unknown): Regressor {
    const mean = (json as { mean?: unknown } | null)?.mean;
    if (typeof mean !== 'number' || !Number.isFinite(mean)) {
      throw new ModelValidationError(
        'json.mean',
        'must be the finite training mean of a fitted mean model'
      );
    }
    const regressor = new MeanRegressor();
    regressor.mean = mean;
    return regressor;
  }
}

class MeanRegressor implements Regressor {
  mean: number | null = null;

  async fit(X: Matrix, y: number[]): Promise<void> {
    checkMatrix(X, 'X');
    checkNumbers(y, 'y', X.length);
    if (y.length === 0) {
      throw new ModelValidationError(
        'y',
        'is empty; the mean model needs at least one training sample'
      );
    }
    this.mean = y.reduce((s, v) => s + v, 0) / y.length;
  }

  async predict(X: Matrix): Promise<number[]> {
    if (this.mean === null) {
      throw new ModelValidationError('model', 'predict was called before fit');
    }
    checkMatrix(X, 'X');
    return X.map(() => this.mean as number);
  }

  toJSON(): unknown {
    if (this.mean === null) {
      throw new ModelValidationError('model', 'an unfitted mean model has nothing to save');
    }
    return { mean: this.mean };
  }
}
