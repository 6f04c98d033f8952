import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  ModelByVersionParamsSchema,
  ModelByVersionQuerySchema,
  ModelCoverageQuerySchema,
  ModelCoverageSchema,
  ModelQuerySchema,
  ModelVersionPageSchema,
  ModelVersionSchema,
  ProblemSchema,
  RegisterModelSchema,
  realCoverage,
  type ModelVersion
} from '@cryoprotect/kernel';
import type { Queryable } from '../db/database.js';
import { coverageByMonth, verifiedResults } from '../db/coverage.js';
import { insertModelVersion, selectModelVersions } from '../db/model-versions.js';
import { requireScope } from '../http/auth.js';
import { Cursor, LISTS, keysetPage } from '../http/pagination.js';
import { ProblemError, notFound, requireProjectForVisibility } from '../http/problem.js';
import { IdParams, auditDeletion, forbidden, invalid, problems } from './model-shared.js';

/** Trained artifacts may be sizeable JSON (weights); allowed up to this request size. */
const MODEL_BODY_LIMIT = 32 << 20;

/**
 * Model versions: immutable records of a trained model (training snapshot, target, learner,
 * software versions, parameters, seed, metrics, artifact). There is no PATCH: the database
 * refuses every UPDATE of model_versions, so a version always means what it meant when it made
 * its predictions; register a new version instead.
 */
export const modelsRoutes: FastifyPluginAsync = async fastify => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();

  app.post(
    '/api/models',
    {
      bodyLimit: MODEL_BODY_LIMIT,
      schema: {
        tags: ['models'],
        summary:
          'Register a trained model; the server numbers the version (1, 2, ... per owner and name)',
        body: RegisterModelSchema,
        response: { 201: ModelVersionSchema, ...problems }
      }
    },
    async (request, reply) => {
      const userId = requireScope(request, 'write');
      const body = request.body;
      requireProjectForVisibility(body);
      const model = await app.db.userTransaction(userId, async tx => {
        const errors: { path: string; message: string }[] = [];
        const snapshot = await tx.query('SELECT 1 FROM dataset_snapshots WHERE id = $1', [
          body.snapshotId
        ]);
        if (snapshot.rows.length === 0) {
          errors.push({
            path: 'body.snapshotId',
            message: `snapshot ${body.snapshotId} does not exist or is not visible to you`
          });
        }
        const target = await tx.query<{ id: string }>(
          'SELECT id FROM property_types WHERE key = $1',
          [body.targetPropertyType]
        );
        if (target.rows.length === 0) {
          errors.push({
            path: 'body.targetPropertyType',
            message: `"${body.targetPropertyType}" is not a property type`
          });
        }
        if (errors.length > 0) {
          throw invalid('invalid-model', 'Invalid model registration', errors);
        }
        const id = await insertModelVersion(tx, userId, body, target.rows[0].id);
        return (await selectModelVersions(tx, 'x.id = $1', [id]))[0];
      });
      return reply.code(201).send(model);
    }
  );

  app.get(
    '/api/models/:id',
    {
      schema: {
        tags: ['models'],
        summary: 'One model version',
        params: IdParams,
        response: { 200: ModelVersionSchema, ...problems }
      }
    },
    async request => {
      const [model] = await app.db.userTransaction(request.actor.userId, tx =>
        selectModelVersions(tx, 'x.id = $1', [request.params.id])
      );
      if (!model) {
        throw notFound(`model version ${request.params.id}`);
      }
      return model;
    }
  );

  app.get(
    '/api/models/:name/versions/:version',
    {
      schema: {
        tags: ['models'],
        summary: 'Load a model by name and version number (or latest)',
        params: ModelByVersionParamsSchema,
        querystring: ModelByVersionQuerySchema,
        response: { 200: ModelVersionSchema, ...problems }
      }
    },
    async request => {
      const { name, version } = request.params;
      return app.db.userTransaction(request.actor.userId, tx =>
        Private.byVersion(tx, request.actor.userId, name, version, request.query.ownerId)
      );
    }
  );

  app.get(
    '/api/models/:name/versions/:version/coverage',
    {
      schema: {
        tags: ['models'],
        summary:
          'Real coverage of a model version: error and the share of verified measurements inside its predicted intervals, with a binomial confidence interval, overall and cumulative by month (over the verifications you can read)',
        params: ModelByVersionParamsSchema,
        querystring: ModelCoverageQuerySchema,
        response: { 200: ModelCoverageSchema, ...problems }
      }
    },
    async request => {
      const { name, version } = request.params;
      const { ownerId, confidence } = request.query;
      return app.db.userTransaction(request.actor.userId, async tx => {
        const model = await Private.byVersion(tx, request.actor.userId, name, version, ownerId);
        const results = (await verifiedResults(tx, [model.id])).get(model.id)!;
        return {
          modelVersionId: model.id,
          name: model.name,
          version: model.version,
          targetPropertyType: model.targetPropertyType,
          unit: model.targetUnit,
          confidence,
          overall: realCoverage(results, { confidence }),
          byMonth: coverageByMonth(results, confidence),
          results
        };
      });
    }
  );

  app.get(
    '/api/models',
    {
      schema: {
        tags: ['models'],
        summary: 'Model versions visible to you, by name then version',
        querystring: ModelQuerySchema,
        response: { 200: ModelVersionPageSchema, ...problems }
      }
    },
    async request => {
      const { name, targetPropertyType, ownerId, limit, cursor } = request.query;
      return app.db.userTransaction(request.actor.userId, async tx => {
        // The sort key is text so the one keyset cursor serves: name, then zero-padded version.
        const sortKey = `x.name || chr(1) || lpad(x.version::text, 10, '0')`;
        const after = cursor
          ? await Cursor.resume(tx, cursor, LISTS.models, {
              from: 'model_versions x',
              id: 'x.id',
              key: sortKey
            })
          : null;
        const rows = await selectModelVersions(
          tx,
          `($1::text IS NULL OR x.name = $1)
           AND ($2::text IS NULL OR t.key = $2)
           AND ($3::uuid IS NULL OR x.owner_id = $3::uuid)
           AND ($4::text IS NULL OR (${sortKey} COLLATE "C", x.id) > ($4::text COLLATE "C", $5::uuid))`,
          [
            name ?? null,
            targetPropertyType ?? null,
            ownerId ?? null,
            after?.[0] ?? null,
            after?.[1] ?? null
          ],
          `ORDER BY ${sortKey} COLLATE "C", x.id LIMIT ${limit + 1}`,
          `${sortKey} AS sort_name`
        );
        const { page, nextCursor } = keysetPage(rows, limit, LISTS.models);
        return { items: page.map(({ sort_name: _, ...model }) => model), nextCursor };
      });
    }
  );

  app.patch(
    '/api/models/:id',
    {
      schema: {
        tags: ['models'],
        summary: 'Refused: model versions are immutable (register a new version instead)',
        params: IdParams,
        response: { 405: ProblemSchema }
      }
    },
    async request => {
      // Anonymous callers and read-only tokens meet 401/403 first, as on every other write.
      requireScope(request, 'write');
      throw new ProblemError(
        405,
        'immutable',
        'Model versions are immutable',
        'a model version always means what it meant when it made its predictions; register a new version instead'
      );
    }
  );

  app.delete(
    '/api/models/:id',
    {
      schema: {
        tags: ['models'],
        summary: 'Delete a model version without predictions (owner or project admin)',
        params: IdParams,
        response: { 204: z.null(), ...problems }
      }
    },
    async (request, reply) => {
      const userId = requireScope(request, 'write');
      const id = request.params.id;
      await app.db.userTransaction(userId, async tx => {
        const visible = await tx.query<{ name: string; version: number }>(
          'SELECT name, version FROM model_versions WHERE id = $1',
          [id]
        );
        if (visible.rows.length === 0) {
          throw notFound(`model version ${id}`);
        }
        // Counted on the service side of RLS would leak; predictions by others that the caller
        // cannot see still block the delete through the foreign key (mapped to 409 as well).
        const { rows } = await tx.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM predictions WHERE model_version_id = $1',
          [id]
        );
        if (rows[0].n > 0) {
          throw new ProblemError(
            409,
            'has-predictions',
            'Model has predictions',
            `model version ${id} has ${rows[0].n} prediction(s) that refer to it; it is kept`
          );
        }
        const deleted = await tx.query('DELETE FROM model_versions WHERE id = $1 RETURNING id', [
          id
        ]);
        if (deleted.rows.length === 0) {
          throw forbidden('only the owner or a project admin may delete this model version');
        }
        await auditDeletion(tx, userId, 'model_version.delete', 'model_versions', id, {
          name: visible.rows[0].name,
          version: visible.rows[0].version
        });
      });
      return reply.code(204).send(null);
    }
  );
};

