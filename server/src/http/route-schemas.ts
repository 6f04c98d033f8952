import type { RouteOptions } from 'fastify';
import type { SwaggerTransformObject } from '@fastify/swagger';
import type { OpenAPIV3 } from 'openapi-types';
import { z } from 'zod';
import { ProblemSchema } from '@cryoprotect/kernel';

/** The `:id` of a record's route. */
export const IdParams = z.object({ id: z.string().uuid() });

/** The refusals every record route may answer with, each a problem+json document. */
export const problems = {
  400: ProblemSchema,
  401: ProblemSchema,
  403: ProblemSchema,
  404: ProblemSchema,
  409: ProblemSchema,
  422: ProblemSchema
};

/** OpenAPI security of an operation anyone may call; a token widens what it sees. */
export const OPTIONAL_TOKEN: Record<string, string[]>[] = [{}, { token: [] }];
/** OpenAPI security of an operation that refuses anonymous callers (401). */
export const TOKEN_REQUIRED: Record<string, string[]>[] = [{ token: [] }];

/** The media type of every refusal the server sends (registerProblemHandler). */
export const PROBLEM_MEDIA_TYPE = 'application/problem+json';

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

const STATUS_DESCRIPTIONS: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  204: 'Done; no content',
  400: 'Invalid request: a parameter or body field is malformed (errors[] names each)',
  401: 'Not authenticated: the API token is missing where one is needed, malformed, unknown, revoked or expired',
  403: 'Forbidden: the token lacks the scope, or your role does not allow this on the record',
  404: 'Not found, or not visible to you',
  405: 'Method not allowed on this resource',
  409: 'Conflict with the stored records',
  413: 'Request body larger than the server accepts',
  415: 'Unsupported content type: send application/json',
  422: 'Well-formed but refused: the values (chemistry, units, references) cannot be processed',
  429: 'Too many requests: retry after the time the problem names',
  431: 'Request headers too large',
  503: 'Temporarily unavailable (database unreachable or too slow); retry later'
};

/**
 * onRoute hook: every operation's schema states what the server can really answer, centrally
 * rather than route by route —
 * - anonymous reads: a GET without its own `security` works without a token (RLS shows public
 *   records) and is documented `security: [{}, {token: []}]`; routes refusing anonymous GETs say so
 *   with TOKEN_REQUIRED; any other method without its own `security` gets TOKEN_REQUIRED (the
 *   authentication hook then refuses the anonymous before validating their request);
 * - refusals every route can meet, whatever its handler does: 400 (malformed request, NUL
 *   characters), 401 (a token that is unknown or malformed), 431 (oversized headers), 503 (the
 *   database is unreachable), 429 unless the route is exempt from the rate limit; 413 and 415 where
 *   a body can be sent; 404 where the path names a record.
 * The route's own statuses are kept. Hidden routes are left alone.
 */
export function documentRoute(route: RouteOptions): void {
  const schema = route.schema as
    | (NonNullable<RouteOptions['schema']> & {
        hide?: boolean;
        security?: unknown;
        response?: Record<string, unknown>;
      })
    | undefined;
  if (!schema || schema.hide) {
    return;
  }
  const methods = [route.method].flat().map(method => String(method).toUpperCase());
  if (schema.security === undefined) {
    // Writes need a token unless a route says otherwise (sign-in, sign-up): stated on the route,
    // so that the anonymous are refused (401) before their body is validated, as documented.
    schema.security = methods.every(m => m === 'GET' || m === 'HEAD')
      ? OPTIONAL_TOKEN
      : TOKEN_REQUIRED;
  }
  const response: Record<string, unknown> = { ...(schema.response ?? {}) };
  const add = (status: number) => {
    if (!(String(status) in response)) {
      response[status] = ProblemSchema;
    }
  };
  [400, 401, 431, 503].forEach(add);
  if ((route.config as { rateLimit?: unknown } | undefined)?.rateLimit !== false) {
    add(429);
  }
  if (methods.some(m => BODY_METHODS.has(m))) {
    add(413);
    add(415);
  }
  if (route.url.includes(':')) {
    add(404);
  }
  schema.response = response;
}

/**
 * @fastify/swagger transformObject: the document says what goes over the wire — refusals as
 * application/problem+json (the zod transform knows only application/json), 204 without content,
 * and each status with a description instead of "Default Response".
 */
export const truthfulDocument: SwaggerTransformObject = document => {
  if (!('openapiObject' in document)) {
    throw new Error('the API document is OpenAPI 3, not Swagger 2');
  }
  const openapiObject = document.openapiObject as Partial<OpenAPIV3.Document>;
  for (const item of Object.values(openapiObject.paths ?? {})) {
    for (const operation of Object.values(item ?? {})) {
      if (typeof operation !== 'object' || operation === null || !('responses' in operation)) {
        continue;
      }
      const responses = (operation as OpenAPIV3.OperationObject).responses;
      for (const [status, value] of Object.entries(responses)) {
        const response = value as OpenAPIV3.ResponseObject;
        const code = Number(status);
        if (code === 204) {
          delete response.content;
        }
        const content = response.content;
        if (code >= 400 && content && !content[PROBLEM_MEDIA_TYPE] && content['application/json']) {
          content[PROBLEM_MEDIA_TYPE] = content['application/json'];
          delete content['application/json'];
        }
        if (response.description === 'Default Response') {
          response.description = STATUS_DESCRIPTIONS[code] ?? `HTTP ${status}`;
        }
      }
    }
  }
  return openapiObject;
};
