import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { ChemistryError, visibilityProblem, type Problem } from '@cryoprotect/kernel';
import { isConnectionError } from '../db/database.js';
import {
  ConflictError,
  ForbiddenError,
  InvalidFieldsError,
  NotFoundError,
  TooLargeError
} from '../errors.js';

export const PROBLEM_TYPE_BASE = 'https://cryoprotect.invalid/problems/';

/** An error the API reports as application/problem+json with a stable type. */
export class ProblemError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly title: string,
    detail: string,
    readonly errors?: { path: string; message: string }[]
  ) {
    super(detail);
    this.name = 'ProblemError';
  }
}

/**
 * The problem a chemistry refusal is answered with, naming the request field it came from:
 * 422 in each case, since the structure itself is what cannot be processed —
 * - structure-too-complex: above a bound of the kernel's STRUCTURE_LIMITS (named in the detail);
 * - chemistry-engine-failure: the WebAssembly engine failed on it (twice: once on a fresh
 *   instance); the engine was replaced and other requests are served as before;
 * - invalid-smarts or invalid-structure: the toolkit could not read it (its reason given).
 */
export function chemistryProblem(error: ChemistryError, path: string): ProblemError {
  const errors = [{ path, message: error.reason ?? error.message }];
  switch (error.code) {
    case 'too_complex':
      return new ProblemError(
        422,
        'structure-too-complex',
        'Structure too complex',
        error.message,
        [{ path, message: error.message }]
      );
    case 'engine_failure':
      return new ProblemError(
        422,
        'chemistry-engine-failure',
        'Chemistry engine failure',
        error.message,
        errors
      );
    case 'invalid_smarts':
      return new ProblemError(422, 'invalid-smarts', 'Invalid SMARTS', error.message, errors);
    default:
      return new ProblemError(422, 'invalid-structure', 'Invalid structure', error.message, errors);
  }
}

export function notFound(what: string): ProblemError {
  return refusalProblem(new NotFoundError(what))!;
}

/** The problem a refusal of the layers below HTTP (errors.ts) is answered with, if it is one. */
function refusalProblem(error: unknown): ProblemError | undefined {
  if (error instanceof NotFoundError) {
    return new ProblemError(404, 'not-found', 'Not found', error.message);
  }
  if (error instanceof ForbiddenError) {
    return new ProblemError(403, 'forbidden', 'Forbidden', error.message);
  }
  if (error instanceof ConflictError) {
    return new ProblemError(409, error.type, error.title, error.message);
  }
  if (error instanceof InvalidFieldsError) {
    return new ProblemError(422, error.type, error.title, error.message, error.errors);
  }
  if (error instanceof TooLargeError) {
    return new ProblemError(413, 'too-large', error.title, error.message, error.errors);
  }
  return undefined;
}

interface PgError {
  code?: string;
  detail?: string;
  column?: string;
  table?: string;
  constraint?: string;
  message: string;
}

