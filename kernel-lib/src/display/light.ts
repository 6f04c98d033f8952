/**
 * The light entry `@cryoprotect/kernel/display`: the vendor MIME types and the formatting of
 * numbers and units, without chemistry, models or schemas. JupyterLab's first page load imports
 * this (to register the renderers and format what they draw); the whole kernel, RDKit.js and
 * TensorFlow.js load only when the first structure is drawn.
 */
export { DISPLAY_MIME, type DisplayKind } from './mime';
export {
  DEFAULT_DIGITS,
  displayUnit,
  escapeHtml,
  formatCell,
  formatInterval,
  formatLevel,
  formatNumber,
  formatPercent,
  formatQuantity,
  formatValue,
  titleWithUnit
} from './format';
