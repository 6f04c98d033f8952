import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { liquidDensity, OutOfRangeError, type PpdsCorrelation } from './density';
import { findReferenceMolecule } from '../reference/cryoprotectants';
import { getIdentity } from '../chemistry/identity';

const ROOM = 293.15;

async function densityOf(name: string, kelvin: number): Promise<number> {
  const molecule = findReferenceMolecule(name);
  assert.ok(molecule?.liquidDensity, `${name} has a density correlation`);
  const { molarMass } = await getIdentity(molecule.smiles);
  return liquidDensity(molecule.liquidDensity, kelvin, molarMass).value;
}

describe('liquidDensity', () => {
  it('reproduces the IAPWS-95 density of liquid water from 0 to 80 degC within 20 ppm', async () => {
    // IAPWS-95 (Wagner & Pruss, J. Phys. Chem. Ref. Data 31 (2002) 387) at 0.101325 MPa, kg/m3.
    const iapws: [number, number][] = [
      [273.15, 999.843],
      [293.15, 998.207],
      [313.15, 992.22],
      [353.15, 971.79]
    ];
    for (const [kelvin, expected] of iapws) {
      const value = (await densityOf('water', kelvin)) * 1000;
      assert.ok(
        Math.abs(value - expected) / expected < 2e-5,
        `water at ${kelvin} K: ${value} kg/m3`
      );
    }
  });

  // Coefficients of the independent VDI Heat Atlas (2nd ed., 2010) PPDS correlation, as tabulated in
  // chemicals 1.5.2 (chemicals/Density/VDI PPDS Density of Saturated Liquids.tsv); the reference
  // data uses Perry's DIPPR-105 coefficients for these liquids, so agreement checks both.
  const vdi: Record<string, Omit<PpdsCorrelation, 'equation' | 'source'>> = {
    ethanol: {
      criticalKelvin: 513.9,
      criticalDensity: 276,
      a: 748.617,
      b: -412.3622,
      c: 776.4394,
      d: -436.6757
    },
    methanol: {
      criticalKelvin: 513.38,
      criticalDensity: 282,
      a: 164.7611,
      b: 2257.7678,
      c: -3545.6923,
      d: 1929.7376
    },
    formamide: {
      criticalKelvin: 771,
      criticalDensity: 276,
      a: 965.0375,
      b: -531.0847,
      c: 957.2988,
      d: -315.4745
    },
    'ethylene glycol': {
      criticalKelvin: 719.15,
      criticalDensity: 325,
      a: 1305.5931,
      b: -1374.2561,
      c: 1691.0501,
      d: -665.0358
    }
  };
  for (const [name, coefficients] of Object.entries(vdi)) {
    it(`agrees for ${name} with the independent VDI correlation within 0.5 % at 20 degC`, async () => {
      const perry = await densityOf(name, ROOM);
      const other = liquidDensity(
        { equation: 'PPDS', source: 'vdi', ...coefficients },
        ROOM,
        1
      ).value;
      assert.ok(Math.abs(perry - other) / other < 5e-3, `${name}: Perry ${perry}, VDI ${other}`);
    });
  }

  it('decreases with temperature for every reference liquid', async () => {
    for (const name of ['water', 'glycerol', 'dimethyl sulfoxide', '1,2-propanediol']) {
      assert.ok((await densityOf(name, 300)) > (await densityOf(name, 330)), name);
    }
  });

  it('refuses a temperature outside the range its source gives, naming the field', async () => {
    // Acetamide melts at 353 K; Perry's correlation starts there, so 20 degC must be refused.
    await assert.rejects(densityOf('acetamide', ROOM), (error: unknown) => {
      assert.ok(error instanceof OutOfRangeError);
      assert.equal(error.field, 'temperatureKelvin');
      assert.match(error.message, /353\.33 K/);
      return true;
    });
    const water = findReferenceMolecule('water')!.liquidDensity!;
    assert.throws(() => liquidDensity(water, 700, 18), OutOfRangeError);
    assert.throws(() => liquidDensity(water, Number.NaN, 18), OutOfRangeError);
  });
});
