/**
 * Numbers as a methods section prints them: to the significant figures the kernel says a value
 * deserves, with scientific notation where plain digits would hide the magnitude. The data keep
 * full precision; callers put the unrounded value in a tooltip.
 */

/** Significant figures shown when the payload gives none: enough not to hide a difference. */
export const DEFAULT_DIGITS = 6;

/** `value` to `digits` significant figures (trailing zeros kept), e.g. 0.1 to 3 → "0.100". */
export function formatNumber(value: number, digits?: number): string {
  if (!Number.isFinite(value)) {
    return Number.isNaN(value) ? 'NaN' : value > 0 ? '∞' : '−∞';
  }
  const exact = digits !== undefined;
  const figures = digits ?? DEFAULT_DIGITS;
  const magnitude = value === 0 ? 0 : Math.floor(Math.log10(Math.abs(value)));
  if (magnitude >= 6 || magnitude < -3) {
    return Private.scientific(value, figures, exact);
  }
  const text = Private.formatter(figures, exact).format(value);
  return text.replace('-', '−');
}

/**
 * A unit as a reader writes it: none for dimensionless quantities and counts (the payloads say "1"
 * and "count" so that a program knows), "Å²" for the ASCII "A^2".
 */
export function displayUnit(unit: string | undefined): string | undefined {
  if (!unit || unit === '1' || unit === 'count') {
    return undefined;
  }
  return Private.SPELLED.get(unit) ?? unit;
}

/** A number and its unit, e.g. "273 K", "12.5 % w/w"; no space before a bare "%". */
export function formatQuantity(value: number, unit: string | undefined, digits?: number): string {
  const number = formatNumber(value, digits);
  const shown = displayUnit(unit);
  if (!shown) {
    return number;
  }
  return shown === '%' ? `${number} %` : `${number} ${shown}`;
}

/** A fraction (0–1) as a percentage with a basis, e.g. 0.1 → "10.0 % w/w" at 3 figures. */
export function formatPercent(fraction: number, basis: string, digits = 3): string {
  return `${formatNumber(fraction * 100, digits)} % ${basis}`;
}

/**
 * An interval, "[1.2, 3.4]", with its level when the payload gives one: "[1.2, 3.4] (90 % interval)".
 * A null end is open (−∞ or ∞); no ends at all is null (no interval).
 */
export function formatInterval(
  lower: number | null,
  upper: number | null,
  level: number | null,
  digits?: number
): string | null {
  if (lower === null && upper === null) {
    return null;
  }
  const low = lower === null ? '−∞' : formatNumber(lower, digits);
  const high = upper === null ? '∞' : formatNumber(upper, digits);
  return level === null
    ? `[${low}, ${high}]`
    : `[${low}, ${high}] (${formatLevel(level)} interval)`;
}

/** A coverage level as a percentage without needless zeros: 0.9 → "90 %", 0.683 → "68.3 %". */
export function formatLevel(level: number): string {
  return `${formatNumber(level * 100, 3).replace(/\.0+$/, '')} %`;
}

/** A cell of a table: numbers formatted, text as is, null as an em dash, booleans as yes/no. */
export function formatCell(value: string | number | boolean | null, digits?: number): string {
  if (value === null) {
    return '—';
  }
  if (typeof value === 'number') {
    return formatNumber(value, digits);
  }
  if (typeof value === 'boolean') {
    return value ? 'yes' : 'no';
  }
  return value;
}

/** A column header with its unit, as "Osmolality (osmol/kg)". */
export function headerWithUnit(title: string, unit: string | undefined): string {
  const shown = displayUnit(unit);
  return shown ? `${title} (${shown})` : title;
}

namespace Private {
  export const SPELLED = new Map([['A^2', 'Å²']]);

  const cache = new Map<string, Intl.NumberFormat>();

  /**
   * With `exact`, exactly `figures` significant digits (the kernel said so); otherwise at most
   * that many, trailing zeros dropped. No grouping separators: a comma reads as a decimal mark
   * in much of the world.
   */
  export function formatter(figures: number, exact: boolean): Intl.NumberFormat {
    const key = `${figures}:${exact}`;
    let format = cache.get(key);
    if (!format) {
      format = new Intl.NumberFormat('en-US', {
        maximumSignificantDigits: figures,
        minimumSignificantDigits: exact ? figures : 1,
        useGrouping: false
      });
      cache.set(key, format);
    }
    return format;
  }

  const SUPERSCRIPT: Record<string, string> = {
    '-': '⁻',
    '0': '⁰',
    '1': '¹',
    '2': '²',
    '3': '³',
    '4': '⁴',
    '5': '⁵',
    '6': '⁶',
    '7': '⁷',
    '8': '⁸',
    '9': '⁹'
  };

  /** "1.23 × 10⁻⁴": what a paper prints, not a programming language's "1.23e-4". */
  export function scientific(value: number, figures: number, exact: boolean): string {
    const [mantissa, exponent] = value.toExponential(figures - 1).split('e');
    let digits = mantissa;
    if (!exact && digits.includes('.')) {
      digits = digits.replace(/\.?0+$/, '');
    }
    const power = String(Number(exponent))
      .split('')
      .map(char => SUPERSCRIPT[char] ?? char)
      .join('');
    return `${digits.replace('-', '−')} × 10${power}`;
  }
}
