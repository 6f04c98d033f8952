/**
 * Refusals raised below the HTTP layer (db/, the retrain worker), in the API's words but without
 * its status codes: http/problem.ts answers each as application/problem+json (404, 403, 409, 422,
 * 413), and a command line or the worker reports the message as it is. Routes throw ProblemError
 * (http/problem.ts) directly.
 */

/** One offending field: where (e.g. "body.projectId") and why. */
export interface FieldError {
  path: string;
  message: string;
}

/** The record does not exist, or Row Level Security hides it from the caller (404 not-found). */
export class NotFoundError extends Error {
  /** `what`: the record as a scientist names it, e.g. "experiment <id>". */
  constructor(readonly what: string) {
    super(`${what} does not exist or is not visible to you`);
    this.name = 'NotFoundError';
  }
}

/** The caller may see the record but not do this to it (403 forbidden). */
export class ForbiddenError extends Error {
  constructor(detail: string) {
    super(detail);
    this.name = 'ForbiddenError';
  }
}

/** Other records stand in the way (409), e.g. type "in-use" when rows still refer to this one. */
export class ConflictError extends Error {
  constructor(
    readonly type: string,
    readonly title: string,
    detail: string
  ) {
    super(detail);
    this.name = 'ConflictError';
  }
}

/** Fields of the request refused (422), each named; the message lists them as "path: message". */
export class InvalidFieldsError extends Error {
  constructor(
    readonly type: string,
    readonly title: string,
    readonly errors: FieldError[]
  ) {
    super(errors.map(e => `${e.path}: ${e.message}`).join('; '));
    this.name = 'InvalidFieldsError';
  }
}

/** More than one request may carry or produce (413 too-large). */
export class TooLargeError extends Error {
  constructor(
    readonly title: string,
    detail: string,
    readonly errors?: FieldError[]
  ) {
    super(detail);
    this.name = 'TooLargeError';
  }
}
