import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Database } from '../db/database.js';
import { COMPONENTS, type Probe } from '../status/components.js';
import { ProblemError } from './problem.js';

/** Metric names, shared with ops/prometheus/alerts.yml and the Grafana dashboard. */
export const METRICS = {
  requestDuration: 'cryoprotect_http_request_duration_seconds',
  requestErrors: 'cryoprotect_http_errors_total',
  transactionDuration: 'cryoprotect_db_transaction_duration_seconds',
  transactionErrors: 'cryoprotect_db_transaction_errors_total',
  poolConnections: 'cryoprotect_db_pool_connections',
  ready: 'cryoprotect_ready',
  componentUp: 'cryoprotect_component_up'
} as const;

export interface Instrumentation {
  registry: Registry;
  /** The database with every transaction timed. */
  db: Database;
}

/** A registry of our own per app (tests build many apps), with Node's default metrics. */
export function instrument(db: Database): Instrumentation {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'cryoprotect_' });
  const duration = new Histogram({
    name: METRICS.transactionDuration,
    help: 'Duration of database transactions',
    labelNames: ['path', 'outcome'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry]
  });
  const errors = new Counter({
    name: METRICS.transactionErrors,
    help: 'Database transactions that failed (rolled back)',
    labelNames: ['path'],
    registers: [registry]
  });
  new Gauge({
    name: METRICS.poolConnections,
    help: 'Connections of the PostgreSQL pool by state (embedded PGlite has none)',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const stats = db.poolStats?.();
      if (stats) {
        this.set({ state: 'total' }, stats.total);
        this.set({ state: 'idle' }, stats.idle);
        this.set({ state: 'waiting' }, stats.waiting);
      }
    }
  });
  const timed =
    (path: 'user' | 'service') =>
    async <T>(run: () => Promise<T>): Promise<T> => {
      const end = duration.startTimer({ path });
      try {
        const result = await run();
        end({ outcome: 'commit' });
        return result;
      } catch (error) {
        end({ outcome: 'rollback' });
        errors.inc({ path });
        throw error;
      }
    };
  const user = timed('user');
  const service = timed('service');
  return {
    registry,
    db: {
      ...db,
      kind: db.kind,
      location: db.location,
      userTransaction: (userId, fn) => user(() => db.userTransaction(userId, fn)),
      serviceTransaction: fn => service(() => db.serviceTransaction(fn)),
      // Token checks count as the user transactions they replace.
      authenticate: db.authenticate
        ? tokenHash => user(() => db.authenticate!(tokenHash))
        : undefined,
      close: () => db.close(),
      poolStats: db.poolStats
    }
  };
}

/**
 * Request latency per route and status, 5xx counts, and GET /metrics. The endpoint answers
 * loopback clients, or anyone with `Authorization: Bearer <metricsToken>` when one is configured.
 */
export function registerMetrics(
  app: FastifyInstance,
  registry: Registry,
  metricsToken?: string,
  probe?: () => Promise<Probe>
): void {
  if (probe) {
    // Evaluated at scrape time, so Prometheus sees readiness as a load balancer does; the probe
    // is bounded (readiness waits 3 s for the database at most) and shared by both gauges.
    new Gauge({
      name: METRICS.ready,
      help: '1 when GET /health/ready answers 200 (database, schema, chemistry engines), else 0',
      registers: [registry],
      async collect() {
        this.set((await probe()).readiness.ready ? 1 : 0);
      }
    });
    new Gauge({
      name: METRICS.componentUp,
      help: '1 when the component is up (as on the status page), else 0',
      labelNames: ['component'],
      registers: [registry],
      async collect() {
        const { components } = await probe();
        for (const name of COMPONENTS) {
          this.set(
            { component: name },
            components.find(c => c.component === name)?.state === 'up' ? 1 : 0
          );
        }
      }
    });
  }
  const requests = new Histogram({
    name: METRICS.requestDuration,
    help: 'HTTP request latency by route and status',
    labelNames: ['method', 'route', 'status_code'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry]
  });
  const failures = new Counter({
    name: METRICS.requestErrors,
    help: 'HTTP responses with a 5xx status',
    labelNames: ['method', 'route', 'status_code'],
    registers: [registry]
  });
  app.addHook('onResponse', async (request: FastifyRequest, reply: FastifyReply) => {
    // The route pattern, never the raw URL: ids in URLs would explode the label set.
    const route = request.routeOptions.url ?? 'unmatched';
    const labels = { method: request.method, route, status_code: String(reply.statusCode) };
    requests.observe(labels, reply.elapsedTime / 1000);
    if (reply.statusCode >= 500) {
      failures.inc(labels);
    }
  });
  app.get(
    '/metrics',
    { schema: { hide: true }, config: { rateLimit: false } },
    async (request, reply) => {
      const loopback = ['127.0.0.1', '::1', '::ffff:127.0.0.1'].includes(request.ip);
      const authorized =
        metricsToken !== undefined && request.headers.authorization === `Bearer ${metricsToken}`;
      if (!loopback && !authorized) {
        throw new ProblemError(
          403,
          'forbidden',
          'Forbidden',
          'metrics are served to loopback clients or with the metrics token'
        );
      }
      return reply.type(registry.contentType).send(await registry.metrics());
    }
  );
}
