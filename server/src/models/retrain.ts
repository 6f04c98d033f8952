import {
  MeasurementFiltersSchema,
  RegisterModelSchema,
  RegisteredMetricsSchema,
  canonicalizeSnapshot,
  registrationOf,
  retrainVersion,
  snapshotHash,
  type MeasurementFilters,
  type ModelVersion,
  type RealCoverageSummary,
  type SnapshotTable
} from '@cryoprotect/kernel';
import type { Database, Queryable } from '../db/database.js';
import { selectMeasurements } from '../db/measurements.js';
import { insertModelVersion, loadModelVersions } from '../db/model-versions.js';
import { codeCommit } from './code-commit.js';

/**
 * The retrain worker (server/README.md, "Model registry and retraining"). Jobs are queued by the
 * database (migration 011) when a measurement becomes verified; a worker claims a due job on the
 * service path (the queue is the only thing it touches there), then does everything else as the
 * model's owner, so Row Level Security decides which measurements the fresh snapshot holds. The
 * retrained model keeps the version's learner, parameters, featurizer, seed, folds and grouping;
 * it is registered as the next version only when its cross-validated MAE is lower than the
 * current version's. Every job ends trained, kept or failed, with both metrics or the reason in
 * its result.
 */

export interface RetrainJob {
  id: string;
  ownerId: string;
  modelName: string;
  newMeasurements: number;
}

export interface RetrainResult {
  outcome: 'trained' | 'kept' | 'failed';
  baseVersion?: number;
  /** Cross-validated MAE recorded with the current version, in the target's canonical unit. */
  currentMae?: number;
  /** Cross-validated MAE of the retrained model on the fresh snapshot (same folds and seed). */
  retrainedMae?: number;
  newVersion?: number;
  trainingRows?: number;
  rejectedRows?: number;
  snapshotHash?: string;
  /**
   * How the current version's intervals held on the verified measurements of its predictions
   * that the owner can read (null before any): what the lab found, beside what CV promised.
   */
  currentCoverage?: RealCoverageSummary | null;
  reason?: string;
}

export interface RetrainOutcome {
  job: RetrainJob;
  state: RetrainResult['outcome'];
  result: RetrainResult;
}

export interface RetrainOptions {
  /** Run a queued job only once no request has joined it for this many seconds. */
  delaySeconds: number;
  log?: (message: string) => void;
}

/** Claim the longest-quiet due job (queued, no new request for `delaySeconds`), if any. */
export async function claimRetrainJob(
  db: Database,
  delaySeconds: number
): Promise<RetrainJob | undefined> {
  const { rows } = await db.serviceTransaction(tx =>
    tx.query<{ id: string; owner_id: string; model_name: string; new_measurements: number }>(
      `UPDATE model_retrain_jobs j SET state = 'running', started_at = now()
       WHERE j.id = (
         SELECT id FROM model_retrain_jobs
         WHERE state = 'queued' AND last_request_at <= now() - make_interval(secs => $1::double precision)
         ORDER BY last_request_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
       RETURNING j.id, j.owner_id, j.model_name, j.new_measurements`,
      [delaySeconds]
    )
  );
  const row = rows[0];
  return row
    ? {
        id: row.id,
        ownerId: row.owner_id,
        modelName: row.model_name,
        newMeasurements: row.new_measurements
      }
    : undefined;
}

