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
 * TensorFlow.js memory and predicts on whatever backend is active. The members train together, each
 * exactly as it would alone: TensorFlow.js runs the forward and backward passes, the weights and the
 * Adam step stay on the host (Private.trainEnsemble says why).
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
import { yieldToEventLoop } from '../../scheduling';
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
    const members = await Private.trainEnsemble(tf, this.params, this.seed, Z, t);
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
  /** One member's own draws (validation split, initializer seeds, batch orders) and its progress. */
  interface Member {
    rng: SeededRandom;
    trainingRows: number[];
    validationRows: number[];
    initializerSeeds: number[];
    best: { loss: number; epoch: number; layers: MemberWeights['layers'] };
    epochsRun: number;
    stopped: boolean;
  }

  /** One member's layer on the device. */
  interface LayerTensors {
    kernel: Tf.Tensor2D;
    /** The kernel transposed (outputs x inputs), for the backward pass of the layer above. */
    kernelT: Tf.Tensor2D;
    bias: Tf.Tensor1D;
  }

  // tf.train.adam's defaults (Kingma & Ba 2015; epsilon is TensorFlow.js's float32 epsilon).
  const BETA1 = 0.9;
  const BETA2 = 0.999;
  const EPSILON = 1e-7;

  /**
   * Trains all members together. The networks are small, so TensorFlow.js's per-op dispatch, not
   * arithmetic, is what costs (bench/README.md): member by member through autodiff and
   * tf.train.adam, a step of one member was about 100 ops, most of them the optimizer's (about 13
   * per weight tensor) and the autodiff's bookkeeping. Here:
   *   - TensorFlow.js runs only the matrix work: each running member's forward and backward pass,
   *     written out (fused dense layers; transposes made on the host, because the wasm backend runs
   *     transposed and batched 3-D products in a slow reference loop while plain 2-D products go to
   *     XNNPACK), about 20 ops per member and step;
   *   - the weights of all members are one Float32Array on the host, and the gradient pieces are
   *     read back into it; the L2 term and the Adam step (tf.train.adam's update rule) are a plain
   *     loop over it, which costs less than one TensorFlow.js op;
   *   - batches are gathered on the host and uploaded, with their transpose for the first layer's
   *     kernel gradient;
   *   - a member that has stopped early costs nothing more: its recorded weights are those of its
   *     best epoch, copied when it improved.
   * Nothing is shared between members and every update is elementwise, so each member keeps its own
   * seed, validation split, initialization, batch order and early stopping, and trains exactly as
   * it would alone (tested). The loss of a member is its batch mean squared error plus l2 times the
   * sum of its squared kernel weights (biases are not penalized).
   */
  export async function trainEnsemble(
    tf: TensorFlow,
    params: MlpEnsembleParams,
    seed: number,
    Z: Matrix,
    t: number[]
  ): Promise<MemberWeights[]> {
    const n = Z.length;
    const inputs = Z[0].length;
    const held = Math.floor(n * params.validationFraction);
    // Early stopping needs at least one held-out row and leaves at least two to train on.
    const validate = held >= 1 && n - held >= 2;
    const widths = [inputs, ...params.hiddenUnits, 1];
    const layerCount = widths.length - 1;
    const members: Member[] = Array.from({ length: params.members }, (_, m) => {
      // The draws, in order, of a member trained alone: split, one seed per layer, then one batch
      // order per epoch.
      const rng = new SeededRandom(seed + m);
      const order = rng.shuffled(Z.map((_, i) => i));
      return {
        rng,
        validationRows: validate ? order.slice(0, held) : [],
        trainingRows: validate ? order.slice(held) : order,
        initializerSeeds: widths.slice(1).map(() => rng.seed()),
        best: { loss: Infinity, epoch: 0, layers: [] },
        epochsRun: 0,
        stopped: false
      };
    });
    const trainingCount = members[0].trainingRows.length;

    // One member's flat layout: kernel 0 (row-major, inputs x outputs), bias 0, kernel 1, ...
    const layout = widths.slice(1).map((outputs, l) => ({ inputs: widths[l], outputs, offset: 0 }));
    let memberSize = 0;
    for (const layer of layout) {
      layer.offset = memberSize;
      memberSize += layer.inputs * layer.outputs + layer.outputs;
    }
    const weights = new Float32Array(members.length * memberSize);
    // 2 l2 on kernel entries, 0 on biases: the penalty's gradient is this times the weights.
    const penaltyScale = new Float32Array(memberSize);
    members.forEach((member, m) => {
      layout.forEach((layer, l) => {
        const seed = member.initializerSeeds[l];
        // He initialization suits ReLU (He et al. 2015); Glorot for the linear output.
        const initializer =
          l < layerCount - 1
            ? tf.initializers.heNormal({ seed })
            : tf.initializers.glorotUniform({ seed });
        const kernel = initializer.apply([layer.inputs, layer.outputs], 'float32');
        weights.set(kernel.dataSync(), m * memberSize + layer.offset);
        kernel.dispose();
        penaltyScale.fill(2 * params.l2, layer.offset, layer.offset + layer.inputs * layer.outputs);
        // Biases start at zero, the array's initial value.
      });
    });
    const adam = {
      moment1: new Float64Array(weights.length),
      moment2: new Float64Array(weights.length),
      step: 0
    };
    const gradient = new Float32Array(memberSize);

    /** Member m's layers as tensors (inside a tf.tidy). */
    const upload = (m: number): LayerTensors[] =>
      layout.map(layer => {
        const start = m * memberSize + layer.offset;
        const size = layer.inputs * layer.outputs;
        const kernel = weights.subarray(start, start + size);
        return {
          kernel: tf.tensor2d(kernel, [layer.inputs, layer.outputs]),
          kernelT: tf.tensor2d(transpose(kernel, layer.inputs, layer.outputs), [
            layer.outputs,
            layer.inputs
          ]),
          bias: tf.tensor1d(weights.subarray(start + size, start + size + layer.outputs))
        };
      });

    const keepBest = (member: Member, epoch: number, loss: number) => {
      const base = members.indexOf(member) * memberSize;
      member.best = {
        loss,
        epoch,
        layers: layout.map(layer => {
          const start = base + layer.offset;
          const size = layer.inputs * layer.outputs;
          return {
            inputs: layer.inputs,
            outputs: layer.outputs,
            kernel: Array.from(weights.subarray(start, start + size)),
            bias: Array.from(weights.subarray(start + size, start + size + layer.outputs))
          };
        })
      };
    };

    const Zf = Float32Array.from(Z.flat());
    const validation = validate
      ? members.map(member => ({
          x: tf.tensor2d(gatherRows(Zf, inputs, member.validationRows), [held, inputs]),
          y: tf.tensor2d(
            member.validationRows.map(i => t[i]),
            [held, 1]
          )
        }))
      : [];

    try {
      // Epoch 0 (the initial weights) is the fallback of a member that never improves.
      members.forEach(member => keepBest(member, 0, Infinity));
      const positions = members[0].trainingRows.map((_, i) => i);
      for (let epoch = 1; epoch <= params.epochs; epoch++) {
        // Let other work run between epochs (training a large set takes seconds).
        await yieldToEventLoop();
        const running = members.filter(member => !member.stopped);
        const orders = running.map(member =>
          member.rng.shuffled(positions).map(i => member.trainingRows[i])
        );
        for (let start = 0; start < trainingCount; start += params.batchSize) {
          const size = Math.min(params.batchSize, trainingCount - start);
          adam.step++;
          running.forEach((member, r) => {
            const rows = orders[r].slice(start, start + size);
            const x = gatherRows(Zf, inputs, rows);
            tf.tidy(() => {
              const pieces = memberGradient(tf, upload(members.indexOf(member)), {
                x: tf.tensor2d(x, [size, inputs]),
                xT: tf.tensor2d(transpose(x, size, inputs), [inputs, size]),
                y: tf.tensor2d(
                  rows.map(i => t[i]),
                  [size, 1]
                )
              });
              layout.forEach((layer, l) => {
                gradient.set(pieces[l].kernel.dataSync(), layer.offset);
                gradient.set(
                  pieces[l].bias.dataSync(),
                  layer.offset + layer.inputs * layer.outputs
                );
              });
            });
            adamStep(
              params,
              adam,
              weights,
              members.indexOf(member) * memberSize,
              gradient,
              penaltyScale
            );
          });
        }
        running.forEach(member => (member.epochsRun = epoch));
        if (!validate) {
          continue;
        }
        const losses = tf.tidy(() =>
          running.map(member => {
            const m = members.indexOf(member);
            const predicted = forwardBatch(tf, upload(m), validation[m].x);
            return tf.mean(tf.square(tf.sub(predicted, validation[m].y))).dataSync()[0];
          })
        );
        running.forEach((member, r) => {
          if (losses[r] < member.best.loss) {
            keepBest(member, epoch, losses[r]);
          } else if (epoch - member.best.epoch >= params.patience) {
            member.stopped = true;
          }
        });
        if (members.every(member => member.stopped)) {
          break;
        }
      }
      if (!validate) {
        members.forEach(member => keepBest(member, params.epochs, Infinity));
      }
      return members.map(member => ({
        bestEpoch: member.best.epoch,
        epochsRun: member.epochsRun,
        layers: member.best.layers
      }));
    } finally {
      validation.forEach(v => tf.dispose([v.x, v.y]));
    }
  }

  /**
   * tf.train.adam's update of one member's weights (from `offset` in `weights`) at step t (1-based),
   * with the L2 penalty's gradient added:
   *   g = gradient + 2 l2 w (kernels),  m = b1 m + (1 - b1) g,  v = b2 v + (1 - b2) g^2,
   *   w = w - lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + epsilon).
   */
  function adamStep(
    params: MlpEnsembleParams,
    adam: { moment1: Float64Array; moment2: Float64Array; step: number },
    weights: Float32Array,
    offset: number,
    gradient: Float32Array,
    penaltyScale: Float32Array
  ): void {
    const { moment1, moment2 } = adam;
    const correction1 = 1 - BETA1 ** adam.step;
    const correction2 = 1 - BETA2 ** adam.step;
    for (let i = 0; i < gradient.length; i++) {
      const k = offset + i;
      const g = gradient[i] + penaltyScale[i] * weights[k];
      moment1[k] = BETA1 * moment1[k] + (1 - BETA1) * g;
      moment2[k] = BETA2 * moment2[k] + (1 - BETA2) * g * g;
      weights[k] -=
        (params.learningRate * (moment1[k] / correction1)) /
        (Math.sqrt(moment2[k] / correction2) + EPSILON);
    }
  }

  /** Rows of a row-major matrix, as one row-major Float32Array. */
  function gatherRows(flat: Float32Array, columns: number, rows: number[]): Float32Array {
    const out = new Float32Array(rows.length * columns);
    rows.forEach((row, i) =>
      out.set(flat.subarray(row * columns, (row + 1) * columns), i * columns)
    );
    return out;
  }

  function transpose(values: Float32Array, rows: number, columns: number): Float32Array {
    const out = new Float32Array(values.length);
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < columns; j++) {
        out[j * rows + i] = values[i * columns + j];
      }
    }
    return out;
  }

  /** A member's output for a batch: ReLU hidden layers, linear output. */
  function forwardBatch(tf: TensorFlow, layers: LayerTensors[], x: Tf.Tensor2D): Tf.Tensor2D {
    return layers.reduce(
      (h, layer, l) =>
        tf.fused.matMul({
          a: h,
          b: layer.kernel,
          bias: layer.bias,
          activation: l === layers.length - 1 ? 'linear' : 'relu'
        }) as Tf.Tensor2D,
      x
    );
  }

  /**
   * The gradient of one member's batch mean squared error with respect to each layer's kernel and
   * bias (backpropagation written out; the L2 term is added on the host).
   */
  function memberGradient(
    tf: TensorFlow,
    layers: LayerTensors[],
    batch: { x: Tf.Tensor2D; xT: Tf.Tensor2D; y: Tf.Tensor2D }
  ): { kernel: Tf.Tensor; bias: Tf.Tensor }[] {
    // Activations: a[0] = x, a[l + 1] = relu(a[l] W_l + b_l), the last one linear.
    const a: Tf.Tensor2D[] = [batch.x];
    layers.forEach((layer, l) => {
      a.push(
        tf.fused.matMul({
          a: a[l],
          b: layer.kernel,
          bias: layer.bias,
          activation: l === layers.length - 1 ? 'linear' : 'relu'
        }) as Tf.Tensor2D
      );
    });
    const rows = batch.x.shape[0];
    // d(mean squared error)/d(output) = 2 (output - y) / rows.
    let delta = tf.mul<Tf.Tensor2D>(tf.sub(a[layers.length], batch.y), 2 / rows);
    const gradients: { kernel: Tf.Tensor; bias: Tf.Tensor }[] = [];
    for (let l = layers.length - 1; l >= 0; l--) {
      const inputT = l === 0 ? batch.xT : (tf.transpose(a[l]) as Tf.Tensor2D);
      gradients[l] = { kernel: tf.matMul(inputT, delta), bias: tf.sum(delta, 0) };
      if (l > 0) {
        // Back through layer l's weights, then the ReLU of layer l - 1 (its output > 0 where active).
        delta = tf.mul(tf.matMul(delta, layers[l].kernelT), tf.step(a[l]));
      }
    }
    return gradients;
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
