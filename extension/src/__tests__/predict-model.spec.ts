import type { Measurement, ModelVersion } from '@cryoprotect/kernel';
import { loadKernel } from '../chemistry';
import {
  droppedSubject,
  fieldOfPath,
  measuredRows,
  predictOne,
  predictionBody,
  predictionCode,
  predictionText,
  readConditions,
  realCoverageView,
  summarize,
  verificationBody,
  verificationMessages,
  versionLabel,
  type IVerificationForm
} from '../predict/model';
import { MOLECULE, OWNER, ROWS, registered, withCoolingRate } from './predict-fixtures';

// The prediction panel's logic with the real kernel and a model trained on real rows
// (predict-fixtures.ts).

const FORM: IVerificationForm = {
  visibility: 'public',
  projectId: '',
  plannedExperiment: 'DSC, 10 K/min',
  assigneeId: '00000000-0000-4000-8000-0000000000bb',
  dueOn: '2027-01-15'
};

describe('prediction panel model', () => {
  let version: ModelVersion;
  let conditioned: ModelVersion;

  beforeAll(async () => {
    version = await registered(ROWS.join('\n'));
    conditioned = await registered(withCoolingRate(), {
      conditions: ['coolingRateKPerMin'],
      name: 'tg-rate'
    });
  }, 120_000);

  it('summarizes a version: name@version, target and unit, snapshot, learner, metrics with intervals', async () => {
    const summary = summarize(await loadKernel(), version);
    expect(summary.problem).toBeNull();
    expect(summary.reference).toBe('tg-ridge@3');
    expect(summary.target).toBe('glass_transition');
    expect(summary.unit).toBe('K');
    expect(summary.snapshot).toBe(version.snapshotHash.slice(0, 12));
    expect(summary.learner).toBe('ridge');
    expect(summary.validation).toBe('3-fold cross-validation grouped by inchikey');
    expect(summary.metrics.map(m => m.name)).toEqual(['MAE', 'RMSE', 'R²']);
    const mae = summary.metrics[0];
    const registeredMae = (version.metrics as { mae: { value: number; lower: number } }).mae;
    expect(mae.value).toBe(registeredMae.value);
    expect(mae.lower).toBe(registeredMae.lower);
    expect(mae.interval).toBe('95 %, cluster percentile bootstrap over groups, 1000 resamples');
    expect(summary.mixture).toBe(false);
    expect(summary.conditions).toEqual([]);
    expect(summary.notes[0]).toBe('Predicts single molecules from their structure.');
    expect(summary.notes.some(n => /^Trained on 30 rows/.test(n))).toBe(true);
    expect(versionLabel(version)).toBe('tg-ridge@3 · glass_transition (K) · ridge');
  });

  it('says why a version without an artifact cannot predict', async () => {
    const summary = summarize(await loadKernel(), { ...version, artifact: null });
    expect(summary.saved).toBeNull();
    expect(summary.problem).toMatch(
      /^model tg-ridge version 3: artifact: .*cannot make predictions/
    );
  });

  it('flags a version whose real coverage is below its promise', () => {
    expect(realCoverageView(null, 'K')).toEqual({
      text: expect.stringMatching(/^No verified result yet/),
      belowPromise: false
    });
    const below = realCoverageView(
      {
        count: 20,
        mae: 12.5,
        rmse: 15,
        withInterval: 20,
        covered: 11,
        coverage: 0.55,
        coverageInterval: {
          lower: 0.315,
          upper: 0.769,
          confidence: 0.95,
          method: 'Clopper-Pearson exact'
        },
        promisedLevel: 0.9,
        belowPromise: true
      },
      'K'
    );
    expect(below.belowPromise).toBe(true);
    expect(below.text).toBe(
      '20 verified predictions; 11 of 20 inside their interval: coverage 55 % (95 % CI 31.5 %–76.9 %) vs 90 % promised; MAE 12.50 K. Below its promise: even the upper bound of the coverage interval is under the promised level; widen or retrain before trusting its intervals.'
    );
    expect(
      versionLabel({ ...version, realCoverage: { ...below, belowPromise: true } } as never)
    ).toMatch(/below promised coverage$/);
  });

  it('predicts a molecule in the browser exactly as predictMolecules does, with its interval and level', async () => {
    const kernel = await loadKernel();
    const saved = kernel.savedModelFromVersion(version);
    const outcome = await predictOne(kernel, saved, { subject: 'OCC(O)CO', conditions: {} });
    if (!outcome.ok) {
      throw new Error([...outcome.messages.values()].join('; '));
    }
    const direct = await kernel.predictMolecules(saved, ['OCC(O)CO']);
    expect(outcome.row.prediction).toBe(direct.rows[0].prediction);
    expect(outcome.row.upper - outcome.row.lower).toBeCloseTo(2 * saved.conformal.halfWidth, 9);
    expect(outcome.level).toBe(saved.conformal.level);
    expect(predictionText(outcome.row, outcome.level, 'K')).toMatch(
      /^\d+\.?\d* K \(\d+ % interval \d+\.?\d* to \d+\.?\d* K\)$/
    );
  });

  it('puts an unparsable SMILES and a missing or wrong condition under their fields', async () => {
    const kernel = await loadKernel();
    const saved = kernel.savedModelFromVersion(version);
    const bad = await predictOne(kernel, saved, { subject: 'C1CC', conditions: {} });
    expect(bad.ok).toBe(false);
    expect(bad.ok ? null : bad.messages.get('subject')).toBeTruthy();
    const empty = await predictOne(kernel, saved, { subject: ' ', conditions: {} });
    expect(empty.ok ? null : [...empty.messages]).toEqual([
      ['subject', 'type a SMILES or draw the molecule']
    ]);

    const rate = kernel.savedModelFromVersion(conditioned);
    expect(summarize(kernel, conditioned).conditions).toEqual(['coolingRateKPerMin']);
    const missing = await predictOne(kernel, rate, { subject: 'OCCO', conditions: {} });
    expect(missing.ok ? null : [...missing.messages]).toEqual([
      ['condition:coolingRateKPerMin', 'the model needs coolingRateKPerMin']
    ]);
    const wrong = await predictOne(kernel, rate, {
      subject: 'OCCO',
      conditions: { coolingRateKPerMin: 'fast' }
    });
    expect(wrong.ok ? null : [...wrong.messages]).toEqual([
      ['condition:coolingRateKPerMin', '"fast" is not a number']
    ]);
    const good = await predictOne(kernel, rate, {
      subject: 'OCCO',
      conditions: { coolingRateKPerMin: '10' }
    });
    expect(good.ok && good.row.conditions).toEqual({ coolingRateKPerMin: 10 });
    const direct = await kernel.predictMolecules(rate, [
      { smiles: 'OCCO', conditions: { coolingRateKPerMin: 10 } }
    ]);
    expect(good.ok && good.row.prediction).toBe(direct.rows[0].prediction);
  });

  it('reads condition fields as numbers or says what is wrong', () => {
    expect(readConditions(['a', 'b'], { a: ' 1.5e1 ', b: '0x10' })).toEqual({
      values: { a: 15 },
      messages: new Map([['condition:b', '"0x10" is not a number']])
    });
  });

  it('lists measured values with their source, verification and whether the interval holds them', () => {
    const measurement = (over: Partial<Measurement>): Measurement => ({
      id: '00000000-0000-4000-8000-000000000010',
      propertyType: 'glass_transition',
      unit: 'K',
      moleculeId: MOLECULE,
      mixtureId: null,
      value: 190,
      uncertainty: null,
      conditions: {},
      method: 'DSC',
      note: '',
      referenceId: null,
      experimentId: null,
      verified: false,
      visibility: 'public',
      projectId: null,
      ownerId: OWNER,
      createdAt: '2026-12-01T00:00:00Z',
      ...over
    });
    const reference = '00000000-0000-4000-8000-000000000020';
    const rows = measuredRows(
      [
        measurement({ referenceId: reference, value: 191.25, uncertainty: 2 }),
        measurement({ value: 250, verified: true, method: '' })
      ],
      new Map([[reference, 'Angell 2002']]),
      { line: 2, input: 'OCC(O)CO', conditions: {}, prediction: 190, lower: 180, upper: 200 }
    );
    expect(rows).toEqual([
      { value: '191.3 ± 2.0', unit: 'K', source: 'Angell 2002', verified: false, inside: true },
      { value: '250.0', unit: 'K', source: 'measurement', verified: true, inside: false }
    ]);
  });

  it('builds the prediction and verification bodies of the API', () => {
    const row = {
      line: 2,
      input: 'OCC(O)CO',
      conditions: { coolingRateKPerMin: 10 },
      prediction: 190,
      lower: 180,
      upper: 200
    };
    expect(
      predictionBody(version, { moleculeId: MOLECULE }, row, 0.9, {
        visibility: 'project',
        projectId: 'p'
      })
    ).toEqual({
      modelVersionId: version.id,
      items: [
        {
          moleculeId: MOLECULE,
          conditions: { coolingRateKPerMin: 10 },
          value: 190,
          lower: 180,
          upper: 200,
          intervalLevel: 0.9
        }
      ],
      visibility: 'project',
      projectId: 'p'
    });
    expect(verificationBody('pred', row.conditions, FORM)).toEqual({
      predictionId: 'pred',
      plannedExperiment: 'DSC, 10 K/min',
      conditions: { coolingRateKPerMin: 10 },
      assigneeId: FORM.assigneeId,
      dueOn: '2027-01-15',
      visibility: 'public'
    });
    expect(
      verificationBody('pred', {}, { ...FORM, assigneeId: '', dueOn: ' ', plannedExperiment: '' })
    ).toEqual({
      predictionId: 'pred',
      plannedExperiment: '',
      conditions: {},
      visibility: 'public'
    });
  });

  it('checks the verification form before sending and files server errors under fields', () => {
    expect(verificationMessages(FORM)).toEqual(new Map());
    expect(verificationMessages({ ...FORM, visibility: 'project', dueOn: '2027-02-30' })).toEqual(
      new Map([
        ['project', 'choose the project that may see it'],
        ['dueOn', '2027-02-30 is not a calendar date']
      ])
    );
    expect(verificationMessages({ ...FORM, dueOn: 'tomorrow' }).get('dueOn')).toBe(
      '"tomorrow" is not a date (YYYY-MM-DD)'
    );
    expect(fieldOfPath('body.dueOn')).toBe('dueOn');
    expect(fieldOfPath('body.assigneeId')).toBe('assignee');
    expect(fieldOfPath('body.projectId')).toBe('project');
    expect(fieldOfPath('body.items[0].conditions.temperatureKelvin')).toBe('conditions');
    expect(fieldOfPath('body.structure')).toBe('subject');
    expect(fieldOfPath('body.items[0].value')).toBe('form');
  });

  it('reads what the database sidebar drags: a molecule or a mixture by id, or text', () => {
    const id = '0b6f1a52-3c1e-4b7a-9d2e-6f0a1b2c3d4e';
    expect(
      droppedSubject(
        `import { moleculeDisplay } from '@cryoprotect/kernel';\nconst molecule = await client.getMolecule("${id}");`
      )
    ).toEqual({ kind: 'molecule', id });
    expect(droppedSubject(`const record = await client.mixtures.get("${id}");`)).toEqual({
      kind: 'mixture',
      id
    });
    expect(droppedSubject(' CS(C)=O ')).toEqual({ kind: 'text', text: 'CS(C)=O' });
    expect(droppedSubject('two\nlines')).toBeNull();
  });

  it('writes the notebook cell with clientFromEnvironment and never a token', () => {
    const base = {
      version,
      mixture: false,
      subject: 'OCC(O)CO',
      conditions: {},
      mixtureId: null
    };
    const predictOnly = predictionCode({ ...base, store: false, verification: null });
    expect(predictOnly).toContain(
      `await loadRegisteredModel(client, "tg-ridge", 3, { ownerId: "${OWNER}" })`
    );
    expect(predictOnly).toContain(
      'const predictions = await predictMolecules(model, [{ smiles: "OCC(O)CO" }]);'
    );
    expect(predictOnly).toContain('const client = clientFromEnvironment();');
    expect(predictOnly).not.toMatch(/token|storePredictions|verifications/i);

    const stored = predictionCode({ ...base, store: true, verification: null });
    expect(stored).toContain('await storePredictions(client, version, model, predictions.rows)');

    const requested = predictionCode({
      ...base,
      conditions: { coolingRateKPerMin: 10 },
      store: true,
      verification: FORM
    });
    expect(requested).toContain(
      'predictMolecules(model, [{ smiles: "OCC(O)CO", conditions: {"coolingRateKPerMin":10} }])'
    );
    expect(requested).toContain(
      "await client.registerMolecule({ structure: row.input, visibility: 'public' })"
    );
    expect(requested).toContain('const verification = await client.verifications.request({');
    expect(requested).toContain(`  assigneeId: "${FORM.assigneeId}",`);
    expect(requested).toContain('  dueOn: "2027-01-15",');
    expect(requested).not.toContain('storePredictions');
    expect(requested).not.toMatch(/token/i);

    // A mixture model reads a one-row CSV of the mixture's text form and stores against the saved mixture.
    const mixture = predictionCode({
      ...base,
      mixture: true,
      subject: 'glycerol: 20 % w/w',
      conditions: { coolingRateKPerMin: 10 },
      mixtureId: MOLECULE,
      store: true,
      verification: null
    });
    expect(mixture).toContain(
      'const csv = ["Mixture,coolingRateKPerMin", [csvCell("glycerol: 20 % w/w"), "10"].join(\',\')].join(\'\\n\');'
    );
    expect(mixture).toContain("predictCsvText(model, csv, { mixtureColumn: 'Mixture' })");
    expect(mixture).toContain(`const subject = { mixtureId: "${MOLECULE}" };`);
  });
});
