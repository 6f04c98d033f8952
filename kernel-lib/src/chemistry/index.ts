export {
  configureRDKit,
  isDiscarded,
  loadRDKit,
  rdkitStatus,
  withRDKit,
  parseWith,
  withMol,
  captureRDKitErrors,
  substructMatches,
  ChemistryError
} from './rdkit';
export type { RDKitLocation, RDKitModule, RDKitMol, ChemistryErrorCode } from './rdkit';
export {
  getIdentity,
  getIdentityWith,
  isInchi,
  toRDKitInput,
  compareInchikeys,
  findDuplicate
} from './identity';
export type { MoleculeIdentity, StructureRelation } from './identity';
export { inchiToSmiles, indigoStatus } from './inchi';
export { standardize, standardizeWith } from './standardize';
export type { StandardizedMolecule } from './standardize';
export { DESCRIPTORS, HYDROXYL_SMARTS, getDescriptors, getDescriptorsOf } from './descriptors';
export type { DescriptorDefinition, Descriptors } from './descriptors';
export {
  FingerprintLibrary,
  getMorganFingerprint,
  getMorganFingerprintOf,
  getMorganFingerprintWith,
  onBits,
  tanimoto
} from './fingerprints';
export type { MorganOptions, SimilarityHit } from './fingerprints';
export { SubstructureIndex, hasSubstructure, parseSmarts } from './search';
export { depictMol, getSvg, getSvgWith } from './depict';
export type { DepictionOptions } from './depict';
export { describeRowsWith, describeStructures } from './describe';
export type { DescribedRow, StructureRow } from './describe';
export {
  StructureFileError,
  readSdf,
  readSmi,
  readStructureCsv,
  readStructureCsvTable
} from './structure-files';
export type { StructureColumns, StructureCsv } from './structure-files';
export { EngineFailure, isEngineFailure } from './engine';
export type { EngineState, EngineStatus } from './engine';
export {
  STRUCTURE_LIMITS,
  StructureTooComplexError,
  checkInchi,
  checkSmarts,
  checkStructureText
} from './structure-limits';
export type { StructureLimit } from './structure-limits';
