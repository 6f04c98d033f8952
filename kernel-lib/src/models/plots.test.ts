import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  coverageSpec,
  importanceSpec,
  learningCurveSpec,
  predictedVsMeasuredSpec,
  residualsSpec,
  type VegaLiteSpec
} from './plots';

/** Compile with Vega-Lite itself: a spec it cannot compile would be a blank plot in a notebook. */
async function compiles(spec: VegaLiteSpec): Promise<Record<string, unknown>> {
  const vl = await import('vega-lite');
  return vl.compile(spec as never).spec as unknown as Record<string, unknown>;
}

const tg = { name: 'Tg', unit: 'K' };

describe('model report plots (Vega-Lite)', () => {
  it('predicted vs measured carries every sample, its interval and whether it is covered', async () => {
    const spec = predictedVsMeasuredSpec([170, 180, 200], [172, 185, 190], tg, {
      lower: [165, 182, 185],
      upper: [179, 188, 195],
      ids: ['glycerol', 'EG', 'DMSO']
    });
    const values = (spec.data as { values: { covered: boolean }[] }).values;
    assert.deepEqual(
      values.map(v => v.covered),
      [true, false, false]
    );
    const compiled = await compiles(spec);
    assert.ok(JSON.stringify(compiled).includes('measured Tg (K)'));
  });

  it('scales its axes to the points, clipping an interval far wider than the data', async () => {
    const spec = predictedVsMeasuredSpec([170, 180, 200], [172, 185, 190], tg, {
      lower: [165, 182, -1700],
      upper: [179, 188, 2100]
    });
    const layers = spec.layer as {
      mark: { clip?: boolean };
      encoding: { y: { scale?: { domain: number[] } } };
    }[];
    const [low, high] = layers[0].encoding.y.scale!.domain;
    assert.ok(low >= 160 && low < 170 && high > 200 && high <= 210, `domain ${low}..${high}`);
    assert.equal(layers[0].mark.clip, true);
    await compiles(spec);
  });

  it('refuses mismatched or non-finite inputs naming the array', () => {
    assert.throws(
      () => predictedVsMeasuredSpec([1, 2], [1], tg),
      /predicted: has 1 values but measured has 2/
    );
    assert.throws(
      () => residualsSpec([1, NaN], [1, 2], tg),
      /measured\[1\]: must be a finite number/
    );
  });

  it('residuals, importance, learning curve and coverage compile', async () => {
    const residuals = residualsSpec([1, 2, 3], [1.5, 2, 2.5], tg);
    assert.deepEqual(
      (residuals.data as { values: { residual: number }[] }).values.map(v => v.residual),
      [-0.5, 0, 0.5]
    );
    await compiles(residuals);
    await compiles(
      importanceSpec({
        baseline: 1,
        repeats: 5,
        seed: 1,
        families: [
          { family: 'descriptors', columns: [0], mean: 2, sd: 0.1, increases: [2] },
          { family: 'morgan', columns: [1], mean: 0.1, sd: 0.05, increases: [0.1] }
        ]
      } as never)
    );
    await compiles(
      learningCurveSpec(
        [
          { trainSize: 10, error: 20 },
          { trainSize: 40, error: 12 }
        ],
        tg
      )
    );
    const coverage = coverageSpec([
      { level: 0.9, count: 100, covered: 88, coverage: 0.88, meanWidth: 30, standardError: 0.03 }
    ]);
    assert.equal((coverage.data as { values: { high: number }[] }).values[0].high, 0.94);
    await compiles(coverage);
  });
});
