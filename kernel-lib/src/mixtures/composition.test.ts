import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import {
  composition,
  convert,
  massFraction,
  molality,
  molarity,
  moleFraction,
  MixtureError,
  moleculeFromReference,
  osmolality,
  totalSoluteMolality,
  totalSoluteMolarity,
  type Mixture,
  type MixtureComponent,
  type MixtureMolecule
} from './index';
import { netCharge } from './properties';

function close(actual: number, expected: number, relative: number, what: string): void {
  assert.ok(
    Math.abs(actual - expected) <= relative * Math.abs(expected),
    `${what}: got ${actual}, expected ${expected} (relative tolerance ${relative})`
  );
}

function throwsMixtureError(fn: () => unknown, field: string, message: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof MixtureError, `expected a MixtureError, got ${String(error)}`);
    assert.equal(error.field, field);
    assert.match(error.message, message);
    return true;
  });
}

describe('mixture composition (hand-checked numbers)', () => {
  let glycerol: MixtureMolecule;
  let dmso: MixtureMolecule;
  let sucrose: MixtureMolecule;
  const one = (
    molecule: MixtureMolecule,
    amount: number,
    unit: MixtureComponent['unit']
  ): Mixture => ({ components: [{ molecule, amount, unit, role: 'penetrating' }] });

  before(async () => {
    glycerol = await moleculeFromReference('glycerol');
    dmso = await moleculeFromReference('DMSO');
    sucrose = await moleculeFromReference('sucrose');
  });

  it('fills molar mass and 20 degC density from the reference data, and no density for sucrose', () => {
    close(glycerol.molarMass, 92.094, 1e-9, 'glycerol molar mass');
    // Glycerol is 1.2613 g/cm3 at 20 degC in handbooks; the VDI PPDS correlation gives 1.26120.
    close(glycerol.density?.value ?? NaN, 1.2612, 1e-4, 'glycerol density');
    assert.equal(glycerol.density?.temperatureKelvin, 293.15);
    assert.equal(sucrose.density, undefined);
  });

  it('10 % w/w glycerol: molality, mole fraction, ideal density, molarity, % w/v and % v/v', () => {
    const mixture = one(glycerol, 10, '% w/w');
    const result = composition(mixture);
    // Basis 100 g of solution: 10 g glycerol, 90 g water.
    // n(glycerol) = 10 g / 92.094 g/mol = 0.1085847 mol; water = 0.090 kg
    // molality = 0.1085847 mol / 0.090 kg = 1.206497 mol/kg
    close(result.components[0].molality, 10 / 92.094 / 0.09, 1e-12, 'molality');
    close(result.components[0].molality, 1.206497, 1e-6, 'molality (rounded)');
    // n(water) = 90 / 18.015 = 4.995837 mol; x = 0.1085847 / (0.1085847 + 4.995837) = 0.0212727
    close(result.components[0].moleFraction, 0.0212727, 2e-6, 'mole fraction');
    close(result.water.moleFraction, 1 - 0.0212727, 1e-7, 'water mole fraction');
    // Ideal mixing: 1/rho = 0.1/1.2612029 + 0.9/0.9982041 = 0.0792895 + 0.9016192 = 0.9809087
    // rho = 1.019463 g/cm3
    assert.equal(result.solutionDensity?.method, 'ideal-mixing (additive volumes)');
    close(result.solutionDensity?.value ?? NaN, 1.019463, 1e-6, 'ideal solution density');
    // molarity = 0.1085847 mol/100 g x 1019.463 g/L / 100 g... = 1.085847 mol/kg-solution x
    // 1.019463 kg/L = 1.106981 mol/L
    close(result.components[0].molarity ?? NaN, 1.106981, 1e-6, 'molarity');
    // % w/v = 10 g x 1.019463 g/mL / 100 g x 100 mL = 10.19463 g/100 mL
    close(convert(mixture, 'glycerol', '% w/v').value, 10.19463, 1e-6, '% w/v');
    close(convert(mixture, 0, 'g/L').value, 101.9463, 1e-6, 'g/L');
    close(convert(mixture, 0, 'mg/mL').value, 101.9463, 1e-6, 'mg/mL');
    // % v/v: 10 g / 1.2612029 g/mL = 7.928939 mL of glycerol in 100 g / 1.019463 = 98.09087 mL
    // of solution -> 8.083259 %
    close(convert(mixture, 0, '% v/v').value, 8.083259, 1e-6, '% v/v');
    assert.deepEqual(massFraction(mixture, 'water'), { value: 0.9, unit: 'mass fraction' });
    close(moleFraction(mixture, 'glycerin').value, 0.0212727, 2e-6, 'moleFraction by synonym');
    close(molality(mixture, 'glycerol').value, 1.206497, 1e-6, 'molality()');
    const m = molarity(mixture, 'glycerol');
    close(m.value, 1.106981, 1e-6, 'molarity()');
    assert.equal(m.solutionDensity.method, 'ideal-mixing (additive volumes)');
  });

  it('solves per-volume units by ideal mixing in closed form', () => {
    // 10 % v/v glycerol, additive volumes: 10 mL glycerol = 12.612029 g; 90 mL water = 89.838372 g
    // w = 12.612029 / 102.450401 = 0.1231038
    const byVolume = composition(one(glycerol, 10, '% v/v'));
    close(byVolume.components[0].massFraction, 0.1231038, 1e-6, '% v/v -> w');
    // 1 mol/L glycerol: 92.094 g occupy 73.02076 mL; water 926.97924 mL = 925.31448 g
    // w = 92.094 / 1017.40848 = 0.0905182
    const byMolarity = composition(one(glycerol, 1, 'mol/L'));
    close(byMolarity.components[0].massFraction, 0.0905182, 1e-6, 'mol/L -> w');
    close(byMolarity.components[0].molarity ?? NaN, 1, 1e-12, 'molarity round trip');
  });

  it('uses a given solution density and says so', () => {
    // 1 mol/L DMSO at rho = 1.05 g/cm3: 78.136 g in 1050 g of solution, w = 0.0744152;
    // molality = 1000 x 0.0744152 / (78.136 x 0.9255848) = 1.028951 mol/kg
    const result = composition(one(dmso, 1, 'mol/L'), { solutionDensity: 1.05 });
    assert.equal(result.solutionDensity?.method, 'given');
    assert.equal(result.solutionDensity?.value, 1.05);
    close(result.components[0].massFraction, 78.136 / 1050, 1e-12, 'w');
    close(result.components[0].molality, 1.028951, 1e-6, 'molality');
  });

  it('mixes units across components: 10 % w/w glycerol + 1 mol/kg DMSO', () => {
    const mixture: Mixture = {
      components: [
        { molecule: glycerol, amount: 10, unit: '% w/w', role: 'penetrating' },
        { molecule: dmso, amount: 1, unit: 'mol/kg', role: 'penetrating' }
      ]
    };
    // w_g = 0.1; 1000 w_D / (78.136 w_w) = 1 with w_w = 0.9 - w_D
    // -> w_D = 0.078136 (0.9 - w_D) -> w_D = 0.0703224 / 1.078136 = 0.0652259
    const result = composition(mixture);
    close(result.components[0].massFraction, 0.1, 1e-12, 'glycerol');
    close(result.components[1].massFraction, 0.0652259, 1e-6, 'DMSO');
    close(result.water.massFraction, 0.9 - 0.0652259, 1e-6, 'water');
    close(molality(mixture, 'DMSO').value, 1, 1e-12, 'DMSO molality');
    // glycerol molality = (0.1/92.094) / (0.8347741 kg/kg) x 1000 = 1.300768 mol/kg
    close(result.components[0].molality, 1.300768, 1e-6, 'glycerol molality');
    close(totalSoluteMolality(mixture).value, 2.300768, 1e-6, 'total molality');
    close(osmolality(mixture).value, 2.300768, 1e-6, 'ideal osmolality');
    assert.equal(totalSoluteMolarity(mixture).unit, 'mol/L');
  });

  it('reports no solution density (not an error) for per-mass units when ideal mixing is impossible', () => {
    const result = composition(one(sucrose, 10, '% w/w'));
    assert.equal(result.solutionDensity, null);
    assert.equal(result.components[0].molarity, null);
    assert.match(result.notes.join(' '), /sucrose has no pure density/);
    // 10 g sucrose (342.297 g/mol) in 90 g water: 0.0292144 mol / 0.09 kg = 0.3246044 mol/kg
    close(result.components[0].molality, 0.3246044, 1e-6, 'sucrose molality');
    throwsMixtureError(
      () => molarity(one(sucrose, 10, '% w/w'), 'sucrose'),
      'components[0]',
      /mol\/L needs the solution density/
    );
  });
});