/** Map an error to the problem the client gets; anything unexpected is a 500 without internals. */
export function toProblem(error: unknown, production: boolean): Problem {
  const refused = error instanceof ProblemError ? error : refusalProblem(error);
  if (refused) {
    return {
      type: PROBLEM_TYPE_BASE + refused.type,
      title: refused.title,
      status: refused.status,
      detail: refused.message,
      errors: refused.errors
    };
  }
  if (hasZodFastifySchemaValidationErrors(error)) {
    const errors = error.validation.flatMap(issue => {
      // "/components/0/amount" -> "components[0].amount", the style kernel-lib errors use too.
      const where = (issue.instancePath || '')
        .split('/')
        .filter(Boolean)
        .map(part => (/^\d+$/.test(part) ? `[${part}]` : `.${part}`))
        .join('')
        .replace(/^\./, '');
      const context = (error as FastifyError).validationContext ?? 'body';
      const path = where ? `${context}${where.startsWith('[') ? '' : '.'}${where}` : context;
      // A strict object names each key it does not know, one error per key at its own path.
      const unknown = (issue.params as { keys?: unknown } | undefined)?.keys;
      if (issue.keyword === 'unrecognized_keys' && Array.isArray(unknown)) {
        return unknown.map(key => ({
          path: `${path}.${String(key)}`,
          message: `unknown key "${String(key)}" (not a field of this request; nothing was stored)`
        }));
      }
      return [{ path, message: issue.message ?? 'invalid' }];
    });
    return {
      type: PROBLEM_TYPE_BASE + 'validation',
      title: 'Invalid request',
      status: 400,
      detail: errors.map(e => `${e.path}: ${e.message}`).join('; '),
      errors
    };
  }
  if (error instanceof ChemistryError) {
    const problem = chemistryProblem(error, 'body.structure');
    return {
      type: PROBLEM_TYPE_BASE + problem.type,
      title: problem.title,
      status: problem.status,
      detail: problem.message,
      errors: problem.errors
    };
  }
  const fastifyError = error as FastifyError;
  if (fastifyError.statusCode === 413) {
    return {
      type: PROBLEM_TYPE_BASE + 'too-large',
      title: 'Request too large',
      status: 413,
      detail: fastifyError.message
    };
  }
  if (fastifyError.statusCode && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    return {
      type: PROBLEM_TYPE_BASE + 'bad-request',
      title: 'Bad request',
      status: fastifyError.statusCode,
      detail: fastifyError.message
    };
  }
  // The database is down, restarting or unreachable: a temporary condition the client may retry.
  if (isConnectionError(error)) {
    return {
      type: PROBLEM_TYPE_BASE + 'database-unavailable',
      title: 'Database unavailable',
      status: 503,
      detail: 'the database cannot be reached at the moment; retry later'
    };
  }
  const pg = error as PgError;
  switch (pg.code) {
    // statement_timeout (57014, query_canceled): the statement ran too long and was cancelled.
    case '57014':
      return {
        type: PROBLEM_TYPE_BASE + 'database-timeout',
        title: 'Database timeout',
        status: 503,
        detail: 'the database took too long to answer; retry later or narrow the request'
      };
    case '42501':
      return {
        type: PROBLEM_TYPE_BASE + 'forbidden',
        title: 'Forbidden',
        status: 403,
        // A guard trigger's own sentence ("table.column: reason") says more than RLS's refusal.
        detail: /^[a-z_]+\.[a-z_]+: /.test(pg.message ?? '')
          ? pg.message
          : 'you may not write this record (its owner or project role does not allow it)'
      };
    case '23505':
      return {
        type: PROBLEM_TYPE_BASE + 'conflict',
        title: 'Conflict',
        status: 409,
        detail: `a record with the same ${pg.constraint ?? 'key'} exists`
      };
    // 23001 restrict_violation: PostgreSQL 18 (PGlite) reports ON DELETE RESTRICT with its own code.
    case '23001':
    case '23503': {
      // "Key (id)=(...) is (still) referenced from table "x"": say which records stand in the way.
      const referrer = /referenced from table "([^"]+)"/.exec(pg.detail ?? '')?.[1];
      return {
        type: PROBLEM_TYPE_BASE + 'reference',
        title: referrer ? 'Record in use' : 'Unknown or referenced record',
        status: 409,
        detail: referrer
          ? `this record is still used by ${referrer.replace(/_/g, ' ')}; remove those first (nothing was deleted)`
          : pg.message
      };
    }
    // Raised by triggers guarding an invariant across rows (e.g. a project keeps an admin, 007).
    case '23000':
      return {
        type: PROBLEM_TYPE_BASE + 'conflict',
        title: 'Conflict',
        status: 409,
        detail: pg.message
      };
    case '23514':
    case '22021': // a character the database encoding cannot hold
    case '22P02':
    case '22003':
      return {
        type: PROBLEM_TYPE_BASE + 'constraint',
        title: 'Value refused by the database',
        status: 422,
        detail: pg.message,
        errors: pg.column ? [{ path: `body.${pg.column}`, message: pg.message }] : undefined
      };
  }
  return {
    type: PROBLEM_TYPE_BASE + 'internal',
    title: 'Internal server error',
    status: 500,
    detail: production
      ? 'the server failed; the error is in its log with this request id'
      : String((error as Error)?.message ?? error)
  };
}

