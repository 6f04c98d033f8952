import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { newToken } from '../db/tokens.js';
import { createTestApp } from '../testing/app.js';
import { databaseTargets, type TestDatabase } from '../testing/databases.js';
import { createProject } from '../testing/projects.js';
import { createUserWithToken } from '../testing/users.js';

/**
 * Who may do what, over every resource that carries owner / project / visibility: rows made by
 * their owner as private, project and public (the project and public ones in the owner's
 * project), then read, listed, changed and deleted by the owner, a project viewer, a project
 * editor, an outsider, an anonymous caller and the owner's read-only token. The expected answer
 * of each cell follows from the rules in migrations/003_security.sql: not visible is 404 (no
 * existence leak), visible but not writable is 403, no credentials 401.
 */

type Visibility = 'private' | 'project' | 'public';
type Actor = 'owner' | 'viewer' | 'editor' | 'outsider' | 'anonymous' | 'readOnly';
const ACTORS: Actor[] = ['owner', 'viewer', 'editor', 'outsider', 'anonymous', 'readOnly'];
const VISIBILITIES: Visibility[] = ['private', 'project', 'public'];

interface Context {
  app: FastifyInstance;
  projectId: string;
  /** Inject as the owner and return the parsed 2xx answer. */
  asOwner(request: InjectOptions): Promise<Record<string, unknown>>;
  /** A fresh counter, for unique names and structures. */
  next(): number;
}

export interface MatrixResource {
  name: string;
  /** Create one row as the owner; `sharing` is { visibility, projectId? } to spread into the body. */
  create(
    context: Context,
    sharing: { visibility: Visibility; projectId?: string }
  ): Promise<string>;
  read(id: string): InjectOptions;
  list?: { url: string; itemsOf?: (body: Record<string, unknown>) => { id: string }[] };
  update?(id: string, context: Context): InjectOptions;
  remove?(id: string): InjectOptions;
}

const ORGANIC_ALCOHOLS = (n: number) => `${'C'.repeat(n + 2)}O`;

const resources: MatrixResource[] = [
  {
    name: 'molecules',
    create: async (context, sharing) => {
      const body = await context.asOwner({
        method: 'POST',
        url: '/api/molecules',
        payload: { structure: ORGANIC_ALCOHOLS(context.next()), ...sharing }
      });
      return (body.molecule as { id: string }).id;
    },
    read: id => ({ url: `/api/molecules/${id}` }),
    list: { url: '/api/molecules?limit=200' },
    update: id => ({ method: 'PATCH', url: `/api/molecules/${id}`, payload: { synonyms: ['x'] } }),
    remove: id => ({ method: 'DELETE', url: `/api/molecules/${id}` })
  },
  {
    name: 'mixtures',
    create: async (context, sharing) => {
      const water = await context.asOwner({ url: '/api/molecules?q=glycerol' });
      const glycerol = (water.items as { id: string; name: string }[]).find(
        m => m.name === 'glycerol'
      )!;
      const body = await context.asOwner({
        method: 'POST',
        url: '/api/mixtures',
        payload: {
          name: `mixture ${context.next()}`,
          components: [{ moleculeId: glycerol.id, amount: 10, unit: '% w/w', role: 'penetrating' }],
          ...sharing
        }
      });
      return body.id as string;
    },
    read: id => ({ url: `/api/mixtures/${id}` }),
    list: { url: '/api/mixtures?limit=200' },
    update: id => ({ method: 'PATCH', url: `/api/mixtures/${id}`, payload: { description: 'x' } }),
    remove: id => ({ method: 'DELETE', url: `/api/mixtures/${id}` })
  },
  {
    name: 'references',
    create: async (context, sharing) =>
      (
        await context.asOwner({
          method: 'POST',
          url: '/api/references',
          payload: { citation: `Author ${context.next()} (2024) J. Cryobiol.`, ...sharing }
        })
      ).id as string,
    read: id => ({ url: `/api/references/${id}` }),
    list: { url: '/api/references?limit=200' },
    update: id => ({
      method: 'PATCH',
      url: `/api/references/${id}`,
      payload: { licence: 'CC-BY-4.0' }
    }),
    remove: id => ({ method: 'DELETE', url: `/api/references/${id}` })
  },
  {
    name: 'experiments',
    create: async (context, sharing) =>
      (
        await context.asOwner({
          method: 'POST',
          url: '/api/experiments',
          payload: { title: `DSC run ${context.next()}`, ...sharing }
        })
      ).id as string,
    read: id => ({ url: `/api/experiments/${id}` }),
    list: { url: '/api/experiments?limit=200' },
    update: id => ({
      method: 'PATCH',
      url: `/api/experiments/${id}`,
      payload: { protocol: 'cooled at 10 K/min' }
    }),
    remove: id => ({ method: 'DELETE', url: `/api/experiments/${id}` })
  },
  {
    name: 'measurements',
    create: async (context, sharing) => {
      const { molecule, reference } = await Private.publicSubjects(context);
      return (
        await context.asOwner({
          method: 'POST',
          url: '/api/measurements',
          payload: {
            propertyType: 'glass_transition',
            moleculeId: molecule,
            referenceId: reference,
            value: 150 + context.next() / 10,
            unit: 'K',
            ...sharing
          }
        })
      ).id as string;
    },
    read: id => ({ url: `/api/measurements/${id}` }),
    list: {
      url: '/api/measurements?limit=200&propertyType=glass_transition&minValue=150&maxValue=170'
    },
    update: id => ({
      method: 'PATCH',
      url: `/api/measurements/${id}`,
      payload: { note: 'checked' }
    }),
    remove: id => ({ method: 'DELETE', url: `/api/measurements/${id}` })
  },
  {
    name: 'datasets',
    create: async (context, sharing) =>
      (
        await context.asOwner({
          method: 'POST',
          url: '/api/datasets',
          payload: { name: `Tg set ${context.next()}`, ...sharing }
        })
      ).id as string,
    read: id => ({ url: `/api/datasets/${id}` }),
    list: { url: '/api/datasets?limit=200' },
    update: id => ({ method: 'PATCH', url: `/api/datasets/${id}`, payload: { description: 'x' } }),
    remove: id => ({ method: 'DELETE', url: `/api/datasets/${id}` })
  },
  {
    name: 'model versions',
    create: async (context, sharing) => (await Private.model(context, sharing)).id,
    read: id => ({ url: `/api/models/${id}` }),
    list: { url: '/api/models?limit=200' },
    remove: id => ({ method: 'DELETE', url: `/api/models/${id}` })
  },
  {
    name: 'predictions',
    create: async (context, sharing) => Private.prediction(context, sharing),
    read: id => ({ url: `/api/predictions/${id}` }),
    list: { url: '/api/predictions?limit=200' }
  },
  {
    name: 'verifications',
    create: async (context, sharing) =>
      (
        await context.asOwner({
          method: 'POST',
          url: '/api/verifications',
          payload: {
            predictionId: await Private.prediction(context, sharing),
            plannedExperiment: 'DSC',
            ...sharing
          }
        })
      ).id as string,
    read: id => ({ url: `/api/verifications/${id}` }),
    list: { url: '/api/verifications?limit=200' }
  }
];

