import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  ProblemSchema,
  PropertyTypeListSchema,
  PropertyTypeSchema,
  acceptedUnits,
  type PropertyType
} from '@cryoprotect/kernel';
import type { Queryable } from '../db/database.js';
import { notFound } from '../http/problem.js';

export interface PropertyTypeRow {
  id: string;
  key: string;
  name: string;
  canonical_unit: string;
  min_value: number | null;
  max_value: number | null;
  description: string;
}

/** Every property type, by key (they are few and written by migrations only). */
export async function loadPropertyTypes(tx: Queryable): Promise<Map<string, PropertyTypeRow>> {
  const { rows } = await tx.query<PropertyTypeRow>(
    'SELECT id, key, name, canonical_unit, min_value, max_value, description FROM property_types ORDER BY key'
  );
  return new Map(rows.map(r => [r.key, r]));
}

export function toPropertyType(row: PropertyTypeRow): PropertyType {
  return {
    id: row.id,
    key: row.key,
    name: row.name,
    canonicalUnit: row.canonical_unit,
    acceptedUnits: acceptedUnits(row.canonical_unit),
    minValue: row.min_value,
    maxValue: row.max_value,
    description: row.description
  };
}

/** Measured property types: read-only reference data, readable by everyone. */
export const propertyTypesRoutes: FastifyPluginAsync = async fastify => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();

  app.get(
    '/api/property-types',
    {
      schema: {
        tags: ['measurements'],
        summary: 'Measured property types with their canonical and accepted units and ranges',
        response: { 200: PropertyTypeListSchema, 401: ProblemSchema }
      }
    },
    async request => {
      const types = await app.db.userTransaction(request.actor.userId, loadPropertyTypes);
      return { items: [...types.values()].map(toPropertyType), nextCursor: null };
    }
  );

  app.get(
    '/api/property-types/:key',
    {
      schema: {
        tags: ['measurements'],
        summary: 'One property type',
        params: z.object({ key: z.string().max(100) }),
        response: { 200: PropertyTypeSchema, 401: ProblemSchema, 404: ProblemSchema }
      }
    },
    async request => {
      const types = await app.db.userTransaction(request.actor.userId, loadPropertyTypes);
      const found = types.get(request.params.key);
      if (!found) {
        throw notFound(`property type ${request.params.key}`);
      }
      return toPropertyType(found);
    }
  );
};
