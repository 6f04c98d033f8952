import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ChemistryError, DESCRIPTORS, getDescriptors, loadRDKit } from '../../chemistry';
import { combine } from './featurizer';
import { descriptorFeaturizer, morganCountFeaturizer } from './molecules';
import { mixtureFeaturizer, type MixtureSample } from './mixture';
import { readCsvFile } from '../../node/files';

const DATA = join(__dirname, '../../../../data/science-data');

describe('descriptorFeaturizer', () => {
  it('gives the 47 kernel-lib descriptors per row, repeats computed once but returned as copies', async () => {
    const featurizer = descriptorFeaturizer();
    const set = await featurizer.featurize(['OCC(O)CO', 'CS(C)=O', 'OCC(O)CO']);
    assert.equal(set.names.length, 47);
    assert.equal(set.names[0], 'descriptor:exactMass');
    assert.ok(set.families.every(f => f === 'descriptors'));
    assert.equal(set.version, 'descriptors@1');
    const glycerol = await getDescriptors('OCC(O)CO');
    assert.deepEqual(
      set.X[0],
      DESCRIPTORS.map(d => glycerol[d.name])
    );
    assert.deepEqual(set.X[2], set.X[0]);
    assert.notEqual(set.X[2], set.X[0], 'rows must not share one array');
    assert.equal(set.X[1][set.names.indexOf('descriptor:hydroxylGroups')], 0);
    assert.equal(set.X[0][set.names.indexOf('descriptor:hydroxylGroups')], 3);
  });

  it('names the row of an invalid structure', async () => {
    await assert.rejects(
      descriptorFeaturizer().featurize(['CCO', 'C1CC'], { rowLabels: ['line 2', 'line 3'] }),
      (error: unknown) =>
        error instanceof ChemistryError &&
        error.code === 'invalid_structure' &&
        /^line 3: RDKit could not parse the SMILES "C1CC"/.test(error.message)
    );
    await assert.rejects(
      descriptorFeaturizer().featurize(['', 'CCO']),
      /row 0: the structure is empty/
    );
  });
});

describe('morganCountFeaturizer', () => {
  const bitsOf = (x: number[]) => x;

  it('reads RDKit count simulation as a thermometer code per slot of 4 bits', async () => {
    const smiles = [
      'CCCCCCCCCCCC',
      'OCC(O)CO',
      'OCC1OC(O)C(O)C(O)C1O',
      'c1ccccc1CCCCCCCCCC',
      'CCO'
    ];
    const bits = await morganCountFeaturizer({ nBits: 1024, encoding: 'bits' }).featurize(smiles);
    const levels = await morganCountFeaturizer({ nBits: 1024 }).featurize(smiles);
    assert.equal(bits.names.length, 1024);
    assert.equal(levels.names.length, 256);
    assert.equal(levels.names[5], 'morgan:5');
    assert.ok(levels.families.every(f => f === 'morgan'));
    assert.equal(levels.version, 'morgan-counts@1(radius=2,nBits=1024,encoding=levels)');
    smiles.forEach((_, r) => {
      const row = bitsOf(bits.X[r]);
      for (let k = 0; k < 256; k++) {
        const group = row.slice(4 * k, 4 * k + 4);
        const level = levels.X[r][k];
        // Bits for count >= 1, 2, 4, 8 are set in order: the first `level` bits, no others.
        assert.deepEqual(
          group,
          [0, 1, 2, 3].map(j => (j < level ? 1 : 0)),
          `row ${r}, slot ${k}`
        );
      }
    });
    // Dodecane has 10 CH2 atoms with the same radius-0 environment: count >= 8 reaches level 4.
    assert.equal(Math.max(...levels.X[0]), 4);
    // Ethanol has no repeated environment.
    assert.equal(Math.max(...levels.X[4]), 1);
    // More carbon chain, more counted environments: the total level grows with chain length.
    const sum = (x: number[]) => x.reduce((a, b) => a + b, 0);
    const chains = await morganCountFeaturizer().featurize([
      'CCCC',
      'CCCCCCCC',
      'CCCCCCCCCCCCCCCC'
    ]);
    assert.ok(sum(chains.X[0]) < sum(chains.X[1]) && sum(chains.X[1]) < sum(chains.X[2]));
  });

  it('refuses impossible options', () => {
    assert.throws(() => morganCountFeaturizer({ nBits: 1000 }), /multiple of 32/);
    assert.throws(() => morganCountFeaturizer({ radius: -1 }), /radius/);
  });
});

