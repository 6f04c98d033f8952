import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadRDKit } from '../../chemistry';
import { parseMixtureTextWith } from '../../mixtures';
import { mixtureFeaturizer, mixtureGroupKeyWith, mixtureSample } from '../features';
import { ridgeLearner } from '../learners';
import { trainAndValidate } from '../pipeline';
import { MeanLearner } from '../validation';
import { simulateViability, type SimulatedViabilityRow } from './simulate';

/**
 * End to end on SIMULATED viability data (assumed toxicity-kinetics model, simulation parameters):
 * mixtures of real cryoprotectants and their exposure conditions -> permutation-invariant
 * composition features (water included) + conditions -> grouped cross-validation. This checks the
 * plumbing of the mixture pipeline, never anything about real cryoprotectant toxicity.
 */
describe('mixture + conditions pipeline on simulated viability (SIMULATED data)', () => {
  it('learns viability from composition and conditions, scored on unseen component sets', async t => {
    const rdkit = await loadRDKit();
    const data = simulateViability({ seed: 21, rows: 300 });
    const texts = data.rows.map(Private.text);
    const mixtures = texts.map(text => parseMixtureTextWith(rdkit, text));
    const samples = mixtures.map((mixture, i) =>
      mixtureSample(mixture, {
        concentration: data.rows[i].concentration,
        temperatureKelvin: data.rows[i].temperatureKelvin,
        exposureMinutes: data.rows[i].exposureMinutes
      })
    );
    const groups = mixtures.map(m => mixtureGroupKeyWith(rdkit, m));
    const features = await mixtureFeaturizer().featurize(samples);
    assert.ok(features.names.includes('composition:waterMoleFraction'));
    assert.deepEqual(
      features.names.filter(n => n.startsWith('condition:')),
      ['condition:concentration', 'condition:temperatureKelvin', 'condition:exposureMinutes']
    );
    const y = data.rows.map(r => r.viability);
    const options = { seed: 4, folds: 5, importanceRepeats: 3 };
    const ridge = await trainAndValidate(
      { features, y, groups },
      { ...options, learner: ridgeLearner({ alpha: 1 }) }
    );
    const mean = await trainAndValidate(
      { features, y, groups },
      { ...options, learner: new MeanLearner(), importanceRepeats: 0 }
    );
    for (const fold of ridge.folds) {
      const seen = new Set(fold.train.map(i => groups[i]));
      assert.ok(
        fold.test.every(i => !seen.has(groups[i])),
        'no component set in train and test'
      );
    }
    const rmse = ridge.validation.metrics.rmse.value;
    const baseline = mean.validation.metrics.rmse.value;
    t.diagnostic(
      `${new Set(groups).size} component sets; out-of-fold RMSE ridge ${rmse.toFixed(3)} vs mean ${baseline.toFixed(3)}`
    );
    assert.ok(rmse < 0.6 * baseline, `ridge RMSE ${rmse} vs mean ${baseline}`);
    // The conditions carry most of the signal in this simulation: permuting them hurts most.
    const families = ridge.importance!.families;
    const conditions = families.find(f => f.family === 'conditions')!.mean;
    const composition = families.find(f => f.family === 'composition')!.mean;
    assert.ok(conditions > composition && conditions > 0, `${conditions} vs ${composition}`);
  });

  it('gives the same features whatever order the mixture lists its components in', async () => {
    const rdkit = await loadRDKit();
    const forward = parseMixtureTextWith(rdkit, 'DMSO: 10 % w/w; glycerol: 5 % w/w; OCCO: 2 % w/w');
    const backward = parseMixtureTextWith(
      rdkit,
      'OCCO: 2 % w/w; glycerol: 5 % w/w; DMSO: 10 % w/w'
    );
    const conditions = { concentration: 17, temperatureKelvin: 277.15, exposureMinutes: 10 };
    const set = await mixtureFeaturizer().featurize([
      mixtureSample(forward, conditions),
      mixtureSample(backward, conditions)
    ]);
    assert.deepEqual(set.X[0], set.X[1]);
    assert.equal(mixtureGroupKeyWith(rdkit, forward), mixtureGroupKeyWith(rdkit, backward));
    assert.equal(mixtureGroupKeyWith(rdkit, forward), 'CS(C)=O + OCC(O)CO + OCCO');
  });
});

namespace Private {
  export function text(row: SimulatedViabilityRow): string {
    return row.cryoprotectants.map(p => `${p.name}: ${p.percentWw} % w/w`).join('; ');
  }
}
