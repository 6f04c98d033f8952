import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { snapshotHash } from '../../datasets/canonical';
import { loadArquero } from './arquero';
import { CsvTableError, readCsvTable, snapshotTable } from './csv';
import { readCsvFile } from '../../node/files';

const DATA = join(__dirname, '../../../../data/science-data');

describe('readCsvTable', () => {
  it('reads every Tg row of the repo copy with numbers typed and lines kept', async () => {
    const path = join(DATA, 'tg_pure_compounds.csv');
    const result = await readCsvFile(path, {
      smilesColumn: 'SMILES',
      targetColumn: 'Tg (K)',
      numberColumns: ['Tm_exp (K)']
    });
    assert.equal(result.table.numRows(), 314);
    assert.deepEqual(result.rejected, []);
    assert.deepEqual(result.lines.slice(0, 3), [2, 3, 4]);
    assert.equal(result.lines.at(-1), 315);
    assert.deepEqual(result.table.columnNames(), ['Species', 'SMILES', 'Tg (K)', 'Tm_exp (K)']);
    const first = result.table.object(0) as Record<string, unknown>;
    assert.deepEqual(first, {
      Species: 'NH4HSO4',
      SMILES: 'O=S(=O)([O-])O.[NH4+]',
      'Tg (K)': 220,
      'Tm_exp (K)': null
    });
    const tm = result.table.array('Tm_exp (K)') as unknown[];
    assert.equal(tm.filter(v => v === null).length, 41, 'SOURCES.md: Tm_exp is empty in 41 rows');
  });

  it('rejects the IRI rows whose concentration is "Unreported", naming their lines', async () => {
    const path = join(DATA, 'iri_glyco.csv');
    const lines = readFileSync(path, 'utf8').split(/\r?\n/);
    const result = await readCsvFile(path, {
      smilesColumn: 'SMILES',
      targetColumn: 'Exp. % MGS',
      numberColumns: ['Concentration (mM)']
    });
    assert.equal(result.table.numRows(), 179);
    assert.equal(result.rejected.length, 3);
    for (const row of result.rejected) {
      assert.equal(row.column, 'Concentration (mM)');
      assert.match(row.reason, /"Unreported" .* is not a number/);
      assert.ok(lines[row.line - 1].includes(',Unreported,'), `line ${row.line} holds the text`);
      assert.equal(row.values.Name.length > 0, true);
    }
    // As text the same column keeps every row.
    const asText = await readCsvFile(path, { smilesColumn: 'SMILES', targetColumn: 'Exp. % MGS' });
    assert.equal(asText.table.numRows(), 182);
    assert.equal(asText.columnTypes['Concentration (mM)'], 'text');
  });

  it('reads iri_amino.csv completely', async () => {
    const result = await readCsvFile(join(DATA, 'iri_amino.csv'), {
      smilesColumn: 'SMILES',
      targetColumn: 'Exp. % MGS',
      numberColumns: ['Concentration (mM)', 'Exp. error']
    });
    assert.equal(result.table.numRows(), 50);
    assert.deepEqual(result.rejected, []);
  });

  it('reports each kind of bad row by its line and reason, and keeps the good ones', async () => {
    const text = [
      'name,smiles,tg',
      'glycerol,OCC(O)CO,190',
      'broken,C1CC,150',
      'no target,CCO,',
      'text target,CCO,about 100',
      'short,CCO',
      '"two',
      'lines",CS(C)=O,137',
      'empty smiles,,120',
      'hex,CO,0x10',
      'ethylene glycol, OCCO ,1.5e2'
    ].join('\r\n');
    const result = await readCsvTable({ text }, { smilesColumn: 'smiles', targetColumn: 'tg' });
    assert.deepEqual(result.lines, [2, 7, 11]);
    assert.deepEqual(result.table.array('smiles'), ['OCC(O)CO', 'CS(C)=O', 'OCCO']);
    assert.deepEqual(result.table.array('tg'), [190, 137, 150]);
    assert.deepEqual(result.table.array('name'), ['glycerol', 'two\r\nlines', 'ethylene glycol']);
    const byLine = result.rejected.map(r => [r.line, r.column, r.reason]);
    assert.equal(byLine.length, 6);
    assert.deepEqual(byLine[0].slice(0, 2), [3, 'smiles']);
    assert.match(String(byLine[0][2]), /RDKit could not parse the SMILES "C1CC"/);
    assert.deepEqual(byLine[1], [4, 'tg', 'the target "tg" is missing']);
    assert.deepEqual(byLine[2], [5, 'tg', '"about 100" in "tg" is not a number']);
    assert.deepEqual(byLine[3], [6, undefined, 'has 2 cells but the header has 3 columns']);
    assert.deepEqual(byLine[4], [9, 'smiles', 'the SMILES is missing']);
    assert.deepEqual(byLine[5], [10, 'tg', '"0x10" in "tg" is not a number']);
  });

  it('counts blank lines and LF line endings in the line numbers', async () => {
    const text = 'smiles,tg\n\nOCC(O)CO,190\n\n\nCC(C,100\nCS(C)=O,137\n\n';
    const result = await readCsvTable({ text }, { smilesColumn: 'smiles', targetColumn: 'tg' });
    assert.deepEqual(result.lines, [3, 7]);
    assert.deepEqual(
      result.rejected.map(r => r.line),
      [6]
    );
  });

  it('refuses a request for a column the file does not have', async () => {
    await assert.rejects(
      readCsvTable({ text: 'a,SMILES\n1,C\n' }, { smilesColumn: 'SMILES', targetColumn: 'Tg' }),
      (error: unknown) =>
        error instanceof CsvTableError &&
        /no column "Tg"; its columns are "a", "SMILES"/.test(error.message)
    );
    await assert.rejects(
      readCsvTable({ text: 'a,a\n1,C\n' }, { smilesColumn: 'a' }),
      /repeats the column "a"/
    );
  });
});

