import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  CreateProjectSchema,
  ProjectDetailSchema,
  ProjectMemberSchema,
  ProjectPageSchema,
  ProjectQuerySchema,
  ProjectSchema,
  SetMemberRoleSchema,
  UpdateProjectSchema,
  type Project,
  type ProjectMember,
  type ProjectRole
} from '@cryoprotect/kernel';
import { audit } from '../accounts/accounts.js';
import type { Queryable } from '../db/database.js';
import { requireScope } from '../http/auth.js';
import { LISTS, pageByText } from '../http/pagination.js';
import { ProblemError, notFound } from '../http/problem.js';
import { IdParams, problems } from '../http/route-schemas.js';

const MemberParams = z.object({ id: z.string().uuid(), userId: z.string().uuid() });

namespace Private {
  export interface ProjectRow {
    id: string;
    name: string;
    description: string;
    is_public: boolean;
    created_by: string;
    created_at: Date | string;
    my_role: ProjectRole | null;
  }

  export const COLUMNS = `p.id, p.name, p.description, p.is_public, p.created_by, p.created_at,
    (SELECT m.role FROM project_members m WHERE m.project_id = p.id AND m.user_id = app.current_user_id()) AS my_role`;

  export const toProject = (row: ProjectRow): Project => ({
    id: row.id,
    name: row.name,
    description: row.description,
    isPublic: row.is_public,
    createdBy: row.created_by,
    createdAt: new Date(row.created_at).toISOString(),
    myRole: row.my_role
  });

  /** The project as the caller sees it (RLS), or a 404 that does not reveal whether it exists. */
  export async function visibleProject(tx: Queryable, id: string): Promise<Project> {
    const { rows } = await tx.query<ProjectRow>(
      `SELECT ${COLUMNS} FROM projects p WHERE p.id = $1`,
      [id]
    );
    if (!rows[0]) {
      throw notFound(`project ${id}`);
    }
    return toProject(rows[0]);
  }

  export function requireAdmin(project: Project, what: string): void {
    if (project.myRole !== 'admin') {
      throw new ProblemError(403, 'forbidden', 'Forbidden', `only project admins may ${what}`);
    }
  }

  export async function adminCount(tx: Queryable, projectId: string): Promise<number> {
    const { rows } = await tx.query<{ n: string }>(
      `SELECT count(*) AS n FROM project_members WHERE project_id = $1 AND role = 'admin'`,
      [projectId]
    );
    return Number(rows[0].n);
  }

  export const lastAdmin = (projectId: string): ProblemError =>
    new ProblemError(
      409,
      'last-admin',
      'A project keeps at least one admin',
      `project ${projectId} would have no admin left; make another member admin first`,
      [{ path: 'params.userId', message: 'is the last admin of the project' }]
    );

  export async function member(
    tx: Queryable,
    projectId: string,
    userId: string
  ): Promise<ProjectMember | undefined> {
    const { rows } = await tx.query<{
      user_id: string;
      username: string;
      display_name: string;
      role: ProjectRole;
      added_at: Date | string;
    }>(
      `SELECT m.user_id, u.username, u.display_name, m.role, m.added_at
       FROM project_members m JOIN users u ON u.id = m.user_id
       WHERE m.project_id = $1 AND ($2::uuid IS NULL OR m.user_id = $2)
       ORDER BY u.username`,
      [projectId, userId]
    );
    return rows.map(toMember)[0];
  }

  export async function members(tx: Queryable, projectId: string): Promise<ProjectMember[]> {
    const { rows } = await tx.query<{
      user_id: string;
      username: string;
      display_name: string;
      role: ProjectRole;
      added_at: Date | string;
    }>(
      `SELECT m.user_id, u.username, u.display_name, m.role, m.added_at
       FROM project_members m JOIN users u ON u.id = m.user_id
       WHERE m.project_id = $1 ORDER BY app.role_rank(m.role) DESC, u.username`,
      [projectId]
    );
    return rows.map(toMember);
  }

  function toMember(row: {
    user_id: string;
    username: string;
    display_name: string;
    role: ProjectRole;
    added_at: Date | string;
  }): ProjectMember {
    return {
      userId: row.user_id,
      username: row.username,
      displayName: row.display_name,
      role: row.role,
      addedAt: new Date(row.added_at).toISOString()
    };
  }

