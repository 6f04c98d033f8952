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

  /** One member's layer l weights, cut from the flat parameter vector. */
  // A type, not an interface, so that tf.tidy can return it (a TensorContainer).
  type LayerTensors = {
    kernel: Tf.Tensor2D;
    /** The kernel transposed (outputs x inputs), for the backward pass of the layer above. */
    kernelT: Tf.Tensor2D;
    bias: Tf.Tensor1D;
  };

  // tf.train.adam's defaults (Kingma & Ba 2015; epsilon is TensorFlow.js's float32 epsilon).
  const BETA1 = 0.9;
  const BETA2 = 0.999;
  const EPSILON = 1e-7;

  /**
   * Trains all members together. The networks are small, so TensorFlow.js's per-op dispatch, not
   * arithmetic, is what costs (bench/README.md); training member by member through autodiff and
   * tf.train.adam spent about 19 ops per parameter tensor per step in the optimizer alone. Here:
   *   - every member's weights live in one flat vector, and one Adam step (the update rule of
   *     tf.train.adam, elementwise, so per member exactly as if trained alone) updates all of them
   *     in 13 ops;
   *   - the forward and backward passes are written out (fused dense layers, explicit transposes:
   *     the wasm backend runs transposed and batched (3-D) products in a slow reference loop, while
   *     plain 2-D products go to XNNPACK), so each member's step is about 20 ops;
   *   - batches are gathered in JavaScript and uploaded, with their transpose for the first layer's
   *     kernel gradient;
   *   - a member that has stopped early costs nothing: its slice of the gradient is zero, and its
   *     recorded weights are those of its best epoch, snapshotted when it improved.
   * Each member keeps its own seed, validation split, initialization, batch order and early stopping;
   * the loss of member m is its batch mean squared error + l2 * sum of its squared kernels.
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
    const M = members.length;
    const trainingCount = members[0].trainingRows.length;

    // The flat layout of one member: kernel 0 (row-major, inputs x outputs), bias 0, kernel 1, ...
    const pieceSizes = widths.slice(1).flatMap((outputs, l) => [widths[l] * outputs, outputs]);
    const memberSize = pieceSizes.reduce((a, b) => a + b, 0);
    const initial = new Float32Array(M * memberSize);
    // 2 l2 on kernel entries, 0 on biases: the penalty's gradient is this times the weights.
    const penaltyScale = new Float32Array(M * memberSize);
    tf.tidy(() => {
      members.forEach((member, m) => {
        let offset = m * memberSize;
        widths.slice(1).forEach((outputs, l) => {
          const seed = member.initializerSeeds[l];
          // He initialization suits ReLU (He et al. 2015); Glorot for the linear output.
          const initializer =
            l < layerCount - 1
              ? tf.initializers.heNormal({ seed })
              : tf.initializers.glorotUniform({ seed });
          const kernel = initializer.apply([widths[l], outputs], 'float32').dataSync();
          initial.set(kernel, offset);
          penaltyScale.fill(2 * params.l2, offset, offset + kernel.length);
          // Biases start at zero (the array's initial value).
          offset += kernel.length + outputs;
        });
      });
    });

    const Zf = Float32Array.from(Z.flat());
    const constants = {
      beta1: tf.scalar(BETA1),
      oneMinusBeta1: tf.scalar(1 - BETA1),
      beta2: tf.scalar(BETA2),
      oneMinusBeta2: tf.scalar(1 - BETA2),
      epsilon: tf.scalar(EPSILON),
      penaltyScale: tf.tensor1d(penaltyScale),
      zeros: tf.zeros([memberSize]) as Tf.Tensor1D
    };
    const validation = validate
      ? members.map(member => ({
          x: tf.tensor2d(gatherRows(Zf, inputs, member.validationRows), [held, inputs]),
          y: tf.tensor2d(
            member.validationRows.map(i => t[i]),
            [held, 1]
          )
        }))
      : [];
    let state = {
      weights: tf.tensor1d(initial),
      moment1: tf.zeros([M * memberSize]) as Tf.Tensor1D,
      moment2: tf.zeros([M * memberSize]) as Tf.Tensor1D,
      layers: [] as LayerTensors[][]
    };
    state.layers = tf.tidy(() => cut(tf, state.weights, M, widths, pieceSizes));
    const disposeState = () => {
      tf.dispose([state.weights, state.moment1, state.moment2]);
      state.layers.forEach(layers =>
        layers.forEach(l => tf.dispose([l.kernel, l.kernelT, l.bias]))
      );
    };

    const keepBest = (improved: Member[], epoch: number, losses: ArrayLike<number>) => {
      const weights = state.weights.dataSync();
      for (const member of improved) {
        const m = members.indexOf(member);
        let offset = m * memberSize;
        member.best = {
          loss: losses[m],
          epoch,
          layers: widths.slice(1).map((outputs, l) => {
            const size = widths[l] * outputs;
            const layer = {
              inputs: widths[l],
              outputs,
              kernel: Array.from(weights.subarray(offset, offset + size)),
              bias: Array.from(weights.subarray(offset + size, offset + size + outputs))
            };
            offset += size + outputs;
            return layer;
          })
        };
      }
    };

    try {
      // Epoch 0 (the initial weights) is the fallback of a member that never improves.
      keepBest(
        members,
        0,
        members.map(() => Infinity)
      );
      const positions = members[0].trainingRows.map((_, i) => i);
      let step = 0;
      for (let epoch = 1; epoch <= params.epochs; epoch++) {
        const running = members.filter(member => !member.stopped);
        // Stopped members draw no batch orders: their generators are never used again.
        const orders = members.map(member =>
          member.stopped ? [] : member.rng.shuffled(positions).map(i => member.trainingRows[i])
        );
        for (let start = 0; start < trainingCount; start += params.batchSize) {
          const size = Math.min(params.batchSize, trainingCount - start);
          step++;
          const previous = state;
          const next = tf.tidy(() => {
            const gradients = members.map((member, m) => {
              if (member.stopped) {
                return constants.zeros;
              }
              const rows = orders[m].slice(start, start + size);
              const x = gatherRows(Zf, inputs, rows);
              return memberGradient(tf, previous.layers[m], {
                x: tf.tensor2d(x, [size, inputs]),
                xT: tf.tensor2d(transpose(x, size, inputs), [inputs, size]),
                y: tf.tensor2d(
                  rows.map(i => t[i]),
                  [size, 1]
                )
              });
            });
            let gradient: Tf.Tensor1D = tf.concat(gradients);
            if (params.l2 > 0) {
              gradient = tf.add(gradient, tf.mul(constants.penaltyScale, previous.weights));
            }
            return adamStep(tf, constants, params.learningRate, step, previous, gradient);
          });
          state = {
            weights: next.weights,
            moment1: next.moment1,
            moment2: next.moment2,
            layers: tf.tidy(() => cut(tf, next.weights, M, widths, pieceSizes))
          };
          tf.dispose([previous.weights, previous.moment1, previous.moment2]);
          previous.layers.forEach(layers =>
            layers.forEach(l => tf.dispose([l.kernel, l.kernelT, l.bias]))
          );
        }
        running.forEach(member => (member.epochsRun = epoch));
        if (!validate) {
          continue;
        }
        const loss = tf.tidy(() =>
          tf.stack(
            members.map((member, m) =>
              member.stopped
                ? tf.scalar(Infinity)
                : tf.mean(
                    tf.square(
                      tf.sub(forwardBatch(tf, state.layers[m], validation[m].x), validation[m].y)
                    )
                  )
            )
          )
        );
        const losses = await loss.data();
        loss.dispose();
        const improved = running.filter(
          member => losses[members.indexOf(member)] < member.best.loss
        );
        if (improved.length > 0) {
          keepBest(improved, epoch, losses);
        }
        for (const member of running) {
          if (!improved.includes(member) && epoch - member.best.epoch >= params.patience) {
            member.stopped = true;
          }
        }
        if (members.every(member => member.stopped)) {
          break;
        }
      }
      if (!validate) {
        keepBest(
          members,
          params.epochs,
          members.map(() => Infinity)
        );
      }
      return members.map(member => ({
        bestEpoch: member.best.epoch,
        epochsRun: member.epochsRun,
        layers: member.best.layers
      }));
    } finally {
      disposeState();
      tf.dispose(Object.values(constants));
      validation.forEach(v => tf.dispose([v.x, v.y]));
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

  /** Per member, per layer: kernel, its transpose and bias, cut from the flat weights. */
  function cut(
    tf: TensorFlow,
    weights: Tf.Tensor1D,
    members: number,
    widths: number[],
    pieceSizes: number[]
  ): LayerTensors[][] {
    const pieces = tf.split(weights, Array.from({ length: members }, () => pieceSizes).flat());
    return Array.from({ length: members }, (_, m) =>
      widths.slice(1).map((outputs, l) => {
        const kernel = tf.reshape(pieces[m * pieceSizes.length + 2 * l], [widths[l], outputs]);
        return {
          kernel: kernel as Tf.Tensor2D,
          kernelT: tf.transpose(kernel) as Tf.Tensor2D,
          bias: pieces[m * pieceSizes.length + 2 * l + 1] as Tf.Tensor1D
        };
      })
    );
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
   * The gradient of one member's batch mean squared error with respect to its weights, flat in the
   * member's layout (backpropagation written out; the L2 term is added for all members at once).
   */
  export function memberGradient(
    tf: TensorFlow,
    layers: LayerTensors[],
    batch: { x: Tf.Tensor2D; xT: Tf.Tensor2D; y: Tf.Tensor2D }
  ): Tf.Tensor1D {
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
    const pieces: Tf.Tensor[] = [];
    for (let l = layers.length - 1; l >= 0; l--) {
      const inputT = l === 0 ? batch.xT : (tf.transpose(a[l]) as Tf.Tensor2D);
      pieces.push(tf.sum(delta, 0), tf.reshape(tf.matMul(inputT, delta), [-1]));
      if (l > 0) {
        // Back through layer l's weights, then the ReLU of layer l - 1 (its output > 0 where active).
        delta = tf.mul(tf.matMul(delta, layers[l].kernelT), tf.step(a[l]));
      }
    }
    return tf.concat(pieces.reverse()) as Tf.Tensor1D;
  }

  /**
   * tf.train.adam's update, on the flat weights of all members at step t (1-based):
   *   m = b1 m + (1 - b1) g,  v = b2 v + (1 - b2) g^2,
   *   w = w - lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + epsilon).
   */
  function adamStep(
    tf: TensorFlow,
    constants: Record<'beta1' | 'oneMinusBeta1' | 'beta2' | 'oneMinusBeta2' | 'epsilon', Tf.Scalar>,
    learningRate: number,
    t: number,
    previous: { weights: Tf.Tensor1D; moment1: Tf.Tensor1D; moment2: Tf.Tensor1D },
    gradient: Tf.Tensor1D
  ): { weights: Tf.Tensor1D; moment1: Tf.Tensor1D; moment2: Tf.Tensor1D } {
    const moment1 = tf.add<Tf.Tensor1D>(
      tf.mul(previous.moment1, constants.beta1),
      tf.mul(gradient, constants.oneMinusBeta1)
    );
    const moment2 = tf.add<Tf.Tensor1D>(
      tf.mul(previous.moment2, constants.beta2),
      tf.mul(tf.square(gradient), constants.oneMinusBeta2)
    );
    const step = tf.div<Tf.Tensor1D>(
      tf.mul(moment1, learningRate / (1 - BETA1 ** t)),
      tf.add(tf.sqrt(tf.mul(moment2, 1 / (1 - BETA2 ** t))), constants.epsilon)
    );
    return { weights: tf.sub(previous.weights, step), moment1, moment2 };
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
