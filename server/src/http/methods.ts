import type { FastifyInstance } from 'fastify';
import { ProblemError } from './problem.js';

/**
 * A request whose method no route of its path serves is answered 405 with an `Allow` header
 * naming the methods that path has, and a path no route serves 404, before any body is parsed:
 * otherwise a method the server never declared (QUERY, PROPFIND...) reached fastify's body parser
 * and got a 400 about its content type, or a 404 although the resource exists.
 *
 * A path is the resource of its most specific routes (fewest parameters): /api/molecules/batch
 * is the batch resource, so PATCH there is a 405, not PATCH /api/molecules/:id with the id
 * "batch" refused as a malformed UUID.
 */
export function registerMethodGuard(app: FastifyInstance): void {
  const routes: { url: string; pattern: RegExp; parameters: number; methods: string[] }[] = [];
  app.addHook('onRoute', route => {
    // Catch-all routes (CORS preflight, static files) do not make a path a resource.
    if (route.url.includes('*')) {
      return;
    }
    routes.push({
      url: route.url,
      pattern: Private.patternOf(route.url),
      parameters: route.url.split('/').filter(part => part.startsWith(':')).length,
      methods: [route.method].flat().map(method => String(method).toUpperCase())
    });
  });
  app.addHook('onRequest', async (request, reply) => {
    const matched = request.routeOptions.url;
    // A route without parameters is its path's own resource; nothing more specific exists.
    if (matched !== undefined && !matched.includes(':')) {
      return;
    }
    const path = request.url.split('?')[0] ?? '';
    const resource = Private.resourceOf(routes, path);
    if (matched !== undefined && (resource.length === 0 || resource.some(r => r.url === matched))) {
      return;
    }
    const allowed = new Set<string>();
    for (const route of resource) {
      route.methods.forEach(method => allowed.add(method));
    }
    if (allowed.has('GET')) {
      allowed.add('HEAD');
    }
    if (allowed.size === 0) {
      // No resource here: the same 404 as the not-found handler, before any body is parsed.
      throw new ProblemError(404, 'not-found', 'Not found', `no route ${request.method} ${path}`);
    }
    if (allowed.has(request.method) || request.method === 'OPTIONS') {
      return;
    }
    const allow = [...allowed].sort().join(', ');
    reply.header('allow', allow);
    throw new ProblemError(
      405,
      'method-not-allowed',
      'Method not allowed',
      `${request.method} is not served at ${path}; this resource answers ${allow}`
    );
  });
}

namespace Private {
  /** The routes whose pattern matches `path` with the fewest parameters. */
  export function resourceOf<T extends { pattern: RegExp; parameters: number }>(
    routes: T[],
    path: string
  ): T[] {
    const matching = routes.filter(route => route.pattern.test(path));
    const fewest = Math.min(...matching.map(route => route.parameters));
    return matching.filter(route => route.parameters === fewest);
  }

  /** A route URL such as /api/molecules/:id as a regular expression over concrete paths. */
  export function patternOf(url: string): RegExp {
    const source = url
      .split('/')
      .map(part =>
        part.startsWith(':') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, c => `\\${c}`)
      )
      .join('/');
    return new RegExp(`^${source}/?$`);
  }
}