/** Run a claimed job to its end; the job's own failures are recorded, not thrown. */
export async function runRetrainJob(
  db: Database,
  job: RetrainJob,
  log: (message: string) => void = () => undefined
): Promise<RetrainOutcome> {
  const what = `model ${job.modelName} of user ${job.ownerId}`;
  let known: Omit<RetrainResult, 'outcome'> = {};
  let baseVersionId: string | null = null;
  try {
    const { current, datasetId, filters, table } = await db.userTransaction(job.ownerId, tx =>
      Private.prepare(tx, job)
    );
    baseVersionId = current.id;
    known = { baseVersion: current.version, currentCoverage: current.realCoverage };
    const metrics = RegisteredMetricsSchema.safeParse(current.metrics);
    if (!metrics.success) {
      throw new Private.RetrainError(
        `version ${current.version} records no cross-validated MAE (metrics.mae.value) to compare with`
      );
    }
    known.currentMae = metrics.data.mae.value;
    const trained = await retrainVersion(current, table);
    const result: RetrainResult = {
      ...known,
      outcome: 'kept',
      retrainedMae: trained.model.validation.metrics.mae.value,
      trainingRows: trained.y.length,
      rejectedRows: trained.rejected.length,
      snapshotHash: trained.snapshot.hash
    };
    if (!(result.retrainedMae! < result.currentMae!)) {
      await db.userTransaction(job.ownerId, tx =>
        Private.record(tx, job, result, baseVersionId, null)
      );
      log(
        `retrain ${what}: kept version ${current.version} (MAE ${result.retrainedMae} retrained, ${result.currentMae} current${Private.coverageText(result.currentCoverage)})`
      );
      return { job, state: 'kept', result };
    }
    const registered = await db.userTransaction(job.ownerId, async tx => {
      const snapshotId = await Private.storeSnapshot(tx, job.ownerId, datasetId, filters, table);
      const { registration } = await registrationOf(trained, snapshotId, {
        name: current.name,
        propertyType: current.targetPropertyType,
        codeCommit: codeCommit().commit,
        visibility: current.visibility,
        projectId: current.projectId ?? undefined
      });
      const body = RegisterModelSchema.parse(registration);
      const { rows: target } = await tx.query<{ id: string }>(
        'SELECT id FROM property_types WHERE key = $1',
        [current.targetPropertyType]
      );
      const id = await insertModelVersion(tx, job.ownerId, body, target[0].id);
      const { rows } = await tx.query<{ version: number }>(
        'SELECT version FROM model_versions WHERE id = $1',
        [id]
      );
      const done: RetrainResult = { ...result, outcome: 'trained', newVersion: rows[0].version };
      await Private.record(tx, job, done, baseVersionId, id);
      return done;
    });
    log(
      `retrain ${what}: registered version ${registered.newVersion} (MAE ${registered.retrainedMae} < ${registered.currentMae} of version ${current.version}${Private.coverageText(registered.currentCoverage)})`
    );
    return { job, state: 'trained', result: registered };
  } catch (error) {
    const result: RetrainResult = {
      ...known,
      outcome: 'failed',
      reason: (error as Error).message
    };
    await db.userTransaction(job.ownerId, tx =>
      Private.record(tx, job, result, baseVersionId, null)
    );
    log(`retrain ${what}: failed: ${result.reason}`);
    return { job, state: 'failed', result };
  }
}

/** Claim and run due jobs one after another until none is due (or `shouldStop` says so). */
export async function runDueRetrains(
  db: Database,
  options: RetrainOptions & { shouldStop?: () => boolean }
): Promise<RetrainOutcome[]> {
  const outcomes: RetrainOutcome[] = [];
  while (!options.shouldStop?.()) {
    const job = await claimRetrainJob(db, options.delaySeconds);
    if (!job) {
      break;
    }
    outcomes.push(await runRetrainJob(db, job, options.log));
  }
  return outcomes;
}

/**
 * Look for due jobs now and every `pollSeconds`; stop() lets the job under way finish. Errors of
 * the queue itself (database unreachable) are logged and the next poll tries again.
 */
export function startRetrainWorker(
  db: Database,
  options: RetrainOptions & { pollSeconds: number }
): { stop(): Promise<void> } {
  const log = options.log ?? (() => undefined);
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let pass: Promise<void>;
  const tick = async (): Promise<void> => {
    try {
      await runDueRetrains(db, { ...options, shouldStop: () => stopped });
    } catch (error) {
      log(`retrain worker: ${(error as Error).message}; trying again in ${options.pollSeconds} s`);
    }
    if (!stopped) {
      timer = setTimeout(() => {
        pass = tick();
      }, options.pollSeconds * 1000);
    }
  };
  pass = tick();
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await pass;
    }
  };
}

