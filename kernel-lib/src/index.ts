export { KERNEL_VERSION } from './version';
export { yieldToEventLoop } from './scheduling';
export * from './provenance';
export * from './citations';
export * from './chemistry';
export { liquidDensity, OutOfRangeError } from './properties/density';
export type {
  Density,
  Dippr105Correlation,
  Kell1975Correlation,
  LiquidDensityCorrelation,
  PpdsCorrelation
} from './properties/density';
export { COMPONENT_ROLES } from './mixtures/units';
export {
  ComponentRoleSchema,
  findReferenceMolecule,
  getReferenceData,
  parseReferenceData
} from './reference/cryoprotectants';
export type {
  ComponentRole,
  ReferenceData,
  ReferenceMolecule,
  ReferenceSource
} from './reference/cryoprotectants';
export {
  CONCENTRATION_UNITS,
  composition,
  ConcentrationUnitSchema,
  convert,
  glassTransitionFox,
  glassTransitionGordonTaylor,
  glassTransitionGordonTaylorWith,
  massFraction,
  MixtureComponentSchema,
  MixtureError,
  MixtureMoleculeSchema,
  MixtureSchema,
  molality,
  molarity,
  moleculeFromReference,
  moleculeFromReferenceWith,
  mixtureText,
  moleFraction,
  osmolality,
  parseMixture,
  parseMixtureText,
  parseMixtureTextWith,
  ROOM_TEMPERATURE_KELVIN,
  totalSoluteMolality,
  totalSoluteMolarity,
  WATER_MOLAR_MASS
} from './mixtures';
export type {
  BinarySolution,
  ChosenTg,
  Citation,
  ComponentComposition,
  ComponentContribution,
  Composition,
  CompositionOptions,
  ConcentrationUnit,
  GlassTransitionOptions,
  GlassTransitionParameters,
  GlassTransitionResult,
  GordonTaylorKMethod,
  GordonTaylorOptions,
  GordonTaylorParameters,
  Mixture,
  MixtureComponent,
  MixtureIssue,
  MixtureMolecule,
  MixtureProperty,
  MolarityQuantity,
  OsmolalityContribution,
  OsmolalityOptions,
  OsmolalityParameters,
  PublishedTg,
  PureDensity,
  Quantity,
  SolutionDensity,
  SolutionDensityMethod,
  SourcedTemperature,
  SourcedValue,
  TotalParameters,
  WaterComposition
} from './mixtures';
export * from './api';
export * from './models/types';
export * from './models/random';
export * from './models/validation';
export * from './models/plots';
export * from './models/pipeline';
export * from './models/data';
export * from './models/features';
export * from './models/learner-registry';
export * from './models/auto';
export * from './models/featurizer-spec';
export * from './models/training';
export * from './models/artifact';
export * from './models/predict';
export * from './models/workflow';
export * from './models/learners';
export * from './models/toxicity';
export * from './screens';
export * from './display';
