import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { MoleculeSchema, UpdateMoleculeSchema } from '@cryoprotect/kernel';
import { requireScope } from '../http/auth.js';
import { deleteOwned, updateOwned, type OwnedTable } from '../db/owned-records.js';
import { findById } from './molecules.js';
import { IdParams, problems } from '../http/route-schemas.js';

const OWNED: OwnedTable = { table: 'molecules', what: 'molecule', auditSharing: true };

/**
 * Changes to a registered molecule: its names and who may see it. The structure (and so the
 * InChIKey) is its identity and never changes; deletion is refused while anything refers to it.
 */
export const moleculeEditsRoutes: FastifyPluginAsync = async fastify => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();

  app.patch(
    '/api/molecules/:id',
    {
      schema: {
        tags: ['molecules'],
        summary: 'Rename a molecule, edit its synonyms or change its visibility (writers)',
        params: IdParams,
        body: UpdateMoleculeSchema,
        response: { 200: MoleculeSchema, ...problems }
      }
    },
    async request => {
      const userId = requireScope(request, 'write');
      const { id } = request.params;
      const { name, synonyms, visibility, projectId } = request.body;
      const columns: Record<string, unknown> = {};
      if (name !== undefined) {
        columns.name = name;
      }
      if (synonyms !== undefined) {
        columns.synonyms = synonyms;
      }
      return app.db.userTransaction(userId, async tx => {
        await updateOwned(tx, OWNED, id, columns, { visibility, projectId });
        return (await findById(tx, id))!;
      });
    }
  );

  app.delete(
    '/api/molecules/:id',
    {
      schema: {
        tags: ['molecules'],
        summary:
          'Delete a molecule (owner or project admin); refused while mixtures, measurements or predictions use it',
        params: IdParams,
        response: { 204: z.null(), ...problems }
      }
    },
    async (request, reply) => {
      const userId = requireScope(request, 'write');
      const { id } = request.params;
      await app.db.userTransaction(userId, async tx => {
        const current = await findById(tx, id);
        await deleteOwned(
          tx,
          OWNED,
          id,
          userId,
          'mixture components, measurements or predictions use this molecule (some may not be visible to you); it cannot be deleted while they do',
          current ? { inchikey: current.inchikey, name: current.name } : {}
        );
      });
      return reply.code(204).send(null);
    }
  );
};
