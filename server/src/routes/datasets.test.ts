import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MAX_SNAPSHOT_ROWS, snapshotHash, type SnapshotTable } from '@cryoprotect/kernel';
import { countRows } from '../testing/app.js';
import { databaseTargets } from '../testing/databases.js';
import {
  ACTORS,
  DELETE,
  READ,
  VISIBILITIES,
  WRITE,
  actorUser,
  assertReadMatrix,
  call,
  createWorld,
  insertMeasurement,
  type Vis,
  type World
} from '../testing/model-world.js';
import { createUserWithToken } from '../testing/users.js';

const table: SnapshotTable = {
  columns: [
    { name: 'smiles', type: 'text' },
    { name: 'tg_kelvin', type: 'number' },
    { name: 'conditions', type: 'json' }
  ],
  rows: [
    ['OCC(O)CO', 190.5, { method: 'DSC', rateKelvinPerMinute: 10 }],
    ['CS(C)=O', 137, null]
  ]
};

for (const target of databaseTargets()) {
  describe(`datasets and snapshots API on ${target.kind}`, { skip: target.skip }, () => {
    let w: World;
    const snapshots = () => countRows(w.t.db, 'dataset_snapshots');
    const datasets = () => countRows(w.t.db, 'datasets');
    const createDataset = async (name: string, visibility: Vis = 'private', user = w.owner) => {
      const response = await call(w, user, 'POST', '/api/datasets', {
        name,
        visibility,
        // Public rows belong to the project too, so its editors may change them.
        ...(visibility === 'project' ? { projectId: w.projectId } : {})
      });
      assert.equal(response.statusCode, 201, response.body);
      return response.json().id as string;
    };

    before(async () => {
      w = await createWorld(target);
    });
    after(async () => {
      await w?.app.close();
      await w?.t.dispose();
    });

    it('creates a dataset and refuses bad ones with the field named, writing nothing', async () => {
      const response = await call(w, w.owner, 'POST', '/api/datasets', {
        name: 'Tg of polyols',
        description: 'DSC midpoints'
      });
      assert.equal(response.statusCode, 201);
      assert.deepEqual(
        { ...(response.json() as object), id: undefined, createdAt: undefined },
        {
          id: undefined,
          createdAt: undefined,
          name: 'Tg of polyols',
          description: 'DSC midpoints',
          visibility: 'private',
          projectId: null,
          ownerId: w.owner.id,
          snapshots: []
        }
      );
      const before = await datasets();
      const empty = await call(w, w.owner, 'POST', '/api/datasets', { name: '' });
      assert.equal(empty.statusCode, 400);
      assert.deepEqual(
        empty.json().errors.map((e: { path: string }) => e.path),
        ['body.name']
      );
      const noProject = await call(w, w.owner, 'POST', '/api/datasets', {
        name: 'x',
        visibility: 'project'
      });
      assert.equal(noProject.statusCode, 422);
      assert.equal(noProject.json().errors[0].path, 'body.projectId');
      const notMember = await call(w, w.outsider, 'POST', '/api/datasets', {
        name: 'x',
        visibility: 'project',
        projectId: w.projectId
      });
      assert.equal(notMember.statusCode, 403);
      const viewerInProject = await call(w, w.viewer, 'POST', '/api/datasets', {
        name: 'x',
        visibility: 'project',
        projectId: w.projectId
      });
      assert.equal(viewerInProject.statusCode, 403);
      assert.equal((await call(w, null, 'POST', '/api/datasets', { name: 'x' })).statusCode, 401);
      const reader = await createUserWithToken(w.t.db, 'rita', '{read}');
      assert.equal((await call(w, reader, 'POST', '/api/datasets', { name: 'x' })).statusCode, 403);
      assert.equal(await datasets(), before);
    });

    it('freezes a table with the canonical hash kernel-lib computes, whatever the JSON layout', async () => {
      const id = await createDataset('hash check');
      const first = await call(w, w.owner, 'POST', `/api/datasets/${id}/snapshots`, table);
      assert.equal(first.statusCode, 201, first.body);
      const created = first.json();
      assert.equal(created.contentHash, snapshotHash(table));
      assert.equal(created.existing, false);
      assert.equal(created.rowCount, 2);
      assert.deepEqual(created.source, { upload: true });
      // Rows are returned in canonical order, and hashing what was read back gives the same hash.
      assert.deepEqual(created.rows[0], ['CS(C)=O', 137, null]);
      const read = (await call(w, null, 'GET', `/api/snapshots/${created.id}`)).statusCode;
      assert.equal(read, 404, 'a private dataset hides its snapshots from anonymous readers');
      const again = (await call(w, w.owner, 'GET', `/api/snapshots/${created.id}`)).json();
      assert.equal(snapshotHash({ columns: again.columns, rows: again.rows }), created.contentHash);

      // The same content with other key order, whitespace, number spelling and row order.
      const before = await snapshots();
      const text = `{ "rows" : [ [ "CS(C)=O", 1.37e2, null ],
        ["OCC(O)CO", 190.50, {"rateKelvinPerMinute": 10.0, "method": "DSC"}] ],
        "columns": [ {"type":"text","name":"smiles"}, {"type":"number","name":"tg_kelvin"},
                     {"name":"conditions","type":"json"} ] }`;
      const same = await w.app.inject({
        method: 'POST',
        url: `/api/datasets/${id}/snapshots`,
        headers: { authorization: `Bearer ${w.owner.token}`, 'content-type': 'application/json' },
        payload: text
      });
      assert.equal(same.statusCode, 200, same.body);
      assert.equal(same.json().id, created.id);
      assert.equal(same.json().existing, true);
      assert.equal(await snapshots(), before);

      // Any changed value is new content.
      const changed = await call(w, w.owner, 'POST', `/api/datasets/${id}/snapshots`, {
        ...table,
        rows: [table.rows[0], ['CS(C)=O', 137.5, null]]
      });
      assert.equal(changed.statusCode, 201);
      assert.notEqual(changed.json().contentHash, created.contentHash);

      const byHash = await call(w, w.owner, 'GET', `/api/snapshots/by-hash/${created.contentHash}`);
      assert.equal(byHash.statusCode, 200);
      assert.equal(byHash.json().id, created.id);
      assert.equal(
        (await call(w, w.outsider, 'GET', `/api/snapshots/by-hash/${created.contentHash}`))
          .statusCode,
        404
      );
      const badHash = await call(w, w.owner, 'GET', '/api/snapshots/by-hash/ABC');
      assert.equal(badHash.statusCode, 400);
      assert.equal(badHash.json().errors[0].path, 'params.hash');

      const dataset = (await call(w, w.owner, 'GET', `/api/datasets/${id}`)).json();
      assert.deepEqual(
        dataset.snapshots.map((s: { contentHash: string }) => s.contentHash),
        [created.contentHash, changed.json().contentHash]
      );
      assert.equal(dataset.snapshots[0].rows, undefined, 'summaries carry no rows');
    });

    it('refuses invalid snapshots with the cell or field named, writing nothing', async () => {
      const id = await createDataset('bad snapshots');
      const before = await snapshots();
      const post = (body: object) =>
        call(w, w.owner, 'POST', `/api/datasets/${id}/snapshots`, body);
      const cases: [object, number, string][] = [
        [{ ...table, rows: [table.rows[0], ['CS(C)=O', '137', null]] }, 422, 'body.rows[1][1]'],
        [{ ...table, rows: [['OCC(O)CO', 1]] }, 422, 'body.rows[0]'],
        [
          { columns: [...table.columns, { name: 'smiles', type: 'text' }], rows: [] },
          422,
          'body.columns[3].name'
        ],
        [{ columns: [{ name: 'x', type: 'float' }], rows: [] }, 400, 'body.columns[0].type'],
        [{ columns: table.columns }, 422, 'body.rows'],
        [{ ...table, fromMeasurements: { propertyType: 'glass_transition' } }, 422, 'body'],
        [{}, 422, 'body'],
        [
          { fromMeasurements: { propertyType: 'melting_point' } },
          422,
          'body.fromMeasurements.propertyType'
        ],
        [
          { fromMeasurements: { propertyType: 'glass_transition', colour: 'red' } },
          400,
          'body.fromMeasurements.colour'
        ],
        [
          {
            columns: [{ name: 'x', type: 'integer' }],
            rows: Array.from({ length: MAX_SNAPSHOT_ROWS + 1 }, () => [1])
          },
          413,
          'body.rows'
        ]
      ];
      for (const [body, status, path] of cases) {
        const response = await post(body);
        assert.equal(response.statusCode, status, `${path}: ${response.body}`);
        assert.equal(response.json().errors?.[0]?.path, path, response.body);
      }
      const huge = await w.app.inject({
        method: 'POST',
        url: `/api/datasets/${id}/snapshots`,
        headers: { authorization: `Bearer ${w.owner.token}`, 'content-type': 'application/json' },
        payload: `{"columns":[{"name":"x","type":"text"}],"rows":[["${'a'.repeat(65 << 20)}"]]}`
      });
      assert.equal(huge.statusCode, 413);
      assert.equal(await snapshots(), before);
    });

    it('snapshots visible measurements without carrying them to readers who could not see them', async () => {
      const mine = await insertMeasurement(w.t.db, w.owner, {
        propertyType: 'glass_transition',
        moleculeId: w.glycerolId,
        value: 180,
        visibility: 'private'
      });
      const editorsProjectRow = await insertMeasurement(w.t.db, w.editor, {
        propertyType: 'glass_transition',
        moleculeId: w.dmsoId,
        value: 140,
        visibility: 'project',
        projectId: w.projectId
      });
      const editorsPrivate = await insertMeasurement(w.t.db, w.editor, {
        propertyType: 'glass_transition',
        moleculeId: w.dmsoId,
        value: 141
      });
      const { rows: publicRows } = await w.t.db.serviceTransaction(tx =>
        tx.query<{ id: string; verified: boolean }>(
          `SELECT m.id, m.verified FROM measurements m JOIN property_types t ON t.id = m.property_type_id
           WHERE t.key = 'glass_transition' AND m.visibility = 'public'`
        )
      );
      assert.ok(publicRows.length > 0, 'the reference data has public Tg measurements');
      const ids = async (visibility: Vis, filters: object = {}) => {
        const dataset = await createDataset(`from measurements ${visibility}`, visibility);
        const response = await call(w, w.owner, 'POST', `/api/datasets/${dataset}/snapshots`, {
          fromMeasurements: { propertyType: 'glass_transition', ...filters }
        });
        assert.equal(response.statusCode, 201, response.body);
        const snapshot = response.json();
        assert.equal(snapshot.contentHash, snapshotHash(snapshot));
        assert.deepEqual(snapshot.source.fromMeasurements.propertyType, 'glass_transition');
        const column = snapshot.columns.findIndex(
          (c: { name: string }) => c.name === 'measurement_id'
        );
        return { snapshot, ids: new Set<string>(snapshot.rows.map((r: string[]) => r[column])) };
      };
      const priv = await ids('private');
      assert.deepEqual(
        priv.snapshot.columns.map((c: { name: string }) => c.name),
        [
          'measurement_id',
          'property_type',
          'molecule_id',
          'inchikey',
          'smiles',
          'mixture_id',
          'components',
          'value',
          'unit',
          'uncertainty',
          'conditions',
          'method',
          'verified',
          'reference_id',
          'experiment_id'
        ]
      );
      assert.ok(
        priv.ids.has(mine) && priv.ids.has(editorsProjectRow) && !priv.ids.has(editorsPrivate)
      );
      assert.equal(priv.ids.size, publicRows.length + 2);
      const glycerolRow = priv.snapshot.rows.find((r: string[]) => r[0] === mine);
      assert.deepEqual(glycerolRow.slice(1, 4), [
        'glass_transition',
        w.glycerolId,
        'PEDCQBHIVMGVHV-UHFFFAOYSA-N'
      ]);
      assert.equal(glycerolRow[7], 180);
      assert.equal(glycerolRow[8], 'K');
      const proj = await ids('project');
      assert.ok(proj.ids.has(mine) && proj.ids.has(editorsProjectRow));
      const pub = await ids('public');
      assert.ok(pub.ids.has(mine), 'the owner may publish their own measurement');
      assert.ok(
        !pub.ids.has(editorsProjectRow),
        "another member's project measurement stays in the project"
      );
      const verified = await ids('private', { verifiedOnly: true, subject: 'molecule' });
      assert.equal(verified.ids.size, publicRows.filter(r => r.verified).length);
      assert.ok(!verified.ids.has(mine));
    });

    it('keeps snapshots immutable and datasets with snapshots undeletable; deletions are audited', async () => {
      const id = await createDataset('kept');
      const snapshot = (
        await call(w, w.owner, 'POST', `/api/datasets/${id}/snapshots`, table)
      ).json();
      await assert.rejects(
        w.t.db.serviceTransaction(tx =>
          tx.query(`UPDATE dataset_snapshots SET row_count = 0 WHERE id = $1`, [snapshot.id])
        ),
        /immutable/
      );
      const before = await datasets();
      const refused = await call(w, w.owner, 'DELETE', `/api/datasets/${id}`);
      assert.equal(refused.statusCode, 409);
      assert.match(refused.json().detail, /1 snapshot/);
      assert.equal(await datasets(), before);
      const empty = await createDataset('to delete');
      assert.equal((await call(w, w.owner, 'DELETE', `/api/datasets/${empty}`)).statusCode, 204);
      assert.equal((await call(w, w.owner, 'GET', `/api/datasets/${empty}`)).statusCode, 404);
      const audit = await w.t.db.userTransaction(w.owner.id, tx =>
        tx.query<{ action: string }>('SELECT action FROM audit_log WHERE entity_id = $1', [empty])
      );
      assert.deepEqual(
        audit.rows.map(r => r.action),
        ['dataset.delete']
      );
    });

    it('applies the visibility matrix to reading, listing, changing, snapshotting and deleting', async () => {
      const rows = {} as Record<Vis, string>;
      const snapshotOf = {} as Record<Vis, string>;
      for (const vis of VISIBILITIES) {
        rows[vis] = await createDataset(`matrix ${vis}`, vis);
        snapshotOf[vis] = (
          await call(w, w.owner, 'POST', `/api/datasets/${rows[vis]}/snapshots`, table)
        ).json().id;
      }
      await assertReadMatrix(
        w,
        rows,
        id => `/api/datasets/${id}`,
        '/api/datasets?q=matrix&limit=2'
      );
      for (const actor of ACTORS) {
        const user = actorUser(w, actor);
        for (const vis of VISIBILITIES) {
          const read = await call(w, user, 'GET', `/api/snapshots/${snapshotOf[vis]}`);
          assert.equal(read.statusCode, READ[actor][vis], `${actor} reads snapshot ${vis}`);
          const patch = await call(w, user, 'PATCH', `/api/datasets/${rows[vis]}`, {
            description: `changed by ${actor}`
          });
          assert.equal(
            patch.statusCode,
            WRITE[actor][vis],
            `${actor} changes ${vis}: ${patch.body}`
          );
          const before = await snapshots();
          const snap = await call(w, user, 'POST', `/api/datasets/${rows[vis]}/snapshots`, {
            ...table,
            rows: [[actor, 1, null]]
          });
          assert.equal(
            snap.statusCode,
            WRITE[actor][vis] === 200 ? 201 : WRITE[actor][vis],
            `${actor} snapshots ${vis}`
          );
          assert.equal(await snapshots(), before + (snap.statusCode === 201 ? 1 : 0));
        }
      }
      for (const actor of ACTORS) {
        for (const vis of VISIBILITIES) {
          const id = await createDataset(`delete ${actor} ${vis}`, vis);
          const before = await datasets();
          const response = await call(w, actorUser(w, actor), 'DELETE', `/api/datasets/${id}`);
          assert.equal(response.statusCode, DELETE[actor][vis], `${actor} deletes ${vis}`);
          assert.equal(await datasets(), before - (response.statusCode === 204 ? 1 : 0));
        }
      }
    });

    it('changes visibility only with a project, and only for writers', async () => {
      const id = await createDataset('re-share');
      const noProject = await call(w, w.owner, 'PATCH', `/api/datasets/${id}`, {
        visibility: 'project'
      });
      assert.equal(noProject.statusCode, 422);
      assert.equal(noProject.json().errors[0].path, 'body.projectId');
      const shared = await call(w, w.owner, 'PATCH', `/api/datasets/${id}`, {
        visibility: 'project',
        projectId: w.projectId,
        name: 're-shared'
      });
      assert.equal(shared.statusCode, 200);
      assert.equal(shared.json().name, 're-shared');
      assert.equal((await call(w, w.viewer, 'GET', `/api/datasets/${id}`)).statusCode, 200);
      const unknownField = await call(w, w.owner, 'PATCH', `/api/datasets/${id}`, {
        ownerId: w.editor.id
      });
      assert.equal(unknownField.statusCode, 400);
    });
  });
}
