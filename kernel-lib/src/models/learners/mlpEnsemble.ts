/**
 * A deep ensemble of multilayer perceptrons in TensorFlow.js (Lakshminarayanan et al. 2017, "Simple
 * and scalable predictive uncertainty estimation using deep ensembles", NeurIPS): M networks trained
 * from different seeded initializations and batch orders; the prediction is their mean and their
 * disagreement (standard deviation) is a measure of model uncertainty.
 *
 * Every source of randomness is seeded: kernel initializers take seeds derived from (seed + member),
 * the early-stopping validation split and each epoch's batch order come from a seeded generator
 * (TensorFlow.js's own fit shuffle is unseeded, so training is a plain loop over our own batches).
 * Fitted weights are kept as plain arrays and every tensor is disposed, so a fitted model holds no
 * TensorFlow.js memory and predicts on whatever backend is active.
 */
import type * as Tf from '@tensorflow/tfjs';
import { z } from 'zod';
import type { Learner, Matrix, Regressor } from '../types';
import {
  checkPredictionSet,
  checkSeed,
  checkTrainingSet,
  fitStandardizer,
  LearnerInputError,
  standardize,
  targetScale
} from './data';
import { SeededRandom } from './random';
import { loadTensorFlow, type TensorFlow, type TensorFlowRuntime } from './tensorflow';

export interface MlpEnsembleOptions {
  /** Number of networks in the ensemble. */
  members?: number;
  /** Units of each hidden (ReLU) layer. */
  hiddenUnits?: number[];
  /** Most passes over the training rows per member. */
  epochs?: number;
  batchSize?: number;
  /** Adam step size. */
  learningRate?: number;
  /** L2 penalty on the layer kernels, added to the mean squared error of the standardized target. */
  l2?: number;
  /**
   * Fraction of rows each member holds out (its own seeded draw) to stop early and keep the weights of
   * its best validation epoch; 0 trains for exactly `epochs`.
   */
  validationFraction?: number;
  /** Epochs without improvement of the validation loss before a member stops. */
  patience?: number;
}

export type MlpEnsembleParams = Required<MlpEnsembleOptions>;

const LayerSchema = z.object({
  inputs: z.number().int().positive(),
  outputs: z.number().int().positive(),
  kernel: z.array(z.number()),
  bias: z.array(z.number())
});

const SavedMlpEnsembleSchema = z.object({
  kind: z.literal('mlp-ensemble'),
  params: z.object({
    members: z.number().int().positive(),
    hiddenUnits: z.array(z.number().int().positive()),
    epochs: z.number().int().positive(),
    batchSize: z.number().int().positive(),
    learningRate: z.number().positive(),
    l2: z.number().nonnegative(),
    validationFraction: z.number().min(0).lt(1),
    patience: z.number().int().positive()
  }),
  seed: z.number().int(),
  features: z.object({ means: z.array(z.number()), scales: z.array(z.number().positive()) }),
  target: z.object({ mean: z.number(), scale: z.number().positive() }),
  members: z.array(
    z.object({
      /** Epoch (1-based) whose weights were kept; equals epochsRun without early stopping. */
      bestEpoch: z.number().int().nonnegative(),
      epochsRun: z.number().int().nonnegative(),
      layers: z.array(LayerSchema).min(1)
    })
  ),
  /** Where it was trained. */
  runtime: z.record(z.string(), z.string())
});

export type SavedMlpEnsemble = z.infer<typeof SavedMlpEnsembleSchema>;
type MemberWeights = SavedMlpEnsemble['members'][number];

export class MlpEnsembleRegressor implements Regressor {
  private saved: SavedMlpEnsemble | undefined;

  constructor(
    readonly params: MlpEnsembleParams,
    readonly seed: number,
    saved?: SavedMlpEnsemble
  ) {
    this.saved = saved;
  }

  async fit(X: Matrix, y: number[]): Promise<void> {
    checkTrainingSet('MLP ensemble', X, y);
    const { tf, runtime } = await loadTensorFlow();
    const features = fitStandardizer(X);
    const target = targetScale(y);
    const Z = standardize(X, features);
    const t = y.map(v => (v - target.mean) / target.scale);
    const members: MemberWeights[] = [];
    for (let m = 0; m < this.params.members; m++) {
      members.push(await Private.trainMember(tf, this.params, this.seed + m, Z, t));
    }
    this.saved = {
      kind: 'mlp-ensemble',
      params: this.params,
      seed: this.seed,
      features,
      target,
      members,
      runtime
    };
  }

  async predict(X: Matrix): Promise<number[]> {
    return (await this.predictWithSpread(X)).mean;
  }