describe('mixtureFeaturizer', () => {
  const water = 'O';
  const pool = [
    'O',
    'OCC(O)CO',
    'CS(C)=O',
    'OCCO',
    'OCC1OC(O)C(O)C(O)C1O',
    'C[C@@H](O)CO',
    'NC(=O)N'
  ];
  const conditions = { concentration: 10, temperatureKelvin: 277.15, exposureMinutes: 30 };

  it('does not change when the components are listed in another order (to the last bit)', async () => {
    const featurizer = mixtureFeaturizer();
    const sample = fc.uniqueArray(
      fc.record({
        smiles: fc.constantFrom(...pool),
        fraction: fc.double({ min: 0.001, max: 1, noNaN: true })
      }),
      { minLength: 1, maxLength: 5, selector: c => c.smiles }
    );
    await fc.assert(
      fc.asyncProperty(sample, fc.infiniteStream(fc.nat()), async (components, stream) => {
        const keys = [...stream.take(components.length)];
        const shuffled = components
          .map((c, i) => ({ c, key: keys[i] }))
          .sort((a, b) => a.key - b.key)
          .map(x => x.c);
        const set = await featurizer.featurize([
          { components, conditions },
          { components: shuffled, conditions }
        ]);
        assert.deepEqual(set.X[1], set.X[0]);
      }),
      { numRuns: 60, seed: 20261122 }
    );
  });

  it('gives pure water the descriptors of water, no spread, water fractions 1', async () => {
    const set = await mixtureFeaturizer().featurize([
      { components: [{ smiles: water, fraction: 1 }], conditions }
    ]);
    const waterDescriptors = (await descriptorFeaturizer().featurize([water])).X[0];
    const n = DESCRIPTORS.length;
    assert.deepEqual(set.X[0].slice(0, n), waterDescriptors);
    assert.deepEqual(set.X[0].slice(n, 2 * n), new Array(n).fill(0));
    const at = (name: string) => set.X[0][set.names.indexOf(name)];
    assert.equal(at('composition:waterMoleFraction'), 1);
    assert.equal(at('composition:waterMassFraction'), 1);
    assert.equal(at('condition:temperatureKelvin'), 277.15);
    assert.equal(set.names.length, 2 * n + 2 + 3);
    assert.deepEqual(
      set.families.filter(f => f === 'conditions').length,
      3,
      'three condition columns'
    );
  });

  it('weights by mole fraction, converts mass fractions, and counts water however it is written', async () => {
    const [molarMassWater, molarMassGlycerol] = [18.015, 92.094];
    const mole = await mixtureFeaturizer({ conditions: [] }).featurize([
      {
        components: [
          { smiles: '[H]O[H]', fraction: 3 },
          { smiles: 'OCC(O)CO', fraction: 1 }
        ]
      }
    ]);
    const at = (set: typeof mole, name: string) => set.X[0][set.names.indexOf(name)];
    assert.equal(at(mole, 'composition:waterMoleFraction'), 0.75);
    assert.ok(Math.abs(at(mole, 'composition:mean:hydroxylGroups') - 0.75) < 1e-12);
    // Variance of a two-point distribution: x(1 - x)(difference)^2.
    assert.ok(Math.abs(at(mole, 'composition:variance:hydroxylGroups') - 0.75 * 0.25 * 9) < 1e-12);
    const expectedMass =
      (0.75 * molarMassWater) / (0.75 * molarMassWater + 0.25 * molarMassGlycerol);
    assert.ok(Math.abs(at(mole, 'composition:waterMassFraction') - expectedMass) < 1e-4);
    const mass = await mixtureFeaturizer({
      basis: 'mass',
      conditions: ['concentration']
    }).featurize([
      {
        components: [
          { smiles: 'O', fraction: 0.5 },
          { smiles: 'OCC(O)CO', fraction: 0.5 }
        ],
        conditions: { concentration: 5 }
      }
    ]);
    const expectedMole = 1 / molarMassWater / (1 / molarMassWater + 1 / molarMassGlycerol);
    assert.ok(Math.abs(at(mass, 'composition:waterMoleFraction') - expectedMole) < 1e-4);
    assert.equal(at(mass, 'composition:waterMassFraction'), 0.5);
    assert.equal(at(mass, 'condition:concentration'), 5);
    assert.equal(mass.names.filter(n => n.startsWith('condition:')).length, 1);
    assert.equal(mass.version, 'mixture@1(basis=mass,conditions=concentration)');
  });

  it('names the row and the field of bad input', async () => {
    const good: MixtureSample = { components: [{ smiles: 'O', fraction: 1 }], conditions };
    await assert.rejects(
      mixtureFeaturizer().featurize([good, { components: [{ smiles: 'O', fraction: 1 }] }]),
      /row 1: the condition concentration is undefined/
    );
    await assert.rejects(
      mixtureFeaturizer().featurize(
        [{ components: [{ smiles: 'C1CC', fraction: 1 }], conditions }],
        {
          rowLabels: ['line 7']
        }
      ),
      (error: unknown) =>
        error instanceof ChemistryError && /^line 7: RDKit could not parse/.test(error.message)
    );
    await assert.rejects(
      mixtureFeaturizer().featurize([
        { components: [{ smiles: 'O', fraction: -0.1 }], conditions }
      ]),
      /row 0: component 0 \(O\) has fraction -0.1/
    );
    await assert.rejects(
      mixtureFeaturizer().featurize([{ components: [{ smiles: 'O', fraction: 0 }], conditions }]),
      /fractions sum to 0/
    );
    await assert.rejects(
      mixtureFeaturizer().featurize([{ components: [], conditions }]),
      /no components/
    );
  });
});

