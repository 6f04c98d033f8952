/**
 * Numbers and text for the static fallbacks (text/plain, text/html): one place decides how many
 * figures a number is shown with and how text is made safe for HTML, so every builder agrees.
 */

/** Significant figures when a value does not say how many it deserves. */
export const DEFAULT_DIGITS = 4;

// Beyond these magnitudes fixed notation needs many zeros; scientific notation reads better.
const SCIENTIFIC_ABOVE = 1e6;
const SCIENTIFIC_BELOW = 1e-3;

/**
 * A number to `digits` significant figures, e.g. 92.0938 -> "92.09", 0.000123456 -> "1.235e-4",
 * 1234567 -> "1.235e6". Trailing zeros are dropped (12.50 -> "12.5"); integers with more digits
 * than asked keep their magnitude (12345 at 3 figures -> "12300"). NaN and infinities are written
 * as words because a table cell must never look like a real value it is not.
 */
export function formatNumber(value: number, digits: number = DEFAULT_DIGITS): string {
  if (Number.isNaN(value)) {
    return 'undefined';
  }
  if (!Number.isFinite(value)) {
    return value > 0 ? 'infinity' : '-infinity';
  }
  const d = Math.min(15, Math.max(1, Math.round(digits)));
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && (magnitude >= SCIENTIFIC_ABOVE || magnitude < SCIENTIFIC_BELOW)) {
    const [mantissa, exponent] = value.toExponential(d - 1).split('e');
    const trimmed = mantissa.includes('.') ? mantissa.replace(/\.?0+$/, '') : mantissa;
    return `${trimmed}e${exponent.replace('+', '')}`;
  }
  // Intl rounds half away from zero and never falls back to exponent notation.
  return new Intl.NumberFormat('en-US', {
    maximumSignificantDigits: d,
    useGrouping: false
  }).format(value);
}

/**
 * A unit as a reader writes it: none for dimensionless quantities and counts (payloads say "1" and
 * "count" so that a program knows), "Å²" for the ASCII "A^2".
 */
export function displayUnit(unit: string | undefined): string | undefined {
  if (unit === undefined || unit === '' || unit === '1' || unit === 'count') {
    return undefined;
  }
  return unit === 'A^2' ? 'Å²' : unit;
}

/** A number with its unit ("92.09 g/mol"); dimensionless quantities and counts show none. */
export function formatQuantity(value: number, unit: string | undefined, digits?: number): string {
  const text = formatNumber(value, digits);
  const shown = displayUnit(unit);
  return shown === undefined ? text : `${text} ${shown}`;
}

/** A table cell as text: numbers to their figures, booleans as yes/no, null as empty. */
export function formatCell(value: string | number | boolean | null, digits?: number): string {
  if (value === null) {
    return '';
  }
  if (typeof value === 'number') {
    return formatNumber(value, digits);
  }
  if (typeof value === 'boolean') {
    return value ? 'yes' : 'no';
  }
  return value;
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

/** A column title with its unit in brackets, as tables show it: "molar mass (g/mol)". */
export function titleWithUnit(title: string, unit: string | undefined): string {
  const shown = displayUnit(unit);
  return shown === undefined ? title : `${title} (${shown})`;
}