/** Every error leaves as application/problem+json; 5xx are logged with the request id. */
export function registerProblemHandler(app: FastifyInstance, production: boolean): void {
  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const problem = toProblem(error, production);
    if (problem.status === 503) {
      // A database outage fails every request; one warning line each, without the stack.
      request.log.warn(
        { problem: problem.type, cause: String((error as Error)?.message) },
        'request failed'
      );
      reply.header('retry-after', '5');
    } else if (problem.status >= 500) {
      request.log.error({ err: error }, 'request failed');
    }
    return reply
      .code(problem.status)
      .type('application/problem+json')
      .send({ ...problem, instance: request.id });
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .type('application/problem+json')
      .send({
        type: PROBLEM_TYPE_BASE + 'not-found',
        title: 'Not found',
        status: 404,
        detail: `no route ${request.method} ${request.url.split('?')[0]}`,
        instance: request.id
      })
  );
}

/**
 * Project visibility needs a project (the kernel's one rule, visibilityProblem): refused with the
 * field named, 422 like every refusal of a combination of fields, in every resource.
 */
export function requireProjectForVisibility(body: {
  visibility: string;
  projectId?: string | null;
}): void {
  const problem = visibilityProblem(body.visibility, body.projectId);
  if (problem) {
    throw new ProblemError(
      422,
      'validation',
      'Invalid request',
      `${problem.path}: ${problem.message}`,
      [problem]
    );
  }
}

/**
 * Node's default for request headers longer than this (16 KiB), set explicitly so the answer can
 * name it.
 */
export const MAX_HEADER_BYTES = 16 * 1024;

/**
 * The answer to a request Node's HTTP parser refused before Fastify saw it (`clientError`): a
 * complete HTTP/1.1 response carrying a problem document, the connection closed after it.
 * Over-large headers are 431, a request that took too long to arrive 408, anything else
 * malformed 400.
 */
export function clientErrorResponse(
  code: string | undefined,
  maxHeaderBytes: number
): { problem: Problem; response: string } {
  let problem: Problem;
  if (code === 'HPE_HEADER_OVERFLOW') {
    problem = {
      type: PROBLEM_TYPE_BASE + 'headers-too-large',
      title: 'Request header fields too large',
      status: 431,
      detail: `the request's header fields (request line included) exceed ${maxHeaderBytes} bytes, the server's limit; send fewer or shorter headers (often a large cookie of another site on the same host)`
    };
  } else if (code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    problem = {
      type: PROBLEM_TYPE_BASE + 'request-timeout',
      title: 'Request timeout',
      status: 408,
      detail: 'the request did not arrive completely in time'
    };
  } else {
    problem = {
      type: PROBLEM_TYPE_BASE + 'bad-request',
      title: 'Bad request',
      status: 400,
      detail: `the request is not valid HTTP/1.1${code ? ` (${code})` : ''}`
    };
  }
  const body = JSON.stringify(problem);
  const response =
    `HTTP/1.1 ${problem.status} ${problem.title}\r\n` +
    'Content-Type: application/problem+json\r\n' +
    `Content-Length: ${Buffer.byteLength(body)}\r\n` +
    'Cache-Control: no-store\r\n' +
    'Connection: close\r\n' +
    '\r\n' +
    body;
  return { problem, response };
}

/**
 * Fastify's `clientErrorHandler`: answer with clientErrorResponse, unless the connection is gone or
 * a response on it has begun (a pipelined request), then read and drop what the client still sends
 * so that closing does not reset the connection before it has read the answer.
 */
export function clientErrorHandler(maxHeaderBytes: number) {
  return function (this: FastifyInstance, error: Error & { code?: string }, socket: Socket): void {
    if (error.code === 'ECONNRESET' || socket.destroyed) {
      return;
    }
    const { problem, response } = clientErrorResponse(error.code, maxHeaderBytes);
    this.log.debug({ code: error.code, status: problem.status }, 'client error');
    const current = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (!socket.writable || current?.headersSent) {
      socket.destroy(error);
      return;
    }
    socket.end(response);
    socket.resume();
    setTimeout(() => socket.destroy(), 5_000).unref();
  };
}
