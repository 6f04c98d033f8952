import { dirname, sep } from 'node:path';
import {
  chooseTensorFlowBackends,
  cpuBackend,
  wasmBackend,
  type BackendCandidate
} from '../models/learners/tensorflow';

/**
 * The native backend of @tensorflow/tfjs-node, an optional dependency: its install script
 * downloads libtensorflow, which some machines cannot reach, so it is tried and skipped when absent.
 */
export const nativeBackend: BackendCandidate = {
  name: 'tensorflow',
  async prepare(tf) {
    // A variable specifier keeps TypeScript from requiring the package's types.
    const name = '@tensorflow/tfjs-node';
    try {
      await import(name);
    } catch {
      return false;
    }
    if (!(await tf.setBackend('tensorflow'))) {
      return false;
    }
    await tf.ready();
    return true;
  }
};

/**
 * Node's backends, best first: native when installed, else WebAssembly with its binaries read
 * from the package's dist folder in node_modules (never fetched), else plain JavaScript.
 */
export function useNodeTensorFlowBackends(): void {
  const binary = require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm');
  chooseTensorFlowBackends([nativeBackend, wasmBackend(dirname(binary) + sep), cpuBackend]);
}
