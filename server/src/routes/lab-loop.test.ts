import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { databaseTargets } from '../testing/databases.js';
import {
  call,
  createWorld,
  insertMeasurement,
  registerTestModel,
  type User,
  type World
} from '../testing/model-world.js';
import { createUserWithToken } from '../testing/users.js';

/**
 * The lab loop across its people: the owner (olga) requests; the assignee (alan, a project
 * editor, as whoever adds measurements to a project) starts and records the measurement; a reviewer (edith, project editor) or the owner
 * verifies; a project viewer (victor) and an outsider (oscar) only watch or see nothing. Every
 * step is tried by everyone, through the API and with direct SQL as the server's role, so the
 * database's own rules (migration 013) are tested without the API in front of them.
 */
type Who = 'owner' | 'assignee' | 'reviewer' | 'viewer' | 'outsider';
const EVERYONE: Who[] = ['owner', 'assignee', 'reviewer', 'viewer', 'outsider'];

/** What each person may do in each state of a verification assigned to the assignee. */
const ALLOWED: Record<string, Record<Who, string[]>> = {
  requested: { owner: [], assignee: ['start'], reviewer: [], viewer: [], outsider: [] },
  in_progress: { owner: [], assignee: ['measured'], reviewer: [], viewer: [], outsider: [] },
  measured: {
    owner: ['verify', 'reject'],
    assignee: [],
    reviewer: ['verify', 'reject'],
    viewer: [],
    outsider: []
  }
};

const SQL_REFUSED = /row-level security|verifications\.[a-z_]+:|cannot go from/;

