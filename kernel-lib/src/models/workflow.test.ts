import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import type { ModelVersion } from '../api/models';
import { predictCsv, saveTrainedModel, trainFromCsv } from '../node/models';
import { modelRegistration, savedModelFromVersion } from './artifact';
import { trainFromSnapshot } from './training';
import type { CryoProtectClient } from '../api/client';
import { mkdirSync } from 'node:fs';
import { readModelArchive } from '../node/model-archive';
import { openModel } from '../node/models';
import { resetSessionProvenance, sessionProvenance } from '../provenance';
import {
  loadRegisteredModel,
  parseModelReference,
  registerTrainedModel,
  retrainVersion,
  storePredictions,
  useModelArchive
} from './workflow';
import { CreatePredictionsSchema } from '../api/models';
import type { SavedModel } from './artifact';
import type { PredictedRow } from './predict';

// The shared Tg data set (data/science-data, source and licence beside it); the first 40 rows.
const TG = resolve(__dirname, '..', '..', '..', 'data', 'science-data', 'tg_pure_compounds.csv');

/**
 * What the server answers for a registration: the registration as stored (JSON round trip) plus
 * its own fields, as version `n`.
 */
function answered(
  registration: ReturnType<typeof modelRegistration>,
  saved: { snapshotHash: string },
  n: number
): ModelVersion {
  return {
    ...(JSON.parse(JSON.stringify(registration)) as typeof registration),
    id: `00000000-0000-4000-8000-0000000000${String(10 + n).padStart(2, '0')}`,
    version: n,
    snapshotHash: saved.snapshotHash,
    datasetId: '00000000-0000-4000-8000-000000000003',
    targetUnit: 'K',
    tfjsVersion: null,
    backend: null,
    codeCommit: null,
    visibility: 'private',
    projectId: null,
    ownerId: '00000000-0000-4000-8000-000000000004',
    createdAt: '2026-12-07T00:00:00.000Z',
    realCoverage: null
  } as ModelVersion;
}

