import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createTestApp, countRows } from '../testing/app.js';
import { databaseTargets, type TestDatabase } from '../testing/databases.js';
import { createUserWithToken } from '../testing/users.js';

type User = { id: string; token: string };

for (const target of databaseTargets()) {
  describe(`projects API on ${target.kind}`, { skip: target.skip }, () => {
    let t: TestDatabase;
    let app: FastifyInstance;
    let alice: User; // admin
    let bob: User; // viewer
    let carol: User; // editor
    let dave: User; // outsider
    let project: string;
    let publicProject: string;
    const as = (user?: { token: string }) =>
      user ? { authorization: `Bearer ${user.token}` } : {};
    const setRole = (who: User | undefined, projectId: string, member: string, role: string) =>
      app.inject({
        method: 'PUT',
        url: `/api/projects/${projectId}/members/${member}`,
        headers: as(who),
        payload: { role }
      });
    const removeMember = (who: User | undefined, projectId: string, member: string) =>
      app.inject({
        method: 'DELETE',
        url: `/api/projects/${projectId}/members/${member}`,
        headers: as(who)
      });
    const get = (who: User | undefined, projectId: string) =>
      app.inject({ method: 'GET', url: `/api/projects/${projectId}`, headers: as(who) });
    const auditOf = (projectId: string) =>
      t.db.serviceTransaction(tx =>
        tx.query<{ actor_id: string; action: string; details: Record<string, unknown> }>(
          `SELECT actor_id, action, details FROM audit_log WHERE entity = 'projects' AND entity_id = $1 ORDER BY id`,
          [projectId]
        )
      );

    before(async () => {
      ({ t, app } = await createTestApp(target));
      alice = await createUserWithToken(t.db, 'alice');
      bob = await createUserWithToken(t.db, 'bob');
      carol = await createUserWithToken(t.db, 'carol');
      dave = await createUserWithToken(t.db, 'dave');
    });
    after(async () => {
      await app?.close();
      await t?.dispose();
    });

    it('creates projects whose creator is admin, naming bad fields', async () => {
      const created = await app.inject({
        method: 'POST',
        url: '/api/projects',
        headers: as(alice),
        payload: { name: 'Vitrification of oocytes', description: 'VS55 variants' }
      });
      assert.equal(created.statusCode, 201, created.body);
      assert.equal(created.json().myRole, 'admin');
      assert.equal(created.json().isPublic, false);
      project = created.json().id;
      publicProject = (
        await app.inject({
          method: 'POST',
          url: '/api/projects',
          headers: as(alice),
          payload: { name: 'Open cryoprotectant data', isPublic: true }
        })
      ).json().id;
      const before = await countRows(t.db, 'projects');
      const bad = await app.inject({
        method: 'POST',
        url: '/api/projects',
        headers: as(alice),
        payload: { name: '', isPublic: 'yes' }
      });
      assert.equal(bad.statusCode, 400);
      assert.deepEqual(
        bad
          .json()
          .errors.map((e: { path: string }) => e.path)
          .sort(),
        ['body.isPublic', 'body.name']
      );
      const anonymous = await app.inject({
        method: 'POST',
        url: '/api/projects',
        payload: { name: 'x' }
      });
      assert.equal(anonymous.statusCode, 401);
      const readOnly = await createUserWithToken(t.db, 'reader', '{read}');
      const refused = await app.inject({
        method: 'POST',
        url: '/api/projects',
        headers: as(readOnly),
        payload: { name: 'x' }
      });
      assert.equal(refused.statusCode, 403);
      assert.equal(await countRows(t.db, 'projects'), before);
    });

    it('lets only admins add members and change roles, auditing {from, to}', async () => {
      assert.equal((await setRole(alice, project, bob.id, 'viewer')).statusCode, 201);
      const added = await setRole(alice, project, carol.id, 'viewer');
      assert.equal(added.statusCode, 201);
      const changed = await setRole(alice, project, carol.id, 'editor');
      assert.equal(changed.statusCode, 200);
      assert.equal(changed.json().role, 'editor');
      assert.equal(changed.json().username, 'carol');
      const members = await countRows(t.db, 'project_members');
      assert.equal((await setRole(bob, project, dave.id, 'viewer')).statusCode, 403);
      assert.equal((await setRole(carol, project, dave.id, 'admin')).statusCode, 403);
      assert.equal((await setRole(carol, project, carol.id, 'admin')).statusCode, 403);
      assert.equal((await setRole(dave, project, dave.id, 'viewer')).statusCode, 404);
      assert.equal((await setRole(undefined, project, dave.id, 'viewer')).statusCode, 401);
      // A public project is visible to outsiders, but they still may not manage it.
      assert.equal((await setRole(dave, publicProject, dave.id, 'admin')).statusCode, 403);
      assert.equal((await removeMember(bob, project, carol.id)).statusCode, 403);
      assert.equal((await removeMember(dave, project, carol.id)).statusCode, 404);
      assert.equal((await removeMember(undefined, project, carol.id)).statusCode, 401);
      assert.equal(await countRows(t.db, 'project_members'), members);
      const badRole = await setRole(alice, project, dave.id, 'owner');
      assert.equal(badRole.statusCode, 400);
      assert.equal(badRole.json().errors[0].path, 'body.role');
      const badUser = await setRole(alice, project, 'not-a-uuid', 'viewer');
      assert.equal(badUser.json().errors[0].path, 'params.userId');
      const noUser = await setRole(
        alice,
        project,
        '00000000-0000-4000-8000-000000000000',
        'viewer'
      );
      assert.equal(noUser.statusCode, 404);
      assert.equal(noUser.json().errors[0].path, 'params.userId');
      const audit = await auditOf(project);
      assert.deepEqual(
        audit.rows
          .filter(r => r.action.startsWith('project.member'))
          .map(r => [r.action, r.details]),
        [
          ['project.member_add', { userId: bob.id, from: null, to: 'viewer' }],
          ['project.member_add', { userId: carol.id, from: null, to: 'viewer' }],
          ['project.member_role', { userId: carol.id, from: 'viewer', to: 'editor' }]
        ]
      );
      // Nobody else reads Alice's audit entries.
      const bobsView = await t.db.userTransaction(bob.id, tx =>
        tx.query(`SELECT 1 FROM audit_log WHERE actor_id = $1`, [alice.id])
      );
      assert.equal(bobsView.rows.length, 0);
    });

    it('shows a project with members and your role; private projects only to members', async () => {
      const seen = await get(bob, project);
      assert.equal(seen.statusCode, 200);
      assert.equal(seen.json().myRole, 'viewer');
      assert.deepEqual(
        seen.json().members.map((m: { username: string; role: string }) => [m.username, m.role]),
        [
          ['alice', 'admin'],
          ['carol', 'editor'],
          ['bob', 'viewer']
        ]
      );
      assert.equal((await get(dave, project)).statusCode, 404);
      assert.equal((await get(undefined, project)).statusCode, 404);
      const open = await get(dave, publicProject);
      assert.equal(open.statusCode, 200);
      assert.equal(open.json().myRole, null);
      assert.equal((await get(undefined, publicProject)).statusCode, 200);
      const list = async (who?: User) =>
        (await app.inject({ method: 'GET', url: '/api/projects', headers: as(who) }))
          .json()
          .items.map((p: { name: string }) => p.name);
      assert.deepEqual(await list(bob), ['Open cryoprotectant data', 'Vitrification of oocytes']);
      assert.deepEqual(await list(dave), ['Open cryoprotectant data']);
      assert.deepEqual(await list(), ['Open cryoprotectant data']);
      const page = (
        await app.inject({ method: 'GET', url: '/api/projects?limit=1', headers: as(alice) })
      ).json();
      assert.equal(page.items.length, 1);
      const next = (
        await app.inject({
          method: 'GET',
          url: `/api/projects?limit=1&cursor=${page.nextCursor}`,
          headers: as(alice)
        })
      ).json();
      assert.equal(next.items[0].name, 'Vitrification of oocytes');
      assert.equal(next.nextCursor, null);
    });

    it('lets only admins change a project', async () => {
      const patch = (who: User | undefined, payload: object) =>
        app.inject({ method: 'PATCH', url: `/api/projects/${project}`, headers: as(who), payload });
      assert.equal((await patch(bob, { name: 'renamed' })).statusCode, 403);
      assert.equal((await patch(carol, { name: 'renamed' })).statusCode, 403);
      assert.equal((await patch(dave, { name: 'renamed' })).statusCode, 404);
      assert.equal((await patch(undefined, { name: 'renamed' })).statusCode, 401);
      const bad = await patch(alice, { name: '' });
      assert.equal(bad.json().errors[0].path, 'body.name');
      const ok = await patch(alice, { description: 'VS55 and M22 variants', isPublic: false });
      assert.equal(ok.statusCode, 200);
      assert.equal(ok.json().description, 'VS55 and M22 variants');
      assert.equal(ok.json().name, 'Vitrification of oocytes');
    });

    it('keeps at least one admin, in the API and in the database', async () => {
      const demote = await setRole(alice, project, alice.id, 'editor');
      assert.equal(demote.statusCode, 409);
      assert.match(demote.json().type, /last-admin$/);
      assert.equal((await removeMember(alice, project, alice.id)).statusCode, 409);
      await assert.rejects(
        t.db.userTransaction(alice.id, tx =>
          tx.query(`UPDATE project_members SET role = 'viewer' WHERE project_id = $1`, [project])
        ),
        /must keep at least one admin/
      );
      await assert.rejects(
        t.db.serviceTransaction(tx =>
          tx.query('DELETE FROM project_members WHERE project_id = $1 AND user_id = $2', [
            project,
            alice.id
          ])
        ),
        /must keep at least one admin/
      );
      assert.equal((await setRole(alice, project, carol.id, 'admin')).statusCode, 200);
      assert.equal((await setRole(alice, project, alice.id, 'editor')).statusCode, 200);
      assert.equal((await get(alice, project)).json().myRole, 'editor');
      // Now Alice is no admin any more: she may leave, but not manage.
      assert.equal((await setRole(alice, project, dave.id, 'viewer')).statusCode, 403);
      assert.equal((await removeMember(bob, project, bob.id)).statusCode, 204);
      assert.equal((await get(bob, project)).statusCode, 404);
      const removed = await removeMember(carol, project, alice.id);
      assert.equal(removed.statusCode, 204);
      const audit = await auditOf(project);
      assert.deepEqual(
        audit.rows.filter(r => r.action === 'project.member_remove').map(r => r.details),
        [
          { userId: bob.id, from: 'viewer', to: null },
          { userId: alice.id, from: 'editor', to: null }
        ]
      );
    });

    it('refuses to delete a project that still holds content, and deletes an empty one', async () => {
      await t.db.userTransaction(carol.id, tx =>
        tx.query(
          `INSERT INTO literature_references (citation, owner_id, project_id, visibility) VALUES ('Fahy et al.', $1, $2, 'private')`,
          [carol.id, project]
        )
      );
      const del = (who: User | undefined, id: string) =>
        app.inject({ method: 'DELETE', url: `/api/projects/${id}`, headers: as(who) });
      assert.equal((await del(dave, project)).statusCode, 404);
      assert.equal((await del(undefined, project)).statusCode, 401);
      // Alice left, but the creator still sees the project (policy projects_read, 003).
      assert.equal((await del(alice, project)).statusCode, 403);
      const inUse = await del(carol, project);
      assert.equal(inUse.statusCode, 409, inUse.body);
      assert.match(inUse.json().type, /project-in-use$/);
      assert.match(inUse.json().detail, /literature references/);
      assert.equal((await get(carol, project)).statusCode, 200);
      await t.db.userTransaction(carol.id, tx =>
        tx.query('DELETE FROM literature_references WHERE project_id = $1', [project])
      );
      assert.equal((await del(carol, project)).statusCode, 204);
      assert.equal((await get(carol, project)).statusCode, 404);
      const members = await t.db.serviceTransaction(tx =>
        tx.query('SELECT 1 FROM project_members WHERE project_id = $1', [project])
      );
      assert.equal(members.rows.length, 0);
      assert.deepEqual(
        (await auditOf(project)).rows
          .filter(r => r.action === 'project.delete')
          .map(r => r.actor_id),
        [carol.id]
      );
    });
  });
}
