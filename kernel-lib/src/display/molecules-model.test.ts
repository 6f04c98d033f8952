import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DisplayError } from './errors';
import { moleculesDisplay } from './molecule';
import { DISPLAY_MIME, MoleculesPayloadSchema, PAYLOAD_SCHEMAS } from './payloads';

/** A virtual screen's top hits, scored by a registered model. */
const HITS = [
  { smiles: 'OCC(O)CO', name: 'glycerol', id: 'mol_1' },
  { smiles: 'CS(C)=O', name: 'DMSO', id: 'mol_2' }
];
const SCORES = [{ key: 'tg', title: 'Tg', unit: 'K', digits: 4, values: [190.2, 150.7] }];

describe('a molecule grid scored by a model', () => {
  it('carries the model in its payload, which the schema accepts', async () => {
    const shown = await moleculesDisplay(HITS, {
      title: 'Top hits',
      columns: SCORES,
      model: { name: 'tg-pure', version: 3 }
    });
    assert.deepEqual(shown.payload.model, { name: 'tg-pure', version: 3 });
    const bundle = shown.bundle();
    const parsed = PAYLOAD_SCHEMAS[DISPLAY_MIME.molecules].safeParse(
      bundle[DISPLAY_MIME.molecules]
    );
    assert.ok(parsed.success, parsed.success ? '' : parsed.error.message);
    assert.deepEqual(parsed.data.model, { name: 'tg-pure', version: 3 });
    // The title stays the caller's; the text and HTML title lines name the model.
    assert.equal(shown.payload.title, 'Top hits');
    assert.equal(bundle['text/plain'].split('\n')[0], 'Top hits, scored by tg-pure@3');
    assert.match(bundle['text/html'] as string, /<caption[^>]*>Top hits, scored by tg-pure@3</);
  });

  it('keeps only name and version, and says "unregistered" without a version', async () => {
    const model = { name: 'tg-draft', version: null, learner: 'rf', extra: 1 };
    const shown = await moleculesDisplay(HITS.slice(0, 1), { model });
    assert.deepEqual(shown.payload.model, { name: 'tg-draft', version: null });
    assert.equal(shown.bundle()['text/plain'].split('\n')[0], 'Scored by tg-draft (unregistered)');
    assert.ok(MoleculesPayloadSchema.safeParse(shown.payload).success);
  });

  it('leaves the payload as v1 had it without a model, and v1 payloads stay valid', async () => {
    const shown = await moleculesDisplay(HITS, { title: 'Top hits', columns: SCORES });
    assert.ok(!('model' in shown.payload));
    assert.equal(shown.bundle()['text/plain'].split('\n')[0], 'Top hits');
    const v1 = { title: null, columns: [], rows: [], totalRows: 0 };
    assert.ok(MoleculesPayloadSchema.safeParse(v1).success);
  });

  it('refuses a model the payload could not carry, naming the field', async () => {
    await assert.rejects(
      moleculesDisplay(HITS, { model: { name: '', version: 1 } }),
      (error: unknown) => error instanceof DisplayError && error.field === 'model.name'
    );
    await assert.rejects(
      moleculesDisplay(HITS, { model: { name: 'tg-pure', version: 1.5 } }),
      (error: unknown) => error instanceof DisplayError && error.field === 'model.version'
    );
    const schema = PAYLOAD_SCHEMAS[DISPLAY_MIME.molecules];
    const valid = (await moleculesDisplay(HITS)).payload;
    assert.ok(!schema.safeParse({ ...valid, model: { name: 'tg-pure' } }).success);
    assert.ok(!schema.safeParse({ ...valid, model: { name: 'tg-pure', version: '3' } }).success);
  });
});
