import { createHash } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  BatchMeasurementReportSchema,
  BatchMeasurementRowSchema,
  BatchMeasurementsSchema,
  CreateMeasurementSchema,
  MeasurementPageSchema,
  MeasurementQuerySchema,
  MeasurementSchema,
  SavedMeasurementSchema,
  UpdateMeasurementSchema,
  acceptedUnits,
  toCanonicalUnit,
  type BatchMeasurementReport,
  type Measurement,
  type UnitConversionReport
} from '@cryoprotect/kernel';
import type { Queryable } from '../db/database.js';
import { deleteOwned, updateOwned, type OwnedTable } from '../db/owned-records.js';
import { requireScope } from '../http/auth.js';
import { Cursor, LISTS } from '../http/pagination.js';
import { ProblemError, notFound, requireProjectForVisibility } from '../http/problem.js';
import { loadPropertyTypes, type PropertyTypeRow } from './property-types.js';
import { IdParams, problems } from '../http/route-schemas.js';

type FieldError = { path: string; message: string };
/** A single measurement or a batch row (which may name its molecule by InChIKey). */
type MeasurementInput = z.infer<typeof BatchMeasurementRowSchema>;
type Filters = z.infer<typeof MeasurementQuerySchema>;

interface MeasurementRow {
  id: string;
  property_type: string;
  unit: string;
  molecule_id: string | null;
  mixture_id: string | null;
  value: number;
  uncertainty: number | null;
  conditions: Record<string, unknown>;
  method: string;
  note: string;
  reference_id: string | null;
  experiment_id: string | null;
  verified: boolean;
  visibility: Measurement['visibility'];
  project_id: string | null;
  owner_id: string;
  created_at: Date | string;
  sort_name: string;
}

/** A validated row, ready to insert: value in the canonical unit, every id visible. */
interface ResolvedMeasurement {
  type: PropertyTypeRow;
  value: number;
  uncertainty: number | null;
  conversion: UnitConversionReport | null;
  moleculeId: string | null;
  mixtureId: string | null;
  referenceId: string | null;
  experimentId: string | null;
}

const OWNED: OwnedTable = { table: 'measurements', what: 'measurement' };
// Created-at with microseconds in UTC: a cursor key that sorts as the timestamp does.
const SELECT = `
  SELECT x.id, t.key AS property_type, x.unit, x.molecule_id, x.mixture_id, x.value, x.uncertainty,
         x.conditions, x.method, x.note, x.reference_id, x.experiment_id, x.verified, x.visibility,
         x.project_id, x.owner_id, x.created_at,
         to_char(x.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS sort_name
  FROM measurements x JOIN property_types t ON t.id = x.property_type_id`;

namespace Private {
  export function toMeasurement(row: MeasurementRow): Measurement {
    return {
      id: row.id,
      propertyType: row.property_type,
      unit: row.unit,
      moleculeId: row.molecule_id,
      mixtureId: row.mixture_id,
      value: row.value,
      uncertainty: row.uncertainty,
      conditions: row.conditions,
      method: row.method,
      note: row.note,
      referenceId: row.reference_id,
      experimentId: row.experiment_id,
      verified: row.verified,
      visibility: row.visibility,
      projectId: row.project_id,
      ownerId: row.owner_id,
      createdAt: new Date(row.created_at).toISOString()
    };
  }

  export async function find(tx: Queryable, id: string): Promise<Measurement> {
    const { rows } = await tx.query<MeasurementRow>(`${SELECT} WHERE x.id = $1`, [id]);
    if (!rows[0]) {
      throw notFound(`measurement ${id}`);
    }
    return toMeasurement(rows[0]);
  }

