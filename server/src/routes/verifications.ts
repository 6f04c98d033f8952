import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  CreateVerificationSchema,
  RecordMeasuredSchema,
  type VerificationAction,
  VerificationMeasurementInputSchema,
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
import { IdParams, forbidden, invalid, iso, problems } from './model-shared.js';
import { recordMeasurement } from './measurements.js';

/**
 * Lab verification of a prediction: requested -> in_progress -> measured -> verified | rejected.
 * The lab steps (start, record the measurement) are the assignee's, or any writer's (owner or
 * project editor) when nobody is assigned; the review (verify, reject) is a writer's who neither
 * measured nor owns the measurement. Each answer lists the steps the caller may take
 * (allowedActions); the routes refuse the others with the reason, and the database enforces the
 * same rules and keeps the history (verification_events, migration 013). Verifying marks the
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
        if (body.assigneeId && errors.length === 0) {
          const { rows: assignee } = await tx.query<{ can_read: boolean; editor: boolean }>(
            `SELECT app.user_can_read_prediction(u.id, $2) AS can_read,
                    app.user_has_project_role(u.id, $3, 'editor') AS editor
             FROM users u WHERE u.id = $1 AND u.deactivated_at IS NULL`,
            [body.assigneeId, body.predictionId, body.projectId ?? null]
          );
          if (assignee.length === 0) {
            errors.push({
              path: 'body.assigneeId',
              message: `user ${body.assigneeId} does not exist or is deactivated`
            });
          } else if (!assignee[0].can_read) {
            errors.push({
              path: 'body.assigneeId',
              message:
                'the assignee cannot see the prediction or its molecule or mixture; share them with a project the assignee is a member of'
            });
          } else if (body.assigneeId !== userId && body.visibility === 'private') {
            errors.push({
              path: 'body.visibility',
              message:
                'a verification assigned to someone else is shared (project or public), so that you can review what the assignee measures'
            });
          } else if (
            body.assigneeId !== userId &&
            body.visibility === 'project' &&
            !assignee[0].editor
          ) {
            errors.push({
              path: 'body.assigneeId',
              message:
                "the assignee records the measurement in this verification's project, so must be an editor of it"
            });
          }
        }
        if (errors.length > 0) {
          throw invalid('unknown-record', 'Invalid verification request', errors);
        }
        const { rows } = await tx.query<{ id: string }>(
          `INSERT INTO verifications (prediction_id, planned_experiment, conditions, assignee_id, due_on, owner_id, project_id, visibility)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
          [
            body.predictionId,
            body.plannedExperiment,
            JSON.stringify(body.conditions),
            body.assigneeId ?? null,
            body.dueOn ?? null,
            userId,
            body.projectId ?? null,
            body.visibility
          ]
        );
        return (await Private.load(tx, userId, [rows[0].id]))[0];
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
        Private.load(tx, request.actor.userId, [request.params.id])
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
      const { state, predictionId, role, modelVersionId, modelName, limit, cursor } = request.query;
      const userId = request.actor.userId;
      const after = cursor ? Cursor.decode(cursor, LISTS.verifications) : null;
      return app.db.userTransaction(userId, async tx => {
        const sortKey = `to_char(x.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')`;
        const { rows } = await tx.query<{ id: string; sort_name: string }>(
          `SELECT x.id, ${sortKey} AS sort_name FROM verifications x
           WHERE ($1::text IS NULL OR x.state = $1)
             AND ($2::uuid IS NULL OR x.prediction_id = $2::uuid)
             AND ($3::text IS NULL OR (${sortKey} COLLATE "C", x.id) > ($3::text COLLATE "C", $4::uuid))
             AND ($6::text IS NULL
                  OR ($6 = 'assigned' AND x.assignee_id = $9::uuid)
                  OR ($6 = 'requested' AND x.owner_id = $9::uuid)
                  OR ($6 = 'project' AND x.project_id IN (
                        SELECT pm.project_id FROM project_members pm WHERE pm.user_id = $9::uuid)))
             AND ($7::uuid IS NULL OR EXISTS (
                  SELECT 1 FROM predictions p WHERE p.id = x.prediction_id AND p.model_version_id = $7::uuid))
             AND ($8::text IS NULL OR EXISTS (
                  SELECT 1 FROM app.prediction_target(x.prediction_id) t WHERE t.model_name = $8))
           ORDER BY ${sortKey} COLLATE "C", x.id LIMIT $5`,
          [
            state ?? null,
            predictionId ?? null,
            after?.[0] ?? null,
            after?.[1] ?? null,
            limit + 1,
            role ?? null,
            modelVersionId ?? null,
            modelName ?? null,
            userId
          ]
        );
        const { page, nextCursor } = keysetPage(rows, limit, LISTS.verifications);
        return {
          items: await Private.load(
            tx,
            userId,
            page.map(r => r.id)
          ),
          nextCursor
        };
      });
    }
  );

  const transition = <B extends z.ZodType>(
    action: VerificationAction,
    to: VerificationState,
    summary: string,
    body: B,
    apply: (tx: Queryable, userId: string, current: Verification, body: z.infer<B>) => Promise<void>
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
          // Locks the row when you may change it; the checks below refuse you otherwise.
          await tx.query('SELECT 1 FROM verifications WHERE id = $1 FOR UPDATE', [id]);
          const [current] = await Private.load(tx, userId, [id]);
          if (!current) {
            throw notFound(`verification ${id}`);
          }
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
          if (!current.allowedActions.includes(action)) {
            throw forbidden(Private.whyNot(current, action, userId));
          }
          await apply(tx, userId, current, request.body as z.infer<B>);
          return (await Private.load(tx, userId, [id]))[0];
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
      let measurementId: string;
      if (body.measurementId !== undefined) {
        measurementId = body.measurementId;
        await Private.checkMeasurementFits(
          tx,
          userId,
          current.id,
          current.predictionId,
          measurementId
        );
      } else {
        // The schema lets exactly one of the two through.
        measurementId = await Private.recordFor(tx, userId, current, body.measurement!);
      }
      // measured_by is the transaction's user: the database sets it (013), whatever is sent.
      await tx.query(
        `UPDATE verifications SET state = 'measured', measurement_id = $2 WHERE id = $1`,
        [current.id, measurementId]
      );
    }
  );

  transition(
    'verify',
    'verified',
    'Accept the measurement (measured -> verified); marks the measurement verified',
    z.strictObject({}).default({}),
    async (tx, _userId, current) => {
      await tx.query(`UPDATE verifications SET state = 'verified' WHERE id = $1`, [current.id]);
    }
  );

  transition(
    'reject',
    'rejected',
    'Reject the measurement with a reason (measured -> rejected)',
    RejectVerificationSchema,
    async (tx, _userId, current, body) => {
      await tx.query(
        `UPDATE verifications SET state = 'rejected', review_reason = $2 WHERE id = $1`,
        [current.id, body.reason]
      );
    }
  );
};

namespace Private {
  interface LoadedRow {
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
    due_on: string | null;
    owner_id: string;
    project_id: string | null;
    visibility: Verification['visibility'];
    created_at: Date | string;
    updated_at: Date | string;
    writable: boolean;
    p_visible: boolean;
    p_model_version_id: string | null;
    p_molecule_id: string | null;
    p_mixture_id: string | null;
    p_conditions: Record<string, unknown> | null;
    p_value: number | null;
    p_lower: number | null;
    p_upper: number | null;
    p_level: number | null;
    p_novelty: number | null;
    p_in_domain: boolean | null;
    t_model_name: string | null;
    t_model_version: number | null;
    t_property_type: string | null;
    t_unit: string | null;
    subject_name: string | null;
    smiles: string | null;
    m_visible: boolean;
    m_value: number | null;
    m_unit: string | null;
    m_uncertainty: number | null;
    m_method: string | null;
    m_conditions: Record<string, unknown> | null;
    m_experiment_id: string | null;
    m_owner_id: string | null;
    e_equipment: string | null;
    e_replicates: number | null;
    e_performed_at: Date | string | null;
  }

  /**
   * The steps `userId` may take now (the database enforces the same rules, 013): the lab steps
   * are the assignee's (any writer's when nobody is assigned); the review is a writer's who
   * neither measured nor owns the measurement, and can read it.
   */
  export function allowedActions(r: LoadedRow, userId: string | null): VerificationAction[] {
    if (!userId) {
      return [];
    }
    const labHand = r.assignee_id === null ? r.writable : r.assignee_id === userId;
    switch (r.state) {
      case 'requested':
        return labHand ? ['start'] : [];
      case 'in_progress':
        return labHand ? ['measured'] : [];
      case 'measured':
        return r.writable && r.measured_by !== userId && r.m_owner_id !== userId && r.m_visible
          ? ['verify', 'reject']
          : [];
      default:
        return [];
    }
  }

  /** Why `userId` may not take `action` on `v` (whose state allows it): the sentence for 403. */
  export function whyNot(v: Verification, action: VerificationAction, userId: string): string {
    if (action === 'start' || action === 'measured') {
      return v.assigneeId === null
        ? `only a writer of verification ${v.id} (its owner or a project editor) takes its lab steps`
        : `verification ${v.id} is assigned to ${v.people[v.assigneeId] ?? v.assigneeId}: only the assignee starts it and records the measurement`;
    }
    if (v.measuredBy === userId || v.measurement?.ownerId === userId) {
      return 'nobody reviews their own measurement: another writer of this verification (owner or project editor) must verify or reject it';
    }
    if (v.measurementId !== null && v.measurement === null) {
      return `measurement ${v.measurementId} is not visible to you, so you cannot review it`;
    }
    return `only a writer of verification ${v.id} (its owner or a project editor) reviews it`;
  }

  /**
   * An existing measurement must be visible to whoever records it, measure what was predicted
   * (the model's target property, for the same molecule or mixture), be their own, be shared as
   * the verification is, and answer no other verification.
   */
  export async function checkMeasurementFits(
    tx: Queryable,
    userId: string,
    verificationId: string,
    predictionId: string,
    measurementId: string
  ): Promise<void> {
    const { rows } = await tx.query<{
      fits_property: boolean;
      fits_subject: boolean;
      own: boolean;
      shared: boolean;
      taken: boolean;
    }>(
      `SELECT m.property_type_id = t.property_type_id AS fits_property,
              (m.molecule_id IS NOT DISTINCT FROM t.molecule_id AND m.mixture_id IS NOT DISTINCT FROM t.mixture_id) AS fits_subject,
              m.owner_id = $3 AS own,
              (m.visibility = 'public' OR (m.visibility = v.visibility AND m.project_id IS NOT DISTINCT FROM v.project_id)) AS shared,
              EXISTS (SELECT 1 FROM verifications o WHERE o.measurement_id = m.id AND o.id <> v.id) AS taken
       FROM measurements m, app.prediction_target($2) t, verifications v
       WHERE m.id = $1 AND v.id = $4`,
      [measurementId, predictionId, userId, verificationId]
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
              : 'the prediction is no longer visible to you, so the measurement cannot be matched to it'
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
    // The database refuses these too (013); said here with the request's own field name.
    if (!rows[0].own) {
      throw invalid('measurement-mismatch', 'Measurement does not match the prediction', [
        { path, message: 'the measurement must be one you recorded yourself' }
      ]);
    }
    if (!rows[0].shared) {
      throw invalid('measurement-mismatch', 'Measurement does not match the prediction', [
        {
          path,
          message:
            'the measurement must be shared as the verification is (same visibility and project), or public, so that its reviewers can read it'
        }
      ]);
    }
    if (rows[0].taken) {
      throw invalid('measurement-mismatch', 'Measurement does not match the prediction', [
        {
          path,
          message:
            'the measurement already closes another verification; one measurement answers one request'
        }
      ]);
    }
  }

  /**
   * Record the measurement made for `v` as `userId`: an experiment (method, equipment,
   * replicates, when) and the measurement of the prediction's subject and the model's target
   * property, shared as the verification is so that its reviewers can read it.
   */
  export async function recordFor(
    tx: Queryable,
    userId: string,
    v: Verification,
    input: z.infer<typeof VerificationMeasurementInputSchema>
  ): Promise<string> {
    if (!v.prediction) {
      throw invalid('unknown-record', 'Unknown record', [
        {
          path: 'body.measurement',
          message:
            'the prediction is no longer visible to you, so no measurement can be recorded for it'
        }
      ]);
    }
    const p = v.prediction;
    const owner = {
      userId,
      visibility: v.visibility,
      projectId: v.projectId ?? undefined
    };
    const { rows } = await tx.query<{ id: string }>(
      `INSERT INTO experiments (title, protocol, conditions, performed_at, equipment, replicates, owner_id, project_id, visibility)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
      [
        `Verification of ${p.modelName}@${p.modelVersion}: ${p.targetPropertyType} of ${p.subjectName ?? p.smiles ?? p.moleculeId ?? p.mixtureId}`.slice(
          0,
          500
        ),
        [v.plannedExperiment, input.method].filter(t => t !== '').join('\n\n'),
        JSON.stringify({ ...v.conditions, ...input.conditions }),
        input.performedAt ?? null,
        input.equipment,
        input.replicates ?? null,
        userId,
        owner.projectId ?? null,
        owner.visibility
      ]
    );
    const { id } = await recordMeasurement(
      tx,
      {
        propertyType: p.targetPropertyType,
        ...(p.moleculeId ? { moleculeId: p.moleculeId } : { mixtureId: p.mixtureId! }),
        value: input.value,
        unit: input.unit,
        uncertainty: input.uncertainty,
        conditions: input.conditions,
        method: input.method,
        note: input.note,
        experimentId: rows[0].id
      },
      'body.measurement',
      owner
    );
    return id;
  }

  /** Verifications among `ids` visible to `userId`, in that order, as that user sees them. */
  export async function load(
    tx: Queryable,
    userId: string | null,
    ids: string[]
  ): Promise<Verification[]> {
    if (ids.length === 0) {
      return [];
    }
    const { rows } = await tx.query<LoadedRow>(
      `SELECT x.*, app.can_write(x.owner_id, x.project_id, x.visibility) AS writable,
              p.id IS NOT NULL AS p_visible, p.model_version_id AS p_model_version_id,
              p.molecule_id AS p_molecule_id, p.mixture_id AS p_mixture_id,
              p.conditions AS p_conditions, p.value AS p_value, p.lower AS p_lower,
              p.upper AS p_upper, p.interval_level AS p_level, p.novelty AS p_novelty,
              p.in_domain AS p_in_domain,
              t.model_name AS t_model_name, t.model_version AS t_model_version,
              t.property_type AS t_property_type, t.unit AS t_unit,
              coalesce(mol.name, mix.name) AS subject_name, mol.smiles,
              m.id IS NOT NULL AS m_visible, m.value AS m_value, m.unit AS m_unit,
              m.uncertainty AS m_uncertainty, m.method AS m_method, m.conditions AS m_conditions,
              m.experiment_id AS m_experiment_id, m.owner_id AS m_owner_id,
              e.equipment AS e_equipment, e.replicates AS e_replicates, e.performed_at AS e_performed_at
       FROM verifications x
       LEFT JOIN predictions p ON p.id = x.prediction_id
       LEFT JOIN LATERAL app.prediction_target(p.id) t ON true
       LEFT JOIN molecules mol ON mol.id = p.molecule_id
       LEFT JOIN mixtures mix ON mix.id = p.mixture_id
       LEFT JOIN measurements m ON m.id = x.measurement_id
       LEFT JOIN experiments e ON e.id = m.experiment_id
       WHERE x.id = ANY($1::uuid[])`,
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
    const userIds = new Set<string>();
    for (const r of rows) {
      [r.owner_id, r.assignee_id, r.measured_by, r.reviewed_by].forEach(
        id => id && userIds.add(id)
      );
    }
    events.forEach(e => e.actor_id && userIds.add(e.actor_id));
    const { rows: users } = await tx.query<{ id: string; username: string }>(
      'SELECT id, username FROM users WHERE id = ANY($1::uuid[])',
      [[...userIds]]
    );
    const usernames = new Map(users.map(u => [u.id, u.username]));
    const byId = new Map(rows.map(r => [r.id, r]));
    return ids
      .filter(id => byId.has(id))
      .map(id => {
        const r = byId.get(id)!;
        const own = events.filter(e => e.verification_id === id);
        const people: Record<string, string> = {};
        for (const person of [
          r.owner_id,
          r.assignee_id,
          r.measured_by,
          r.reviewed_by,
          ...own.map(e => e.actor_id)
        ]) {
          if (person && usernames.has(person)) {
            people[person] = usernames.get(person)!;
          }
        }
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
          dueOn: Private.dateOnly(r.due_on),
          updatedAt: iso(r.updated_at),
          visibility: r.visibility,
          projectId: r.project_id,
          ownerId: r.owner_id,
          createdAt: iso(r.created_at),
          events: own.map(e => ({
            fromState: e.from_state,
            toState: e.to_state,
            actorId: e.actor_id,
            reason: e.reason,
            at: iso(e.at)
          })),
          allowedActions: allowedActions(r, userId),
          prediction:
            r.p_visible && r.t_model_name !== null
              ? {
                  id: r.prediction_id,
                  modelVersionId: r.p_model_version_id!,
                  modelName: r.t_model_name,
                  modelVersion: r.t_model_version!,
                  targetPropertyType: r.t_property_type!,
                  unit: r.t_unit!,
                  moleculeId: r.p_molecule_id,
                  mixtureId: r.p_mixture_id,
                  subjectName: r.subject_name,
                  smiles: r.smiles,
                  conditions: r.p_conditions ?? {},
                  value: r.p_value!,
                  lower: r.p_lower,
                  upper: r.p_upper,
                  intervalLevel: r.p_level,
                  novelty: r.p_novelty,
                  inDomain: r.p_in_domain
                }
              : null,
          measurement: r.m_visible
            ? {
                id: r.measurement_id!,
                value: r.m_value!,
                unit: r.m_unit!,
                uncertainty: r.m_uncertainty,
                method: r.m_method ?? '',
                conditions: r.m_conditions ?? {},
                experimentId: r.m_experiment_id,
                equipment: r.e_equipment,
                replicates: r.e_replicates,
                performedAt: r.e_performed_at === null ? null : iso(r.e_performed_at),
                ownerId: r.m_owner_id!
              }
            : null,
          people
        };
      });
  }

  /** A date column as YYYY-MM-DD (node-postgres and PGlite give a Date at local midnight). */
  export function dateOnly(value: Date | string | null): string | null {
    if (value === null) {
      return null;
    }
    if (typeof value === 'string') {
      return value.slice(0, 10);
    }
    const pad = (n: number) => String(n).padStart(2, '0');
    return `${value.getFullYear()}-${pad(value.getMonth() + 1)}-${pad(value.getDate())}`;
  }
}