  /** The table of the first row still in the project, from a foreign key violation. */
  export function referencingTable(error: { constraint?: string; message: string }): string {
    return (
      /^(\w+?)_project_id_fkey$/.exec(error.constraint ?? '')?.[1] ??
      /on table "(\w+)"\s*$/.exec(error.message)?.[1] ??
      'another table'
    );
  }
}

/** Projects are the unit of sharing: teams whose members read (viewer), write (editor) or manage (admin). */
export const projectsRoutes: FastifyPluginAsync = async fastify => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();

  app.post(
    '/api/projects',
    {
      schema: {
        tags: ['projects'],
        summary: 'Create a project; you become its admin',
        body: CreateProjectSchema,
        response: { 201: ProjectSchema, ...problems }
      }
    },
    async (request, reply) => {
      const userId = requireScope(request, 'write');
      const body = request.body;
      const project = await app.db.userTransaction(userId, async tx => {
        // The creator's admin membership is added by the trigger projects_add_creator (003).
        const { rows } = await tx.query<{ id: string }>(
          'INSERT INTO projects (name, description, is_public, created_by) VALUES ($1, $2, $3, $4) RETURNING id',
          [body.name, body.description, body.isPublic, userId]
        );
        await audit(tx, userId, 'project.create', 'projects', rows[0].id, { name: body.name });
        return Private.visibleProject(tx, rows[0].id);
      });
      return reply.code(201).send(project);
    }
  );

  app.get(
    '/api/projects',
    {
      schema: {
        tags: ['projects'],
        summary: 'Projects visible to you (your own and public ones), by name',
        querystring: ProjectQuerySchema,
        response: { 200: ProjectPageSchema, ...problems }
      }
    },
    async request => {
      const { page, nextCursor } = await app.db.userTransaction(request.actor.userId, tx =>
        pageByText<Private.ProjectRow>(
          tx,
          {
            columns: Private.COLUMNS,
            from: 'projects p',
            id: 'p.id',
            key: 'lower(p.name)',
            list: LISTS.projects
          },
          request.query
        )
      );
      return { items: page.map(Private.toProject), nextCursor };
    }
  );

  app.get(
    '/api/projects/:id',
    {
      schema: {
        tags: ['projects'],
        summary: 'One project with its members and your role',
        params: IdParams,
        response: { 200: ProjectDetailSchema, ...problems }
      }
    },
    async request =>
      app.db.userTransaction(request.actor.userId, async tx => {
        const project = await Private.visibleProject(tx, request.params.id);
        return { ...project, members: await Private.members(tx, project.id) };
      })
  );

  app.patch(
    '/api/projects/:id',
    {
      schema: {
        tags: ['projects'],
        summary: 'Rename, describe or publish a project (project admins)',
        params: IdParams,
        body: UpdateProjectSchema,
        response: { 200: ProjectSchema, ...problems }
      }
    },
    async request => {
      const userId = requireScope(request, 'write');
      const body = request.body;
      return app.db.userTransaction(userId, async tx => {
        const before = await Private.visibleProject(tx, request.params.id);
        Private.requireAdmin(before, 'change the project');
        await tx.query(
          `UPDATE projects SET name = coalesce($2, name), description = coalesce($3, description),
                               is_public = coalesce($4, is_public)
           WHERE id = $1`,
          [before.id, body.name ?? null, body.description ?? null, body.isPublic ?? null]
        );
        if (body.isPublic !== undefined && body.isPublic !== before.isPublic) {
          await audit(tx, userId, 'project.publish', 'projects', before.id, {
            from: before.isPublic,
            to: body.isPublic
          });
        }
        return Private.visibleProject(tx, before.id);
      });
    }
  );

  app.delete(
    '/api/projects/:id',
    {
      schema: {
        tags: ['projects'],
        summary: 'Delete a project that holds no content any more (project admins)',
        params: IdParams,
        response: { 204: z.null(), ...problems }
      }
    },
    async (request, reply) => {
      const userId = requireScope(request, 'write');
      try {
        await app.db.userTransaction(userId, async tx => {
          const project = await Private.visibleProject(tx, request.params.id);
          Private.requireAdmin(project, 'delete the project');
          await audit(tx, userId, 'project.delete', 'projects', project.id, { name: project.name });
          await tx.query('DELETE FROM projects WHERE id = $1', [project.id]);
        });
      } catch (error) {
        const pg = error as { code?: string; constraint?: string; message: string };
        if (pg.code === '23503' || pg.code === '23001') {
          // Content is never deleted with its project (the foreign keys are RESTRICT): records
          // of other members may be private to them, so the admin decides nothing about them.
          throw new ProblemError(
            409,
            'project-in-use',
            'Project still has content',
            `project ${request.params.id} still holds ${Private.referencingTable(pg).replace(/_/g, ' ')} (possibly private to other members); move or delete that content first`
          );
        }
        throw error;
      }
      return reply.code(204).send(null);
    }
  );

  app.put(
    '/api/projects/:id/members/:userId',
    {
      schema: {
        tags: ['projects'],
        summary: "Add a member or change a member's role (project admins)",
        params: MemberParams,
        body: SetMemberRoleSchema,
        response: { 200: ProjectMemberSchema, 201: ProjectMemberSchema, ...problems }
      }
    },
    async (request, reply) => {
      const userId = requireScope(request, 'write');
      const { id, userId: memberId } = request.params;
      const role = request.body.role;
      const { added, member } = await app.db.userTransaction(userId, async tx => {
        const project = await Private.visibleProject(tx, id);
        Private.requireAdmin(project, 'manage members');
        const user = await tx.query<{ deactivated_at: Date | null }>(
          'SELECT deactivated_at FROM users WHERE id = $1',
          [memberId]
        );
        if (!user.rows[0]) {
          throw new ProblemError(
            404,
            'not-found',
            'Not found',
            `params.userId: no user ${memberId}`,
            [{ path: 'params.userId', message: 'no such user' }]
          );
        }
        const previous = await Private.member(tx, id, memberId);
        if (!previous && user.rows[0].deactivated_at !== null) {
          throw new ProblemError(
            409,
            'conflict',
            'Conflict',
            'params.userId: the account is deactivated',
            [{ path: 'params.userId', message: 'the account is deactivated' }]
          );
        }
        if (previous?.role === role) {
          return { added: false, member: previous };
        }
        if (previous?.role === 'admin' && (await Private.adminCount(tx, id)) <= 1) {
          throw Private.lastAdmin(id);
        }
        await tx.query(
          `INSERT INTO project_members (project_id, user_id, role) VALUES ($1, $2, $3)
           ON CONFLICT (project_id, user_id) DO UPDATE SET role = EXCLUDED.role`,
          [id, memberId, role]
        );
        await audit(
          tx,
          userId,
          previous ? 'project.member_role' : 'project.member_add',
          'projects',
          id,
          { userId: memberId, from: previous?.role ?? null, to: role }
        );
        return { added: !previous, member: (await Private.member(tx, id, memberId))! };
      });
      return reply.code(added ? 201 : 200).send(member);
    }
  );

  app.delete(
    '/api/projects/:id/members/:userId',
    {
      schema: {
        tags: ['projects'],
        summary: 'Remove a member (project admins), or leave a project yourself',
        params: MemberParams,
        response: { 204: z.null(), ...problems }
      }
    },
    async (request, reply) => {
      const userId = requireScope(request, 'write');
      const { id, userId: memberId } = request.params;
      await app.db.userTransaction(userId, async tx => {
        const project = await Private.visibleProject(tx, id);
        if (memberId !== userId) {
          Private.requireAdmin(project, 'remove members');
        }
        const previous = await Private.member(tx, id, memberId);
        if (!previous) {
          throw new ProblemError(
            404,
            'not-found',
            'Not found',
            `params.userId: ${memberId} is not a member of project ${id}`,
            [{ path: 'params.userId', message: 'is not a member of the project' }]
          );
        }
        if (previous.role === 'admin' && (await Private.adminCount(tx, id)) <= 1) {
          throw Private.lastAdmin(id);
        }
        await tx.query('DELETE FROM project_members WHERE project_id = $1 AND user_id = $2', [
          id,
          memberId
        ]);
        await audit(tx, userId, 'project.member_remove', 'projects', id, {
          userId: memberId,
          from: previous.role,
          to: null
        });
      });
      return reply.code(204).send(null);
    }
  );
};
