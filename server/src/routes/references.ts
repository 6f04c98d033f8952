import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  CreateReferenceSchema,
  ReferencePageSchema,
  ReferenceQuerySchema,
  ReferenceSchema,
  UpdateReferenceSchema,
  type Reference
} from '@cryoprotect/kernel';
import type { Queryable } from '../db/database.js';
import { deleteOwned, updateOwned, type OwnedTable } from '../db/owned-records.js';
import { requireScope } from '../http/auth.js';
import { LISTS, pageByText } from '../http/pagination.js';
import { ProblemError, notFound, requireProjectForVisibility } from '../http/problem.js';
import { IdParams, problems } from '../http/route-schemas.js';

interface ReferenceRow {
  id: string;
  key: string | null;
  citation: string;
  doi: string | null;
  url: string | null;
  licence: string | null;
  visibility: Reference['visibility'];
  project_id: string | null;
  owner_id: string;
  created_at: Date | string;
}

const OWNED: OwnedTable = { table: 'literature_references', what: 'reference' };
const COLUMNS =
  'x.id, x.key, x.citation, x.doi, x.url, x.licence, x.visibility, x.project_id, x.owner_id, x.created_at';

namespace Private {
  export function toReference(row: ReferenceRow): Reference {
    return {
      id: row.id,
      key: row.key,
      citation: row.citation,
      doi: row.doi,
      url: row.url,
      licence: row.licence,
      visibility: row.visibility,
      projectId: row.project_id,
      ownerId: row.owner_id,
      createdAt: new Date(row.created_at).toISOString()
    };
  }

  export async function find(tx: Queryable, id: string): Promise<Reference> {
    const { rows } = await tx.query<ReferenceRow>(
      `SELECT ${COLUMNS} FROM literature_references x WHERE x.id = $1`,
      [id]
    );
    if (!rows[0]) {
      throw notFound(`reference ${id}`);
    }
    return toReference(rows[0]);
  }

  /** The key is unique across all users; a clash may be with a reference the caller cannot see. */
  export function keyTaken(error: unknown, key: string | undefined): unknown {
    const pg = error as { code?: string; constraint?: string };
    if (pg.code === '23505' && pg.constraint === 'literature_references_key_key') {
      return new ProblemError(
        409,
        'conflict',
        'Key in use',
        `body.key: a reference with key ${key} already exists (possibly not visible to you)`,
        [{ path: 'body.key', message: `a reference with key ${key} already exists` }]
      );
    }
    return error;
  }
}

/** Literature references: the sources measurements cite. */
export const referencesRoutes: FastifyPluginAsync = async fastify => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();

  app.post(
    '/api/references',
    {
      schema: {
        tags: ['references'],
        summary: 'Add a literature reference',
        body: CreateReferenceSchema,
        response: { 201: ReferenceSchema, ...problems }
      }
    },
    async (request, reply) => {
      const userId = requireScope(request, 'write');
      const body = request.body;
      requireProjectForVisibility(body);
      const created = await app.db
        .userTransaction(userId, async tx => {
          const { rows } = await tx.query<{ id: string }>(
            `INSERT INTO literature_references (key, citation, doi, url, licence, owner_id, project_id, visibility)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
            [
              body.key ?? null,
              body.citation,
              body.doi ?? null,
              body.url ?? null,
              body.licence ?? null,
              userId,
              body.projectId ?? null,
              body.visibility
            ]
          );
          return Private.find(tx, rows[0].id);
        })
        .catch((error: unknown) => {
          throw Private.keyTaken(error, body.key);
        });
      return reply.code(201).send(created);
    }
  );

  app.get(
    '/api/references/:id',
    {
      schema: {
        tags: ['references'],
        summary: 'One literature reference',
        params: IdParams,
        response: { 200: ReferenceSchema, ...problems }
      }
    },
    async request =>
      app.db.userTransaction(request.actor.userId, tx => Private.find(tx, request.params.id))
  );

  app.get(
    '/api/references',
    {
      schema: {
        tags: ['references'],
        summary:
          'Literature references visible to you, by citation; text search over citation and DOI',
        querystring: ReferenceQuerySchema,
        response: { 200: ReferencePageSchema, ...problems }
      }
    },
    async request => {
      const { page, nextCursor } = await app.db.userTransaction(request.actor.userId, tx =>
        pageByText<ReferenceRow>(
          tx,
          {
            columns: COLUMNS,
            from: 'literature_references x',
            id: 'x.id',
            key: 'lower(x.citation)',
            list: LISTS.references,
            searchIn: ['lower(x.citation)', "lower(coalesce(x.doi, ''))"]
          },
          request.query
        )
      );
      return { items: page.map(Private.toReference), nextCursor };
    }
  );

  app.patch(
    '/api/references/:id',
    {
      schema: {
        tags: ['references'],
        summary: 'Change a literature reference (owner or project editor)',
        params: IdParams,
        body: UpdateReferenceSchema,
        response: { 200: ReferenceSchema, ...problems }
      }
    },
    async request => {
      const userId = requireScope(request, 'write');
      const { visibility, projectId, ...rest } = request.body;
      const columns: Record<string, unknown> = {};
      for (const field of ['citation', 'doi', 'url', 'licence'] as const) {
        if (rest[field] !== undefined) {
          columns[field] = rest[field];
        }
      }
      return app.db.userTransaction(userId, async tx => {
        await updateOwned(tx, OWNED, request.params.id, columns, { visibility, projectId });
        return Private.find(tx, request.params.id);
      });
    }
  );

  app.delete(
    '/api/references/:id',
    {
      schema: {
        tags: ['references'],
        summary: 'Delete a literature reference (owner or project admin); refused while cited',
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
          'measurements cite this reference (some may not be visible to you); it cannot be deleted while they do'
        )
      );
      return reply.code(204).send(null);
    }
  );
};
