import type {
  CreateScreen,
  Screen,
  ScreenMolecule,
  ScreenResult,
  ScreenRanking
} from '@cryoprotect/kernel';
import type { Queryable } from '../db/database.js';
import { ProblemError, notFound } from '../http/problem.js';
import type { ScreenQueue } from './queue.js';

/**
 * Screens in the database (migration 015), every function inside the caller's transaction: a
 * request's (as its user, under RLS) or a worker's (as the screen's submitter).
 */

interface ScreenRow {
  id: string;
  model_version_id: string;
  model_name: string;
  model_version: number;
  target: string;
  unit: string;
  source: string;
  molecule_count: number;
  chunk_size: number;
  chunk_count: number;
  cancelled_at: Date | string | null;
  owner_id: string;
  project_id: string | null;
  visibility: 'private' | 'project';
  created_at: Date | string;
}

interface ChunkTally {
  uploaded: number;
  queued: number;
  running: number;
  done: number;
  failed: number;
  cancelled: number;
  scored: number;
  invalid: number;
  finished_molecules: number;
  first_start: Date | string | null;
  last_finish: Date | string | null;
}

const SCREEN_COLUMNS = `s.id, s.model_version_id, m.name AS model_name, m.version AS model_version,
  m.target, m.unit, s.source, s.molecule_count, s.chunk_size,
  s.chunk_count, s.cancelled_at, s.owner_id, s.project_id, s.visibility, s.created_at`;
// The model through app.screen_model: readers of a shared screen may not read its model.
const SCREEN_FROM = `screens s CROSS JOIN LATERAL app.screen_model(s.id) m`;

