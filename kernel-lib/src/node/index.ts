/**
 * @cryoprotect/kernel/node: what needs Node.js — files (CSV and SDF in, model directories in and
 * out), the process environment, worker threads and the TensorFlow.js backends of this machine.
 * Everything else is in `@cryoprotect/kernel`, which runs unchanged in a browser.
 *
 * Importing this module makes TensorFlow.js try the native tfjs-node backend first when it is
 * installed, and read the wasm backend's binaries from node_modules.
 */
import { tensorFlowLoaded } from '../models/learners/tensorflow';
import { useModelArchive } from '../models/workflow';
import { MODEL_ARCHIVE_VARIABLE, readModelArchive } from './model-archive';
import { useNodeTensorFlowBackends } from './tensorflow';

export { clientFromEnvironment } from './client';
export { WORKER_THRESHOLD, describeRows } from './describe';
export type { DescribeOptions } from './describe';
export {
  FileAccessError,
  fileAccessError,
  readCsvFile,
  readDataFile,
  readStructureFile,
  readStructures
} from './files';
export type { StructureFile } from './files';
export {
  openModel,
  predictCsv,
  readModelDirectory,
  saveTrainedModel,
  trainFromCsv
} from './models';
export type { TrainCsvOptions } from './models';
export { MODEL_ARCHIVE_VARIABLE, readModelArchive } from './model-archive';
export { PROGRESS_MIME, notebookProgress } from './progress';
export type { NotebookProgress } from './progress';
export { nativeBackend, useNodeTensorFlowBackends } from './tensorflow';
export { findTslabJupyter, resolveKernelTslab, sendBundle, tslabDisplay } from './tslab';
export type { DisplayDataContent, DisplayDataWriter, TslabJupyterModule } from './tslab';

// Unless TensorFlow.js already runs: models trained so far used the backend chosen then, and so
// will the next ones.
if (!tensorFlowLoaded()) {
  useNodeTensorFlowBackends();
}

// A reproduced bundle's kernel: the model versions the run loaded, carried in the bundle.
const archive = process.env[MODEL_ARCHIVE_VARIABLE];
if (archive) {
  useModelArchive(readModelArchive(archive));
}
