import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createTestApp, countRows } from '../testing/app.js';
import { databaseTargets, type TestDatabase } from '../testing/databases.js';
import { assertVisibilityMatrix, createProjectCast, type ProjectCast } from '../testing/records.js';

for (const target of databaseTargets()) {
  describe(`literature references API on ${target.kind}`, { skip: target.skip }, () => {
    let t: TestDatabase;
    let app: FastifyInstance;
    let cast: ProjectCast;
    const as = (user: { token: string }) => ({ authorization: `Bearer ${user.token}` });
    const referenceCount = () => countRows(t.db, 'literature_references');

    before(async () => {
      ({ t, app } = await createTestApp(target));
      cast = await createProjectCast(t.db, 'refs');
    });
    after(async () => {
      await app?.close();
      await t?.dispose();
    });

    const create = (user: { token: string }, payload: object) =>
      app.inject({ method: 'POST', url: '/api/references', headers: as(user), payload });

    it('adds a reference with DOI, URL, licence and key, and reads it back', async () => {
      const response = await create(cast.owner, {
        citation:
          'Fahy GM, Wowk B, Wu J, Paynter S. Cryopreservation of organs by vitrification. Cryobiology 48 (2004) 157-178',
        doi: '10.1016/j.cryobiol.2004.02.002',
        url: 'https://doi.org/10.1016/j.cryobiol.2004.02.002',
        licence: 'citation only',
        key: 'fahy2004-test'
      });
      assert.equal(response.statusCode, 201, response.body);
      const created = response.json();
      assert.equal(created.doi, '10.1016/j.cryobiol.2004.02.002');
      assert.equal(created.visibility, 'private');
      assert.equal(created.ownerId, cast.owner.id);
      const read = await app.inject({
        method: 'GET',
        url: `/api/references/${created.id}`,
        headers: as(cast.owner)
      });
      assert.deepEqual(read.json(), created);
    });

    it('refuses a bad DOI, a bad URL, an empty citation and a taken key by field, writing nothing', async () => {
      const before = await referenceCount();
      const badDoi = await create(cast.owner, {
        citation: 'x',
        doi: 'https://doi.org/10.1016/j.cryobiol.2004.02.002'
      });
      assert.equal(badDoi.statusCode, 400);
      assert.deepEqual(
        badDoi.json().errors.map((e: { path: string }) => e.path),
        ['body.doi']
      );
      assert.match(badDoi.json().errors[0].message, /10\.1016/);
      const badUrl = await create(cast.owner, { citation: 'x', url: 'ftp://example.org/x' });
      assert.deepEqual(
        badUrl.json().errors.map((e: { path: string }) => e.path),
        ['body.url']
      );
      const empty = await create(cast.owner, { citation: '   ' });
      assert.deepEqual(
        empty.json().errors.map((e: { path: string }) => e.path),
        ['body.citation']
      );
      const noProject = await create(cast.owner, { citation: 'x', visibility: 'project' });
      assert.equal(noProject.statusCode, 422);
      assert.equal(noProject.json().errors[0].path, 'body.projectId');
      const taken = await create(cast.owner, { citation: 'x', key: 'fahy2004-test' });
      assert.equal(taken.statusCode, 409);
      assert.equal(taken.json().errors[0].path, 'body.key');
      const notMember = await create(cast.outsider, {
        citation: 'x',
        visibility: 'project',
        projectId: cast.projectId
      });
      assert.equal(notMember.statusCode, 403);
      const anonymous = await app.inject({
        method: 'POST',
        url: '/api/references',
        payload: { citation: 'x' }
      });
      assert.equal(anonymous.statusCode, 401);
      assert.equal(await referenceCount(), before);
    });

    it('searches citations and DOIs and pages through every visible reference exactly once', async () => {
      const byDoi = (
        await app.inject({
          method: 'GET',
          url: '/api/references?q=j.cryobiol.2004',
          headers: as(cast.owner)
        })
      ).json();
      assert.ok(byDoi.items.some((r: { key: string }) => r.key === 'fahy2004-test'));
      assert.ok(
        byDoi.items.every((r: { doi: string | null }) => r.doi?.includes('j.cryobiol.2004'))
      );
      const { rows } = await t.db.userTransaction(cast.owner.id, tx =>
        tx.query<{ id: string }>('SELECT id FROM literature_references')
      );
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const url: string = `/api/references?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
        const page = (await app.inject({ method: 'GET', url, headers: as(cast.owner) })).json();
        seen.push(...page.items.map((r: { id: string }) => r.id));
        cursor = page.nextCursor;
      } while (cursor);
      assert.equal(seen.length, rows.length);
      assert.deepEqual([...seen].sort(), rows.map(r => r.id).sort());
      // Anonymous sees the public reference data only.
      const publicCount = await t.db.serviceTransaction(tx =>
        tx.query<{ n: string }>(
          "SELECT count(*) AS n FROM literature_references WHERE visibility = 'public'"
        )
      );
      const anonymous = (
        await app.inject({ method: 'GET', url: '/api/references?limit=200' })
      ).json();
      assert.equal(anonymous.items.length, Number(publicCount.rows[0].n));
    });

    it('changes a reference, clears its DOI, and refuses project visibility without a project', async () => {
      const created = (await create(cast.owner, { citation: 'Draft', doi: '10.1234/abc' })).json();
      const patched = await app.inject({
        method: 'PATCH',
        url: `/api/references/${created.id}`,
        headers: as(cast.owner),
        payload: { citation: 'Final citation', doi: null }
      });
      assert.equal(patched.statusCode, 200, patched.body);
      assert.equal(patched.json().citation, 'Final citation');
      assert.equal(patched.json().doi, null);
      const badDoi = await app.inject({
        method: 'PATCH',
        url: `/api/references/${created.id}`,
        headers: as(cast.owner),
        payload: { doi: 'doi:10.1234/abc' }
      });
      assert.equal(badDoi.statusCode, 400);
      assert.equal(badDoi.json().errors[0].path, 'body.doi');
      const noProject = await app.inject({
        method: 'PATCH',
        url: `/api/references/${created.id}`,
        headers: as(cast.owner),
        payload: { visibility: 'project' }
      });
      assert.equal(noProject.statusCode, 422);
      assert.equal(noProject.json().errors[0].path, 'body.projectId');
      const shared = await app.inject({
        method: 'PATCH',
        url: `/api/references/${created.id}`,
        headers: as(cast.owner),
        payload: { visibility: 'project', projectId: cast.projectId }
      });
      assert.equal(shared.json().visibility, 'project');
      const viewerSees = await app.inject({
        method: 'GET',
        url: `/api/references/${created.id}`,
        headers: as(cast.viewer)
      });
      assert.equal(viewerSees.json().citation, 'Final citation');
    });

    it('refuses to delete a cited reference (409), deletes an uncited one and audits it', async () => {
      const cited = (await create(cast.owner, { citation: 'Cited source' })).json();
      const glycerol = (await app.inject({ method: 'GET', url: '/api/molecules?q=glycerol' }))
        .json()
        .items.find((m: { name: string }) => m.name === 'glycerol');
      const measurement = await app.inject({
        method: 'POST',
        url: '/api/measurements',
        headers: as(cast.owner),
        payload: {
          propertyType: 'density',
          moleculeId: glycerol.id,
          value: 1.26,
          unit: 'g/cm3',
          referenceId: cited.id
        }
      });
      assert.equal(measurement.statusCode, 201, measurement.body);
      const before = await referenceCount();
      const refused = await app.inject({
        method: 'DELETE',
        url: `/api/references/${cited.id}`,
        headers: as(cast.owner)
      });
      assert.equal(refused.statusCode, 409);
      assert.match(refused.json().detail, /measurements cite this reference/);
      assert.equal(await referenceCount(), before);
      await app.inject({
        method: 'DELETE',
        url: `/api/measurements/${measurement.json().id}`,
        headers: as(cast.owner)
      });
      const deleted = await app.inject({
        method: 'DELETE',
        url: `/api/references/${cited.id}`,
        headers: as(cast.owner)
      });
      assert.equal(deleted.statusCode, 204);
      assert.equal(await referenceCount(), before - 1);
      const audit = await t.db.userTransaction(cast.owner.id, tx =>
        tx.query<{ action: string; entity: string }>(
          'SELECT action, entity FROM audit_log WHERE entity_id = $1',
          [cited.id]
        )
      );
      assert.deepEqual(audit.rows, [
        { action: 'reference.delete', entity: 'literature_references' }
      ]);
    });

    it('follows the visibility matrix for read, list, update and delete', async () => {
      await assertVisibilityMatrix(app, cast, {
        path: '/api/references',
        create: async (visibility, projectId) => {
          const response = await create(cast.owner, {
            citation: `Matrix ${visibility}`,
            visibility,
            projectId
          });
          assert.equal(response.statusCode, 201, response.body);
          return response.json().id;
        },
        patch: { licence: 'CC-BY-4.0' }
      });
    });
  });
}
