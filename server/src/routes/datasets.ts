import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  CreateDatasetSchema,
  CreateSnapshotSchema,
  DatasetPageSchema,
  DatasetQuerySchema,
  DatasetSchema,
  MAX_SNAPSHOT_ROWS,
  MEASUREMENT_SNAPSHOT_COLUMNS,
  SnapshotCreatedSchema,
  SnapshotError,
  SnapshotSchema,
  UpdateDatasetSchema,
  canonicalizeSnapshot,
  snapshotHash,
  type Dataset,
  type Snapshot,
  type SnapshotSummary,
  type SnapshotTable
} from '@cryoprotect/kernel';
import type { Queryable } from '../db/database.js';
import { selectMeasurements, snapshotTooLarge } from '../db/measurements.js';
import { requireScope } from '../http/auth.js';
import { Cursor, LISTS, containsPattern, keysetPage } from '../http/pagination.js';
import { ProblemError, notFound, requireProjectForVisibility } from '../http/problem.js';
import {
  IdParams,
  auditDeletion,
  forbidden,
  invalid,
  iso,
  lockWritable,
  problems
} from './model-shared.js';

/** Snapshot requests carry whole tables: allowed up to this size (the default limit is 1 MiB). */
const SNAPSHOT_BODY_LIMIT = 64 << 20;