describe('training from rows and models from the registry', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cryoprotect-run-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const small = join(dir, 'tg40.csv');
  writeFileSync(small, readFileSync(TG, 'utf8').split('\n').slice(0, 41).join('\n') + '\n');
  const settings = {
    target: 'Tg (K)',
    learner: 'ridge',
    learnerParams: { alpha: 10 },
    folds: 4,
    seed: 7,
    featurizer: { descriptors: true, morgan: null }
  };

  it('trains on a snapshot table exactly as on the CSV it holds', async () => {
    const fromCsv = await trainFromCsv({ data: small, ...settings });
    const fromSnapshot = await trainFromSnapshot(fromCsv.snapshot, {
      ...settings,
      smilesColumn: 'SMILES'
    });
    assert.equal(fromSnapshot.snapshot.hash, fromCsv.snapshot.hash);
    assert.deepEqual(
      fromSnapshot.model.validation.predictions,
      fromCsv.model.validation.predictions
    );
    assert.deepEqual(fromSnapshot.model.validation.metrics, fromCsv.model.validation.metrics);
    assert.equal(fromSnapshot.options.data, `snapshot ${fromCsv.snapshot.hash}`);
  });

  it('rejects snapshot rows without a structure or a value, by row number', async () => {
    const rows = (await trainFromCsv({ data: small, ...settings })).snapshot.rows.map(r => [
      r[0],
      r[1],
      null
    ]);
    rows.push([null, 250, 'b0f4c3a2-0000-4000-8000-000000000000'], ['OCCO', null, null]);
    const result = await trainFromSnapshot(
      {
        columns: [
          { name: 'smiles', type: 'text' },
          { name: 'value', type: 'number' },
          { name: 'mixture_id', type: 'text' }
        ],
        rows
      },
      { ...settings, target: undefined }
    );
    assert.deepEqual(
      result.rejected.map(r => [r.line, r.column, r.reason]),
      [
        [41, 'smiles', 'a mixture: this model featurizes single structures'],
        [42, 'value', 'has no numeric value']
      ]
    );
    assert.equal(result.y.length, 40);
    await assert.rejects(
      trainFromSnapshot({ columns: [{ name: 'value', type: 'number' }], rows: [[1]] }),
      /snapshot: no column "smiles" \(columns: value\)/
    );
  });

  it('predicts from a registered version exactly as from its model directory', async () => {
    const trained = await trainFromCsv({ data: small, ...settings });
    const saved = await saveTrainedModel(join(dir, 'model'), trained);
    const registration = modelRegistration(saved, {
      name: 'tg-ridge',
      snapshotId: '00000000-0000-4000-8000-000000000001',
      propertyType: 'glass_transition'
    });
    const version = answered(registration, saved, 3);
    const loaded = savedModelFromVersion(version);
    assert.equal(loaded.smilesColumn, 'SMILES');
    assert.equal(loaded.folds, 4);
    const input = join(dir, 'input.csv');
    writeFileSync(input, 'SMILES\nOCC(O)CO\nCS(C)=O\nC1CC\n');
    const fromDirectory = await predictCsv(join(dir, 'model'), input);
    const fromRegistry = await predictCsv(loaded, input);
    assert.deepEqual(fromRegistry.rows, fromDirectory.rows);
    assert.equal(fromRegistry.rows.length, 2);
    assert.deepEqual(
      fromRegistry.rejected.map(r => r.line),
      [4]
    );

    assert.throws(
      () => savedModelFromVersion({ ...version, artifact: null }),
      /model tg-ridge version 3: artifact: .*cannot make predictions/
    );
    assert.throws(
      () =>
        savedModelFromVersion({
          ...version,
          artifact: { ...(version.artifact as object), conformal: { level: 2 } }
        }),
      /model tg-ridge version 3: artifact\.conformal\.level/
    );
  });

  it('loads archived versions (a reproduced bundle) before the server, and without one', async () => {
    const trained = await trainFromCsv({ data: small, ...settings });
    const saved = await saveTrainedModel(join(dir, 'archived-model'), trained);
    const registration = modelRegistration(saved, {
      name: 'tg-archived',
      snapshotId: '00000000-0000-4000-8000-000000000001',
      propertyType: 'glass_transition'
    });
    const version = (n: number) => answered(registration, saved, n);
    const archive = join(dir, 'models');
    mkdirSync(archive);
    writeFileSync(join(archive, 'tg-archived@2.json'), JSON.stringify(version(2)));
    writeFileSync(join(archive, 'tg-archived@5.json'), JSON.stringify(version(5)));
    const unreachable = {
      models: {
        getVersion: () => Promise.reject(new Error('the server was asked'))
      }
    } as unknown as CryoProtectClient;
    const previous = process.env.CRYOPROTECT_SERVER_URL;
    delete process.env.CRYOPROTECT_SERVER_URL;
    try {
      resetSessionProvenance();
      useModelArchive(readModelArchive(archive));
      const latest = await openModel('tg-archived');
      assert.equal(latest.version?.version, 5);
      assert.deepEqual(latest.model, savedModelFromVersion(version(5)));
      assert.equal((await loadRegisteredModel(unreachable, 'tg-archived', 2)).version.version, 2);
      assert.deepEqual(
        sessionProvenance().models.map(m => `${m.name}@${m.version} ${m.use}`),
        ['tg-archived@5 loaded', 'tg-archived@2 loaded']
      );
      // Not in the archive: the server is asked (and here there is none).
      await assert.rejects(
        loadRegisteredModel(unreachable, 'tg-archived', 3),
        /the server was asked/
      );
      await assert.rejects(openModel('tg-other'), /CRYOPROTECT_SERVER_URL is not set/);
      writeFileSync(join(archive, 'broken@1.json'), JSON.stringify({ name: 'broken' }));
      assert.throws(() => readModelArchive(archive), /broken@1\.json: not a model version/);
    } finally {
      useModelArchive(null);
      resetSessionProvenance();
      if (previous !== undefined) {
        process.env.CRYOPROTECT_SERVER_URL = previous;
      }
    }
  });

  it('reads model references', () => {
    assert.deepEqual(parseModelReference('tg-ridge'), { name: 'tg-ridge', version: 'latest' });
    assert.deepEqual(parseModelReference('tg-ridge@12'), { name: 'tg-ridge', version: 12 });
    assert.deepEqual(parseModelReference('tg@latest'), { name: 'tg', version: 'latest' });
    assert.throws(() => parseModelReference('tg@0'), /model "tg@0": expected NAME or NAME@VERSION/);
    assert.throws(() => parseModelReference('a b'), /expected NAME/);
  });
  it('registers nothing when the server hashes the snapshot differently', async () => {
    const trained = await trainFromCsv({ data: small, ...settings });
    const calls: string[] = [];
    const client = {
      datasets: {
        create: async () => {
          calls.push('datasets.create');
          return { id: '00000000-0000-4000-8000-000000000010' };
        }
      },
      snapshots: {
        create: async (_dataset: string, body: { rows: unknown[] }) => {
          calls.push(`snapshots.create ${body.rows.length} rows`);
          return { id: '00000000-0000-4000-8000-000000000011', contentHash: '0'.repeat(64) };
        }
      },
      models: {
        register: async () => {
          calls.push('models.register');
          throw new Error('must not be called');
        }
      }
    } as unknown as CryoProtectClient;
    await assert.rejects(
      registerTrainedModel(client, trained, { name: 'tg-ridge', propertyType: 'glass_transition' }),
      new RegExp(`hashed the snapshot as 0{64}, not ${trained.snapshot.hash}: refusing to register`)
    );
    assert.deepEqual(calls, ['datasets.create', 'snapshots.create 40 rows']);
  });

  it('retrains a registered version with its own settings', async () => {
    const trained = await trainFromCsv({ data: small, ...settings });
    const saved = await saveTrainedModel(join(dir, 'retrain'), trained);
    const version = {
      ...(JSON.parse(
        JSON.stringify(
          modelRegistration(saved, {
            name: 'tg-ridge',
            snapshotId: '00000000-0000-4000-8000-000000000001',
            propertyType: 'glass_transition'
          })
        )
      ) as object),
      name: 'tg-ridge',
      version: 1,
      snapshotHash: saved.snapshotHash,
      targetPropertyType: 'glass_transition'
    } as ModelVersion;
    const again = await retrainVersion(version, trained.snapshot);
    assert.equal(again.options.learner, 'ridge');
    assert.deepEqual(again.options.learnerParams, { alpha: 10 });
    assert.equal(again.options.folds, 4);
    assert.equal(again.options.seed, 7);
    assert.deepEqual(again.model.validation.predictions, trained.model.validation.predictions);
  });
});

