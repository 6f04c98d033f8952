import { z } from 'zod';

/**
 * The body of the server's `GET /health/ready` (server/src/app.ts, server/src/health.ts), for load
 * balancers, orchestrators and the JupyterLab extension: 200 when the database answers and its
 * schema is exactly the migrations of the running code, otherwise 503 with the same fields, so a
 * client reads one shape on both statuses.
 */
export const ReadinessSchema = z.object({
  ready: z.boolean().describe('true when the server can serve requests'),
  database: z.enum(['ok', 'unreachable']).describe('whether the database answered in time'),
  schema: z
    .enum(['current', 'pending', 'drift', 'unknown'])
    .describe(
      'current: every migration of this code applied unchanged; pending: some not applied yet; drift: applied migrations edited since, or unknown to this code; unknown: the database did not answer'
    ),
  problems: z.array(z.string()).describe('what keeps the server from being ready, one per entry'),
  database_kind: z
    .enum(['pglite', 'postgres'])
    .describe('pglite: the embedded single-user database; postgres: a PostgreSQL server')
});
export type Readiness = z.infer<typeof ReadinessSchema>;
