import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { AuditPageSchema, AuditQuerySchema, ProblemSchema } from '@cryoprotect/kernel';
import { Cursor, LISTS } from '../http/pagination.js';
import { ProblemError } from '../http/problem.js';
import { TOKEN_REQUIRED } from '../http/route-schemas.js';

/**
 * The audit log under RLS: your own entries (and failed sign-ins against your account); site
 * administrators see every entry through the policy audit_log_read_site_admin (007).
 */
export const auditRoutes: FastifyPluginAsync = async fastify => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();

  app.get(
    '/api/audit',
    {
      schema: {
        tags: ['audit'],
        summary:
          'Audit entries visible to you, newest first (site administrators: all); action "auth." matches a prefix',
        security: TOKEN_REQUIRED,
        querystring: AuditQuerySchema,
        response: {
          200: AuditPageSchema,
          400: ProblemSchema,
          401: ProblemSchema
        }
      }
    },
    async request => {
      const userId = request.actor.userId;
      if (!userId) {
        throw new ProblemError(
          401,
          'unauthenticated',
          'Not authenticated',
          'this needs an API token'
        );
      }
      const { action, since, limit, cursor } = request.query;
      const before = cursor ? Cursor.decode(cursor, LISTS.audit)[1] : null;
      const { rows } = await app.db.userTransaction(userId, tx =>
        tx.query<{
          id: string | number | bigint;
          at: Date | string;
          actor_id: string | null;
          action: string;
          entity: string | null;
          entity_id: string | null;
          details: Record<string, unknown>;
        }>(
          `SELECT id, at, actor_id, action, entity, entity_id, details FROM audit_log
           WHERE ($1::text IS NULL OR action = $1 OR (right($1, 1) = '.' AND starts_with(action, $1)))
             AND ($2::timestamptz IS NULL OR at >= $2)
             AND ($3::bigint IS NULL OR id < $3)
           ORDER BY id DESC LIMIT $4`,
          [action ?? null, since ?? null, before, limit + 1]
        )
      );
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      return {
        items: page.map(r => ({
          id: Number(r.id),
          at: new Date(r.at).toISOString(),
          actorId: r.actor_id,
          action: r.action,
          entity: r.entity,
          entityId: r.entity_id,
          details: r.details
        })),
        nextCursor:
          rows.length > limit && last ? Cursor.encode(LISTS.audit, '', String(last.id)) : null
      };
    }
  );
};
