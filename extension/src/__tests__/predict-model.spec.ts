import type { Measurement, ModelVersion } from '@cryoprotect/kernel';
import { loadKernel } from '../chemistry';
import {
  actionBlocker,
  droppedSubject,
  fieldOfPath,
  measuredRows,
  predictOne,
  predictionBody,
  predictionCode,
  predictionText,
  propertyName,
  readConditions,
  realCoverageView,
  summarize,
  verificationBody,
  verificationMessages,
  versionLabel,
  type IActionState,
  type IVerificationForm
} from '../predict/model';
import {
  MOLECULE,
  OWNER,
  ROWS,
  registered,
  withCoolingRate,
  withDomainThreshold,
  withoutAdaptive
} from './predict-fixtures';

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
    // The API's key for queries, the words for people.
    expect(summary.target).toBe('glass_transition');
    expect(summary.targetName).toBe('glass transition');
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
    expect(versionLabel(version)).toBe('tg-ridge@3 · glass transition (K) · ridge');
    expect(propertyName('ice_recrystallization_inhibition')).toBe(
      'ice recrystallization inhibition'
    );
    expect(propertyName('density')).toBe('density');
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
    const direct = (await kernel.predictMolecules(saved, ['OCC(O)CO'])).rows[0];
    const { prediction, lower, upper, novelty, inDomain } = outcome.row;
    expect({ prediction, lower, upper, novelty, inDomain }).toEqual({
      prediction: direct.prediction,
      lower: direct.lower,
      upper: direct.upper,
      novelty: direct.novelty,
      inDomain: direct.inDomain
    });
    // The model's own interval: adaptive, its half-width growing with the distance to the
    // training molecules (quantile × (β + novelty)); glycerol lies inside the domain.
    const adaptive = saved.conformal.adaptive!;
    expect(novelty).toEqual(expect.any(Number));
    expect(upper - lower).toBeCloseTo(2 * adaptive.quantile * (adaptive.beta + novelty!), 9);
    expect(inDomain).toBe(true);
    expect(outcome.level).toBe(saved.conformal.level);
    expect(predictionText(outcome.row, outcome.level, 'K')).toMatch(
      /^\d+\.?\d* K \(\d+ % interval \d+\.?\d* to \d+\.?\d* K\)$/
    );

    // A version saved without adaptive intervals: the constant conformal interval, no novelty,
    // nothing said about its domain.
    const constant = kernel.savedModelFromVersion(withoutAdaptive(version));
    const plain = await predictOne(kernel, constant, { subject: 'OCC(O)CO', conditions: {} });
    expect(plain.ok && plain.row.upper - plain.row.lower).toBeCloseTo(
      2 * constant.conformal.halfWidth,
      9
    );
    expect(plain.ok && [plain.row.novelty, plain.row.inDomain]).toEqual([null, true]);

    // Beyond the domain threshold the row says so (DMSO's novelty is about 0.63).
    const narrow = kernel.savedModelFromVersion(withDomainThreshold(version, 0.5));
    const dmso = await predictOne(kernel, narrow, { subject: 'CS(C)=O', conditions: {} });
    expect(dmso.ok && dmso.row.inDomain).toBe(false);
    expect(dmso.ok && dmso.row.novelty).toBeGreaterThan(0.5);
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
      {
        line: 2,
        input: 'OCC(O)CO',
        conditions: {},
        prediction: 190,
        lower: 180,
        upper: 200,
        novelty: 0.37,
        inDomain: true
      }
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
      upper: 200,
      novelty: 0.41,
      inDomain: true
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
          intervalLevel: 0.9,
          novelty: 0.41,
          inDomain: true
        }
      ],
      visibility: 'project',
      projectId: 'p'
    });
    const sharing = { visibility: 'private' as const, projectId: '' };
    // Outside the domain: recorded as such, with its novelty.
    const far = { ...row, prediction: 260, lower: 160, upper: 360, novelty: 3.2, inDomain: false };
    expect(
      predictionBody(version, { moleculeId: MOLECULE }, far, 0.9, sharing).items[0]
    ).toMatchObject({ novelty: 3.2, inDomain: false });
    // A model without adaptive intervals measured no distance: neither is recorded (as the
    // kernel's storePredictions does), not "inside" by default.
    const unmeasured = { ...row, novelty: null, inDomain: true };
    expect(
      predictionBody(version, { moleculeId: MOLECULE }, unmeasured, 0.9, sharing).items[0]
    ).toMatchObject({ novelty: null, inDomain: null });
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

  it('says why an action is not available, in the order a researcher meets the causes', () => {
    const ready: IActionState = {
      version: true,
      problem: null,
      mixture: false,
      emptySubject: false,
      predicted: true,
      predicting: false,
      busy: false
    };
    expect(actionBlocker(ready)).toBeNull();
    expect(actionBlocker(ready, verificationMessages(FORM))).toBeNull();
    const nothing = { ...ready, version: false, emptySubject: true, predicted: false };
    expect(actionBlocker(nothing)).toBe('choose a model version first');
    expect(actionBlocker({ ...ready, problem: 'artifact: missing', predicted: false })).toBe(
      'choose another model version: this one cannot predict (see above)'
    );
    expect(actionBlocker({ ...ready, predicted: false, emptySubject: true })).toBe(
      'give a molecule to predict first: type a SMILES, draw it or drop one from the database'
    );
    expect(actionBlocker({ ...ready, predicted: false, emptySubject: true, mixture: true })).toBe(
      'give a mixture to predict first: open a saved one or type its text form'
    );
    expect(actionBlocker({ ...ready, predicted: false })).toBe(
      'correct the inputs marked above: nothing is predicted yet'
    );
    expect(actionBlocker({ ...ready, predicting: true })).toBe('wait for the prediction to finish');
    expect(actionBlocker({ ...ready, busy: true })).toBe('wait for the last request to finish');
    expect(
      actionBlocker(
        ready,
        verificationMessages({ ...FORM, visibility: 'project', dueOn: '2027-02-30' })
      )
    ).toBe(
      'correct the marked fields: Project (choose the project that may see it), Due (2027-02-30 is not a calendar date)'
    );
    expect(
      actionBlocker(ready, verificationMessages({ ...FORM, plannedExperiment: 'x'.repeat(10_001) }))
    ).toBe('correct the marked field: Planned experiment (at most 10000 characters)');
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
    // The notebook's table names the property in words, as the panel does.
    expect(predictOnly).toContain(
      '    property: { name: "glass transition", unit: version.targetUnit }'
    );
    expect(predictOnly).not.toMatch(/token|storePredictions|verifications/i);

    // storePredictions sends each row's novelty and domain itself.
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
    // The prediction the request names carries its novelty and domain, null for a model that
    // did not measure them (the kernel's storePredictions rule).
    expect(requested).toContain('      intervalLevel: model.conformal.level,');
    expect(requested).toContain('      novelty: row.novelty,');
    expect(requested).toContain('      inDomain: row.novelty === null ? null : row.inDomain');
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
    expect(mixture).toContain('      inDomain: row.novelty === null ? null : row.inDomain');
  });
});
