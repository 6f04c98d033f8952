import PgBoss from 'pg-boss';
import type { Database, Queryable } from '../db/database.js';

/**
 * The screening queue on pg-boss. A job carries a chunk's id and nothing else (its id is the
 * chunk's id, so a chunk is queued at most once); the library, the results and who may read them
 * live in our own tables under Row Level Security (migration 015).
 *
 * Every statement of pg-boss goes through `Database.executeSql`, the service path, so PGlite
 * (one connection, no pool of pg-boss's own) and PostgreSQL work alike. The one exception is the
 * insert of a chunk's job: it runs in the request's transaction, as cryoprotect_app, so a chunk
 * and its job are stored together or not at all; pg-boss allows that (`insert(jobs, { db })`),
 * and `ScreenQueue.start` grants the app role what that insert needs.
 *
 * A job that fails (the worker threw, or died and the job expired) is retried `retryLimit`
 * times; after the last, pg-boss copies it to the dead-letter queue, whose worker records the
 * chunk as failed with the reason.
 */

export const SCREEN_QUEUE = 'screen-chunk';
export const SCREEN_DEAD_LETTERS = 'screen-chunk-failed';

export interface ScreenQueueOptions {
  /**
   * Seconds a worker may hold a chunk; a job still active after that (its worker died or hangs)
   * is failed and retried. Longer than the slowest chunk takes.
   */
  expireInSeconds: number;
  /** Retries after the first attempt. */
  retryLimit: number;
  /** How often expired jobs are looked for (pg-boss maintenance). */
  maintenanceSeconds: number;
  /** How often an idle worker asks for a job. */
  pollSeconds: number;
}

export const SCREEN_QUEUE_DEFAULTS: ScreenQueueOptions = {
  expireInSeconds: 900,
  retryLimit: 2,
  maintenanceSeconds: 60,
  pollSeconds: 2
};

export interface ChunkJob {
  chunkId: string;
}

export class ScreenQueue {
  private constructor(
    readonly boss: PgBoss,
    readonly options: ScreenQueueOptions
  ) {}

  /**
   * Start pg-boss on `db`: its schema is created or migrated on first use (under its advisory
   * lock, so servers and workers starting together are safe), then the two queues.
   * `supervise` runs the expiry checks; a submitting server that runs no worker needs none.
   */
  static async start(
    db: Database,
    options: Partial<ScreenQueueOptions> = {},
    supervise = true
  ): Promise<ScreenQueue> {
    const o = { ...SCREEN_QUEUE_DEFAULTS, ...options };
    const boss = await Private.startBoss(() => {
      const made = new PgBoss({
        db: { executeSql: (text: string, values?: unknown[]) => db.executeSql(text, values) },
        supervise,
        schedule: false,
        maintenanceIntervalSeconds: o.maintenanceSeconds,
        pollingIntervalSeconds: o.pollSeconds
      });
      // pg-boss reports its own failures (a lost connection during maintenance) as events; the
      // next interval tries again.
      made.on('error', () => undefined);
      return made;
    });
    await Private.ensureQueues(db, boss);
    return new ScreenQueue(boss, o);
  }

  /** Queue the chunks in the caller's transaction (tx), with this queue's expiry and retries. */
  async enqueue(tx: Queryable, chunkIds: string[]): Promise<void> {
    if (chunkIds.length === 0) {
      return;
    }
    await this.boss.insert(
      chunkIds.map(chunkId => ({
        id: chunkId,
        name: SCREEN_QUEUE,
        data: { chunkId } satisfies ChunkJob,
        retryLimit: this.options.retryLimit,
        expireInSeconds: this.options.expireInSeconds,
        deadLetter: SCREEN_DEAD_LETTERS
      })),
      {
        db: {
          executeSql: async (text: string, values?: unknown[]) => tx.query(text, values)
        }
      }
    );
  }

  /**
   * Queue again the chunks still to score that have no job at all: after a restore from backup
   * (backups hold our tables, not pg-boss's) or a job pg-boss dropped after its retention. A job
   * that exists in any state is left to pg-boss and the dead-letter queue. Returns how many.
   */
  async requeueOrphans(db: Database): Promise<number> {
    return db.serviceTransaction(async tx => {
      const { rows } = await tx.query<{ id: string }>(
        `SELECT c.id FROM screen_chunks c JOIN screens s ON s.id = c.screen_id
         WHERE c.state IN ('queued', 'running') AND s.cancelled_at IS NULL
           AND NOT EXISTS (SELECT 1 FROM pgboss.job j WHERE j.name = $1 AND j.id = c.id)`,
        [SCREEN_QUEUE]
      );
      await this.enqueue(
        tx,
        rows.map(r => r.id)
      );
      return rows.length;
    });
  }

  /** Withdraw queued jobs (a cancelled screen); a job already taken finds its chunk cancelled. */
  async withdraw(chunkIds: string[]): Promise<void> {
    if (chunkIds.length > 0) {
      await this.boss.cancel(SCREEN_QUEUE, chunkIds);
    }
  }

