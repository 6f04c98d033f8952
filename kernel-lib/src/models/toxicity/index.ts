export {
  arrheniusSlope,
  componentRate,
  DEFAULT_REFERENCE_CONCENTRATION,
  DEFAULT_REFERENCE_TEMPERATURE_KELVIN,
  GAS_CONSTANT,
  predictViability,
  TOXICITY_MODEL_DESCRIPTION,
  ToxicityInputError,
  toxicityRate
} from './kinetics';
export type {
  CryoprotectantShare,
  ExposureConditions,
  ToxicityParameters,
  ToxicityReference
} from './kinetics';
export {
  SIMULATED_VIABILITY_COLUMNS,
  SIMULATION_PARAMETERS,
  simulatedViabilityCsv,
  simulateViability
} from './simulate';
export type {
  SimulatedCryoprotectant,
  SimulatedViabilityData,
  SimulatedViabilityRow,
  SimulationOptions
} from './simulate';
export { fitToxicityKinetics } from './fit';
export type { Estimate, FitOptions, ToxicityFit, ViabilityObservation } from './fit';
