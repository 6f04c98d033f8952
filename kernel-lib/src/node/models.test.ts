import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import { SavedModelError, describeTrainedModel, parseSavedModel } from '../models/artifact';
import { predictionDecimals, predictionsCsv } from '../models/predict';
import { FileAccessError } from './files';
import {
  openModel,
  predictCsv,
  readModelDirectory,
  saveTrainedModel,
  trainFromCsv
} from './models';

// A model directory written by kernel 0.1.0 at commit 9c39d6d (before the model file had a schema):
// ridge (alpha 10) on the first 20 rows of the shared Tg data, 4 folds, seed 7.
const OLD = resolve(__dirname, '..', '..', 'src', 'node', 'fixtures', 'model-0.1.0-9c39d6d');

/** The settings the fixture model of OLD was trained with. */
const OLD_TRAINING = {
  data: join(OLD, 'training-rows.csv'),
  target: 'Tg (K)',
  learner: 'ridge',
  learnerParams: { alpha: 10 },
  folds: 4,
  seed: 7,
  featurizer: { descriptors: true, morgan: null }
};

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
    const result = await trainFromCsv(OLD_TRAINING);
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

  it('names a model directory that is not there, whether or not a server could hold the name', async () => {
    const missing = join(dir, 'no-such-model');
    await assert.rejects(openModel(missing), {
      name: 'FileAccessError',
      message: `cannot read ${missing}: no such file (not a model directory, nor a registered model NAME@VERSION)`,
      code: 'ENOENT'
    });
    const previous = process.env.CRYOPROTECT_SERVER_URL;
    delete process.env.CRYOPROTECT_SERVER_URL;
    try {
      await assert.rejects(openModel('tg-nowhere'), FileAccessError);
      await assert.rejects(
        openModel('tg-nowhere@2'),
        /cannot read tg-nowhere@2: no such file \(not a model directory; a registered model NAME@VERSION needs a server, and CRYOPROTECT_SERVER_URL is not set\)/
      );
    } finally {
      if (previous !== undefined) {
        process.env.CRYOPROTECT_SERVER_URL = previous;
      }
    }
  });

  it("writes predictions beside the input's own columns, as valid CSV, to the model's precision", async () => {
    const saved = readModelDirectory(OLD);
    const input = join(dir, 'named.csv');
    writeFileSync(
      input,
      'id,name,SMILES,note\n' +
        '17,"glycerol, anhydrous",OCC(O)CO,\n' +
        '18,"the ""best"" one",C1CC,x\n' +
        '19,DMSO,CS(C)=O,"two\nlines"\n'
    );
    const predicted = await predictCsv(saved, input);
    assert.deepEqual(predicted.columns, ['id', 'name', 'SMILES', 'note']);
    assert.deepEqual(
      predicted.rejected.map(r => r.line),
      [3]
    );
    const decimals = predictionDecimals(saved)!;
    // Two significant figures of the half-width (never fewer than whole numbers): this old model
    // of 20 rows is wide, ±370 K, so whole kelvins.
    const h = saved.conformal.halfWidth;
    assert.ok(h * 10 ** decimals >= 10, `${h} at ${decimals}`);
    assert.ok(h * 10 ** decimals < 100 || decimals === 0, `${h} at ${decimals}`);
    const text = predictionsCsv(predicted);
    const number = (x: number) => x.toFixed(decimals);
    const [glycerol, dmso] = predicted.rows;
    assert.equal(
      text,
      'id,name,SMILES,note,prediction,lower,upper\n' +
        `17,"glycerol, anhydrous",OCC(O)CO,,${number(glycerol.prediction)},${number(glycerol.lower)},${number(glycerol.upper)}\n` +
        `19,DMSO,CS(C)=O,"two\nlines",${number(dmso.prediction)},${number(dmso.lower)},${number(dmso.upper)}\n`
    );
    // Read back, every cell is what was read (the same parser as the reader of inputs).
    const back = parse(text, { columns: true }) as Record<string, string>[];
    assert.deepEqual(
      back.map(r => [r.id, r.name, r.note]),
      [
        ['17', 'glycerol, anhydrous', ''],
        ['19', 'DMSO', 'two\nlines']
      ]
    );
    assert.ok(Math.abs(Number(back[0].prediction) - glycerol.prediction) <= 0.5 * 10 ** -decimals);
    // Asked for, other decimals; a column name the file already uses gets a suffix.
    const again = join(dir, 'again.csv');
    writeFileSync(again, 'SMILES,prediction\nOCC(O)CO,old\n');
    const twice = predictionsCsv(await predictCsv(saved, again), { decimals: 2 });
    assert.match(twice, /^SMILES,prediction,prediction_2,lower,upper\nOCC\(O\)CO,old,-?\d+\.\d\d,/);
    // Predictions made without a file keep the input column alone.
    const bare = predictionsCsv({ ...predicted, columns: undefined });
    assert.match(bare, /^SMILES,prediction,lower,upper\nOCC\(O\)CO,/);
  });

  it('rounds by the half-width: two significant figures of it, 4 significant figures when it says nothing', () => {
    const saved = readModelDirectory(OLD);
    const at = (halfWidth: number) =>
      predictionDecimals({ ...saved, conformal: { ...saved.conformal, halfWidth } });
    assert.equal(at(12.3), 0);
    assert.equal(at(9.99), 1);
    assert.equal(at(0.0456), 3);
    assert.equal(at(250), 0);
    assert.equal(at(0), undefined);
    assert.equal(at(Number.NaN), undefined);
  });

  it('writes each plot as Vega-Lite JSON and, beside it, as the static SVG it draws', async () => {
    const result = await trainFromCsv(OLD_TRAINING);
    const out = join(dir, 'with-plots');
    await saveTrainedModel(out, result);
    const files = readdirSync(join(out, 'plots')).sort();
    const specs = files.filter(f => f.endsWith('.vl.json'));
    assert.ok(specs.length >= 3, files.join(', '));
    assert.deepEqual(
      files.filter(f => f.endsWith('.svg')),
      specs.map(f => f.replace(/\.vl\.json$/, '.svg')).sort()
    );
    for (const spec of specs) {
      const svg = readFileSync(join(out, 'plots', spec.replace(/\.vl\.json$/, '.svg')), 'utf8');
      assert.match(svg, /^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/, spec);
      assert.match(svg, /<\/svg>\n$/, spec);
      assert.match(svg, /class="[^"]*role-axis/, `${spec}: axes`);
      assert.match(svg, /class="mark-[a-z]+ role-mark/, `${spec}: marks`);
      checkWellFormed(svg, spec);
    }
    const inTheWay = join(dir, 'a-file');
    writeFileSync(inTheWay, 'not a folder');
    await assert.rejects(saveTrainedModel(inTheWay, result), {
      name: 'FileAccessError',
      message: `cannot write ${inTheWay}: not a directory`
    });
  });

  it('parses the same JSON from the registry path as from a file', () => {
    const json = JSON.parse(readFileSync(join(OLD, 'model.json'), 'utf8')) as unknown;
    assert.deepEqual(parseSavedModel(json, 'registry'), readModelDirectory(OLD));
  });
});

