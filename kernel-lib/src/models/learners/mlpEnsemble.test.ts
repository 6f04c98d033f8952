import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type * as Tf from '@tensorflow/tfjs';
import { fitStandardizer, LearnerInputError, standardize, targetScale } from './data';
import { mlpEnsembleLearner, type MlpEnsembleOptions } from './mlpEnsemble';
import { SeededRandom } from './random';
import { loadTensorFlow, useBackend, type BackendName, type TensorFlow } from './tensorflow';

/** Simulated data (not measurements): y = 2 x0 - x1 + 0.5 x2^2 + noise over four columns. */
function simulated(n: number, seed: number): { X: number[][]; y: number[] } {
  const rng = new SeededRandom(seed);
  const X = Array.from({ length: n }, () => Array.from({ length: 4 }, () => 4 * rng.next() - 2));
  const y = X.map(r => 2 * r[0] - r[1] + 0.5 * r[2] * r[2] + 0.1 * (rng.next() - 0.5));
  return { X, y };
}

const SMALL: MlpEnsembleOptions = {
  members: 3,
  hiddenUnits: [16, 8],
  epochs: 40,
  batchSize: 16,
  learningRate: 0.01,
  patience: 8
};

/**
 * An independent reference for one member without early stopping, the way it would be written with
 * TensorFlow.js's autodiff and tf.train.adam: the same seeded draws (row order, one initializer seed
 * per layer, one batch order per epoch), loss = batch mean squared error + l2 * sum of squared kernels.
 */
function referenceMember(
  options: Required<
    Pick<MlpEnsembleOptions, 'hiddenUnits' | 'epochs' | 'batchSize' | 'learningRate' | 'l2'>
  >,
  seed: number,
  X: number[][],
  y: number[]
): { kernel: number[]; bias: number[] }[] {
  const Z = standardize(X, fitStandardizer(X));
  const target = targetScale(y);
  const t = y.map(v => (v - target.mean) / target.scale);
  const rng = new SeededRandom(seed);
  const order = rng.shuffled(Z.map((_, i) => i));
  const widths = [Z[0].length, ...options.hiddenUnits, 1];
  const kernels = widths.slice(1).map((outputs, l) => {
    const init =
      l < widths.length - 2
        ? tf.initializers.heNormal({ seed: rng.seed() })
        : tf.initializers.glorotUniform({ seed: rng.seed() });
    return tf.variable(init.apply([widths[l], outputs], 'float32'));
  });
  const biases = widths.slice(1).map(outputs => tf.variable(tf.zeros([outputs])));
  const optimizer = tf.train.adam(options.learningRate);
  const x = tf.tensor2d(order.map(i => Z[i]));
  const yt = tf.tensor2d(
    order.map(i => [t[i]]),
    [order.length, 1]
  );
  const positions = order.map((_, i) => i);
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    const shuffled = rng.shuffled(positions);
    for (let start = 0; start < shuffled.length; start += options.batchSize) {
      tf.tidy(() => {
        const index = tf.tensor1d(shuffled.slice(start, start + options.batchSize), 'int32');
        const xb = tf.gather(x, index);
        const yb = tf.gather(yt, index);
        optimizer.minimize(() => {
          let h: Tf.Tensor = xb;
          kernels.forEach((k, l) => {
            h = tf.add(tf.matMul(h, k), biases[l]);
            if (l < kernels.length - 1) {
              h = tf.relu(h);
            }
          });
          const mse = tf.mean(tf.square(tf.sub(h, yb)));
          const penalty = tf.addN(kernels.map(k => tf.sum(tf.square(k))));
          return tf.add(mse, tf.mul(penalty, options.l2)) as Tf.Scalar;
        });
      });
    }
  }
  const layers = kernels.map((k, l) => ({
    kernel: Array.from(k.dataSync()),
    bias: Array.from(biases[l].dataSync())
  }));
  tf.dispose([x, yt, ...kernels, ...biases]);
  optimizer.dispose();
  return layers;
}

