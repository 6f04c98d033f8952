import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import fc from 'fast-check';
import { getReferenceData } from '../reference/cryoprotectants';
import { getDepiction } from './depict.test-helpers';
import { getDescriptors } from './descriptors';
import { FingerprintLibrary, getMorganFingerprintWith, tanimoto } from './fingerprints';
import { compareInchikeys, findDuplicate, getIdentity } from './identity';
import { ChemistryError, loadRDKit, parseWith, type RDKitModule } from './rdkit';
import { hasSubstructure, SubstructureIndex } from './search';
import { standardize } from './standardize';

const FIXTURE = JSON.parse(
  readFileSync(
    join(__dirname, '..', '..', 'src', 'chemistry', 'fixtures', 'native-rdkit.json'),
    'utf8'
  )
) as { molecules: { smiles: string }[] };
const LIBRARY_SMILES = FIXTURE.molecules.map(m => m.smiles);

let rdkit: RDKitModule;
before(async () => {
  rdkit = await loadRDKit();
});

describe('parsing', () => {
  it("names the input and RDKit's reason for invalid SMILES", () => {
    for (const [smiles, reason] of [
      ['C1CC', /unclosed ring/],
      ['CC(C)(C)(C)C', /Explicit valence for atom # 1 C, 5, is greater than permitted/],
      ['C(', /syntax error|extra open parentheses/]
    ] as const) {
      assert.throws(
        () => parseWith(rdkit, smiles),
        (error: unknown) => {
          assert.ok(error instanceof ChemistryError);
          assert.equal(error.code, 'invalid_structure');
          assert.equal(error.input, smiles);
          assert.match(error.message, new RegExp(`"${smiles.replace(/[()]/g, '\\$&')}"`));
          assert.match(error.message, reason);
          return true;
        }
      );
    }
    assert.throws(() => parseWith(rdkit, '  '), { code: 'empty_structure' });
  });

  it('reads MOL blocks and InChI, reaching the same InChIKey as from SMILES, stereo included', async () => {
    for (const molecule of getReferenceData().molecules) {
      const fromSmiles = parseWith(rdkit, molecule.smiles);
      fromSmiles.set_new_coords();
      const molblock = fromSmiles.get_molblock();
      const inchi = fromSmiles.get_inchi();
      fromSmiles.delete();
      assert.equal(
        (await getIdentity(molblock)).inchikey,
        molecule.inchikey,
        `${molecule.name} from MOL block`
      );
      assert.equal(
        (await getIdentity(inchi)).inchikey,
        molecule.inchikey,
        `${molecule.name} from InChI`
      );
    }
  });

  it("refuses a malformed InChI with the InChI library's reason", async () => {
    await assert.rejects(getIdentity('InChI=1S/garbage'), (error: unknown) => {
      assert.ok(error instanceof ChemistryError);
      assert.match(error.message, /could not read the InChI "InChI=1S\/garbage": .+/);
      return true;
    });
  });
});

describe('standardization for registration', () => {
  const cases: [string, string, string[], boolean][] = [
    // input, parent SMILES, stripped fragments, neutralized
    ['Cl.N[C@@H](C)C(=O)O', 'C[C@H](N)C(=O)O', ['Cl'], false],
    ['[Na+].[O-]C(=O)C', 'CC(=O)O', ['[Na+]'], true],
    ['OCC(O)CO.O.O', 'OCC(O)CO', ['O', 'O'], false],
    ['[NH3+]CC([O-])=O', 'NCC(=O)O', [], true],
    ['[O-]C(=O)[C@@H]1CCC[NH2+]1', 'O=C(O)[C@@H]1CCCN1', [], true],
    // Quaternary nitrogen cannot lose its charge: betaine stays a zwitterion.
    ['C[N+](C)(C)CC([O-])=O', 'C[N+](C)(C)CC(=O)[O-]', [], false],
    // The nitro group's charges are bonded to each other and stay.
    ['C[N+](=O)[O-]', 'C[N+](=O)[O-]', [], false],
    [
      'OC[C@H]1O[C@H](O[C@H]2O[C@H](CO)[C@@H](O)[C@H](O)[C@H]2O)[C@H](O)[C@@H](O)[C@@H]1O.[K+].[Cl-]',
      'OC[C@H]1O[C@H](O[C@H]2O[C@H](CO)[C@@H](O)[C@H](O)[C@H]2O)[C@H](O)[C@@H](O)[C@@H]1O',
      ['[Cl-]', '[K+]'],
      false
    ]
  ];
  for (const [input, parent, stripped, neutralized] of cases) {
    it(`${input} -> ${parent}`, async () => {
      const result = await standardize(input);
      assert.equal(result.smiles, parent);
      assert.deepEqual(result.strippedFragments, stripped);
      assert.equal(result.neutralized, neutralized);
      assert.equal(result.input, input);
      assert.equal(result.inchikey, (await getIdentity(parent)).inchikey);
    });
  }

  it('gives the same parent whatever the order of the fragments', async () => {
    const a = await standardize('[Na+].[O-]C(=O)c1ccccc1.O');
    const b = await standardize('O.[O-]C(=O)c1ccccc1.[Na+]');
    assert.deepEqual({ ...a, input: '' }, { ...b, input: '' });
  });
});

describe('identity and duplicates', () => {
  it('tells identical structures, stereoisomers and different structures apart', async () => {
    const l = await getIdentity('OC(=O)[C@@H]1CCCN1');
    const d = await getIdentity('OC(=O)[C@H]1CCCN1');
    const same = await getIdentity('N1CCC[C@H]1C(O)=O');
    assert.equal(compareInchikeys(l.inchikey, same.inchikey), 'identical');
    assert.equal(compareInchikeys(l.inchikey, d.inchikey), 'stereoisomer');
    assert.equal(
      compareInchikeys(l.inchikey, (await getIdentity('OCC(O)CO')).inchikey),
      'different'
    );
    const records = [
      { id: 1, inchikey: d.inchikey },
      { id: 2, inchikey: l.inchikey }
    ];
    assert.equal(findDuplicate(records, same.inchikey)?.id, 2);
    assert.equal(findDuplicate(records, (await getIdentity('OCCO')).inchikey), undefined);
  });
});

describe('descriptors', () => {
  it('give hand-checkable values for glycerol', async () => {
    const d = await getDescriptors('OCC(O)CO');
    assert.equal(d.hydroxylGroups, 3);
    assert.equal(d.oxygenToCarbonRatio, 1);
    assert.equal(d.hBondDonors, 3);
    assert.equal(d.heavyAtoms, 6);
    assert.equal(d.formalCharge, 0);
    assert.ok(Math.abs(d.molarMass - 92.094) < 1e-3);
  });

  it('count no acid OH as a hydroxyl group', async () => {
    assert.equal((await getDescriptors('OCC(=O)O')).hydroxylGroups, 1);
  });
});

describe('Tanimoto top-k search', () => {
  let library: FingerprintLibrary;
  let fps: Uint8Array[];
  before(() => {
    fps = LIBRARY_SMILES.map(s => getMorganFingerprintWith(rdkit, s));
    library = new FingerprintLibrary(2048, 4);
    fps.forEach(fp => library.add(fp));
  });

  it('finds a molecule itself first, with similarity 1', () => {
    const [best] = library.topK(fps[17], 1);
    assert.equal(best.similarity, 1);
    assert.equal(tanimoto(fps[best.index], fps[17]), 1);
  });

  it('returns exactly the brute-force top k, ties broken by index', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: fps.length - 1 }),
        fc.integer({ min: 1, max: 25 }),
        (q, k) => {
          const brute = fps
            .map((fp, index) => ({ index, similarity: tanimoto(fps[q], fp) }))
            .sort((a, b) => b.similarity - a.similarity || a.index - b.index)
            .slice(0, k);
          assert.deepEqual(library.topK(fps[q], k), brute);
        }
      ),
      { numRuns: 200 }
    );
  });

  it('refuses fingerprints of the wrong length and a bad k', () => {
    assert.throws(
      () => library.add(new Uint8Array(128)),
      /fingerprint has 1024 bits, the library 2048/
    );
    assert.throws(() => library.topK(fps[0], 0), /k must be a positive whole number/);
    assert.throws(() => new FingerprintLibrary(1000), /multiple of 32/);
  });
});

