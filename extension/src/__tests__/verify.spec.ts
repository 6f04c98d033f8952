import type { JupyterFrontEnd } from '@jupyterlab/application';
import { ServerConnection } from '@jupyterlab/services';
import { CommandRegistry } from '@lumino/commands';
import { Widget } from '@lumino/widgets';
import type { Verification } from '@cryoprotect/kernel';
import { CryoProtectConnection } from '../connection';
import {
  coverageSummary,
  coverageWarning,
  dueStatus,
  historyRows,
  offeredActions,
  predictionText,
  unitsFor
} from '../verify/format';
import {
  emptyMeasurementForm,
  parseMeasurementForm,
  serverFieldProblems,
  type IMeasurementForm
} from '../verify/measurement-form';
import { listQuery, VerificationQueueModel, DEFAULT_FILTERS } from '../verify/model';
import { verifyPlugin } from '../verify/plugin';
import { VerificationQueue } from '../verify/widget';
import { waitFor } from './display-harness';

const SERVER = 'http://127.0.0.1:8787';
const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const REQUESTER = uuid(1);
const TECHNICIAN = uuid(2);
const MODEL = uuid(10);
const VERIFICATION = uuid(20);

const coverage = (extra: object = {}) => ({
  count: 12,
  mae: 4.2,
  rmse: 5.1,
  withInterval: 12,
  covered: 6,
  coverage: 0.5,
  coverageInterval: {
    lower: 0.211,
    upper: 0.789,
    confidence: 0.95,
    method: 'Clopper-Pearson exact' as const
  },
  promisedLevel: 0.95,
  belowPromise: true,
  ...extra
});

function modelVersion(realCoverage: object | null) {
  return {
    id: MODEL,
    name: 'tg',
    version: 1,
    snapshotId: uuid(11),
    snapshotHash: 'a'.repeat(64),
    datasetId: uuid(12),
    targetPropertyType: 'glass_transition',
    targetUnit: 'K',
    learner: 'gaussian-process',
    featurizerVersion: 'f1',
    kernelVersion: '0.1.0',
    rdkitVersion: '2025.03',
    tfjsVersion: null,
    backend: null,
    params: {},
    seed: 1,
    metrics: {},
    codeCommit: null,
    artifact: null,
    visibility: 'private',
    projectId: null,
    ownerId: REQUESTER,
    createdAt: '2026-12-01T00:00:00.000Z',
    realCoverage
  };
}

function verification(extra: Partial<Verification> = {}): Verification {
  return {
    id: VERIFICATION,
    predictionId: uuid(30),
    state: 'requested',
    plannedExperiment: 'DSC at 10 K/min, midpoint Tg',
    conditions: { coolingRateKelvinPerMinute: 10 },
    assigneeId: TECHNICIAN,
    measurementId: null,
    measuredBy: null,
    reviewedBy: null,
    reviewReason: null,
    dueOn: '2026-12-01',
    updatedAt: '2026-12-01T10:00:00.000Z',
    visibility: 'private',
    projectId: null,
    ownerId: REQUESTER,
    createdAt: '2026-12-01T10:00:00.000Z',
    events: [
      {
        fromState: null,
        toState: 'requested',
        actorId: REQUESTER,
        reason: null,
        at: '2026-12-01T10:00:00.000Z'
      }
    ],
    allowedActions: ['start'],
    prediction: {
      id: uuid(30),
      modelVersionId: MODEL,
      modelName: 'tg',
      modelVersion: 1,
      targetPropertyType: 'glass_transition',
      unit: 'K',
      moleculeId: uuid(40),
      mixtureId: null,
      subjectName: 'glycerol',
      smiles: 'OCC(O)CO',
      conditions: {},
      value: 190,
      lower: 185,
      upper: 195,
      intervalLevel: 0.95,
      novelty: null,
      inDomain: null
    },
    measurement: null,
    people: { [REQUESTER]: 'ada', [TECHNICIAN]: 'grace' },
    ...extra
  };
}

const problem = (status: number, title: string, detail: string, errors?: object[]) => ({
  type: `https://cryoprotect.org/problems/${status === 409 ? 'conflict' : status === 403 ? 'forbidden' : 'validation'}`,
  title,
  status,
  detail,
  ...(errors ? { errors } : {})
});

interface ICall {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
}

