import Fastify, { type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider
} from 'fastify-type-provider-zod';
import { KERNEL_VERSION } from '@cryoprotect/kernel';
import type { Database } from './db/database.js';
import { checkReadiness } from './health.js';
import { registerAuthentication } from './http/auth.js';
import { registerProblemHandler } from './http/problem.js';
import { moleculesRoutes } from './routes/molecules.js';

export interface AppOptions {
  db: Database;
  migrationsDir: string;
  logLevel?: string;
  /** Production mode never sends internals (stack traces, driver messages) in 5xx problems. */
  production?: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    db: Database;
  }
}

/** Build the HTTP application; the caller owns the database and closes it. */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({ logger: { level: options.logLevel ?? 'info' }, bodyLimit: 1 << 20 });
  app.decorate('db', options.db);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerProblemHandler(app, options.production ?? false);
  registerAuthentication(app, options.db);

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'CryoProtect API',
        description:
          'Shared database of cryoprotectant molecules, mixtures, measurements and models. Errors are application/problem+json.',
        version: KERNEL_VERSION
      },
      components: { securitySchemes: { token: { type: 'http', scheme: 'bearer' } } },
      security: [{ token: [] }]
    },
    transform: jsonSchemaTransform
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs' });

  const typed = app.withTypeProvider<ZodTypeProvider>();
  typed.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  typed.get('/health/live', { schema: { hide: true } }, async () => ({
    status: 'ok',
    kernelVersion: KERNEL_VERSION
  }));
  typed.get('/health/ready', { schema: { hide: true } }, async (_request, reply) => {
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

  await app.register(moleculesRoutes);
  return app;
}
