import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { MoleculeSchema, ProblemSchema, UpdateMoleculeSchema } from '@cryoprotect/kernel';
import { requireScope } from '../http/auth.js';
import { ProblemError, notFound } from '../http/problem.js';
import { findById } from './molecules.js';

const IdParams = z.object({ id: z.string().uuid() });
const problems = {
  400: ProblemSchema,
  401: ProblemSchema,
  403: ProblemSchema,
  404: ProblemSchema,
  409: ProblemSchema,
  422: ProblemSchema
};

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
      const body = request.body;
      return app.db.userTransaction(userId, async tx => {
        const current = await findById(tx, id);
        if (!current) {
          throw notFound(`molecule ${id}`);
        }
        const visibility = body.visibility ?? current.visibility;
        const projectId = body.projectId !== undefined ? body.projectId : current.projectId;
        if (visibility === 'project' && !projectId) {
          throw new ProblemError(
            422,
            'validation',
            'Invalid request',
            'body.projectId: required when visibility is project',
            [{ path: 'body.projectId', message: 'required when visibility is project' }]
          );
        }
        const updated = await tx.query(
          `UPDATE molecules SET name = $2, synonyms = $3, visibility = $4, project_id = $5
           WHERE id = $1 RETURNING id`,
          [
            id,
            body.name !== undefined ? body.name : current.name,
            body.synonyms ?? current.synonyms,
            visibility,
            projectId
          ]
        );
        if (updated.rows.length === 0) {
          throw new ProblemError(
            403,
            'forbidden',
            'Forbidden',
            'only the owner or an editor of its project may change this molecule'
          );
        }
        if (visibility !== current.visibility || projectId !== current.projectId) {
          await tx.query(
            `INSERT INTO audit_log (actor_id, action, entity, entity_id, details)
             VALUES ($1, 'molecule.share', 'molecules', $2, $3)`,
            [
              userId,
              id,
              {
                from: { visibility: current.visibility, projectId: current.projectId },
                to: { visibility, projectId }
              }
            ]
          );
        }
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
        if (!current) {
          throw notFound(`molecule ${id}`);
        }
        const deleted = await tx.query('DELETE FROM molecules WHERE id = $1 RETURNING id', [id]);
        if (deleted.rows.length === 0) {
          throw new ProblemError(
            403,
            'forbidden',
            'Forbidden',
            'only the owner or a project admin may delete this molecule'
          );
        }
        await tx.query(
          `INSERT INTO audit_log (actor_id, action, entity, entity_id, details)
           VALUES ($1, 'molecule.delete', 'molecules', $2, $3)`,
          [userId, id, { inchikey: current.inchikey, name: current.name }]
        );
      });
      return reply.code(204).send(null);
    }
  );
};