describe('mixture validation errors name the field', () => {
  let glycerol: MixtureMolecule;
  let dmso: MixtureMolecule;
  let sucrose: MixtureMolecule;
  before(async () => {
    glycerol = await moleculeFromReference('glycerol');
    dmso = await moleculeFromReference('DMSO');
    sucrose = await moleculeFromReference('sucrose');
  });

  it('refuses a negative amount and an unknown unit', () => {
    const bad = {
      components: [
        { molecule: glycerol, amount: 10, unit: '% w/w', role: 'penetrating' },
        { molecule: dmso, amount: -5, unit: '% w/w', role: 'penetrating' }
      ]
    } as Mixture;
    throwsMixtureError(
      () => composition(bad),
      'components[1].amount',
      /^components\[1\]\.amount: must be positive \(got -5\)$/
    );
    const furlong = {
      components: [{ molecule: glycerol, amount: 1, unit: 'furlong', role: 'penetrating' }]
    } as unknown as Mixture;
    throwsMixtureError(
      () => composition(furlong),
      'components[0].unit',
      /^components\[0\]\.unit: unknown unit "furlong"/
    );
    throwsMixtureError(
      () => convert({ components: [] }, 0, 'mol/L'),
      'component',
      /no component at index 0/
    );
  });

  it('refuses more than 100 % w/w, mole fractions adding to 1, a molecule twice, and water', () => {
    const two = (a: MixtureComponent, b: MixtureComponent): Mixture => ({ components: [a, b] });
    throwsMixtureError(
      () =>
        composition(
          two(
            { molecule: glycerol, amount: 60, unit: '% w/w', role: 'penetrating' },
            { molecule: dmso, amount: 45, unit: '% w/w', role: 'penetrating' }
          )
        ),
      'components',
      /% w\/w amounts add up to 105 %/
    );
    throwsMixtureError(
      () =>
        composition(
          two(
            { molecule: glycerol, amount: 0.5, unit: 'mole fraction', role: 'penetrating' },
            { molecule: dmso, amount: 0.5, unit: 'mole fraction', role: 'penetrating' }
          )
        ),
      'components',
      /mole fractions add up to 1/
    );
    throwsMixtureError(
      () =>
        composition(
          two(
            { molecule: glycerol, amount: 5, unit: '% w/w', role: 'penetrating' },
            {
              molecule: { ...glycerol, name: 'glycerin' },
              amount: 5,
              unit: '% w/w',
              role: 'penetrating'
            }
          )
        ),
      'components[1].molecule',
      /glycerin is listed twice \(also components\[0\]\)/
    );
    throwsMixtureError(
      () =>
        composition({
          components: [
            {
              molecule: { name: 'H2O', smiles: 'O', molarMass: 18.015 },
              amount: 5,
              unit: '% w/w',
              role: 'solvent'
            }
          ]
        }),
      'components[0].molecule',
      /water is the balance/
    );
    // Amounts that are each valid but together leave no water.
    throwsMixtureError(
      () =>
        composition({
          components: [{ molecule: glycerol, amount: 14, unit: 'mol/L', role: 'penetrating' }]
        }),
      'components',
      /leave no water/
    );
  });

  it('names the component and the missing quantity when a density is missing', () => {
    const sucroseWv: Mixture = {
      components: [{ molecule: sucrose, amount: 10, unit: '% w/v', role: 'non-penetrating' }]
    };
    assert.equal(
      (() => {
        try {
          composition(sucroseWv);
        } catch (error) {
          return (error as Error).message;
        }
        return '';
      })(),
      'components[0] (sucrose): % w/v needs the solution density; give solutionDensity, or pure densities of every component for ideal mixing (sucrose has none)'
    );
    // With a given solution density, % w/v works; % v/v still needs the pure density.
    close(
      composition(sucroseWv, { solutionDensity: 1.038 }).components[0].massFraction,
      0.1 / 1.038,
      1e-12,
      'sucrose w'
    );
    throwsMixtureError(
      () =>
        composition(
          {
            components: [{ molecule: sucrose, amount: 5, unit: '% v/v', role: 'non-penetrating' }]
          },
          { solutionDensity: 1.02 }
        ),
      'components[0]',
      /% v\/v needs the density of pure sucrose/
    );
    // A DMSO component in mol/L with sucrose alongside: ideal mixing needs sucrose's density too.
    throwsMixtureError(
      () =>
        composition({
          components: [
            { molecule: dmso, amount: 1, unit: 'mol/L', role: 'penetrating' },
            { molecule: sucrose, amount: 10, unit: '% w/w', role: 'non-penetrating' }
          ]
        }),
      'components[0]',
      /^components\[0\] \(dimethyl sulfoxide\): mol\/L needs the solution density; .*\(sucrose has none\)$/
    );
    throwsMixtureError(
      () => composition(sucroseWv, { solutionDensity: -1 }),
      'options.solutionDensity',
      /must be positive \(got -1\)/
    );
  });
});