  /** The ids (and InChIKeys) the rows name that the caller can see, looked up once per table. */
  export async function visibleRecords(tx: Queryable, rows: MeasurementInput[]) {
    const ids = (pick: (r: MeasurementInput) => string | undefined) => [
      ...new Set(rows.map(pick).filter((v): v is string => v !== undefined))
    ];
    const set = async (table: string, values: string[]) =>
      values.length === 0
        ? new Set<string>()
        : new Set(
            (
              await tx.query<{ id: string }>(`SELECT id FROM ${table} WHERE id = ANY($1::uuid[])`, [
                values
              ])
            ).rows.map(r => r.id)
          );
    const inchikeys = ids(r => r.inchikey);
    const byInchikey = new Map(
      inchikeys.length === 0
        ? []
        : (
            await tx.query<{ id: string; inchikey: string }>(
              'SELECT id, inchikey FROM molecules WHERE inchikey = ANY($1::text[])',
              [inchikeys]
            )
          ).rows.map(r => [r.inchikey, r.id] as const)
    );
    return {
      molecules: await set(
        'molecules',
        ids(r => r.moleculeId)
      ),
      byInchikey,
      mixtures: await set(
        'mixtures',
        ids(r => r.mixtureId)
      ),
      references: await set(
        'literature_references',
        ids(r => r.referenceId)
      ),
      experiments: await set(
        'experiments',
        ids(r => r.experimentId)
      )
    };
  }

  export function rangeText(type: PropertyTypeRow): string {
    return `${type.min_value ?? '-infinity'} to ${type.max_value ?? 'infinity'} ${type.canonical_unit}`;
  }

  /**
   * The unit check, the exact conversion to the canonical unit and the property's physical
   * range (the database trigger checks the range again).
   */
  export function convertValue(
    type: PropertyTypeRow,
    at: string,
    unit: string,
    value: number | undefined,
    uncertainty: number | null | undefined
  ): {
    errors: FieldError[];
    value?: number;
    uncertainty?: number | null;
    conversion: UnitConversionReport | null;
  } {
    const converted = toCanonicalUnit(type.canonical_unit, unit, value ?? 0, uncertainty ?? null);
    if (!converted) {
      return {
        errors: [
          {
            path: `${at}.unit`,
            message: `${type.key} is stored in ${type.canonical_unit}; "${unit}" is not accepted (accepted units: ${acceptedUnits(type.canonical_unit).join(', ')})`
          }
        ],
        conversion: null
      };
    }
    const errors: FieldError[] = [];
    if (value !== undefined) {
      const v = converted.value;
      if (!Number.isFinite(v)) {
        errors.push({
          path: `${at}.value`,
          message: `${value} ${unit} is not a finite number in ${type.canonical_unit}`
        });
      } else if (
        (type.min_value !== null && v < type.min_value) ||
        (type.max_value !== null && v > type.max_value)
      ) {
        const shown = converted.conversion
          ? `${value} ${unit} (${v} ${type.canonical_unit})`
          : `${v} ${type.canonical_unit}`;
        errors.push({
          path: `${at}.value`,
          message: `${shown} is outside the range of ${type.name} (${rangeText(type)})`
        });
      }
    }
    if (converted.uncertainty !== null && !Number.isFinite(converted.uncertainty)) {
      errors.push({
        path: `${at}.uncertainty`,
        message: 'not a finite number in the canonical unit'
      });
    }
    return {
      errors,
      value: value === undefined ? undefined : converted.value,
      uncertainty: uncertainty === undefined ? undefined : converted.uncertainty,
      conversion: converted.conversion
        ? {
            fromValue: value ?? converted.value,
            fromUnit: unit,
            fromUncertainty: uncertainty ?? null,
            toUnit: type.canonical_unit,
            rule: converted.conversion.rule
          }
        : null
    };
  }

