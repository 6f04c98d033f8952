/**
 * Numbers and units in the renderers exactly as in the kernel's static fallbacks (an nbconvert
 * export, report.html): both come from the kernel's light display entry, which loads no chemistry.
 */
export {
  displayUnit,
  formatCell,
  formatInterval,
  formatLevel,
  formatNumber,
  formatPercent,
  formatQuantity,
  formatValue,
  titleWithUnit
} from '@cryoprotect/kernel/display';