/**
 * A fetch answering by the first route matching "METHOD path", recording each call; an answer
 * may be a promise, to hold it back.
 */
function fakeFetch(routes: [RegExp, number, unknown | ((call: ICall) => unknown)][]) {
  const calls: ICall[] = [];
  const fetch = jest.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = new URL(String(input instanceof Request ? input.url : input));
    const call: ICall = {
      method: init.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined
    };
    calls.push(call);
    const route = routes.find(([pattern]) => pattern.test(`${call.method} ${call.path}`));
    if (!route) {
      throw new TypeError('Failed to fetch');
    }
    const body = await (typeof route[2] === 'function'
      ? (route[2] as (c: ICall) => unknown)(call)
      : route[2]);
    return new Response(JSON.stringify(body), {
      status: route[1],
      headers: { 'content-type': 'application/json' }
    });
  });
  globalThis.fetch = fetch as typeof globalThis.fetch;
  return calls;
}

function connection(): CryoProtectConnection {
  return new CryoProtectConnection({
    serverUrl: SERVER,
    token: 'tok',
    baseUrl: 'http://localhost:8888/',
    embeddedPort: '',
    embeddedToken: '',
    jupyter: ServerConnection.makeSettings({ baseUrl: 'http://localhost:8888/' })
  });
}

const filledForm = (changes: Partial<IMeasurementForm> = {}): IMeasurementForm => ({
  ...emptyMeasurementForm('K'),
  value: '188.5',
  uncertainty: '0.5',
  replicates: '3',
  method: 'DSC midpoint',
  equipment: 'TA Q2000',
  conditions: [{ key: 'coolingRateKelvinPerMinute', value: '10' }],
  ...changes
});

describe('verification queue: what is shown', () => {
  it('offers exactly the actions the server allows, in a fixed order', () => {
    expect(offeredActions({ allowedActions: ['reject', 'verify'] })).toEqual(['verify', 'reject']);
    expect(offeredActions({ allowedActions: [] })).toEqual([]);
    expect(offeredActions({ allowedActions: ['measured'] })).toEqual(['measured']);
  });

  it('writes the prediction with its interval and unit', () => {
    const p = verification().prediction!;
    expect(predictionText(p)).toBe('190 ± 5 K (95 %)');
    expect(predictionText({ ...p, upper: 197 })).toBe('190 K [185–197] (95 %)');
    expect(predictionText({ ...p, lower: null, upper: null, intervalLevel: null })).toBe('190 K');
    // A model's estimate to 4 significant digits, as the prediction panel shows it.
    expect(predictionText({ ...p, value: 204.39123, lower: 161.14113, upper: 247.64133 })).toBe(
      '204.4 ± 43.25 K (95 %)'
    );
  });

  it('flags an open request past its due date, not a closed one', () => {
    expect(dueStatus(verification({ dueOn: '2026-12-01' }), '2026-12-02')).toEqual({
      text: 'due 2026-12-01 (overdue)',
      date: '2026-12-01 (overdue)',
      overdue: true
    });
    expect(dueStatus(verification({ dueOn: '2026-12-01' }), '2026-12-01').overdue).toBe(false);
    expect(dueStatus(verification({ state: 'verified' }), '2026-12-09').overdue).toBe(false);
    expect(dueStatus(verification({ dueOn: null }), '2026-12-09').text).toBe('no due date');
  });

  it('names who did each step from the people map', () => {
    const rows = historyRows(
      verification({
        events: [
          ...verification().events,
          {
            fromState: 'requested',
            toState: 'in_progress',
            actorId: TECHNICIAN,
            reason: null,
            at: '2026-12-02T08:00:00Z'
          },
          {
            fromState: 'in_progress',
            toState: 'measured',
            actorId: uuid(99),
            reason: null,
            at: '2026-12-02T09:00:00Z'
          }
        ]
      })
    );
    expect(rows.map(r => [r.step, r.who])).toEqual([
      ['new → requested', 'ada'],
      ['requested → in progress', 'grace'],
      ['in progress → measured', 'user 00000000']
    ]);
  });

  it('offers the canonical unit first, then the convertible ones', () => {
    const types = [
      { key: 'density', canonicalUnit: 'g/cm3', acceptedUnits: ['g/cm3', 'kg/m3'] },
      { key: 'glass_transition', canonicalUnit: 'K', acceptedUnits: ['°C', 'K'] }
    ];
    expect(unitsFor(types, 'glass_transition', 'K')).toEqual(['K', '°C']);
    expect(unitsFor([], 'glass_transition', 'K')).toEqual(['K']);
  });

  it('warns when real coverage is below the promise with confidence, only then', () => {
    expect(coverageWarning(coverage())).toBe(
      'Intervals too narrow: real coverage 50 % [21.1 %–78.9 %] vs promised 95 % (6 of 12 verified results inside)'
    );
    expect(coverageWarning(coverage({ belowPromise: false }))).toBeNull();
    expect(coverageWarning(null)).toBeNull();
  });

  it('sums up real coverage with the error in the target unit, to the digits of an estimate', () => {
    expect(coverageSummary(coverage({ mae: 13.828913 }), 'K')).toBe(
      'Real coverage of this model version: 12 verified results, 6 of 12 inside the predicted intervals (50 %), MAE 13.83 K'
    );
    expect(coverageSummary(coverage({ count: 0 }), 'K')).toBeNull();
  });
});

