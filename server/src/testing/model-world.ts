import assert from 'node:assert/strict';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { Database } from '../db/database.js';
import type { AppOptions } from '../app.js';
import { createTestApp } from './app.js';
import type { DatabaseTarget, TestDatabase } from './databases.js';
import { createUserWithToken } from './users.js';

/**
 * A small lab for the model-side tests (tests only): an owner, a project where the owner is
 * admin with a viewer and an editor, an outsider, and a reviewer who edits the same project.
 */
export interface User {
  id: string;
  token: string;
}

export interface World {
  t: TestDatabase;
  app: FastifyInstance;
  owner: User;
  viewer: User;
  editor: User;
  outsider: User;
  projectId: string;
  glycerolId: string;
  dmsoId: string;
}

export type Actor = 'owner' | 'viewer' | 'editor' | 'outsider' | 'anonymous';
export const ACTORS: Actor[] = ['owner', 'viewer', 'editor', 'outsider', 'anonymous'];
export const VISIBILITIES = ['private', 'project', 'public'] as const;
export type Vis = (typeof VISIBILITIES)[number];

export async function createWorld(
  target: DatabaseTarget,
  options: Partial<AppOptions> = {}
): Promise<World> {
  const { t, app } = await createTestApp(target, options);
  const owner = await createUserWithToken(t.db, 'olga');
  const viewer = await createUserWithToken(t.db, 'victor');
  const editor = await createUserWithToken(t.db, 'edith');
  const outsider = await createUserWithToken(t.db, 'oscar');
  const projectId = await t.db.serviceTransaction(async tx => {
    const { rows } = await tx.query<{ id: string }>(
      `INSERT INTO projects (name, created_by) VALUES ('vitrification', $1) RETURNING id`,
      [owner.id]
    );
    await tx.query(
      `INSERT INTO project_members (project_id, user_id, role) VALUES ($1, $2, 'viewer'), ($1, $3, 'editor')`,
      [rows[0].id, viewer.id, editor.id]
    );
    return rows[0].id;
  });
  const molecule = async (name: string) => {
    const { rows } = await t.db.serviceTransaction(tx =>
      tx.query<{ id: string }>('SELECT id FROM molecules WHERE name = $1', [name])
    );
    assert.ok(rows[0], `reference molecule ${name}`);
    return rows[0].id;
  };
  return {
    t,
    app,
    owner,
    viewer,
    editor,
    outsider,
    projectId,
    glycerolId: await molecule('glycerol'),
    dmsoId: await molecule('dimethyl sulfoxide')
  };
}

export function headers(user: User | null): Record<string, string> {
  return user ? { authorization: `Bearer ${user.token}` } : {};
}

export function actorUser(world: World, actor: Actor): User | null {
  return actor === 'anonymous' ? null : world[actor];
}

export function call(
  world: World,
  actor: User | null,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  url: string,
  payload?: object
): Promise<LightMyRequestResponse> {
  return world.app.inject({ method, url, headers: headers(actor), payload });
}

/**
 * A measurement of `user` written the way the measurements API stores one, straight in SQL under
 * the user's RLS (the measurements endpoints belong to another part of the server).
 */
export async function insertMeasurement(
  db: Database,
  user: User,
  m: {
    propertyType: string;
    moleculeId?: string;
    mixtureId?: string;
    value: number;
    conditions?: object;
    visibility?: Vis;
    projectId?: string;
  }
): Promise<string> {
  return db.userTransaction(user.id, async tx => {
    const { rows: ref } = await tx.query<{ id: string }>(
      `INSERT INTO literature_references (citation, owner_id, visibility) VALUES ('lab notebook', $1, 'public') RETURNING id`,
      [user.id]
    );
    const { rows } = await tx.query<{ id: string }>(
      `INSERT INTO measurements (property_type_id, unit, molecule_id, mixture_id, value, conditions, reference_id, owner_id, project_id, visibility)
       SELECT t.id, t.canonical_unit, $2, $3, $4, $5, $6, $1, $7, $8 FROM property_types t WHERE t.key = $9
       RETURNING id`,
      [
        user.id,
        m.moleculeId ?? null,
        m.mixtureId ?? null,
        m.value,
        JSON.stringify(m.conditions ?? {}),
        ref[0].id,
        m.projectId ?? null,
        m.visibility ?? 'private',
        m.propertyType
      ]
    );
    assert.ok(rows[0], `property type ${m.propertyType}`);
    return rows[0].id;
  });
}

