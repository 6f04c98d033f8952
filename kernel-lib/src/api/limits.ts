import { z } from 'zod';

/**
 * Limits every input of the REST API keeps, as classes rather than lists of cases. The server
 * enforces them before anything recursive or any SQL sees a request; the client's schemas carry
 * the same, so a notebook learns of a refusal before sending.
 */

// ------------------------------------------------------------------------------- JSON nesting

/**
 * The deepest nesting of arrays and objects any JSON body may have (the body itself is level 1).
 * 64 because the deepest shape the API defines is about 5 levels (a snapshot's rows of cells
 * holding JSON, a model's hyperparameters or artifact), so free-form fields keep ample room, while
 * everything that walks a body recursively (JSON.parse, zod, the text guard, the PostgreSQL
 * drivers' serializers, jsonb) stays some hundred times below the depth at which V8 or PostgreSQL
 * run out of stack (about 10 000 frames; PostgreSQL's max_stack_depth of 2 MB).
 */
export const JSON_MAX_DEPTH = 64;

/** The nesting depth of a JSON value (scalars 0, [] and {} 1); iterative, so any value is safe. */
export function jsonDepth(value: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop()!;
    if (item === null || typeof item !== 'object') {
      continue;
    }
    deepest = Math.max(deepest, depth + 1);
    if (deepest > JSON_MAX_DEPTH + 1) {
      // Deeper than any limit asks about: stop walking.
      return deepest;
    }
    for (const child of Array.isArray(item) ? item : Object.values(item)) {
      stack.push([child, depth + 1]);
    }
  }
  return deepest;
}

/**
 * A free-form JSON value (conditions, hyperparameters, metrics, an artifact, snapshot cells) at
 * most `JSON_MAX_DEPTH - 2` deep: a body holds such a field at least one level down, so the
 * field itself may use what the body leaves.
 */
export const JSON_FIELD_MAX_DEPTH = JSON_MAX_DEPTH - 2;

/** A refinement refusing a value nested deeper than JSON_FIELD_MAX_DEPTH. */
export function boundedJsonDepth(value: unknown, ctx: z.RefinementCtx): void {
  if (jsonDepth(value) > JSON_FIELD_MAX_DEPTH) {
    ctx.addIssue({
      code: 'custom',
      message: `nested deeper than ${JSON_FIELD_MAX_DEPTH} levels of arrays and objects`
    });
  }
}

/** Any JSON value, bounded in depth. */
export const JsonValueSchema = z.unknown().superRefine(boundedJsonDepth);

/** A JSON object of free-form members, bounded in depth. */
export const JsonObjectSchema = z.record(z.string(), z.unknown()).superRefine(boundedJsonDepth);

// ------------------------------------------------------------------------------- dates and times

/**
 * RFC 3339 date-time as both PostgreSQL (timestamptz, microseconds, 4713 BC to 294276 AD) and
 * JavaScript (Date, milliseconds, ±275 760 years) hold it exactly, so what is stored reads back
 * as the same instant: `YYYY-MM-DDTHH:MM:SS[.sss](Z|±hh:mm)`, a real calendar day, no leap second
 * (PostgreSQL rolls :60 over, JavaScript refuses it), at most milliseconds, an explicit offset
 * within PostgreSQL's ±15:59, and the instant itself inside the years 0001 to 9999 in UTC (year
 * 0 and negative years are written differently by the two, five-digit years not at all by ISO).
 * The API answers with the UTC form `toISOString()` gives.
 */
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-](\d{2}):(\d{2}))$/;

/** Why `text` is not a date-time the API accepts, or undefined when it is one. */
export function dateTimeProblem(text: string): string | undefined {
  const m = DATE_TIME.exec(text);
  if (!m) {
    return 'must be an RFC 3339 date-time with seconds and an offset, e.g. 2024-05-01T13:45:00Z or 2024-05-01T15:45:00.250+02:00';
  }
  const [, y, mo, d, h, mi, s, fraction, , oh, om] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  if (year < 1) {
    return 'the year must be 0001 to 9999';
  }
  if (month < 1 || month > 12) {
    return `no month ${mo}`;
  }
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  if (day < 1 || day > days) {
    return `no day ${d} in ${y}-${mo}`;
  }
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) {
    return 'the time must be 00:00:00 to 23:59:59 (no leap second)';
  }
  if (fraction !== undefined && fraction.length > 4) {
    return 'at most millisecond precision (3 decimals of a second)';
  }
  if (oh !== undefined && (Number(oh) > 15 || Number(om) > 59)) {
    return 'the offset must be within ±15:59';
  }
  const instant = Date.parse(text);
  if (!(instant >= MIN_INSTANT && instant <= MAX_INSTANT)) {
    return 'the instant must lie within the years 0001 to 9999 in UTC';
  }
  return undefined;
}

