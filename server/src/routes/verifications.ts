import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  CreateVerificationSchema,
  RecordMeasuredSchema,
  RejectVerificationSchema,
  VERIFICATION_TRANSITIONS,
  VerificationPageSchema,
  VerificationQuerySchema,
  VerificationSchema,
  type Verification,
  type VerificationState
} from '@cryoprotect/kernel';
import type { Queryable } from '../db/database.js';
import { requireScope } from '../http/auth.js';
import { Cursor, LISTS, keysetPage } from '../http/pagination.js';
import { ProblemError, notFound, requireProjectForVisibility } from '../http/problem.js';
import { IdParams, forbidden, invalid, iso, lockWritable, problems } from './model-shared.js';

/**
 * Lab verification of a prediction: requested -> in_progress -> measured -> verified | rejected.
 * Every step is taken by a writer of the verification (its owner or a project editor), the
 * database keeps the history (verification_events) and enforces the order; the reviewer
 * (verify or reject) is never who measured nor the measurement's owner. Verifying marks the
 * measurement verified in the same transaction, so it can feed a new snapshot (verifiedOnly).
 */
export const verificationsRoutes: FastifyPluginAsync = async fastify => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();

  app.post(
    '/api/verifications',
    {
      schema: {
        tags: ['verifications'],
        summary: 'Request the lab verification of a prediction',
        body: CreateVerificationSchema,
        response: { 201: VerificationSchema, ...problems }
      }
    },
    async (request, reply) => {
      const userId = requireScope(request, 'write');
      const body = request.body;
      requireProjectForVisibility(body);
      const created = await app.db.userTransaction(userId, async tx => {
        const errors: { path: string; message: string }[] = [];
        const prediction = await tx.query('SELECT 1 FROM predictions WHERE id = $1', [
          body.predictionId
        ]);
        if (prediction.rows.length === 0) {
          errors.push({
            path: 'body.predictionId',
            message: `prediction ${body.predictionId} does not exist or is not visible to you`
          });
        }
        if (body.assigneeId) {
          const assignee = await tx.query(
            'SELECT 1 FROM users WHERE id = $1 AND deactivated_at IS NULL',
            [body.assigneeId]
          );
          if (assignee.rows.length === 0) {
            errors.push({
              path: 'body.assigneeId',
              message: `user ${body.assigneeId} does not exist or is deactivated`
            });
          }
        }
        if (errors.length > 0) {
          throw invalid('unknown-record', 'Unknown record', errors);
        }
        const { rows } = await tx.query<{ id: string }>(
          `INSERT INTO verifications (prediction_id, planned_experiment, conditions, assignee_id, owner_id, project_id, visibility)
           VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
          [
            body.predictionId,
            body.plannedExperiment,
            JSON.stringify(body.conditions),
            body.assigneeId ?? null,
            userId,
            body.projectId ?? null,
            body.visibility
          ]
        );
        return (await Private.load(tx, [rows[0].id]))[0];
      });
      return reply.code(201).send(created);
    }
  );

  app.get(
    '/api/verifications/:id',
    {
      schema: {
        tags: ['verifications'],
        summary: 'One verification with its history',
        params: IdParams,
        response: { 200: VerificationSchema, ...problems }
      }
    },
    async request => {
      const [verification] = await app.db.userTransaction(request.actor.userId, tx =>
        Private.load(tx, [request.params.id])
      );
      if (!verification) {
        throw notFound(`verification ${request.params.id}`);
      }
      return verification;
    }
  );

  app.get(
    '/api/verifications',
    {
      schema: {
        tags: ['verifications'],
        summary: 'Verifications visible to you, oldest first',
        querystring: VerificationQuerySchema,
        response: { 200: VerificationPageSchema, ...problems }
      }
    },
    async request => {
      const { state, predictionId, limit, cursor } = request.query;
      const after = cursor ? Cursor.decode(cursor, LISTS.verifications) : null;
      return app.db.userTransaction(request.actor.userId, async tx => {
        const sortKey = `to_char(x.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')`;
        const { rows } = await tx.query<{ id: string; sort_name: string }>(
          `SELECT x.id, ${sortKey} AS sort_name FROM verifications x
           WHERE ($1::text IS NULL OR x.state = $1)
             AND ($2::uuid IS NULL OR x.prediction_id = $2::uuid)
             AND ($3::text IS NULL OR (${sortKey} COLLATE "C", x.id) > ($3::text COLLATE "C", $4::uuid))
           ORDER BY ${sortKey} COLLATE "C", x.id LIMIT $5`,
          [state ?? null, predictionId ?? null, after?.[0] ?? null, after?.[1] ?? null, limit + 1]
        );
        const { page, nextCursor } = keysetPage(rows, limit, LISTS.verifications);
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

  const transition = <B extends z.ZodType>(
    action: string,
    to: VerificationState,
    summary: string,
    body: B,
    apply: (
      tx: Queryable,
      userId: string,
      current: Private.VerificationRow,
      body: z.infer<B>
    ) => Promise<void>
  ) =>
    app.post(
      `/api/verifications/:id/${action}`,
      {
        schema: {
          tags: ['verifications'],
          summary,
          params: IdParams,
          body,
          response: { 200: VerificationSchema, ...problems }
        }
      },
      async request => {
        const userId = requireScope(request, 'write');
        const id = request.params.id;
        return app.db.userTransaction(userId, async tx => {
          await lockWritable(tx, 'verifications', id, 'verification');
          const { rows } = await tx.query<Private.VerificationRow>(
            'SELECT * FROM verifications WHERE id = $1',
            [id]
          );
          const current = rows[0];
          const allowed = VERIFICATION_TRANSITIONS[current.state];
          if (!allowed.includes(to)) {
            throw new ProblemError(
              409,
              'illegal-transition',
              'Illegal state transition',
              `verification ${id} is ${current.state}; it cannot become ${to}. Allowed next: ${allowed.length > 0 ? allowed.join(', ') : 'none (final state)'}`,
              [
                {
                  path: 'state',
                  message: `is ${current.state}; allowed next: ${allowed.join(', ') || 'none'}`
                }
              ]
            );
          }
          await apply(tx, userId, current, request.body as z.infer<B>);
          return (await Private.load(tx, [id]))[0];
        });
      }
    );

  transition(
    'start',
    'in_progress',
    'Start the experiment (requested -> in_progress)',
    z.strictObject({}).default({}),
    async (tx, _userId, current) => {
      await tx.query(`UPDATE verifications SET state = 'in_progress' WHERE id = $1`, [current.id]);
    }
  );

  transition(
    'measured',
    'measured',
    'Record the measurement made (in_progress -> measured)',
    RecordMeasuredSchema,
    async (tx, userId, current, body) => {
      await Private.checkMeasurementFits(tx, current.prediction_id, body.measurementId);
      await tx.query(
        `UPDATE verifications SET state = 'measured', measurement_id = $2, measured_by = $3 WHERE id = $1`,
        [current.id, body.measurementId, userId]
      );
    }
  );

  transition(
    'verify',
    'verified',
    'Accept the measurement (measured -> verified); marks the measurement verified',
    z.strictObject({}).default({}),
    async (tx, userId, current) => {
      await Private.checkReviewer(tx, userId, current);
      await tx.query(
        `UPDATE verifications SET state = 'verified', reviewed_by = $2 WHERE id = $1`,
        [current.id, userId]
      );
    }
  );

  transition(
    'reject',
    'rejected',
    'Reject the measurement with a reason (measured -> rejected)',
    RejectVerificationSchema,
    async (tx, userId, current, body) => {
      await Private.checkReviewer(tx, userId, current);
      await tx.query(
        `UPDATE verifications SET state = 'rejected', reviewed_by = $2, review_reason = $3 WHERE id = $1`,
        [current.id, userId, body.reason]
      );
    }
  );
};

namespace Private {
  export interface VerificationRow {
    id: string;
    prediction_id: string;
    state: VerificationState;
    planned_experiment: string;
    conditions: Record<string, unknown>;
    assignee_id: string | null;
    measurement_id: string | null;
    measured_by: string | null;
    reviewed_by: string | null;
    review_reason: string | null;
    owner_id: string;
    project_id: string | null;
    visibility: Verification['visibility'];
    created_at: Date | string;
    updated_at: Date | string;
  }

  /**
   * The measurement must be visible to whoever records it and measure what was predicted: the
   * model's target property, for the same molecule or mixture.
   */
  export async function checkMeasurementFits(
    tx: Queryable,
    predictionId: string,
    measurementId: string
  ): Promise<void> {
    const { rows } = await tx.query<{ fits_property: boolean; fits_subject: boolean }>(
      `SELECT m.property_type_id = mv.target_property_type_id AS fits_property,
              (m.molecule_id IS NOT DISTINCT FROM p.molecule_id AND m.mixture_id IS NOT DISTINCT FROM p.mixture_id) AS fits_subject
       FROM measurements m, predictions p JOIN model_versions mv ON mv.id = p.model_version_id
       WHERE m.id = $1 AND p.id = $2`,
      [measurementId, predictionId]
    );
    const path = 'body.measurementId';
    if (rows.length === 0) {
      const visible = await tx.query('SELECT 1 FROM measurements WHERE id = $1', [measurementId]);
      throw invalid('unknown-record', 'Unknown record', [
        {
          path,
          message:
            visible.rows.length === 0
              ? `measurement ${measurementId} does not exist or is not visible to you`
              : "the prediction's model is no longer visible to you, so the measurement cannot be matched to it"
        }
      ]);
    }
    if (!rows[0].fits_property) {
      throw invalid('measurement-mismatch', 'Measurement does not match the prediction', [
        { path, message: "the measurement is not of the model's target property" }
      ]);
    }
    if (!rows[0].fits_subject) {
      throw invalid('measurement-mismatch', 'Measurement does not match the prediction', [
        { path, message: 'the measurement is of another molecule or mixture than the prediction' }
      ]);
    }
  }

  /** Nobody reviews their own measurement; a reviewer must be able to read it. */
  export async function checkReviewer(
    tx: Queryable,
    userId: string,
    current: VerificationRow
  ): Promise<void> {
    const { rows } = await tx.query<{ owner_id: string }>(
      'SELECT owner_id FROM measurements WHERE id = $1',
      [current.measurement_id]
    );
    if (current.measured_by === userId || rows[0]?.owner_id === userId) {
      throw forbidden(
        'nobody reviews their own measurement: another writer of this verification (owner or project editor) must verify or reject it'
      );
    }
    if (rows.length === 0) {
      throw forbidden(
        `measurement ${current.measurement_id} is not visible to you, so you cannot review it`
      );
    }
  }

  /** Visible verifications among `ids`, in that order, with their histories. */
  export async function load(tx: Queryable, ids: string[]): Promise<Verification[]> {
    if (ids.length === 0) {
      return [];
    }
    const { rows } = await tx.query<VerificationRow>(
      'SELECT * FROM verifications WHERE id = ANY($1::uuid[])',
      [ids]
    );
    const { rows: events } = await tx.query<{
      verification_id: string;
      from_state: VerificationState | null;
      to_state: VerificationState;
      actor_id: string | null;
      reason: string | null;
      at: Date | string;
    }>('SELECT * FROM verification_events WHERE verification_id = ANY($1::uuid[]) ORDER BY id', [
      ids
    ]);
    const byId = new Map(rows.map(r => [r.id, r]));
    return ids
      .filter(id => byId.has(id))
      .map(id => {
        const r = byId.get(id)!;
        return {
          id: r.id,
          predictionId: r.prediction_id,
          state: r.state,
          plannedExperiment: r.planned_experiment,
          conditions: r.conditions,
          assigneeId: r.assignee_id,
          measurementId: r.measurement_id,
          measuredBy: r.measured_by,
          reviewedBy: r.reviewed_by,
          reviewReason: r.review_reason,
          updatedAt: iso(r.updated_at),
          visibility: r.visibility,
          projectId: r.project_id,
          ownerId: r.owner_id,
          createdAt: iso(r.created_at),
          events: events
            .filter(e => e.verification_id === id)
            .map(e => ({
              fromState: e.from_state,
              toState: e.to_state,
              actorId: e.actor_id,
              reason: e.reason,
              at: iso(e.at)
            }))
        };
      });
  }
}
