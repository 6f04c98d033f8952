export { LearnerInputError } from './data';
export { TreeEnsembleRegressor, extraTreesLearner, forestLearner } from './treeEnsemble';
export type {
  SavedTree,
  SavedTreeEnsemble,
  TreeEnsembleKind,
  TreeEnsembleLearner,
  TreeEnsembleOptions,
  TreeEnsembleParams
} from './treeEnsemble';
export { HistGradientBoostingRegressor, gradientBoostingLearner } from './histGradientBoosting';
export type {
  GradientBoostingLearner,
  GradientBoostingOptions,
  GradientBoostingParams,
  SavedGradientBoosting
} from './histGradientBoosting';
export { MlpEnsembleRegressor, mlpEnsembleLearner } from './mlpEnsemble';
export type {
  MlpEnsembleLearner,
  MlpEnsembleOptions,
  MlpEnsembleParams,
  SavedMlpEnsemble
} from './mlpEnsemble';
export { RidgeRegressor, ridgeLearner } from './ridge';
export type { RidgeLearner, RidgeModel, RidgeOptions } from './ridge';
export {
  chooseTensorFlowBackends,
  cpuBackend,
  loadTensorFlow,
  tensorFlowLoaded,
  useBackend,
  wasmBackend
} from './tensorflow';
export type { BackendCandidate, BackendName, TensorFlow, TensorFlowRuntime } from './tensorflow';