namespace Private {
  const cache = new WeakMap<Context, Promise<{ molecule: string; reference: string }>>();

  /** A public molecule of the reference data and a public reference of the owner's. */
  export function publicSubjects(
    context: Context
  ): Promise<{ molecule: string; reference: string }> {
    let found = cache.get(context);
    if (!found) {
      found = (async () => {
        const page = await context.asOwner({ url: '/api/molecules?q=glycerol' });
        const molecule = (page.items as { id: string; name: string }[]).find(
          m => m.name === 'glycerol'
        )!.id;
        const reference = (
          await context.asOwner({
            method: 'POST',
            url: '/api/references',
            payload: { citation: 'Matrix fixture (2026)', visibility: 'public' }
          })
        ).id as string;
        return { molecule, reference };
      })();
      cache.set(context, found);
    }
    return found;
  }

  type Sharing = { visibility: Visibility; projectId?: string };

  /** A model version trained on a one-row snapshot of its own dataset, shared like `sharing`. */
  export async function model(context: Context, sharing: Sharing): Promise<{ id: string }> {
    const dataset = await context.asOwner({
      method: 'POST',
      url: '/api/datasets',
      payload: { name: `training ${context.next()}`, ...sharing }
    });
    const snapshot = await context.asOwner({
      method: 'POST',
      url: `/api/datasets/${dataset.id as string}/snapshots`,
      payload: { columns: [{ name: 'value', type: 'number' }], rows: [[context.next()]] }
    });
    const model = await context.asOwner({
      method: 'POST',
      url: '/api/models',
      payload: {
        name: 'tg-model',
        snapshotId: snapshot.id,
        targetPropertyType: 'glass_transition',
        learner: 'mean',
        featurizerVersion: '1',
        kernelVersion: '0.1.0',
        rdkitVersion: '2026.09.1',
        seed: 1,
        ...sharing
      }
    });
    return { id: model.id as string };
  }

  export async function prediction(context: Context, sharing: Sharing): Promise<string> {
    const { molecule } = await publicSubjects(context);
    const created = await context.asOwner({
      method: 'POST',
      url: '/api/predictions',
      payload: {
        modelVersionId: (await model(context, sharing)).id,
        items: [{ moleculeId: molecule, value: 180 }],
        ...sharing
      }
    });
    const items = created.items as { id: string }[];
    return items[0].id;
  }
}

/** The answer the rules give, as a status class: 2xx is written '2xx'. */
function expected(
  action: 'read' | 'update' | 'remove',
  actor: Actor,
  visibility: Visibility
): string {
  const member = actor === 'viewer' || actor === 'editor';
  const sees =
    actor === 'owner' ||
    actor === 'readOnly' ||
    visibility === 'public' ||
    (visibility === 'project' && member);
  if (action === 'read') {
    return sees ? '2xx' : '404';
  }
  if (actor === 'anonymous') {
    return '401';
  }
  if (!sees) {
    return '404';
  }
  if (actor === 'readOnly') {
    return '403';
  }
  if (actor === 'owner') {
    return '2xx';
  }
  // Editors change project rows (a public row belongs to no project); only owners and project
  // admins delete.
  return action === 'update' && actor === 'editor' && visibility === 'project' ? '2xx' : '403';
}

