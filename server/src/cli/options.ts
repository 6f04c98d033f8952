import { InvalidArgumentError } from 'commander';
import { UsernameSchema } from '@cryoprotect/kernel';
import type { OutputFormat } from '../describe/write.js';

/**
 * The one set of option parsers of every `cryoprotect` command group. Each refuses a bad value
 * with commander's InvalidArgumentError, so the message names the option:
 * `option '--port <port>' argument '0' is invalid. must be a whole number between 1 and 65535`.
 */

/** A TCP port. */
export function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new InvalidArgumentError('must be a whole number between 1 and 65535');
  }
  return port;
}

/** Any whole number (a seed, a number of folds). */
export function parseInteger(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) {
    throw new InvalidArgumentError('must be a whole number');
  }
  return n;
}

/** A parser of whole numbers from `min` to `max` (how many to keep, list, run). */
export function parseCount(min: number, max: number): (value: string) => number {
  return value => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`must be a whole number from ${min} to ${max}`);
    }
    return n;
  };
}

/** Worker threads. */
export const parseWorkers = parseCount(1, 64);

/** A JSON object (parameters, settings). */
export function parseJson(value: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(value);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new Error('not an object');
    }
    return parsed as Record<string, unknown>;
  } catch (error) {
    throw new InvalidArgumentError(`must be a JSON object (${(error as Error).message})`);
  }
}

/** Table names separated by commas. */
export function parseTables(value: string): string[] {
  const tables = value
    .split(',')
    .map(t => t.trim())
    .filter(Boolean);
  if (tables.length === 0 || tables.some(t => !/^[a-z_][a-z0-9_]*$/.test(t))) {
    throw new InvalidArgumentError(
      'must be table names separated by commas, e.g. mixtures,mixture_components'
    );
  }
  return tables;
}

/** Output format of a table: csv or json. */
export function parseFormat(value: string): OutputFormat {
  if (value !== 'csv' && value !== 'json') {
    throw new InvalidArgumentError('must be csv or json');
  }
  return value;
}

/** A username as accounts are named (the API's rule, with its message). */
export function parseUsername(value: string): string {
  const result = UsernameSchema.safeParse(value);
  if (!result.success) {
    throw new InvalidArgumentError(result.error.issues[0].message);
  }
  return value;
}