describe('osmolality', () => {
  it('is ideal, counts non-electrolytes once and refuses salts unless their particles are given', async () => {
    const glycerol = await moleculeFromReference('glycerol');
    const betaine = await moleculeFromReference('betaine');
    const salt: MixtureMolecule = {
      name: 'sodium chloride',
      smiles: '[Na+].[Cl-]',
      molarMass: 58.44
    };
    const neutral: Mixture = {
      components: [
        { molecule: glycerol, amount: 1, unit: 'mol/kg', role: 'penetrating' },
        { molecule: betaine, amount: 0.5, unit: 'mol/kg', role: 'non-penetrating' }
      ]
    };
    const result = osmolality(neutral);
    // Betaine is a zwitterion (net charge 0): one particle. 1 + 0.5 = 1.5 osmol/kg.
    close(result.value, 1.5, 1e-12, 'osmolality');
    assert.equal(result.unit, 'osmol/kg');
    assert.equal(result.parameters.osmoticCoefficient, 1);
    assert.match(result.limits.join(' '), /Ideal/);
    assert.match(result.limits.join(' '), /Ions count separately/);
    const withSalt: Mixture = {
      components: [
        ...neutral.components,
        { molecule: salt, amount: 0.15, unit: 'mol/kg', role: 'buffer-salt' }
      ]
    };
    throwsMixtureError(
      () => osmolality(withSalt),
      'components[2]',
      /counts ions separately .* 2 fragments/
    );
    const given = osmolality(withSalt, { particlesPerFormulaUnit: { 'sodium chloride': 2 } });
    close(given.value, 1.5 + 0.3, 1e-12, 'osmolality with NaCl');
    assert.equal(given.parameters.components[2].particlesSource, 'given by the caller');
  });

  it('reads net charges from SMILES', () => {
    assert.equal(netCharge('C[N+](C)(C)CC([O-])=O'), 0);
    assert.equal(netCharge('[NH4+]'), 1);
    assert.equal(netCharge('[Ca+2]'), 2);
    assert.equal(netCharge('[Fe++]'), 2);
    assert.equal(netCharge('[O-]S(=O)(=O)[O-]'), -2);
    assert.equal(netCharge('OC[C@H](O)CO'), 0);
  });
});
