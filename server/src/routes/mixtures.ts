import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  CreateMixtureSchema,
  MixtureError,
  MixtureRecordPageSchema,
  MixtureRecordSchema,
  UpdateMixtureSchema,
  composition,
  queryLimit,
  CursorSchema,
  type Mixture,
  type MixtureRecord
} from '@cryoprotect/kernel';
import type { Queryable } from '../db/database.js';
import { requireScope } from '../http/auth.js';
import { LISTS, pageByText } from '../http/pagination.js';
import { deleteOwned, updateOwned, type OwnedTable } from '../db/owned-records.js';
import { ProblemError, notFound, requireProjectForVisibility } from '../http/problem.js';
import { IdParams, problems } from '../http/route-schemas.js';

type ComponentInput = z.infer<typeof CreateMixtureSchema>['components'][number];

interface MoleculeFacts {
  id: string;
  name: string;
  smiles: string;
  molar_mass: number | null;
  density: number | null;
  density_citation: string | null;
}

/** Compositions are reported at 20 degC, where the stored reference densities apply. */
const TEMPERATURE_KELVIN = 293.15;

/**
 * What kernel-lib needs to know of each molecule: molar mass (computed property) and, where a
 * visible measurement gives it, the pure-liquid density at 20 degC with its source.
 */
async function moleculeFacts(tx: Queryable, ids: string[]): Promise<Map<string, MoleculeFacts>> {
  const { rows } = await tx.query<MoleculeFacts>(
    `SELECT m.id, coalesce(m.name, m.inchikey) AS name, m.smiles,
            (SELECT p.value FROM molecule_properties p WHERE p.molecule_id = m.id AND p.name = 'molar_mass'
              ORDER BY p.computed_at DESC LIMIT 1) AS molar_mass,
            d.value AS density, d.citation AS density_citation
     FROM molecules m
     LEFT JOIN LATERAL (
       SELECT me.value, r.citation FROM measurements me
       JOIN property_types t ON t.id = me.property_type_id AND t.key = 'density'
       LEFT JOIN literature_references r ON r.id = me.reference_id
       WHERE me.molecule_id = m.id AND (me.conditions->>'temperatureKelvin')::float8 = $2
       ORDER BY me.created_at LIMIT 1) d ON true
     WHERE m.id = ANY($1::uuid[])`,
    [ids, TEMPERATURE_KELVIN]
  );
  return new Map(rows.map(r => [r.id, r]));
}

/** Canonical composition by kernel-lib; a MixtureError becomes a 422 naming body fields. */
function computeComposition(
  name: string,
  components: ComponentInput[],
  facts: Map<string, MoleculeFacts>
): MixtureRecord['composition'] {
  const mixture: Mixture = {
    name,
    components: components.map(c => {
      const f = facts.get(c.moleculeId)!;
      return {
        molecule: {
          name: f.name,
          smiles: f.smiles,
          molarMass: f.molar_mass ?? Number.NaN,
          ...(f.density !== null
            ? {
                density: {
                  value: f.density,
                  source: f.density_citation ?? 'CryoProtect measurement',
                  temperatureKelvin: TEMPERATURE_KELVIN
                }
              }
            : {})
        },
        amount: c.amount,
        unit: c.unit,
        role: c.role
      };
    })
  };
  let result;
  try {
    result = composition(mixture, { temperatureKelvin: TEMPERATURE_KELVIN });
  } catch (error) {
    if (error instanceof MixtureError) {
      const errors = error.issues.map(issue => ({
        path: `body.${issue.field}`,
        message: issue.message
      }));
      throw new ProblemError(422, 'invalid-mixture', 'Invalid mixture', error.message, errors);
    }
    throw error;
  }
  return {
    temperatureKelvin: result.temperatureKelvin,
    components: result.components.map(c => ({
      moleculeId: components[c.index].moleculeId,
      name: c.name,
      massFraction: c.massFraction,
      moleFraction: c.moleFraction,
      molality: c.molality,
      molarity: c.molarity
    })),
    water: { massFraction: result.water.massFraction, moleFraction: result.water.moleFraction },
    solutionDensity: result.solutionDensity
      ? {
          value: result.solutionDensity.value,
          unit: result.solutionDensity.unit,
          method: result.solutionDensity.method
        }
      : null,
    notes: result.notes
  };
}

interface MixtureRow {
  id: string;
  name: string;
  description: string;
  visibility: MixtureRecord['visibility'];
  project_id: string | null;
  owner_id: string;
  created_at: Date | string;
  sort_name?: string;
}

async function loadMixtures(tx: Queryable, rows: MixtureRow[]): Promise<MixtureRecord[]> {
  if (rows.length === 0) {
    return [];
  }
  const { rows: parts } = await tx.query<
    ComponentInput & { mixture_id: string; molecule_id: string }
  >(
    `SELECT mixture_id, molecule_id, amount, unit, role FROM mixture_components WHERE mixture_id = ANY($1::uuid[]) ORDER BY molecule_id`,
    [rows.map(r => r.id)]
  );
  const facts = await moleculeFacts(tx, [...new Set(parts.map(p => p.molecule_id))]);
  return rows.map(row => {
    const components = parts
      .filter(p => p.mixture_id === row.id)
      .map(p => ({ moleculeId: p.molecule_id, amount: p.amount, unit: p.unit, role: p.role }));
    return {
      id: row.id,
      name: row.name,
      description: row.description,
      visibility: row.visibility,
      projectId: row.project_id,
      ownerId: row.owner_id,
      createdAt: new Date(row.created_at).toISOString(),
      components: components.map(c => ({
        ...c,
        name: facts.get(c.moleculeId)?.name ?? '',
        smiles: facts.get(c.moleculeId)?.smiles ?? ''
      })),
      composition: computeComposition(row.name, components, facts)
    };
  });
}