/** Store a new screen (no chunks yet); the model version must be one the caller can read. */
export async function createScreen(
  tx: Queryable,
  userId: string,
  body: CreateScreen & { chunkSize: number }
): Promise<Screen> {
  const { rows: model } = await tx.query<{
    name: string;
    version: number;
    featurizer: { mixture?: boolean; conditions?: string[] } | null;
  }>(
    `SELECT name, version, artifact -> 'featurizer' AS featurizer FROM model_versions WHERE id = $1`,
    [body.modelVersionId]
  );
  if (model.length === 0) {
    throw new ProblemError(
      422,
      'unknown-model',
      'Unknown model version',
      `body.modelVersionId: no model version ${body.modelVersionId} that you can read`,
      [{ path: 'body.modelVersionId', message: 'no such model version visible to you' }]
    );
  }
  // A screen is a list of structures: a model that reads mixtures or needs condition inputs
  // (concentration, temperature) could score none of them.
  const featurizer = model[0].featurizer;
  const needs = featurizer?.mixture
    ? 'predicts mixtures'
    : featurizer?.conditions?.length
      ? `needs the conditions ${featurizer.conditions.join(', ')} besides the structure`
      : featurizer === null
        ? 'has no fitted model (it was registered without its artifact)'
        : undefined;
  if (needs) {
    const message = `model ${model[0].name}@${model[0].version} ${needs}; a screen scores structures alone`;
    throw new ProblemError(
      422,
      'model-cannot-screen',
      'Model cannot screen',
      `body.modelVersionId: ${message}`,
      [{ path: 'body.modelVersionId', message }]
    );
  }
  const { rows } = await tx.query<{ id: string }>(
    `INSERT INTO screens (model_version_id, source, molecule_count, chunk_size, chunk_count,
                          owner_id, project_id, visibility)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
    [
      body.modelVersionId,
      body.source,
      body.moleculeCount,
      body.chunkSize,
      Math.ceil(body.moleculeCount / body.chunkSize),
      userId,
      body.projectId ?? null,
      body.projectId ? 'project' : 'private'
    ]
  );
  return getScreen(tx, rows[0].id);
}

/**
 * Store chunk `seq` of a screen and queue it (`queue` starts the queue on first use), in the
 * caller's transaction. Uploading a chunk that
 * is stored already with the same molecules is a no-op (a client retrying after a lost answer);
 * with other molecules it is a 409.
 */
export async function addChunk(
  tx: Queryable,
  queue: () => Promise<ScreenQueue>,
  screenId: string,
  seq: number,
  molecules: ScreenMolecule[]
): Promise<Screen> {
  const screen = await lockOwnScreen(tx, screenId);
  if (screen.cancelled_at !== null) {
    throw new ProblemError(
      409,
      'screen-cancelled',
      'Screen cancelled',
      `screen ${screenId} was cancelled`
    );
  }
  if (seq >= screen.chunk_count) {
    throw Private.badChunk(
      'params.seq',
      `chunk ${seq} is beyond the screen's ${screen.chunk_count} chunks (numbered from 0)`
    );
  }
  const expected =
    seq < screen.chunk_count - 1
      ? screen.chunk_size
      : screen.molecule_count - screen.chunk_size * (screen.chunk_count - 1);
  if (molecules.length !== expected) {
    throw Private.badChunk(
      'body.molecules',
      `chunk ${seq} holds ${expected} molecules (chunk size ${screen.chunk_size}, ${screen.molecule_count} molecules), not ${molecules.length}`
    );
  }
  molecules.forEach((m, i) => {
    if (i > 0 && m.line <= molecules[i - 1].line) {
      throw Private.badChunk(
        `body.molecules[${i}].line`,
        `lines increase within a chunk (${m.line} follows ${molecules[i - 1].line})`
      );
    }
  });
  const firstLine = molecules[0].line;
  const lastLine = molecules[molecules.length - 1].line;
  const stored = molecules.map(m => ({ line: m.line, structure: m.structure, id: m.id ?? null }));
  const { rows: existing } = await tx.query<{ same: boolean }>(
    `SELECT molecules = $3::jsonb AS same FROM screen_chunks WHERE screen_id = $1 AND seq = $2`,
    [screenId, seq, JSON.stringify(stored)]
  );
  if (existing[0]) {
    if (!existing[0].same) {
      throw new ProblemError(
        409,
        'chunk-exists',
        'Chunk stored already',
        `params.seq: chunk ${seq} of screen ${screenId} is stored already with other molecules`,
        [{ path: 'params.seq', message: 'stored already with other molecules' }]
      );
    }
    return getScreen(tx, screenId);
  }
  // Nor may a line repeat across chunks: the results are keyed by line.
  const { rows: clash } = await tx.query<{ seq: number; first_line: number; last_line: number }>(
    `SELECT seq, first_line, last_line FROM screen_chunks
     WHERE screen_id = $1 AND first_line <= $3 AND last_line >= $2 LIMIT 1`,
    [screenId, firstLine, lastLine]
  );
  if (clash[0]) {
    throw Private.badChunk(
      'body.molecules',
      `lines ${firstLine}-${lastLine} overlap chunk ${clash[0].seq} (lines ${clash[0].first_line}-${clash[0].last_line})`
    );
  }
  const { rows } = await tx.query<{ id: string }>(
    `INSERT INTO screen_chunks (screen_id, seq, molecules, molecule_count, first_line, last_line,
                                owner_id, project_id, visibility)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
    [
      screenId,
      seq,
      JSON.stringify(stored),
      stored.length,
      firstLine,
      lastLine,
      screen.owner_id,
      screen.project_id,
      screen.visibility
    ]
  );
  // The queue is asked for only now: a chunk the server refuses (no such screen, a bad chunk)
  // is refused as such, whether or not this server takes screens.
  await (await queue()).enqueue(tx, [rows[0].id]);
  return getScreen(tx, screenId);
}

/** Cancel a screen: its queued and running chunks become cancelled; results kept so far stay. */
export async function cancelScreen(
  tx: Queryable,
  screenId: string
): Promise<{ screen: Screen; withdrawn: string[] }> {
  await Private.lockWritable(tx, screenId);
  const before = await getScreen(tx, screenId);
  if (before.state === 'done') {
    throw new ProblemError(
      409,
      'screen-finished',
      'Screen finished',
      `screen ${screenId} is done: every chunk is finished, nothing is left to cancel`
    );
  }
  await tx.query(`UPDATE screens SET cancelled_at = coalesce(cancelled_at, now()) WHERE id = $1`, [
    screenId
  ]);
  const { rows } = await tx.query<{ id: string }>(
    `UPDATE screen_chunks SET state = 'cancelled', finished_at = now()
     WHERE screen_id = $1 AND state IN ('queued', 'running') RETURNING id`,
    [screenId]
  );
  return { screen: await getScreen(tx, screenId), withdrawn: rows.map(r => r.id) };
}

/** One screen with its progress, as the caller may see it (404 otherwise). */
export async function getScreen(tx: Queryable, screenId: string): Promise<Screen> {
  const { rows } = await tx.query<ScreenRow>(
    `SELECT ${SCREEN_COLUMNS} FROM ${SCREEN_FROM} WHERE s.id = $1`,
    [screenId]
  );
  if (!rows[0]) {
    throw notFound(`screen ${screenId}`);
  }
  return (await Private.withProgress(tx, rows))[0];
}

/** The caller's screens and those of their projects, newest first. */
export async function listScreens(
  tx: Queryable,
  limit: number,
  after: [string, string] | null
): Promise<{ items: Screen[]; last: { at: string; id: string } | null; more: boolean }> {
  const { rows } = await tx.query<ScreenRow & { sort_at: string }>(
    `SELECT ${SCREEN_COLUMNS},
            to_char(s.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') AS sort_at
     FROM ${SCREEN_FROM}
     WHERE ($1::timestamp IS NULL OR (s.created_at AT TIME ZONE 'UTC', s.id) < ($1::timestamp, $2::uuid))
     ORDER BY s.created_at DESC, s.id DESC LIMIT $3`,
    [after?.[0] ?? null, after?.[1] ?? null, limit + 1]
  );
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    items: await Private.withProgress(tx, page),
    last: last ? { at: last.sort_at, id: last.id } : null,
    more: rows.length > limit
  };
}

/**
 * Results: the `top` best scored molecules by `by` (one page), or every row in line order from
 * after line `afterLine`, with or without the refused structures.
 */
export async function screenResults(
  tx: Queryable,
  screenId: string,
  query: {
    top?: number;
    by: ScreenRanking;
    order: 'desc' | 'asc';
    errors: 'include' | 'only' | 'exclude';
    limit: number;
    afterLine: number | null;
  }
): Promise<{ items: ScreenResult[]; more: boolean }> {
  await getScreen(tx, screenId);
  const columns = `line, input_id, input, smiles, inchikey, prediction, lower, upper, novelty, in_domain, error`;
  if (query.top !== undefined) {
    // by is one of three column names (the schema's enum), never the request's text.
    const column = ({ prediction: 'prediction', lower: 'lower', upper: 'upper' } as const)[
      query.by
    ];
    const { rows } = await tx.query<Private.ResultRow>(
      `SELECT ${columns} FROM screen_results
       WHERE screen_id = $1 AND error IS NULL
       ORDER BY ${column} ${query.order === 'desc' ? 'DESC' : 'ASC'}, line LIMIT $2`,
      [screenId, query.top]
    );
    return { items: rows.map(Private.toResult), more: false };
  }
  const errors = { include: 'TRUE', only: 'error IS NOT NULL', exclude: 'error IS NULL' }[
    query.errors
  ];
  const { rows } = await tx.query<Private.ResultRow>(
    `SELECT ${columns} FROM screen_results
     WHERE screen_id = $1 AND line > $2 AND ${errors}
     ORDER BY line LIMIT $3`,
    [screenId, query.afterLine ?? 0, query.limit + 1]
  );
  return {
    items: rows.slice(0, query.limit).map(Private.toResult),
    more: rows.length > query.limit
  };
}

/** Lock a screen the caller owns (404 when not visible, 403 when visible but someone else's). */
export async function lockOwnScreen(tx: Queryable, screenId: string): Promise<ScreenRow> {
  const { rows } = await tx.query<{ mine: boolean }>(
    `SELECT s.owner_id = app.current_user_id() AS mine FROM screens s WHERE s.id = $1`,
    [screenId]
  );
  if (!rows[0]) {
    throw notFound(`screen ${screenId}`);
  }
  if (!rows[0].mine) {
    throw new ProblemError(
      403,
      'forbidden',
      'Forbidden',
      `only the submitter of screen ${screenId} uploads its chunks`
    );
  }
  const { rows: locked } = await tx.query<ScreenRow>(
    `SELECT ${SCREEN_COLUMNS} FROM ${SCREEN_FROM} WHERE s.id = $1 FOR UPDATE OF s`,
    [screenId]
  );
  return locked[0];
}

namespace Private {
  export interface ResultRow {
    line: number;
    input_id: string | null;
    input: string;
    smiles: string | null;
    inchikey: string | null;
    prediction: number | null;
    lower: number | null;
    upper: number | null;
    novelty: number | null;
    in_domain: boolean | null;
    error: string | null;
  }

  export function toResult(row: ResultRow): ScreenResult {
    return {
      line: row.line,
      inputId: row.input_id,
      input: row.input,
      smiles: row.smiles,
      inchikey: row.inchikey,
      prediction: row.prediction,
      lower: row.lower,
      upper: row.upper,
      novelty: row.novelty,
      inDomain: row.in_domain,
      error: row.error
    };
  }

  export function badChunk(path: string, message: string): ProblemError {
    return new ProblemError(422, 'invalid-chunk', 'Invalid chunk', `${path}: ${message}`, [
      { path, message }
    ]);
  }

  /** 404 when the screen is not visible, 403 when visible but not the caller's to change. */
  export async function lockWritable(tx: Queryable, screenId: string): Promise<void> {
    const visible = await tx.query(`SELECT 1 FROM screens WHERE id = $1`, [screenId]);
    if (visible.rows.length === 0) {
      throw notFound(`screen ${screenId}`);
    }
    const writable = await tx.query(`SELECT 1 FROM screens WHERE id = $1 FOR UPDATE`, [screenId]);
    if (writable.rows.length === 0) {
      throw new ProblemError(
        403,
        'forbidden',
        'Forbidden',
        `you may read screen ${screenId} but not cancel it (its submitter or a project editor)`
      );
    }
  }

  const iso = (value: Date | string | null): string | null =>
    value === null ? null : new Date(value).toISOString();

  /** Each screen with its chunks counted by state, the molecules scored and the rate so far. */
  export async function withProgress(tx: Queryable, rows: ScreenRow[]): Promise<Screen[]> {
    if (rows.length === 0) {
      return [];
    }
    const { rows: tallies } = await tx.query<ChunkTally & { screen_id: string }>(
      `SELECT screen_id,
              count(*)::int AS uploaded,
              count(*) FILTER (WHERE state = 'queued')::int AS queued,
              count(*) FILTER (WHERE state = 'running')::int AS running,
              count(*) FILTER (WHERE state = 'done')::int AS done,
              count(*) FILTER (WHERE state = 'failed')::int AS failed,
              count(*) FILTER (WHERE state = 'cancelled')::int AS cancelled,
              coalesce(sum(scored), 0)::int AS scored,
              coalesce(sum(invalid), 0)::int AS invalid,
              coalesce(sum(molecule_count) FILTER (WHERE state IN ('done', 'failed')), 0)::int
                AS finished_molecules,
              min(started_at) AS first_start,
              max(finished_at) FILTER (WHERE state IN ('done', 'failed')) AS last_finish
       FROM screen_chunks WHERE screen_id = ANY ($1::uuid[]) GROUP BY screen_id`,
      [rows.map(r => r.id)]
    );
    const { rows: failures } = await tx.query<{
      screen_id: string;
      seq: number;
      attempts: number;
      error: string;
      first_line: number;
      last_line: number;
    }>(
      `SELECT screen_id, seq, attempts, error, first_line, last_line FROM screen_chunks
       WHERE screen_id = ANY ($1::uuid[]) AND state = 'failed' ORDER BY seq LIMIT 1000`,
      [rows.map(r => r.id)]
    );
    const byScreen = new Map(tallies.map(t => [t.screen_id, t]));
    return rows.map(row => {
      const t: ChunkTally = byScreen.get(row.id) ?? {
        uploaded: 0,
        queued: 0,
        running: 0,
        done: 0,
        failed: 0,
        cancelled: 0,
        scored: 0,
        invalid: 0,
        finished_molecules: 0,
        first_start: null,
        last_finish: null
      };
      const finished = t.done + t.failed;
      const state: Screen['state'] =
        row.cancelled_at !== null
          ? 'cancelled'
          : t.uploaded < row.chunk_count
            ? 'uploading'
            : finished + t.cancelled >= row.chunk_count
              ? 'done'
              : 'running';
      const seconds =
        t.first_start && t.last_finish
          ? (new Date(t.last_finish).getTime() - new Date(t.first_start).getTime()) / 1000
          : 0;
      const rate = seconds > 0 && t.finished_molecules > 0 ? t.finished_molecules / seconds : null;
      const left = row.molecule_count - t.finished_molecules;
      return {
        id: row.id,
        model: {
          versionId: row.model_version_id,
          name: row.model_name,
          version: row.model_version,
          target: row.target,
          unit: row.unit
        },
        source: row.source,
        state,
        moleculeCount: row.molecule_count,
        chunkSize: row.chunk_size,
        chunks: {
          total: row.chunk_count,
          uploaded: t.uploaded,
          queued: t.queued,
          running: t.running,
          done: t.done,
          failed: t.failed,
          cancelled: t.cancelled
        },
        molecules: { scored: t.scored, invalid: t.invalid, finished: t.finished_molecules },
        moleculesPerSecond: rate,
        secondsLeft: state === 'running' && rate ? left / rate : state === 'done' ? 0 : null,
        failures: failures
          .filter(f => f.screen_id === row.id)
          .map(f => ({
            seq: f.seq,
            lines: `${f.first_line}-${f.last_line}`,
            attempts: f.attempts,
            error: f.error
          })),
        cancelledAt: iso(row.cancelled_at),
        visibility: row.visibility,
        projectId: row.project_id,
        ownerId: row.owner_id,
        createdAt: iso(row.created_at)!
      };
    });
  }
}
