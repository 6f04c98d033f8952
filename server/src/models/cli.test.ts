import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { groupKeys, simulatedViabilityCsv, simulateViability } from '@cryoprotect/kernel';
import type { FastifyInstance } from 'fastify';
import { createTestApp, countRows } from '../testing/app.js';
import { CLI, runCryoprotect } from '../testing/cli.js';
import { databaseTargets, type TestDatabase } from '../testing/databases.js';
import { createUserWithToken } from '../testing/users.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const TG = join(ROOT, 'data', 'science-data', 'tg_pure_compounds.csv');

const cryoprotect = runCryoprotect;

describe('cryoprotect model train and predict on the shared Tg data', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cryoprotect-model-'));
  let t: TestDatabase;
  let app: FastifyInstance;
  let serverUrl: string;
  let token: string;

  before(async () => {
    ({ t, app } = await createTestApp(databaseTargets()[0]));
    serverUrl = await app.listen({ port: 0, host: '127.0.0.1' });
    token = (await createUserWithToken(t.db, 'modeller')).token;
  });
  after(async () => {
    await app?.close();
    await t?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  const train = (out: string, extra: string[] = []) =>
    cryoprotect(
      ['model', 'train', '--data', TG, '--target', 'Tg (K)', '--seed', '3', '--out', out, ...extra],
      { CRYOPROTECT_SERVER_URL: serverUrl, CRYOPROTECT_TOKEN: token }
    );

  it('writes a reproducible model directory, registers it, and predicts with intervals', async () => {
    const first = await train(join(dir, 'a'), [
      '--learner',
      'ridge',
      '--params',
      '{"alpha": 100}',
      '--register'
    ]);
    assert.equal(first.code, 0, first.stderr);
    const model = JSON.parse(readFileSync(join(dir, 'a', 'model.json'), 'utf8'));
    assert.equal(model.trainingRows, 314);
    assert.equal(model.groupBy, 'inchikey');
    assert.equal(model.learner.name, 'ridge');
    // A static report beside the JSON, naming the registered version, with its plots inline.
    const report = readFileSync(join(dir, 'a', 'report.html'), 'utf8');
    assert.match(report, /<title>Model report: Tg-K-ridge@1 \(Tg\)<\/title>/);
    assert.doesNotMatch(report, /<script/i);
    assert.ok((report.match(/<svg/g) ?? []).length >= 3);
    // Ridge beats the mean predictor by far on held-out molecules (its MAE is about a third).
    const mean = await train(join(dir, 'mean'), ['--learner', 'mean']);
    assert.equal(mean.code, 0, mean.stderr);
    const baseline = JSON.parse(readFileSync(join(dir, 'mean', 'model.json'), 'utf8'));
    assert.ok(model.metrics.mae.value < 0.5 * baseline.metrics.mae.value);
    assert.ok(
      Math.abs(model.coverage.coverage - 0.9) < 0.05,
      `coverage ${model.coverage.coverage}`
    );

    // Registered: a snapshot whose hash the server computed identically, and a model version.
    assert.match(first.stdout, /registered as Tg-K-ridge version 1/);
    assert.equal(await countRows(t.db, 'model_versions'), 1);
    const stored = await t.db.serviceTransaction(tx =>
      tx.query<{ content_hash: string; seed: string }>(
        `SELECT s.content_hash, m.seed FROM model_versions m JOIN dataset_snapshots s ON s.id = m.snapshot_id`
      )
    );
    assert.equal(stored.rows[0].content_hash, model.snapshotHash);
    assert.equal(Number(stored.rows[0].seed), 3);

    // Same data, seed and learner: the same numbers.
    const again = await train(join(dir, 'b'), ['--learner', 'ridge', '--params', '{"alpha": 100}']);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(
      readFileSync(join(dir, 'b', 'oof.csv'), 'utf8'),
      readFileSync(join(dir, 'a', 'oof.csv'), 'utf8')
    );

    const input = join(dir, 'input.csv');
    writeFileSync(input, 'SMILES\nOCC(O)CO\nC1CC\nCS(C)=O\n');
    const predicted = await cryoprotect([
      'model',
      'predict',
      '--model',
      join(dir, 'a'),
      '--input',
      input,
      '--out',
      join(dir, 'out.csv')
    ]);
    assert.equal(predicted.code, 0, predicted.stderr);
    assert.match(predicted.stderr, /input\.csv:3: SMILES: RDKit could not parse the SMILES "C1CC"/);
    const rows = readFileSync(join(dir, 'out.csv'), 'utf8').trim().split('\n');
    // A model with adaptive intervals says how novel each row is, and whether it is in its domain.
    assert.equal(rows[0], 'SMILES,prediction,lower,upper,novelty,in_domain');
    assert.deepEqual(
      rows.slice(1).map(r => r.split(',')[0]),
      ['OCC(O)CO', 'CS(C)=O']
    );
    for (const row of rows.slice(1)) {
      const [, prediction, lower, upper, novelty] = row.split(',').map(Number);
      assert.ok(lower < prediction && prediction < upper);
      assert.ok(novelty >= 0);
      assert.match(row, /,(true|false)$/);
    }
  });

  it('takes condition columns as inputs, and refuses rows without them by line', async () => {
    const iri = join(ROOT, 'data', 'science-data', 'iri_amino.csv');
    const out = join(dir, 'iri');
    const trained = await cryoprotect([
      'model',
      'train',
      '--data',
      iri,
      '--target',
      'Exp. % MGS',
      '--conditions',
      'Concentration (mM)',
      '--features',
      'descriptors',
      '--learner',
      'ridge',
      '--out',
      out
    ]);
    assert.equal(trained.code, 0, trained.stderr);
    const model = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'));
    assert.deepEqual(model.featurizer.conditions, ['Concentration (mM)']);
    assert.match(model.featurizerVersion, /conditions@1\(Concentration \(mM\)\)/);
    const input = join(dir, 'iri-input.csv');
    writeFileSync(input, 'SMILES,Concentration (mM)\nNCC(=O)O,20\nNCC(=O)O,\n');
    const predicted = await cryoprotect([
      'model',
      'predict',
      '--model',
      out,
      '--input',
      input,
      '--out',
      join(dir, 'iri-out.csv')
    ]);
    assert.equal(predicted.code, 0, predicted.stderr);
    assert.match(predicted.stderr, /iri-input\.csv:3: Concentration \(mM\): has no value/);
    assert.equal(readFileSync(join(dir, 'iri-out.csv'), 'utf8').trim().split('\n').length, 2);
  });

  it('predicts from a registered NAME@VERSION exactly as from the directory, and stores the predictions', async () => {
    const small = join(dir, 'tg40.csv');
    writeFileSync(small, readFileSync(TG, 'utf8').split('\n').slice(0, 41).join('\n') + '\n');
    const env = { CRYOPROTECT_SERVER_URL: serverUrl, CRYOPROTECT_TOKEN: token };
    const trainSmall = (out: string) =>
      cryoprotect(
        [
          'model',
          'train',
          '--data',
          small,
          '--target',
          'Tg (K)',
          '--features',
          'descriptors',
          '--learner',
          'ridge',
          '--folds',
          '4',
          '--name',
          'tg-small',
          '--out',
          out,
          '--register'
        ],
        env
      );
    const first = await trainSmall(join(dir, 'small-1'));
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /registered as tg-small version 1/);
    const second = await trainSmall(join(dir, 'small-2'));
    assert.match(second.stdout, /registered as tg-small version 2/);

    const input = join(dir, 'small-input.csv');
    writeFileSync(input, 'SMILES\nOCC(O)CO\nC1CC\nCS(C)=O\nOCCO\n');
    const predict = (model: string, out: string, extra: string[] = []) =>
      cryoprotect(
        ['model', 'predict', '--model', model, '--input', input, '--out', out, ...extra],
        env
      );
    const fromDirectory = await predict(join(dir, 'small-1'), join(dir, 'dir.csv'));
    assert.equal(fromDirectory.code, 0, fromDirectory.stderr);
    const fromRegistry = await predict('tg-small@1', join(dir, 'registry.csv'), ['--store']);
    assert.equal(fromRegistry.code, 0, fromRegistry.stderr);
    assert.match(fromRegistry.stdout, /by tg-small version 1 with 90 % intervals/);
    assert.match(fromRegistry.stdout, /stored 3 predictions of tg-small version 1/);
    assert.match(fromRegistry.stderr, /small-input\.csv:3: SMILES: RDKit could not parse/);
    const written = readFileSync(join(dir, 'registry.csv'), 'utf8');
    assert.equal(written, readFileSync(join(dir, 'dir.csv'), 'utf8'));
    // NAME alone is the latest version (2): same data and seed, so the same numbers again.
    const latest = await predict('tg-small', join(dir, 'latest.csv'));
    assert.match(latest.stdout, /by tg-small version 2/);
    assert.equal(readFileSync(join(dir, 'latest.csv'), 'utf8'), written);

    const { rows: stored } = await t.db.serviceTransaction(tx =>
      tx.query<{
        version: number;
        smiles: string;
        value: number;
        lower: number;
        upper: number;
        interval_level: number;
        novelty: number | null;
        in_domain: boolean | null;
      }>(
        `SELECT m.version, p.value, p.lower, p.upper, p.interval_level, p.novelty, p.in_domain
         FROM predictions p JOIN model_versions m ON m.id = p.model_version_id
         WHERE m.name = 'tg-small'`
      )
    );
    // One insert: compare as sets (sorted by value), each stored row naming version 1 and its
    // interval; the server keeps the numbers whole, the CSV to the decimals the model deserves.
    const csvRows = written
      .trim()
      .split('\n')
      .slice(1)
      .map(line => line.split(',').slice(1, 4))
      .sort((a, b) => Number(a[0]) - Number(b[0]));
    const decimals = (csvRows[0][0].split('.')[1] ?? '').length;
    assert.deepEqual(
      stored.map(r => [r.version, r.interval_level]),
      [
        [1, 0.9],
        [1, 0.9],
        [1, 0.9]
      ]
    );
    // Each stored prediction says where it stands against the model's training rows.
    assert.ok(stored.every(r => typeof r.novelty === 'number' && typeof r.in_domain === 'boolean'));
    assert.deepEqual(
      stored
        .map(r => [r.value, r.lower, r.upper])
        .sort((a, b) => a[0] - b[0])
        .map(values => values.map(v => v.toFixed(decimals))),
      csvRows
    );

    const unknownVersion = await predict('tg-small@9', join(dir, 'x.csv'));
    assert.notEqual(unknownVersion.code, 0);
    assert.match(
      unknownVersion.stderr,
      /model tg-small version 9: not registered, or not visible to you/
    );
    const unknownName = await predict('tg-nothing', join(dir, 'x.csv'));
    assert.notEqual(unknownName.code, 0);
    assert.match(unknownName.stderr, /model tg-nothing: no version registered under this name/);
    const storeDirectory = await predict(join(dir, 'small-1'), join(dir, 'x.csv'), ['--store']);
    assert.notEqual(storeDirectory.code, 0);
    assert.match(storeDirectory.stderr, /--store: predictions on the server name a model version/);
  });

  it('refuses bad options naming them', async () => {
    const missing = await cryoprotect(['model', 'train', '--data', TG, '--out', join(dir, 'x')]);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /--target/);
    const column = await train(join(dir, 'y'), ['--smiles-column', 'Smiles']);
    assert.notEqual(column.code, 0);
    assert.match(column.stderr, /no column "Smiles"/);
    const learner = await train(join(dir, 'z'), ['--learner', 'oracle']);
    assert.notEqual(learner.code, 0);
    assert.match(learner.stderr, /learner: unknown "oracle"/);
    const emptyGrid = await train(join(dir, 's1'), ['--search', '{"alpha": []}']);
    assert.notEqual(emptyGrid.code, 0);
    assert.match(emptyGrid.stderr, /--search.*"alpha" must be a non-empty list/);
    const unknownParameter = await train(join(dir, 's2'), [
      '--learner',
      'extra-trees',
      '--search',
      '{"tree": [10, 20]}'
    ]);
    assert.notEqual(unknownParameter.code, 0);
    assert.match(unknownParameter.stderr, /extra trees: unknown parameter "tree"/);
  });

  it('groups by scaffold: no scaffold in two folds, acyclic molecules each in their own group', async () => {
    const run = await train(join(dir, 'scaffold'), [
      '--group-by',
      'scaffold',
      '--features',
      'descriptors'
    ]);
    assert.equal(run.code, 0, run.stderr);
    const rows = readFileSync(join(dir, 'scaffold', 'oof.csv'), 'utf8')
      .trim()
      .split('\n')
      .slice(1);
    const smiles = rows.map(r => r.split(',')[1].replace(/^"|"$/g, ''));
    const folds = rows.map(r => r.split(',').at(-1));
    const keys = await groupKeys(smiles, 'scaffold');
    const foldOf = new Map<string, string>();
    keys.forEach((key, i) => {
      assert.equal(foldOf.get(key) ?? folds[i], folds[i], `scaffold ${key} in two folds`);
      foldOf.set(key, folds[i]!);
    });
    assert.ok(keys.some(k => k.startsWith('acyclic:')) && keys.some(k => k.includes('1')));
  });

  it('searches hyperparameters, fits the winner and reports the nested error', async () => {
    const run = await train(join(dir, 'search'), [
      '--learner',
      'ridge',
      '--features',
      'descriptors',
      '--search',
      '{"alpha": [0.001, 100, 100000]}'
    ]);
    assert.equal(run.code, 0, run.stderr);
    const model = JSON.parse(readFileSync(join(dir, 'search', 'model.json'), 'utf8'));
    const report = JSON.parse(readFileSync(join(dir, 'search', 'report.json'), 'utf8'));
    assert.deepEqual(model.search.grid, { alpha: [0.001, 100, 100000] });
    assert.equal(model.learner.params.alpha, model.search.chosen.alpha);
    // The winner has the lowest cross-validated RMSE of the three, and it is the fitted one.
    const rmses = report.search.candidates.map((c: { rmse: number }) => c.rmse);
    const best = report.search.candidates[rmses.indexOf(Math.min(...rmses))];
    assert.equal(best.params.alpha, model.search.chosen.alpha);
    // The reported metrics are the nested cross-validation's: the choice made in each outer fold.
    assert.equal(model.metrics.rmse.value, model.search.nested.rmse);
    assert.equal(report.search.nested.choices.length, 5);
    assert.ok(model.search.nested.mae > 0 && Number.isFinite(model.search.nested.mae));
    assert.match(run.stdout, /nested cross-validation \(the choice made again/);
  });

  it('chooses the learner automatically by default, says why, and adapts its intervals', async () => {
    const run = await train(join(dir, 'auto'), ['--folds', '3']);
    assert.equal(run.code, 0, run.stderr);
    const model = JSON.parse(readFileSync(join(dir, 'auto', 'model.json'), 'utf8'));
    const report = JSON.parse(readFileSync(join(dir, 'auto', 'report.json'), 'utf8'));
    assert.equal(model.search.grid, undefined);
    assert.equal(model.search.candidates.length, 5);
    assert.deepEqual(
      { name: model.learner.name, params: model.learner.params },
      { name: model.search.chosenLearner.name, params: model.search.chosenLearner.params }
    );
    assert.match(model.search.why, /lowest cross-validated RMSE of 5 candidates/);
    assert.match(run.stdout, new RegExp(`auto chose ${model.learner.name} `));
    assert.match(run.stdout, /why: lowest cross-validated RMSE/);
    // Far better than the mean (79.6 K), as the extra trees and boosting in docs/models.md.
    assert.ok(model.metrics.mae.value < 22, `nested MAE ${model.metrics.mae.value}`);
    // Adaptive intervals: the same coverage at a smaller mean width, and a domain threshold.
    const { constant, adaptive } = report.intervalComparison;
    assert.ok(Math.abs(adaptive.coverage - 0.9) < 0.05, `coverage ${adaptive.coverage}`);
    assert.ok(adaptive.meanWidth < constant.meanWidth);
    assert.ok(model.conformal.adaptive.domainThreshold > 0);
    assert.match(run.stderr, /choosing \(step 1 of \d+\)/);
    // Stop early: a learner's parameters without naming the learner make no sense.
    const params = await train(join(dir, 'auto2'), ['--params', '{"alpha": 1}']);
    assert.notEqual(params.code, 0);
    assert.match(params.stderr, /learner "auto" chooses among its own candidates/);
  });

  it('stops on Ctrl-C between steps and writes nothing', async () => {
    const out = join(dir, 'interrupted');
    const child = spawn(
      process.execPath,
      [CLI, 'model', 'train', '--data', TG, '--target', 'Tg (K)', '--out', out],
      { stdio: ['ignore', 'pipe', 'pipe'] }
    );
    let stderr = '';
    let interrupted = false;
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      stderr += text;
      // Once: a second Ctrl-C stops the process at once, as in any command.
      if (!interrupted && /nested \(step/.test(stderr)) {
        interrupted = child.kill('SIGINT');
      }
    });
    const code = await new Promise<number | null>(resolve => child.on('exit', resolve));
    assert.equal(code, 130, stderr);
    assert.match(stderr, /stopped \(Ctrl-C\) before anything was written/);
    assert.equal(existsSync(out), false);
  });
});

