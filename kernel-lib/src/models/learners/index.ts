export { LearnerInputError } from './data';
export { ExtraTreesRegressor, extraTreesLearner } from './extraTrees';
export type {
  ExtraTreesLearner,
  ExtraTreesOptions,
  ExtraTreesParams,
  SavedTree
} from './extraTrees';
export { ForestRegressor, forestLearner } from './forest';
export type { ForestLearner, ForestOptions, ForestParams } from './forest';
export { MlpEnsembleRegressor, mlpEnsembleLearner } from './mlpEnsemble';
export type {
  MlpEnsembleLearner,
  MlpEnsembleOptions,
  MlpEnsembleParams,
  SavedMlpEnsemble
} from './mlpEnsemble';
export { RidgeRegressor, ridgeLearner } from './ridge';
export type { RidgeLearner, RidgeModel, RidgeOptions } from './ridge';
export { loadTensorFlow, useBackend } from './tensorflow';
export type { BackendName, TensorFlow, TensorFlowRuntime } from './tensorflow';
