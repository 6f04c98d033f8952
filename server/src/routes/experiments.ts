import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  CreateExperimentSchema,
  ExperimentPageSchema,
  ExperimentQuerySchema,
  ExperimentSchema,
  UpdateExperimentSchema,
  type Experiment
} from '@cryoprotect/kernel';
import type { Queryable } from '../db/database.js';
import { deleteOwned, updateOwned, type OwnedTable } from '../db/owned-records.js';
import { requireScope } from '../http/auth.js';
import { LISTS, pageByText } from '../http/pagination.js';
import { notFound, requireProjectForVisibility } from '../http/problem.js';
import { IdParams, problems } from '../http/route-schemas.js';

interface ExperimentRow {
  id: string;
  title: string;
  protocol: string;
  conditions: Record<string, unknown>;
  performed_at: Date | string | null;
  visibility: Experiment['visibility'];
  project_id: string | null;
  owner_id: string;
  created_at: Date | string;
}

const OWNED: OwnedTable = { table: 'experiments', what: 'experiment' };
const COLUMNS =
  'x.id, x.title, x.protocol, x.conditions, x.performed_at, x.visibility, x.project_id, x.owner_id, x.created_at';

namespace Private {
  export function toExperiment(row: ExperimentRow): Experiment {
    return {
      id: row.id,
      title: row.title,
      protocol: row.protocol,
      conditions: row.conditions,
      performedAt: row.performed_at === null ? null : new Date(row.performed_at).toISOString(),
      visibility: row.visibility,
      projectId: row.project_id,
      ownerId: row.owner_id,
      createdAt: new Date(row.created_at).toISOString()
    };
  }

  export async function find(tx: Queryable, id: string): Promise<Experiment> {
    const { rows } = await tx.query<ExperimentRow>(
      `SELECT ${COLUMNS} FROM experiments x WHERE x.id = $1`,
      [id]
    );
    if (!rows[0]) {
      throw notFound(`experiment ${id}`);
    }
    return toExperiment(rows[0]);
  }
}

/** Experiments: lab work (protocol, conditions, date) that measurements come from. */
export const experimentsRoutes: FastifyPluginAsync = async fastify => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();

  app.post(
    '/api/experiments',
    {
      schema: {
        tags: ['experiments'],
        summary: 'Record an experiment',
        body: CreateExperimentSchema,
        response: { 201: ExperimentSchema, ...problems }
      }
    },
    async (request, reply) => {
      const userId = requireScope(request, 'write');
      const body = request.body;
      requireProjectForVisibility(body);
      const created = await app.db.userTransaction(userId, async tx => {
        const { rows } = await tx.query<{ id: string }>(
          `INSERT INTO experiments (title, protocol, conditions, performed_at, owner_id, project_id, visibility)
           VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
          [
            body.title,
            body.protocol,
            JSON.stringify(body.conditions),
            body.performedAt ?? null,
            userId,
            body.projectId ?? null,
            body.visibility
          ]
        );
        return Private.find(tx, rows[0].id);
      });
      return reply.code(201).send(created);
    }
  );

  app.get(
    '/api/experiments/:id',
    {
      schema: {
        tags: ['experiments'],
        summary: 'One experiment',
        params: IdParams,
        response: { 200: ExperimentSchema, ...problems }
      }
    },
    async request =>
      app.db.userTransaction(request.actor.userId, tx => Private.find(tx, request.params.id))
  );

  app.get(
    '/api/experiments',
    {
      schema: {
        tags: ['experiments'],
        summary: 'Experiments visible to you, by title',
        querystring: ExperimentQuerySchema,
        response: { 200: ExperimentPageSchema, ...problems }
      }
    },
    async request => {
      const { page, nextCursor } = await app.db.userTransaction(request.actor.userId, tx =>
        pageByText<ExperimentRow>(
          tx,
          {
            columns: COLUMNS,
            from: 'experiments x',
            id: 'x.id',
            key: 'lower(x.title)',
            list: LISTS.experiments
          },
          request.query
        )
      );
      return { items: page.map(Private.toExperiment), nextCursor };
    }
  );

  app.patch(
    '/api/experiments/:id',
    {
      schema: {
        tags: ['experiments'],
        summary: 'Change an experiment (owner or project editor)',
        params: IdParams,
        body: UpdateExperimentSchema,
        response: { 200: ExperimentSchema, ...problems }
      }
    },
    async request => {
      const userId = requireScope(request, 'write');
      const { visibility, projectId, title, protocol, conditions, performedAt } = request.body;
      const columns: Record<string, unknown> = {};
      if (title !== undefined) {
        columns.title = title;
      }
      if (protocol !== undefined) {
        columns.protocol = protocol;
      }
      if (conditions !== undefined) {
        columns.conditions = JSON.stringify(conditions);
      }
      if (performedAt !== undefined) {
        columns.performed_at = performedAt;
      }
      return app.db.userTransaction(userId, async tx => {
        await updateOwned(tx, OWNED, request.params.id, columns, { visibility, projectId });
        return Private.find(tx, request.params.id);
      });
    }
  );

  app.delete(
    '/api/experiments/:id',
    {
      schema: {
        tags: ['experiments'],
        summary:
          'Delete an experiment (owner or project admin); refused while measurements refer to it',
        params: IdParams,
        response: { 204: z.null(), ...problems }
      }
    },
    async (request, reply) => {
      const userId = requireScope(request, 'write');
      await app.db.userTransaction(userId, tx =>
        deleteOwned(
          tx,
          OWNED,
          request.params.id,
          userId,
          'measurements refer to this experiment (some may not be visible to you); it cannot be deleted while they do'
        )
      );
      return reply.code(204).send(null);
    }
  );
};