const statusClass = (status: number) => (status >= 200 && status < 300 ? '2xx' : String(status));

for (const target of databaseTargets()) {
  describe(
    `owner / viewer / editor / outsider / anonymous x private / project / public on ${target.kind}`,
    { skip: target.skip },
    () => {
      let t: TestDatabase;
      let app: FastifyInstance;
      let context: Context;
      const headers: Record<Actor, Record<string, string>> = {} as never;

      before(async () => {
        ({ t, app } = await createTestApp(target, { rateLimitPerMinute: 1_000_000 }));
        const owner = await createUserWithToken(t.db, 'owner');
        const viewer = await createUserWithToken(t.db, 'viewer');
        const editor = await createUserWithToken(t.db, 'editor');
        const outsider = await createUserWithToken(t.db, 'outsider');
        // A second token of the owner's with the read scope only: same rows, no writes.
        const reader = newToken();
        await t.db.serviceTransaction(tx =>
          tx.query(
            `INSERT INTO api_tokens (user_id, name, token_hash, scopes) VALUES ($1, 'read only', $2, '{read}')`,
            [owner.id, reader.hash]
          )
        );
        const projectId = await createProject(t.db, 'matrix', owner.id, [
          { userId: viewer.id, role: 'viewer' },
          { userId: editor.id, role: 'editor' }
        ]);
        const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
        Object.assign(headers, {
          owner: bearer(owner.token),
          viewer: bearer(viewer.token),
          editor: bearer(editor.token),
          outsider: bearer(outsider.token),
          anonymous: {},
          readOnly: bearer(reader.token)
        });
        let counter = 0;
        context = {
          app,
          projectId,
          next: () => ++counter,
          asOwner: async request => {
            const response = await app.inject({ ...request, headers: headers.owner });
            assert.ok(response.statusCode < 300, `${request.url}: ${response.body}`);
            return response.json();
          }
        };
      });
      after(async () => {
        await app?.close();
        await t?.dispose();
      });

      const sharing = (visibility: Visibility) =>
        visibility === 'project' ? { visibility, projectId: context.projectId } : { visibility };

      for (const resource of resources) {
        it(`${resource.name}: read and list`, async () => {
          const failures: string[] = [];
          for (const visibility of VISIBILITIES) {
            const id = await resource.create(context, sharing(visibility));
            for (const actor of ACTORS) {
              const want = expected('read', actor, visibility);
              const read = await app.inject({ ...resource.read(id), headers: headers[actor] });
              if (statusClass(read.statusCode) !== want) {
                failures.push(
                  `read ${visibility} as ${actor}: ${read.statusCode}, expected ${want}`
                );
              }
              if (resource.list) {
                const page = await app.inject({ url: resource.list.url, headers: headers[actor] });
                const items =
                  resource.list.itemsOf?.(page.json()) ?? (page.json().items as { id: string }[]);
                const listed = items.some(item => item.id === id);
                if (listed !== (want === '2xx')) {
                  failures.push(
                    `list ${visibility} as ${actor}: ${listed ? 'listed' : 'not listed'}`
                  );
                }
              }
            }
          }
          assert.deepEqual(failures, []);
        });

        if (resource.update) {
          it(`${resource.name}: change`, async () => {
            const failures: string[] = [];
            for (const visibility of VISIBILITIES) {
              const id = await resource.create(context, sharing(visibility));
              for (const actor of ACTORS) {
                const want = expected('update', actor, visibility);
                const response = await app.inject({
                  ...resource.update!(id, context),
                  headers: headers[actor]
                });
                if (statusClass(response.statusCode) !== want) {
                  failures.push(
                    `change ${visibility} as ${actor}: ${response.statusCode}, expected ${want} (${response.body.slice(0, 120)})`
                  );
                }
              }
            }
            assert.deepEqual(failures, []);
          });
        }

        if (resource.remove) {
          it(`${resource.name}: delete`, async () => {
            const failures: string[] = [];
            for (const visibility of VISIBILITIES) {
              const id = await resource.create(context, sharing(visibility));
              // The owner last: the others must fail on a row that still exists.
              for (const actor of [...ACTORS.filter(a => a !== 'owner'), 'owner' as const]) {
                const want = expected('remove', actor, visibility);
                const response = await app.inject({
                  ...resource.remove!(id),
                  headers: headers[actor]
                });
                if (statusClass(response.statusCode) !== want) {
                  failures.push(
                    `delete ${visibility} as ${actor}: ${response.statusCode}, expected ${want} (${response.body.slice(0, 120)})`
                  );
                }
              }
              const gone = await app.inject({ ...resource.read(id), headers: headers.owner });
              if (gone.statusCode !== 404) {
                failures.push(`${visibility} row still readable after the owner deleted it`);
              }
            }
            assert.deepEqual(failures, []);
          });
        }
      }
    }
  );
}