  /** Every problem of one row, each with its field path under `at` ("body", "body.rows[3]"). */
  export function resolve(
    input: MeasurementInput,
    at: string,
    types: Map<string, PropertyTypeRow>,
    visible: Awaited<ReturnType<typeof visibleRecords>>
  ): { errors: FieldError[]; resolved?: ResolvedMeasurement } {
    const errors: FieldError[] = [];
    const type = types.get(input.propertyType);
    let converted: ReturnType<typeof convertValue> | undefined;
    if (!type) {
      errors.push({
        path: `${at}.propertyType`,
        message: `unknown property type "${input.propertyType}" (known: ${[...types.keys()].join(', ')})`
      });
    } else {
      converted = convertValue(type, at, input.unit, input.value, input.uncertainty);
      errors.push(...converted.errors);
    }

    const subjects = (['moleculeId', 'inchikey', 'mixtureId'] as const).filter(
      f => input[f] !== undefined
    );
    let moleculeId: string | null = null;
    if (subjects.length !== 1) {
      const message =
        subjects.length === 0
          ? 'a measurement is of one molecule or one mixture: give moleculeId or mixtureId'
          : `a measurement is of one molecule or one mixture: give only one of ${subjects.join(', ')}`;
      const fields = subjects.length === 0 ? ['moleculeId', 'mixtureId'] : subjects;
      errors.push(...fields.map(f => ({ path: `${at}.${f}`, message })));
    } else if (input.moleculeId !== undefined) {
      if (visible.molecules.has(input.moleculeId)) {
        moleculeId = input.moleculeId;
      } else {
        errors.push({
          path: `${at}.moleculeId`,
          message: `molecule ${input.moleculeId} does not exist or is not visible to you`
        });
      }
    } else if (input.inchikey !== undefined) {
      moleculeId = visible.byInchikey.get(input.inchikey) ?? null;
      if (!moleculeId) {
        errors.push({
          path: `${at}.inchikey`,
          message: `no molecule visible to you has InChIKey ${input.inchikey}; register it first`
        });
      }
    } else if (input.mixtureId !== undefined && !visible.mixtures.has(input.mixtureId)) {
      errors.push({
        path: `${at}.mixtureId`,
        message: `mixture ${input.mixtureId} does not exist or is not visible to you`
      });
    }

    if (input.referenceId === undefined && input.experimentId === undefined) {
      const message = 'a measurement needs its provenance: give referenceId, experimentId or both';
      errors.push({ path: `${at}.referenceId`, message }, { path: `${at}.experimentId`, message });
    }
    if (input.referenceId !== undefined && !visible.references.has(input.referenceId)) {
      errors.push({
        path: `${at}.referenceId`,
        message: `reference ${input.referenceId} does not exist or is not visible to you`
      });
    }
    if (input.experimentId !== undefined && !visible.experiments.has(input.experimentId)) {
      errors.push({
        path: `${at}.experimentId`,
        message: `experiment ${input.experimentId} does not exist or is not visible to you`
      });
    }
    if (errors.length > 0 || !type || !converted) {
      return { errors };
    }
    return {
      errors,
      resolved: {
        type,
        value: converted.value!,
        uncertainty: converted.uncertainty ?? null,
        conversion: converted.conversion,
        moleculeId,
        mixtureId: input.mixtureId ?? null,
        referenceId: input.referenceId ?? null,
        experimentId: input.experimentId ?? null
      }
    };
  }

  export function invalid(errors: FieldError[], detail?: string): ProblemError {
    return new ProblemError(
      422,
      'invalid-measurement',
      'Invalid measurement',
      detail ?? errors.map(e => `${e.path}: ${e.message}`).join('; '),
      errors
    );
  }

  export async function insert(
    tx: Queryable,
    m: ResolvedMeasurement,
    input: MeasurementInput,
    owner: { userId: string; visibility: string; projectId?: string }
  ): Promise<string> {
    const { rows } = await tx.query<{ id: string }>(
      `INSERT INTO measurements (property_type_id, unit, molecule_id, mixture_id, value, uncertainty, conditions,
         method, note, reference_id, experiment_id, owner_id, project_id, visibility)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id`,
      [
        m.type.id,
        m.type.canonical_unit,
        m.moleculeId,
        m.mixtureId,
        m.value,
        m.uncertainty,
        JSON.stringify(input.conditions),
        input.method,
        input.note,
        m.referenceId,
        m.experimentId,
        owner.userId,
        owner.projectId ?? null,
        owner.visibility
      ]
    );
    return rows[0].id;
  }

