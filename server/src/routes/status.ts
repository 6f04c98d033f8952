import type { FastifyPluginAsync } from 'fastify';
import type { Probe } from '../status/components.js';
import { readHistory, summarizeHistory, type StatusRecorder } from '../status/history.js';
import { STATUS_PAGE_CSP, renderStatusPage, type StatusReport } from '../status/page.js';

export interface StatusService {
  /** A current look at the components (cached briefly; the page is public). */
  probe: () => Promise<Probe>;
  /** This server's recorder, when it records (serve does; test apps need not). */
  recorder?: StatusRecorder;
  retentionDays: number;
}

declare module 'fastify' {
  interface FastifyInstance {
    status: StatusService;
  }
}

const WINDOW = { hours: 24, bucketMinutes: 15 };

/**
 * GET /status: the status page, HTML for people and JSON (`?format=json` or `Accept:
 * application/json`) for uptime monitors. Public like /health/ready, and it shows categories
 * only: what is up, since when, never an error message.
 */
export const statusRoutes: FastifyPluginAsync = async app => {
  app.get(
    '/status',
    { schema: { hide: true }, config: { rateLimit: false } },
    async (request, reply) => {
      const report = await Private.report(app);
      const query = request.query as Record<string, unknown>;
      const accept = request.headers.accept ?? '';
      const json =
        query.format === 'json' ||
        (query.format !== 'html' &&
          accept.includes('application/json') &&
          !accept.includes('text/html'));
      // A monitor keys on the status code, people on the page: down answers 503 to both.
      reply.code(report.overall === 'down' ? 503 : 200).header('cache-control', 'no-store');
      if (json) {
        return reply.send(report);
      }
      return reply
        .header('content-security-policy', STATUS_PAGE_CSP)
        .type('text/html; charset=utf-8')
        .send(renderStatusPage(report));
    }
  );
};

namespace Private {
  export async function report(app: Parameters<FastifyPluginAsync>[0]): Promise<StatusReport> {
    const probe = await app.status.probe();
    let samples;
    let history: StatusReport['history'] = 'database';
    try {
      if (probe.readiness.database !== 'ok') {
        throw new Error('the database does not answer');
      }
      samples = await readHistory(app.db, probe.at);
    } catch {
      samples = app.status.recorder?.ownSamples() ?? [];
      history = 'this-server';
    }
    const summary = summarizeHistory(samples, probe.at, WINDOW.hours, WINDOW.bucketMinutes);
    const states = new Map(probe.components.map(c => [c.component, c]));
    const essential = ['database', 'chemistry'].map(name => states.get(name as 'database')!);
    const overall = essential.some(c => c.state === 'down')
      ? 'down'
      : probe.components.every(c => c.state === 'up')
        ? 'up'
        : 'degraded';
    return {
      generatedAt: probe.at.toISOString(),
      overall,
      ready: probe.readiness.ready,
      components: summary.map(h => ({ ...states.get(h.component)!, ...h })),
      window: WINDOW,
      retentionDays: app.status.retentionDays,
      history
    };
  }
}
