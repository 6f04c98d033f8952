import { hostname } from 'node:os';
import {
  predictMolecules,
  savedModelFromVersion,
  standardize,
  type SavedModel,
  type ScreenResult
} from '@cryoprotect/kernel';
import type { Database, Queryable } from '../db/database.js';
import { loadModelVersions } from '../db/model-versions.js';
import { ScreenQueue, type ScreenQueueOptions } from './queue.js';

/**
 * A screen worker: takes chunk jobs from the queue and scores them. It finds a chunk's submitter
 * on the service path (one read of the chunk's owner, the only thing it does there) and does
 * everything else as the submitter, so Row Level Security applies to the model it loads and the
 * rows it writes, as it would to the submitter's own requests.
 *
 * A chunk's results are written in one transaction that first locks the chunk and checks it is
 * still running: a retried chunk (its first worker died after the expiry, or the first attempt
 * was slow and is still finishing) writes its rows once, whichever attempt gets there first.
 */

export interface ScreenWorkerOptions {
  /** Chunks scored at a time in this process (they share its one core; more overlap writes). */
  concurrency: number;
  queue?: Partial<ScreenQueueOptions>;
  log?: (message: string) => void;
}

export interface ChunkOutcome {
  chunkId: string;
  /** What happened: scored, or why nothing was written. */
  outcome: 'scored' | 'finished-already' | 'gone';
  scored?: number;
  invalid?: number;
}

/** One molecule of a chunk: its input line, the structure as given, its id if any. */
export interface StoredMolecule {
  line: number;
  structure: string;
  id: string | null;
}

/** Models by version id: a worker scores many chunks of one screen with one model. */
const MODEL_CACHE_SIZE = 8;

export class ScreenScorer {
  private readonly models = new Map<string, SavedModel>();
  readonly name = `${hostname()}:${process.pid}`;

  constructor(private readonly db: Database) {}

  /** Score one chunk (`attempt` counts from 1). Throws when the chunk cannot be scored. */
  async run(chunkId: string): Promise<ChunkOutcome> {
    const { rows: found } = await this.db.serviceTransaction(tx =>
      tx.query<{ owner_id: string }>(`SELECT owner_id FROM screen_chunks WHERE id = $1`, [chunkId])
    );
    if (!found[0]) {
      return { chunkId, outcome: 'gone' };
    }
    const owner = found[0].owner_id;
    const claimed = await this.db.userTransaction(owner, tx =>
      tx.query<{ seq: number; molecules: unknown; model_version_id: string }>(
        `UPDATE screen_chunks c
         SET state = 'running', attempts = c.attempts + 1, worker = $2,
             started_at = coalesce(c.started_at, now())
         FROM screens s
         WHERE c.id = $1 AND s.id = c.screen_id AND c.state IN ('queued', 'running')
         RETURNING c.seq, c.molecules, s.model_version_id`,
        [chunkId, this.name]
      )
    );
    const chunk = claimed.rows[0];
    if (!chunk) {
      return { chunkId, outcome: 'finished-already' };
    }
    const molecules = Private.moleculesOf(chunk.seq, chunk.molecules);
    const model = await this.model(owner, chunk.model_version_id);
    const rows = await scoreMolecules(model, molecules);
    return this.db.userTransaction(owner, async tx => {
      const { rows: state } = await tx.query<{ state: string }>(
        `SELECT state FROM screen_chunks WHERE id = $1 FOR UPDATE`,
        [chunkId]
      );
      if (state[0]?.state !== 'running') {
        return { chunkId, outcome: 'finished-already' as const };
      }
      await insertResults(tx, chunkId, rows);
      const invalid = rows.filter(r => r.error !== null).length;
      await tx.query(
        `UPDATE screen_chunks SET state = 'done', scored = $2, invalid = $3, error = NULL,
                finished_at = now()
         WHERE id = $1`,
        [chunkId, rows.length - invalid, invalid]
      );
      return { chunkId, outcome: 'scored' as const, scored: rows.length - invalid, invalid };
    });
  }

