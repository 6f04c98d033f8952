import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { countRows } from '../testing/app.js';
import { databaseTargets } from '../testing/databases.js';
import {
  ACTORS,
  VISIBILITIES,
  WRITE,
  actorUser,
  assertReadMatrix,
  call,
  createWorld,
  insertMeasurement,
  registerTestModel,
  type User,
  type Vis,
  type World
} from '../testing/model-world.js';

for (const target of databaseTargets()) {
  describe(`verifications API on ${target.kind}`, { skip: target.skip }, () => {
    let w: World;
    let predictionId: string;
    const events = () => countRows(w.t.db, 'verification_events');
    const shared = () => ({ visibility: 'project', projectId: w.projectId });
    const request = async (user: User = w.owner, extra: object = {}) => {
      const response = await call(w, user, 'POST', '/api/verifications', {
        predictionId,
        plannedExperiment: 'DSC at 10 K/min, midpoint Tg',
        conditions: { coolingRateKelvinPerMinute: 10 },
        ...shared(),
        ...extra
      });
      assert.equal(response.statusCode, 201, response.body);
      return response.json().id as string;
    };
    const step = (user: User | null, id: string, action: string, body: object = {}) =>
      call(w, user, 'POST', `/api/verifications/${id}/${action}`, body);
    const measurement = (user: User, extra: object = {}) =>
      insertMeasurement(w.t.db, user, {
        propertyType: 'glass_transition',
        moleculeId: w.glycerolId,
        value: 191,
        ...shared(),
        ...extra
      } as Parameters<typeof insertMeasurement>[2]);
    const isVerified = async (id: string) =>
      (
        await w.t.db.serviceTransaction(tx =>
          tx.query<{ verified: boolean }>('SELECT verified FROM measurements WHERE id = $1', [id])
        )
      ).rows[0].verified;

    before(async () => {
      w = await createWorld(target);
      const model = await registerTestModel(w, w.owner, 'tg', shared());
      predictionId = (
        await call(w, w.owner, 'POST', '/api/predictions', {
          modelVersionId: model.id,
          items: [{ moleculeId: w.glycerolId, value: 190 }],
          ...shared()
        })
      ).json().items[0].id;
    });
    after(async () => {
      await w?.app.close();
      await w?.t.dispose();
    });

    it('walks requested -> in_progress -> measured -> verified, marking the measurement verified', async () => {
      const id = await request(w.owner, { assigneeId: w.editor.id });
      const made = await measurement(w.editor);
      assert.equal((await step(w.editor, id, 'start')).json().state, 'in_progress');
      const measured = (await step(w.editor, id, 'measured', { measurementId: made })).json();
      assert.deepEqual(
        [measured.state, measured.measurementId, measured.measuredBy],
        ['measured', made, w.editor.id]
      );
      assert.equal(await isVerified(made), false);
      const verified = await step(w.owner, id, 'verify');
      assert.equal(verified.statusCode, 200, verified.body);
      assert.equal(verified.json().reviewedBy, w.owner.id);
      assert.equal(await isVerified(made), true);
      const history = (await call(w, w.viewer, 'GET', `/api/verifications/${id}`)).json();
      assert.equal(history.assigneeId, w.editor.id);
      assert.deepEqual(
        history.events.map((e: { fromState: string | null; toState: string; actorId: string }) => [
          e.fromState,
          e.toState,
          e.actorId
        ]),
        [
          [null, 'requested', w.owner.id],
          ['requested', 'in_progress', w.editor.id],
          ['in_progress', 'measured', w.editor.id],
          ['measured', 'verified', w.owner.id]
        ]
      );
      // The verified measurement now feeds verifiedOnly snapshots.
      const dataset = (
        await call(w, w.owner, 'POST', '/api/datasets', { name: 'verified only' })
      ).json();
      const snapshot = (
        await call(w, w.owner, 'POST', `/api/datasets/${dataset.id}/snapshots`, {
          fromMeasurements: { propertyType: 'glass_transition', verifiedOnly: true }
        })
      ).json();
      assert.ok(snapshot.rows.some((r: string[]) => r[0] === made));
    });

    it('rejects with a reason, leaving the measurement unverified', async () => {
      const id = await request();
      const made = await measurement(w.editor);
      await step(w.editor, id, 'start');
      await step(w.editor, id, 'measured', { measurementId: made });
      const noReason = await step(w.owner, id, 'reject', { reason: '  ' });
      assert.equal(noReason.statusCode, 400);
      assert.equal(noReason.json().errors[0].path, 'body.reason');
      const rejected = await step(w.owner, id, 'reject', {
        reason: 'the sample crystallized on cooling'
      });
      assert.equal(rejected.statusCode, 200);
      assert.equal(rejected.json().state, 'rejected');
      assert.equal(rejected.json().events.at(-1).reason, 'the sample crystallized on cooling');
      assert.equal(await isVerified(made), false);
    });

    it('refuses illegal transitions with the current and allowed states, changing nothing', async () => {
      const id = await request();
      const before = await events();
      const early = await step(w.owner, id, 'verify');
      assert.equal(early.statusCode, 409);
      assert.match(
        early.json().detail,
        /is requested; it cannot become verified\. Allowed next: in_progress/
      );
      assert.equal(
        (await step(w.owner, id, 'measured', { measurementId: await measurement(w.owner) }))
          .statusCode,
        409
      );
      await step(w.owner, id, 'start');
      const twice = await step(w.owner, id, 'start');
      assert.equal(twice.statusCode, 409);
      assert.match(twice.json().detail, /is in_progress.*Allowed next: measured/);
      // Measured and recorded by the owner, reviewed by the editor.
      const made = await measurement(w.owner);
      await step(w.owner, id, 'measured', { measurementId: made });
      assert.equal((await step(w.editor, id, 'verify')).statusCode, 200);
      const final = await step(w.editor, id, 'reject', { reason: 'second thoughts' });
      assert.equal(final.statusCode, 409);
      assert.match(final.json().detail, /is verified.*none \(final state\)/);
      assert.equal(await events(), before + 3);
      // The database enforces the same order whoever writes.
      await assert.rejects(
        w.t.db.serviceTransaction(tx =>
          tx.query(`UPDATE verifications SET state = 'in_progress' WHERE id = $1`, [id])
        ),
        /cannot go from verified to in_progress/
      );
    });

    it('never lets anyone review their own measurement', async () => {
      const id = await request();
      // Nobody records someone else's measurement as theirs: a measurer is its measurement's owner.
      await step(w.editor, id, 'start');
      const ownersMeasurement = await measurement(w.owner);
      const borrowed = await step(w.editor, id, 'measured', { measurementId: ownersMeasurement });
      assert.equal(borrowed.statusCode, 422, borrowed.body);
      assert.match(borrowed.json().errors[0].message, /one you recorded yourself/);
      const editorsMeasurement = await measurement(w.editor);
      await step(w.editor, id, 'measured', { measurementId: editorsMeasurement });
      const before = await events();
      for (const [action, body] of [
        ['verify', {}],
        ['reject', { reason: 'no' }]
      ] as const) {
        const response = await step(w.editor, id, action, body);
        assert.equal(response.statusCode, 403, response.body);
        assert.match(response.json().detail, /nobody reviews their own measurement/);
      }
      assert.equal(await events(), before);
      assert.equal(await isVerified(editorsMeasurement), false);
      assert.equal(
        (await call(w, w.owner, 'GET', `/api/verifications/${id}`)).json().state,
        'measured'
      );
      // The owner, who did not measure, may.
      assert.deepEqual(
        (await call(w, w.owner, 'GET', `/api/verifications/${id}`)).json().allowedActions,
        ['verify', 'reject']
      );
    });

    it('requires a visible measurement of the predicted property and subject', async () => {
      const id = await request();
      await step(w.owner, id, 'start');
      const before = await events();
      const hidden = await insertMeasurement(w.t.db, w.outsider, {
        propertyType: 'glass_transition',
        moleculeId: w.glycerolId,
        value: 190
      });
      const otherProperty = await insertMeasurement(w.t.db, w.owner, {
        propertyType: 'density',
        moleculeId: w.glycerolId,
        value: 1.26
      });
      const otherMolecule = await insertMeasurement(w.t.db, w.owner, {
        propertyType: 'glass_transition',
        moleculeId: w.dmsoId,
        value: 137
      });
      for (const [measurementId, message] of [
        [hidden, /not visible to you/],
        [otherProperty, /target property/],
        [otherMolecule, /another molecule or mixture/]
      ] as const) {
        const response = await step(w.owner, id, 'measured', { measurementId });
        assert.equal(response.statusCode, 422, response.body);
        assert.equal(response.json().errors[0].path, 'body.measurementId');
        assert.match(response.json().errors[0].message, message);
      }
      assert.equal(await events(), before);
      const badRequests: [object, number, string][] = [
        [{ predictionId: '00000000-0000-4000-8000-000000000000' }, 422, 'body.predictionId'],
        [{ assigneeId: '00000000-0000-4000-8000-000000000000' }, 422, 'body.assigneeId'],
        [{ visibility: 'project', projectId: undefined }, 422, 'body.projectId'],
        [{ conditions: [] }, 400, 'body.conditions']
      ];
      const verifications = await countRows(w.t.db, 'verifications');
      for (const [extra, status, path] of badRequests) {
        const response = await call(w, w.owner, 'POST', '/api/verifications', {
          predictionId,
          ...extra
        });
        assert.equal(response.statusCode, status, response.body);
        assert.equal(response.json().errors[0].path, path);
      }
      assert.equal(await countRows(w.t.db, 'verifications'), verifications);
    });

    it('applies the visibility matrix to reading, listing and stepping', async () => {
      const rows = {} as Record<Vis, string>;
      for (const vis of VISIBILITIES) {
        rows[vis] = await request(w.owner, {
          visibility: vis,
          projectId: vis === 'project' ? w.projectId : undefined
        });
      }
      await assertReadMatrix(
        w,
        rows,
        id => `/api/verifications/${id}`,
        '/api/verifications?state=requested&limit=4'
      );
      for (const actor of ACTORS) {
        for (const vis of VISIBILITIES) {
          const id = await request(w.owner, {
            visibility: vis,
            projectId: vis === 'project' ? w.projectId : undefined
          });
          const response = await step(actorUser(w, actor), id, 'start');
          assert.equal(
            response.statusCode,
            WRITE[actor][vis],
            `${actor} starts ${vis}: ${response.body}`
          );
          const state = (await call(w, w.owner, 'GET', `/api/verifications/${id}`)).json().state;
          assert.equal(state, response.statusCode === 200 ? 'in_progress' : 'requested');
        }
      }
    });
  });
}
