import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { describeStructures } from './describe';
import { getSvg } from './depict';
import { getDescriptors } from './descriptors';
import { EngineFailure } from './engine';
import { getIdentity } from './identity';
import { inchiToSmiles } from './inchi';
import { isDiscarded, loadRDKit, rdkitStatus } from './rdkit';
import { SubstructureIndex, parseSmarts } from './search';
import { standardize } from './standardize';
import { STRUCTURE_LIMITS } from './structure-limits';

/** Generated pathological structures, each with the bound that must refuse it. */
const PATHOLOGICAL: [string, string, RegExp][] = [
  ['a chain of 900 carbons', 'C'.repeat(900), /heavyAtoms/],
  ['a chain of 100,000 carbons', 'C'.repeat(100_000), /smilesLength/],
  ['branches nested 200 deep', 'C' + '(C'.repeat(200) + ')'.repeat(200), /nesting/],
  ['70 rings', 'C1CC1'.repeat(70), /ringClosures/],
  ['a polymer of 400 bracket atoms', '[CH2]'.repeat(400), /heavyAtoms/],
  ['1,100 explicit hydrogens', '[H]'.repeat(1100), /atoms \(1100\)/],
  [
    'a chain of %nn ring bonds',
    Array.from({ length: 80 }, (_, i) => `C%${10 + i}`).join('') +
      Array.from({ length: 80 }, (_, i) => `C%${10 + i}`).join(''),
    /ringClosures|heavyAtoms/
  ],
  [
    'a V2000 MOL block declaring 999 atoms',
    [
      '',
      '  hostile',
      '',
      '999  0  0  0  0  0  0  0  0  0999 V2000',
      ...Array.from(
        { length: 999 },
        () => '    0.0000    0.0000    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  0'
      ),
      'M  END'
    ].join('\n'),
    /atoms/
  ],
  [
    'a V3000 MOL block declaring 5000 atoms',
    [
      '',
      '  hostile',
      '',
      '  0  0  0     0  0            999 V3000',
      'M  V30 BEGIN CTAB',
      'M  V30 COUNTS 5000 0 0 0 0',
      'M  V30 BEGIN ATOM',
      'M  V30 1 C 0 0 0 0',
      'M  V30 END ATOM',
      'M  V30 END CTAB',
      'M  END'
    ].join('\n'),
    /atoms/
  ]
];