describe('substructure search', () => {
  it('finds exactly the molecules a per-molecule match finds', () => {
    const index = new SubstructureIndex(rdkit);
    try {
      LIBRARY_SMILES.forEach(s => index.add(s));
      for (const smarts of ['[OX2H][CX4]', 'c1ccccc1', '[NX3;H2][CX4]C(=O)[OX2H]', 'F']) {
        const expected = LIBRARY_SMILES.flatMap((s, i) =>
          hasSubstructure(rdkit, s, smarts) ? [i] : []
        );
        assert.deepEqual(index.search(smarts), expected, smarts);
        assert.ok(expected.length > 0, `${smarts} matches nothing: a useless check`);
      }
      assert.equal(index.size, LIBRARY_SMILES.length);
    } finally {
      index.delete();
    }
  });

  it("refuses an invalid SMARTS with RDKit's reason", () => {
    assert.throws(
      () => hasSubstructure(rdkit, 'CCO', '[C'),
      (error: unknown) => {
        assert.ok(error instanceof ChemistryError);
        assert.equal(error.code, 'invalid_smarts');
        assert.match(error.message, /"\[C"/);
        return true;
      }
    );
  });
});

describe('depiction', () => {
  it('draws SVG, and highlights the matched atoms when asked', async () => {
    const plain = await getDepiction('OCC(O)CO');
    const highlighted = await getDepiction('OCC(O)CO', '[OX2H]');
    assert.match(plain, /^<\?xml[\s\S]*<svg[\s\S]*<\/svg>\s*$/);
    assert.notEqual(plain, highlighted);
    // RDKit fills highlighted atoms with its default highlight colour.
    assert.match(highlighted, /#FF7F7F/i);
    assert.doesNotMatch(plain, /#FF7F7F/i);
  });
});