const MIN_INSTANT = -62_135_596_800_000; // 0001-01-01T00:00:00.000Z
const MAX_INSTANT = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** Every date-time input of the API. */
export const DateTimeSchema = z
  .string()
  .max(40, 'must be an RFC 3339 date-time')
  .superRefine((text, ctx) => {
    const problem = dateTimeProblem(text);
    if (problem) {
      ctx.addIssue({ code: 'custom', message: problem });
    }
  })
  .meta({ format: 'date-time' })
  .describe('RFC 3339 date-time, years 0001-9999, at most milliseconds, offset Z or ±hh:mm');

// ------------------------------------------------------------------------------- query numbers

/**
 * A decimal number in a query string or path: optional sign, digits, optional fraction and
 * exponent, and finite once read. '', NaN, Infinity, 0x10, 1e999 and anything else are refused
 * with the parameter named, never coerced (Number('') is 0, Number('0x10') is 16).
 */
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

const INTEGER = /^[+-]?\d{1,16}$/;

function readDecimal(text: string, ctx: z.RefinementCtx): number | undefined {
  if (text.length > 100 || !DECIMAL.test(text)) {
    ctx.addIssue({
      code: 'custom',
      message: `must be a decimal number, not "${text.slice(0, 40)}"`
    });
    return undefined;
  }
  const value = Number(text);
  if (!Number.isFinite(value)) {
    ctx.addIssue({
      code: 'custom',
      message: `${text.slice(0, 40)} is beyond the range of numbers`
    });
    return undefined;
  }
  return value;
}

/** A finite number given as query text, within [min, max] when given. */
export function queryNumber(
  range: { min?: number; max?: number } = {}
): z.ZodPipe<z.ZodString, z.ZodTransform<number, string>> {
  return z
    .string()
    .meta({ pattern: DECIMAL.source })
    .transform((text, ctx) => {
      const value = readDecimal(text, ctx);
      if (value === undefined) {
        return z.NEVER;
      }
      if (
        (range.min !== undefined && value < range.min) ||
        (range.max !== undefined && value > range.max)
      ) {
        ctx.addIssue({
          code: 'custom',
          message: `must be ${range.min ?? '-∞'} to ${range.max ?? '∞'}`
        });
        return z.NEVER;
      }
      return value;
    });
}

/** An integer within [min, max] given as query text (digits only, no fraction or exponent). */
export function queryInteger(
  min: number,
  max: number
): z.ZodPipe<z.ZodString, z.ZodTransform<number, string>> {
  return z
    .string()
    .meta({ pattern: INTEGER.source })
    .transform((text, ctx) => {
      if (!INTEGER.test(text)) {
        ctx.addIssue({ code: 'custom', message: `must be an integer, not "${text.slice(0, 40)}"` });
        return z.NEVER;
      }
      const value = Number(text);
      if (value < min || value > max) {
        ctx.addIssue({ code: 'custom', message: `must be ${min} to ${max}` });
        return z.NEVER;
      }
      return value;
    });
}

/** The `limit` of a list: an integer 1..max, `fallback` when absent. */
export function queryLimit(max: number, fallback: number) {
  return queryInteger(1, max)
    .optional()
    .transform(value => value ?? fallback)
    .describe(`how many items, 1 to ${max} (default ${fallback})`);
}

// ------------------------------------------------------------------------------- cursors

/**
 * The longest cursor accepted. A cursor is base64url of a small JSON array: its list, the last
 * row's id and, for lists sorted by time, that row's timestamp (lists sorted by text look the key
 * up by id rather than carry it). The longest the server issues is about 120 characters; 200
 * leaves room without letting a cursor fill a request head. The server checks the content
 * (pagination.ts) before any SQL sees it.
 */
export const CURSOR_MAX_LENGTH = 200;

export const CursorSchema = z
  .string()
  .min(1)
  .max(CURSOR_MAX_LENGTH)
  .regex(/^[A-Za-z0-9_-]+$/, 'not a cursor (base64url)')
  .describe('the nextCursor of the previous page of the same list');

// ------------------------------------------------------------------------------- visibility

/**
 * Visibility and project go together one way on every resource: a project row needs its project,
 * a public row has none (who reads it is everyone; who may change it is its owner), a private row
 * may keep one. Checked on create and on every change of either field, against the pair as it
 * will be stored, so a change of one of the two is judged with the stored other. The database
 * holds the same rule as a CHECK (migrations 002 and 012).
 */
export function visibilityProblem(
  visibility: string,
  projectId: string | null | undefined
): { path: string; message: string } | undefined {
  if (visibility === 'project' && !projectId) {
    return { path: 'body.projectId', message: 'required when visibility is project' };
  }
  if (visibility === 'public' && projectId) {
    return {
      path: 'body.projectId',
      message:
        'must be null when visibility is public (a public row belongs to no project; send projectId: null with it)'
    };
  }
  return undefined;
}
