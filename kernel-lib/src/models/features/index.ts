export { combine } from './featurizer';
export type { FeaturizeOptions, Featurizer } from './featurizer';
export {
  DESCRIPTOR_FEATURIZER_VERSION,
  MORGAN_FEATURIZER_VERSION,
  descriptorFeaturizer,
  morganCountFeaturizer
} from './molecules';
export type { MorganCountOptions } from './molecules';
export {
  MIXTURE_FEATURIZER_VERSION,
  mixtureFeaturizer,
  mixtureGroupKeyWith,
  mixtureSample
} from './mixture';
export type {
  MixtureCondition,
  MixtureFeaturizerOptions,
  MixtureSample,
  MixtureSampleComponent
} from './mixture';
export { groupKey, groupKeyWith, groupKeys, murckoScaffoldWith } from './groups';
export type { GroupBy } from './groups';
