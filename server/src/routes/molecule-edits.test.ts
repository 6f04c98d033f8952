import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createTestApp, countRows } from '../testing/app.js';
import { databaseTargets, type TestDatabase } from '../testing/databases.js';
import { createProject } from '../testing/projects.js';
import { createUserWithToken } from '../testing/users.js';

type User = { id: string; token: string };

for (const target of databaseTargets()) {
  describe(`molecule edits on ${target.kind}`, { skip: target.skip }, () => {
    let t: TestDatabase;
    let app: FastifyInstance;
    let owner: User, viewer: User, editor: User, outsider: User;
    let projectId: string;
    const as = (user?: User) => (user ? { authorization: `Bearer ${user.token}` } : {});
    const register = async (user: User, structure: string, extra: object = {}) => {
      const response = await app.inject({
        method: 'POST',
        url: '/api/molecules',
        headers: as(user),
        payload: { structure, ...extra }
      });
      assert.equal(response.statusCode, 201, response.body);
      return response.json().molecule.id as string;
    };
    const patch = (user: User | undefined, id: string, payload: object) =>
      app.inject({ method: 'PATCH', url: `/api/molecules/${id}`, headers: as(user), payload });
    const remove = (user: User | undefined, id: string) =>
      app.inject({ method: 'DELETE', url: `/api/molecules/${id}`, headers: as(user) });

    before(async () => {
      ({ t, app } = await createTestApp(target));
      owner = await createUserWithToken(t.db, 'owner');
      viewer = await createUserWithToken(t.db, 'viewer');
      editor = await createUserWithToken(t.db, 'editor');
      outsider = await createUserWithToken(t.db, 'outsider');
      projectId = await createProject(t.db, 'vitrification', owner.id, [
        { userId: viewer.id, role: 'viewer' },
        { userId: editor.id, role: 'editor' }
      ]);
    });
    after(async () => {
      await app?.close();
      await t?.dispose();
    });

    it('renames and shares a molecule, auditing the change of visibility', async () => {
      const id = await register(owner, 'CC(O)CCO');
      const renamed = await patch(owner, id, { name: '1,3-butanediol', synonyms: ['1,3-BD'] });
      assert.equal(renamed.statusCode, 200, renamed.body);
      assert.equal(renamed.json().name, '1,3-butanediol');
      assert.deepEqual(renamed.json().synonyms, ['1,3-BD']);
      assert.equal(
        (await app.inject({ url: `/api/molecules/${id}`, headers: as(viewer) })).statusCode,
        404
      );

      const shared = await patch(owner, id, { visibility: 'project', projectId });
      assert.equal(shared.statusCode, 200, shared.body);
      assert.equal(
        (await app.inject({ url: `/api/molecules/${id}`, headers: as(viewer) })).statusCode,
        200
      );
      const audit = await t.db.serviceTransaction(tx =>
        tx.query<{ details: { to: { visibility: string } } }>(
          `SELECT details FROM audit_log WHERE action = 'molecule.share' AND entity_id = $1`,
          [id]
        )
      );
      assert.equal(audit.rows.length, 1);
      assert.equal(audit.rows[0].details.to.visibility, 'project');
    });

    it('lets project editors edit, refuses viewers (403), hides private rows from others (404)', async () => {
      const shared = await register(owner, 'OCC(O)C(O)CO', { visibility: 'project', projectId });
      assert.equal((await patch(editor, shared, { name: 'erythritol' })).statusCode, 200);
      const byViewer = await patch(viewer, shared, { name: 'x' });
      assert.equal(byViewer.statusCode, 403);
      assert.equal(byViewer.headers['content-type'], 'application/problem+json; charset=utf-8');
      const hidden = await register(owner, 'OCCCCO');
      assert.equal((await patch(outsider, hidden, { name: 'x' })).statusCode, 404);
      assert.equal((await patch(undefined, hidden, { name: 'x' })).statusCode, 401);
      assert.equal((await remove(editor, shared)).statusCode, 403, 'editors may not delete');
      assert.equal((await remove(outsider, hidden)).statusCode, 404);
    });

    it('refuses bad changes naming the field, and never changes the structure', async () => {
      const id = await register(owner, 'CCCCCO');
      const structure = await patch(owner, id, { structure: 'CCO' });
      assert.equal(structure.statusCode, 400);
      assert.match(structure.json().detail, /structure/);
      const empty = await patch(owner, id, {});
      assert.equal(empty.statusCode, 400);
      assert.match(empty.json().detail, /at least one/);
      const noProject = await patch(owner, id, { visibility: 'project' });
      assert.equal(noProject.statusCode, 422);
      assert.equal(noProject.json().errors[0].path, 'body.projectId');
      const notMember = await patch(outsider, await register(outsider, 'CCCCCCO'), {
        visibility: 'project',
        projectId
      });
      assert.equal(notMember.statusCode, 403, 'sharing into a project needs its editor role');
      const stored = (await app.inject({ url: `/api/molecules/${id}`, headers: as(owner) })).json();
      assert.equal(stored.smiles, 'CCCCCO');
      assert.equal(stored.visibility, 'private');
    });

    it('deletes an unused molecule, and refuses while a mixture uses it, deleting nothing', async () => {
      const used = await register(owner, 'CC(C)(O)CO');
      const mixture = await app.inject({
        method: 'POST',
        url: '/api/mixtures',
        headers: as(owner),
        payload: {
          name: 'uses it',
          components: [{ moleculeId: used, amount: 5, unit: 'mol/kg', role: 'penetrating' }]
        }
      });
      assert.equal(mixture.statusCode, 201, mixture.body);
      const before = await countRows(t.db, 'molecules');
      const refused = await remove(owner, used);
      assert.equal(refused.statusCode, 409, refused.body);
      assert.match(refused.json().detail, /mixture components/);
      assert.equal(await countRows(t.db, 'molecules'), before);

      const unused = await register(owner, 'CCC(C)(O)CO');
      assert.equal((await remove(owner, unused)).statusCode, 204);
      assert.equal(
        (await app.inject({ url: `/api/molecules/${unused}`, headers: as(owner) })).statusCode,
        404
      );
      assert.equal(await countRows(t.db, 'molecules'), before, 'registered one, deleted one');
    });
  });
}