describe('snapshotTable', () => {
  it('gives the snapshot the hash of the same table written by hand, whatever the row order', async () => {
    const text = 'smiles,tg,note\nOCC(O)CO,190,\nCS(C)=O,137,dry\n';
    const { table, columnTypes } = await readCsvTable(
      { text },
      { smilesColumn: 'smiles', targetColumn: 'tg' }
    );
    const snapshot = snapshotTable(table, columnTypes);
    assert.deepEqual(snapshot, {
      columns: [
        { name: 'smiles', type: 'text' },
        { name: 'tg', type: 'number' },
        { name: 'note', type: 'text' }
      ],
      rows: [
        ['OCC(O)CO', 190, null],
        ['CS(C)=O', 137, 'dry']
      ]
    });
    const reversed = await readCsvTable(
      { text: 'smiles,tg,note\nCS(C)=O,137,dry\nOCC(O)CO,190,\n' },
      { smilesColumn: 'smiles', targetColumn: 'tg' }
    );
    assert.equal(snapshotHash(snapshotTable(reversed.table)), snapshotHash(snapshot));
    const changed = await readCsvTable(
      { text: 'smiles,tg,note\nCS(C)=O,137.5,dry\nOCC(O)CO,190,\n' },
      { smilesColumn: 'smiles', targetColumn: 'tg' }
    );
    assert.notEqual(snapshotHash(snapshotTable(changed.table)), snapshotHash(snapshot));
  });

  it('gives the Tg dataset a stable id', async () => {
    const path = join(DATA, 'tg_pure_compounds.csv');
    const options = {
      smilesColumn: 'SMILES',
      targetColumn: 'Tg (K)',
      numberColumns: ['Tm_exp (K)']
    };
    const a = await readCsvFile(path, options);
    const shuffledText = (() => {
      const [header, ...rows] = readFileSync(path, 'utf8').trimEnd().split('\r\n');
      return [header, ...rows.reverse()].join('\n');
    })();
    const b = await readCsvTable({ text: shuffledText }, options);
    assert.match(snapshotHash(snapshotTable(a.table, a.columnTypes)), /^[0-9a-f]{64}$/);
    assert.equal(
      snapshotHash(snapshotTable(a.table, a.columnTypes)),
      snapshotHash(snapshotTable(b.table, b.columnTypes))
    );
  });

  it('refuses a column mixing numbers and text', async () => {
    const aq = await loadArquero();
    assert.throws(
      () => snapshotTable(aq.table({ x: [1, 'a'] })),
      /column "x" holds number and string/
    );
    assert.deepEqual(snapshotTable(aq.table({ x: [null, null] })).columns, [
      { name: 'x', type: 'text' }
    ]);
  });
});