/** XML well-formedness without a parser: every tag closed in order, attributes quoted, text escaped. */
function checkWellFormed(xml: string, name: string): void {
  const stack: string[] = [];
  const tag = /<(\/?)([A-Za-z][\w:.-]*)((?:\s+[\w:.-]+\s*=\s*(?:"[^"<]*"|'[^'<]*'))*)\s*(\/?)>/y;
  let at = 0;
  while (at < xml.length) {
    const next = xml.indexOf('<', at);
    const text = xml.slice(at, next < 0 ? xml.length : next);
    assert.doesNotMatch(
      text,
      /&(?!(?:[a-zA-Z]+|#\d+|#x[0-9a-fA-F]+);)/,
      `${name}: a bare & in text`
    );
    if (next < 0) {
      break;
    }
    tag.lastIndex = next;
    const match = tag.exec(xml);
    assert.ok(match, `${name}: not a well-formed tag at ${xml.slice(next, next + 60)}`);
    const [whole, closing, element, , selfClosing] = match;
    if (closing) {
      assert.equal(stack.pop(), element, `${name}: </${element}> closes another element`);
    } else if (!selfClosing) {
      stack.push(element);
    }
    at = next + whole.length;
  }
  assert.deepEqual(stack, [], `${name}: elements left open`);
}