describe('verification queue: the measurement form', () => {
  it('builds the body from a filled form, numbers as numbers', () => {
    const parsed = parseMeasurementForm(filledForm({ performedAt: '2026-12-01T09:30' }));
    expect(parsed.problems).toEqual([]);
    expect(parsed.input).toEqual({
      value: 188.5,
      unit: 'K',
      uncertainty: 0.5,
      replicates: 3,
      method: 'DSC midpoint',
      equipment: 'TA Q2000',
      conditions: { coolingRateKelvinPerMinute: 10 },
      note: '',
      performedAt: new Date('2026-12-01T09:30').toISOString()
    });
  });

  it('names the field of each problem and sends nothing', () => {
    const parsed = parseMeasurementForm(
      filledForm({
        value: 'about 190',
        unit: '',
        uncertainty: '-1',
        replicates: '2.5',
        conditions: [
          { key: '', value: '3' },
          { key: 'a', value: '1' },
          { key: 'a', value: '2' }
        ],
        performedAt: '2999-01-01T00:00'
      })
    );
    expect(parsed.input).toBeNull();
    expect(parsed.problems.map(p => p.field)).toEqual([
      'value',
      'unit',
      'uncertainty',
      'replicates',
      'conditions',
      'conditions',
      'performedAt'
    ]);
    expect(parseMeasurementForm(filledForm({ value: '' })).problems[0].message).toBe(
      'give the measured value'
    );
  });

  it('puts the server field errors under their fields', () => {
    const error = Object.assign(new Error('Invalid'), {
      name: 'ApiError',
      errors: [
        { path: 'body.measurement.unit', message: '"F" cannot be converted to K' },
        { path: 'body.measurement.conditions.temperatureKelvin', message: 'must be positive' },
        { path: 'body.reason', message: 'required' },
        { path: 'body.other', message: 'unknown' }
      ]
    });
    expect(serverFieldProblems(error)).toEqual([
      { field: 'unit', message: '"F" cannot be converted to K' },
      { field: 'conditions', message: 'temperatureKelvin: must be positive' },
      { field: 'reason', message: 'required' },
      { field: 'form', message: 'body.other: unknown' }
    ]);
    expect(serverFieldProblems(new TypeError('Failed to fetch'))).toEqual([]);
  });
});

