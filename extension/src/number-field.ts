/**
 * A finite number from what a person typed in a form field ("1e3", " 2.5 "), or null for an
 * empty field or text that is not one. Shared by every form of the extension, so that a field
 * means the same in each.
 */
export function numberFromField(text: string): number | null {
  const trimmed = text.trim();
  if (trimmed === '') {
    return null;
  }
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : null;
}