describe('storing predictions', () => {
  it('sends each prediction with its novelty and domain; unknown without adaptive intervals', async () => {
    const bodies: unknown[] = [];
    const client = {
      registerMolecule: async ({ structure }: { structure: string }) => ({
        molecule: { id: `00000000-0000-4000-8000-00000000000${structure.length}` }
      }),
      predictions: {
        create: async (body: { items: unknown[] }) => {
          bodies.push(body);
          return body.items;
        }
      }
    } as unknown as CryoProtectClient;
    const version = { id: '00000000-0000-4000-8000-000000000020' } as ModelVersion;
    const saved = { featurizer: {}, conformal: { level: 0.9 } } as unknown as SavedModel;
    const row = (input: string, novelty: number | null, inDomain: boolean): PredictedRow => ({
      line: 2,
      input,
      conditions: {},
      prediction: 190,
      lower: 180,
      upper: 200,
      novelty,
      inDomain
    });
    const stored = await storePredictions(client, version, saved, [
      row('OCC(O)CO', 0.4, true),
      row('CS(C)=O', 3.5, false),
      // A model saved before adaptive intervals: inside by convention, but nothing was measured.
      row('OCCO', null, true)
    ]);
    assert.equal(stored, 3);
    assert.equal(bodies.length, 1);
    const body = CreatePredictionsSchema.parse(bodies[0]);
    assert.deepEqual(
      body.items.map(i => [i.novelty, i.inDomain]),
      [
        [0.4, true],
        [3.5, false],
        [null, null]
      ]
    );
  });
});