  /** One keyset page of visible measurements, oldest first. */
  export async function list(
    tx: Queryable,
    filters: Filters
  ): Promise<{ items: Measurement[]; nextCursor: string | null }> {
    const types = await loadPropertyTypes(tx);
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (filters.propertyType !== undefined) {
      const type = types.get(filters.propertyType);
      if (!type) {
        throw invalid([
          {
            path: 'querystring.propertyType',
            message: `unknown property type "${filters.propertyType}" (known: ${[...types.keys()].join(', ')})`
          }
        ]);
      }
      add('x.property_type_id = ?', type.id);
    } else {
      for (const bound of ['minValue', 'maxValue'] as const) {
        if (filters[bound] !== undefined) {
          throw invalid([
            {
              path: `querystring.${bound}`,
              message: 'needs propertyType: different properties are in different units'
            }
          ]);
        }
      }
    }
    if (filters.moleculeId !== undefined) {
      add('x.molecule_id = ?', filters.moleculeId);
    }
    if (filters.mixtureId !== undefined) {
      add('x.mixture_id = ?', filters.mixtureId);
    }
    if (filters.referenceId !== undefined) {
      add('x.reference_id = ?', filters.referenceId);
    }
    if (filters.experimentId !== undefined) {
      add('x.experiment_id = ?', filters.experimentId);
    }
    if (filters.verified !== undefined) {
      add('x.verified = ?', filters.verified === 'true');
    }
    if (filters.minValue !== undefined) {
      add('x.value >= ?', filters.minValue);
    }
    if (filters.maxValue !== undefined) {
      add('x.value <= ?', filters.maxValue);
    }
    if (filters.cursor !== undefined) {
      const [at, id] = Cursor.decode(filters.cursor, LISTS.measurements);
      params.push(at, id);
      where.push(
        `(x.created_at, x.id) > ($${params.length - 1}::timestamptz, $${params.length}::uuid)`
      );
    }
    params.push(filters.limit + 1);
    const { rows } = await tx.query<MeasurementRow>(
      `${SELECT} ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY x.created_at, x.id LIMIT $${params.length}`,
      params
    );
    const page = rows.slice(0, filters.limit);
    const last = page[page.length - 1];
    return {
      items: page.map(toMeasurement),
      nextCursor:
        rows.length > filters.limit && last
          ? Cursor.encode(LISTS.measurements, last.sort_name, last.id)
          : null
    };
  }

  export function idempotencyKey(header: unknown): string | undefined {
    if (
      header !== undefined &&
      (typeof header !== 'string' || header.length < 8 || header.length > 200)
    ) {
      throw new ProblemError(
        400,
        'validation',
        'Invalid request',
        'headers.idempotency-key: must be 8 to 200 characters',
        [{ path: 'headers.idempotency-key', message: 'must be 8 to 200 characters' }]
      );
    }
    return header as string | undefined;
  }
}

/**
 * Record one measurement as `owner.userId` in the caller's transaction, with every check of
 * POST /api/measurements (property type, unit and its exact conversion, physical range, visible
 * subject and provenance); problems are a 422 with their paths under `at`.
 */
export async function recordMeasurement(
  tx: Queryable,
  input: MeasurementInput,
  at: string,
  owner: { userId: string; visibility: string; projectId?: string }
): Promise<{ id: string; conversion: UnitConversionReport | null }> {
  const types = await loadPropertyTypes(tx);
  const visible = await Private.visibleRecords(tx, [input]);
  const { errors, resolved } = Private.resolve(input, at, types, visible);
  if (!resolved) {
    throw Private.invalid(errors);
  }
  const id = await Private.insert(tx, resolved, input, owner);
  return { id, conversion: resolved.conversion };
}

/**
 * Measurements: a measured value of one molecule or mixture, stored in its property type's
 * canonical unit, with a literature reference and/or an experiment as provenance.
 */