  /**
   * The ensemble mean and the members' standard deviation around it (population form, over the M
   * members), per row, in target units.
   */
  async predictWithSpread(X: Matrix): Promise<{ mean: number[]; spread: number[] }> {
    const saved = this.requireFitted();
    checkPredictionSet('MLP ensemble', X, saved.features.means.length);
    if (X.length === 0) {
      return { mean: [], spread: [] };
    }
    const { tf } = await loadTensorFlow();
    const Z = standardize(X, saved.features);
    const perMember = saved.members.map(member =>
      Private.forward(tf, member, Z).map(v => saved.target.mean + saved.target.scale * v)
    );
    const M = perMember.length;
    const mean = Z.map((_, i) => perMember.reduce((s, p) => s + p[i], 0) / M);
    const spread = Z.map((_, i) =>
      Math.sqrt(perMember.reduce((s, p) => s + (p[i] - mean[i]) ** 2, 0) / M)
    );
    return { mean, spread };
  }

  toJSON(): SavedMlpEnsemble {
    return this.requireFitted();
  }

  private requireFitted(): SavedMlpEnsemble {
    if (!this.saved) {
      throw new LearnerInputError('MLP ensemble: predict or toJSON called before fit');
    }
    return this.saved;
  }
}

export interface MlpEnsembleLearner extends Learner {
  params: Record<string, unknown> & MlpEnsembleParams;
  create(seed: number): MlpEnsembleRegressor;
  fromJSON(json: unknown): MlpEnsembleRegressor;
  runtime(): Promise<TensorFlowRuntime>;
}

/** A deep ensemble of TensorFlow.js MLPs with standardized inputs and target. */
export function mlpEnsembleLearner(options: MlpEnsembleOptions = {}): MlpEnsembleLearner {
  const params: MlpEnsembleParams = {
    members: options.members ?? 5,
    hiddenUnits: options.hiddenUnits ?? [64, 32],
    epochs: options.epochs ?? 150,
    batchSize: options.batchSize ?? 32,
    learningRate: options.learningRate ?? 1e-3,
    l2: options.l2 ?? 1e-4,
    validationFraction: options.validationFraction ?? 0.1,
    patience: options.patience ?? 15
  };
  const checked = SavedMlpEnsembleSchema.shape.params.safeParse(params);
  if (!checked.success) {
    throw new LearnerInputError(`MLP ensemble: invalid parameters: ${checked.error.message}`);
  }
  return {
    name: 'mlp-ensemble',
    params,
    create: seed => new MlpEnsembleRegressor(params, checkSeed('MLP ensemble', seed)),
    fromJSON: json => {
      const parsed = SavedMlpEnsembleSchema.safeParse(json);
      if (!parsed.success) {
        throw new LearnerInputError(
          `MLP ensemble: not a saved MLP ensemble: ${parsed.error.message}`
        );
      }
      Private.checkShapes(parsed.data);
      return new MlpEnsembleRegressor(parsed.data.params, parsed.data.seed, parsed.data);
    },
    runtime: async () => (await loadTensorFlow()).runtime
  };
}

namespace Private {
  export async function trainMember(
    tf: TensorFlow,
    params: MlpEnsembleParams,
    seed: number,
    Z: Matrix,
    t: number[]
  ): Promise<MemberWeights> {
    const rng = new SeededRandom(seed);
    const n = Z.length;
    const order = rng.shuffled(Z.map((_, i) => i));
    const held = Math.floor(n * params.validationFraction);
    // Early stopping needs at least one held-out row and leaves at least two to train on.
    const validate = held >= 1 && n - held >= 2;
    const validationRows = validate ? order.slice(0, held) : [];
    const trainingRows = validate ? order.slice(held) : order;

    const model = buildModel(tf, params, Z[0].length, rng);
    const optimizer = tf.train.adam(params.learningRate);
    const x = tf.tensor2d(trainingRows.map(i => Z[i]));
    const y = tf.tensor2d(
      trainingRows.map(i => [t[i]]),
      [trainingRows.length, 1]
    );
    const xVal = validate ? tf.tensor2d(validationRows.map(i => Z[i])) : undefined;
    const yVal = validate
      ? tf.tensor2d(
          validationRows.map(i => [t[i]]),
          [held, 1]
        )
      : undefined;
    try {
      const variables = model.trainableWeights.map(w => w.read() as Tf.Variable);
      const kernels = model.trainableWeights.filter(w => w.name.endsWith('kernel'));
      let best = { loss: Infinity, epoch: 0, weights: snapshot(model) };
      let epochsRun = 0;
      const rows = trainingRows.map((_, i) => i);
      for (let epoch = 1; epoch <= params.epochs; epoch++) {
        const shuffled = rng.shuffled(rows);
        for (let start = 0; start < shuffled.length; start += params.batchSize) {
          const batch = shuffled.slice(start, start + params.batchSize);
          tf.tidy(() => {
            const index = tf.tensor1d(batch, 'int32');
            const xb = tf.gather(x, index);
            const yb = tf.gather(y, index);
            optimizer.minimize(
              () => {
                const predicted = model.apply(xb, { training: true }) as Tf.Tensor;
                const mse = tf.losses.meanSquaredError(yb, predicted);
                if (params.l2 === 0) {
                  return mse as Tf.Scalar;
                }
                const penalty = tf.addN(kernels.map(k => tf.sum(tf.square(k.read()))));
                return tf.add(mse, tf.mul(penalty, params.l2)) as Tf.Scalar;
              },
              false,
              variables
            );
          });
        }
        epochsRun = epoch;
        if (!xVal || !yVal) {
          continue;
        }
        const loss = tf.tidy(() =>
          tf.losses.meanSquaredError(yVal, model.predict(xVal) as Tf.Tensor)
        );
        const value = (await loss.data())[0];
        loss.dispose();
        if (value < best.loss) {
          best = { loss: value, epoch, weights: snapshot(model) };
        } else if (epoch - best.epoch >= params.patience) {
          break;
        }
      }
      const weights = validate ? best.weights : snapshot(model);
      return {
        bestEpoch: validate ? best.epoch : epochsRun,
        epochsRun,
        layers: weights
      };
    } finally {
      tf.dispose([x, y]);
      if (xVal && yVal) {
        tf.dispose([xVal, yVal]);
      }
      optimizer.dispose();
      model.dispose();
    }
  }

