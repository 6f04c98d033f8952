import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { countRows } from '../testing/app.js';
import { databaseTargets } from '../testing/databases.js';
import {
  VISIBILITIES,
  assertReadMatrix,
  call,
  createWorld,
  type Vis,
  type World
} from '../testing/model-world.js';

for (const target of databaseTargets()) {
  describe(`predictions API on ${target.kind}`, { skip: target.skip }, () => {
    let w: World;
    let modelId: string;
    let privateModelOfEditor: string;
    const predictions = () => countRows(w.t.db, 'predictions');
    const post = (body: object, user = w.owner) =>
      call(w, user, 'POST', '/api/predictions', { modelVersionId: modelId, ...body });

    before(async () => {
      w = await createWorld(target);
      const dataset = (await call(w, w.owner, 'POST', '/api/datasets', { name: 'd' })).json();
      const snapshot = (
        await call(w, w.owner, 'POST', `/api/datasets/${dataset.id}/snapshots`, {
          columns: [{ name: 'x', type: 'number' }],
          rows: [[1]]
        })
      ).json();
      const model = (extra: object, user = w.owner) =>
        call(w, user, 'POST', '/api/models', {
          name: 'tg',
          snapshotId: snapshot.id,
          targetPropertyType: 'glass_transition',
          learner: 'ridge',
          featurizerVersion: 'f1',
          kernelVersion: '0.1.0',
          rdkitVersion: 'r1',
          seed: 1,
          ...extra
        });
      modelId = (await model({ visibility: 'public' })).json().id;
      const editorsDataset = (
        await call(w, w.editor, 'POST', '/api/datasets', { name: 'e' })
      ).json();
      const editorsSnapshot = (
        await call(w, w.editor, 'POST', `/api/datasets/${editorsDataset.id}/snapshots`, {
          columns: [{ name: 'x', type: 'number' }],
          rows: [[2]]
        })
      ).json();
      privateModelOfEditor = (await model({ snapshotId: editorsSnapshot.id }, w.editor)).json().id;
    });
    after(async () => {
      await w?.app.close();
      await w?.t.dispose();
    });

    it('stores a batch in one transaction, in order, with intervals', async () => {
      const response = await post({
        items: [
          { moleculeId: w.glycerolId, value: 190.5, lower: 185, upper: 196, intervalLevel: 0.95 },
          { moleculeId: w.dmsoId, value: 137, conditions: { coolingRateKelvinPerMinute: 10 } }
        ]
      });
      assert.equal(response.statusCode, 201, response.body);
      const [a, b] = response.json().items;
      assert.deepEqual(
        [a.moleculeId, a.value, a.lower, a.upper, a.intervalLevel],
        [w.glycerolId, 190.5, 185, 196, 0.95]
      );
      assert.deepEqual(
        [b.moleculeId, b.lower, b.conditions],
        [w.dmsoId, null, { coolingRateKelvinPerMinute: 10 }]
      );
      const read = await call(w, w.owner, 'GET', `/api/predictions/${a.id}`);
      assert.deepEqual(read.json(), a);
      const mixture = await call(w, w.owner, 'POST', '/api/mixtures', {
        name: '40 % glycerol',
        components: [{ moleculeId: w.glycerolId, amount: 40, unit: '% w/w', role: 'penetrating' }]
      });
      const forMixture = await post({ items: [{ mixtureId: mixture.json().id, value: 170 }] });
      assert.equal(forMixture.statusCode, 201);
      const byMixture = await call(
        w,
        w.owner,
        'GET',
        `/api/predictions?mixtureId=${mixture.json().id}`
      );
      assert.deepEqual(
        byMixture.json().items.map((p: { value: number }) => p.value),
        [170]
      );
      const byMolecule = await call(
        w,
        w.owner,
        'GET',
        `/api/predictions?moleculeId=${w.dmsoId}&modelVersionId=${modelId}`
      );
      assert.deepEqual(
        byMolecule.json().items.map((p: { id: string }) => p.id),
        [b.id]
      );
    });

    it('refuses inconsistent items with field paths and stores none of the batch', async () => {
      const before = await predictions();
      const good = { moleculeId: w.glycerolId, value: 190 };
      const cases: [object[], number, string[]][] = [
        [
          [
            good,
            { moleculeId: w.glycerolId, value: 190, lower: 191, upper: 200, intervalLevel: 0.9 }
          ],
          422,
          ['body.items[1].lower']
        ],
        [
          [{ moleculeId: w.glycerolId, value: 190, lower: 180, upper: 189, intervalLevel: 0.9 }],
          422,
          ['body.items[0].upper']
        ],
        [
          [{ moleculeId: w.glycerolId, value: 190, lower: 180, upper: 200 }],
          422,
          ['body.items[0].intervalLevel']
        ],
        [
          [
            good,
            { moleculeId: w.glycerolId, value: 190, lower: 180, upper: 200, intervalLevel: 1 }
          ],
          400,
          ['body.items[1].intervalLevel']
        ],
        [
          [{ moleculeId: w.glycerolId, value: 190, lower: 180, upper: 200, intervalLevel: 0 }],
          400,
          ['body.items[0].intervalLevel']
        ],
        [[{ value: 190 }], 422, ['body.items[0].moleculeId']],
        [
          [{ moleculeId: w.glycerolId, mixtureId: w.glycerolId, value: 190 }],
          422,
          ['body.items[0].moleculeId']
        ],
        [
          [good, { moleculeId: '00000000-0000-4000-8000-000000000000', value: 1 }],
          422,
          ['body.items[1].moleculeId']
        ],
        [[{ moleculeId: w.glycerolId, value: 'warm' }], 400, ['body.items[0].value']],
        [[], 400, ['body.items']]
      ];
      for (const [items, status, paths] of cases) {
        const response = await post({ items });
        assert.equal(response.statusCode, status, response.body);
        assert.deepEqual(
          response.json().errors.map((e: { path: string }) => e.path),
          paths,
          response.body
        );
      }
      const invisibleModel = await post({ modelVersionId: privateModelOfEditor, items: [good] });
      assert.equal(invisibleModel.statusCode, 422);
      assert.equal(invisibleModel.json().errors[0].path, 'body.modelVersionId');
      assert.equal((await post({ items: [good] }, null as never)).statusCode, 401);
      assert.equal(await predictions(), before);
    });

    it('applies the visibility matrix to reading and listing', async () => {
      const rows = {} as Record<Vis, string>;
      for (const vis of VISIBILITIES) {
        const response = await post({
          items: [{ moleculeId: w.glycerolId, value: 200 }],
          visibility: vis,
          ...(vis === 'project' ? { projectId: w.projectId } : {})
        });
        rows[vis] = response.json().items[0].id;
      }
      await assertReadMatrix(
        w,
        rows,
        id => `/api/predictions/${id}`,
        `/api/predictions?modelVersionId=${modelId}&limit=2`
      );
      // Writing predictions under a project needs the editor role there.
      const viewer = await post(
        {
          items: [{ moleculeId: w.glycerolId, value: 1 }],
          visibility: 'project',
          projectId: w.projectId
        },
        w.viewer
      );
      assert.equal(viewer.statusCode, 403);
      const editor = await post(
        {
          items: [{ moleculeId: w.glycerolId, value: 1 }],
          visibility: 'project',
          projectId: w.projectId
        },
        w.editor
      );
      assert.equal(editor.statusCode, 201);
    });
  });
}
