import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadRDKit } from '@cryoprotect/kernel';
import { CLI, ROOT, runCommand, tempDir } from './helpers.mjs';

const dir = tempDir('cryoprotect-describe-');
const describeFile = (...args) => runCommand(process.execPath, [CLI, 'describe', ...args]);

describe('cryoprotect describe', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('describes a CSV, reporting invalid rows by line without stopping', async () => {
    const file = join(dir, 'mixed.csv');
    writeFileSync(
      file,
      'Name,SMILES,Tg\nglycerol,OCC(O)CO,190\nbroken,C1CC,0\nDMSO,CS(C)=O,\nempty,,\n'
    );
    const { code, stdout, stderr } = await describeFile(file);
    assert.equal(code, 0, stderr);
    const lines = stdout.trim().split('\n');
    assert.equal(lines.length, 3, stdout);
    // The input's own columns as they were, then what was computed.
    assert.match(lines[0], /^line,Name,SMILES,Tg,smiles,inchikey,exactMass,molarMass,/);
    assert.match(lines[1], /^2,glycerol,OCC\(O\)CO,190,OCC\(O\)CO,PEDCQBHIVMGVHV-UHFFFAOYSA-N,/);
    assert.match(lines[2], /^4,DMSO,CS\(C\)=O,,CS\(C\)=O,/);
    assert.match(stderr, /mixed\.csv:3: RDKit could not parse the SMILES "C1CC": unclosed ring/);
    assert.match(stderr, /mixed\.csv:5: the structure is empty/);
    assert.match(stderr, /described 2 of 4 structures/);
  });

  it('keeps every column of the input as valid CSV, and writes counts as integers and reals to their digits', async () => {
    const file = join(dir, 'named.csv');
    writeFileSync(
      file,
      'id,name,SMILES,note\n7,"glycerol, anhydrous",OCC(O)CO,"said ""pure"""\n8,"two\nlines",CS(C)=O,\n'
    );
    const { code, stdout, stderr } = await describeFile(file);
    assert.equal(code, 0, stderr);
    const lines = stdout.split('\n');
    assert.match(lines[0], /^line,id,name,SMILES,note,smiles,inchikey,exactMass,molarMass,/);
    assert.match(
      lines[1],
      /^2,7,"glycerol, anhydrous",OCC\(O\)CO,"said ""pure""",OCC\(O\)CO,PEDCQBHIVMGVHV-UHFFFAOYSA-N,/
    );
    assert.equal(lines[2], '3,8,"two');
    assert.match(lines[3], /^lines",CS\(C\)=O,,CS\(C\)=O,IAZDPXIOMUYVGZ-UHFFFAOYSA-N,/);
    const header = lines[0].split(',');
    const glycerol = lines[1].replace(/"(?:[^"]|"")*"/g, 'x').split(',');
    const cell = name => glycerol[header.indexOf(name)];
    // Monoisotopic mass to 0.1 mDa, molar mass as RDKit sums it, counts whole, no float noise.
    assert.equal(cell('exactMass'), '92.0473');
    assert.equal(cell('molarMass'), '92.094');
    assert.equal(cell('hydroxylGroups'), '3');
    assert.equal(cell('polarSurfaceArea'), '60.69');
    for (const value of glycerol.slice(header.indexOf('exactMass'))) {
      assert.match(value, /^-?\d+(\.\d{1,6})?$/);
    }
    // A column the input already has keeps its name; the computed one is told apart.
    const clash = join(dir, 'clash.csv');
    writeFileSync(clash, 'smiles,inchikey\nOCCO,mine\n');
    const told = await describeFile(clash);
    assert.equal(told.code, 0, told.stderr);
    assert.match(told.stdout, /^line,smiles,inchikey,smiles_2,inchikey_2,exactMass,/);
    assert.match(told.stdout, /\n2,OCCO,mine,OCCO,LYCAIKOWRPUZTN-UHFFFAOYSA-N,/);
  });

  it('writes JSON with the descriptor definitions and their units', async () => {
    const file = join(dir, 'one.csv');
    const out = join(dir, 'one.json');
    writeFileSync(file, 'smiles\nOCCO\n');
    const { code } = await describeFile(file, '--format', 'json', '--out', out);
    assert.equal(code, 0);
    const json = JSON.parse(readFileSync(out, 'utf8'));
    assert.equal(json.rdkitVersion, (await loadRDKit()).version());
    assert.equal(json.descriptors.find(d => d.name === 'polarSurfaceArea').unit, 'A^2');
    assert.equal(json.rows[0].inchikey, 'LYCAIKOWRPUZTN-UHFFFAOYSA-N');
    assert.equal(json.rows[0].descriptors.hydroxylGroups, 2);
    assert.deepEqual(json.invalid, []);
    assert.deepEqual(json.rows[0].columns, { smiles: 'OCCO' });
  });

  it('reads SDF, naming records by their title and line', async () => {
    const rdkit = await loadRDKit();
    const block = smiles => {
      const mol = rdkit.get_mol(smiles);
      mol.set_new_coords();
      const text = mol.get_molblock();
      mol.delete();
      return text;
    };
    const file = join(dir, 'two.sdf');
    const glycerol = block('OCC(O)CO').replace(/^[^\n]*/, 'glycerol');
    writeFileSync(
      file,
      `${glycerol}\n$$$$\nnot a molecule\n\n\n  0  0  0  0  0  0  0  0  0  0999 V2000\nM  END\n$$$$\n`
    );
    const { code, stdout, stderr } = await describeFile(file);
    assert.equal(code, 0, stderr);
    assert.match(stdout, /\n1,glycerol,,OCC\(O\)CO,PEDCQBHIVMGVHV-UHFFFAOYSA-N,/);
    const secondRecordLine = glycerol.split('\n').length + 2;
    assert.match(
      stderr,
      new RegExp(`two\\.sdf:${secondRecordLine}: the structure .* has no atoms`)
    );
  });

  it('gives the same result in worker threads as in one thread', async () => {
    const smiles = readFileSync(join(ROOT, 'data', 'science-data', 'tg_pure_compounds.csv'), 'utf8')
      .split(/\r?\n/)
      .slice(1)
      .filter(Boolean)
      .map(line => (line.startsWith('"') ? line.split('",')[1] : line.split(',')[1]).split(',')[0]);
    const rows = Array.from({ length: 2600 }, (_, i) => smiles[i % smiles.length]);
    const file = join(dir, 'many.csv');
    writeFileSync(file, `SMILES\n${rows.join('\n')}\n`);
    const one = await describeFile(file, '--workers', '1');
    const two = await describeFile(file, '--workers', '2');
    assert.equal(one.code, 0, one.stderr);
    assert.equal(two.code, 0, two.stderr);
    assert.equal(two.stdout, one.stdout);
    assert.equal(one.stdout.trim().split('\n').length, 2601);
  });

  it('refuses pathological structures by their bound and describes the rest, in one thread and in workers', async () => {
    const hostile = [
      'C'.repeat(900), // overflows RDKit.js's stack if it ever reaches it
      'C' + '(C'.repeat(100) + ')'.repeat(100),
      'C1CC1'.repeat(80)
    ];
    const rows = Array.from({ length: 2400 }, (_, i) =>
      i % 400 === 7 ? hostile[((i / 400) % 3) | 0] : ['OCC(O)CO', 'CS(C)=O', 'OCCO'][i % 3]
    );
    const file = join(dir, 'hostile.csv');
    writeFileSync(file, `SMILES\n${rows.join('\n')}\n`);
    const refused = rows.filter(r => r.length > 20).length;
    for (const workers of ['1', '2']) {
      const { code, stdout, stderr } = await describeFile(file, '--workers', workers);
      assert.equal(code, 0, stderr);
      assert.equal(stdout.trim().split('\n').length, 1 + rows.length - refused, workers);
      assert.match(
        stderr,
        /hostile\.csv:9: the structure is too large to process: heavy atoms \(900\) is above the limit of 300 \(heavyAtoms\)/
      );
      assert.match(stderr, /above the limit of 64 \(nesting\)/);
      assert.match(stderr, /above the limit of 64 \(ringClosures\)/);
      assert.match(
        stderr,
        new RegExp(`described ${rows.length - refused} of ${rows.length} structures`)
      );
    }
  });

  it('refuses a file without the SMILES column, listing the columns it has', async () => {
    const file = join(dir, 'nosmiles.csv');
    writeFileSync(file, 'name,structure\nx,CCO\n');
    const { code, stderr } = await describeFile(file);
    assert.equal(code, 1);
    assert.match(
      stderr,
      /nosmiles\.csv has no SMILES column \(columns: name, structure\); name it with --smiles-column/
    );
    const named = await describeFile(file, '--smiles-column', 'structure');
    assert.equal(named.code, 0, named.stderr);
    const missing = await describeFile(join(dir, 'absent.csv'));
    assert.equal(missing.code, 2);
    assert.equal(
      missing.stderr,
      `cryoprotect: cannot read ${join(dir, 'absent.csv')}: no such file\n`
    );
    const format = await describeFile(file, '--format', 'xml');
    assert.match(format.stderr, /--format.*must be csv or json/);
  });
});