namespace Private {
  /** "; real coverage 4/5 (80%, 28–99%) vs 90% promised" for the log, or nothing. */
  export function coverageText(c: RealCoverageSummary | null | undefined): string {
    if (!c || c.coverage === null || !c.coverageInterval) {
      return '';
    }
    const pct = (x: number) => `${(100 * x).toFixed(0)}%`;
    const promised = c.promisedLevel === null ? '' : ` vs ${pct(c.promisedLevel)} promised`;
    return `; real coverage ${c.covered}/${c.withInterval} (${pct(c.coverage)}, ${pct(c.coverageInterval.lower)}–${pct(c.coverageInterval.upper)})${promised}${c.belowPromise ? ', below the promise' : ''}`;
  }

  /** A reason the retrain cannot go on, for the job's result. */
  export class RetrainError extends Error {}

  /**
   * As the owner: the model's latest version, the filters of the measurement snapshot it was
   * trained on, and the table those filters select now (what the owner may read, nothing more).
   */
  export async function prepare(
    tx: Queryable,
    job: RetrainJob
  ): Promise<{
    current: ModelVersion;
    datasetId: string;
    filters: MeasurementFilters;
    table: SnapshotTable;
  }> {
    const [current] = await loadModelVersions(
      tx,
      'x.owner_id = $1 AND x.name = $2',
      [job.ownerId, job.modelName],
      'ORDER BY x.version DESC LIMIT 1'
    );
    if (!current) {
      throw new RetrainError(`model ${job.modelName} has no version its owner can read`);
    }
    const { rows } = await tx.query<{ source: { fromMeasurements?: unknown }; dataset_id: string }>(
      'SELECT source, dataset_id FROM dataset_snapshots WHERE id = $1',
      [current.snapshotId]
    );
    if (!rows[0]) {
      throw new RetrainError(
        `the training snapshot of version ${current.version} is not readable by the model's owner`
      );
    }
    const filters = MeasurementFiltersSchema.safeParse(rows[0].source.fromMeasurements);
    if (!filters.success) {
      throw new RetrainError(
        `version ${current.version} was not trained on a snapshot of measurements, so there is nothing to refresh`
      );
    }
    const table = canonicalizeSnapshot(
      await selectMeasurements(tx, job.ownerId, rows[0].dataset_id, filters.data)
    );
    return { current, datasetId: rows[0].dataset_id, filters: filters.data, table };
  }

  /** The fresh snapshot in the dataset of the version's snapshot (the existing one if identical). */
  export async function storeSnapshot(
    tx: Queryable,
    userId: string,
    datasetId: string,
    filters: MeasurementFilters,
    table: SnapshotTable
  ): Promise<string> {
    const hash = snapshotHash(table);
    const existing = await tx.query<{ id: string }>(
      'SELECT id FROM dataset_snapshots WHERE dataset_id = $1 AND content_hash = $2',
      [datasetId, hash]
    );
    if (existing.rows[0]) {
      return existing.rows[0].id;
    }
    const { rows } = await tx.query<{ id: string }>(
      `INSERT INTO dataset_snapshots (dataset_id, content_hash, row_count, columns, rows, created_by, source)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
      [
        datasetId,
        hash,
        table.rows.length,
        JSON.stringify(table.columns),
        JSON.stringify(table.rows),
        userId,
        // The same source as the snapshot retrained from: the new version is retrained in turn.
        JSON.stringify({ fromMeasurements: filters })
      ]
    );
    return rows[0].id;
  }

  /** Finish the job as its owner (the UPDATE policy): trained, kept or failed with its result. */
  export async function record(
    tx: Queryable,
    job: RetrainJob,
    result: RetrainResult,
    baseVersionId: string | null,
    newVersionId: string | null
  ): Promise<void> {
    const { rows } = await tx.query(
      `UPDATE model_retrain_jobs SET state = $2, finished_at = now(), result = $3,
              base_version_id = $4, new_version_id = $5
       WHERE id = $1 AND state = 'running' RETURNING id`,
      [job.id, result.outcome, JSON.stringify(result), baseVersionId, newVersionId]
    );
    if (rows.length === 0) {
      throw new Error(`retrain job ${job.id} is no longer running: its result was not recorded`);
    }
  }
}
