import {
  displayUnit,
  formatCell,
  formatInterval,
  formatLevel,
  formatNumber,
  formatPercent,
  formatQuantity,
  headerWithUnit
} from '../display/format';

describe('display number formatting', () => {
  it('shows the significant figures the payload asks for, trailing zeros kept', () => {
    expect(formatNumber(0.1, 3)).toBe('0.100');
    expect(formatNumber(92.0938, 4)).toBe('92.09');
    expect(formatNumber(293.15, 5)).toBe('293.15');
    expect(formatNumber(1234.5, 2)).toBe('1200');
    expect(formatNumber(-1.76, 3)).toBe('−1.76');
  });

  it('without digits keeps up to six figures and drops trailing zeros', () => {
    expect(formatNumber(0.30000000000000004)).toBe('0.3');
    expect(formatNumber(1.23456789)).toBe('1.23457');
    expect(formatNumber(0)).toBe('0');
  });

  it('uses scientific notation as a paper prints it for very large and small magnitudes', () => {
    expect(formatNumber(1.234e-5, 3)).toBe('1.23 × 10⁻⁵');
    expect(formatNumber(6.02214076e23, 4)).toBe('6.022 × 10²³');
    expect(formatNumber(2e-4)).toBe('2 × 10⁻⁴');
  });

  it('never hides a non-finite value', () => {
    expect(formatNumber(Number.NaN)).toBe('NaN');
    expect(formatNumber(Number.POSITIVE_INFINITY)).toBe('∞');
  });

  it('writes units as a reader does: none for dimensionless and counts, Å² for A^2', () => {
    expect(displayUnit('1')).toBeUndefined();
    expect(displayUnit('count')).toBeUndefined();
    expect(displayUnit('A^2')).toBe('Å²');
    expect(displayUnit('g/mol')).toBe('g/mol');
    expect(formatQuantity(-1.67, '1', 3)).toBe('−1.67');
    expect(formatQuantity(3, 'count')).toBe('3');
    expect(headerWithUnit('TPSA', 'A^2')).toBe('TPSA (Å²)');
  });

  it('joins units, percentages, intervals and cells', () => {
    expect(formatQuantity(273.15, 'K', 4)).toBe('273.2 K');
    expect(formatQuantity(12.5, '%')).toBe('12.5 %');
    expect(formatPercent(0.1, 'w/w')).toBe('10.0 % w/w');
    expect(formatInterval(1.234, 5.678, 0.9, 3)).toBe('[1.23, 5.68] (90 % interval)');
    expect(formatInterval(null, 2, null)).toBe('[−∞, 2]');
    expect(formatLevel(0.683)).toBe('68.3 %');
    expect(formatInterval(null, null, 0.9)).toBeNull();
    expect(formatCell(null)).toBe('—');
    expect(formatCell(true)).toBe('yes');
    expect(formatCell('DMSO')).toBe('DMSO');
    expect(headerWithUnit('Osmolality', 'osmol/kg')).toBe('Osmolality (osmol/kg)');
    expect(headerWithUnit('Name', undefined)).toBe('Name');
  });
});
