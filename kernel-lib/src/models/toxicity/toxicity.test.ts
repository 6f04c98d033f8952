import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  fitToxicityKinetics,
  GAS_CONSTANT,
  predictViability,
  SIMULATION_PARAMETERS,
  simulatedViabilityCsv,
  simulateViability,
  ToxicityInputError,
  toxicityRate,
  type ToxicityParameters,
  type ViabilityObservation
} from './index';

/**
 * Every dataset in this file is SIMULATED from the assumed toxicity-kinetics model with simulation
 * parameters (SIMULATION_PARAMETERS or drawn here): the tests check that the code recovers what
 * it was given, never anything about real cryoprotectants.
 */

const DMSO = { 'dimethyl sulfoxide': { k0: 0.003, alpha: 1.6, activationEnergy: 60 } };

describe('toxicity kinetics (assumed form)', () => {
  it('gives k0 at the reference point and exp(-k t) at constant conditions', () => {
    const one = [{ name: 'dimethyl sulfoxide', massShare: 1 }];
    const k = toxicityRate(DMSO, one, { concentration: 10, temperatureKelvin: 293.15 });
    assert.ok(Math.abs(k - 0.003) < 1e-15, `rate at the reference point ${k}`);
    const v = predictViability(DMSO, one, [
      { concentration: 10, temperatureKelvin: 293.15, exposureMinutes: 30 }
    ]);
    assert.ok(Math.abs(v - Math.exp(-0.09)) < 1e-15);
  });

  it('scales as C^alpha and by the Arrhenius factor', () => {
    const one = [{ name: 'dimethyl sulfoxide', massShare: 1 }];
    const base = toxicityRate(DMSO, one, { concentration: 10, temperatureKelvin: 293.15 });
    const doubled = toxicityRate(DMSO, one, { concentration: 20, temperatureKelvin: 293.15 });
    assert.ok(Math.abs(doubled / base - 2 ** 1.6) < 1e-12);
    const warm = toxicityRate(DMSO, one, { concentration: 10, temperatureKelvin: 310.15 });
    // Written out here, independently of arrheniusSlope: exp(-Ea/R (1/T - 1/T_ref)), Ea in J/mol.
    const expected = Math.exp((-60000 / GAS_CONSTANT) * (1 / 310.15 - 1 / 293.15));
    assert.ok(Math.abs(warm / base - expected) < 1e-12, `${warm / base} vs ${expected}`);
  });

  it('weights the rates of a mixture by mass share, in any listing order, and sums steps', () => {
    const p = SIMULATION_PARAMETERS;
    const conditions = { concentration: 30, temperatureKelvin: 277.15 };
    const mix = [
      { name: 'glycerol', massShare: 3 },
      { name: 'dimethyl sulfoxide', massShare: 1 }
    ];
    const alone = (name: string) => toxicityRate(p, [{ name, massShare: 1 }], conditions);
    const expected = 0.75 * alone('glycerol') + 0.25 * alone('dimethyl sulfoxide');
    assert.ok(Math.abs(toxicityRate(p, mix, conditions) - expected) < 1e-15);
    assert.equal(toxicityRate(p, mix, conditions), toxicityRate(p, [...mix].reverse(), conditions));
    const steps = [
      { ...conditions, exposureMinutes: 5 },
      { concentration: 40, temperatureKelvin: 277.15, exposureMinutes: 10 }
    ];
    const both = predictViability(p, mix, steps);
    const each = steps.map(s => predictViability(p, mix, [s]));
    assert.ok(Math.abs(both - each[0] * each[1]) < 1e-15);
  });

  it('refuses bad input naming the field', () => {
    const one = [{ name: 'dimethyl sulfoxide', massShare: 1 }];
    assert.throws(
      () => toxicityRate(DMSO, one, { concentration: -1, temperatureKelvin: 293.15 }),
      /concentration: must be a finite number > 0, got -1/
    );
    assert.throws(
      () =>
        toxicityRate(DMSO, [{ name: 'glycerol', massShare: 1 }], {
          concentration: 1,
          temperatureKelvin: 293.15
        }),
      /no toxicity parameters for "glycerol"/
    );
    assert.throws(
      () =>
        predictViability(DMSO, one, [
          { concentration: 10, temperatureKelvin: 293.15, exposureMinutes: -5 }
        ]),
      /steps\[0\]\.exposureMinutes: must be a finite number >= 0, got -5/
    );
  });
});