  /**
   * Consume chunks, `concurrency` at a time. `run` may throw: the job is retried, and after its
   * last attempt `failed` is told the reason (also for a job whose worker died).
   */
  async work(
    concurrency: number,
    run: (job: { chunkId: string; attempt: number; lastAttempt: boolean }) => Promise<void>,
    failed: (chunkId: string, reason: string) => Promise<void>
  ): Promise<void> {
    for (let i = 0; i < concurrency; i++) {
      // pg-boss waits its polling interval after every fetch, even one that found a job; a
      // worker that just finished a chunk asks for the next one at once instead (notifyWorker),
      // and waits only when the queue was empty.
      const worker: { id?: string } = {};
      worker.id = await this.boss.work<ChunkJob>(
        SCREEN_QUEUE,
        { batchSize: 1, includeMetadata: true, pollingIntervalSeconds: this.options.pollSeconds },
        async (jobs: PgBoss.JobWithMetadata<ChunkJob>[]) => {
          try {
            for (const job of jobs) {
              await run({
                chunkId: job.data.chunkId,
                attempt: job.retryCount + 1,
                lastAttempt: job.retryCount >= job.retryLimit
              });
            }
          } finally {
            if (worker.id) {
              this.boss.notifyWorker(worker.id);
            }
          }
        }
      );
    }
    await this.boss.work<ChunkJob>(
      SCREEN_DEAD_LETTERS,
      { batchSize: 20, includeMetadata: true, pollingIntervalSeconds: this.options.pollSeconds },
      async (jobs: PgBoss.JobWithMetadata<ChunkJob>[]) => {
        for (const job of jobs) {
          await failed(job.data.chunkId, Private.reasonOf(job));
        }
      }
    );
  }

  /** Stop this process's workers (the queue stays up for sending); the jobs under way finish. */
  async offWork(): Promise<void> {
    await this.boss.offWork(SCREEN_QUEUE);
    await this.boss.offWork(SCREEN_DEAD_LETTERS);
  }

  /** Stop taking jobs; wait up to `timeoutMs` for those under way. */
  async stop(timeoutMs = 30_000): Promise<void> {
    await this.boss.stop({ graceful: true, wait: true, timeout: timeoutMs, close: false });
  }
}

namespace Private {
  /**
   * Processes starting together on a fresh database race to create pg-boss's schema: its
   * `CREATE SCHEMA IF NOT EXISTS` runs before its lock and can still collide in the catalogue
   * (23505 on pg_namespace) or deadlock (40P01). The loser starts again, with a new instance, and
   * finds the schema made.
   */
  export async function startBoss(make: () => PgBoss): Promise<PgBoss> {
    for (let attempt = 1; ; attempt++) {
      const boss = make();
      try {
        await boss.start();
        return boss;
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (attempt >= 10 || !['23505', '42P06', '40P01'].includes(String(code))) {
          throw error;
        }
        await boss.stop({ graceful: false, close: false }).catch(() => undefined);
        await new Promise(resolve => setTimeout(resolve, 50 + Math.random() * 200 * attempt));
      }
    }
  }

  export async function ensureQueues(db: Database, boss: PgBoss): Promise<void> {
    for (const name of [SCREEN_DEAD_LETTERS, SCREEN_QUEUE]) {
      // Processes starting together race to create the queue (a partition table: concurrent
      // creations deadlock or collide); the loser waits a little and finds it made.
      for (let attempt = 1; !(await boss.getQueue(name)); attempt++) {
        try {
          await boss.createQueue(name, {
            name,
            ...(name === SCREEN_QUEUE ? { deadLetter: SCREEN_DEAD_LETTERS } : {})
          });
        } catch (error) {
          if (attempt >= 10) {
            throw error;
          }
          await new Promise(resolve => setTimeout(resolve, 50 + Math.random() * 200 * attempt));
        }
      }
    }
    // A chunk's job is inserted by the request that stores the chunk, as cryoprotect_app. The
    // grants are idempotent; pg-boss's tables hold job ids, never records.
    // Under a transaction lock: PostgreSQL refuses concurrent GRANTs on one object ("tuple
    // concurrently updated"), as when several workers start together.
    await db.executeSql(
      `BEGIN;
       SELECT pg_advisory_xact_lock(hashtext('cryoprotect.screen-queue.grants'));
       GRANT USAGE ON SCHEMA pgboss TO cryoprotect_app;
       GRANT SELECT ON pgboss.queue TO cryoprotect_app;
       GRANT INSERT ON pgboss.job TO cryoprotect_app;
       COMMIT;`
    );
  }

  /** The reason pg-boss kept with a failed job: the worker's error, or the expiry. */
  export function reasonOf(job: PgBoss.Job<unknown> & { output?: unknown }): string {
    const output = job.output as { message?: unknown; value?: { message?: unknown } } | undefined;
    const message = output?.message ?? output?.value?.message;
    return typeof message === 'string' && message.length > 0
      ? message.replace(
          'job failed by timeout in active state',
          'the worker did not finish it in time (it stopped or hung)'
        )
      : 'failed after its retries';
  }
}

/**
 * A queue started on first use and stopped once: what a server holds, so that a server nobody
 * screens with never starts pg-boss.
 */
export function lazyScreenQueue(
  db: Database,
  options: Partial<ScreenQueueOptions> = {},
  supervise = false
): { get(): Promise<ScreenQueue>; stop(): Promise<void> } {
  let started: Promise<ScreenQueue> | undefined;
  return {
    get: () => {
      started ??= ScreenQueue.start(db, options, supervise).catch((error: unknown) => {
        started = undefined;
        throw error;
      });
      return started;
    },
    stop: async () => {
      const queue = await started?.catch(() => undefined);
      started = undefined;
      await queue?.stop();
    }
  };
}
