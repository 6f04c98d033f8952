import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createTestApp, countRows } from '../testing/app.js';
import { databaseTargets, type TestDatabase } from '../testing/databases.js';
import { assertVisibilityMatrix, createProjectCast, type ProjectCast } from '../testing/records.js';

for (const target of databaseTargets()) {
  describe(`experiments API on ${target.kind}`, { skip: target.skip }, () => {
    let t: TestDatabase;
    let app: FastifyInstance;
    let cast: ProjectCast;
    const as = (user: { token: string }) => ({ authorization: `Bearer ${user.token}` });
    const experimentCount = () => countRows(t.db, 'experiments');

    before(async () => {
      ({ t, app } = await createTestApp(target));
      cast = await createProjectCast(t.db, 'exps');
    });
    after(async () => {
      await app?.close();
      await t?.dispose();
    });

    const create = (user: { token: string }, payload: object) =>
      app.inject({ method: 'POST', url: '/api/experiments', headers: as(user), payload });

    it('records an experiment with protocol, conditions and date, and changes it', async () => {
      const response = await create(cast.owner, {
        title: 'DSC of glycerol solutions',
        protocol: 'cool at 10 K/min to 123 K, warm at 10 K/min',
        conditions: { coolingRateKPerMin: 10, temperatureKelvin: 123 },
        performedAt: '2024-03-05T10:00:00+01:00'
      });
      assert.equal(response.statusCode, 201, response.body);
      const created = response.json();
      assert.deepEqual(created.conditions, { coolingRateKPerMin: 10, temperatureKelvin: 123 });
      assert.equal(created.performedAt, '2024-03-05T09:00:00.000Z');
      const patched = await app.inject({
        method: 'PATCH',
        url: `/api/experiments/${created.id}`,
        headers: as(cast.owner),
        payload: { conditions: { coolingRateKPerMin: 20 }, performedAt: null }
      });
      assert.equal(patched.statusCode, 200, patched.body);
      assert.deepEqual(patched.json().conditions, { coolingRateKPerMin: 20 });
      assert.equal(patched.json().performedAt, null);
      assert.equal(patched.json().title, 'DSC of glycerol solutions');
      const listed = (
        await app.inject({ method: 'GET', url: '/api/experiments?q=dsc', headers: as(cast.owner) })
      ).json();
      assert.deepEqual(
        listed.items.map((e: { id: string }) => e.id),
        [created.id]
      );
    });

    it('refuses bad experiments by field, writing nothing', async () => {
      const before = await experimentCount();
      const cases: [object, string, number][] = [
        [{ title: '' }, 'body.title', 400],
        [{ title: 'x', conditions: [1, 2] }, 'body.conditions', 400],
        [
          { title: 'x', conditions: { temperatureKelvin: -5 } },
          'body.conditions.temperatureKelvin',
          400
        ],
        [{ title: 'x', performedAt: 'yesterday' }, 'body.performedAt', 400],
        [{ title: 'x', visibility: 'project' }, 'body.projectId', 422]
      ];
      for (const [payload, path, status] of cases) {
        const response = await create(cast.owner, payload);
        assert.equal(response.statusCode, status, `${JSON.stringify(payload)}: ${response.body}`);
        assert.ok(
          response.json().errors.some((e: { path: string }) => e.path === path),
          `${path} in ${response.body}`
        );
      }
      assert.equal(await experimentCount(), before);
    });

    it('refuses to delete an experiment measurements refer to (409), and audits a deletion', async () => {
      const experiment = (await create(cast.owner, { title: 'viability assay' })).json();
      const glycerol = (await app.inject({ method: 'GET', url: '/api/molecules?q=glycerol' }))
        .json()
        .items.find((m: { name: string }) => m.name === 'glycerol');
      const measurement = await app.inject({
        method: 'POST',
        url: '/api/measurements',
        headers: as(cast.owner),
        payload: {
          propertyType: 'cell_viability',
          moleculeId: glycerol.id,
          value: 85,
          unit: '%',
          experimentId: experiment.id
        }
      });
      assert.equal(measurement.statusCode, 201, measurement.body);
      assert.equal(measurement.json().value, 0.85);
      const before = await experimentCount();
      const refused = await app.inject({
        method: 'DELETE',
        url: `/api/experiments/${experiment.id}`,
        headers: as(cast.owner)
      });
      assert.equal(refused.statusCode, 409);
      assert.match(refused.json().detail, /measurements refer to this experiment/);
      assert.equal(await experimentCount(), before);
      await app.inject({
        method: 'DELETE',
        url: `/api/measurements/${measurement.json().id}`,
        headers: as(cast.owner)
      });
      const deleted = await app.inject({
        method: 'DELETE',
        url: `/api/experiments/${experiment.id}`,
        headers: as(cast.owner)
      });
      assert.equal(deleted.statusCode, 204);
      const audit = await t.db.userTransaction(cast.owner.id, tx =>
        tx.query<{ action: string }>('SELECT action FROM audit_log WHERE entity_id = $1', [
          experiment.id
        ])
      );
      assert.deepEqual(
        audit.rows.map(r => r.action),
        ['experiment.delete']
      );
    });

    it('follows the visibility matrix for read, list, update and delete', async () => {
      await assertVisibilityMatrix(app, cast, {
        path: '/api/experiments',
        create: async (visibility, projectId) => {
          const response = await create(cast.owner, {
            title: `Matrix ${visibility}`,
            visibility,
            projectId
          });
          assert.equal(response.statusCode, 201, response.body);
          return response.json().id;
        },
        patch: { protocol: 'revised' }
      });
    });
  });
}