describe('verification queue model', () => {
  const realFetch = globalThis.fetch;
  afterEach(() => {
    globalThis.fetch = realFetch;
  });

  it('turns the filters into the list query, leaving empty ones out', () => {
    expect(listQuery(DEFAULT_FILTERS, null)).toEqual({ role: 'assigned', limit: 25 });
    expect(listQuery({ role: 'project', state: 'measured', modelName: ' tg ' }, 'c2', 10)).toEqual({
      role: 'project',
      state: 'measured',
      modelName: 'tg',
      limit: 10,
      cursor: 'c2'
    });
  });

  it('lists by role, state and model, and pages with the server cursor', async () => {
    const calls = fakeFetch([
      [
        /^GET \/api\/verifications$/,
        200,
        (call: ICall) =>
          call.query.get('cursor') === 'next-1'
            ? { items: [verification({ id: uuid(21) })], nextCursor: null }
            : { items: [verification()], nextCursor: 'next-1' }
      ]
    ]);
    const model = new VerificationQueueModel(connection());
    await model.setFilters({ role: 'requested', state: 'measured', modelName: 'tg' });
    const first = calls[0].query;
    expect([
      first.get('role'),
      first.get('state'),
      first.get('modelName'),
      first.get('cursor')
    ]).toEqual(['requested', 'measured', 'tg', null]);
    expect(model.paging.hasNext).toBe(true);
    await model.nextPage();
    expect(calls[1].query.get('cursor')).toBe('next-1');
    expect(model.items.map(i => i.id)).toEqual([uuid(21)]);
    expect(model.paging.pageNumber).toBe(2);
    await model.previousPage();
    expect(calls[2].query.get('cursor')).toBeNull();
    await model.setFilters({ role: 'assigned' });
    expect(model.paging.pageNumber).toBe(1);
    expect(calls[3].query.get('role')).toBe('assigned');
  });

  it('explains a queue it cannot read', async () => {
    fakeFetch([]);
    const model = new VerificationQueueModel(connection());
    await model.load();
    expect(model.status.state).toBe('error');
    expect(model.status.message).toMatch(
      /No CryoProtect server answers at http:\/\/127\.0\.0\.1:8787/
    );
  });

  it('records a measurement, then shows the request and the row as the server returns them', async () => {
    let current = verification({ state: 'in_progress', allowedActions: ['measured'] });
    const calls = fakeFetch([
      [/^GET \/api\/verifications$/, 200, () => ({ items: [current], nextCursor: null })],
      [/^GET \/api\/verifications\//, 200, () => current],
      [/^GET \/api\/models\//, 200, modelVersion(null)],
      [
        /^POST \/api\/verifications\/.*\/measured$/,
        200,
        () => {
          current = verification({
            state: 'measured',
            allowedActions: [],
            measurementId: uuid(50),
            measuredBy: TECHNICIAN,
            updatedAt: '2026-12-02T09:00:00.000Z'
          });
          return current;
        }
      ]
    ]);
    const model = new VerificationQueueModel(connection());
    await model.load();
    await model.select(VERIFICATION);
    expect(model.modelVersion?.id).toBe(MODEL);
    const outcome = await model.act({ action: 'measured', form: filledForm() });
    expect(outcome).toEqual({ ok: true, problems: [], message: null });
    const post = calls.find(c => c.method === 'POST')!;
    expect(post.path).toBe(`/api/verifications/${VERIFICATION}/measured`);
    expect(post.body).toEqual({
      measurement: {
        value: 188.5,
        unit: 'K',
        uncertainty: 0.5,
        replicates: 3,
        method: 'DSC midpoint',
        equipment: 'TA Q2000',
        conditions: { coolingRateKelvinPerMinute: 10 },
        note: ''
      }
    });
    expect(model.selected?.state).toBe('measured');
    expect(model.items[0].state).toBe('measured');
    expect(offeredActions(model.selected!)).toEqual([]);
  });

  it('does not send a form with problems, nor a rejection without a reason', async () => {
    const calls = fakeFetch([
      [/^GET \/api\/verifications$/, 200, { items: [verification()], nextCursor: null }],
      [
        /^GET \/api\/verifications\//,
        200,
        verification({ state: 'measured', allowedActions: ['verify', 'reject'] })
      ],
      [/^GET \/api\/models\//, 200, modelVersion(null)]
    ]);
    const model = new VerificationQueueModel(connection());
    await model.select(VERIFICATION);
    const before = calls.length;
    expect((await model.act({ action: 'reject', reason: '  ' })).problems).toEqual([
      { field: 'reason', message: 'say why the measurement is rejected' }
    ]);
    expect((await model.act({ action: 'measured', form: filledForm({ value: 'x' }) })).ok).toBe(
      false
    );
    expect(calls.length).toBe(before);
  });

  it('shows the server field errors of a measurement under their fields', async () => {
    fakeFetch([
      [
        /^GET \/api\/verifications\//,
        200,
        verification({ state: 'in_progress', allowedActions: ['measured'] })
      ],
      [/^GET \/api\/models\//, 200, modelVersion(null)],
      [
        /^POST /,
        422,
        problem(422, 'Invalid request', 'the measurement cannot be recorded', [
          { path: 'body.measurement.unit', message: '"degF" is not a unit of glass_transition (K)' }
        ])
      ]
    ]);
    const model = new VerificationQueueModel(connection());
    await model.select(VERIFICATION);
    const outcome = await model.act({ action: 'measured', form: filledForm({ unit: 'degF' }) });
    expect(outcome).toEqual({
      ok: false,
      problems: [{ field: 'unit', message: '"degF" is not a unit of glass_transition (K)' }],
      message: null
    });
  });

  it('reports a refused step and reads the request again (another user was faster)', async () => {
    let reads = 0;
    fakeFetch([
      [
        /^GET \/api\/verifications\//,
        200,
        () =>
          ++reads === 1
            ? verification({ state: 'measured', allowedActions: ['verify', 'reject'] })
            : verification({ state: 'rejected', allowedActions: [], reviewReason: 'crystallized' })
      ],
      [/^GET \/api\/models\//, 200, modelVersion(coverage())],
      [
        /^POST .*\/verify$/,
        409,
        problem(
          409,
          'Conflict',
          'the verification is rejected, not measured: it cannot be verified'
        )
      ]
    ]);
    const model = new VerificationQueueModel(connection());
    await model.select(VERIFICATION);
    const outcome = await model.act({ action: 'verify' });
    expect(outcome.ok).toBe(false);
    expect(outcome.message).toBe(
      'Could not verify the measurement: Conflict: the verification is rejected, not measured: it cannot be verified'
    );
    expect(model.selected?.state).toBe('rejected');
    expect(model.outcome?.message).toBe(outcome.message);
  });

  it('shows the request chosen last when an earlier choice answers late, and acts on it', async () => {
    const FIRST = uuid(21);
    const FIRST_MODEL = uuid(13);
    let answerFirst!: () => void;
    const firstHeld = new Promise<void>(resolve => {
      answerFirst = resolve;
    });
    const calls = fakeFetch([
      [
        /^GET \/api\/verifications\//,
        200,
        async (call: ICall) =>
          call.path.endsWith(FIRST)
            ? firstHeld.then(() =>
                verification({
                  id: FIRST,
                  prediction: { ...verification().prediction!, modelVersionId: FIRST_MODEL }
                })
              )
            : verification()
      ],
      [
        /^GET \/api\/models\//,
        200,
        (call: ICall) => ({ ...modelVersion(null), id: call.path.split('/').pop() })
      ],
      [/^POST /, 200, verification({ state: 'in_progress', allowedActions: [] })]
    ]);
    const model = new VerificationQueueModel(connection());
    const first = model.select(FIRST);
    await model.select(VERIFICATION);
    answerFirst();
    await first;
    expect(model.selected?.id).toBe(VERIFICATION);
    expect(model.modelVersion?.id).toBe(MODEL);
    await model.act({ action: 'start' });
    expect(calls.filter(c => c.method === 'POST').map(c => c.path)).toEqual([
      `/api/verifications/${VERIFICATION}/start`
    ]);
  });

  it('reads the request chosen last again with the page, not the one still shown', async () => {
    const OTHER = uuid(21);
    const held: (() => void)[] = [];
    const hold = () => new Promise<void>(resolve => held.push(resolve));
    let reads = 0;
    fakeFetch([
      [/^GET \/api\/verifications$/, 200, () => ({ items: [verification()], nextCursor: null })],
      [
        /^GET \/api\/verifications\//,
        200,
        async (call: ICall) => {
          const id = call.path.split('/').pop();
          // The first read of the shown request answers at once; every later read waits.
          if (id !== VERIFICATION || ++reads > 1) {
            await hold();
          }
          return verification({ id });
        }
      ],
      [/^GET \/api\/models\//, 200, modelVersion(null)]
    ]);
    const model = new VerificationQueueModel(connection());
    await model.select(VERIFICATION);
    const choosing = model.select(OTHER);
    const loading = model.load();
    await waitFor(() => held.length === 2);
    // The choice answers first, then the page's re-read.
    held[0]();
    await choosing;
    held[1]();
    await loading;
    expect(model.selected?.id).toBe(OTHER);
  });

  it('keeps a closed detail closed when its request answers late', async () => {
    let answer!: () => void;
    const held = new Promise<void>(resolve => {
      answer = resolve;
    });
    fakeFetch([
      [/^GET \/api\/verifications\//, 200, () => held.then(() => verification())],
      [/^GET \/api\/models\//, 200, modelVersion(null)]
    ]);
    const model = new VerificationQueueModel(connection());
    const selecting = model.select(VERIFICATION);
    model.deselect();
    answer();
    await selecting;
    expect(model.selected).toBeNull();
  });

  it('stays on a request chosen while a step on another is on its way', async () => {
    const OTHER = uuid(21);
    let current = verification();
    let answerStep!: () => void;
    const stepHeld = new Promise<void>(resolve => {
      answerStep = resolve;
    });
    fakeFetch([
      [/^GET \/api\/verifications$/, 200, () => ({ items: [current], nextCursor: null })],
      [
        /^GET \/api\/verifications\//,
        200,
        (call: ICall) => (call.path.endsWith(OTHER) ? verification({ id: OTHER }) : current)
      ],
      [/^GET \/api\/models\//, 200, modelVersion(null)],
      [
        /^POST /,
        200,
        async () => {
          await stepHeld;
          current = verification({ state: 'in_progress', allowedActions: [] });
          return current;
        }
      ]
    ]);
    const model = new VerificationQueueModel(connection());
    await model.load();
    await model.select(VERIFICATION);
    const step = model.act({ action: 'start' });
    await model.select(OTHER);
    answerStep();
    expect((await step).ok).toBe(true);
    expect(model.selected?.id).toBe(OTHER);
    expect(model.outcome).toBeNull();
    expect(model.items[0].state).toBe('in_progress');
  });

  it('says a forbidden step is not allowed with this token', async () => {
    fakeFetch([
      [
        /^GET \/api\/verifications\//,
        200,
        verification({ state: 'measured', allowedActions: ['verify'] })
      ],
      [/^GET \/api\/models\//, 200, modelVersion(null)],
      [/^POST /, 403, problem(403, 'Forbidden', 'who measured cannot review their own measurement')]
    ]);
    const model = new VerificationQueueModel(connection());
    await model.select(VERIFICATION);
    expect((await model.act({ action: 'verify' })).message).toBe(
      'Could not verify the measurement: Not allowed with this token: who measured cannot review their own measurement'
    );
  });
});

describe('verification queue panel', () => {
  const realFetch = globalThis.fetch;
  afterEach(() => {
    globalThis.fetch = realFetch;
  });

  async function panelWith(
    selected: Verification,
    realCoverage: object | null = null,
    artifact: object | null = null
  ) {
    fakeFetch([
      [/^GET \/api\/verifications$/, 200, { items: [selected], nextCursor: null }],
      [/^GET \/api\/verifications\//, 200, selected],
      [/^GET \/api\/models\//, 200, { ...modelVersion(realCoverage), artifact }],
      [
        /^GET \/api\/property-types$/,
        200,
        {
          items: [
            {
              id: uuid(60),
              key: 'glass_transition',
              name: 'glass transition temperature',
              canonicalUnit: 'K',
              acceptedUnits: ['K', '°C'],
              minValue: 0,
              maxValue: 1000,
              description: ''
            }
          ],
          nextCursor: null
        }
      ]
    ]);
    const panel = new VerificationQueue({ connection: connection() });
    await panel.model.load();
    await panel.model.select(selected.id);
    return panel;
  }

  const buttons = (panel: VerificationQueue) =>
    Array.from(panel.node.querySelectorAll<HTMLButtonElement>('.jp-cryoprotect-Verify-action')).map(
      b => b.textContent
    );

  it('shows the row and only the allowed actions of the selected request', async () => {
    const panel = await panelWith(
      verification({ state: 'measured', allowedActions: ['verify', 'reject'], dueOn: '2999-12-31' })
    );
    const row = panel.node.querySelector('.jp-cryoprotect-Verify-row')!;
    expect(row.textContent).toContain('glycerol');
    expect(row.textContent).toContain('tg@1 · 190 ± 5 K (95 %)');
    expect(row.textContent).toContain('for grace');
    expect(row.textContent).toContain('by ada');
    expect(row.querySelector('.jp-cryoprotect-Verify-overdue')).toBeNull();
    expect(buttons(panel)).toEqual(['Verify', 'Reject']);
    panel.dispose();
  });

  it('offers nothing to who measured: no Verify on their own measurement', async () => {
    const panel = await panelWith(
      verification({ state: 'measured', allowedActions: [], measuredBy: TECHNICIAN })
    );
    expect(buttons(panel)).toEqual([]);
    expect(panel.node.querySelector('.jp-cryoprotect-Verify-actions')!.textContent).toBe(
      'Nothing for you to do on this request now.'
    );
    panel.dispose();
  });

  it('opens the measurement form with the convertible units and the coverage warning', async () => {
    const panel = await panelWith(
      verification({ state: 'in_progress', allowedActions: ['measured'] }),
      coverage()
    );
    expect(
      panel.node.querySelector('.jp-cryoprotect-Verify-coverageWarning')!.textContent
    ).toContain('Intervals too narrow: real coverage 50 %');
    panel.node.querySelector<HTMLButtonElement>('[data-action="measured"]')!.click();
    await waitFor(() => panel.node.querySelector('.jp-cryoprotect-Verify-measurementForm'));
    const units = Array.from(panel.node.querySelectorAll('select[name="unit"] option')).map(
      o => o.textContent
    );
    expect(units).toEqual(['K', '°C']);
    // A problem appears under its field, and the form stays open with what was typed.
    panel.node.querySelector<HTMLInputElement>('input[name="value"]')!.value = 'abc';
    panel.node
      .querySelector<HTMLFormElement>('.jp-cryoprotect-Verify-measurementForm')!
      .dispatchEvent(new Event('submit', { cancelable: true }));
    await waitFor(() => panel.node.querySelector('[data-field="value"]')!.textContent !== '');
    expect(panel.node.querySelector('[data-field="value"]')!.textContent).toBe(
      'the value must be a number (got "abc")'
    );
    expect(panel.node.querySelector<HTMLInputElement>('input[name="value"]')!.value).toBe('abc');
    panel.dispose();
  });

  it('marks a prediction outside the applicability domain, in the row and the detail, only then', async () => {
    const outside = verification({
      prediction: { ...verification().prediction!, novelty: 3.42, inDomain: false }
    });
    // The model version's artifact holds the threshold; the rest of it does not matter here.
    const panel = await panelWith(outside, null, {
      conformal: { adaptive: { domainThreshold: 2.5 } }
    });
    const row = panel.node.querySelector('.jp-cryoprotect-Verify-row')!;
    const badge = row.querySelector<HTMLElement>(
      '.jp-cryoprotect-Verify-rowLine .jp-cryoprotect-DomainBadge'
    )!;
    expect(badge.textContent).toBe('⚠ outside the applicability domain');
    expect(badge.title).toBe(
      "Outside the applicability domain: farther from the model's training molecules than cross-validation ever tested it (novelty 3.42). The interval is wider here, but less trustworthy."
    );
    expect(row.textContent).toContain('tg@1 · 190 ± 5 K (95 %) ⚠ outside the applicability domain');
    // The detail, once the model version is read, gives the threshold too.
    const detail = panel.node.querySelector('.jp-cryoprotect-Verify-detail')!;
    const predicted = Array.from(detail.querySelectorAll('tr')).find(
      tr => tr.querySelector('th')?.textContent === 'Predicted'
    )!;
    const detailBadge = predicted.querySelector<HTMLElement>('.jp-cryoprotect-DomainBadge')!;
    expect(predicted.querySelector('td')!.textContent).toBe(
      '190 ± 5 K (95 %) ⚠ outside the applicability domain'
    );
    expect(detailBadge.title).toMatch(/\(novelty 3\.42, above 2\.50*, the 99th percentile/);
    expect(detail.querySelector('.jp-cryoprotect-DomainNote')!.textContent).toBe(detailBadge.title);
    panel.dispose();

    // Inside the domain, or not checked (a model without adaptive intervals): no marker.
    for (const [novelty, inDomain] of [
      [0.4, true],
      [null, null]
    ] as const) {
      const quiet = await panelWith(
        verification({ prediction: { ...verification().prediction!, novelty, inDomain } })
      );
      expect(quiet.node.querySelector('.jp-cryoprotect-Verify-row')!.textContent).toContain(
        'tg@1 · 190 ± 5 K (95 %)'
      );
      expect(quiet.node.querySelector('.jp-cryoprotect-DomainBadge')).toBeNull();
      expect(quiet.node.querySelector('.jp-cryoprotect-DomainNote')).toBeNull();
      quiet.dispose();
    }
  });

  it('highlights an overdue request', async () => {
    const panel = await panelWith(verification({ dueOn: '2020-01-01' }));
    expect(
      panel.node.querySelector('.jp-cryoprotect-Verify-row .jp-cryoprotect-Verify-overdue')!
        .textContent
    ).toBe('due 2020-01-01 (overdue)');
    panel.dispose();
  });
  it('draws nothing more once disposed, when a page answers late', async () => {
    let answerPage!: () => void;
    const pageHeld = new Promise<void>(resolve => {
      answerPage = resolve;
    });
    let pages = 0;
    fakeFetch([
      [
        /^GET \/api\/verifications$/,
        200,
        async () => {
          if (++pages > 1) {
            await pageHeld;
            return { items: [verification(), verification({ id: uuid(21) })], nextCursor: null };
          }
          return { items: [verification()], nextCursor: null };
        }
      ]
    ]);
    const panel = new VerificationQueue({ connection: connection() });
    await panel.model.load();
    const rows = () => panel.node.querySelectorAll('.jp-cryoprotect-Verify-row').length;
    expect(rows()).toBe(1);
    const loading = panel.model.load();
    panel.dispose();
    answerPage();
    await loading;
    expect(panel.model.items).toHaveLength(2);
    expect(rows()).toBe(1);
  });
});

describe('verification queue plugin', () => {
  const realFetch = globalThis.fetch;
  afterEach(() => {
    globalThis.fetch = realFetch;
    document.body.replaceChildren();
  });

  /** The plugin activated with the app reduced to what it uses; the queue it put in the shell. */
  function activate(conn: CryoProtectConnection): VerificationQueue {
    let queue: VerificationQueue | null = null;
    const app = {
      commands: new CommandRegistry(),
      shell: {
        add: (widget: Widget) => {
          queue = widget as VerificationQueue;
        },
        activateById: () => undefined
      }
    } as unknown as JupyterFrontEnd;
    verifyPlugin.activate(app, conn, null);
    return queue!;
  }

  it('forgets the queue of the previous user on a token change while hidden, and reads none', async () => {
    let answerPage!: () => void;
    const pageHeld = new Promise<void>(resolve => {
      answerPage = resolve;
    });
    let holdPage = false;
    const calls = fakeFetch([
      [
        /^GET \/api\/verifications$/,
        200,
        async () => {
          if (holdPage) {
            await pageHeld;
          }
          return { items: [verification()], nextCursor: 'next' };
        }
      ],
      [/^GET \/api\/verifications\//, 200, verification()],
      [/^GET \/api\/models\//, 200, modelVersion(null)]
    ]);
    const conn = connection();
    const queue = activate(conn);
    await queue.model.load();
    await queue.model.select(VERIFICATION);
    // A page of the previous user still on its way when the token changes.
    holdPage = true;
    const loading = queue.model.load();
    await waitFor(() => calls.length === 4);
    expect(queue.isVisible).toBe(false);
    conn.update({ token: 'another user' });
    answerPage();
    await loading;
    expect(queue.model.items).toEqual([]);
    expect(queue.model.selected).toBeNull();
    expect(queue.model.paging.hasNext).toBe(false);
    expect(queue.node.querySelectorAll('.jp-cryoprotect-Verify-row')).toHaveLength(0);
    expect(calls).toHaveLength(4);
    // Shown again (onAfterShow): the new user's page is read, not the old selection.
    await queue.model.load();
    expect(calls.slice(4).map(c => c.path)).toEqual(['/api/verifications']);
    queue.dispose();
  });

  it('reads the queue of the new user at once when on screen, not the old selection', async () => {
    const calls = fakeFetch([
      [/^GET \/api\/verifications$/, 200, { items: [verification()], nextCursor: null }],
      [/^GET \/api\/verifications\//, 200, verification()],
      [/^GET \/api\/models\//, 200, modelVersion(null)]
    ]);
    const conn = connection();
    const queue = activate(conn);
    Widget.attach(queue, document.body);
    await queue.model.load();
    await queue.model.select(VERIFICATION);
    const before = calls.length;
    conn.update({ token: 'another user' });
    await waitFor(() => queue.model.status.state === 'idle' && queue.model.items.length === 1);
    expect(calls.slice(before).map(c => c.path)).toEqual(['/api/verifications']);
    expect(queue.model.selected).toBeNull();
    queue.dispose();
  });
});
