import type { Readiness } from '@cryoprotect/kernel';
import type { Database } from '../db/database.js';
import { checkReadiness, readinessReport, type ReadinessCheck } from '../health.js';

/** What the status page and the `cryoprotect_component_up` gauge report on. */
export const COMPONENTS = ['api', 'database', 'chemistry', 'workers'] as const;
export type ComponentName = (typeof COMPONENTS)[number];
/** unknown: could not be told (the job workers while the database does not answer). */
export type ComponentState = 'up' | 'degraded' | 'down' | 'unknown';

export interface ComponentStatus {
  component: ComponentName;
  state: ComponentState;
  /**
   * One line for people, public on the status page: categories only, never a driver message
   * (which can name hosts and roles).
   */
  detail: string;
}

export interface Probe {
  at: Date;
  /** What GET /health/ready would answer. */
  readiness: Readiness;
  components: ComponentStatus[];
}

export interface ProbeOptions {
  migrationsDir: string;
  /** Queued work waiting this long with nothing finishing means no worker takes it. */
  stallSeconds: number;
  /** A retrain job waits this long on purpose (CRYOPROTECT_RETRAIN_DELAY) before it is due. */
  retrainDelaySeconds: number;
}

/**
 * One look at every component. The API is up by definition (this code is answering); the
 * database and the chemistry engines as readiness sees them; the job workers by their effect:
 * screen chunks queued while nothing of their screen finished for `stallSeconds`, or retrain
 * jobs due that long, mean no worker is taking work. Any number of worker processes on any
 * machine is judged the same way, with no heartbeat table to keep.
 */
export async function probeComponents(db: Database, options: ProbeOptions): Promise<Probe> {
  const at = new Date();
  const check: ReadinessCheck = await checkReadiness(db, options.migrationsDir).catch(
    (error: Error) => ({
      ready: false,
      database: 'unreachable' as const,
      schema: 'unknown' as const,
      problems: [error.message]
    })
  );
  const readiness = readinessReport(check, db.kind);
  return {
    at,
    readiness,
    components: [
      { component: 'api', state: 'up', detail: 'answering' },
      Private.database(check),
      Private.chemistry(readiness),
      check.database === 'ok'
        ? await Private.workers(db, options)
        : { component: 'workers', state: 'unknown', detail: 'the database does not answer' }
    ]
  };
}

/**
 * At most one probe per `ttlMs`, shared by everyone asking meanwhile (a scrape reads two gauges,
 * and the public status page must not be a way to load the database).
 */
export function cachedProbe(probe: () => Promise<Probe>, ttlMs: number): () => Promise<Probe> {
  let last: { at: number; result: Promise<Probe> } | undefined;
  return () => {
    const now = Date.now();
    if (!last || now - last.at >= ttlMs) {
      const result = probe();
      last = { at: now, result };
      // A failed probe is not kept: the next caller tries again.
      result.catch(() => {
        if (last?.result === result) {
          last = undefined;
        }
      });
    }
    return last.result;
  };
}

namespace Private {
  export function database(check: ReadinessCheck): ComponentStatus {
    if (check.database !== 'ok') {
      return { component: 'database', state: 'down', detail: 'the database does not answer' };
    }
    if (check.schema === 'current' || check.schema === 'ahead') {
      return { component: 'database', state: 'up', detail: `answering, schema ${check.schema}` };
    }
    return {
      component: 'database',
      state: 'degraded',
      detail: `answering, but the schema is ${check.schema} (see GET /health/ready)`
    };
  }

  export function chemistry(readiness: Readiness): ComponentStatus {
    const engines = [readiness.chemistry.rdkit, readiness.chemistry.indigo];
    const failed = engines.filter(e => e.state === 'failed').map(e => e.name);
    const rebuilding = engines.filter(e => e.state === 'rebuilding').map(e => e.name);
    if (failed.length > 0) {
      return {
        component: 'chemistry',
        state: 'down',
        detail: `${failed.join(', ')} failed to load`
      };
    }
    if (rebuilding.length > 0) {
      return {
        component: 'chemistry',
        state: 'degraded',
        detail: `${rebuilding.join(', ')} being rebuilt after a WebAssembly failure`
      };
    }
    return {
      component: 'chemistry',
      state: 'up',
      detail: engines.map(e => `${e.name} ${e.state}`).join(', ')
    };
  }

  export async function workers(db: Database, options: ProbeOptions): Promise<ComponentStatus> {
    const { stallSeconds, retrainDelaySeconds } = options;
    try {
      const { rows } = await db.serviceTransaction(tx =>
        tx.query<{ chunks: number; retrains: number }>(
          `SELECT
             (SELECT count(*)::int FROM screen_chunks c JOIN screens s ON s.id = c.screen_id
               WHERE c.state = 'queued' AND s.cancelled_at IS NULL
                 AND s.created_at < now() - make_interval(secs => $1)
                 AND NOT EXISTS (SELECT 1 FROM screen_chunks d WHERE d.screen_id = s.id
                                   AND d.finished_at > now() - make_interval(secs => $1))) AS chunks,
             (SELECT count(*)::int FROM model_retrain_jobs
               WHERE state = 'queued'
                 AND last_request_at < now() - make_interval(secs => $2)) AS retrains`,
          [stallSeconds, stallSeconds + retrainDelaySeconds]
        )
      );
      const { chunks, retrains } = rows[0];
      if (chunks + retrains === 0) {
        return { component: 'workers', state: 'up', detail: 'no work waiting too long' };
      }
      const waiting = [
        chunks > 0 ? `${chunks} screen chunk${chunks === 1 ? '' : 's'}` : '',
        retrains > 0 ? `${retrains} retrain job${retrains === 1 ? '' : 's'}` : ''
      ].filter(Boolean);
      return {
        component: 'workers',
        state: 'down',
        detail: `${waiting.join(' and ')} waiting over ${Math.round(stallSeconds / 60)} min with nothing finishing: no worker takes them`
      };
    } catch {
      return { component: 'workers', state: 'unknown', detail: 'the job tables could not be read' };
    }
  }
}
