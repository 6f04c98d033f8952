/**
 * Numbers, units and text as a methods section prints them, for every surface that shows a result:
 * the kernel's static fallbacks (text/plain, text/html, report.html) and the extension's renderers
 * (which import this module through the light `@cryoprotect/kernel/display` entry). One place
 * decides, so a value reads the same in JupyterLab, in an nbconvert export and in a report.
 */

/**
 * Significant figures when a value does not say how many it deserves: enough not to hide a
 * difference (153.15 K stays 153.15), few enough to hide floating-point noise
 * (92.09400000000001 -> 92.094).
 */
export const DEFAULT_DIGITS = 6;

// Beyond these magnitudes fixed notation needs many zeros; scientific notation reads better.
const SCIENTIFIC_ABOVE = 1e6;
const SCIENTIFIC_BELOW = 1e-3;

/**
 * `value` to `digits` significant figures. When `digits` is given the value deserves exactly that
 * many, so trailing zeros stay (0.1 at 3 -> "0.100", 1.25 at 4 -> "1.250"); without it, at most
 * DEFAULT_DIGITS and trailing zeros go (0.30000000000000004 -> "0.3"). Minus is U+2212, very
 * large and small magnitudes read "1.23 × 10⁻⁵", never "1.23e-5". Non-finite values are written
 * as symbols because a cell must never look like a real value it is not.
 */
export function formatNumber(value: number, digits?: number): string {
  if (!Number.isFinite(value)) {
    return Number.isNaN(value) ? 'NaN' : value > 0 ? '∞' : '−∞';
  }
  const exact = digits !== undefined;
  const figures = Math.min(15, Math.max(1, Math.round(digits ?? DEFAULT_DIGITS)));
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && (magnitude >= SCIENTIFIC_ABOVE || magnitude < SCIENTIFIC_BELOW)) {
    return Private.scientific(value, figures, exact);
  }
  return Private.formatter(figures, exact).format(value).replace('-', '−');
}

/**
 * A unit as a reader writes it: none for dimensionless quantities and counts (payloads say "1"
 * and "count" so that a program knows), "Å²" for the ASCII "A^2", "g/cm³" for "g/cm3".
 */
export function displayUnit(unit: string | undefined): string | undefined {
  if (unit === undefined || unit === '' || unit === '1' || unit === 'count') {
    return undefined;
  }
  return Private.SPELLED.get(unit) ?? unit;
}

/** A number with its unit ("92.09 g/mol", "12.5 %"); dimensionless quantities and counts show none. */
export function formatQuantity(value: number, unit: string | undefined, digits?: number): string {
  const text = formatNumber(value, digits);
  const shown = displayUnit(unit);
  return shown === undefined ? text : `${text} ${shown}`;
}

/** A fraction (0–1) as a percentage with a basis, e.g. 0.1 -> "10.0 % w/w" at 3 figures. */
export function formatPercent(fraction: number, basis: string, digits = 3): string {
  return `${formatNumber(fraction * 100, digits)} % ${basis}`;
}

/** A coverage level as a percentage without needless zeros: 0.9 -> "90 %", 0.683 -> "68.3 %". */
export function formatLevel(level: number): string {
  return `${formatNumber(level * 100, 3).replace(/\.0+$/, '')} %`;
}

/**
 * An interval, "[1.2, 3.4]", with its level when there is one: "[1.2, 3.4] (90 % interval)". A
 * null end is open (−∞ or ∞); no ends at all is null (no interval).
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

/** A table cell as text: numbers to their figures, booleans as yes/no, null as an em dash. */
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

/**
 * A value of any kind with its unit: a number as `formatQuantity`; text, yes/no and missing values
 * as `formatCell`, without the unit ("(no source)", not "(no source) K").
 */
export function formatValue(
  value: string | number | boolean | null,
  unit: string | undefined,
  digits?: number
): string {
  return typeof value === 'number' ? formatQuantity(value, unit, digits) : formatCell(value);
}

/** A column title with its unit in brackets, as tables show it: "molar mass (g/mol)". */
export function titleWithUnit(title: string, unit: string | undefined): string {
  const shown = displayUnit(unit);
  return shown === undefined ? title : `${title} (${shown})`;
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;'
};

/** Text for HTML content or a quoted attribute: names and SMILES come from users. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, c => ESCAPES[c]);
}

namespace Private {
  export const SPELLED = new Map([
    ['A^2', 'Å²'],
    ['g/cm3', 'g/cm³'],
    ['cm3/mol', 'cm³/mol']
  ]);

  const formatters = new Map<string, Intl.NumberFormat>();

  /**
   * With `exact`, exactly `figures` significant digits; otherwise at most that many. Intl rounds
   * half away from zero and never falls back to exponent notation. No grouping separators: a
   * comma reads as a decimal mark in much of the world.
   */
  export function formatter(figures: number, exact: boolean): Intl.NumberFormat {
    const key = `${figures}:${exact}`;
    let format = formatters.get(key);
    if (format === undefined) {
      format = new Intl.NumberFormat('en-US', {
        maximumSignificantDigits: figures,
        minimumSignificantDigits: exact ? figures : 1,
        useGrouping: false
      });
      formatters.set(key, format);
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
    const digits = !exact && mantissa.includes('.') ? mantissa.replace(/\.?0+$/, '') : mantissa;
    const power = String(Number(exponent))
      .split('')
      .map(char => SUPERSCRIPT[char] ?? char)
      .join('');
    return `${digits.replace('-', '−')} × 10${power}`;
  }
}
