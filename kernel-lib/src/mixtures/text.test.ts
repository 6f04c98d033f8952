import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { composition, MixtureError, mixtureText, parseMixtureText } from './index';

async function refuses(text: string, field: string, message: RegExp): Promise<void> {
  await assert.rejects(parseMixtureText(text), (error: unknown) => {
    assert.ok(error instanceof MixtureError, `expected a MixtureError, got ${String(error)}`);
    assert.equal(error.field, field);
    assert.match(error.message, message);
    return true;
  });
}

describe('parseMixtureText', () => {
  it('reads reference names, synonyms and SMILES with any spacing of the units', async () => {
    const mixture = await parseMixtureText(
      'DMSO: 10 % w/w; ethylene glycol:1.5 MOL/KG ; OCC(O)CO: 5 %w/w;'
    );
    assert.deepEqual(
      mixture.components.map(c => [c.molecule.name, c.molecule.smiles, c.amount, c.unit, c.role]),
      [
        ['dimethyl sulfoxide', 'CS(C)=O', 10, '% w/w', 'penetrating'],
        ['ethylene glycol', 'OCCO', 1.5, 'mol/kg', 'penetrating'],
        ['OCC(O)CO', 'OCC(O)CO', 5, '% w/w', 'other']
      ]
    );
    // The molar mass of a SMILES component comes from RDKit, so composition works on it.
    const solved = composition(mixture);
    assert.ok(solved.water.massFraction > 0 && solved.water.massFraction < 1);
    assert.equal(mixtureText(await parseMixtureText('glycerol: 20 % w/w')), 'glycerol: 20 % w/w');
  });

  it('keeps the colons of a SMILES with the component (the last ":" splits)', async () => {
    const mixture = await parseMixtureText('c1:c:c:c:c:c1O: 1 % w/w');
    assert.equal(mixture.components[0].molecule.smiles, 'Oc1ccccc1');
  });

  it('refuses what it cannot read, naming the part', async () => {
    await refuses('', 'text', /the mixture is empty/);
    await refuses(
      'glycerol 10 % w/w',
      'components[0]',
      /has no ":" between the component and its amount/
    );
    await refuses(
      'glycerol: 10 % w/w; DMSO: ten % w/w',
      'components[1]',
      /"ten % w\/w" is not an amount/
    );
    await refuses(
      'glycerol: 10 percent',
      'components[0].unit',
      /unknown unit "percent" \(use one of "% w\/w"/
    );
    await refuses(
      'glycerol: 10 % w/w; unobtainium: 1 % w/w',
      'components[1].molecule',
      /"unobtainium" is neither a reference cryoprotectant nor a SMILES RDKit can read/
    );
    await refuses('water: 50 % w/w', 'components[0].molecule', /water is the balance/);
    await refuses('glycerol: 60 % w/w; DMSO: 45 % w/w', 'components', /add up to 105 %/);
    await refuses(
      'glycerol: 10 % w/w; glycerin: 5 % w/w',
      'components[1].molecule',
      /listed twice/
    );
  });
});
