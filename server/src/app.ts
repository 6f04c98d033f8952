import Fastify, { type FastifyInstance } from 'fastify';
import { KERNEL_VERSION } from '@cryoprotect/kernel';
import type { Database } from './db/database.js';
import { checkReadiness } from './health.js';

export interface AppOptions {
  db: Database;
  migrationsDir: string;
  logLevel?: string;
}

declare module 'fastify' {
  interface FastifyInstance {
    db: Database;
  }
}

/** Build the HTTP application; the caller owns the database and closes it. */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({ logger: { level: options.logLevel ?? 'info' } });
  app.decorate('db', options.db);

  app.get('/health/live', async () => ({ status: 'ok', kernelVersion: KERNEL_VERSION }));

  app.get('/health/ready', async (_request, reply) => {
    const readiness = await checkReadiness(app.db, options.migrationsDir).catch((error: Error) => ({
      ready: false,
      database: 'unreachable' as const,
      schema: 'unknown' as const,
      problems: [error.message]
    }));
    return reply
      .code(readiness.ready ? 200 : 503)
      .send({ ...readiness, database_kind: app.db.kind });
  });

  return app;
}
