import Fastify, { type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider
} from 'fastify-type-provider-zod';
import { KERNEL_VERSION, ProblemSchema, ReadinessSchema } from '@cryoprotect/kernel';
import type { Database } from './db/database.js';
import { hashToken } from './db/tokens.js';
import { checkReadiness, readinessReport } from './health.js';
import { registerAuthentication } from './http/auth.js';
import { instrument, registerMetrics } from './http/metrics.js';
import {
  MAX_HEADER_BYTES,
  ProblemError,
  clientErrorHandler,
  registerProblemHandler
} from './http/problem.js';
import { registerTextGuard } from './http/text-guard.js';
import { registerMethodGuard } from './http/methods.js';
import { registerJsonBodyParser } from './http/json-body.js';
import { PROBLEM_MEDIA_TYPE, documentRoute, truthfulDocument } from './http/route-schemas.js';
import { randomUUID } from 'node:crypto';
import helmet from '@fastify/helmet';
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import { batchRoutes } from './routes/batch.js';
import { mixturesRoutes } from './routes/mixtures.js';
import { moleculesRoutes } from './routes/molecules.js';
import { moleculeEditsRoutes } from './routes/molecule-edits.js';
import { datasetsRoutes } from './routes/datasets.js';
import { modelsRoutes } from './routes/models.js';
import { predictionsRoutes } from './routes/predictions.js';
import { verificationsRoutes } from './routes/verifications.js';
import { accountsRoutes } from './routes/accounts.js';
import { projectsRoutes } from './routes/projects.js';
import { auditRoutes } from './routes/audit.js';
import { propertyTypesRoutes } from './routes/property-types.js';
import { referencesRoutes } from './routes/references.js';
import { experimentsRoutes } from './routes/experiments.js';
import { measurementsRoutes } from './routes/measurements.js';
import { screensRoutes } from './routes/screens.js';
import type { ScreenQueue } from './screens/queue.js';
import { statusRoutes } from './routes/status.js';
import { cachedProbe, probeComponents } from './status/components.js';
import { StatusRecorder } from './status/history.js';
import { FEATURES, parseFeatures, type FeatureFlags } from './features.js';

/** Where the API's documentation page is served (the page itself at DOCS_PREFIX + '/'). */
export const DOCS_PREFIX = '/api/docs';

export interface AppOptions {
  db: Database;
  migrationsDir: string;
  logLevel?: string;
  /** Production mode never sends internals (stack traces, driver messages) in 5xx problems. */
  production?: boolean;
  /** Browser origins allowed to call the API (JupyterLab's); others get no CORS headers. */
  corsOrigins?: string[];
  /** Requests per minute per API token (or per address when anonymous). */
  rateLimitPerMinute?: number;
  /**
   * How long a checked API token is trusted without asking the database again (default 0 = always
   * ask). Any change to tokens or accounts through this server empties the cache at once.
   */
  tokenCacheMs?: number;
  /** Largest accepted request body in bytes. */
  bodyLimit?: number;
  /** Bearer token that may read /metrics from other hosts than loopback. */
  metricsToken?: string;
  /**
   * The screening queue, started when the first chunk arrives (lazyScreenQueue); without it the
   * screen routes that queue work answer 503.
   */
  screenQueue?: () => Promise<ScreenQueue>;
  /** Feature flags in force (default: every feature at its default). */
  features?: FeatureFlags;
  /** The deployment profile, shown by GET /health. */
  profile?: 'development' | 'staging' | 'production';
  /** The log goes to this file, rotated (pino-roll), instead of standard output. */
  logFile?: { path: string; keep: number; maxMegabytes: number };
  /** The status page and the component gauges; `record` samples them into the database. */
  status?: {
    stallSeconds: number;
    retentionDays: number;
    retrainDelaySeconds: number;
    record?: { instance: string; intervalSeconds: number };
  };
}

declare module 'fastify' {
  interface FastifyInstance {
    db: Database;
    features: FeatureFlags;
  }
}

