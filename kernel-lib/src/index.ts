export { KERNEL_VERSION } from './version';
export * from './chemistry';
export { liquidDensity, OutOfRangeError } from './properties/density';
export type {
  Density,
  Dippr105Correlation,
  Kell1975Correlation,
  LiquidDensityCorrelation,
  PpdsCorrelation
} from './properties/density';
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