for (const target of databaseTargets()) {
  describe(`the lab loop on ${target.kind}`, { skip: target.skip }, () => {
    let w: World;
    let people: Record<Who, User>;
    let modelVersionId: string;
    let predictionId: string;
    const shared = () => ({ visibility: 'project', projectId: w.projectId });
    const step = (who: Who | null, id: string, action: string, body: object = {}) =>
      call(w, who ? people[who] : null, 'POST', `/api/verifications/${id}/${action}`, body);
    const request = async (extra: object = {}) => {
      const response = await call(w, people.owner, 'POST', '/api/verifications', {
        predictionId,
        plannedExperiment: 'DSC, 10 K/min, midpoint of the glass transition on warming',
        assigneeId: people.assignee.id,
        dueOn: '2027-01-15',
        ...shared(),
        ...extra
      });
      assert.equal(response.statusCode, 201, response.body);
      return response.json().id as string;
    };
    const measuredIn = (value: number, unit = 'K') => ({
      measurement: {
        value,
        unit,
        uncertainty: 1.5,
        replicates: 3,
        method: 'DSC midpoint on warming',
        equipment: 'TA Q2000',
        conditions: { coolingRateKelvinPerMinute: 10 }
      }
    });
    /** Direct SQL as the application role acting as `who` (what a client of the database can do). */
    const sql = (who: Who, text: string, params: unknown[] = []) =>
      w.t.db.userTransaction(people[who].id, tx => tx.query(text, params));
    const state = async (id: string) =>
      (
        await w.t.db.serviceTransaction(tx =>
          tx.query<{
            state: string;
            measured_by: string | null;
            reviewed_by: string | null;
            measurement_id: string | null;
          }>(
            'SELECT state, measured_by, reviewed_by, measurement_id FROM verifications WHERE id = $1',
            [id]
          )
        )
      ).rows[0];
    const seenBy = async (who: Who, id: string) => {
      const response = await call(w, people[who], 'GET', `/api/verifications/${id}`);
      return response.statusCode === 200 ? (response.json().allowedActions as string[]) : null;
    };

    before(async () => {
      w = await createWorld(target);
      const assignee = await createUserWithToken(w.t.db, 'alan');
      await w.t.db.serviceTransaction(tx =>
        tx.query(
          `INSERT INTO project_members (project_id, user_id, role) VALUES ($1, $2, 'editor')`,
          [w.projectId, assignee.id]
        )
      );
      people = {
        owner: w.owner,
        assignee,
        reviewer: w.editor,
        viewer: w.viewer,
        outsider: w.outsider
      };
      // Private to its owner: the assignee matches measurements to it through the prediction.
      modelVersionId = (await registerTestModel(w, w.owner, 'tg-loop')).id;
      predictionId = (
        await call(w, w.owner, 'POST', '/api/predictions', {
          modelVersionId,
          items: [
            { moleculeId: w.glycerolId, value: 190, lower: 180, upper: 200, intervalLevel: 0.9 }
          ],
          ...shared()
        })
      ).json().items[0].id;
    });
    after(async () => {
      await w?.app.close();
      await w?.t.dispose();
    });

    it('offers each person exactly the steps they may take, and refuses the others through the API', async () => {
      const id = await request();
      const expectOffers = async (at: string) => {
        for (const who of EVERYONE) {
          assert.deepEqual(
            await seenBy(who, id),
            who === 'outsider' ? null : ALLOWED[at][who],
            `${who} in ${at}`
          );
        }
      };
      const refusedBy = async (action: string, body: object, allowed: Who) => {
        for (const who of EVERYONE.filter(x => x !== allowed)) {
          const response = await step(who, id, action, body);
          assert.equal(
            response.statusCode,
            who === 'outsider' ? 404 : 403,
            `${who} ${action}: ${response.body}`
          );
        }
        assert.equal((await step(null, id, action, body)).statusCode, 401);
      };

      await expectOffers('requested');
      await refusedBy('start', {}, 'assignee');
      // Later steps are out of order for everyone who can see the request.
      for (const who of ['owner', 'assignee', 'reviewer'] as Who[]) {
        assert.equal((await step(who, id, 'verify')).statusCode, 409);
      }
      assert.equal((await step('assignee', id, 'start')).statusCode, 200);

      await expectOffers('in_progress');
      await refusedBy('measured', measuredIn(191), 'assignee');
      const measured = await step('assignee', id, 'measured', measuredIn(-82.15, '°C'));
      assert.equal(measured.statusCode, 200, measured.body);
      const m = measured.json();
      assert.equal(m.measuredBy, people.assignee.id);
      assert.deepEqual(
        [
          m.measurement.value,
          m.measurement.unit,
          m.measurement.equipment,
          m.measurement.replicates
        ],
        [191, 'K', 'TA Q2000', 3]
      );

      await expectOffers('measured');
      // The assignee measured: not offered the review and refused it.
      const own = await step('assignee', id, 'verify');
      assert.equal(own.statusCode, 403);
      assert.match(own.json().detail, /writer|own measurement/);
      assert.equal((await step('viewer', id, 'reject', { reason: 'no' })).statusCode, 403);
      const verified = await step('reviewer', id, 'verify');
      assert.equal(verified.statusCode, 200, verified.body);
      assert.equal(verified.json().reviewedBy, people.reviewer.id);
      assert.deepEqual(verified.json().allowedActions, []);
      for (const who of ['owner', 'assignee', 'reviewer'] as Who[]) {
        assert.equal((await step(who, id, 'reject', { reason: 'late' })).statusCode, 409);
      }
      const history = verified.json();
      assert.deepEqual(
        history.events.map((e: { toState: string; actorId: string }) => [
          e.toState,
          history.people[e.actorId]
        ]),
        [
          ['requested', 'olga'],
          ['in_progress', 'alan'],
          ['measured', 'alan'],
          ['verified', 'edith']
        ]
      );
    });

    it('checks the request: an assignee who can see the prediction, a shared request, a real date', async () => {
      const invalid = async (extra: object, path: string) => {
        const response = await call(w, people.owner, 'POST', '/api/verifications', {
          predictionId,
          assigneeId: people.assignee.id,
          ...shared(),
          ...extra
        });
        assert.ok([400, 422].includes(response.statusCode), response.body);
        assert.ok(
          response.json().errors.some((e: { path: string }) => e.path === path),
          response.body
        );
      };
      await invalid({ assigneeId: people.outsider.id }, 'body.assigneeId');
      // A project viewer may read but not add the measurement to the project.
      await invalid({ assigneeId: people.viewer.id }, 'body.assigneeId');
      await invalid({ visibility: 'private', projectId: undefined }, 'body.visibility');
      await invalid({ dueOn: '2027-02-30' }, 'body.dueOn');
      await invalid({ dueOn: 'soon' }, 'body.dueOn');
    });

    it('checks the measurement recorded with the step: unit of the target property, physical range', async () => {
      const id = await request();
      await step('assignee', id, 'start');
      const wrongUnit = await step('assignee', id, 'measured', measuredIn(1.2, 'g/cm3'));
      assert.equal(wrongUnit.statusCode, 422, wrongUnit.body);
      assert.equal(wrongUnit.json().errors[0].path, 'body.measurement.unit');
      assert.match(wrongUnit.json().errors[0].message, /accepted units: K, °C/);
      const negative = await step('assignee', id, 'measured', measuredIn(-5));
      assert.equal(negative.statusCode, 422, negative.body);
      assert.equal(negative.json().errors[0].path, 'body.measurement.value');
      // Nothing half-written: still in progress, no measurement.
      assert.equal((await state(id)).state, 'in_progress');
      assert.equal((await state(id)).measurement_id, null);
    });

    it('enforces the same rules with direct SQL as the server role', async () => {
      const id = await request();
      const refused = async (who: Who, text: string, params: unknown[]) =>
        assert.rejects(sql(who, text, params), SQL_REFUSED, `${who}: ${text}`);

      // Only the assignee starts; nobody edits the request but its writers.
      await refused('owner', `UPDATE verifications SET state = 'in_progress' WHERE id = $1`, [id]);
      for (const who of ['outsider', 'viewer'] as Who[]) {
        const { rows } = await sql(
          who,
          `UPDATE verifications SET state = 'in_progress' WHERE id = $1 RETURNING id`,
          [id]
        );
        assert.equal(rows.length, 0, `${who} changed nothing`);
      }
      await sql('assignee', `UPDATE verifications SET state = 'in_progress' WHERE id = $1`, [id]);

      const theirs = await insertMeasurement(w.t.db, people.assignee, {
        propertyType: 'glass_transition',
        moleculeId: w.glycerolId,
        value: 192,
        ...(shared() as { visibility: 'project'; projectId: string })
      });
      const hidden = await insertMeasurement(w.t.db, people.owner, {
        propertyType: 'glass_transition',
        moleculeId: w.glycerolId,
        value: 150
      });
      // The owner cannot record for the assignee, nor the assignee point at a measurement hidden from them.
      await refused(
        'owner',
        `UPDATE verifications SET state = 'measured', measurement_id = $2, measured_by = $3 WHERE id = $1`,
        [id, theirs, people.assignee.id]
      );
      await refused(
        'assignee',
        `UPDATE verifications SET state = 'measured', measurement_id = $2 WHERE id = $1`,
        [id, hidden]
      );
      // measured_by is whoever acts, whatever the row says.
      await sql(
        'assignee',
        `UPDATE verifications SET state = 'measured', measurement_id = $2, measured_by = $3 WHERE id = $1`,
        [id, theirs, people.owner.id]
      );
      assert.equal((await state(id)).measured_by, people.assignee.id);
      await refused('owner', `UPDATE verifications SET measured_by = $2 WHERE id = $1`, [
        id,
        people.owner.id
      ]);

      // The measurer never reviews, even naming someone else as reviewer; the reviewer is the actor.
      await refused(
        'assignee',
        `UPDATE verifications SET state = 'verified', reviewed_by = $2 WHERE id = $1`,
        [id, people.reviewer.id]
      );
      await sql(
        'reviewer',
        `UPDATE verifications SET state = 'verified', reviewed_by = $2 WHERE id = $1`,
        [id, people.owner.id]
      );
      const done = await state(id);
      assert.deepEqual([done.state, done.reviewed_by], ['verified', people.reviewer.id]);
      await refused(
        'owner',
        `UPDATE verifications SET review_reason = 'changed my mind' WHERE id = $1`,
        [id]
      );
    });

    it('lets an assignee who is no writer take the lab steps and nothing else', async () => {
      // A public prediction assigned to someone outside the project: they read the request and
      // take its lab steps, but may not edit or reassign it.
      const nina = await createUserWithToken(w.t.db, 'nina');
      const publicPrediction = (
        await call(w, people.owner, 'POST', '/api/predictions', {
          modelVersionId,
          items: [
            { moleculeId: w.glycerolId, value: 189, lower: 179, upper: 199, intervalLevel: 0.9 }
          ],
          visibility: 'public'
        })
      ).json().items[0].id;
      const created = await call(w, people.owner, 'POST', '/api/verifications', {
        predictionId: publicPrediction,
        assigneeId: nina.id,
        visibility: 'public'
      });
      assert.equal(created.statusCode, 201, created.body);
      const id = created.json().id;
      const asNina = (text: string, params: unknown[]) =>
        w.t.db.userTransaction(nina.id, tx => tx.query(text, params));
      await assert.rejects(
        asNina(`UPDATE verifications SET planned_experiment = 'x' WHERE id = $1`, [id]),
        SQL_REFUSED
      );
      await assert.rejects(
        asNina(`UPDATE verifications SET assignee_id = $2 WHERE id = $1`, [id, people.owner.id]),
        SQL_REFUSED
      );
      await assert.rejects(
        asNina(
          `UPDATE verifications SET state = 'in_progress', conditions = '{"x": 1}' WHERE id = $1`,
          [id]
        ),
        SQL_REFUSED
      );
      const started = await call(w, nina, 'POST', `/api/verifications/${id}/start`, {});
      assert.equal(started.statusCode, 200, started.body);
      const measured = await call(
        w,
        nina,
        'POST',
        `/api/verifications/${id}/measured`,
        measuredIn(188)
      );
      assert.equal(measured.statusCode, 200, measured.body);
      assert.equal(measured.json().measurement.ownerId, nina.id);
      // Nina is no writer: she cannot review, not even someone else's measurement.
      assert.deepEqual(measured.json().allowedActions, []);
      assert.equal((await step('owner', id, 'verify')).statusCode, 200);
    });

    it('never lets a verification point at rows its actor cannot see', async () => {
      // A prediction of the outsider's own, private: the owner cannot request its verification.
      const outsiderModel = await outsiderPrediction(w, people.outsider, w.glycerolId);
      await assert.rejects(
        sql('owner', `INSERT INTO verifications (prediction_id, owner_id) VALUES ($1, $2)`, [
          outsiderModel,
          people.owner.id
        ]),
        SQL_REFUSED
      );
      const viaApi = await call(w, people.owner, 'POST', '/api/verifications', {
        predictionId: outsiderModel
      });
      assert.equal(viaApi.statusCode, 422);
      // A new verification never starts with a measurement or a review.
      await assert.rejects(
        sql(
          'owner',
          `INSERT INTO verifications (prediction_id, owner_id, state, measured_by) VALUES ($1, $2, 'verified', $2)`,
          [predictionId, people.owner.id]
        ),
        SQL_REFUSED
      );
      // The measurement is the measurer's own, shared as the verification is, and answers one
      // request only: a private one (reviewers could not read it), someone else's (review would
      // mark another person's row verified), one already used (it would count twice).
      const id = await request();
      await sql('assignee', `UPDATE verifications SET state = 'in_progress' WHERE id = $1`, [id]);
      const measure = (who: Who, extra: object = {}) =>
        insertMeasurement(w.t.db, people[who], {
          propertyType: 'glass_transition',
          moleculeId: w.glycerolId,
          value: 193,
          ...extra
        });
      const privateOne = await measure('assignee');
      const ownersPublic = await measure('owner', { visibility: 'public' });
      const used = (
        await w.t.db.serviceTransaction(tx =>
          tx.query<{ measurement_id: string }>(
            `SELECT measurement_id FROM verifications WHERE measurement_id IS NOT NULL LIMIT 1`
          )
        )
      ).rows[0].measurement_id;
      for (const [measurementId, reason] of [
        [privateOne, /shared as the verification is/],
        [ownersPublic, /one you recorded yourself/],
        [used, /one you recorded yourself|already closes another verification/]
      ] as const) {
        await assert.rejects(
          sql(
            'assignee',
            `UPDATE verifications SET state = 'measured', measurement_id = $2 WHERE id = $1`,
            [id, measurementId]
          ),
          SQL_REFUSED
        );
        const viaApiMeasured = await step('assignee', id, 'measured', { measurementId });
        assert.equal(viaApiMeasured.statusCode, 422, viaApiMeasured.body);
        assert.equal(viaApiMeasured.json().errors[0].path, 'body.measurementId');
        assert.match(viaApiMeasured.json().errors[0].message, reason);
      }
      assert.equal((await state(id)).state, 'in_progress');
      // The assignee's own measurement, used once already by the assignee, is refused too.
      const sharedOne = await measure('assignee', shared());
      await sql(
        'assignee',
        `UPDATE verifications SET state = 'measured', measurement_id = $2 WHERE id = $1`,
        [id, sharedOne]
      );
      const again = await request();
      await step('assignee', again, 'start');
      const reused = await step('assignee', again, 'measured', { measurementId: sharedOne });
      assert.equal(reused.statusCode, 422, reused.body);
      assert.match(reused.json().errors[0].message, /already closes another verification/);
      await assert.rejects(
        sql(
          'assignee',
          `UPDATE verifications SET state = 'measured', measurement_id = $2 WHERE id = $1`,
          [again, sharedOne]
        ),
        SQL_REFUSED
      );

      // The verifying trigger (owner's rights) marks only a measurement the reviewer can read:
      // hidden after the step (made private by its owner), nobody else can verify it.
      await sql(
        'assignee',
        `UPDATE measurements SET visibility = 'private', project_id = NULL WHERE id = $1`,
        [sharedOne]
      );
      const offered = await seenBy('owner', id);
      assert.deepEqual(offered, []);
      const apiVerify = await step('owner', id, 'verify');
      assert.equal(apiVerify.statusCode, 403);
      assert.match(apiVerify.json().detail, /not visible to you/);
      await assert.rejects(
        sql('owner', `UPDATE verifications SET state = 'verified' WHERE id = $1`, [id]),
        SQL_REFUSED
      );
      const { rows } = await w.t.db.serviceTransaction(tx =>
        tx.query<{ verified: boolean }>('SELECT verified FROM measurements WHERE id = $1', [
          sharedOne
        ])
      );
      assert.equal(rows[0].verified, false);
    });

    it('keeps what the assignee needs when the request is edited: shared, in a project they edit', async () => {
      const id = await request();
      await assert.rejects(
        sql(
          'owner',
          `UPDATE verifications SET visibility = 'private', project_id = NULL WHERE id = $1`,
          [id]
        ),
        /verifications\.visibility: a verification assigned to someone else is shared/
      );
      const other = (
        await call(w, people.owner, 'POST', '/api/projects', { name: `elsewhere-${Date.now()}` })
      ).json();
      await assert.rejects(
        sql('owner', `UPDATE verifications SET project_id = $2 WHERE id = $1`, [id, other.id]),
        /verifications\.assignee_id/
      );
      assert.equal((await state(id)).state, 'requested');
    });

    it('names the field of a malformed measurement, and refuses both or neither', async () => {
      const id = await request();
      await step('assignee', id, 'start');
      const typed = await step('assignee', id, 'measured', {
        measurement: { value: 'cold', unit: 'K' }
      });
      assert.equal(typed.statusCode, 400, typed.body);
      assert.ok(
        typed.json().errors.some((e: { path: string }) => e.path === 'body.measurement.value'),
        typed.body
      );
      const neither = await step('assignee', id, 'measured', {});
      assert.equal(neither.statusCode, 400, neither.body);
      assert.equal(neither.json().errors[0].path, 'body.measurement');
      const both = await step('assignee', id, 'measured', {
        ...measuredIn(190),
        measurementId: '00000000-0000-4000-8000-000000000000'
      });
      assert.equal(both.statusCode, 400, both.body);
      assert.equal(both.json().errors[0].path, 'body.measurementId');
      assert.equal((await state(id)).state, 'in_progress');
    });

    it('lists by role and model: assigned to me, requested by me, my projects', async () => {
      const ids = async (who: Who, query: string) =>
        (await call(w, people[who], 'GET', `/api/verifications?limit=200&${query}`))
          .json()
          .items.map((v: { id: string }) => v.id) as string[];
      const mine = await request();
      assert.ok((await ids('assignee', 'role=assigned')).includes(mine));
      assert.ok(!(await ids('reviewer', 'role=assigned')).includes(mine));
      assert.ok((await ids('owner', 'role=requested')).includes(mine));
      assert.ok(!(await ids('assignee', 'role=requested')).includes(mine));
      assert.ok((await ids('viewer', 'role=project')).includes(mine));
      assert.deepEqual(await ids('outsider', 'role=project'), []);
      assert.ok((await ids('assignee', 'modelName=tg-loop')).includes(mine));
      assert.deepEqual(await ids('owner', 'modelName=other'), []);
      assert.ok(
        (await ids('owner', `modelVersionId=${modelVersionId}&state=requested`)).includes(mine)
      );
      const bad = await call(w, people.owner, 'GET', '/api/verifications?role=everyone');
      assert.equal(bad.statusCode, 400);
      // The assignee sees what to measure even though the model itself is private to its owner.
      const seen = (await call(w, people.assignee, 'GET', `/api/verifications/${mine}`)).json();
      assert.deepEqual(
        [
          seen.prediction.modelName,
          seen.prediction.targetPropertyType,
          seen.prediction.unit,
          seen.prediction.subjectName
        ],
        ['tg-loop', 'glass_transition', 'K', 'glycerol']
      );
      assert.equal(seen.dueOn, '2027-01-15');
      assert.equal(
        (await call(w, people.assignee, 'GET', `/api/models/${modelVersionId}`)).statusCode,
        404
      );
    });

    it('reports the real coverage of a model version, one result per prediction', async () => {
      // A model version of its own, so that no other test's results count here.
      const version = await registerTestModel(w, people.owner, 'tg-coverage');
      const [first, second] = (
        await call(w, people.owner, 'POST', '/api/predictions', {
          modelVersionId: version.id,
          items: [
            { moleculeId: w.glycerolId, value: 190, lower: 180, upper: 200, intervalLevel: 0.9 },
            { moleculeId: w.glycerolId, value: 189, lower: 179, upper: 199, intervalLevel: 0.9 }
          ],
          ...shared()
        })
      )
        .json()
        .items.map((p: { id: string }) => p.id);
      const coverage = async () => {
        const response = await call(
          w,
          people.owner,
          'GET',
          '/api/models/tg-coverage/versions/1/coverage'
        );
        assert.equal(response.statusCode, 200, response.body);
        return response.json();
      };
      const verifyAt = async (prediction: string, value: number) => {
        const id = await request({ predictionId: prediction });
        await step('assignee', id, 'start');
        await step('assignee', id, 'measured', measuredIn(value));
        assert.equal((await step('owner', id, 'verify')).statusCode, 200);
      };
      assert.equal((await coverage()).overall.count, 0);
      await verifyAt(first, 230);
      // Measured again: the latest result stands for the prediction, counted once.
      await verifyAt(first, 195);
      await verifyAt(second, 250);
      const now = await coverage();
      assert.equal(now.overall.count, 2);
      assert.equal(now.overall.covered, 1);
      assert.equal(now.overall.coverage, 0.5);
      assert.equal(now.overall.promisedLevel, 0.9);
      assert.ok(Math.abs(now.overall.mae - (5 + 61) / 2) < 1e-9);
      assert.ok(
        now.overall.coverageInterval.lower < 0.5 && now.overall.coverageInterval.upper > 0.5
      );
      assert.deepEqual(
        now.results.map((r: { measured: number }) => r.measured),
        [195, 250]
      );
      assert.equal(now.byMonth.at(-1).count, 2);
      const record = (await call(w, people.owner, 'GET', `/api/models/${version.id}`)).json();
      assert.equal(record.realCoverage.count, 2);
      assert.equal(record.realCoverage.belowPromise, false);
      // Someone who cannot read the model cannot read its coverage.
      const hidden = await call(
        w,
        people.assignee,
        'GET',
        '/api/models/tg-coverage/versions/1/coverage'
      );
      assert.equal(hidden.statusCode, 404);
    });
  });
}

/** A private prediction of `user`'s own private model (for rows another user must not reach). */
async function outsiderPrediction(w: World, user: User, moleculeId: string): Promise<string> {
  const model = await registerTestModel(w, user, 'secret');
  const created = await call(w, user, 'POST', '/api/predictions', {
    modelVersionId: model.id,
    items: [{ moleculeId, value: 190 }]
  });
  assert.equal(created.statusCode, 201, created.body);
  return created.json().items[0].id;
}
