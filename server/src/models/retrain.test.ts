import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  describeTrainedModel,
  modelRegistration,
  trainFromSnapshot,
  type MeasurementFilters,
  type RealCoverageSummary,
  type RegisterModel
} from '@cryoprotect/kernel';
import { runCryoprotect } from '../testing/cli.js';
import { databaseTargets } from '../testing/databases.js';
import {
  call,
  createWorld,
  insertMeasurement,
  type User,
  type World
} from '../testing/model-world.js';
import { claimRetrainJob, runDueRetrains } from './retrain.js';

// Glass transitions of reference molecules in K: MADE-UP TEST VALUES around 200 K, not science.
// They only steer the mean learner's cross-validated MAE up or down.
const INITIAL: [string, number][] = [
  ['glycerol', 150],
  ['dimethyl sulfoxide', 250],
  ['ethylene glycol', 170],
  ['1,2-propanediol', 230],
  ['1,3-propanediol', 160],
  ['methanol', 240],
  ['ethanol', 180],
  ['formamide', 220],
  ['acetamide', 190],
  ['sucrose', 210]
];

type JobRow = {
  owner_id: string;
  model_name: string;
  state: string;
  new_measurements: number;
  result: Record<string, unknown> | null;
  new_version_id: string | null;
};

for (const target of databaseTargets()) {
  describe(`retraining on ${target.kind}`, { skip: target.skip }, () => {
    let w: World;
    const molecules = new Map<string, string>();
    const lab = (): MeasurementFilters => ({
      propertyType: 'glass_transition',
      verifiedOnly: true,
      subject: 'molecule',
      projectId: w.projectId
    });
    const shared = () => ({ visibility: 'project' as const, projectId: w.projectId });
    const jobs = async () =>
      (
        await w.t.db.serviceTransaction(tx =>
          tx.query<JobRow>(
            `SELECT owner_id, model_name, state, new_measurements, result, new_version_id
             FROM model_retrain_jobs ORDER BY requested_at, model_name`
          )
        )
      ).rows;
    const versions = async (name: string) =>
      (
        await w.t.db.serviceTransaction(tx =>
          tx.query<{ version: number; mae: number; source: unknown }>(
            `SELECT x.version, (x.metrics->'mae'->>'value')::float8 AS mae, s.source
             FROM model_versions x JOIN dataset_snapshots s ON s.id = x.snapshot_id
             WHERE x.name = $1 ORDER BY x.version`,
            [name]
          )
        )
      ).rows;
    const ok = async (user: User, method: 'POST', url: string, body: object) => {
      const response = await call(w, user, method, url, body);
      assert.ok(response.statusCode < 300, `${url}: ${response.body}`);
      return response.json();
    };
    /** Snapshot the measurements `filters` select for `user`, as `cryoprotect model train --from-measurements` does. */
    const snapshotFor = async (user: User, filters: MeasurementFilters) => {
      const dataset = await ok(user, 'POST', '/api/datasets', { name: `${filters.propertyType}` });
      return ok(user, 'POST', `/api/datasets/${dataset.id}/snapshots`, {
        fromMeasurements: filters
      });
    };
    const register = (user: User, body: RegisterModel) => ok(user, 'POST', '/api/models', body);
    let trained: Awaited<ReturnType<typeof describeTrainedModel>>;
    const trainAndRegister = async (user: User, name: string, filters: MeasurementFilters) => {
      const snapshot = await snapshotFor(user, filters);
      const result = await trainFromSnapshot(snapshot, {
        learner: 'mean',
        folds: 3,
        seed: 1,
        featurizer: { descriptors: true, morgan: null }
      });
      trained = await describeTrainedModel(result);
      return register(user, {
        ...modelRegistration(trained, {
          name,
          snapshotId: snapshot.id,
          propertyType: filters.propertyType
        }),
        ...shared()
      });
    };
    /** A measurement by the editor, recorded for a verification of the owner's prediction, verified by the owner. */
    const verifyThroughTheLab = async (modelVersionId: string, molecule: string, value: number) => {
      const moleculeId = molecules.get(molecule)!;
      const prediction = (
        await ok(w.owner, 'POST', '/api/predictions', {
          modelVersionId,
          items: [{ moleculeId, value: 200 }],
          ...shared()
        })
      ).items[0];
      const verification = await ok(w.owner, 'POST', '/api/verifications', {
        predictionId: prediction.id,
        ...shared()
      });
      const measurementId = await insertMeasurement(w.t.db, w.editor, {
        propertyType: 'glass_transition',
        moleculeId,
        value,
        ...shared()
      });
      await ok(w.editor, 'POST', `/api/verifications/${verification.id}/start`, {});
      await ok(w.editor, 'POST', `/api/verifications/${verification.id}/measured`, {
        measurementId
      });
      const verified = await ok(
        w.owner,
        'POST',
        `/api/verifications/${verification.id}/verify`,
        {}
      );
      assert.equal(verified.state, 'verified');
    };
    let labModel: { id: string };

    before(async () => {
      w = await createWorld(target);
      const { rows } = await w.t.db.serviceTransaction(tx =>
        tx.query<{ id: string; name: string }>('SELECT id, name FROM molecules')
      );
      rows.forEach(r => molecules.set(r.name, r.id));
      const ids: string[] = [];
      for (const [name, value] of INITIAL) {
        ids.push(
          await insertMeasurement(w.t.db, w.owner, {
            propertyType: 'glass_transition',
            moleculeId: molecules.get(name)!,
            value,
            ...shared()
          })
        );
      }
      // Verified before any model exists: no job.
      await w.t.db.serviceTransaction(tx =>
        tx.query('UPDATE measurements SET verified = true WHERE id = ANY($1::uuid[])', [ids])
      );
      labModel = await trainAndRegister(w.owner, 'tg-lab', lab());
      await trainAndRegister(w.editor, 'tg-edith', lab());
      // Not affected: trained on an uploaded table; of another property; an owner who cannot
      // read the project's measurements (their snapshot of it is empty).
      const upload = await ok(w.owner, 'POST', `/api/datasets`, { name: 'upload' });
      const table = await ok(w.owner, 'POST', `/api/datasets/${upload.id}/snapshots`, {
        columns: [
          { name: 'smiles', type: 'text' },
          { name: 'value', type: 'number' }
        ],
        rows: [['OCC(O)CO', 190]]
      });
      const copy = (name: string, snapshotId: string, propertyType: string) =>
        modelRegistration(trained, { name, snapshotId, propertyType });
      await register(w.owner, copy('tg-upload', table.id, 'glass_transition'));
      const density = await snapshotFor(w.owner, { ...lab(), propertyType: 'density' });
      await register(w.owner, copy('density-lab', density.id, 'density'));
      const outside = await snapshotFor(w.outsider, lab());
      assert.equal(outside.rowCount, 0);
      await register(w.outsider, copy('tg-oscar', outside.id, 'glass_transition'));
      assert.deepEqual(await jobs(), []);
    });
    after(async () => {
      await w?.app.close();
      await w?.t.dispose();
    });

    it('queues exactly one job per affected model when measurements are verified', async () => {
      // At the mean of the others: the retrained mean predictor should validate better.
      await verifyThroughTheLab(labModel.id, 'xylitol', 200);
      await verifyThroughTheLab(labModel.id, 'erythritol', 201);
      const queued = await jobs();
      assert.deepEqual(
        queued.map(j => [j.model_name, j.owner_id, j.state, j.new_measurements]),
        [
          ['tg-edith', w.editor.id, 'queued', 2],
          ['tg-lab', w.owner.id, 'queued', 2]
        ]
      );
      // Owners see their own jobs only.
      const seen = await w.t.db.userTransaction(w.editor.id, tx =>
        tx.query<{ model_name: string }>('SELECT model_name FROM model_retrain_jobs')
      );
      assert.deepEqual(
        seen.rows.map(r => r.model_name),
        ['tg-edith']
      );
      // Debounced: nothing is due while verifications came less than the delay ago.
      assert.equal(await claimRetrainJob(w.t.db, 3600), undefined);
    });

    it('registers the next version when the retrained model validates better, and keeps the current one when not', async () => {
      const outcomes = await runDueRetrains(w.t.db, { delaySeconds: 0 });
      assert.deepEqual(outcomes.map(o => [o.job.modelName, o.state]).sort(), [
        ['tg-edith', 'trained'],
        ['tg-lab', 'trained']
      ]);
      const [v1, v2] = await versions('tg-lab');
      assert.equal(v2.version, 2);
      assert.ok(v2.mae < v1.mae, `MAE ${v2.mae} should be below ${v1.mae}`);
      // The new version names a snapshot of the same measurements, so it is retrained in turn.
      assert.deepEqual(v2.source, { fromMeasurements: lab() });
      const lab2 = (await jobs()).find(j => j.model_name === 'tg-lab')!;
      assert.equal(lab2.state, 'trained');
      assert.deepEqual(
        {
          outcome: lab2.result!.outcome,
          baseVersion: lab2.result!.baseVersion,
          newVersion: lab2.result!.newVersion,
          currentMae: lab2.result!.currentMae,
          retrainedMae: lab2.result!.retrainedMae,
          trainingRows: lab2.result!.trainingRows
        },
        {
          outcome: 'trained',
          baseVersion: 1,
          newVersion: 2,
          currentMae: v1.mae,
          retrainedMae: v2.mae,
          trainingRows: 12
        }
      );
      // What the lab found of version 1: the two verified predictions (200 K; measured 200 and
      // 201 K), without intervals to cover.
      const found = lab2.result!.currentCoverage as RealCoverageSummary;
      assert.deepEqual([found.count, found.mae, found.withInterval], [2, 0.5, 0]);

      // Far from every other value: the retrained model validates worse, nothing is registered.
      await verifyThroughTheLab(labModel.id, 'urea', 320);
      const second = await runDueRetrains(w.t.db, { delaySeconds: 0 });
      assert.deepEqual(second.map(o => [o.job.modelName, o.state]).sort(), [
        ['tg-edith', 'kept'],
        ['tg-lab', 'kept']
      ]);
      const kept = second.find(o => o.job.modelName === 'tg-lab')!.result;
      assert.equal(kept.baseVersion, 2);
      assert.equal(kept.currentMae, v2.mae);
      // Version 2 has made no prediction yet: nothing verified to count.
      assert.equal(kept.currentCoverage, null);
      assert.ok(kept.retrainedMae! > kept.currentMae!);
      assert.equal((await versions('tg-lab')).length, 2);
    });

    it('records a retrain that cannot train as failed, with the reason, and registers nothing', async () => {
      // The editor records one more measurement in the project, then leaves it before it is
      // verified: retraining as her sees only her own measurements.
      const id = await insertMeasurement(w.t.db, w.editor, {
        propertyType: 'glass_transition',
        moleculeId: molecules.get('raffinose')!,
        value: 205,
        visibility: 'project',
        projectId: w.projectId
      });
      await w.t.db.serviceTransaction(tx =>
        tx.query('DELETE FROM project_members WHERE project_id = $1 AND user_id = $2', [
          w.projectId,
          w.editor.id
        ])
      );
      await w.t.db.serviceTransaction(tx =>
        tx.query('UPDATE measurements SET verified = true WHERE id = $1', [id])
      );
      const outcomes = await runDueRetrains(w.t.db, { delaySeconds: 0 });
      const edith = outcomes.find(o => o.job.modelName === 'tg-edith')!;
      // She still reads the four measurements she made: 4 of the 14.
      assert.equal(edith.state, 'failed');
      assert.match(
        edith.result.reason!,
        /^training: 4 usable rows \(0 rejected\) in snapshot [0-9a-f]{64}; 3-fold cross-validation with 90 % conformal intervals needs at least 9$/
      );
      assert.equal(edith.result.baseVersion, 2);
      assert.equal((await versions('tg-edith')).length, 2);
      const row = (await jobs()).filter(j => j.model_name === 'tg-edith').at(-1)!;
      assert.deepEqual(
        [row.state, row.new_version_id, row.result!.reason],
        ['failed', null, edith.result.reason]
      );
      // The owner, still a member, retrains on all 14 rows.
      const olga = outcomes.find(o => o.job.modelName === 'tg-lab')!;
      assert.equal(olga.result.trainingRows, 14);
    });
  });
}