  function buildModel(
    tf: TensorFlow,
    params: MlpEnsembleParams,
    inputs: number,
    rng: SeededRandom
  ): Tf.Sequential {
    const model = tf.sequential();
    params.hiddenUnits.forEach((units, i) => {
      model.add(
        tf.layers.dense({
          units,
          activation: 'relu',
          ...(i === 0 ? { inputShape: [inputs] } : {}),
          // He initialization suits ReLU (He et al. 2015); one seed per layer.
          kernelInitializer: tf.initializers.heNormal({ seed: rng.seed() }),
          biasInitializer: 'zeros'
        })
      );
    });
    model.add(
      tf.layers.dense({
        units: 1,
        ...(params.hiddenUnits.length === 0 ? { inputShape: [inputs] } : {}),
        kernelInitializer: tf.initializers.glorotUniform({ seed: rng.seed() }),
        biasInitializer: 'zeros'
      })
    );
    return model;
  }

  /** The dense layers' weights as plain arrays (kernels row-major, inputs x outputs). */
  function snapshot(model: Tf.Sequential): MemberWeights['layers'] {
    return model.layers.map(layer => {
      const [kernel, bias] = layer.getWeights();
      return {
        inputs: kernel.shape[0],
        outputs: kernel.shape[1] ?? 1,
        kernel: Array.from(kernel.dataSync()),
        bias: Array.from(bias.dataSync())
      };
    });
  }

  /** One member's output for standardized rows, from the plain-array weights. */
  export function forward(tf: TensorFlow, member: MemberWeights, Z: Matrix): number[] {
    const out = tf.tidy(() => {
      let h: Tf.Tensor2D = tf.tensor2d(Z);
      member.layers.forEach((layer, i) => {
        const last = i === member.layers.length - 1;
        h = tf.fused.matMul({
          a: h,
          b: tf.tensor2d(layer.kernel, [layer.inputs, layer.outputs]),
          bias: tf.tensor1d(layer.bias),
          activation: last ? 'linear' : 'relu'
        }) as Tf.Tensor2D;
      });
      return h;
    });
    const values = Array.from(out.dataSync());
    out.dispose();
    return values;
  }

  export function checkShapes(saved: SavedMlpEnsemble): void {
    const inputs = saved.features.means.length;
    if (saved.features.scales.length !== inputs) {
      throw new LearnerInputError(
        `MLP ensemble: saved model has ${inputs} feature means but ${saved.features.scales.length} scales`
      );
    }
    saved.members.forEach((member, m) => {
      let width = inputs;
      member.layers.forEach((layer, l) => {
        const where = `MLP ensemble: saved member ${m}, layer ${l}`;
        if (layer.inputs !== width) {
          throw new LearnerInputError(`${where} takes ${layer.inputs} inputs, expected ${width}`);
        }
        if (layer.kernel.length !== layer.inputs * layer.outputs) {
          throw new LearnerInputError(`${where} has ${layer.kernel.length} kernel values`);
        }
        if (layer.bias.length !== layer.outputs) {
          throw new LearnerInputError(`${where} has ${layer.bias.length} bias values`);
        }
        width = layer.outputs;
      });
      if (width !== 1) {
        throw new LearnerInputError(
          `MLP ensemble: saved member ${m} ends in ${width} outputs, not 1`
        );
      }
    });
  }
}
