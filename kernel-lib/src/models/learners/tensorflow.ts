/**
 * Loads TensorFlow.js once, on the best backend present (ARCHITECTURE.md): the native tfjs-node
 * backend if that optional package is installed, else WebAssembly, else plain JavaScript (cpu).
 * Loaded lazily so that importing the kernel library does not pay for TensorFlow.js.
 *
 * The wasm binaries ship inside @tensorflow/tfjs-backend-wasm; they are read from that package's
 * dist folder in node_modules, never fetched. In Node the wasm backend runs single-threaded (no
 * multithread support is detected), which keeps float results bit-identical from run to run.
 */
import { dirname, sep } from 'node:path';
import type * as Tf from '@tensorflow/tfjs';

export type TensorFlow = typeof Tf;

/** Where TensorFlow.js ran, for the model registry. */
export interface TensorFlowRuntime extends Record<string, string> {
  backend: string;
  tfjsVersion: string;
}

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

/** The TensorFlow.js module, on the best backend present (chosen on the first call). */
export async function loadTensorFlow(): Promise<{ tf: TensorFlow; runtime: TensorFlowRuntime }> {
  Private.loading ??= Private.load();
  const tf = await Private.loading;
  return { tf, runtime: await Private.runtimeOf(tf) };
}

/**
 * Switches to another registered backend, e.g. 'cpu' to compare with 'wasm'. Models already fitted
 * keep their weights as plain arrays, so they predict on whichever backend is active.
 */
export async function useBackend(
  name: BackendName
): Promise<{ tf: TensorFlow; runtime: TensorFlowRuntime }> {
  const { tf } = await loadTensorFlow();
  if (!(await tf.setBackend(name))) {
    throw new Error(`TensorFlow.js backend '${name}' could not be initialized`);
  }
  await tf.ready();
  return { tf, runtime: await Private.runtimeOf(tf) };
}

namespace Private {
  export let loading: Promise<TensorFlow> | undefined;

  export async function load(): Promise<TensorFlow> {
    const tf = await import('@tensorflow/tfjs');
    if ((await tryNative()) && (await tf.setBackend('tensorflow'))) {
      await tf.ready();
      return tf;
    }
    if (await tryWasm(tf)) {
      return tf;
    }
    await tf.setBackend('cpu');
    await tf.ready();
    return tf;
  }

  /** tfjs-node is optional (its install downloads libtensorflow, impossible on some machines). */
  async function tryNative(): Promise<boolean> {
    // A variable specifier keeps TypeScript from requiring the package's types.
    const name = '@tensorflow/tfjs-node';
    try {
      await import(name);
      return true;
    } catch {
      return false;
    }
  }

  async function tryWasm(tf: TensorFlow): Promise<boolean> {
    try {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      const binary = require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm');
      wasm.setWasmPaths(dirname(binary) + sep);
      wasmThreads = wasm.getThreadsCount;
      if (!(await tf.setBackend('wasm'))) {
        return false;
      }
      await tf.ready();
      return true;
    } catch {
      return false;
    }
  }

  let wasmThreads: (() => number) | undefined;

  /** Backend and version; for wasm also SIMD and threads, since either can change the last bits. */
  export async function runtimeOf(tf: TensorFlow): Promise<TensorFlowRuntime> {
    const runtime: TensorFlowRuntime = { backend: tf.getBackend(), tfjsVersion: tf.version.tfjs };
    if (runtime.backend === 'wasm') {
      runtime.wasmSimd = String(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
      runtime.wasmThreads = String(wasmThreads?.() ?? 1);
    }
    return runtime;
  }
}