/** Datasets and their immutable, content-addressed snapshots (the training data of models). */
export const datasetsRoutes: FastifyPluginAsync = async fastify => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();

  app.post(
    '/api/datasets',
    {
      schema: {
        tags: ['datasets'],
        summary: 'Create a dataset (an empty collection of snapshots)',
        body: CreateDatasetSchema,
        response: { 201: DatasetSchema, ...problems }
      }
    },
    async (request, reply) => {
      const userId = requireScope(request, 'write');
      const body = request.body;
      requireProjectForVisibility(body);
      const dataset = await app.db.userTransaction(userId, async tx => {
        const { rows } = await tx.query<{ id: string }>(
          `INSERT INTO datasets (name, description, owner_id, project_id, visibility) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
          [body.name, body.description, userId, body.projectId ?? null, body.visibility]
        );
        return (await Private.loadDatasets(tx, [rows[0].id]))[0];
      });
      return reply.code(201).send(dataset);
    }
  );

  app.get(
    '/api/datasets/:id',
    {
      schema: {
        tags: ['datasets'],
        summary: 'One dataset with summaries of its snapshots',
        params: IdParams,
        response: { 200: DatasetSchema, ...problems }
      }
    },
    async request => {
      const [dataset] = await app.db.userTransaction(request.actor.userId, tx =>
        Private.loadDatasets(tx, [request.params.id])
      );
      if (!dataset) {
        throw notFound(`dataset ${request.params.id}`);
      }
      return dataset;
    }
  );

  app.get(
    '/api/datasets',
    {
      schema: {
        tags: ['datasets'],
        summary: 'Datasets visible to you, by name',
        querystring: DatasetQuerySchema,
        response: { 200: DatasetPageSchema, ...problems }
      }
    },
    async request => {
      const { q, limit, cursor } = request.query;
      return app.db.userTransaction(request.actor.userId, async tx => {
        const after = cursor
          ? await Cursor.resume(tx, cursor, LISTS.datasets, {
              from: 'datasets x',
              id: 'x.id',
              key: 'lower(x.name)'
            })
          : null;
        const { rows } = await tx.query<{ id: string; sort_name: string }>(
          `SELECT x.id, lower(x.name) AS sort_name FROM datasets x
           WHERE ($1::text IS NULL OR lower(x.name) LIKE $1)
             AND ($2::text IS NULL OR (lower(x.name), x.id) > ($2::text, $3::uuid))
           ORDER BY lower(x.name), x.id LIMIT $4`,
          [containsPattern(q), after?.[0] ?? null, after?.[1] ?? null, limit + 1]
        );
        const { page, nextCursor } = keysetPage(rows, limit, LISTS.datasets);
        return {
          items: await Private.loadDatasets(
            tx,
            page.map(r => r.id)
          ),
          nextCursor
        };
      });
    }
  );

  app.patch(
    '/api/datasets/:id',
    {
      schema: {
        tags: ['datasets'],
        summary: 'Rename, describe or re-share a dataset (owner or project editor)',
        description:
          'Snapshots are readable by whoever can read their dataset: widening the visibility publishes them.',
        params: IdParams,
        body: UpdateDatasetSchema,
        response: { 200: DatasetSchema, ...problems }
      }
    },
    async request => {
      const userId = requireScope(request, 'write');
      const changes = request.body;
      const id = request.params.id;
      return app.db.userTransaction(userId, async tx => {
        await lockWritable(tx, 'datasets', id, 'dataset');
        const { rows } = await tx.query<{ visibility: string; project_id: string | null }>(
          'SELECT visibility, project_id FROM datasets WHERE id = $1',
          [id]
        );
        const visibility = changes.visibility ?? rows[0].visibility;
        const projectId = changes.projectId === undefined ? rows[0].project_id : changes.projectId;
        requireProjectForVisibility({ visibility, projectId });
        await tx.query(
          `UPDATE datasets SET name = coalesce($2, name), description = coalesce($3, description),
                  visibility = $4, project_id = $5 WHERE id = $1`,
          [id, changes.name ?? null, changes.description ?? null, visibility, projectId]
        );
        return (await Private.loadDatasets(tx, [id]))[0];
      });
    }
  );

  app.delete(
    '/api/datasets/:id',
    {
      schema: {
        tags: ['datasets'],
        summary: 'Delete a dataset without snapshots (owner or project admin)',
        description:
          'Snapshots are immutable and models refer to them, so a dataset that has any is kept (409).',
        params: IdParams,
        response: { 204: z.null(), ...problems }
      }
    },
    async (request, reply) => {
      const userId = requireScope(request, 'write');
      const id = request.params.id;
      await app.db.userTransaction(userId, async tx => {
        const visible = await tx.query('SELECT 1 FROM datasets WHERE id = $1', [id]);
        if (visible.rows.length === 0) {
          throw notFound(`dataset ${id}`);
        }
        const { rows } = await tx.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM dataset_snapshots WHERE dataset_id = $1',
          [id]
        );
        if (rows[0].n > 0) {
          throw new ProblemError(
            409,
            'has-snapshots',
            'Dataset has snapshots',
            `dataset ${id} has ${rows[0].n} snapshot(s); snapshots are immutable training records, so the dataset is kept`
          );
        }
        const deleted = await tx.query('DELETE FROM datasets WHERE id = $1 RETURNING id', [id]);
        if (deleted.rows.length === 0) {
          throw forbidden('only the owner or a project admin may delete this dataset');
        }
        await auditDeletion(tx, userId, 'dataset.delete', 'datasets', id);
      });
      return reply.code(204).send(null);
    }
  );

  app.post(
    '/api/datasets/:id/snapshots',
    {
      bodyLimit: SNAPSHOT_BODY_LIMIT,
      schema: {
        tags: ['datasets'],
        summary:
          'Freeze a table, or the visible measurements of a property, as an immutable snapshot',
        description: [
          'Send either {columns, rows} or {fromMeasurements}. The content hash is the SHA-256 of',
          'the canonical serialization cryoprotect-snapshot/1 (snapshotHash in @cryoprotect/kernel),',
          'so anyone can recompute it. The same content again in the same dataset returns the',
          `existing snapshot with 200. At most ${MAX_SNAPSHOT_ROWS} rows (413 beyond).`,
          'fromMeasurements columns: ' +
            MEASUREMENT_SNAPSHOT_COLUMNS.map(c => c.name).join(', ') +
            '.',
          'Measurements another user shared only with you or a project are included only when',
          "every reader of the dataset may read them (the dataset's visibility decides)."
        ].join(' '),
        params: IdParams,
        body: CreateSnapshotSchema,
        response: { 200: SnapshotCreatedSchema, 201: SnapshotCreatedSchema, ...problems }
      }
    },
    async (request, reply) => {
      const userId = requireScope(request, 'write');
      const body = request.body;
      const datasetId = request.params.id;
      const uploaded = body.columns !== undefined || body.rows !== undefined;
      if (uploaded === (body.fromMeasurements !== undefined)) {
        throw invalid('validation', 'Invalid request', [
          {
            path: 'body',
            message: 'send either columns and rows, or fromMeasurements (exactly one of the two)'
          }
        ]);
      }
      if (uploaded && (body.columns === undefined || body.rows === undefined)) {
        throw invalid('validation', 'Invalid request', [
          {
            path: body.columns === undefined ? 'body.columns' : 'body.rows',
            message: 'required with an uploaded table'
          }
        ]);
      }
      if (body.rows && body.rows.length > MAX_SNAPSHOT_ROWS) {
        throw snapshotTooLarge('body.rows', String(body.rows.length));
      }
      const result = await app.db.userTransaction(userId, async tx => {
        // The lock also serializes concurrent snapshots of one dataset, so equal content
        // arriving twice at once resolves to one row rather than a unique-key error.
        await lockWritable(tx, 'datasets', datasetId, 'dataset');
        const table: SnapshotTable = body.fromMeasurements
          ? await selectMeasurements(tx, userId, datasetId, body.fromMeasurements)
          : { columns: body.columns!, rows: body.rows! };
        const source = body.fromMeasurements
          ? { fromMeasurements: body.fromMeasurements }
          : { upload: true };
        let canonical: SnapshotTable;
        try {
          canonical = canonicalizeSnapshot(table);
        } catch (error) {
          if (error instanceof SnapshotError) {
            throw invalid('invalid-snapshot', 'Invalid snapshot', [
              { path: `body.${error.path}`, message: error.reason }
            ]);
          }
          throw error;
        }
        const hash = snapshotHash(canonical);
        const existing = await Private.loadSnapshots(
          tx,
          's.dataset_id = $1 AND s.content_hash = $2',
          [datasetId, hash]
        );
        if (existing.length > 0) {
          return { status: 200, snapshot: { ...existing[0], existing: true } };
        }
        const { rows } = await tx.query<{ id: string }>(
          `INSERT INTO dataset_snapshots (dataset_id, content_hash, row_count, columns, rows, created_by, source)
           VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
          [
            datasetId,
            hash,
            canonical.rows.length,
            JSON.stringify(canonical.columns),
            JSON.stringify(canonical.rows),
            userId,
            JSON.stringify(source)
          ]
        );
        const [created] = await Private.loadSnapshots(tx, 's.id = $1', [rows[0].id]);
        return { status: 201, snapshot: { ...created, existing: false } };
      });
      return reply.code(result.status).send(result.snapshot);
    }
  );

  app.get(
    '/api/snapshots/:id',
    {
      schema: {
        tags: ['datasets'],
        summary: 'One snapshot with its rows (in canonical order)',
        params: IdParams,
        response: { 200: SnapshotSchema, ...problems }
      }
    },
    async request => {
      const [snapshot] = await app.db.userTransaction(request.actor.userId, tx =>
        Private.loadSnapshots(tx, 's.id = $1', [request.params.id])
      );
      if (!snapshot) {
        throw notFound(`snapshot ${request.params.id}`);
      }
      return snapshot;
    }
  );

  app.get(
    '/api/snapshots/by-hash/:hash',
    {
      schema: {
        tags: ['datasets'],
        summary:
          'The visible snapshot with this content hash (the oldest, if several datasets hold it)',
        params: z.object({
          hash: z
            .string()
            .regex(/^[0-9a-f]{64}$/, 'a SHA-256 in lowercase hexadecimal (64 characters)')
        }),
        response: { 200: SnapshotSchema, ...problems }
      }
    },
    async request => {
      const [snapshot] = await app.db.userTransaction(request.actor.userId, tx =>
        Private.loadSnapshots(tx, 's.content_hash = $1', [request.params.hash])
      );
      if (!snapshot) {
        throw notFound(`snapshot with content hash ${request.params.hash}`);
      }
      return snapshot;
    }
  );
};

