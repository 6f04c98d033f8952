import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import {
  CreatePredictionsSchema,
  PredictionPageSchema,
  PredictionQuerySchema,
  PredictionSchema,
  PredictionsCreatedSchema,
  type Prediction
} from '@cryoprotect/kernel';
import type { Queryable } from '../db/database.js';
import { requireScope } from '../http/auth.js';
import { Cursor, LISTS, keysetPage } from '../http/pagination.js';
import { notFound, requireProjectForVisibility } from '../http/problem.js';
import { IdParams, invalid, iso, problems } from './model-shared.js';

/** Predictions of a model version for molecules or mixtures, a batch per transaction. */
export const predictionsRoutes: FastifyPluginAsync = async fastify => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();

  app.post(
    '/api/predictions',
    {
      bodyLimit: 8 << 20,
      schema: {
        tags: ['predictions'],
        summary: 'Store predictions of a model version (one or a batch, all or nothing)',
        description:
          "Values are in the model target's canonical unit. An interval needs lower, upper and intervalLevel together, with lower <= value <= upper. novelty and inDomain (optional) say where the subject stands against the model's training data: inDomain false marks a prediction outside the model's applicability domain.",
        body: CreatePredictionsSchema,
        response: { 201: PredictionsCreatedSchema, ...problems }
      }
    },
    async (request, reply) => {
      const userId = requireScope(request, 'write');
      const body = request.body;
      requireProjectForVisibility(body);
      const errors = Private.checkItems(body.items);
      if (errors.length > 0) {
        throw invalid('invalid-prediction', 'Invalid prediction', errors);
      }
      const created = await app.db.userTransaction(userId, async tx => {
        const model = await tx.query('SELECT 1 FROM model_versions WHERE id = $1', [
          body.modelVersionId
        ]);
        const missing: { path: string; message: string }[] = [];
        if (model.rows.length === 0) {
          missing.push({
            path: 'body.modelVersionId',
            message: `model version ${body.modelVersionId} does not exist or is not visible to you`
          });
        }
        missing.push(...(await Private.invisibleSubjects(tx, body.items)));
        if (missing.length > 0) {
          throw invalid('unknown-record', 'Unknown record', missing);
        }
        const { rows } = await tx.query<{ id: string }>(
          `INSERT INTO predictions (model_version_id, molecule_id, mixture_id, conditions, value, lower, upper,
             interval_level, novelty, in_domain, owner_id, project_id, visibility)
           SELECT $1, (i->>'molecule_id')::uuid, (i->>'mixture_id')::uuid, i->'conditions',
                  (i->>'value')::float8, (i->>'lower')::float8, (i->>'upper')::float8,
                  (i->>'interval_level')::float8, (i->>'novelty')::float8,
                  (i->>'in_domain')::boolean, $2, $3, $4
           FROM jsonb_array_elements($5::jsonb) WITH ORDINALITY AS e(i, n)
           ORDER BY e.n
           RETURNING id`,
          [
            body.modelVersionId,
            userId,
            body.projectId ?? null,
            body.visibility,
            JSON.stringify(
              body.items.map(item => ({
                molecule_id: item.moleculeId ?? null,
                mixture_id: item.mixtureId ?? null,
                conditions: item.conditions,
                value: item.value,
                lower: item.lower ?? null,
                upper: item.upper ?? null,
                interval_level: item.intervalLevel ?? null,
                novelty: item.novelty ?? null,
                in_domain: item.inDomain ?? null
              }))
            )
          ]
        );
        return {
          items: await Private.load(
            tx,
            rows.map(r => r.id)
          )
        };
      });
      return reply.code(201).send(created);
    }
  );

  app.get(
    '/api/predictions/:id',
    {
      schema: {
        tags: ['predictions'],
        summary: 'One prediction',
        params: IdParams,
        response: { 200: PredictionSchema, ...problems }
      }
    },
    async request => {
      const [prediction] = await app.db.userTransaction(request.actor.userId, tx =>
        Private.load(tx, [request.params.id])
      );
      if (!prediction) {
        throw notFound(`prediction ${request.params.id}`);
      }
      return prediction;
    }
  );

  app.get(
    '/api/predictions',
    {
      schema: {
        tags: ['predictions'],
        summary: 'Predictions visible to you, oldest first',
        querystring: PredictionQuerySchema,
        response: { 200: PredictionPageSchema, ...problems }
      }
    },
    async request => {
      const { modelVersionId, moleculeId, mixtureId, limit, cursor } = request.query;
      const after = cursor ? Cursor.decode(cursor, LISTS.predictions) : null;
      return app.db.userTransaction(request.actor.userId, async tx => {
        const sortKey = `to_char(x.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')`;
        const { rows } = await tx.query<{ id: string; sort_name: string }>(
          `SELECT x.id, ${sortKey} AS sort_name FROM predictions x
           WHERE ($1::uuid IS NULL OR x.model_version_id = $1::uuid)
             AND ($2::uuid IS NULL OR x.molecule_id = $2::uuid)
             AND ($3::uuid IS NULL OR x.mixture_id = $3::uuid)
             AND ($4::text IS NULL OR (${sortKey} COLLATE "C", x.id) > ($4::text COLLATE "C", $5::uuid))
           ORDER BY ${sortKey} COLLATE "C", x.id LIMIT $6`,
          [
            modelVersionId ?? null,
            moleculeId ?? null,
            mixtureId ?? null,
            after?.[0] ?? null,
            after?.[1] ?? null,
            limit + 1
          ]
        );
        const { page, nextCursor } = keysetPage(rows, limit, LISTS.predictions);
        return {
          items: await Private.load(
            tx,
            page.map(r => r.id)
          ),
          nextCursor
        };
      });
    }
  );
};

