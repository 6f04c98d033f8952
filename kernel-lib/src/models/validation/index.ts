export { ModelValidationError } from './errors';
export { kFold, groupKFold } from './splits';
export type { Fold } from './splits';
export { mae, rmse, r2, bootstrapInterval, quantile } from './metrics';
export type { Metric, MetricInterval, BootstrapOptions } from './metrics';
export {
  conformalMinimumSize,
  conformalQuantile,
  conformalIntervals,
  outOfFoldConformal,
  cvPlusIntervals,
  coverageReport
} from './conformal';
export type { PredictionIntervals, CoverageReport } from './conformal';
export { clopperPearson, realCoverage, realCoverageByMonth } from './real-coverage';
export type {
  MonthlyCoverage,
  ProportionInterval,
  RealCoverage,
  RealCoverageOptions,
  VerifiedResult
} from './real-coverage';
export { crossValidate, foldScore, summarizeOutOfFold } from './cross-validate';
export type { CrossValidateOptions, CrossValidation, FoldScore } from './cross-validate';
export { permutationImportance } from './importance';
export type {
  PermutationImportanceOptions,
  PermutationImportance,
  FamilyImportance
} from './importance';
export { MeanLearner } from './mean-learner';
export {
  ADAPTIVE_METHOD,
  adaptiveIntervals,
  calibrateAdaptive,
  distanceSpace,
  novelty,
  outOfFoldNovelty
} from './adaptive';
export type { AdaptiveConformal, DistanceSpace, IntervalComparison } from './adaptive';
