import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import type { Database } from '../db/database.js';
import { createUserWithToken } from './users.js';

export interface User {
  id: string;
  token: string;
}

/** A project and the people around it: the cast of every visibility test (tests only). */
export interface ProjectCast {
  projectId: string;
  /** Creates the rows; an editor of the project. */
  owner: User;
  viewer: User;
  editor: User;
  /** Created the project, so its admin. */
  admin: User;
  /** Signed in, not a member. */
  outsider: User;
}

export async function createProjectCast(db: Database, prefix: string): Promise<ProjectCast> {
  const [owner, viewer, editor, admin, outsider] = await Promise.all(
    ['owner', 'viewer', 'editor', 'admin', 'outsider'].map(role =>
      createUserWithToken(db, `${prefix}-${role}`)
    )
  );
  const projectId = await db.serviceTransaction(async tx => {
    const { rows } = await tx.query<{ id: string }>(
      `INSERT INTO projects (name, created_by) VALUES ($1, $2) RETURNING id`,
      [`${prefix} lab`, admin.id]
    );
    await tx.query(
      `INSERT INTO project_members (project_id, user_id, role) VALUES ($1, $2, 'editor'), ($1, $3, 'viewer'), ($1, $4, 'editor')`,
      [rows[0].id, owner.id, viewer.id, editor.id]
    );
    return rows[0].id;
  });
  return { projectId, owner, viewer, editor, admin, outsider };
}

type Actor = 'owner' | 'viewer' | 'editor' | 'admin' | 'outsider' | 'anonymous';
type Visibility = 'private' | 'project' | 'public';
const ACTORS: Actor[] = ['owner', 'viewer', 'editor', 'admin', 'outsider', 'anonymous'];
const VISIBILITIES: Visibility[] = ['private', 'project', 'public'];

/** What each actor gets for a row of each visibility (status codes; list: "listed"/"absent"). */
const EXPECTED = {
  read: {
    private: { owner: 200, viewer: 404, editor: 404, admin: 404, outsider: 404, anonymous: 404 },
    project: { owner: 200, viewer: 200, editor: 200, admin: 200, outsider: 404, anonymous: 404 },
    public: { owner: 200, viewer: 200, editor: 200, admin: 200, outsider: 200, anonymous: 200 }
  },
  update: {
    private: { owner: 200, viewer: 404, editor: 404, admin: 404, outsider: 404, anonymous: 401 },
    project: { owner: 200, viewer: 403, editor: 200, admin: 200, outsider: 404, anonymous: 401 },
    // A public row belongs to no project: only its owner changes it.
    public: { owner: 200, viewer: 403, editor: 403, admin: 403, outsider: 403, anonymous: 401 }
  },
  // Deleters come last, after every refusal: the project admin deletes the project row, the
  // owner the others (only project rows belong to the project).
  delete: {
    private: { viewer: 404, editor: 404, admin: 404, outsider: 404, anonymous: 401, owner: 204 },
    project: { viewer: 403, editor: 403, outsider: 404, anonymous: 401, admin: 204 },
    public: { viewer: 403, editor: 403, admin: 403, outsider: 403, anonymous: 401, owner: 204 }
  }
} as const;

/**
 * The visibility matrix of one resource: owner / project viewer / project editor / project admin
 * / outsider / anonymous against private / project / public rows, for read, list, update and
 * delete. Whole matrices are compared, so a failure shows every cell that differs.
 */
export async function assertVisibilityMatrix(
  app: FastifyInstance,
  cast: ProjectCast,
  resource: {
    /** e.g. /api/references */
    path: string;
    /** Create a row as the owner; returns its id. */
    create(visibility: Visibility, projectId: string | undefined): Promise<string>;
    /** A harmless PATCH body. */
    patch: object;
    /** Extra list query restricting the listing (e.g. a molecule filter), with a leading &. */
    listQuery?: string;
  }
): Promise<void> {
  const headers = (actor: Actor) =>
    actor === 'anonymous' ? {} : { authorization: `Bearer ${cast[actor].token}` };
  const ids = {} as Record<Visibility, string>;
  for (const v of VISIBILITIES) {
    ids[v] = await resource.create(v, v === 'project' ? cast.projectId : undefined);
  }

  const read: Record<string, Record<string, number>> = {};
  const listed: Record<string, Record<string, number>> = {};
  for (const v of VISIBILITIES) {
    read[v] = {};
    listed[v] = {};
  }
  for (const actor of ACTORS) {
    const seen = new Set<string>();
    let cursor: string | null = null;
    do {
      const url: string = `${resource.path}?limit=200${resource.listQuery ?? ''}${cursor ? `&cursor=${cursor}` : ''}`;
      const page = await app.inject({ method: 'GET', url, headers: headers(actor) });
      assert.equal(page.statusCode, 200, page.body);
      page.json().items.forEach((item: { id: string }) => seen.add(item.id));
      cursor = page.json().nextCursor;
    } while (cursor);
    for (const v of VISIBILITIES) {
      const one = await app.inject({
        method: 'GET',
        url: `${resource.path}/${ids[v]}`,
        headers: headers(actor)
      });
      read[v][actor] = one.statusCode;
      // A row is listed exactly when it can be read.
      listed[v][actor] = seen.has(ids[v]) ? 200 : 404;
    }
  }
  assert.deepEqual(read, EXPECTED.read, 'read');
  assert.deepEqual(listed, EXPECTED.read, 'list');

  const update: Record<string, Record<string, number>> = {};
  for (const v of VISIBILITIES) {
    update[v] = {};
    for (const actor of ACTORS) {
      const response = await app.inject({
        method: 'PATCH',
        url: `${resource.path}/${ids[v]}`,
        headers: headers(actor),
        payload: resource.patch
      });
      update[v][actor] = response.statusCode;
    }
  }
  assert.deepEqual(update, EXPECTED.update, 'update');

  const deletion: Record<string, Record<string, number>> = {};
  for (const v of VISIBILITIES) {
    deletion[v] = {};
    for (const actor of Object.keys(EXPECTED.delete[v]) as Actor[]) {
      const response = await app.inject({
        method: 'DELETE',
        url: `${resource.path}/${ids[v]}`,
        headers: headers(actor)
      });
      deletion[v][actor] = response.statusCode;
    }
    const gone = await app.inject({
      method: 'GET',
      url: `${resource.path}/${ids[v]}`,
      headers: headers('owner')
    });
    assert.equal(gone.statusCode, 404, `${v} row still readable after deletion`);
  }
  assert.deepEqual(deletion, EXPECTED.delete, 'delete');
}