/** Build the HTTP application; the caller owns the database and closes it. */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: {
      level: options.logLevel ?? 'info',
      // Rotated daily and by size; pino-roll deletes all but the newest `keep` files.
      ...(options.logFile && {
        transport: {
          target: 'pino-roll',
          options: {
            file: options.logFile.path,
            frequency: 'daily',
            size: `${options.logFile.maxMegabytes}m`,
            mkdir: true,
            dateFormat: 'yyyy-MM-dd',
            limit: { count: options.logFile.keep, removeOtherLogFiles: true }
          }
        }
      })
    },
    bodyLimit: options.bodyLimit ?? 1 << 20,
    // Path parameters are bounded by their schemas (400 naming them); the router's own limit
    // (default 100 characters, percent-encoded) answered 414 outside problem+json before.
    routerOptions: { maxParamLength: 2000 },
    // Request ids in every log line and problem document; a caller's own id is kept.
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    // Requests Node's parser refuses before Fastify sees them (over-large headers, malformed
    // HTTP) are answered with a problem document too, naming the limit.
    http: { maxHeaderSize: MAX_HEADER_BYTES },
    clientErrorHandler: clientErrorHandler(MAX_HEADER_BYTES)
  });
  const { registry, db } = instrument(options.db);
  app.decorate('db', db);
  app.decorate('features', options.features ?? parseFeatures(undefined).flags);
  const statusOptions = options.status ?? {
    stallSeconds: 900,
    retentionDays: 7,
    retrainDelaySeconds: 300
  };
  // One probe a second at most, whoever asks (the gauges at each scrape, the status page).
  const probe = cachedProbe(
    () =>
      probeComponents(db, {
        migrationsDir: options.migrationsDir,
        stallSeconds: statusOptions.stallSeconds,
        retrainDelaySeconds: statusOptions.retrainDelaySeconds
      }),
    1000
  );
  const recorder = statusOptions.record
    ? new StatusRecorder(db, probe, {
        ...statusOptions.record,
        retentionDays: statusOptions.retentionDays,
        log: message => app.log.warn(message)
      })
    : undefined;
  app.decorate('status', { probe, recorder, retentionDays: statusOptions.retentionDays });
  if (recorder) {
    app.addHook('onReady', async () => recorder.start());
    app.addHook('onClose', async () => recorder.stop());
  }
  if (options.screenQueue) {
    app.decorate('screenQueue', options.screenQueue);
  }
  // Before any route: each operation's schema gets the statuses every route can answer.
  app.addHook('onRoute', documentRoute);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerProblemHandler(app, options.production ?? false);
  registerJsonBodyParser(app);
  registerMethodGuard(app);
  registerTextGuard(app);
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  registerMetrics(app, registry, options.metricsToken, probe);
  await app.register(helmet, {
    // The API serves JSON and SVG; the docs page sets its own policy (staticCSP below).
    contentSecurityPolicy: { directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } }
  });
  await app.register(cors, { origin: options.corsOrigins ?? [], credentials: false });
  registerAuthentication(app, db, { cacheMs: options.tokenCacheMs ?? 0 });
  await app.register(rateLimit, {
    max: options.rateLimitPerMinute ?? 600,
    timeWindow: 60_000,
    // Per token when there is one, per address otherwise; the raw token never becomes a key.
    keyGenerator: request => {
      const token = request.headers['x-cryoprotect-token'] ?? request.headers.authorization;
      return typeof token === 'string' ? `t:${hashToken(token)}` : `ip:${request.ip}`;
    },
    errorResponseBuilder: (_request, context) =>
      new ProblemError(
        429,
        'rate-limited',
        'Too many requests',
        `more than ${context.max} requests in ${context.after}; retry after ${Math.ceil(context.ttl / 1000)} s`
      )
  });

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
    transform: jsonSchemaTransform,
    transformObject: truthfulDocument
  });
  // The docs page works under any prefix (JupyterLab reaches the server through jupyter-server-proxy
  // at <base>/proxy/<port>/, which strips it): its HTML at /api/docs/ names its assets ./static/...
  // and its initializer loads ./json relative to the page, so the two addresses that would give
  // absolute paths redirect relatively to it instead.
  await app.register(swaggerUi, {
    routePrefix: DOCS_PREFIX,
    staticCSP: true,
    uiHooks: {
      onRequest: async (request, reply) => {
        const path = request.url.split('?')[0];
        // Without the query: the initializer resolves ./json against the page's whole address,
        // query included, and Swagger UI reads no parameter from it (queryConfigEnabled is off).
        if (path === DOCS_PREFIX) {
          return reply.redirect(`${DOCS_PREFIX.split('/').pop()}/`);
        }
        if (path === `${DOCS_PREFIX}/static/index.html`) {
          return reply.redirect('../');
        }
      }
    }
  });

  const typed = app.withTypeProvider<ZodTypeProvider>();
  typed.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  typed.get('/health/live', { schema: { hide: true }, config: { rateLimit: false } }, async () => ({
    status: 'ok',
    kernelVersion: KERNEL_VERSION
  }));
  // What runs here: the version, the profile and the feature flags in force (an operator checks a
  // controlled rollout with it); readiness is /health/ready, the components /status.
  typed.get('/health', { schema: { hide: true }, config: { rateLimit: false } }, async () => ({
    status: 'ok',
    version: KERNEL_VERSION,
    profile: options.profile ?? 'development',
    features: Object.entries(FEATURES).map(([name, feature]) => ({
      name,
      enabled: app.features[name as keyof FeatureFlags],
      default: feature.default,
      description: feature.description
    }))
  }));
  typed.get(
    '/health/ready',
    {
      schema: {
        tags: ['health'],
        summary:
          'Readiness: 200 when the database answers, its schema is exactly the migrations of this code and the chemistry engines are loaded or idle, else 503',
        security: [],
        // A 503 is the readiness report, or a problem when a token came along and the database
        // cannot be asked about it.
        response: {
          200: ReadinessSchema,
          503: {
            description:
              'Not ready: the readiness report, or a problem when the token could not be checked',
            content: {
              'application/json': { schema: ReadinessSchema },
              [PROBLEM_MEDIA_TYPE]: { schema: ProblemSchema }
            }
          }
        }
      },
      config: { rateLimit: false }
    },
    async (_request, reply) => {
      const readiness = await checkReadiness(app.db, options.migrationsDir).catch(
        (error: Error) => ({
          ready: false,
          database: 'unreachable' as const,
          schema: 'unknown' as const,
          problems: [error.message]
        })
      );
      const report = readinessReport(readiness, app.db.kind);
      return reply.code(report.ready ? 200 : 503).send(report);
    }
  );

  await app.register(moleculesRoutes);
  await app.register(moleculeEditsRoutes);
  await app.register(batchRoutes);
  await app.register(mixturesRoutes);
  await app.register(datasetsRoutes);
  await app.register(modelsRoutes);
  await app.register(predictionsRoutes);
  await app.register(verificationsRoutes);
  await app.register(accountsRoutes);
  await app.register(projectsRoutes);
  await app.register(auditRoutes);
  await app.register(propertyTypesRoutes);
  await app.register(referencesRoutes);
  await app.register(experimentsRoutes);
  await app.register(measurementsRoutes);
  await app.register(screensRoutes);
  await app.register(statusRoutes);
  return app;
}
