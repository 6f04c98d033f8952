import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiError, CryoProtectClient, snapshotHash } from '@cryoprotect/kernel';
import { countRows } from '../testing/app.js';
import { databaseTargets } from '../testing/databases.js';
import {
  ACTORS,
  DELETE,
  VISIBILITIES,
  actorUser,
  assertReadMatrix,
  call,
  createWorld,
  insertMeasurement,
  type User,
  type Vis,
  type World
} from '../testing/model-world.js';

for (const target of databaseTargets()) {
  describe(`model versions API on ${target.kind}`, { skip: target.skip }, () => {
    let w: World;
    let snapshotId: string;
    let snapshotContentHash: string;
    const models = () => countRows(w.t.db, 'model_versions');
    const registration = (name: string, extra: object = {}) => ({
      name,
      snapshotId,
      targetPropertyType: 'glass_transition',
      learner: 'gaussian-process',
      featurizerVersion: 'morgan2-2048@1',
      kernelVersion: '0.1.0',
      rdkitVersion: '2026.09.1',
      params: { lengthScale: 'fitted' },
      seed: 42,
      metrics: { rmseKelvin: 'not computed in this test' },
      codeCommit: 'abc1234',
      ...extra
    });
    const register = async (user: User, name: string, extra: object = {}) => {
      const response = await call(w, user, 'POST', '/api/models', registration(name, extra));
      assert.equal(response.statusCode, 201, response.body);
      return response.json();
    };

    before(async () => {
      w = await createWorld(target);
      const dataset = (
        await call(w, w.owner, 'POST', '/api/datasets', {
          name: 'training',
          visibility: 'project',
          projectId: w.projectId
        })
      ).json();
      const snapshot = (
        await call(w, w.owner, 'POST', `/api/datasets/${dataset.id}/snapshots`, {
          fromMeasurements: { propertyType: 'glass_transition' }
        })
      ).json();
      snapshotId = snapshot.id;
      snapshotContentHash = snapshot.contentHash;
    });
    after(async () => {
      await w?.app.close();
      await w?.t.dispose();
    });

    it('registers versions numbered per owner and name, with provenance', async () => {
      const first = await register(w.owner, 'tg-gp');
      assert.equal(first.version, 1);
      assert.equal(first.snapshotHash, snapshotContentHash);
      assert.equal(first.targetPropertyType, 'glass_transition');
      assert.equal(first.targetUnit, 'K');
      assert.equal(first.seed, 42);
      assert.deepEqual(first.params, { lengthScale: 'fitted' });
      assert.equal(first.artifact, null);
      const second = await register(w.owner, 'tg-gp', { artifact: { weights: [0.5, -1.25] } });
      assert.equal(second.version, 2);
      assert.deepEqual(second.artifact, { weights: [0.5, -1.25] });
      // Another owner's numbering is independent.
      assert.equal((await register(w.editor, 'tg-gp')).version, 1);
    });

    it('gives concurrent registrations of one name distinct consecutive versions', async () => {
      const responses = await Promise.all(
        Array.from({ length: 6 }, () =>
          call(w, w.owner, 'POST', '/api/models', registration('concurrent'))
        )
      );
      assert.deepEqual(
        responses.map(r => r.statusCode),
        Array(6).fill(201),
        responses.map(r => r.body).join('\n')
      );
      assert.deepEqual(
        responses.map(r => r.json().version as number).sort((a, b) => a - b),
        [1, 2, 3, 4, 5, 6]
      );
    });

    it('refuses bad registrations with the field named, writing nothing', async () => {
      const before = await models();
      const cases: [object, number, string[]][] = [
        [
          {
            snapshotId: '00000000-0000-4000-8000-000000000000',
            targetPropertyType: 'boiling_point'
          },
          422,
          ['body.snapshotId', 'body.targetPropertyType']
        ],
        [{ name: '-leading-dash' }, 400, ['body.name']],
        [{ codeCommit: 'not-a-sha' }, 400, ['body.codeCommit']],
        [{ seed: 1.5 }, 400, ['body.seed']],
        [{ visibility: 'project' }, 422, ['body.projectId']]
      ];
      for (const [extra, status, paths] of cases) {
        const response = await call(w, w.owner, 'POST', '/api/models', {
          ...registration('refused'),
          ...extra
        });
        assert.equal(response.statusCode, status, response.body);
        assert.deepEqual(
          response.json().errors.map((e: { path: string }) => e.path),
          paths
        );
      }
      // The snapshot is in a project dataset: an outsider cannot train on it.
      const outsider = await call(w, w.outsider, 'POST', '/api/models', registration('x'));
      assert.equal(outsider.statusCode, 422);
      assert.equal(outsider.json().errors[0].path, 'body.snapshotId');
      assert.equal(await models(), before);
    });

    it('loads by name and version, latest, and asks for the owner when a name is shared', async () => {
      const v2 = await call(w, w.owner, 'GET', '/api/models/tg-gp/versions/2');
      assert.equal(v2.statusCode, 200);
      assert.equal(v2.json().version, 2);
      assert.equal(
        (await call(w, w.owner, 'GET', '/api/models/tg-gp/versions/latest')).json().version,
        2
      );
      assert.equal((await call(w, w.owner, 'GET', '/api/models/tg-gp/versions/9')).statusCode, 404);
      const bad = await call(w, w.owner, 'GET', '/api/models/tg-gp/versions/zero');
      assert.equal(bad.statusCode, 400);
      assert.equal(bad.json().errors[0].path, 'params.version');
      // The editor owns a tg-gp too, but their own wins; both are private, so others see none.
      assert.equal(
        (await call(w, w.editor, 'GET', '/api/models/tg-gp/versions/latest')).json().ownerId,
        w.editor.id
      );
      assert.equal(
        (await call(w, w.viewer, 'GET', '/api/models/tg-gp/versions/1')).statusCode,
        404
      );
      await register(w.owner, 'shared-name', { visibility: 'public' });
      await register(w.editor, 'shared-name', { visibility: 'public' });
      const ambiguous = await call(w, w.viewer, 'GET', '/api/models/shared-name/versions/1');
      assert.equal(ambiguous.statusCode, 409);
      assert.equal(ambiguous.json().errors[0].path, 'querystring.ownerId');
      const chosen = await call(
        w,
        w.viewer,
        'GET',
        `/api/models/shared-name/versions/1?ownerId=${w.editor.id}`
      );
      assert.equal(chosen.json().ownerId, w.editor.id);
    });

    it('keeps model versions immutable and refuses deleting one that made predictions', async () => {
      const model = await register(w.owner, 'immutable');
      const patch = await call(w, w.owner, 'PATCH', `/api/models/${model.id}`, {
        visibility: 'public'
      });
      assert.equal(patch.statusCode, 405);
      assert.match(patch.json().detail, /register a new version/);
      await assert.rejects(
        w.t.db.serviceTransaction(tx =>
          tx.query(`UPDATE model_versions SET visibility = 'public' WHERE id = $1`, [model.id])
        ),
        /immutable/
      );
      const predicted = await call(w, w.owner, 'POST', '/api/predictions', {
        modelVersionId: model.id,
        items: [{ moleculeId: w.glycerolId, value: 190 }]
      });
      assert.equal(predicted.statusCode, 201);
      const before = await models();
      const refused = await call(w, w.owner, 'DELETE', `/api/models/${model.id}`);
      assert.equal(refused.statusCode, 409);
      assert.match(refused.json().detail, /1 prediction/);
      assert.equal(await models(), before);
      const unused = await register(w.owner, 'unused');
      assert.equal((await call(w, w.owner, 'DELETE', `/api/models/${unused.id}`)).statusCode, 204);
      const audit = await w.t.db.userTransaction(w.owner.id, tx =>
        tx.query<{ action: string; details: { name: string } }>(
          'SELECT action, details FROM audit_log WHERE entity_id = $1',
          [unused.id]
        )
      );
      assert.deepEqual(
        audit.rows.map(r => [r.action, r.details.name]),
        [['model_version.delete', 'unused']]
      );
    });

    it('applies the visibility matrix to reading, listing and deleting', async () => {
      const rows = {} as Record<Vis, string>;
      for (const vis of VISIBILITIES) {
        rows[vis] = (
          await register(w.owner, `matrix-${vis}`, {
            visibility: vis,
            ...(vis === 'project' ? { projectId: w.projectId } : {})
          })
        ).id;
      }
      await assertReadMatrix(w, rows, id => `/api/models/${id}`, '/api/models?limit=3');
      const filtered = (
        await call(w, w.owner, 'GET', '/api/models?name=tg-gp&targetPropertyType=glass_transition')
      ).json();
      assert.deepEqual(
        filtered.items.map((m: { version: number }) => m.version),
        [1, 2]
      );
      assert.deepEqual(
        (await call(w, w.owner, 'GET', '/api/models?targetPropertyType=density')).json().items,
        []
      );
      for (const actor of ACTORS) {
        for (const vis of VISIBILITIES) {
          const id = (
            await register(w.owner, `delete-${vis}`, {
              visibility: vis,
              ...(vis === 'project' ? { projectId: w.projectId } : {})
            })
          ).id;
          const before = await models();
          const response = await call(w, actorUser(w, actor), 'DELETE', `/api/models/${id}`);
          assert.equal(response.statusCode, DELETE[actor][vis], `${actor} deletes ${vis}`);
          assert.equal(await models(), before - (response.statusCode === 204 ? 1 : 0));
        }
      }
    });

    it('serves the whole model lifecycle to the kernel-lib client on a listening server', async () => {
      const address = await w.app.listen({ port: 0, host: '127.0.0.1' });
      const olga = new CryoProtectClient({ serverUrl: address, token: w.owner.token });
      const edith = new CryoProtectClient({ serverUrl: address, token: w.editor.token });
      const anonymous = new CryoProtectClient({ serverUrl: address });

      const dataset = await olga.datasets.create({
        name: 'client dataset',
        visibility: 'project',
        projectId: w.projectId
      });
      const renamed = await olga.datasets.update(dataset.id, {
        description: 'for the client test'
      });
      assert.equal(renamed.description, 'for the client test');
      const table = {
        columns: [
          { name: 'smiles', type: 'text' as const },
          { name: 'tg', type: 'number' as const }
        ],
        rows: [['OCC(O)CO', 190]]
      };
      const snapshot = await olga.snapshots.create(dataset.id, table);
      assert.equal(snapshot.contentHash, snapshotHash(table));
      assert.equal((await olga.snapshots.create(dataset.id, table)).existing, true);
      assert.equal((await olga.snapshots.getByHash(snapshot.contentHash)).id, snapshot.id);
      assert.deepEqual((await olga.snapshots.get(snapshot.id)).rows, [['OCC(O)CO', 190]]);
      assert.equal((await olga.datasets.get(dataset.id)).snapshots.length, 1);
      const listed: string[] = [];
      for await (const d of olga.datasets.list({ q: 'client', pageSize: 1 })) listed.push(d.id);
      assert.deepEqual(listed, [dataset.id]);

      const model = await olga.models.register({
        ...registration('client-model'),
        snapshotId: snapshot.id,
        visibility: 'project',
        projectId: w.projectId
      });
      assert.equal((await olga.models.getVersion('client-model')).id, model.id);
      assert.equal(
        (await olga.models.getVersion('client-model', 1, { ownerId: w.owner.id })).id,
        model.id
      );
      assert.equal((await olga.models.get(model.id)).version, 1);
      const models: number[] = [];
      for await (const m of olga.models.list({ name: 'client-model' })) models.push(m.version);
      assert.deepEqual(models, [1]);

      const [prediction] = await olga.predictions.create({
        modelVersionId: model.id,
        items: [
          { moleculeId: w.glycerolId, value: 190, lower: 185, upper: 195, intervalLevel: 0.9 }
        ],
        visibility: 'project',
        projectId: w.projectId
      });
      assert.equal((await olga.predictions.get(prediction.id)).intervalLevel, 0.9);
      const predictions: string[] = [];
      for await (const p of olga.predictions.list({ modelVersionId: model.id }))
        predictions.push(p.id);
      assert.deepEqual(predictions, [prediction.id]);

      const requested = await olga.verifications.request({
        predictionId: prediction.id,
        plannedExperiment: 'DSC, 10 K/min',
        visibility: 'project',
        projectId: w.projectId
      });
      await olga.verifications.start(requested.id);
      const measurement = await insertMeasurement(w.t.db, w.owner, {
        propertyType: 'glass_transition',
        moleculeId: w.glycerolId,
        value: 191,
        visibility: 'project',
        projectId: w.projectId
      });
      await olga.verifications.measured(requested.id, measurement);
      await assert.rejects(
        olga.verifications.verify(requested.id),
        (error: unknown) => error instanceof ApiError && error.status === 403
      );
      const verified = await edith.verifications.verify(requested.id);
      assert.equal(verified.state, 'verified');
      assert.deepEqual(
        verified.events.map(e => e.toState),
        ['requested', 'in_progress', 'measured', 'verified']
      );
      const states: string[] = [];
      for await (const v of olga.verifications.list({ predictionId: prediction.id }))
        states.push(v.state);
      assert.deepEqual(states, ['verified']);
      assert.equal((await olga.verifications.get(requested.id)).reviewedBy, w.editor.id);

      const second = await olga.verifications.request({
        predictionId: prediction.id,
        visibility: 'project',
        projectId: w.projectId
      });
      await olga.verifications.start(second.id);
      // One measurement answers one request: the second is measured again.
      const again = await insertMeasurement(w.t.db, w.owner, {
        propertyType: 'glass_transition',
        moleculeId: w.glycerolId,
        value: 189,
        visibility: 'project',
        projectId: w.projectId
      });
      await olga.verifications.measured(second.id, again);
      assert.equal(
        (await edith.verifications.reject(second.id, 'sample crystallized')).reviewReason,
        'sample crystallized'
      );

      await assert.rejects(anonymous.datasets.create({ name: 'x' }), { status: 401 });
      await assert.rejects(olga.models.delete(model.id), { status: 409, type: 'has-predictions' });
      await assert.rejects(olga.datasets.delete(dataset.id), {
        status: 409,
        type: 'has-snapshots'
      });
      const empty = await olga.datasets.create({ name: 'client empty' });
      await olga.datasets.delete(empty.id);
      const spare = await olga.models.register({
        ...registration('client-spare'),
        snapshotId: snapshot.id
      });
      await olga.models.delete(spare.id);
      await assert.rejects(olga.models.get(spare.id), { status: 404 });
    });
  });
}
