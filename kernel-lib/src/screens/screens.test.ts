import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CryoProtectClient } from '../api/client';
import { ScreenSchema, type Screen, type ScreenMolecule, type ScreenResult } from '../api/screens';
import { readSmi } from '../chemistry/structure-files';
import { describeScreenProgress, screenResultsDisplay, submitScreen } from './screens';

const ID = '5f0c8a3e-8d2b-4c1e-9f4a-2b7d6e1c0a9f';

function screen(overrides: Partial<Screen> = {}): Screen {
  return ScreenSchema.parse({
    id: ID,
    model: { versionId: ID, name: 'tg-auto', version: 2, target: 'glass_transition', unit: 'K' },
    source: 'library.smi',
    state: 'running',
    moleculeCount: 1200,
    chunkSize: 500,
    chunks: { total: 3, uploaded: 3, queued: 1, running: 1, done: 1, failed: 0, cancelled: 0 },
    molecules: { scored: 498, invalid: 2, finished: 500 },
    moleculesPerSecond: 312.4,
    secondsLeft: 2.24,
    failures: [],
    cancelledAt: null,
    visibility: 'private',
    projectId: null,
    ownerId: ID,
    createdAt: '2026-12-07T00:00:00.000Z',
    ...overrides
  });
}

describe('virtual screens in the kernel', () => {
  it('reads a SMILES file with its line numbers, ids and comments', () => {
    assert.deepEqual(
      readSmi('# header\nOCC(O)CO glycerol\n\nCS(C)=O  dimethyl sulfoxide \r\nC1CC\n'),
      [
        { line: 2, structure: 'OCC(O)CO', id: 'glycerol' },
        { line: 4, structure: 'CS(C)=O', id: 'dimethyl sulfoxide' },
        { line: 5, structure: 'C1CC' }
      ]
    );
  });

  it('uploads a library in chunks of the size asked, control characters made harmless', async () => {
    const uploads: [number, ScreenMolecule[]][] = [];
    let created: unknown;
    const client = {
      models: {
        getVersion: async (name: string, version: number | 'latest') => ({
          id: `${name}@${version}`
        })
      },
      screens: {
        create: async (body: unknown) => {
          created = body;
          return screen({ state: 'uploading' });
        },
        uploadChunk: async (_id: string, seq: number, molecules: ScreenMolecule[]) => {
          uploads.push([seq, molecules]);
          return screen();
        }
      }
    } as unknown as CryoProtectClient;
    const rows = Array.from({ length: 5 }, (_, i) => ({
      line: i + 2,
      structure: i === 3 ? 'C\u0007C' : 'CCO',
      id: i === 0 ? '' : `m${i}`
    }));
    const progress: string[] = [];
    await submitScreen(client, rows, {
      model: 'tg-auto@2',
      source: 'lib.smi',
      chunkSize: 2,
      onChunk: (stored, total) => progress.push(`${stored}/${total}`)
    });
    assert.deepEqual(created, {
      modelVersionId: 'tg-auto@2',
      source: 'lib.smi',
      moleculeCount: 5,
      chunkSize: 2
    });
    assert.deepEqual(
      uploads.map(([seq, m]) => [seq, m.map(x => x.line)]),
      [
        [0, [2, 3]],
        [1, [4, 5]],
        [2, [6]]
      ]
    );
    assert.equal(uploads[0][1][0].id, null);
    assert.equal(uploads[1][1][1].structure, 'C\ufffdC');
    assert.deepEqual(progress, ['1/3', '2/3', '3/3']);
    await assert.rejects(
      submitScreen(client, [], { model: 'x', source: 'empty.smi' }),
      /no molecules/
    );
    await assert.rejects(
      submitScreen(client, rows, { model: 'x', source: 'lib.smi', chunkSize: 0 }),
      /chunk: must be a whole number from 1 to 5000/
    );
    await assert.rejects(
      submitScreen(client, rows, { model: 'tg@two', source: 'lib.smi' }),
      /expected NAME or NAME@VERSION/
    );
  });

  it('says where a screen stands in one line', () => {
    assert.equal(
      describeScreenProgress(screen()),
      'running: 1/3 chunks (1 done, 0 failed); 498 scored, 2 invalid, 312 molecules/s, about 2 s left'
    );
    assert.equal(
      describeScreenProgress(
        screen({
          state: 'uploading',
          chunks: {
            total: 3,
            uploaded: 1,
            queued: 1,
            running: 0,
            done: 0,
            failed: 0,
            cancelled: 0
          },
          moleculesPerSecond: null,
          secondsLeft: null
        })
      ),
      'uploading: 0/3 chunks (0 done, 0 failed), 1 of 3 uploaded; 498 scored, 2 invalid'
    );
  });

  it('shows hits as a molecule grid that names the model and keeps the ranking', async () => {
    const hit = (line: number, prediction: number): ScreenResult => ({
      line,
      inputId: `m${line}`,
      input: 'OCC(O)CO',
      smiles: 'OCC(O)CO',
      inchikey: 'PEDCQBHIVMGVHV-UHFFFAOYSA-N',
      prediction,
      lower: prediction - 20,
      upper: prediction + 20,
      novelty: 0.5,
      inDomain: line !== 9,
      error: null
    });
    const grid = await screenResultsDisplay(screen(), [hit(9, 260), hit(4, 240)], { by: 'lower' });
    assert.deepEqual(grid.payload.model, { name: 'tg-auto', version: 2 });
    assert.match(
      grid.payload.title ?? '',
      /Screen of library\.smi: 2 best by lower bound \(highest first\) of 498 scored/
    );
    assert.deepEqual(
      grid.payload.rows.map(r => [r.name, r.values.lower, r.values.inDomain]),
      [
        ['m9', 240, false],
        ['m4', 220, true]
      ]
    );
    const prediction = grid.payload.columns.find(c => c.key === 'prediction');
    assert.deepEqual([prediction?.title, prediction?.unit], ['glass transition', 'K']);
    // Cards show the first four value columns: the prediction, its interval and the domain.
    assert.deepEqual(
      grid.payload.columns
        .map(c => c.key)
        .filter(k => !['smiles', 'name', 'id'].includes(k))
        .slice(0, 4),
      ['prediction', 'lower', 'upper', 'inDomain']
    );
  });
});
