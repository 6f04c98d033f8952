/**
 * Payload validation with the kernel's zod schemas, shaped for a renderer: never throws, and a
 * refusal names the offending field so the researcher (or the kernel's author) can fix it.
 */

/** The part of a zod schema a renderer needs (kept structural: the extension does not import zod). */
export interface IPayloadSchema<T> {
  safeParse(data: unknown):
    | { success: true; data: T }
    | {
        success: false;
        error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] };
      };
}

export type ParsedPayload<T> = { ok: true; payload: T } | { ok: false; problem: string };

/** How many problems a message lists; the rest are counted. */
const SHOWN_ISSUES = 3;

/**
 * Validate an output's data: an object, or a JSON string (tslab's display.raw sends JSON types as
 * strings). The problem reads e.g. `rows[2].smiles: Invalid input: expected string, received number`.
 */
export function parsePayload<T>(data: unknown, schema: IPayloadSchema<T>): ParsedPayload<T> {
  let value = data;
  if (typeof data === 'string') {
    try {
      value = JSON.parse(data) as unknown;
    } catch (error) {
      return { ok: false, problem: `the data is not JSON (${(error as Error).message})` };
    }
  }
  if (value === undefined || value === null) {
    return { ok: false, problem: 'the output carries no data' };
  }
  const result = schema.safeParse(value);
  if (result.success) {
    return { ok: true, payload: result.data };
  }
  const issues = result.error.issues;
  const listed = issues
    .slice(0, SHOWN_ISSUES)
    .map(issue => `${fieldPath(issue.path) || '(the payload itself)'}: ${issue.message}`);
  if (issues.length > SHOWN_ISSUES) {
    listed.push(`and ${issues.length - SHOWN_ISSUES} more`);
  }
  return { ok: false, problem: listed.join('; ') };
}

/** A zod path as a reader writes it: `rows[2].values.osmolality`. */
export function fieldPath(path: readonly PropertyKey[]): string {
  return path
    .map((part, index) =>
      typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${String(part)}`
    )
    .join('');
}