namespace Private {
  interface DatasetRow {
    id: string;
    name: string;
    description: string;
    visibility: Dataset['visibility'];
    project_id: string | null;
    owner_id: string;
    created_at: Date | string;
  }

  interface SnapshotRow {
    id: string;
    dataset_id: string;
    content_hash: string;
    row_count: number;
    columns: SnapshotSummary['columns'];
    rows?: unknown[][];
    source: unknown;
    created_by: string;
    created_at: Date | string;
  }

  const SUMMARY_COLUMNS =
    's.id, s.dataset_id, s.content_hash, s.row_count, s.columns, s.source, s.created_by, s.created_at';

  function summary(row: SnapshotRow): SnapshotSummary {
    return {
      id: row.id,
      datasetId: row.dataset_id,
      contentHash: row.content_hash,
      rowCount: row.row_count,
      columns: row.columns,
      source: row.source,
      createdBy: row.created_by,
      createdAt: iso(row.created_at)
    };
  }

  /** Visible datasets among `ids`, in that order, each with its snapshots' summaries. */
  export async function loadDatasets(tx: Queryable, ids: string[]): Promise<Dataset[]> {
    if (ids.length === 0) {
      return [];
    }
    const { rows } = await tx.query<DatasetRow>(
      `SELECT id, name, description, visibility, project_id, owner_id, created_at FROM datasets WHERE id = ANY($1::uuid[])`,
      [ids]
    );
    const { rows: snapshots } = await tx.query<SnapshotRow>(
      `SELECT ${SUMMARY_COLUMNS} FROM dataset_snapshots s WHERE s.dataset_id = ANY($1::uuid[]) ORDER BY s.created_at, s.id`,
      [ids]
    );
    const byId = new Map(rows.map(r => [r.id, r]));
    return ids
      .filter(id => byId.has(id))
      .map(id => {
        const row = byId.get(id)!;
        return {
          id: row.id,
          name: row.name,
          description: row.description,
          visibility: row.visibility,
          projectId: row.project_id,
          ownerId: row.owner_id,
          createdAt: iso(row.created_at),
          snapshots: snapshots.filter(s => s.dataset_id === id).map(summary)
        };
      });
  }

  /** Visible snapshots matching `where` (over dataset_snapshots s), oldest first, with rows. */
  export async function loadSnapshots(
    tx: Queryable,
    where: string,
    params: unknown[]
  ): Promise<Snapshot[]> {
    const { rows } = await tx.query<SnapshotRow & { rows: unknown[][] }>(
      `SELECT ${SUMMARY_COLUMNS}, s.rows FROM dataset_snapshots s WHERE ${where}
       ORDER BY s.created_at, s.id`,
      params
    );
    return rows.map(row => ({ ...summary(row), rows: row.rows }));
  }
}