export const measurementsRoutes: FastifyPluginAsync = async fastify => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();

  app.post(
    '/api/measurements',
    {
      schema: {
        tags: ['measurements'],
        summary:
          'Record a measurement; a value in a convertible unit is converted to the canonical unit and the answer says how',
        body: CreateMeasurementSchema,
        response: { 201: SavedMeasurementSchema, ...problems }
      }
    },
    async (request, reply) => {
      const userId = requireScope(request, 'write');
      const body = request.body;
      requireProjectForVisibility(body);
      const saved = await app.db.userTransaction(userId, async tx => {
        const { id, conversion } = await recordMeasurement(tx, body, 'body', {
          userId,
          visibility: body.visibility,
          projectId: body.projectId
        });
        return { ...(await Private.find(tx, id)), conversion };
      });
      return reply.code(201).send(saved);
    }
  );

  app.post(
    '/api/measurements/batch',
    {
      schema: {
        tags: ['measurements'],
        summary:
          'Import many measurements: dry run with a row-by-row report, then one all-or-nothing transaction (Idempotency-Key supported)',
        body: BatchMeasurementsSchema,
        response: {
          200: BatchMeasurementReportSchema,
          201: BatchMeasurementReportSchema,
          ...problems
        }
      }
    },
    async (request, reply) => {
      const userId = requireScope(request, 'write');
      const body = request.body;
      const key = Private.idempotencyKey(request.headers['idempotency-key']);
      requireProjectForVisibility(body);
      // The route is part of the hash: a key used for a molecule batch cannot replay here.
      const requestHash = createHash('sha256')
        .update('POST /api/measurements/batch\n')
        .update(JSON.stringify(body))
        .digest('hex');
      const outcome = await app.db.userTransaction(userId, async tx => {
        if (key !== undefined) {
          const stored = await tx.query<{
            request_hash: string;
            status: number;
            response: BatchMeasurementReport;
          }>(
            'SELECT request_hash, status, response FROM idempotency_keys WHERE user_id = $1 AND key = $2',
            [userId, key]
          );
          if (stored.rows[0]) {
            if (stored.rows[0].request_hash !== requestHash) {
              throw new ProblemError(
                422,
                'idempotency-key-reused',
                'Idempotency key reused',
                'this Idempotency-Key was used for a different request; use a new key for a new batch'
              );
            }
            return {
              status: stored.rows[0].status,
              report: stored.rows[0].response,
              replayed: true
            };
          }
        }
        const types = await loadPropertyTypes(tx);
        const visible = await Private.visibleRecords(tx, body.rows);
        const checked = body.rows.map((row, i) =>
          Private.resolve(row, `body.rows[${i}]`, types, visible)
        );
        const rows: BatchMeasurementReport['rows'] = checked.map(({ errors, resolved }, i) => ({
          row: i,
          outcome: resolved ? 'valid' : 'invalid',
          measurementId: null,
          moleculeId: resolved?.moleculeId ?? null,
          mixtureId: resolved?.mixtureId ?? null,
          value: resolved?.value ?? null,
          unit: resolved?.type.canonical_unit ?? null,
          conversion: resolved?.conversion ?? null,
          errors
        }));
        const invalidRows = rows.filter(r => r.outcome === 'invalid').length;
        const counts = { valid: rows.length - invalidRows, invalid: invalidRows };
        if (body.dryRun) {
          return {
            status: 200,
            report: { dryRun: true, written: false, counts, rows },
            replayed: false
          };
        }
        if (invalidRows > 0) {
          throw Private.invalid(
            rows.flatMap(r => r.errors),
            `${invalidRows} of ${rows.length} rows are invalid, so nothing was written; fix them or run a dry run for the full report`
          );
        }
        for (const [i, row] of rows.entries()) {
          row.measurementId = await Private.insert(tx, checked[i].resolved!, body.rows[i], {
            userId,
            visibility: body.visibility,
            projectId: body.projectId
          });
        }
        const report: BatchMeasurementReport = { dryRun: false, written: true, counts, rows };
        if (key !== undefined) {
          await tx.query(
            'INSERT INTO idempotency_keys (user_id, key, request_hash, status, response) VALUES ($1, $2, $3, 201, $4)',
            [userId, key, requestHash, JSON.stringify(report)]
          );
        }
        return { status: 201, report, replayed: false };
      });
      if (outcome.replayed) {
        reply.header('idempotent-replayed', 'true');
      }
      return reply.code(outcome.status as 200 | 201).send(outcome.report);
    }
  );

  app.get(
    '/api/measurements/:id',
    {
      schema: {
        tags: ['measurements'],
        summary: 'One measurement',
        params: IdParams,
        response: { 200: MeasurementSchema, ...problems }
      }
    },
    async request =>
      app.db.userTransaction(request.actor.userId, tx => Private.find(tx, request.params.id))
  );

  app.get(
    '/api/measurements',
    {
      schema: {
        tags: ['measurements'],
        summary:
          'Measurements visible to you, oldest first, filtered by property, subject, provenance and value',
        querystring: MeasurementQuerySchema,
        response: { 200: MeasurementPageSchema, ...problems }
      }
    },
    async request =>
      app.db.userTransaction(request.actor.userId, tx => Private.list(tx, request.query))
  );

  app.get(
    '/api/molecules/:id/measurements',
    {
      schema: {
        tags: ['measurements'],
        summary: 'Measurements of one molecule visible to you',
        params: IdParams,
        querystring: MeasurementQuerySchema.pick({ propertyType: true, limit: true, cursor: true }),
        response: { 200: MeasurementPageSchema, ...problems }
      }
    },
    async request =>
      app.db.userTransaction(request.actor.userId, async tx => {
        const molecule = await tx.query('SELECT 1 FROM molecules WHERE id = $1', [
          request.params.id
        ]);
        if (molecule.rows.length === 0) {
          throw notFound(`molecule ${request.params.id}`);
        }
        return Private.list(tx, { ...request.query, moleculeId: request.params.id });
      })
  );

  app.patch(
    '/api/measurements/:id',
    {
      schema: {
        tags: ['measurements'],
        summary:
          'Change a measurement (owner or project editor); value and uncertainty in unit, the canonical unit by default',
        params: IdParams,
        body: UpdateMeasurementSchema,
        response: { 200: SavedMeasurementSchema, ...problems }
      }
    },
    async request => {
      const userId = requireScope(request, 'write');
      const { value, unit, uncertainty, conditions, method, note, visibility, projectId } =
        request.body;
      return app.db.userTransaction(userId, async tx => {
        const current = await Private.find(tx, request.params.id);
        const type = (await loadPropertyTypes(tx)).get(current.propertyType)!;
        const converted = Private.convertValue(
          type,
          'body',
          unit ?? type.canonical_unit,
          value,
          uncertainty
        );
        if (converted.errors.length > 0) {
          throw Private.invalid(converted.errors);
        }
        const columns: Record<string, unknown> = {};
        if (converted.value !== undefined) {
          columns.value = converted.value;
        }
        if (converted.uncertainty !== undefined) {
          columns.uncertainty = converted.uncertainty;
        }
        if (conditions !== undefined) {
          columns.conditions = JSON.stringify(conditions);
        }
        if (method !== undefined) {
          columns.method = method;
        }
        if (note !== undefined) {
          columns.note = note;
        }
        await updateOwned(tx, OWNED, request.params.id, columns, { visibility, projectId });
        const conversion =
          value !== undefined || (uncertainty !== undefined && uncertainty !== null)
            ? converted.conversion
            : null;
        return { ...(await Private.find(tx, request.params.id)), conversion };
      });
    }
  );

  app.delete(
    '/api/measurements/:id',
    {
      schema: {
        tags: ['measurements'],
        summary:
          'Delete a measurement (owner or project admin); refused while a verification refers to it',
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
          'a verification refers to this measurement (it may not be visible to you); the measurement is part of that record and cannot be deleted'
        )
      );
      return reply.code(204).send(null);
    }
  );
};
