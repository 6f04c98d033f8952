import { z } from 'zod';
import type { EngineStatus } from '../chemistry/engine';
import { indigoStatus } from '../chemistry/inchi';
import { rdkitStatus } from '../chemistry/rdkit';

/**
 * The body of the server's `GET /health/ready` (server/src/app.ts, server/src/health.ts), for load
 * balancers, orchestrators and the JupyterLab extension: 200 when the database answers and its
 * schema is exactly the migrations of the running code, otherwise 503 with the same fields, so a
 * client reads one shape on both statuses.
 */
const EngineStatusSchema = z.object({
  name: z.string(),
  state: z
    .enum(['idle', 'loading', 'ready', 'rebuilding', 'failed'])
    .describe(
      'idle: loaded on first use; loading; ready; rebuilding: a fresh instance is loading after a WebAssembly failure; failed: the last load failed (retried on next use)'
    ),
  failures: z
    .number()
    .int()
    .nonnegative()
    .describe('instances discarded after a WebAssembly runtime error since the server started'),
  lastFailure: z
    .object({ at: z.string(), reason: z.string() })
    .nullable()
    .describe('when the last failure happened and the runtime message')
}) satisfies z.ZodType<EngineStatus>;

export const ReadinessSchema = z.object({
  ready: z.boolean().describe('true when the server can serve requests'),
  database: z.enum(['ok', 'unreachable']).describe('whether the database answered in time'),
  schema: z
    .enum(['current', 'ahead', 'pending', 'drift', 'unknown'])
    .describe(
      'current: every migration of this code applied unchanged; ahead: also newer migrations of a later release (additive, so this code still runs: ready); pending: some not applied yet; drift: applied migrations edited since, or unknown to this code and not simply newer; unknown: the database did not answer'
    ),
  problems: z.array(z.string()).describe('what keeps the server from being ready, one per entry'),
  database_kind: z
    .enum(['pglite', 'postgres'])
    .describe('pglite: the embedded single-user database; postgres: a PostgreSQL server'),
  chemistry: z
    .object({ rdkit: EngineStatusSchema, indigo: EngineStatusSchema })
    .describe(
      'the WebAssembly chemistry engines of this server (RDKit.js; Indigo, which reads InChI): not ready while one is rebuilt after a failure or cannot load'
    )
});
export type Readiness = z.infer<typeof ReadinessSchema>;

/** The chemistry engines of this process, as readiness reports them. */
export function chemistryStatus(): Readiness['chemistry'] {
  return { rdkit: rdkitStatus(), indigo: indigoStatus() };
}
