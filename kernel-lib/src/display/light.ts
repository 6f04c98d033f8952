/**
 * The light entry `@cryoprotect/kernel/display`: the vendor MIME types, the formatting of numbers
 * and units and the vocabulary of mixtures, without chemistry, models or schemas. JupyterLab's
 * first page load imports this (to register the renderers and format what they draw); the whole
 * kernel, RDKit.js and TensorFlow.js load only when the first structure is drawn.
 */
export { DISPLAY_MIME, type DisplayKind } from './mime';
export * from './format';
export * from './domain';
export { coverageVerdict, type CoverageFigures } from './verdict';
export {
  COMPONENT_ROLES,
  CONCENTRATION_UNITS,
  PER_VOLUME_UNITS,
  type ConcentrationUnit
} from '../mixtures/units';
