/**
 * Loads TensorFlow.js once, on the best backend present: WebAssembly, else plain JavaScript (cpu).
 * Loaded lazily so that importing the kernel library does not pay for TensorFlow.js (and a browser
 * bundle keeps it in chunks of its own).
 *
 * The list of backends to try is the platform's to choose: `@cryoprotect/kernel/node` puts the
 * native tfjs-node backend first when that optional package is installed (its install script
 * downloads libtensorflow, impossible on some machines) and names the folder of the wasm binaries
 * inside node_modules; a browser bundle may say where it serves them. In Node the wasm backend runs
 * single-threaded (no multithread support is detected), which keeps float results bit-identical
 * from run to run.
 */
import type * as Tf from '@tensorflow/tfjs';

export type TensorFlow = typeof Tf;

/** Where TensorFlow.js ran, for the model registry. */
export interface TensorFlowRuntime extends Record<string, string> {
  backend: string;
  tfjsVersion: string;
}

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

/** A backend to try: `prepare` registers and selects it, answering false when it is not there. */
export interface BackendCandidate {
  name: BackendName;
  prepare(tf: TensorFlow): Promise<boolean>;
}

/**
 * The wasm backend. `paths` is the folder (or URL prefix) holding `tfjs-backend-wasm*.wasm`;
 * without it the backend looks beside its own script.
 */
export function wasmBackend(paths?: string): BackendCandidate {
  return {
    name: 'wasm',
    async prepare(tf) {
      try {
        const wasm = await import('@tensorflow/tfjs-backend-wasm');
        if (paths !== undefined) {
          wasm.setWasmPaths(paths);
        }
        Private.wasmThreads = wasm.getThreadsCount;
        if (!(await tf.setBackend('wasm'))) {
          return false;
        }
        await tf.ready();
        return true;
      } catch {
        return false;
      }
    }
  };
}

/** Plain JavaScript: always there, the slowest. */
export const cpuBackend: BackendCandidate = {
  name: 'cpu',
  async prepare(tf) {
    await tf.setBackend('cpu');
    await tf.ready();
    return true;
  }
};

/**
 * The backends to try, in order, on the first load. Refused once TensorFlow.js is loaded, since
 * models trained so far ran on the backend chosen then.
 */
export function chooseTensorFlowBackends(candidates: BackendCandidate[]): void {
  if (Private.loading) {
    throw new Error(
      'chooseTensorFlowBackends: TensorFlow.js is already loaded; choose its backends before the first model that uses it'
    );
  }
  backendCandidates = [...candidates];
}

/** Whether TensorFlow.js has been loaded (its backends chosen). */
export function tensorFlowLoaded(): boolean {
  return Private.loading !== undefined;
}

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

/** The backends to try on the first load, best first (chooseTensorFlowBackends changes them). */
let backendCandidates: BackendCandidate[] = [wasmBackend(), cpuBackend];

namespace Private {
  export let loading: Promise<TensorFlow> | undefined;
  export let wasmThreads: (() => number) | undefined;

  export async function load(): Promise<TensorFlow> {
    const tf = await import('@tensorflow/tfjs');
    for (const candidate of backendCandidates) {
      if (await candidate.prepare(tf)) {
        return tf;
      }
    }
    await cpuBackend.prepare(tf);
    return tf;
  }

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
