import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Database } from '../db/database.js';
import { hashToken } from '../db/tokens.js';
import { ProblemError } from './problem.js';

export type Scope = 'read' | 'write' | 'admin';

/** Who a request acts for: a user with the token's scopes, or anonymous (user null). */
export interface Actor {
  userId: string | null;
  scopes: Scope[];
}

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor;
  }
}

/**
 * Resolve the API token of every request: `Authorization: Bearer <token>`, or the header
 * `X-CryoProtect-Token` for requests that come through jupyter-server-proxy, where the
 * Authorization header carries Jupyter's own credentials (`token ...`). Other Authorization
 * schemes are not ours and count as anonymous; no token at all means anonymous.
 */
export function registerAuthentication(
  app: FastifyInstance,
  db: Database,
  options: { cacheMs?: number } = {}
): void {
  const cacheMs = options.cacheMs ?? 0;
  // Checked tokens (by hash), trusted for cacheMs: a notebook's burst of requests then costs one
  // check instead of one per request. Unknown tokens are never cached, so a new token works at once.
  const checked = new Map<string, { actor: Actor; until: number }>();
  app.decorateRequest('actor', null as unknown as Actor);
  if (cacheMs > 0) {
    // A revoked token, a deactivated account or a changed password takes effect at once on this
    // server; other servers of a deployment follow within cacheMs.
    app.addHook('onResponse', async request => {
      if (request.method !== 'GET' && /^\/api\/(tokens|users|auth)\b/.test(request.url)) {
        checked.clear();
      }
    });
  }
  app.addHook('onRequest', async (request: FastifyRequest) => {
    // /metrics has its own bearer token (Prometheus scrape credentials), not an API token.
    const token = request.routeOptions.url === '/metrics' ? undefined : Private.tokenOf(request);
    if (token === undefined) {
      request.actor = { userId: null, scopes: [] };
      // Before the request is validated: an anonymous caller of an operation documented as
      // needing a token learns that first, not what is wrong with its parameters.
      if (Private.needsToken(request.routeOptions.schema)) {
        throw new ProblemError(
          401,
          'unauthenticated',
          'Not authenticated',
          'this needs an API token (Authorization: Bearer <token>)'
        );
      }
      return;
    }
    const hash = hashToken(token);
    const known = checked.get(hash);
    if (known && known.until > Date.now()) {
      request.actor = known.actor;
      return;
    }
    const found = db.authenticate
      ? ((await db.authenticate(hash)) as { user_id: string; scopes: Scope[] } | undefined)
      : (
          await db.userTransaction(null, tx =>
            tx.query<{ user_id: string; scopes: Scope[] }>(
              'SELECT user_id, scopes FROM app.authenticate_token($1)',
              [hash]
            )
          )
        ).rows[0];
    if (!found) {
      throw new ProblemError(
        401,
        'unauthenticated',
        'Not authenticated',
        'the API token is unknown, revoked or expired'
      );
    }
    request.actor = { userId: found.user_id, scopes: found.scopes };
    if (cacheMs > 0) {
      if (checked.size >= 10_000) {
        checked.clear();
      }
      checked.set(hash, { actor: request.actor, until: Date.now() + cacheMs });
    }
  });
}

namespace Private {
  /** Whether an operation's documented security has no anonymous alternative (`{}`). */
  export function needsToken(schema: unknown): boolean {
    const security = (schema as { security?: unknown } | undefined)?.security;
    return (
      Array.isArray(security) &&
      security.length > 0 &&
      security.every(entry => Object.keys(entry as object).length > 0)
    );
  }

  export function tokenOf(request: FastifyRequest): string | undefined {
    const own = request.headers['x-cryoprotect-token'];
    if (typeof own === 'string' && own.trim() !== '') {
      return own.trim();
    }
    const header = request.headers.authorization;
    const bearer = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (header && /^Bearer\b/i.test(header) && !bearer) {
      throw new ProblemError(
        401,
        'unauthenticated',
        'Not authenticated',
        'the Authorization header must be "Bearer <API token>"'
      );
    }
    return bearer?.[1];
  }
}

/** Refuse a request that is anonymous or whose token lacks `scope`. */
export function requireScope(request: FastifyRequest, scope: Scope): string {
  const { userId, scopes } = request.actor;
  if (!userId) {
    throw new ProblemError(
      401,
      'unauthenticated',
      'Not authenticated',
      `this needs an API token with the ${scope} scope`
    );
  }
  if (!scopes.includes(scope) && !scopes.includes('admin')) {
    throw new ProblemError(
      403,
      'insufficient-scope',
      'Insufficient scope',
      `this API token lacks the ${scope} scope`
    );
  }
  return userId;
}