describe('combine', () => {
  it('puts feature sets side by side and joins their versions', async () => {
    const smiles = ['OCC(O)CO', 'CCO'];
    const d = await descriptorFeaturizer().featurize(smiles);
    const m = await morganCountFeaturizer({ nBits: 64 }).featurize(smiles);
    const both = combine(d, m);
    assert.equal(both.names.length, 47 + 16);
    assert.deepEqual(both.families.slice(45, 49), [
      'descriptors',
      'descriptors',
      'morgan',
      'morgan'
    ]);
    assert.deepEqual(both.X[1], [...d.X[1], ...m.X[1]]);
    assert.equal(both.version, 'descriptors@1+morgan-counts@1(radius=2,nBits=64,encoding=levels)');
    assert.throws(() => combine(d, d), /appears in more than one/);
    assert.throws(() => combine(d, { ...m, X: [m.X[0]] }), /has 1 rows/);
  });
});

describe('featurizing the Tg dataset', () => {
  it('is deterministic and finite for every row', async () => {
    await loadRDKit();
    const { table, lines } = await readCsvFile(join(DATA, 'tg_pure_compounds.csv'), {
      smilesColumn: 'SMILES',
      targetColumn: 'Tg (K)'
    });
    const smiles = table.array('SMILES') as string[];
    const options = { rowLabels: lines.map(l => `line ${l}`) };
    const featurize = async () =>
      combine(
        await descriptorFeaturizer().featurize(smiles, options),
        await morganCountFeaturizer().featurize(smiles, options)
      );
    const a = await featurize();
    const b = await featurize();
    assert.equal(a.X.length, 314);
    assert.equal(a.names.length, 47 + 512);
    assert.deepEqual(a.X, b.X);
    assert.ok(a.X.every(row => row.every(Number.isFinite)));
  });
});