namespace Private {
  type Item = {
    moleculeId?: string;
    mixtureId?: string;
    value: number;
    lower?: number;
    upper?: number;
    intervalLevel?: number;
  };

  /** What the schema cannot say field by field: one subject, and a consistent interval. */
  export function checkItems(items: Item[]): { path: string; message: string }[] {
    const errors: { path: string; message: string }[] = [];
    items.forEach((item, i) => {
      const at = `body.items[${i}]`;
      if ((item.moleculeId === undefined) === (item.mixtureId === undefined)) {
        errors.push({
          path: `${at}.moleculeId`,
          message: 'give exactly one of moleculeId and mixtureId'
        });
      }
      const given = [item.lower, item.upper, item.intervalLevel].filter(v => v !== undefined);
      if (given.length !== 0 && given.length !== 3) {
        for (const field of ['lower', 'upper', 'intervalLevel'] as const) {
          if (item[field] === undefined) {
            errors.push({
              path: `${at}.${field}`,
              message: 'an interval needs lower, upper and intervalLevel together'
            });
          }
        }
      } else if (given.length === 3) {
        if (item.lower! > item.value) {
          errors.push({
            path: `${at}.lower`,
            message: `lower (${item.lower}) exceeds value (${item.value})`
          });
        }
        if (item.upper! < item.value) {
          errors.push({
            path: `${at}.upper`,
            message: `upper (${item.upper}) is below value (${item.value})`
          });
        }
      }
    });
    return errors;
  }

  /** Items whose molecule or mixture the caller cannot see (or that do not exist). */
  export async function invisibleSubjects(
    tx: Queryable,
    items: Item[]
  ): Promise<{ path: string; message: string }[]> {
    const wanted = (field: 'moleculeId' | 'mixtureId') => [
      ...new Set(items.map(i => i[field]).filter((id): id is string => id !== undefined))
    ];
    const visible = async (table: 'molecules' | 'mixtures', ids: string[]) =>
      new Set(
        ids.length === 0
          ? []
          : (
              await tx.query<{ id: string }>(`SELECT id FROM ${table} WHERE id = ANY($1::uuid[])`, [
                ids
              ])
            ).rows.map(r => r.id)
      );
    const molecules = await visible('molecules', wanted('moleculeId'));
    const mixtures = await visible('mixtures', wanted('mixtureId'));
    const errors: { path: string; message: string }[] = [];
    items.forEach((item, i) => {
      if (item.moleculeId !== undefined && !molecules.has(item.moleculeId)) {
        errors.push({
          path: `body.items[${i}].moleculeId`,
          message: `molecule ${item.moleculeId} does not exist or is not visible to you`
        });
      }
      if (item.mixtureId !== undefined && !mixtures.has(item.mixtureId)) {
        errors.push({
          path: `body.items[${i}].mixtureId`,
          message: `mixture ${item.mixtureId} does not exist or is not visible to you`
        });
      }
    });
    return errors;
  }

  interface PredictionRow {
    id: string;
    model_version_id: string;
    molecule_id: string | null;
    mixture_id: string | null;
    conditions: Record<string, unknown>;
    value: number;
    lower: number | null;
    upper: number | null;
    interval_level: number | null;
    novelty: number | null;
    in_domain: boolean | null;
    owner_id: string;
    project_id: string | null;
    visibility: Prediction['visibility'];
    created_at: Date | string;
  }

  /** Visible predictions among `ids`, in that order. */
  export async function load(tx: Queryable, ids: string[]): Promise<Prediction[]> {
    if (ids.length === 0) {
      return [];
    }
    const { rows } = await tx.query<PredictionRow>(
      'SELECT * FROM predictions WHERE id = ANY($1::uuid[])',
      [ids]
    );
    const byId = new Map(rows.map(r => [r.id, r]));
    return ids
      .filter(id => byId.has(id))
      .map(id => {
        const r = byId.get(id)!;
        return {
          id: r.id,
          modelVersionId: r.model_version_id,
          moleculeId: r.molecule_id,
          mixtureId: r.mixture_id,
          conditions: r.conditions,
          value: r.value,
          lower: r.lower,
          upper: r.upper,
          intervalLevel: r.interval_level,
          novelty: r.novelty,
          inDomain: r.in_domain,
          visibility: r.visibility,
          projectId: r.project_id,
          ownerId: r.owner_id,
          createdAt: iso(r.created_at)
        };
      });
  }
}
