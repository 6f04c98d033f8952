import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import { getIdentity } from '../chemistry/identity';
import {
  findReferenceMolecule,
  getReferenceData,
  parseReferenceData,
  type ReferenceMolecule
} from './cryoprotectants';

const SCIENCE_DATA = join(__dirname, '..', '..', '..', 'data', 'science-data');

/** Which column of each copied data file holds the glass transition, and which names the compound. */
const COLUMNS: Record<string, { value: string; name?: string; smiles?: string }> = {
  'tg_pure_compounds.csv': { value: 'Tg (K)', name: 'Species', smiles: 'SMILES' },
  'tg_aqueous_solutions.csv': { value: 'tg_kelvin', name: 'solute_name', smiles: 'solute_smiles' },
  // Water's Tg in this file is the authors' extrapolation of glycerol-water data to pure water.
  'gordon_taylor_parameters.csv': { value: 'tg_water_kelvin' }
};

function readRow(file: string, line: number): Record<string, string> {
  const lines = readFileSync(join(SCIENCE_DATA, file), 'utf8').split(/\r?\n/);
  const [row] = parse(`${lines[0]}\n${lines[line - 1]}`, { columns: true }) as Record<
    string,
    string
  >[];
  return row;
}

function formulaOf(inchi: string): string {
  return inchi.split('/')[1];
}

describe('reference cryoprotectants', () => {
  const data = getReferenceData();

  it('holds at least 20 cryoprotectants besides water, each key, name and InChIKey once', () => {
    assert.ok(data.molecules.filter(m => m.role !== 'solvent').length >= 20);
    for (const field of ['key', 'name', 'inchikey'] as const) {
      const values = data.molecules.map(m => m[field]);
      assert.equal(new Set(values).size, values.length, `${field} repeats`);
    }
  });

  for (const molecule of getReferenceData().molecules) {
    it(`${molecule.name}: RDKit.js computes the published InChIKey from the SMILES`, async () => {
      const identity = await getIdentity(molecule.smiles);
      assert.equal(identity.inchikey, molecule.inchikey);
    });
  }

  it('finds molecules by name, key and synonym, and nothing for an unknown name', () => {
    assert.equal(findReferenceMolecule('DMSO')?.key, 'dimethyl-sulfoxide');
    assert.equal(findReferenceMolecule(' Glycerin ')?.key, 'glycerol');
    assert.equal(findReferenceMolecule('ethylene-glycol')?.name, 'ethylene glycol');
    assert.equal(findReferenceMolecule('unobtainium'), undefined);
  });

  it('takes every glass transition from the cited row of a copied data file', async () => {
    let checked = 0;
    for (const molecule of data.molecules) {
      const { inchi } = await getIdentity(molecule.smiles);
      for (const tg of molecule.glassTransition) {
        const source = data.sources[tg.source];
        assert.equal(
          source.file,
          tg.dataRow.file,
          `${molecule.name}: source ${tg.source} names another file`
        );
        const columns = COLUMNS[tg.dataRow.file];
        assert.ok(columns, `no column map for ${tg.dataRow.file}`);
        const row = readRow(tg.dataRow.file, tg.dataRow.line);
        const where = `${molecule.name}, ${tg.dataRow.file} line ${tg.dataRow.line}`;
        assert.equal(Number(row[columns.value]), tg.kelvin, where);
        if (columns.name && columns.smiles) {
          const names = [molecule.name, ...molecule.synonyms].map(n => n.toLowerCase());
          const rowName = row[columns.name].trim().toLowerCase();
          assert.ok(
            names.some(n => n.endsWith(rowName) || rowName === n),
            `${where}: row names "${rowName}"`
          );
          const rowInchi = (await getIdentity(row[columns.smiles])).inchi;
          assert.equal(formulaOf(rowInchi), formulaOf(inchi), `${where}: formula differs`);
        } else {
          assert.equal(molecule.key, 'water', where);
        }
        checked++;
      }
    }
    assert.ok(checked >= 30, `only ${checked} values checked`);
  });

  it('refuses reference data that cites an undefined source or lacks a field', () => {
    const orphan = structuredClone(data);
    orphan.molecules[0].glassTransition.push({
      kelvin: 1,
      source: 'nowhere',
      dataRow: { file: 'x.csv', line: 2 }
    });
    assert.throws(() => parseReferenceData(orphan), /unknown source\W+nowhere/);
    const noKey = structuredClone(data) as { molecules: Partial<ReferenceMolecule>[] };
    delete noKey.molecules[1].inchikey;
    assert.throws(() => parseReferenceData(noKey), /inchikey/);
  });
});