describe('hostile structures', () => {
  it('are refused by a named bound before RDKit sees them, and RDKit never fails', async () => {
    const failures = rdkitStatus().failures;
    for (const [what, input, limit] of PATHOLOGICAL) {
      await assert.rejects(
        getIdentity(input),
        (error: Error & { code?: string }) =>
          error.name === 'ChemistryError' &&
          error.code === 'too_complex' &&
          limit.test(error.message) &&
          /above the limit of \d+/.test(error.message),
        what
      );
    }
    assert.equal(rdkitStatus().failures, failures);
    // Ordinary molecules in the same process: identity, standardization, descriptors, depiction.
    assert.equal((await getIdentity('OCC(O)CO')).inchikey, 'PEDCQBHIVMGVHV-UHFFFAOYSA-N');
    assert.equal((await standardize('Cl.N[C@@H](C)C(=O)O')).smiles, 'C[C@H](N)C(=O)O');
    assert.equal((await getDescriptors('CS(C)=O')).hydroxylGroups, 0);
    assert.match(await getSvg('OCCO', { highlight: '[OX2H]' }), /<svg/);
  });

  it('accept what real cryoprotectants look like, up to the bounds', async () => {
    const maltoheptaose =
      'OC[C@H]1O[C@H](O[C@H]2[C@H](O)[C@@H](O)[C@@H](O[C@H]3[C@H](O)[C@@H](O)[C@@H](O[C@H]4[C@H](O)[C@@H](O)[C@@H](O[C@H]5[C@H](O)[C@@H](O)[C@@H](O[C@H]6[C@H](O)[C@@H](O)[C@@H](O[C@H]7[C@H](O)[C@@H](O)[C@@H](O)O[C@@H]7CO)O[C@@H]6CO)O[C@@H]5CO)O[C@@H]4CO)O[C@@H]3CO)O[C@@H]2CO)[C@H](O)[C@@H](O)[C@@H]1O';
    assert.equal((await getIdentity(maltoheptaose)).inchikey.length, 27);
    const peg = 'O' + 'CCO'.repeat(99); // 298 heavy atoms
    assert.match((await getIdentity(peg)).canonicalSmiles, /^OCCO/);
    await assert.rejects(getIdentity('O' + 'CCO'.repeat(100)), /heavyAtoms/);
  });

  it('refuse SMARTS queries above their bounds, naming them', async () => {
    const rdkit = await loadRDKit();
    const cases: [string, RegExp][] = [
      ['[#6]'.repeat(101), /smartsAtoms/],
      ['C'.repeat(1001), /smartsLength/],
      ['[$('.repeat(9) + 'C' + ')]'.repeat(9), /smartsRecursion/],
      ['C' + '(C'.repeat(70) + ')'.repeat(70), /nesting/]
    ];
    for (const [smarts, limit] of cases) {
      assert.throws(() => parseSmarts(rdkit, smarts), limit);
    }
    const index = new SubstructureIndex(rdkit);
    try {
      index.add('OCC(O)CO');
      index.add('CS(C)=O');
      assert.deepEqual(index.search('[$([OX2H][CX4])]'), [0]);
    } finally {
      index.delete();
    }
  });

  it('refuse an InChI whose formula is above the bound, before Indigo reads it', async () => {
    await assert.rejects(
      inchiToSmiles('InChI=1S/C400H802/c1-3-5-7/h3-400H2,1-2H3'),
      /heavy atoms in its formula \(400\) is above the limit of 300 \(heavyAtoms\)/
    );
    await assert.rejects(
      inchiToSmiles('InChI=1S/2C151H304/c'),
      /heavy atoms in its formula \(302\)/
    );
    await assert.rejects(inchiToSmiles(`InChI=1S/CH4/h1H4${'x'.repeat(9000)}`), /inchiLength/);
    assert.equal(await inchiToSmiles('InChI=1S/C2H6O/c1-2-3/h3H,2H2,1H3'), 'CCO');
  });

  it('never crash RDKit whatever text arrives (property)', async () => {
    const before = rdkitStatus().failures;
    const alphabet = fc.constantFrom(
      ...'CNOSPFIclnos()[]=#@+-123456789%HBr.*/\\:$~'.split(''),
      'Cl',
      '[nH]',
      '[C@@H]'
    );
    await fc.assert(
      fc.asyncProperty(fc.array(alphabet, { maxLength: 3000 }), async parts => {
        try {
          await getIdentity(parts.join(''));
        } catch (error) {
          assert.equal((error as Error).name, 'ChemistryError', String(error));
        }
      }),
      { numRuns: 300, seed: 11 }
    );
    assert.equal(rdkitStatus().failures, before, JSON.stringify(rdkitStatus().lastFailure));
  });
});

describe('a WebAssembly failure of RDKit.js', () => {
  it('discards the instance, rebuilds it, and every later call gets the fresh one', async () => {
    const old = await loadRDKit();
    const survivor = old.get_mol('CCO')!;
    const before = rdkitStatus().failures;
    // Straight into the module, past the bounds: an 900-atom chain overflows RDKit's stack.
    assert.throws(
      () => old.get_mol('C'.repeat(900)),
      (error: unknown) =>
        error instanceof EngineFailure && error.code === 'engine_failure' && error.discarded
    );
    assert.equal(rdkitStatus().failures, before + 1);
    assert.ok(['rebuilding', 'ready'].includes(rdkitStatus().state));
    assert.equal(isDiscarded(old), true);
    // Objects of the discarded instance are dead: calls fail at once, delete() frees nothing.
    assert.throws(() => survivor.get_smiles(), /replaced after a failure/);
    survivor.delete();
    assert.throws(() => old.get_mol('CCO'), /replaced after a failure/);

    const fresh = await loadRDKit();
    assert.notEqual(fresh, old);
    assert.equal(rdkitStatus().state, 'ready');
    assert.equal((await getIdentity('OCC(O)CO')).inchikey, 'PEDCQBHIVMGVHV-UHFFFAOYSA-N');
    assert.match(await getSvg('OCC(O)CO'), /<svg/);
  });

  it('lets describeStructures go on with a fresh instance after a row breaks the engine', async () => {
    const held = await loadRDKit();
    assert.throws(() => held.get_mol('C'.repeat(900)), EngineFailure);
    const rows = [
      { line: 2, structure: 'OCC(O)CO' },
      { line: 3, structure: 'C'.repeat(STRUCTURE_LIMITS.heavyAtoms + 1) },
      { line: 4, structure: 'CS(C)=O' }
    ];
    const described = await describeStructures(rows);
    assert.equal(described.length, 3);
    assert.ok('smiles' in described[0] && described[0].smiles === 'OCC(O)CO');
    assert.ok('error' in described[1] && /heavyAtoms/.test(described[1].error));
    assert.ok('smiles' in described[2] && described[2].smiles === 'CS(C)=O');
  });
});