describe('simulateViability (SIMULATED data, labelled)', () => {
  it('labels every row and the table, is reproducible by seed, and stays in range', () => {
    const a = simulateViability({ seed: 11, rows: 50 });
    const b = simulateViability({ seed: 11, rows: 50 });
    const c = simulateViability({ seed: 12, rows: 50 });
    assert.deepEqual(a, b);
    assert.notDeepEqual(a.rows, c.rows);
    assert.equal(a.simulated, true);
    assert.match(a.provenance, /^SIMULATED .*not a measurement, never a result$/);
    for (const row of a.rows) {
      assert.equal(row.simulated, true);
      assert.ok(row.viability >= 0 && row.viability <= 1);
      assert.equal(row.viability, row.liveCells / row.cellsCounted);
      const total = row.cryoprotectants.reduce((s, p) => s + p.percentWw, 0);
      assert.ok(Math.abs(total - row.concentration) < 1e-9);
      assert.ok(row.cryoprotectants.length >= 1 && row.cryoprotectants.length <= 3);
    }
    const csv = simulatedViabilityCsv(a).trim().split('\n');
    assert.equal(
      csv[0],
      '"Mixture","Concentration (% w/w)","Temperature (K)","Exposure (min)","Viability","Provenance"'
    );
    assert.equal(csv.length, 51);
    assert.ok(
      csv.slice(1).every(line => line.endsWith('"simulated (seed 11); not a measurement"'))
    );
  });

  it('counting noise has the binomial spread around the model viability', () => {
    const { rows } = simulateViability({ seed: 5, rows: 2000, cellsCounted: 100 });
    // Standardized residuals (observed - true) / sqrt(V(1-V)/n) have mean 0 and variance 1.
    const z = rows
      .filter(r => r.trueViability > 0.05 && r.trueViability < 0.95)
      .map(
        r =>
          (r.viability - r.trueViability) /
          Math.sqrt((r.trueViability * (1 - r.trueViability)) / 100)
      );
    const mean = z.reduce((s, v) => s + v, 0) / z.length;
    const variance = z.reduce((s, v) => s + (v - mean) ** 2, 0) / (z.length - 1);
    assert.ok(z.length > 300, `${z.length} informative rows`);
    assert.ok(Math.abs(mean) < 4 / Math.sqrt(z.length), `mean ${mean}`);
    assert.ok(Math.abs(variance - 1) < 0.15, `variance ${variance}`);
  });
});

