import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ChemistryError, loadRDKit } from '../../chemistry';
import { groupKey, groupKeys, murckoScaffoldWith } from './groups';
import { readCsvFile } from '../../node/files';

const DATA = join(__dirname, '../../../../data/science-data');

describe('Bemis-Murcko scaffolds', () => {
  // Scaffolds by the definition (rings + linkers + exocyclic double-bonded atoms), written as
  // any valid SMILES and compared after RDKit canonicalization.
  const cases: [string, string, string][] = [
    ['ibuprofen', 'CC(C)Cc1ccc(cc1)C(C)C(=O)O', 'c1ccccc1'],
    ['diphenhydramine', 'CN(C)CCOC(c1ccccc1)c1ccccc1', 'C(c1ccccc1)c1ccccc1'],
    ['cyclohexanone keeps its ring C=O', 'O=C1CCCCC1', 'O=C1CCCCC1'],
    ['glucose', 'OC[C@H]1OC(O)[C@H](O)[C@@H](O)[C@@H]1O', 'C1CCOCC1'],
    [
      'sucrose: two rings and the O linker',
      'OC[C@H]1O[C@@](CO)(O[C@H]2O[C@H](CO)[C@@H](O)[C@H](O)[C@H]2O)[C@@H](O)[C@@H]1O',
      'C1CCC(OC2CCCO2)OC1'
    ],
    ['N-methylimidazole loses the methyl, gains [nH]', 'Cn1ccnc1', 'c1c[nH]cn1'],
    ['linker carbonyl kept', 'O=C(c1ccccc1)C1CC1', 'O=C(c1ccccc1)C1CC1'],
    ['side-chain carbonyl removed', 'CC(=O)c1ccc(Cn2ccnc2)cc1', 'c1ccc(Cn2ccnc2)cc1'],
    ['pyroglutamic acid', 'O=C(O)C1CCC(=O)N1', 'O=C1CCCN1'],
    ['stereo dropped', 'C[C@@H]1CCCC[C@H]1O', 'C1CCCCC1'],
    ['fused rings whole', 'CC1CCC2CCCCC2C1', 'C1CCC2CCCCC2C1']
  ];

  for (const [name, smiles, scaffold] of cases) {
    it(name, async () => {
      const rdkit = await loadRDKit();
      const expected = rdkit.get_mol(scaffold)!;
      try {
        assert.equal(murckoScaffoldWith(rdkit, smiles), expected.get_smiles());
      } finally {
        expected.delete();
      }
    });
  }

  it('gives acyclic molecules the empty Murcko scaffold, and each its own group', async () => {
    const rdkit = await loadRDKit();
    assert.equal(murckoScaffoldWith(rdkit, 'OCC(O)CO'), '');
    const keys = await groupKeys(['OCC(O)CO', 'CS(C)=O', 'C(O)C(O)CO', 'O'], 'scaffold');
    assert.deepEqual(keys, [
      'acyclic:PEDCQBHIVMGVHV-UHFFFAOYSA-N',
      'acyclic:IAZDPXIOMUYVGZ-UHFFFAOYSA-N',
      'acyclic:PEDCQBHIVMGVHV-UHFFFAOYSA-N',
      'acyclic:XLYOFNOQVPJJNP-UHFFFAOYSA-N'
    ]);
  });
});

describe('groupKey', () => {
  it('groups by the InChIKey of the standardized parent', async () => {
    assert.equal(await groupKey('OCC(O)CO', 'inchikey'), 'PEDCQBHIVMGVHV-UHFFFAOYSA-N');
    // Same molecule written differently, and as a salt: one group.
    assert.equal(await groupKey('C(O)C(O)CO', 'inchikey'), 'PEDCQBHIVMGVHV-UHFFFAOYSA-N');
    assert.equal(
      await groupKey('CC(=O)[O-].[Na+]', 'inchikey'),
      await groupKey('CC(=O)O', 'inchikey')
    );
    assert.notEqual(await groupKey('OCCO', 'inchikey'), await groupKey('OCC(O)CO', 'inchikey'));
    assert.equal(await groupKey('CCCc1ccccc1', 'scaffold'), 'c1ccccc1');
  });

  it('names the row of a structure it cannot read', async () => {
    await assert.rejects(
      groupKeys(['CCO', 'C1CC'], 'inchikey', { rowLabels: ['line 2', 'line 3'] }),
      (error: unknown) => error instanceof ChemistryError && /^line 3: /.test(error.message)
    );
    await assert.rejects(groupKey('CCO', 'name' as 'inchikey'), /use "inchikey" or "scaffold"/);
  });

  it('finds the repeated molecules of the Tg data', async () => {
    const { table } = await readCsvFile(join(DATA, 'tg_pure_compounds.csv'), {
      smilesColumn: 'SMILES',
      targetColumn: 'Tg (K)'
    });
    const smiles = table.array('SMILES') as string[];
    const byInchikey = await groupKeys(smiles, 'inchikey');
    const byScaffold = await groupKeys(smiles, 'scaffold');
    const distinctSmiles = new Set(smiles).size;
    const inchikeyGroups = new Set(byInchikey).size;
    const scaffoldGroups = new Set(byScaffold).size;
    // Several rows per molecule (SOURCES.md): fewer groups than rows; scaffolds coarser still.
    assert.ok(inchikeyGroups <= distinctSmiles && distinctSmiles < smiles.length);
    assert.ok(scaffoldGroups < inchikeyGroups);
    // Rows with the same SMILES always share a group.
    smiles.forEach((s, i) => assert.equal(byInchikey[i], byInchikey[smiles.indexOf(s)]));
  });
});