/** Expected statuses of reading one row, by actor and the row's visibility. */
export const READ: Record<Actor, Record<Vis, number>> = {
  owner: { private: 200, project: 200, public: 200 },
  viewer: { private: 404, project: 200, public: 200 },
  editor: { private: 404, project: 200, public: 200 },
  outsider: { private: 404, project: 404, public: 200 },
  anonymous: { private: 404, project: 404, public: 200 }
};

/** Expected statuses of changing one row (not visible 404, visible but not writable 403). */
export const WRITE: Record<Actor, Record<Vis, number>> = {
  owner: { private: 200, project: 200, public: 200 },
  viewer: { private: 404, project: 403, public: 403 },
  editor: { private: 404, project: 200, public: 403 },
  outsider: { private: 404, project: 404, public: 403 },
  anonymous: { private: 401, project: 401, public: 401 }
};

/** Expected statuses of deleting one row: the owner or a project admin (editors are not). */
export const DELETE: Record<Actor, Record<Vis, number>> = {
  owner: { private: 204, project: 204, public: 204 },
  viewer: { private: 404, project: 403, public: 403 },
  editor: { private: 404, project: 403, public: 403 },
  outsider: { private: 404, project: 404, public: 403 },
  anonymous: { private: 401, project: 401, public: 401 }
};

/**
 * Check reading and listing one row per visibility for every actor: GET gives READ's status and
 * the listing contains exactly the rows GET can read.
 */
export async function assertReadMatrix(
  world: World,
  rows: Record<Vis, string>,
  readUrl: (id: string) => string,
  listUrl: string
): Promise<void> {
  for (const actor of ACTORS) {
    const user = actorUser(world, actor);
    const listed = new Set<string>();
    let url: string | null = listUrl;
    while (url) {
      const page = await call(world, user, 'GET', url);
      assert.equal(page.statusCode, 200, `${actor} lists ${listUrl}: ${page.body}`);
      const body = page.json() as { items: { id: string }[]; nextCursor: string | null };
      body.items.forEach(item => listed.add(item.id));
      url = body.nextCursor
        ? `${listUrl}${listUrl.includes('?') ? '&' : '?'}cursor=${body.nextCursor}`
        : null;
    }
    for (const vis of VISIBILITIES) {
      const response = await call(world, user, 'GET', readUrl(rows[vis]));
      assert.equal(
        response.statusCode,
        READ[actor][vis],
        `${actor} reads ${vis}: ${response.body}`
      );
      assert.equal(listed.has(rows[vis]), READ[actor][vis] === 200, `${actor} lists ${vis}`);
    }
  }
}

/**
 * A model version of `user` named `name` that predicts glass_transition, registered over a
 * one-row snapshot of its own (the routes under test need a version, not a trained model);
 * `extra` sets its sharing. Resolves with the version as the API answers it.
 */
export async function registerTestModel(
  world: World,
  user: User,
  name: string,
  extra: object = {}
): Promise<{ id: string; name: string; version: number }> {
  const dataset = (await call(world, user, 'POST', '/api/datasets', { name })).json();
  const snapshot = (
    await call(world, user, 'POST', `/api/datasets/${dataset.id}/snapshots`, {
      columns: [{ name: 'x', type: 'number' }],
      rows: [[1]]
    })
  ).json();
  const registered = await call(world, user, 'POST', '/api/models', {
    name,
    snapshotId: snapshot.id,
    targetPropertyType: 'glass_transition',
    learner: 'ridge',
    featurizerVersion: 'f1',
    kernelVersion: '0.1.0',
    rdkitVersion: 'r1',
    seed: 1,
    ...extra
  });
  if (registered.statusCode !== 201) {
    throw new Error(`registering model ${name}: ${registered.statusCode} ${registered.body}`);
  }
  return registered.json();
}
