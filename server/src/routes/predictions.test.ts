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

    it('stores where each prediction stands against the training data, and returns it everywhere', async () => {
      const response = await post({
        items: [
          {
            moleculeId: w.glycerolId,
            value: 190,
            lower: 180,
            upper: 200,
            intervalLevel: 0.9,
            novelty: 0.42,
            inDomain: true
          },
          {
            moleculeId: w.dmsoId,
            value: 250,
            lower: 200,
            upper: 300,
            intervalLevel: 0.9,
            novelty: 3.5,
            inDomain: false
          },
          // An older client, or a model without adaptive intervals: neither is recorded.
          { moleculeId: w.glycerolId, value: 191 },
          { moleculeId: w.glycerolId, value: 192, novelty: null, inDomain: null },
          { moleculeId: w.glycerolId, value: 193, novelty: 0 }
        ]
      });
      assert.equal(response.statusCode, 201, response.body);
      const items = response.json().items;
      assert.deepEqual(
        items.map((p: { novelty: number | null; inDomain: boolean | null }) => [
          p.novelty,
          p.inDomain
        ]),
        [
          [0.42, true],
          [3.5, false],
          [null, null],
          [null, null],
          [0, null]
        ]
      );
      const outside = items[1];
      assert.deepEqual(
        (await call(w, w.owner, 'GET', `/api/predictions/${outside.id}`)).json(),
        outside
      );
      const listed = (
        await call(w, w.owner, 'GET', `/api/predictions?moleculeId=${w.dmsoId}&limit=200`)
      ).json();
      assert.deepEqual(
        listed.items.find((p: { id: string }) => p.id === outside.id),
        outside
      );
      const stored = await w.t.db.serviceTransaction(tx =>
        tx.query<{ novelty: number | null; in_domain: boolean | null }>(
          'SELECT novelty, in_domain FROM predictions WHERE id = $1',
          [outside.id]
        )
      );
      assert.deepEqual({ ...stored.rows[0] }, { novelty: 3.5, in_domain: false });
      // A verification of the prediction carries it with the prediction it embeds.
      const verification = await call(w, w.owner, 'POST', '/api/verifications', {
        predictionId: outside.id
      });
      assert.equal(verification.statusCode, 201, verification.body);
      assert.deepEqual(
        [verification.json().prediction.novelty, verification.json().prediction.inDomain],
        [3.5, false]
      );
      const read = await call(w, w.owner, 'GET', `/api/verifications/${verification.json().id}`);
      assert.equal(read.json().prediction.inDomain, false);
    });

    it('refuses a bad novelty or inDomain naming the field, here and in the database', async () => {
      const before = await predictions();
      const good = { moleculeId: w.glycerolId, value: 190 };
      const cases: [object, string][] = [
        [{ novelty: -0.1 }, 'body.items[1].novelty'],
        [{ novelty: 'far' }, 'body.items[1].novelty'],
        [{ inDomain: 'no' }, 'body.items[1].inDomain'],
        [{ inDomain: 0 }, 'body.items[1].inDomain']
      ];
      for (const [extra, path] of cases) {
        const response = await post({ items: [good, { ...good, ...extra }] });
        assert.equal(response.statusCode, 400, response.body);
        assert.deepEqual(
          response.json().errors.map((e: { path: string }) => e.path),
          [path],
          response.body
        );
      }
      assert.equal(await predictions(), before);
      // The database holds the same rule for any client (migration 014): finite and >= 0.
      for (const novelty of [-1, 'NaN', 'Infinity']) {
        await assert.rejects(
          w.t.db.serviceTransaction(tx =>
            tx.query(
              `INSERT INTO predictions (model_version_id, molecule_id, value, novelty, owner_id)
               VALUES ($1, $2, 1, $3::float8, $4)`,
              [modelId, w.glycerolId, novelty, w.owner.id]
            )
          ),
          /violates check constraint "predictions_novelty_check"/
        );
      }
      assert.equal(await predictions(), before);
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