namespace Private {
  /** A model by name and version (or latest): the owner asked for, else yours, else the only one. */
  export async function byVersion(
    tx: Queryable,
    userId: string | null,
    name: string,
    version: number | 'latest',
    ownerId: string | undefined
  ): Promise<ModelVersion> {
    const { rows: owners } = await tx.query<{ owner_id: string }>(
      `SELECT DISTINCT owner_id FROM model_versions WHERE name = $1 AND ($2::uuid IS NULL OR owner_id = $2::uuid)`,
      [name, ownerId ?? null]
    );
    const ownerIds = owners.map(o => o.owner_id);
    const owner = ownerIds.includes(userId ?? '') ? userId! : ownerIds[0];
    if (ownerIds.length > 1 && owner !== userId) {
      throw new ProblemError(
        409,
        'ambiguous-model',
        'Ambiguous model name',
        `${ownerIds.length} users have a model named ${name}; pass ownerId (one of ${ownerIds.join(', ')})`,
        [{ path: 'querystring.ownerId', message: 'required: several owners use this name' }]
      );
    }
    const [model] = owner
      ? await selectModelVersions(
          tx,
          `x.owner_id = $1 AND x.name = $2 AND ($3::int IS NULL OR x.version = $3::int)`,
          [owner, name, version === 'latest' ? null : version],
          'ORDER BY x.version DESC LIMIT 1'
        )
      : [];
    if (!model) {
      throw notFound(`model ${name} version ${version}`);
    }
    return model;
  }
}
