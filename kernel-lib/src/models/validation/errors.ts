import type { Matrix } from '../types';

/** Bad input to a validation routine, with the offending place (e.g. `X[3][1]`, `folds[2].test`). */
export class ModelValidationError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string
  ) {
    super(`${path}: ${reason}`);
    this.name = 'ModelValidationError';
  }
}

/** A list of finite numbers, of the given length when one is given. */
export function checkNumbers(values: unknown, field: string, length?: number): number[] {
  if (!Array.isArray(values)) {
    throw new ModelValidationError(field, 'must be an array of numbers');
  }
  if (length !== undefined && values.length !== length) {
    throw new ModelValidationError(field, `has ${values.length} values but ${length} are needed`);
  }
  values.forEach((value, i) => {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new ModelValidationError(
        `${field}[${i}]`,
        `must be a finite number, got ${String(value)}`
      );
    }
  });
  return values as number[];
}

/** A samples x features matrix: rows of equal length, every value finite. */
export function checkMatrix(X: unknown, field = 'X', rows?: number): Matrix {
  if (!Array.isArray(X)) {
    throw new ModelValidationError(field, 'must be an array of rows');
  }
  if (rows !== undefined && X.length !== rows) {
    throw new ModelValidationError(field, `has ${X.length} rows but ${rows} are needed`);
  }
  const width = Array.isArray(X[0]) ? X[0].length : 0;
  X.forEach((row: unknown, r) => checkNumbers(row, `${field}[${r}]`, width));
  return X as Matrix;
}

/** A list of sample groups (e.g. InChIKeys): non-empty texts. */
export function checkGroups(groups: unknown, field = 'groups', length?: number): string[] {
  if (!Array.isArray(groups)) {
    throw new ModelValidationError(field, 'must be an array of group names (texts)');
  }
  if (length !== undefined && groups.length !== length) {
    throw new ModelValidationError(
      field,
      `has ${groups.length} entries but there are ${length} samples`
    );
  }
  groups.forEach((group, i) => {
    if (typeof group !== 'string' || group.length === 0) {
      throw new ModelValidationError(`${field}[${i}]`, 'must be a non-empty text naming the group');
    }
  });
  return groups as string[];
}

/** A probability strictly between 0 and 1, e.g. a confidence or coverage level. */
export function checkLevel(level: unknown, field = 'level'): number {
  if (typeof level !== 'number' || !(level > 0 && level < 1)) {
    throw new ModelValidationError(
      field,
      `must be a number strictly between 0 and 1, got ${String(level)}`
    );
  }
  return level;
}

/** A seed: any safe integer. */
export function checkSeed(seed: unknown, field = 'seed'): number {
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed)) {
    throw new ModelValidationError(field, `must be a safe integer, got ${String(seed)}`);
  }
  return seed;
}
