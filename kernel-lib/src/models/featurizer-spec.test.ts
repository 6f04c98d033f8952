import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { descriptorFeaturizer } from './features';
import { DEFAULT_FEATURIZER, featurizeSmiles } from './featurizer-spec';

describe('featurizeSmiles', () => {
  it('featurizes a molecule measured in several rows once, each row with its own copy', async () => {
    const smiles = ['OCC(O)CO', 'CS(C)=O', 'OCC(O)CO'];
    const features = await featurizeSmiles(
      smiles,
      { ...DEFAULT_FEATURIZER, conditions: ['c'] },
      undefined,
      [[1], [2], [3]]
    );
    assert.equal(features.X.length, 3);
    // The same structure features, the row's own condition, and rows that do not alias.
    assert.deepEqual(features.X[0].slice(0, -1), features.X[2].slice(0, -1));
    assert.deepEqual(
      features.X.map(row => row.at(-1)),
      [1, 2, 3]
    );
    assert.notEqual(features.X[0], features.X[2]);
    // Exactly what each molecule alone gives.
    const alone = await descriptorFeaturizer().featurize(['CS(C)=O']);
    assert.deepEqual(features.X[1].slice(0, alone.names.length), alone.X[0]);
  });

  it('names the first row of a structure it cannot read', async () => {
    await assert.rejects(
      featurizeSmiles(['CCO', 'C1CC', 'C1CC'], DEFAULT_FEATURIZER, ['line 2', 'line 3', 'line 4']),
      /line 3/
    );
  });
});
