import { z } from 'zod';

/**
 * The body of the server's `GET /health/ready` (server/src/app.ts, server/src/health.ts): sent
 * with 200 when ready and 503 when not, so a client reads the same shape on both statuses.
 */
export const ReadinessSchema = z.object({
  ready: z.boolean(),
  database: z.enum(['ok', 'unreachable']).describe('whether the database answered in time'),
  schema: z
    .enum(['current', 'pending', 'drift', 'unknown'])
    .describe(
      'current: exactly the migrations of this code; pending: some are not applied; drift: edited or unknown migrations; unknown: the database did not answer'
    ),
  problems: z.array(z.string()).describe('why the server is not ready, one line each'),
  database_kind: z.enum(['pglite', 'postgres'])
});
export type Readiness = z.infer<typeof ReadinessSchema>;
