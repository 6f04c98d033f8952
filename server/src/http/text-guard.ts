import type { FastifyInstance } from 'fastify';
import { ProblemError } from './problem.js';

/**
 * PostgreSQL text cannot hold the NUL character (U+0000): a request carrying one would fail deep
 * in the database with an encoding error. Refuse it up front, naming the field, for every route.
 */
export function registerTextGuard(app: FastifyInstance): void {
  app.addHook('preValidation', async request => {
    const found =
      Private.findNul(request.params, 'params') ??
      Private.findNul(request.query, 'querystring') ??
      Private.findNul(request.body, 'body');
    if (found) {
      throw new ProblemError(
        400,
        'validation',
        'Invalid request',
        `${found}: contains the NUL character (U+0000), which cannot be stored`,
        [{ path: found, message: 'contains the NUL character (U+0000), which cannot be stored' }]
      );
    }
  });
}

namespace Private {
  export function findNul(value: unknown, path: string, depth = 0): string | undefined {
    if (typeof value === 'string') {
      return value.includes('\u0000') ? path : undefined;
    }
    if (value === null || typeof value !== 'object' || depth > 32) {
      return undefined;
    }
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const found = findNul(value[i], `${path}[${i}]`, depth + 1);
        if (found) {
          return found;
        }
      }
      return undefined;
    }
    for (const [key, child] of Object.entries(value)) {
      const found =
        (key.includes('\u0000') ? `${path}.${key.split('\u0000').join('\\u0000')}` : undefined) ??
        findNul(child, `${path}.${key}`, depth + 1);
      if (found) {
        return found;
      }
    }
    return undefined;
  }
}