const cryoprotect = runCryoprotect;

for (const target of databaseTargets()) {
  describe(
    `model train --from-measurements, then the worker, on ${target.kind}`,
    {
      skip: target.skip
    },
    () => {
      let w: World;
      let env: Record<string, string>;
      const dir = mkdtempSync(join(tmpdir(), 'cryoprotect-retrain-'));

      before(async () => {
        w = await createWorld(target);
        const serverUrl = await w.app.listen({ port: 0, host: '127.0.0.1' });
        env = { CRYOPROTECT_SERVER_URL: serverUrl, CRYOPROTECT_TOKEN: w.owner.token };
        const { rows } = await w.t.db.serviceTransaction(tx =>
          tx.query<{ id: string; name: string }>('SELECT id, name FROM molecules')
        );
        const byName = new Map(rows.map(r => [r.name, r.id]));
        for (const [name, value] of INITIAL) {
          const id = await insertMeasurement(w.t.db, w.owner, {
            propertyType: 'glass_transition',
            moleculeId: byName.get(name)!,
            value
          });
          await w.t.db.serviceTransaction(tx =>
            tx.query('UPDATE measurements SET verified = true WHERE id = $1', [id])
          );
        }
      });
      after(async () => {
        await w?.app.close();
        await w?.t.dispose();
        rmSync(dir, { recursive: true, force: true });
      });

      it('trains on the verified measurements, queues a retrain when one more is verified, and the worker runs it', async () => {
        const trained = await cryoprotect(
          [
            'model',
            'train',
            '--from-measurements',
            'glass_transition',
            '--learner',
            'mean',
            '--folds',
            '3',
            '--features',
            'descriptors',
            '--name',
            'tg-cli',
            '--out',
            join(dir, 'model'),
            '--register'
          ],
          env
        );
        assert.equal(trained.code, 0, trained.stderr);
        assert.match(trained.stdout, /registered as tg-cli version 1/);
        const source = await w.t.db.serviceTransaction(tx =>
          tx.query<{ source: unknown }>(
            `SELECT s.source FROM model_versions x JOIN dataset_snapshots s ON s.id = x.snapshot_id WHERE x.name = 'tg-cli'`
          )
        );
        assert.deepEqual(source.rows[0].source, {
          fromMeasurements: {
            propertyType: 'glass_transition',
            verifiedOnly: true,
            subject: 'molecule'
          }
        });

        const id = await insertMeasurement(w.t.db, w.owner, {
          propertyType: 'glass_transition',
          moleculeId: (
            await w.t.db.serviceTransaction(tx =>
              tx.query<{ id: string }>(`SELECT id FROM molecules WHERE name = 'xylitol'`)
            )
          ).rows[0].id,
          value: 200
        });
        await w.t.db.serviceTransaction(tx =>
          tx.query('UPDATE measurements SET verified = true WHERE id = $1', [id])
        );
        let state: string;
        if (target.kind === 'postgres') {
          // Another process, as on a shared deployment.
          const worker = await cryoprotect(['worker', '--once'], {
            DATABASE_URL: w.t.url!,
            CRYOPROTECT_RETRAIN_DELAY: '0'
          });
          assert.equal(worker.code, 0, worker.stderr);
          assert.match(worker.stdout, /1 retrain job\(s\) run/);
          const jobsList = await cryoprotect(['jobs'], { DATABASE_URL: w.t.url! });
          assert.equal(jobsList.code, 0, jobsList.stderr);
          const line =
            /olga\/tg-cli {2}(trained|kept) \(1 new measurement\(s\)\): MAE \S+ retrained vs \S+ of version 1/.exec(
              jobsList.stdout
            );
          assert.ok(line, jobsList.stdout);
          state = line[1];
        } else {
          const outcomes = await runDueRetrains(w.t.db, { delaySeconds: 0 });
          assert.equal(outcomes.length, 1);
          state = outcomes[0].state;
        }
        // The latest version predicts, whichever it is.
        const input = join(dir, 'input.csv');
        writeFileSync(input, 'smiles\nOCC(O)CO\n');
        const predicted = await cryoprotect(
          [
            'model',
            'predict',
            '--model',
            'tg-cli',
            '--input',
            input,
            '--out',
            join(dir, 'out.csv')
          ],
          env
        );
        assert.equal(predicted.code, 0, predicted.stderr);
        assert.match(
          predicted.stdout,
          new RegExp(`by tg-cli version ${state === 'trained' ? 2 : 1}`)
        );
      });
    }
  );
}
