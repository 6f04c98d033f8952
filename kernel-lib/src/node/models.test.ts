import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { SavedModelError, describeTrainedModel, parseSavedModel } from '../models/artifact';
import { openModel, predictCsv, readModelDirectory, trainFromCsv } from './models';

// A model directory written by kernel 0.1.0 at commit 9c39d6d (before the model file had a schema):
// ridge (alpha 10) on the first 20 rows of the shared Tg data, 4 folds, seed 7.
const OLD = resolve(__dirname, '..', '..', 'src', 'node', 'fixtures', 'model-0.1.0-9c39d6d');

describe('model directories', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cryoprotect-model-dir-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** A copy of the old directory with model.json changed by `edit`. */
  const edited = (name: string, edit: (json: Record<string, unknown>) => unknown): string => {
    const copy = join(dir, name);
    cpSync(OLD, copy, { recursive: true });
    const json = JSON.parse(readFileSync(join(OLD, 'model.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    writeFileSync(join(copy, 'model.json'), JSON.stringify(edit(json)));
    return copy;
  };

  it('loads a directory written before the model file had a schema, and predicts with it', async () => {
    const saved = readModelDirectory(OLD);
    assert.equal(saved.format, 'cryoprotect-model/1');
    assert.equal(saved.learner.name, 'ridge');
    const input = join(dir, 'input.csv');
    writeFileSync(input, 'SMILES\nOCC(O)CO\nC1CC\n');
    const predicted = await predictCsv(OLD, input);
    assert.equal(predicted.rows.length, 1);
    assert.deepEqual(
      predicted.rejected.map(r => r.line),
      [3]
    );
    assert.ok(Number.isFinite(predicted.rows[0].prediction));
    assert.equal(predicted.rows[0].upper - predicted.rows[0].prediction, saved.conformal.halfWidth);
  });

  it('trains today exactly the model that was written then, from the same rows and settings', async () => {
    const result = await trainFromCsv({
      data: join(OLD, 'training-rows.csv'),
      target: 'Tg (K)',
      learner: 'ridge',
      learnerParams: { alpha: 10 },
      folds: 4,
      seed: 7,
      featurizer: { descriptors: true, morgan: null }
    });
    const now = JSON.parse(JSON.stringify(await describeTrainedModel(result))) as unknown;
    assert.deepEqual(now, JSON.parse(readFileSync(join(OLD, 'model.json'), 'utf8')));
  });

  it('refuses a bad model.json naming the field and the reason', () => {
    const cases: [string, (json: Record<string, unknown>) => unknown, RegExp][] = [
      [
        'no-half-width',
        json => ({ ...json, conformal: { ...(json.conformal as object), halfWidth: undefined } }),
        /model\.json: conformal\.halfWidth: .*expected number/
      ],
      ['seed-text', json => ({ ...json, seed: '7' }), /model\.json: seed: .*expected number/],
      [
        'no-regressor',
        json => ({ ...json, regressor: null }),
        /model\.json: regressor: the fitted model is missing/
      ],
      [
        'broken-regressor',
        json => ({ ...json, regressor: { coefficients: 'none' } }),
        /model\.json: regressor: ridge: not a saved ridge model/
      ],
      [
        'unknown-learner',
        json => ({ ...json, learner: { name: 'oracle', params: {} } }),
        /model\.json: learner\.name: learner: unknown "oracle"/
      ],
      [
        'bad-hash',
        json => ({ ...json, snapshotHash: 'abc' }),
        /model\.json: snapshotHash: must be a SHA-256/
      ],
      [
        'not-a-model',
        () => ({ name: 'something else' }),
        /model\.json: format: not a CryoProtect model/
      ],
      ['array', () => [1, 2], /model\.json: not a CryoProtect model \(not a JSON object\)/]
    ];
    for (const [name, edit, expected] of cases) {
      assert.throws(() => readModelDirectory(edited(name, edit)), expected, name);
      assert.throws(() => readModelDirectory(edited(name, edit)), SavedModelError, name);
    }
  });

  it('refuses a format it does not read, saying how to make one it does', () => {
    assert.throws(
      () =>
        readModelDirectory(edited('future', json => ({ ...json, format: 'cryoprotect-model/2' }))),
      /format: "cryoprotect-model\/2" is not a format this kernel \(0\.1\.0\) reads \(it reads cryoprotect-model\/1\); train the model again/
    );
  });

  it('says what is wrong with a directory that holds no model, or no JSON', async () => {
    assert.throws(
      () => readModelDirectory(dir),
      /model\.json: no such file: not a model directory/
    );
    const broken = join(dir, 'broken');
    cpSync(OLD, broken, { recursive: true });
    writeFileSync(join(broken, 'model.json'), '{"format": "cryoprotect-model/1",');
    assert.throws(() => readModelDirectory(broken), /model\.json: not JSON/);
    writeFileSync(join(dir, 'plain.txt'), 'x');
    await assert.rejects(openModel(join(dir, 'plain.txt')), /plain\.txt: not a model directory/);
  });

  it('parses the same JSON from the registry path as from a file', () => {
    const json = JSON.parse(readFileSync(join(OLD, 'model.json'), 'utf8')) as unknown;
    assert.deepEqual(parseSavedModel(json, 'registry'), readModelDirectory(OLD));
  });
});
