import type { Command } from 'commander';
import { parseCount } from '../cli/options.js';
import type { CommandIO } from '../cli/output.js';
import { loadConfig, type Config } from '../config.js';
import type { Database } from '../db/database.js';
import { migrationStatus } from '../db/migrations.js';
import { openDatabase } from '../db/open.js';
import { runDueRetrains, startRetrainWorker } from './retrain.js';

/**
 * `cryoprotect worker` runs the retrain queue (models/retrain.ts) in its own process, next to any
 * number of REST servers and other workers on PostgreSQL; `cryoprotect jobs` shows what the queue
 * did. The embedded database allows one process, so there the server runs the worker itself
 * (CRYOPROTECT_RETRAIN_WORKER=1, startConfiguredWorker).
 */
export function addWorkerCommands(program: Command, io: CommandIO): void {
  const { out } = io;
  program
    .command('worker')
    .description(
      "retrain models when new verified measurements arrive: each job runs as the model's owner and registers a new version only when it validates better"
    )
    .option('--once', 'run the jobs that are due now, then exit (for cron or a systemd timer)')
    .action(async (options: { once?: boolean }) => {
      const config = loadConfig();
      const db = await openDatabase(config);
      try {
        await Private.requireCurrentSchema(db, config);
      } catch (error) {
        await db.close();
        throw error;
      }
      if (options.once) {
        try {
          const outcomes = await runDueRetrains(db, {
            delaySeconds: config.CRYOPROTECT_RETRAIN_DELAY,
            log: out.say
          });
          out.say(`${outcomes.length} retrain job(s) run`);
        } finally {
          await db.close();
        }
        return;
      }
      const worker = startConfiguredWorker(db, config, out.say);
      const stop = async (signal: string): Promise<void> => {
        out.say(`${signal}: stopping after the job under way`);
        await worker.stop();
        await db.close();
        process.exit(0);
      };
      process.once('SIGINT', () => void stop('SIGINT'));
      process.once('SIGTERM', () => void stop('SIGTERM'));
    });

  program
    .command('jobs')
    .description('the latest retrain jobs of every user, newest first (operators; service path)')
    .option('--limit <n>', 'how many', parseCount(1, 1000), 20)
    .action(async (options: { limit: number }) => {
      const config = loadConfig();
      const db = await openDatabase(config);
      try {
        const { rows } = await db.serviceTransaction(tx =>
          tx.query<{
            requested_at: Date | string;
            username: string;
            model_name: string;
            state: string;
            new_measurements: number;
            result: Record<string, unknown> | null;
          }>(
            `SELECT j.requested_at, u.username, j.model_name, j.state, j.new_measurements, j.result
             FROM model_retrain_jobs j JOIN users u ON u.id = j.owner_id
             ORDER BY j.requested_at DESC, j.id LIMIT $1`,
            [options.limit]
          )
        );
        if (rows.length === 0) {
          out.say('no retrain jobs yet');
        }
        for (const row of rows) {
          const r = row.result ?? {};
          const detail =
            row.state === 'failed'
              ? `: ${String(r.reason)}`
              : r.currentMae !== undefined
                ? `: MAE ${String(r.retrainedMae)} retrained vs ${String(r.currentMae)} of version ${String(r.baseVersion)}${r.newVersion ? `, registered version ${String(r.newVersion)}` : ''}`
                : '';
          out.print(
            `${new Date(row.requested_at).toISOString()}  ${row.username}/${row.model_name}  ${row.state} (${row.new_measurements} new measurement(s))${detail}\n`
          );
        }
      } finally {
        await db.close();
      }
    });
}

/** The worker as configured (CRYOPROTECT_RETRAIN_DELAY, CRYOPROTECT_RETRAIN_POLL). */
export function startConfiguredWorker(
  db: Database,
  config: Config,
  log: (message: string) => void
): { stop(): Promise<void> } {
  log(
    `retrain worker on ${db.kind}: a job runs once no verification has joined it for ${config.CRYOPROTECT_RETRAIN_DELAY} s, checked every ${config.CRYOPROTECT_RETRAIN_POLL} s`
  );
  return startRetrainWorker(db, {
    delaySeconds: config.CRYOPROTECT_RETRAIN_DELAY,
    pollSeconds: config.CRYOPROTECT_RETRAIN_POLL,
    log
  });
}

namespace Private {
  export async function requireCurrentSchema(db: Database, config: Config): Promise<void> {
    const status = await migrationStatus(db, config.CRYOPROTECT_MIGRATIONS_DIR);
    if (status.pending.length > 0) {
      throw new Error(
        `the database ${db.location} has ${status.pending.length} pending migration(s) (${status.pending.map(m => m.file).join(', ')}): run "cryoprotect db migrate" first`
      );
    }
  }
}