  /**
   * Record why an attempt failed; on the last attempt (or from the dead-letter queue) the chunk
   * is failed for good. A chunk finished meanwhile stays as it is.
   */
  async recordFailure(chunkId: string, reason: string, final: boolean): Promise<void> {
    const { rows: found } = await this.db.serviceTransaction(tx =>
      tx.query<{ owner_id: string }>(`SELECT owner_id FROM screen_chunks WHERE id = $1`, [chunkId])
    );
    if (!found[0]) {
      return;
    }
    await this.db.userTransaction(found[0].owner_id, tx =>
      tx.query(
        `UPDATE screen_chunks SET error = $2,
                state = CASE WHEN $3::boolean THEN 'failed' ELSE state END,
                finished_at = CASE WHEN $3::boolean THEN now() ELSE finished_at END
         WHERE id = $1 AND state IN ('queued', 'running')`,
        [chunkId, reason.slice(0, 2000), final]
      )
    );
  }

  private async model(owner: string, versionId: string): Promise<SavedModel> {
    const cached = this.models.get(versionId);
    if (cached) {
      return cached;
    }
    const [version] = await this.db.userTransaction(owner, tx =>
      loadModelVersions(tx, 'x.id = $1', [versionId])
    );
    if (!version) {
      throw new Error(`model version ${versionId} is not readable by the screen's submitter`);
    }
    const saved = savedModelFromVersion(version);
    if (this.models.size >= MODEL_CACHE_SIZE) {
      this.models.delete(this.models.keys().next().value!);
    }
    this.models.set(versionId, saved);
    return saved;
  }
}

/**
 * Consume the queue until stopped: `concurrency` chunks at a time, every failure recorded on its
 * chunk, failed chunks (retries spent, or their worker died each time) marked failed.
 */
export async function startScreenWorker(
  db: Database,
  options: ScreenWorkerOptions,
  queue?: ScreenQueue
): Promise<{ queue: ScreenQueue; stop(): Promise<void> }> {
  const log = options.log ?? (() => undefined);
  const q = queue ?? (await ScreenQueue.start(db, options.queue, true));
  const orphans = await q.requeueOrphans(db);
  if (orphans > 0) {
    log(`queued again ${orphans} chunk(s) that had no job (a restored database, or jobs expired)`);
  }
  const scorer = new ScreenScorer(db);
  await q.work(
    options.concurrency,
    async job => {
      const started = Date.now();
      try {
        const outcome = await scorer.run(job.chunkId);
        if (outcome.outcome === 'scored') {
          log(
            `chunk ${job.chunkId}: ${outcome.scored} scored, ${outcome.invalid} invalid in ${((Date.now() - started) / 1000).toFixed(1)} s (attempt ${job.attempt})`
          );
        }
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        log(`chunk ${job.chunkId}: attempt ${job.attempt} failed: ${reason}`);
        await scorer.recordFailure(job.chunkId, reason, job.lastAttempt).catch(() => undefined);
        throw error;
      }
    },
    async (chunkId, reason) => {
      log(`chunk ${chunkId}: failed after its retries: ${reason}`);
      await scorer.recordFailure(chunkId, reason, true);
    }
  );
  return {
    queue: q,
    // A queue this worker started is its own to stop; a shared one (the server's) stays up.
    stop: async () => {
      await (queue ? q.offWork() : q.stop());
    }
  };
}

/** A molecule scored: its prediction with interval and domain, or why it was refused (the API's row). */
export type ScoredMolecule = ScreenResult;

/**
 * Score molecules as a worker scores a chunk (the bench's anchor calls it without the queue):
 * standardize each structure (the parent, neutralized: what registration stores), then predict
 * the valid ones together. A structure that cannot be read, or that the model cannot featurize,
 * becomes a row with its reason; it never fails the chunk.
 */