let tf: TensorFlow;
let startBackend: string;
before(async () => {
  ({ tf } = await loadTensorFlow());
  startBackend = tf.getBackend();
});
after(async () => {
  await useBackend(startBackend as BackendName);
});

describe('MLP deep ensemble (TensorFlow.js)', () => {
  it('runs on a compiled backend: tfjs-node if installed, else wasm from node_modules', async () => {
    const runtime = await mlpEnsembleLearner().runtime();
    assert.ok(['tensorflow', 'wasm'].includes(runtime.backend), runtime.backend);
    assert.equal(runtime.tfjsVersion, tf.version.tfjs);
    if (runtime.backend === 'wasm') {
      // Node has no wasm threads in tfjs 4.22 (tfjs issue 3830): one thread, deterministic sums.
      assert.equal(runtime.wasmThreads, '1');
    }
  });

  it('gives bit-identical predictions for the same seed, different ones for another seed', async () => {
    const { X, y } = simulated(80, 1);
    const test = simulated(20, 2).X;
    const learner = mlpEnsembleLearner(SMALL);
    const predictions: number[][] = [];
    for (const seed of [5, 5, 6]) {
      const r = learner.create(seed);
      await r.fit(X, y);
      predictions.push(await r.predict(test));
    }
    assert.deepEqual(predictions[0], predictions[1]);
    assert.notDeepEqual(predictions[0], predictions[2]);
  });

  it('is bit-identical on the cpu backend too, and records the backend it trained on', async () => {
    const { X, y } = simulated(60, 3);
    const learner = mlpEnsembleLearner({ ...SMALL, members: 2, epochs: 15 });
    await useBackend('cpu');
    try {
      const a = learner.create(1);
      const b = learner.create(1);
      await a.fit(X, y);
      await b.fit(X, y);
      assert.deepEqual(await a.predict(X), await b.predict(X));
      assert.equal(a.toJSON().runtime.backend, 'cpu');
    } finally {
      await useBackend(startBackend as BackendName);
    }
  });

  it('leaves no tensors behind across fit and predict cycles', async () => {
    const { X, y } = simulated(40, 4);
    const learner = mlpEnsembleLearner({ ...SMALL, members: 2, epochs: 5 });
    const cycle = async () => {
      const r = learner.create(2);
      await r.fit(X, y);
      await r.predictWithSpread(X);
      learner.fromJSON(r.toJSON());
    };
    await cycle();
    const tensors = tf.memory().numTensors;
    await cycle();
    await cycle();
    assert.equal(tf.memory().numTensors, tensors);
  });

  it('learns the simulated function far better than the mean', async () => {
    const train = simulated(160, 5);
    const test = simulated(60, 6);
    const r = mlpEnsembleLearner({ ...SMALL, epochs: 60 }).create(0);
    await r.fit(train.X, train.y);
    const predicted = await r.predict(test.X);
    const mean = train.y.reduce((a, b) => a + b, 0) / train.y.length;
    const rmse = (p: number[]) =>
      Math.sqrt(p.reduce((s, v, i) => s + (v - test.y[i]) ** 2, 0) / p.length);
    assert.ok(rmse(predicted) < 0.3 * rmse(test.y.map(() => mean)));
  });

  it("returns the members' mean and spread; one member has no spread", async () => {
    const { X, y } = simulated(60, 7);
    const r = mlpEnsembleLearner({ ...SMALL, epochs: 10 }).create(3);
    await r.fit(X, y);
    const { mean, spread } = await r.predictWithSpread(X);
    assert.deepEqual(mean, await r.predict(X));
    assert.ok(spread.every(s => s >= 0) && spread.some(s => s > 1e-6));
    const single = mlpEnsembleLearner({ ...SMALL, members: 1, epochs: 10 }).create(3);
    await single.fit(X, y);
    assert.ok((await single.predictWithSpread(X)).spread.every(s => s === 0));
  });

  it('stops a member once validation has not improved for `patience` epochs, keeping its best epoch', async () => {
    const { X, y } = simulated(60, 8);
    const options = { ...SMALL, members: 2, epochs: 200, patience: 3, learningRate: 0.05 };
    const r = mlpEnsembleLearner(options).create(4);
    await r.fit(X, y);
    for (const member of r.toJSON().members) {
      assert.ok(member.bestEpoch >= 1 && member.bestEpoch <= member.epochsRun);
      assert.ok(
        member.epochsRun === options.epochs ||
          member.epochsRun - member.bestEpoch === options.patience,
        JSON.stringify(member)
      );
    }
    const fixed = mlpEnsembleLearner({ ...options, epochs: 7, validationFraction: 0 }).create(4);
    await fixed.fit(X, y);
    assert.ok(fixed.toJSON().members.every(m => m.epochsRun === 7 && m.bestEpoch === 7));
  });

  it('trains each member as autodiff and tf.train.adam would (hand-written backpropagation and Adam)', async () => {
    const { X, y } = simulated(45, 10);
    const options = {
      hiddenUnits: [6, 5],
      epochs: 4,
      batchSize: 8,
      learningRate: 0.01,
      l2: 0.01
    };
    const r = mlpEnsembleLearner({ ...options, members: 2, validationFraction: 0 }).create(11);
    await r.fit(X, y);
    const members = r.toJSON().members;
    members.forEach((member, m) => {
      const reference = referenceMember(options, 11 + m, X, y);
      member.layers.forEach((layer, l) => {
        const values = [...layer.kernel, ...layer.bias];
        const expected = [...reference[l].kernel, ...reference[l].bias];
        const worst = Math.max(...values.map((v, i) => Math.abs(v - expected[i])));
        // float32 sums in another order: equal to rounding, far below one Adam step (0.01).
        assert.ok(worst < 1e-5, `member ${m}, layer ${l}: differs by ${worst}`);
      });
    });
  });

  it('trains each member exactly as it would be trained alone (same seed, split, stopping)', async () => {
    const { X, y } = simulated(70, 11);
    const options = { ...SMALL, epochs: 60, patience: 4, learningRate: 0.05 };
    const ensemble = mlpEnsembleLearner({ ...options, members: 3 }).create(20);
    await ensemble.fit(X, y);
    const together = ensemble.toJSON().members;
    // Members stop at different epochs, so the later ones keep training after others stopped.
    assert.ok(
      new Set(together.map(m => m.epochsRun)).size > 1,
      JSON.stringify(together.map(m => m.epochsRun))
    );
    for (let m = 0; m < 3; m++) {
      const alone = mlpEnsembleLearner({ ...options, members: 1 }).create(20 + m);
      await alone.fit(X, y);
      assert.deepEqual(alone.toJSON().members[0], together[m]);
    }
  });

  it('round-trips through JSON (plain arrays) and predicts identically', async () => {
    const { X, y } = simulated(50, 9);
    const learner = mlpEnsembleLearner({ ...SMALL, epochs: 10 });
    const r = learner.create(8);
    await r.fit(X, y);
    const text = JSON.stringify(r.toJSON());
    const restored = learner.fromJSON(JSON.parse(text));
    assert.deepEqual(await restored.predictWithSpread(X), await r.predictWithSpread(X));
    const broken = JSON.parse(text) as { members: { layers: { bias: number[] }[] }[] };
    broken.members[1].layers[0].bias.pop();
    assert.throws(() => learner.fromJSON(broken), /saved member 1, layer 0 has 15 bias values/);
  });

  it('rejects bad input and parameters with the reason', async () => {
    assert.throws(() => mlpEnsembleLearner({ members: 0 }), LearnerInputError);
    assert.throws(() => mlpEnsembleLearner({ validationFraction: 1 }), /validationFraction/);
    const r = mlpEnsembleLearner(SMALL).create(0);
    await assert.rejects(r.predict([[1, 2, 3, 4]]), /before fit/);
    await assert.rejects(
      r.fit(
        [
          [1, 2],
          [3, Number.NaN]
        ],
        [1, 2]
      ),
      /X row 1, column 1/
    );
  });
});