const OWNED: OwnedTable = { table: 'mixtures', what: 'mixture', auditSharing: true };
const COLUMNS = 'x.id, x.name, x.description, x.visibility, x.project_id, x.owner_id, x.created_at';

/** Mixtures: components of registered molecules (water is the balance), validated by kernel-lib. */
export const mixturesRoutes: FastifyPluginAsync = async fastify => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();

  app.post(
    '/api/mixtures',
    {
      schema: {
        tags: ['mixtures'],
        summary: 'Create a mixture; its canonical composition is computed and returned',
        body: CreateMixtureSchema,
        response: { 201: MixtureRecordSchema, ...problems }
      }
    },
    async (request, reply) => {
      const userId = requireScope(request, 'write');
      const body = request.body;
      requireProjectForVisibility(body);
      const created = await app.db.userTransaction(userId, async tx => {
        const facts = await moleculeFacts(
          tx,
          body.components.map(c => c.moleculeId)
        );
        const unknown = body.components
          .map((c, i) => ({ c, i }))
          .filter(({ c }) => !facts.has(c.moleculeId))
          .map(({ c, i }) => ({
            path: `body.components[${i}].moleculeId`,
            message: `molecule ${c.moleculeId} does not exist or is not visible to you`
          }));
        if (unknown.length > 0) {
          throw new ProblemError(
            422,
            'unknown-molecule',
            'Unknown molecule',
            unknown.map(u => `${u.path}: ${u.message}`).join('; '),
            unknown
          );
        }
        // Validates amounts, totals, duplicates and the densities the units need, before writing.
        computeComposition(body.name, body.components, facts);
        const { rows } = await tx.query<{ id: string }>(
          `INSERT INTO mixtures (name, description, owner_id, project_id, visibility) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
          [body.name, body.description, userId, body.projectId ?? null, body.visibility]
        );
        for (const c of body.components) {
          await tx.query(
            `INSERT INTO mixture_components (mixture_id, molecule_id, amount, unit, role) VALUES ($1, $2, $3, $4, $5)`,
            [rows[0].id, c.moleculeId, c.amount, c.unit, c.role]
          );
        }
        const stored = await tx.query<MixtureRow>(
          `SELECT ${COLUMNS} FROM mixtures x WHERE x.id = $1`,
          [rows[0].id]
        );
        return (await loadMixtures(tx, stored.rows))[0];
      });
      return reply.code(201).send(created);
    }
  );

  app.get(
    '/api/mixtures/:id',
    {
      schema: {
        tags: ['mixtures'],
        summary: 'One mixture with its composition',
        params: IdParams,
        response: { 200: MixtureRecordSchema, ...problems }
      }
    },
    async request => {
      const [mixture] = await app.db.userTransaction(request.actor.userId, async tx =>
        loadMixtures(
          tx,
          (
            await tx.query<MixtureRow>(`SELECT ${COLUMNS} FROM mixtures x WHERE x.id = $1`, [
              request.params.id
            ])
          ).rows
        )
      );
      if (!mixture) {
        throw notFound(`mixture ${request.params.id}`);
      }
      return mixture;
    }
  );

  app.get(
    '/api/mixtures',
    {
      schema: {
        tags: ['mixtures'],
        summary: 'Mixtures visible to you, by name',
        querystring: z.object({
          q: z.string().max(200).optional(),
          limit: queryLimit(200, 50),
          cursor: CursorSchema.optional()
        }),
        response: { 200: MixtureRecordPageSchema, ...problems }
      }
    },
    async request => {
      return app.db.userTransaction(request.actor.userId, async tx => {
        const { page, nextCursor } = await pageByText<MixtureRow>(
          tx,
          {
            columns: COLUMNS,
            from: 'mixtures x',
            id: 'x.id',
            key: 'lower(x.name)',
            list: LISTS.mixtures
          },
          request.query
        );
        return { items: await loadMixtures(tx, page), nextCursor };
      });
    }
  );

  app.delete(
    '/api/mixtures/:id',
    {
      schema: {
        tags: ['mixtures'],
        summary: 'Delete a mixture (owner or project admin)',
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
          'measurements or predictions refer to this mixture (some may not be visible to you); it cannot be deleted while they do'
        )
      );
      return reply.code(204).send(null);
    }
  );

  app.patch(
    '/api/mixtures/:id',
    {
      schema: {
        tags: ['mixtures'],
        summary: 'Rename, describe or share a mixture (writers); its components never change',
        params: IdParams,
        body: UpdateMixtureSchema,
        response: { 200: MixtureRecordSchema, ...problems }
      }
    },
    async request => {
      const userId = requireScope(request, 'write');
      const { id } = request.params;
      const { name, description, visibility, projectId } = request.body;
      const columns: Record<string, unknown> = {};
      if (name !== undefined) {
        columns.name = name;
      }
      if (description !== undefined) {
        columns.description = description;
      }
      return app.db.userTransaction(userId, async tx => {
        await updateOwned(tx, OWNED, id, columns, { visibility, projectId });
        const stored = await tx.query<MixtureRow>(
          `SELECT ${COLUMNS} FROM mixtures x WHERE x.id = $1`,
          [id]
        );
        return (await loadMixtures(tx, stored.rows))[0];
      });
    }
  );
};