describe('fitToxicityKinetics recovers the simulation parameters (SIMULATED data)', () => {
  it('recovers k0, alpha and Ea of four cryoprotectants from mixtures, over several seeds', async t => {
    // Stated tolerances (300 rows, 200 cells counted each): ln k0 within 0.35 (k0 within ~40 %),
    // alpha within 0.35, Ea within 12 kJ/mol, and each within 4.5 standard errors. Over 30 seeds the
    // largest errors were 0.26, 0.30 and 10.9 kJ/mol (glycerol, the least toxic, is the hardest).
    for (const seed of [1, 2, 3, 4, 5]) {
      const data = simulateViability({ seed, rows: 300 });
      const fit = await fitToxicityKinetics(data.rows);
      assert.deepEqual(
        Object.keys(fit.cryoprotectants).sort(),
        Object.keys(data.parameters).sort()
      );
      for (const [name, estimate] of Object.entries(fit.cryoprotectants)) {
        const truth = data.parameters[name];
        t.diagnostic(
          `seed ${seed} ${name}: k0 ${estimate.k0.value.toPrecision(3)} ± ${estimate.k0.standardError.toPrecision(2)} (true ${truth.k0}), alpha ${estimate.alpha.value.toFixed(2)} ± ${estimate.alpha.standardError.toFixed(2)} (true ${truth.alpha}), Ea ${estimate.activationEnergy.value.toFixed(1)} ± ${estimate.activationEnergy.standardError.toFixed(1)} kJ/mol (true ${truth.activationEnergy})`
        );
        Private.assertRecovered(name, estimate, truth, {
          logK0: 0.35,
          alpha: 0.35,
          energy: 12,
          z: 4.5
        });
      }
      assert.ok(fit.residualStandardError < 0.04, `residual SE ${fit.residualStandardError}`);
    }
  });

  it('recovers any single cryoprotectant law in the design range (property, 120 rows)', async () => {
    // Over 200 draws the largest errors were 0.15 (ln k0), 0.10 (alpha), 6.8 kJ/mol (Ea), 4.0 SE.
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          logK0: fc.double({ min: Math.log(1e-3), max: Math.log(1e-2), noNaN: true }),
          alpha: fc.double({ min: 0.5, max: 2.5, noNaN: true }),
          activationEnergy: fc.double({ min: 30, max: 100, noNaN: true }),
          seed: fc.integer({ min: 0, max: 1_000_000 })
        }),
        async ({ logK0, alpha, activationEnergy, seed }) => {
          const truth = { k0: Math.exp(logK0), alpha, activationEnergy };
          const data = simulateViability({
            seed,
            rows: 120,
            cryoprotectants: [{ name: 'glycerol', smiles: 'OCC(O)CO', ...truth }]
          });
          const fit = await fitToxicityKinetics(data.rows);
          Private.assertRecovered('glycerol', fit.cryoprotectants.glycerol, truth, {
            logK0: 0.3,
            alpha: 0.25,
            energy: 12,
            z: 5.5
          });
        }
      ),
      { numRuns: 12 }
    );
  });

  it('does not recover parameters the data were not made with (the check can fail)', async () => {
    const data = simulateViability({ seed: 1, rows: 300 });
    const fit = await fitToxicityKinetics(data.rows);
    const wrong = { k0: 0.003, alpha: 1.0, activationEnergy: 45 };
    assert.throws(() =>
      Private.assertRecovered(
        'dimethyl sulfoxide',
        fit.cryoprotectants['dimethyl sulfoxide'],
        wrong,
        {
          logK0: 0.35,
          alpha: 0.35,
          energy: 12,
          z: 4.5
        }
      )
    );
  });

  it('refuses bad rows naming the field', async () => {
    const good = simulateViability({ seed: 3, rows: 40 }).rows;
    const withRow = (i: number, change: Partial<ViabilityObservation>) =>
      good.map((row, j) => (j === i ? { ...row, ...change } : row));
    const refuse = (rows: readonly ViabilityObservation[], pattern: RegExp) =>
      assert.rejects(fitToxicityKinetics(rows), (error: unknown) => {
        assert.ok(error instanceof ToxicityInputError, String(error));
        assert.match(error.message, pattern);
        return true;
      });
    await refuse(
      withRow(3, { exposureMinutes: -2 }),
      /^rows\[3\]\.exposureMinutes: must be a finite number >= 0, got -2$/
    );
    await refuse(
      withRow(4, { concentration: 0 }),
      /^rows\[4\]\.concentration: must be a finite number > 0, got 0$/
    );
    await refuse(
      withRow(5, { viability: 1.2 }),
      /^rows\[5\]\.viability: must be a fraction in \[0, 1\], got 1\.2$/
    );
    await refuse(
      withRow(6, { viability: -0.01 }),
      /^rows\[6\]\.viability: must be a fraction in \[0, 1\], got -0\.01$/
    );
    await refuse(withRow(7, { viability: NaN }), /^rows\[7\]\.viability/);
    await refuse(
      withRow(8, { temperatureKelvin: -4 }),
      /^rows\[8\]\.temperatureKelvin: must be a finite number > 0/
    );
    await refuse(
      withRow(9, { cryoprotectants: [] }),
      /^rows\[9\]\.cryoprotectants: list at least one/
    );
    await refuse(good.slice(0, 10), /^rows: 10 rows for \d+ parameters .*are needed$/);
    const oneTemperature = good.map(row => ({ ...row, temperatureKelvin: 295.15 }));
    await refuse(
      oneTemperature,
      /seen at one temperature only \(295\.15 K\), so its activation energy cannot be fitted/
    );
    const oneConcentration = simulateViability({
      seed: 4,
      rows: 30,
      cryoprotectants: [
        { name: 'glycerol', smiles: 'OCC(O)CO', k0: 0.002, alpha: 1, activationEnergy: 50 }
      ],
      concentrationRange: [20, 20]
    }).rows;
    await refuse(
      oneConcentration,
      /"glycerol" is seen at one concentration only \(20 % w\/w\), so its concentration exponent alpha cannot be fitted/
    );
  });

  it('refuses a design whose parameters cannot be told apart', async () => {
    // Two names always mixed 1:1 at the same conditions: only the sum of their rates is seen.
    const rows = simulateViability({ seed: 8, rows: 60, maxComponents: 1 }).rows.map(row => ({
      ...row,
      cryoprotectants: [
        { name: 'a', massShare: 1 },
        { name: 'b', massShare: 1 }
      ]
    }));
    await assert.rejects(fitToxicityKinetics(rows), /cannot separate the parameters of a, b/);
  });
});

namespace Private {
  export function assertRecovered(
    name: string,
    estimate: {
      k0: { value: number; standardError: number };
      alpha: { value: number; standardError: number };
      activationEnergy: { value: number; standardError: number };
    },
    truth: ToxicityParameters,
    tolerance: { logK0: number; alpha: number; energy: number; z: number }
  ): void {
    const logError = Math.abs(Math.log(estimate.k0.value / truth.k0));
    assert.ok(logError < tolerance.logK0, `${name}: ln k0 off by ${logError}`);
    const alphaError = Math.abs(estimate.alpha.value - truth.alpha);
    assert.ok(alphaError < tolerance.alpha, `${name}: alpha off by ${alphaError}`);
    const energyError = Math.abs(estimate.activationEnergy.value - truth.activationEnergy);
    assert.ok(energyError < tolerance.energy, `${name}: Ea off by ${energyError} kJ/mol`);
    for (const key of ['k0', 'alpha', 'activationEnergy'] as const) {
      const { value, standardError } = estimate[key];
      assert.ok(
        standardError > 0 && Number.isFinite(standardError),
        `${name}: ${key} SE ${standardError}`
      );
      const z = Math.abs(value - truth[key]) / standardError;
      assert.ok(
        z < tolerance.z,
        `${name}: ${key} is ${z.toFixed(1)} standard errors from the truth`
      );
    }
  }
}
