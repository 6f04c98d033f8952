import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync
} from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { strToU8, unzipSync, zipSync } from 'fflate';
import { CLI, ROOT, embeddedServer, runCommand, tempDir, tslabNotebook } from './helpers.mjs';

/**
 * `cryoprotect export` and `cryoprotect reproduce BUNDLE` as a journal and a reviewer meet them: a
 * small analysis (ridge on the DOLMEN amino-acid IRI data, GPL-3.0) run in a folder of the project,
 * exported, and reproduced from a zip copied to a folder outside the project; a bundle changed
 * after export, and notebooks that cannot be bundled, are refused naming why.
 */

const cli = (args, options = {}) =>
  runCommand(process.execPath, [CLI, ...args], { timeoutMs: 300_000, ...options });

/** A notebook whose first cell holds its parameters. */
const notebook = ([parameters, ...rest]) =>
  tslabNotebook([{ source: parameters, tags: ['parameters'] }, ...rest]);

const sha256 = buffer => createHash('sha256').update(buffer).digest('hex');

/** Where reproduce unpacks the bundle NAME.zip: inside the installation, deleted after the tests. */
const unpacked = name => join(ROOT, '.cryoprotect', 'reproduced', `${name}.bundle`);

describe('cryoprotect export and reproduce of a bundle', () => {
  // Inside the project (git-ignored): a bundle keeps the project's layout, so the notebook must
  // be in it, and reads the shipped data by a relative path.
  mkdirSync(join(ROOT, '.cryoprotect'), { recursive: true });
  const work = mkdtempSync(join(ROOT, '.cryoprotect', 'export-test-'));
  const folder = join(work, 'notebooks');
  mkdirSync(folder);
  const data = relative(folder, join(ROOT, 'data', 'science-data', 'iri_amino.csv'));
  const file = join(folder, 'iri.ipynb');
  writeFileSync(
    file,
    notebook([
      `const data = ${JSON.stringify(data)};\nconst seed = 3;`,
      [
        "import { trainFromCsv } from '@cryoprotect/kernel/node';",
        "const r = await trainFromCsv({ data: data, target: 'Exp. % MGS', groupBy: 'inchikey', learner: 'ridge', learnerParams: { alpha: 10 }, featurizer: { descriptors: true, morgan: null }, seed: seed, folds: 4 });",
        'const m = r.model.validation.metrics;',
        'console.log(`MAE ${m.mae.value.toFixed(6)} [${m.mae.lower.toFixed(6)}, ${m.mae.upper.toFixed(6)}] %MGS; snapshot ${r.snapshot.hash}`);'
      ].join('\n')
    ])
  );
  const outside = tempDir('cryoprotect-bundle-');
  const executed = join(work, 'out', 'iri.ipynb');
  const zip = join(work, 'export-test-iri.zip');
  after(() => {
    rmSync(work, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
    rmSync(unpacked('export-test-iri'), { recursive: true, force: true });
  });

  before(async () => {
    const run = await cli(['run', file, '--out', join(work, 'out')]);
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
  });

  let entries;
  it('exports the executed notebook, its HTML, the data it read with their licence, citations, lockfiles and source', async () => {
    const result = await cli(['export', executed, '--out', zip]);
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
    assert.match(result.stdout, /data\/science-data\/iri_amino\.csv: GPL-3\.0/);
    entries = unzipSync(new Uint8Array(readFileSync(zip)));
    const text = path => {
      assert.ok(entries[path], `${path} is not in the bundle: ${Object.keys(entries).join(', ')}`);
      return Buffer.from(entries[path]).toString('utf8');
    };
    const inside = relative(ROOT, folder).split('\\').join('/');
    const manifest = JSON.parse(text('manifest.json'));
    assert.equal(manifest.format, 'cryoprotect-bundle/1');
    assert.equal(manifest.notebook, `${inside}/iri.ipynb`);
    for (const entry of manifest.files) {
      assert.equal(sha256(entries[entry.path]), entry.sha256, `${entry.path} in the manifest`);
    }
    // The data file is the very one read, with its GPL-3.0 text beside it, at the project's path.
    const csv = readFileSync(join(ROOT, 'data', 'science-data', 'iri_amino.csv'));
    assert.equal(sha256(entries['data/science-data/iri_amino.csv']), sha256(csv));
    assert.match(
      text('data/science-data/LICENSE-GPL-3.0-DOLMEN.txt'),
      /GNU GENERAL PUBLIC LICENSE/
    );
    assert.match(text('LICENCES.md'), /`data\/science-data\/iri_amino\.csv` \| GPL-3\.0 \|/);
    // Citations of the data (DOLMEN) and of the methods the kernel used (ridge, CV+, bootstrap).
    const citations = JSON.parse(text('CITATIONS.json'));
    const dois = citations.map(c => c.DOI).filter(Boolean);
    for (const doi of [
      '10.1038/s41467-024-52266-w',
      '10.1080/00401706.1970.10488634',
      '10.1214/20-AOS1965',
      '10.1201/9780429246593'
    ]) {
      assert.ok(dois.includes(doi), `no citation with DOI ${doi}: ${JSON.stringify(dois)}`);
    }
    const bib = text('CITATIONS.bib');
    assert.equal((bib.match(/^@\w+\{/gm) ?? []).length, citations.length);
    assert.match(bib, /@article\{dolmen2024,\n {2}title = \{Data-driven discovery/);
    // The executed notebook, its static HTML with the number, provenance, lockfiles, source.
    const ran = JSON.parse(text(`${inside}/iri.ipynb`));
    const printed = ran.cells[1].outputs.map(o => [o.text].flat().join('')).join('');
    const mae = /MAE (\d+\.\d+)/.exec(printed)?.[1];
    assert.ok(mae, printed);
    const page = text(`${inside}/iri.html`);
    assert.ok(page.includes(`MAE ${mae}`));
    // Archived: it opens offline and runs nothing (nbconvert's page would load require.js and
    // MathJax from a CDN).
    assert.doesNotMatch(page, /<script\b/i);
    assert.doesNotMatch(page, /(src|href)="https?:/i);
    const provenance = JSON.parse(text(`${inside}/iri.provenance.json`));
    assert.deepEqual(provenance.kernel.session.files, [
      { path: 'data/science-data/iri_amino.csv', sha256: sha256(csv), bytes: csv.length }
    ]);
    assert.equal(
      sha256(entries['environment/package-lock.json']),
      sha256(readFileSync(join(ROOT, 'package-lock.json')))
    );
    assert.ok(entries['environment/python/requirements.txt']);
    const source = Object.keys(entries).find(p =>
      /^source\/cryoprotect-[0-9a-f]{12}\.tar\.gz$/.test(p)
    );
    assert.ok(source, 'no source archive in the bundle');
    assert.ok(entries[source].length > 100_000);
    assert.match(text('README.md'), /reproduce \/path\/to\/this\/bundle/);
  });

  it('reproduces from the zip copied to a folder outside the project: identical', async () => {
    assert.ok(entries, 'the export did not run');
    cpSync(zip, join(outside, 'export-test-iri.zip'));
    const result = await cli(['reproduce', 'export-test-iri.zip'], { cwd: outside });
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
    assert.match(result.stdout, /files checked against manifest\.json/);
    assert.match(result.stdout, /iri\.ipynb: identical$/m);
  });

  it('refuses a bundle changed after export, naming the file', async () => {
    assert.ok(entries, 'the export did not run');
    const changed = { ...entries };
    const csv = Buffer.from(changed['data/science-data/iri_amino.csv']).toString('utf8');
    changed['data/science-data/iri_amino.csv'] = strToU8(csv.replace('54.4', '44.4'));
    const tampered = join(outside, 'export-test-tampered.zip');
    writeFileSync(tampered, zipSync(changed));
    const result = await cli(['reproduce', tampered], { cwd: outside });
    assert.equal(result.code, 2, `${result.stdout}\n${result.stderr}`);
    assert.match(result.stderr, /does not match its manifest/);
    assert.match(
      result.stderr,
      /data\/science-data\/iri_amino\.csv: sha256 [0-9a-f]{12}, the manifest says/
    );
    // A zip entry that would land outside the folder it is unpacked in.
    const escaping = join(outside, 'export-test-escaping.zip');
    writeFileSync(escaping, zipSync({ ...entries, '../evil.txt': strToU8('x') }));
    const escaped = await cli(['reproduce', escaping], { cwd: outside });
    assert.equal(escaped.code, 2, `${escaped.stdout}\n${escaped.stderr}`);
    assert.match(escaped.stderr, /unsafe path "\.\.\/evil\.txt"/);
    // Nothing half-unpacked is left behind, and nothing landed beside the unpacking folder.
    assert.equal(existsSync(unpacked('export-test-tampered')), false);
    assert.equal(existsSync(unpacked('export-test-escaping')), false);
    assert.equal(existsSync(join(ROOT, '.cryoprotect', 'reproduced', 'evil.txt')), false);
  });

  it('refuses a folder bundle holding a file its manifest does not list, or a symbolic link', async () => {
    assert.ok(entries, 'the export did not run');
    const unzipTo = dir => {
      for (const [path, content] of Object.entries(entries)) {
        mkdirSync(dirname(join(dir, path)), { recursive: true });
        writeFileSync(join(dir, path), content);
      }
    };
    // A node_modules/ of its own would shadow the installed kernel library.
    const shadowing = join(outside, 'export-test-shadowing');
    unzipTo(shadowing);
    mkdirSync(join(shadowing, 'node_modules', '@cryoprotect', 'kernel'), { recursive: true });
    writeFileSync(join(shadowing, 'node_modules', '@cryoprotect', 'kernel', 'index.js'), '');
    const shadowed = await cli(['reproduce', shadowing], { cwd: outside });
    assert.equal(shadowed.code, 2, `${shadowed.stdout}\n${shadowed.stderr}`);
    assert.match(
      shadowed.stderr,
      /node_modules\/@cryoprotect\/kernel\/index\.js: not in the manifest/
    );
    // A link to the genuine file would pass a check of what it points at.
    const linking = join(outside, 'export-test-linking');
    unzipTo(linking);
    const data = join(linking, 'data', 'science-data', 'iri_amino.csv');
    rmSync(data);
    symlinkSync(join(ROOT, 'data', 'science-data', 'iri_amino.csv'), data);
    const linked = await cli(['reproduce', linking], { cwd: outside });
    assert.equal(linked.code, 2, `${linked.stdout}\n${linked.stderr}`);
    assert.match(linked.stderr, /iri_amino\.csv is a symbolic link or a special file/);
    assert.equal(existsSync(unpacked('export-test-shadowing')), false);
    assert.equal(existsSync(unpacked('export-test-linking')), false);
  });

  it('refuses to export a notebook that did not run through cryoprotect run, or read a file outside the project', async () => {
    const plain = await cli(['export', file, '--out', join(outside, 'plain.zip')]);
    assert.equal(plain.code, 2, `${plain.stdout}\n${plain.stderr}`);
    assert.match(plain.stderr, /no provenance in its metadata/);
    assert.equal(existsSync(join(outside, 'plain.zip')), false);

    // A data file changed after the run: refused, nothing written.
    const local = join(work, 'local.csv');
    writeFileSync(local, 'SMILES,name\nOCC(O)CO,glycerol\n');
    const changer = join(folder, 'local.ipynb');
    writeFileSync(
      changer,
      notebook([
        `const data = ${JSON.stringify(relative(folder, local))};`,
        "import { readDataFile } from '@cryoprotect/kernel/node';\nconsole.log(readDataFile(data).length);"
      ])
    );
    const ran = await cli(['run', changer, '--out', join(work, 'out')]);
    assert.equal(ran.code, 0, `${ran.stdout}\n${ran.stderr}`);
    writeFileSync(local, 'SMILES,name\nCS(C)=O,DMSO\n');
    const stale = await cli([
      'export',
      join(work, 'out', 'local.ipynb'),
      '--out',
      join(outside, 'stale.zip')
    ]);
    assert.equal(stale.code, 2, `${stale.stdout}\n${stale.stderr}`);
    assert.match(stale.stderr, /the data file .*local\.csv changed since the run/);
    assert.equal(existsSync(join(outside, 'stale.zip')), false);

    const elsewhere = join(outside, 'elsewhere.csv');
    cpSync(join(ROOT, 'data', 'science-data', 'iri_amino.csv'), elsewhere);
    const reader = join(folder, 'elsewhere.ipynb');
    writeFileSync(
      reader,
      notebook([
        `const data = ${JSON.stringify(elsewhere)};`,
        "import { readDataFile } from '@cryoprotect/kernel/node';\nconsole.log(readDataFile(data).split('\\n').length);"
      ])
    );
    const run = await cli(['run', reader, '--out', join(work, 'out')]);
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
    const result = await cli([
      'export',
      join(work, 'out', 'elsewhere.ipynb'),
      '--out',
      join(outside, 'e')
    ]);
    assert.equal(result.code, 2, `${result.stdout}\n${result.stderr}`);
    assert.match(result.stderr, /the data file .*elsewhere\.csv is outside the project/);
    // A folder that holds something already is not overwritten.
    writeFileSync(join(outside, 'keep.txt'), 'mine');
    const busy = await cli(['export', executed, '--out', outside]);
    assert.equal(busy.code, 2, `${busy.stdout}\n${busy.stderr}`);
    assert.match(busy.stderr, /exists and is not an empty folder/);
    assert.equal(readFileSync(join(outside, 'keep.txt'), 'utf8'), 'mine');
    // Nor is a zip that exists.
    const existing = join(outside, 'existing.zip');
    writeFileSync(existing, 'mine');
    const again = await cli(['export', executed, '--out', existing]);
    assert.equal(again.code, 2, `${again.stdout}\n${again.stderr}`);
    assert.match(again.stderr, /--out .*existing\.zip: exists/);
    assert.equal(readFileSync(existing, 'utf8'), 'mine');
  });
});

describe('a bundle of a notebook that loaded a registered model version', () => {
  mkdirSync(join(ROOT, '.cryoprotect'), { recursive: true });
  const work = mkdtempSync(join(ROOT, '.cryoprotect', 'export-model-test-'));
  const outside = tempDir('cryoprotect-bundle-model-');
  const file = join(work, 'predict.ipynb');
  writeFileSync(
    file,
    notebook([
      "const model = 'tg-export@1';",
      [
        "import { predictMolecules } from '@cryoprotect/kernel';",
        "import { openModel } from '@cryoprotect/kernel/node';",
        'const opened = await openModel(model);',
        "const p = await predictMolecules(opened.model, [{ smiles: 'OCC(O)CO', name: 'glycerol' }]);",
        'console.log(`${opened.version?.name}@${opened.version?.version}: glycerol ${p.rows[0].prediction.toFixed(6)} K`);'
      ].join('\n')
    ])
  );
  let server;
  after(async () => {
    await server?.stop();
    rmSync(work, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
    rmSync(unpacked('export-test-predict'), { recursive: true, force: true });
  });

  it('carries the version, and reproduces from it with no server at all', async () => {
    server = await embeddedServer();
    const env = { CRYOPROTECT_SERVER_URL: server.url, CRYOPROTECT_TOKEN: server.token };
    // A model registered on the server beforehand, as a colleague would have.
    const kernel = await import('@cryoprotect/kernel/node');
    const { CryoProtectClient, registerTrainedModel } = await import('@cryoprotect/kernel');
    const csv = join(work, 'tg40.csv');
    const tg = readFileSync(join(ROOT, 'data', 'science-data', 'tg_pure_compounds.csv'), 'utf8');
    writeFileSync(csv, `${tg.split('\n').slice(0, 41).join('\n')}\n`);
    const trained = await kernel.trainFromCsv({
      data: csv,
      target: 'Tg (K)',
      learner: 'ridge',
      learnerParams: { alpha: 10 },
      folds: 4,
      seed: 1,
      featurizer: { descriptors: true, morgan: null }
    });
    const client = new CryoProtectClient({ serverUrl: server.url, token: server.token });
    const registered = await registerTrainedModel(client, trained, {
      name: 'tg-export',
      propertyType: 'glass_transition'
    });
    assert.equal(registered.version.version, 1);

    const run = await cli(['run', file, '--out', join(work, 'out')], { env });
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
    const executed = join(work, 'out', 'predict.ipynb');
    const zip = join(outside, 'export-test-predict.zip');
    const exported = await cli(['export', executed, '--out', zip], { env });
    assert.equal(exported.code, 0, `${exported.stdout}\n${exported.stderr}`);
    const entries = unzipSync(new Uint8Array(readFileSync(zip)));
    const carried = JSON.parse(Buffer.from(entries['models/tg-export@1.json']).toString('utf8'));
    assert.equal(carried.snapshotHash, trained.snapshot.hash);
    await server.stop();
    server = undefined;

    // No server: the re-run loads the carried version, and says identical.
    const result = await cli(['reproduce', 'export-test-predict.zip'], {
      cwd: outside,
      env: { CRYOPROTECT_SERVER_URL: '', CRYOPROTECT_TOKEN: '' }
    });
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
    assert.match(result.stdout, /predict\.ipynb: identical$/m);
  });
});