describe('cryoprotect model train and predict on mixtures (SIMULATED viability data)', () => {
  // The CSV is SIMULATED at test time from the assumed toxicity-kinetics model with simulation
  // parameters (kernel-lib models/toxicity), its Provenance column says so on every row: it checks
  // the mixture pipeline of the command, never anything about real cryoprotectant toxicity.
  const dir = mkdtempSync(join(tmpdir(), 'cryoprotect-viability-'));
  const data = join(dir, 'viability-simulated.csv');
  const conditions = 'Concentration (% w/w),Temperature (K),Exposure (min)';
  before(() => {
    const lines = simulatedViabilityCsv(simulateViability({ seed: 31, rows: 240 }))
      .trim()
      .split('\n');
    const provenance = '"simulated (seed 31); not a measurement"';
    // Invalid rows at known lines: an unknown component (line 4), no exposure time (line 7), a
    // viability that is not a number (line 9), an unknown unit (line 12).
    lines.splice(3, 0, `"unobtainium: 5 % w/w",5,295.15,10,0.5,${provenance}`);
    lines.splice(6, 0, `"glycerol: 10 % w/w",10,295.15,,0.9,${provenance}`);
    lines.splice(8, 0, `"glycerol: 10 % w/w",10,295.15,10,n/a,${provenance}`);
    lines.splice(11, 0, `"glycerol: 10 percent",10,295.15,10,0.9,${provenance}`);
    writeFileSync(data, lines.join('\n') + '\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const train = (out: string, learner: string) =>
    cryoprotect([
      'model',
      'train',
      '--data',
      data,
      '--target',
      'Viability',
      '--mixture-column',
      'Mixture',
      '--conditions',
      conditions,
      '--learner',
      learner,
      '--seed',
      '2',
      '--out',
      out
    ]);

  it('learns viability from mixtures and conditions better than the mean, reporting bad rows by line', async () => {
    const ridge = await train(join(dir, 'ridge'), 'ridge');
    assert.equal(ridge.code, 0, ridge.stderr);
    assert.match(
      ridge.stderr,
      /viability-simulated\.csv:4: Mixture: components\[0\]\.molecule \(unobtainium\): "unobtainium" is neither a reference cryoprotectant nor a SMILES/
    );
    assert.match(ridge.stderr, /viability-simulated\.csv:7: Exposure \(min\): has no value/);
    assert.match(
      ridge.stderr,
      /viability-simulated\.csv:9: Viability: "n\/a" in "Viability" is not a number/
    );
    assert.match(
      ridge.stderr,
      /viability-simulated\.csv:12: Mixture: components\[0\]\.unit .*unknown unit "percent"/
    );
    // Four rejected rows, and otherwise only progress lines (stderr is not a terminal here).
    const lines = ridge.stderr.trim().split('\n');
    assert.equal(lines.filter(l => l.includes('viability-simulated.csv:')).length, 4, ridge.stderr);
    assert.ok(
      lines.every(l => l.includes('viability-simulated.csv:') || /\(step \d+ of \d+\)$/.test(l)),
      ridge.stderr
    );
    const model = JSON.parse(readFileSync(join(dir, 'ridge', 'model.json'), 'utf8'));
    assert.equal(model.trainingRows, 240);
    assert.equal(model.mixtureColumn, 'Mixture');
    assert.equal(model.groupBy, 'mixture');
    assert.match(
      model.featurizerVersion,
      /^mixture@1\(basis=mole,conditions=\)\+conditions@1\(Concentration \(% w\/w\)\|Temperature \(K\)\|Exposure \(min\)\)$/
    );
    const oof = readFileSync(join(dir, 'ridge', 'oof.csv'), 'utf8').split('\n');
    assert.equal(oof[0], 'line,mixture,measured,predicted,lower,upper,fold');

    const mean = await train(join(dir, 'mean'), 'mean');
    assert.equal(mean.code, 0, mean.stderr);
    const baseline = JSON.parse(readFileSync(join(dir, 'mean', 'model.json'), 'utf8'));
    // Scored on held-out component sets; the learned model's RMSE is well under the mean's.
    assert.ok(
      model.metrics.rmse.value < 0.6 * baseline.metrics.rmse.value,
      `ridge RMSE ${model.metrics.rmse.value} vs mean ${baseline.metrics.rmse.value}`
    );

    const input = join(dir, 'to-predict.csv');
    writeFileSync(
      input,
      [
        'Mixture,Concentration (% w/w),Temperature (K),Exposure (min)',
        '"DMSO: 10 % w/w; glycerol: 5 % w/w",15,277.15,5',
        '"DMSO: 10 % w/w",10,277.15,',
        '"ethylene glycol: 30 % w/w",30,310.15,60'
      ].join('\n') + '\n'
    );
    const predicted = await cryoprotect([
      'model',
      'predict',
      '--model',
      join(dir, 'ridge'),
      '--input',
      input,
      '--out',
      join(dir, 'predicted.csv')
    ]);
    assert.equal(predicted.code, 0, predicted.stderr);
    assert.match(predicted.stderr, /to-predict\.csv:3: Exposure \(min\): has no value/);
    const rows = readFileSync(join(dir, 'predicted.csv'), 'utf8').trim().split('\n');
    assert.equal(
      rows[0],
      'Mixture,Concentration (% w/w),Temperature (K),Exposure (min),prediction,lower,upper,novelty,in_domain'
    );
    assert.equal(rows.length, 3);
    const [mild, harsh] = rows.slice(1).map(r => Number(r.split(',').at(-3)));
    // Short, cold and dilute against long, warm and concentrated: the model must rank them.
    assert.ok(mild > harsh, `mild ${mild} vs harsh ${harsh}`);
  });

  it('refuses SMILES-only options with a mixture column', async () => {
    const result = await cryoprotect([
      'model',
      'train',
      '--data',
      data,
      '--target',
      'Viability',
      '--mixture-column',
      'Mixture',
      '--features',
      'descriptors',
      '--out',
      join(dir, 'x')
    ]);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /--features chooses features of a SMILES column/);
    const grouped = await cryoprotect([
      'model',
      'train',
      '--data',
      data,
      '--target',
      'Viability',
      '--mixture-column',
      'Mixture',
      '--group-by',
      'inchikey',
      '--out',
      join(dir, 'y')
    ]);
    assert.notEqual(grouped.code, 0);
    assert.match(grouped.stderr, /rows of a mixture column are grouped by "mixture" or "none"/);
  });
});

describe('cryoprotect as a person meets it: its version, files it cannot read, predictions beside the input', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cryoprotect-meet-'));
  const model = join(dir, 'model');
  const SERVER = JSON.parse(readFileSync(join(ROOT, 'server', 'package.json'), 'utf8')) as {
    version: string;
  };
  before(async () => {
    const small = join(dir, 'tg40.csv');
    writeFileSync(small, readFileSync(TG, 'utf8').split('\n').slice(0, 41).join('\n') + '\n');
    const trained = await cryoprotect([
      'model',
      'train',
      '--data',
      small,
      '--target',
      'Tg (K)',
      '--features',
      'descriptors',
      '--learner',
      'ridge',
      '--folds',
      '4',
      '--out',
      model
    ]);
    assert.equal(trained.code, 0, trained.stderr);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('prints its version and its kernel library version with --version and -V', async () => {
    for (const flag of ['--version', '-V']) {
      const { code, stdout } = await cryoprotect([flag]);
      assert.equal(code, 0);
      assert.match(
        stdout,
        /^cryoprotect \d+\.\d+\.\d+.* \(@cryoprotect\/kernel \d+\.\d+\.\d+.*\)\n$/
      );
      assert.ok(stdout.startsWith(`cryoprotect ${SERVER.version} `), stdout);
    }
  });

  it('says which file it cannot read or write and why, with exit code 2 and no stack', async () => {
    const nope = join(dir, 'nope.csv');
    const input = join(dir, 'input.csv');
    writeFileSync(input, 'SMILES\nOCC(O)CO\n');
    const cases: [string[], string][] = [
      [
        ['model', 'train', '--data', nope, '--target', 'Tg (K)', '--out', join(dir, 'x')],
        `cannot read ${nope}: no such file`
      ],
      [
        ['model', 'predict', '--model', model, '--input', nope, '--out', join(dir, 'o.csv')],
        `cannot read ${nope}: no such file`
      ],
      [
        [
          'model',
          'predict',
          '--model',
          join(dir, 'no-model'),
          '--input',
          input,
          '--out',
          join(dir, 'o.csv')
        ],
        `cannot read ${join(dir, 'no-model')}: no such file (not a model directory, nor a registered model NAME@VERSION)`
      ],
      [
        [
          'model',
          'predict',
          '--model',
          model,
          '--input',
          input,
          '--out',
          join(dir, 'gone', 'o.csv')
        ],
        `cannot write ${join(dir, 'gone', 'o.csv')}: no such directory`
      ],
      [
        ['model', 'predict', '--model', model, '--input', dir, '--out', join(dir, 'o.csv')],
        `cannot read ${dir}: is a directory`
      ],
      [['describe', nope], `cannot read ${nope}: no such file`],
      [['describe', join(input, 'x.csv')], `cannot read ${join(input, 'x.csv')}: not a directory`]
    ];
    for (const [args, message] of cases) {
      const { code, stdout, stderr } = await cryoprotect(args);
      assert.equal(code, 2, `${args.join(' ')}: ${stderr}`);
      assert.equal(stderr, `cryoprotect: ${message}\n`, args.join(' '));
      assert.doesNotMatch(stdout + stderr, /ENOENT|EISDIR|ENOTDIR|\n\s+at /);
    }
    // A model name, not a folder, with no server to ask: said so, not "the variable is not set".
    const name = await cryoprotect(
      ['model', 'predict', '--model', 'tg-nowhere', '--input', input, '--out', join(dir, 'o.csv')],
      { CRYOPROTECT_SERVER_URL: '' }
    );
    assert.equal(name.code, 2, name.stderr);
    assert.match(
      name.stderr,
      /^cryoprotect: cannot read tg-nowhere: no such file \(not a model directory; a registered model NAME@VERSION needs a server/
    );
  });

  it("writes every column of the input as it was, in its order, then the predictions to the model's precision", async () => {
    const input = join(dir, 'named.csv');
    writeFileSync(
      input,
      [
        'id,name,SMILES,supplier',
        '101,"glycerol, anhydrous",OCC(O)CO,"Acme ""pure"""',
        '102,broken,C1CC,Acme',
        '103,DMSO,CS(C)=O,',
        '104,"ethylene glycol',
        'a name on two lines",OCCO,Acme'
      ].join('\n') + '\n'
    );
    const out = join(dir, 'named-out.csv');
    const { code, stdout, stderr } = await cryoprotect([
      'model',
      'predict',
      '--model',
      model,
      '--input',
      input,
      '--out',
      out
    ]);
    assert.equal(code, 0, stderr);
    assert.equal(
      stderr,
      `${input}:3: SMILES: RDKit could not parse the SMILES "C1CC": unclosed ring\n`
    );
    const saved = JSON.parse(readFileSync(join(model, 'model.json'), 'utf8')) as {
      conformal: { halfWidth: number };
    };
    // Two significant figures of the model's interval half-width set the decimals.
    const decimals = Math.max(0, 1 - Math.floor(Math.log10(saved.conformal.halfWidth)));
    assert.match(stdout, new RegExp(`3 rows predicted \\(1 rejected\\).*to ${decimals} decimal`));
    const text = readFileSync(out, 'utf8');
    const lines = text.split('\n');
    assert.equal(lines[0], 'id,name,SMILES,supplier,prediction,lower,upper,novelty,in_domain');
    const number = `-?\\d+${decimals > 0 ? `\\.\\d{${decimals}}` : ''}`;
    const numbers = `${number},${number},${number},[\\d.]+,(true|false)`;
    assert.match(
      lines[1],
      new RegExp(`^101,"glycerol, anhydrous",OCC\\(O\\)CO,"Acme ""pure""",${numbers}$`)
    );
    assert.match(lines[2], new RegExp(`^103,DMSO,CS\\(C\\)=O,,${numbers}$`));
    assert.equal(lines[3], '104,"ethylene glycol');
    assert.match(lines[4], new RegExp(`^a name on two lines",OCCO,Acme,${numbers}$`));
    assert.equal(lines.length, 6);
    assert.equal(lines[5], '');
  });
});