export async function scoreMolecules(
  model: SavedModel,
  molecules: StoredMolecule[]
): Promise<ScoredMolecule[]> {
  const rows: ScoredMolecule[] = [];
  const valid: { row: ScoredMolecule; smiles: string }[] = [];
  for (const m of molecules) {
    const row: ScoredMolecule = {
      line: m.line,
      inputId: m.id ?? null,
      input: m.structure,
      smiles: null,
      inchikey: null,
      prediction: null,
      lower: null,
      upper: null,
      novelty: null,
      inDomain: null,
      error: null
    };
    rows.push(row);
    if (m.structure.trim() === '') {
      row.error = 'no structure';
      continue;
    }
    try {
      const standardized = await standardize(m.structure);
      row.smiles = standardized.smiles;
      row.inchikey = standardized.inchikey;
      valid.push({ row, smiles: standardized.smiles });
    } catch (error) {
      row.error = error instanceof Error ? error.message : String(error);
    }
  }
  if (valid.length > 0) {
    const predicted = await predictMolecules(
      model,
      valid.map(v => v.smiles)
    );
    // predictMolecules numbers its inputs as CSV lines under a header: position + 2.
    for (const p of predicted.rows) {
      Object.assign(valid[p.line - 2].row, {
        prediction: p.prediction,
        lower: p.lower,
        upper: p.upper,
        novelty: p.novelty,
        inDomain: p.inDomain
      });
    }
    for (const r of predicted.rejected) {
      const { row } = valid[r.line - 2];
      row.error = r.reason;
      row.smiles = null;
      row.inchikey = null;
    }
  }
  for (const row of rows) {
    if (row.error === null && row.prediction === null) {
      row.error = 'the model gave no prediction';
    }
  }
  return rows;
}

/**
 * One INSERT for a chunk's rows, their ownership copied from the chunk (the bench times it
 * alone: the database's share of a chunk).
 */
export async function insertResults(
  tx: Queryable,
  chunkId: string,
  rows: readonly ScoredMolecule[]
): Promise<void> {
  const column = <K extends keyof ScoredMolecule>(key: K) => rows.map(r => r[key]);
  await tx.query(
    `INSERT INTO screen_results (screen_id, line, chunk_id, input_id, input, smiles, inchikey,
                                 prediction, lower, upper, novelty, in_domain, error,
                                 owner_id, project_id, visibility)
     SELECT c.screen_id, r.line, c.id, r.input_id, r.input, r.smiles, r.inchikey, r.prediction,
            r.lower, r.upper, r.novelty, r.in_domain, r.error, c.owner_id, c.project_id,
            c.visibility
     FROM screen_chunks c,
          unnest($2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::float8[],
                 $8::float8[], $9::float8[], $10::float8[], $11::boolean[], $12::text[])
            AS r(line, input_id, input, smiles, inchikey, prediction, lower, upper, novelty,
                 in_domain, error)
     WHERE c.id = $1`,
    [
      chunkId,
      column('line'),
      column('inputId'),
      column('input'),
      column('smiles'),
      column('inchikey'),
      column('prediction'),
      column('lower'),
      column('upper'),
      column('novelty'),
      column('inDomain'),
      column('error')
    ]
  );
}

namespace Private {
  /** The chunk's molecules as stored; anything else makes the chunk fail (and retry). */
  export function moleculesOf(seq: number, value: unknown): StoredMolecule[] {
    const ok =
      Array.isArray(value) &&
      value.every(
        m =>
          typeof m === 'object' &&
          m !== null &&
          Number.isInteger((m as StoredMolecule).line) &&
          typeof (m as StoredMolecule).structure === 'string'
      );
    if (!ok) {
      throw new Error(
        `chunk ${seq}: its stored molecules are not a list of {line, structure}; it cannot be scored`
      );
    }
    return value as StoredMolecule[];
  }
}
