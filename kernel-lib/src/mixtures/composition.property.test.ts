import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import fc from 'fast-check';
import {
  CONCENTRATION_UNITS,
  composition,
  convert,
  MixtureError,
  moleculeFromReference,
  osmolality,
  totalSoluteMolality,
  type CompositionOptions,
  type ConcentrationUnit,
  type Mixture,
  type MixtureMolecule
} from './index';

/** Reference molecules with a pure-liquid density at 20 degC, so every unit is available. */
const WITH_DENSITY = [
  'glycerol',
  'DMSO',
  'ethylene glycol',
  '1,2-propanediol',
  '1,3-propanediol',
  'methanol',
  'ethanol',
  'formamide',
  '1,2-butanediol'
];

const ROUND_TRIP_RUNS = 1000;
const INVARIANCE_RUNS = 500;

/** One or two distinct molecules, their mass fractions, a unit for each and a density mode. */
const mixtureSpec = (maxComponents: number, maxFraction: number) =>
  fc.record({
    picks: fc.uniqueArray(fc.integer({ min: 0, max: WITH_DENSITY.length - 1 }), {
      minLength: 1,
      maxLength: maxComponents
    }),
    fractions: fc.array(fc.double({ min: 1e-3, max: maxFraction, noNaN: true }), {
      minLength: maxComponents,
      maxLength: maxComponents
    }),
    units: fc.array(fc.constantFrom(...CONCENTRATION_UNITS), {
      minLength: maxComponents,
      maxLength: maxComponents
    }),
    solutionDensity: fc.option(fc.double({ min: 0.9, max: 1.3, noNaN: true }), { nil: undefined })
  });

type Spec = {
  picks: number[];
  fractions: number[];
  units: ConcentrationUnit[];
  solutionDensity: number | undefined;
};

function withAmount(
  mixture: Mixture,
  index: number,
  amount: number,
  unit: ConcentrationUnit
): Mixture {
  return {
    components: mixture.components.map((c, i) => (i === index ? { ...c, amount, unit } : c))
  };
}

describe('mixture composition properties (fast-check)', () => {
  let molecules: MixtureMolecule[];
  before(async () => {
    molecules = await Promise.all(WITH_DENSITY.map(name => moleculeFromReference(name)));
  });

  /** A valid mixture: built in % w/w, then each component re-expressed in its random unit. */
  function build(spec: Spec): { mixture: Mixture; options: CompositionOptions } {
    const options: CompositionOptions =
      spec.solutionDensity === undefined ? {} : { solutionDensity: spec.solutionDensity };
    const base: Mixture = {
      components: spec.picks.map((pick, i) => ({
        molecule: molecules[pick],
        amount: 100 * spec.fractions[i],
        unit: '% w/w',
        role: 'penetrating'
      }))
    };
    const mixture: Mixture = {
      components: base.components.map((c, i) => ({
        ...c,
        amount: convert(base, i, spec.units[i], options).value,
        unit: spec.units[i]
      }))
    };
    return { mixture, options };
  }

  it(`round-trips A -> B -> A for every pair of the 8 units within 1e-9 (${ROUND_TRIP_RUNS} runs)`, () => {
    fc.assert(
      fc.property(mixtureSpec(2, 0.45), spec => {
        const { mixture, options } = build(spec);
        mixture.components.forEach((_, j) => {
          for (const a of CONCENTRATION_UNITS) {
            const inA = convert(mixture, j, a, options);
            const mixtureA = withAmount(mixture, j, inA.value, a);
            for (const b of CONCENTRATION_UNITS) {
              const inB = convert(mixtureA, j, b, options);
              const back = convert(withAmount(mixtureA, j, inB.value, b), j, a, options);
              assert.equal(back.unit, a);
              assert.ok(
                Math.abs(back.value - inA.value) <= 1e-9 * Math.abs(inA.value),
                `${a} -> ${b} -> ${a}: ${inA.value} became ${back.value}`
              );
            }
          }
        });
      }),
      { numRuns: ROUND_TRIP_RUNS }
    );
  });

  it(`keeps mass and mole fractions of components and water summing to 1 (${INVARIANCE_RUNS} runs)`, () => {
    fc.assert(
      fc.property(mixtureSpec(4, 0.2), spec => {
        const { mixture, options } = build(spec);
        const result = composition(mixture, options);
        const mass = result.components.reduce((s, c) => s + c.massFraction, 0);
        const mole = result.components.reduce((s, c) => s + c.moleFraction, 0);
        assert.ok(Math.abs(mass + result.water.massFraction - 1) < 1e-12, `mass sum ${mass}`);
        assert.ok(Math.abs(mole + result.water.moleFraction - 1) < 1e-12, `mole sum ${mole}`);
        for (const c of [...result.components, result.water]) {
          assert.ok(c.massFraction > 0 && c.massFraction < 1);
          assert.ok(c.moleFraction > 0 && c.moleFraction < 1);
        }
        // The % w/w of every component recovers the mass fraction it was built from.
        result.components.forEach((c, i) => {
          assert.ok(Math.abs(c.massFraction - spec.fractions[i]) <= 1e-9 * spec.fractions[i]);
        });
      }),
      { numRuns: INVARIANCE_RUNS }
    );
  });

  it(`gives identical results, bit for bit, whatever the component order (${INVARIANCE_RUNS} runs)`, () => {
    fc.assert(
      fc.property(
        mixtureSpec(4, 0.2).chain(spec =>
          fc.tuple(
            fc.constant(spec),
            fc.shuffledSubarray(
              spec.picks.map((_, i) => i),
              { minLength: spec.picks.length, maxLength: spec.picks.length }
            )
          )
        ),
        ([spec, permutation]) => {
          const { mixture, options } = build(spec);
          const shuffled: Mixture = {
            components: permutation.map(i => mixture.components[i])
          };
          const a = composition(mixture, options);
          const b = composition(shuffled, options);
          permutation.forEach((original, position) => {
            assert.deepEqual(
              { ...b.components[position], index: original },
              a.components[original]
            );
            for (const unit of CONCENTRATION_UNITS) {
              assert.equal(
                convert(shuffled, position, unit, options).value,
                convert(mixture, original, unit, options).value
              );
            }
          });
          assert.deepEqual(b.water, a.water);
          assert.deepEqual(b.solutionDensity, a.solutionDensity);
          assert.deepEqual(b.notes, a.notes);
          assert.equal(osmolality(shuffled, options).value, osmolality(mixture, options).value);
          assert.equal(
            totalSoluteMolality(shuffled, options).value,
            totalSoluteMolality(mixture, options).value
          );
        }
      ),
      { numRuns: INVARIANCE_RUNS }
    );
  });

  it('names the component of a non-positive amount, wherever it is listed (100 runs)', () => {
    fc.assert(
      fc.property(
        mixtureSpec(3, 0.2),
        fc.double({ max: 0, noNaN: true, noDefaultInfinity: true }),
        fc.nat(),
        (spec, bad, which) => {
          const { mixture } = build(spec);
          const index = which % mixture.components.length;
          assert.throws(
            () => composition(withAmount(mixture, index, bad, mixture.components[index].unit)),
            (error: unknown) =>
              error instanceof MixtureError &&
              error.field === `components[${index}].amount` &&
              error.message.includes('must be positive')
          );
        }
      ),
      { numRuns: 100 }
    );
  });
});
