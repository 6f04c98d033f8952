import { ApiError, type CryoProtectClient, type ModelVersion } from '@cryoprotect/kernel';
import { loadKernel } from '../chemistry';
import type { ICryoProtectConnection } from '../connection';
import type { IVerificationForm } from '../predict/model';
import { ROWS, registered, withDomainThreshold } from './predict-fixtures';
import { measuredFor, messagesOfError, storeAndRequest } from '../predict/store';
import { PredictionPanel } from '../predict/widget';
import { Widget } from '@lumino/widgets';
import { Signal } from '@lumino/signaling';
import { waitFor } from './display-harness';

// Storing, requesting and comparing against a fake client that records its calls (the server's
// own behaviour is tested in server/; here: what the panel sends, in which order, and what it
// shows when the server refuses), and the panel itself in jsdom with the real kernel.

const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const MOLECULE = id(100);
const PREDICTION = id(200);
const VERIFICATION = id(300);
const ASSIGNEE = id(400);
const ME = id(401);

// Request bodies are checked with toEqual, not through their types.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

// Glycerol as a model with adaptive intervals predicts it: close to its training molecules.
const ROW = {
  line: 2,
  input: 'OCC(O)CO',
  conditions: {},
  prediction: 190,
  lower: 180,
  upper: 200,
  novelty: 0.37,
  inDomain: true
};

const FORM: IVerificationForm = {
  visibility: 'public',
  projectId: '',
  plannedExperiment: 'DSC',
  assigneeId: ASSIGNEE,
  dueOn: ''
};

function apiError(status: number, errors: { path: string; message: string }[]): ApiError {
  return new ApiError({
    type: 'https://cryoprotect.example/problems/invalid-request',
    title: 'Unprocessable',
    status,
    detail: 'invalid request',
    errors
  } as never);
}

/** A client whose calls are recorded; `fail` makes one method throw. */
function fakeClient(fail: Record<string, unknown> = {}) {
  const calls: [string, Json][] = [];
  const answer = <T>(name: string, body: Json, value: T): Promise<T> => {
    calls.push([name, body]);
    return name in fail ? Promise.reject(fail[name]) : Promise.resolve(value);
  };
  const verification = (body: Json) => ({
    id: VERIFICATION,
    state: 'requested',
    assigneeId: body.assigneeId ?? null,
    dueOn: body.dueOn ?? null,
    people: { [ASSIGNEE]: 'bea' }
  });
  const client = {
    registerMolecule: (body: Json) =>
      answer('registerMolecule', body, {
        duplicate: false,
        molecule: { id: MOLECULE, visibility: body.visibility }
      }),
    predictions: {
      create: (body: Json) => answer('predictions.create', body, [{ id: PREDICTION }])
    },
    verifications: {
      request: (body: Json) => answer('verifications.request', body, verification(body))
    }
  };
  return { calls, client: client as unknown as CryoProtectClient };
}

describe('storing a prediction and requesting its verification', () => {
  it('registers the molecule with the sharing, stores the prediction, then requests', async () => {
    const { calls, client } = fakeClient();
    const outcome = await storeAndRequest(
      client,
      { id: id(1) },
      { kind: 'molecule', smiles: 'OCC(O)CO' },
      ROW,
      0.9,
      FORM,
      FORM
    );
    expect(outcome.ok).toBe(true);
    expect(calls.map(c => c[0])).toEqual([
      'registerMolecule',
      'predictions.create',
      'verifications.request'
    ]);
    expect(calls[0][1]).toEqual({ structure: 'OCC(O)CO', visibility: 'public' });
    expect(calls[1][1].items[0]).toEqual({
      moleculeId: MOLECULE,
      conditions: {},
      value: 190,
      lower: 180,
      upper: 200,
      intervalLevel: 0.9,
      novelty: 0.37,
      inDomain: true
    });
    expect(calls[2][1]).toEqual({
      predictionId: PREDICTION,
      plannedExperiment: 'DSC',
      conditions: {},
      assigneeId: ASSIGNEE,
      visibility: 'public'
    });
  });

  it('records where the molecule stands against the training data: outside, or not checked', async () => {
    const stored = async (row: typeof ROW | Record<string, unknown>) => {
      const { calls, client } = fakeClient();
      const outcome = await storeAndRequest(
        client,
        { id: id(1) },
        { kind: 'molecule', smiles: 'CS(C)=O' },
        row as typeof ROW,
        0.9,
        FORM,
        null
      );
      expect(outcome.ok).toBe(true);
      return calls.find(c => c[0] === 'predictions.create')![1].items[0];
    };
    // Outside the applicability domain: its wider interval, its novelty, inDomain false.
    expect(
      await stored({
        ...ROW,
        input: 'CS(C)=O',
        lower: 150,
        upper: 230,
        novelty: 2.84,
        inDomain: false
      })
    ).toMatchObject({ lower: 150, upper: 230, novelty: 2.84, inDomain: false });
    // A model saved without adaptive intervals measured no distance (its rows say inDomain
    // true): nothing is recorded about its domain.
    expect(await stored({ ...ROW, novelty: null, inDomain: true })).toMatchObject({
      novelty: null,
      inDomain: null
    });
  });

  it('keeps the stored prediction when the request is refused, and reuses it next time', async () => {
    const refused = apiError(422, [{ path: 'body.dueOn', message: 'must be a date, YYYY-MM-DD' }]);
    const first = fakeClient({ 'verifications.request': refused });
    const outcome = await storeAndRequest(
      first.client,
      { id: id(1) },
      { kind: 'molecule', smiles: 'OCC(O)CO' },
      ROW,
      0.9,
      FORM,
      FORM
    );
    expect(outcome.ok).toBe(false);
    if (outcome.ok) {
      return;
    }
    expect(outcome.prediction?.id).toBe(PREDICTION);
    expect(outcome.messages).toEqual(new Map([['dueOn', 'must be a date, YYYY-MM-DD']]));
    const again = fakeClient();
    const retried = await storeAndRequest(
      again.client,
      { id: id(1) },
      { kind: 'molecule', smiles: 'OCC(O)CO' },
      ROW,
      0.9,
      FORM,
      FORM,
      outcome.prediction
    );
    expect(retried.ok).toBe(true);
    expect(again.calls.map(c => c[0])).toEqual(['verifications.request']);
  });

  it('stores a mixture prediction against the saved mixture, and refuses an unsaved one under the subject', async () => {
    const { calls, client } = fakeClient();
    const saved = await storeAndRequest(
      client,
      { id: id(1) },
      { kind: 'mixture', text: 'glycerol: 20 % w/w', mixtureId: id(50) },
      ROW,
      0.9,
      FORM,
      null
    );
    expect(saved.ok).toBe(true);
    expect(calls.map(c => c[0])).toEqual(['predictions.create']);
    expect(calls[0][1].items[0].mixtureId).toBe(id(50));
    const unsaved = await storeAndRequest(
      client,
      { id: id(1) },
      { kind: 'mixture', text: 'glycerol: 20 % w/w', mixtureId: null },
      ROW,
      0.9,
      FORM,
      null
    );
    expect(unsaved.ok ? null : unsaved.messages.get('subject')).toMatch(/saved mixture/);
  });

  it('passes a refusal that is not about an input on as the cause', () => {
    const forbidden = apiError(403, []);
    expect(messagesOfError(forbidden)).toEqual({ messages: new Map(), cause: forbidden });
    expect(messagesOfError(apiError(409, [])).messages.get('form')).toBe('invalid request');
  });

  it('finds the measured values of the same structure through its InChIKey', async () => {
    const kernel = await loadKernel();
    const asked: Json[] = [];
    const client = {
      moleculeRegistration: async (inchikey: string) => {
        asked.push(inchikey);
        return { inchikey, registered: true, molecule: { id: MOLECULE } };
      },
      measurements: {
        list: async function* (query: Json) {
          asked.push(query);
          yield { id: id(9), value: 190, referenceId: id(10) };
        }
      },
      references: { get: async () => ({ citation: 'A paper' }) }
    } as unknown as CryoProtectClient;
    const measured = await measuredFor(
      kernel,
      client,
      { kind: 'molecule', smiles: 'C(C(CO)O)O' },
      'glass_transition'
    );
    expect(asked[0]).toBe((await kernel.standardize('OCC(O)CO')).inchikey);
    expect(asked[1]).toEqual({
      propertyType: 'glass_transition',
      moleculeId: MOLECULE,
      pageSize: 50
    });
    expect(measured.citations.get(id(10))).toBe('A paper');
  });
});

/** The registered version the panel lists (trained once, with the real kernel). */
let listed: Promise<ModelVersion> | null = null;

/**
 * A fake client with what the panel reads besides: a version (the registered one, or `variant`
 * of it), users, no project, no molecule.
 */
async function panelClient(
  fail: Record<string, unknown> = {},
  variant: (version: ModelVersion) => ModelVersion = version => version
) {
  listed ??= registered(ROWS.join('\n')).then(version => ({ ...version, ownerId: ME }));
  const version = variant(await listed);
  const fake = fakeClient(fail);
  Object.assign(fake.client, {
    models: {
      list: async function* () {
        yield version;
      }
    },
    users: {
      me: async () => ({ id: ME, username: 'ada' }),
      list: async function* () {
        yield { id: ME, username: 'ada', displayName: '', isAdmin: false, active: true };
        yield { id: ASSIGNEE, username: 'bea', displayName: 'Bea', isAdmin: false, active: true };
      }
    },
    projects: {
      list: async function* () {
        // In no project.
      }
    },
    moleculeRegistration: async (inchikey: string) => ({
      inchikey,
      registered: false,
      molecule: null
    })
  });
  return fake;
}

/** The panel attached, over a connection whose token (and so client) `switchTo` changes. */
function openPanel(client: CryoProtectClient) {
  let current = client;
  const changed = new Signal<object, void>({});
  const connection = {
    serverUrl: 'http://127.0.0.1:1',
    tokenSource: 'embedded',
    changed,
    client: async () => current,
    explain: (error: unknown) => String(error)
  } as unknown as ICryoProtectConnection;
  const inserted: string[] = [];
  const panel = new PredictionPanel({
    connection,
    insertCode: code => inserted.push(code) > 0
  });
  Widget.attach(panel, document.body);
  const q = <T extends Element>(selector: string) => panel.node.querySelector<T>(selector)!;
  const switchTo = (next: CryoProtectClient) => {
    current = next;
    changed.emit();
  };
  return { panel, q, inserted, switchTo };
}

/** Glycerol predicted by the listed version, the assignees listed. */
async function predictGlycerol(panel: PredictionPanel, q: ReturnType<typeof openPanel>['q']) {
  expect(await panel.selectModel('tg-ridge')).toBe(true);
  panel.setSubject('OCC(O)CO');
  await waitFor(() => panel.prediction).then(() => panel.settled());
  await waitFor(() => q('.jp-cryoprotect-Predict-assignee').children.length > 2);
}

describe('prediction panel', () => {
  it('lists versions, predicts as you type, and requests verification in one click', async () => {
    const { calls, client } = await panelClient();
    const { panel, q, inserted } = openPanel(client);
    try {
      expect(await panel.selectModel('tg-ridge')).toBe(true);
      await waitFor(() => q('.jp-cryoprotect-Predict-facts'));
      expect(q('.jp-cryoprotect-Predict-facts').textContent).toContain('tg-ridge@3');
      expect(q('.jp-cryoprotect-Predict-real').textContent).toMatch(/No verified result yet/);

      panel.setSubject('C1CC');
      await waitFor(() => q('[data-field="subject"]').textContent);
      expect(panel.prediction).toBeNull();
      expect(q<HTMLButtonElement>('.jp-cryoprotect-Predict-request').disabled).toBe(true);

      panel.setSubject('OCC(O)CO');
      const row = await waitFor(() => panel.prediction).then(() => panel.settled());
      expect(q('[data-field="subject"]').textContent).toBe('');
      expect(q('.jp-cryoprotect-Predict-value').textContent).toMatch(/ K \(\d+ % interval /);
      expect(q('.jp-cryoprotect-Predict-compare').textContent).toContain('not registered');

      await waitFor(() => q('.jp-cryoprotect-Predict-assignee').children.length > 2);
      q<HTMLSelectElement>('.jp-cryoprotect-Predict-visibility').value = 'public';
      q<HTMLSelectElement>('.jp-cryoprotect-Predict-assignee').value = ASSIGNEE;
      q<HTMLTextAreaElement>('.jp-cryoprotect-Predict-planned').value = 'DSC';
      const due = q<HTMLInputElement>('.jp-cryoprotect-Predict-due');
      due.value = '2027-01-15';
      due.dispatchEvent(new Event('input'));
      q<HTMLButtonElement>('.jp-cryoprotect-Predict-request').click();
      await waitFor(() =>
        q('.jp-cryoprotect-Predict-outcome').getAttribute('data-verification-id')
      );
      expect(q('.jp-cryoprotect-Predict-outcome').textContent).toBe(
        `Stored prediction ${PREDICTION}; verification ${VERIFICATION} requested, assigned to bea, due 2027-01-15.`
      );
      expect(calls.map(c => c[0])).toEqual([
        'registerMolecule',
        'predictions.create',
        'verifications.request'
      ]);
      expect(calls[1][1].items[0].value).toBe(row!.prediction);
      expect(calls[2][1]).toMatchObject({ assigneeId: ASSIGNEE, dueOn: '2027-01-15' });

      q<HTMLButtonElement>('.jp-cryoprotect-Predict-insert').click();
      await waitFor(() => inserted.length);
      expect(inserted[0]).toContain('client.verifications.request');
    } finally {
      panel.dispose();
    }
  }, 120_000);

  it('stores a prediction whose request fields have a problem; only requesting waits for them', async () => {
    const { calls, client } = await panelClient();
    const { panel, q } = openPanel(client);
    try {
      await predictGlycerol(panel, q);
      const store = q<HTMLButtonElement>('.jp-cryoprotect-Predict-store');
      const request = q<HTMLButtonElement>('.jp-cryoprotect-Predict-request');
      const planned = q<HTMLTextAreaElement>('.jp-cryoprotect-Predict-planned');
      planned.value = 'x'.repeat(10_001);
      planned.dispatchEvent(new Event('input'));
      expect(q('[data-field="plannedExperiment"]').textContent).toBe('at most 10000 characters');
      expect(request.disabled).toBe(true);
      expect(store.disabled).toBe(false);
      store.click();
      await waitFor(() => q('.jp-cryoprotect-Predict-outcome').getAttribute('data-state') === 'ok');
      expect(calls.map(c => c[0])).toEqual(['registerMolecule', 'predictions.create']);

      // A project's sharing without the project stops both.
      const visibility = q<HTMLSelectElement>('.jp-cryoprotect-Predict-visibility');
      visibility.value = 'project';
      visibility.dispatchEvent(new Event('change'));
      expect(q('[data-field="project"]').textContent).toBe('choose the project that may see it');
      expect(store.disabled).toBe(true);
      expect(request.disabled).toBe(true);
    } finally {
      panel.dispose();
    }
  }, 120_000);

  it('does not reuse, nor show, the prediction stored with the previous token', async () => {
    const before = await panelClient();
    const { panel, q, switchTo } = openPanel(before.client);
    try {
      await predictGlycerol(panel, q);
      q<HTMLButtonElement>('.jp-cryoprotect-Predict-store').click();
      await waitFor(() => q('.jp-cryoprotect-Predict-outcome').getAttribute('data-state') === 'ok');
      expect(q('.jp-cryoprotect-Predict-outcome').textContent).toBe(
        `Stored prediction ${PREDICTION}.`
      );

      // Another user, whose models are not listed yet: the prediction shown stays.
      const after = await panelClient();
      Object.assign(after.client, {
        models: {
          list: async function* () {
            // Never answers (a generator still, for first()).
            await new Promise(() => undefined);
            yield* [];
          }
        }
      });
      switchTo(after.client);
      expect(q('.jp-cryoprotect-Predict-outcome').textContent).toBe('');
      q<HTMLButtonElement>('.jp-cryoprotect-Predict-request').click();
      await waitFor(() =>
        q('.jp-cryoprotect-Predict-outcome').getAttribute('data-verification-id')
      );
      expect(after.calls.map(c => c[0])).toEqual([
        'registerMolecule',
        'predictions.create',
        'verifications.request'
      ]);
    } finally {
      panel.dispose();
    }
  }, 120_000);

  it('names the property in words, marks only a prediction outside the domain, and stores it so', async () => {
    // At a domain threshold of 0.5, glycerol (novelty about 0.37) is inside, DMSO (0.63) outside.
    const { calls, client } = await panelClient({}, version => withDomainThreshold(version, 0.5));
    const { panel, q } = openPanel(client);
    try {
      expect(await panel.selectModel('tg-ridge')).toBe(true);
      await waitFor(() => q('.jp-cryoprotect-Predict-facts'));
      expect(q('.jp-cryoprotect-Predict-facts').textContent).toContain('glass transition in K');
      expect(q('.jp-cryoprotect-Predict-version option:checked').textContent).toContain(
        '· glass transition (K) ·'
      );

      panel.setSubject('OCC(O)CO');
      await waitFor(() => panel.prediction).then(() => panel.settled());
      const result = q<HTMLElement>('.jp-cryoprotect-Predict-result');
      expect(result.querySelector('.jp-cryoprotect-Label')!.textContent).toBe(
        'glass transition predicted by tg-ridge@3'
      );
      expect(panel.prediction!.inDomain).toBe(true);
      expect(result.dataset.inDomain).toBe('true');
      expect(result.querySelector('.jp-cryoprotect-DomainBadge')).toBeNull();
      expect(result.querySelector('.jp-cryoprotect-DomainNote')).toBeNull();
      // The raw key stays out of what is read (a tooltip keeps it for code).
      expect(panel.node.textContent).not.toContain('glass_transition');

      panel.setSubject('CS(C)=O');
      await waitFor(() => result.dataset.inDomain === 'false');
      const row = await panel.settled();
      expect(row!.inDomain).toBe(false);
      const badge = result.querySelector<HTMLElement>(
        '.jp-cryoprotect-Predict-value .jp-cryoprotect-DomainBadge'
      )!;
      expect(badge.textContent).toBe('⚠ outside the applicability domain');
      expect(badge.title).toMatch(
        /^Outside the applicability domain: farther from the model's training molecules than cross-validation ever tested it \(novelty 0\.6\d+, above 0\.50*, the 99th percentile/
      );
      expect(result.querySelector('.jp-cryoprotect-DomainNote')!.textContent).toBe(badge.title);
      expect(q<HTMLElement>('.jp-cryoprotect-Predict-value').dataset.value).toBe(
        String(row!.prediction)
      );

      q<HTMLButtonElement>('.jp-cryoprotect-Predict-store').click();
      await waitFor(() => q('.jp-cryoprotect-Predict-outcome').getAttribute('data-state') === 'ok');
      expect(calls[1][1].items[0]).toMatchObject({
        value: row!.prediction,
        novelty: row!.novelty,
        inDomain: false
      });
    } finally {
      panel.dispose();
    }
  }, 120_000);

  it('says why "Request verification" is disabled, in its tooltip and under the buttons', async () => {
    const { client } = await panelClient();
    const { panel, q } = openPanel(client);
    const request = q<HTMLButtonElement>('.jp-cryoprotect-Predict-request');
    const store = q<HTMLButtonElement>('.jp-cryoprotect-Predict-store');
    const hint = q('.jp-cryoprotect-Predict-actionHint');
    const what = 'Store the prediction and ask the lab to measure it, in one step';
    const says = (reason: string) => {
      expect(request.disabled).toBe(true);
      expect(request.title).toBe(`To request verification, ${reason}.`);
      expect(hint.textContent).toBe(`To request verification, ${reason}.`);
    };
    try {
      expect(request.getAttribute('aria-describedby')).toBe(hint.id);
      says('choose a model version first');
      expect(q<HTMLButtonElement>('.jp-cryoprotect-Predict-insert').title).toBe(
        'To insert the code, choose a model version first.'
      );

      expect(await panel.selectModel('tg-ridge')).toBe(true);
      await waitFor(() => q('.jp-cryoprotect-Predict-facts'));
      await panel.settled();
      says(
        'give a molecule to predict first: type a SMILES, draw it or drop one from the database'
      );

      panel.setSubject('C1CC');
      await waitFor(() => q('[data-field="subject"]').textContent);
      await panel.settled();
      says('correct the inputs marked above: nothing is predicted yet');

      // While it predicts, the tooltip says so; the line under the buttons does not flicker.
      panel.setSubject('OCC(O)CO');
      expect(request.disabled).toBe(true);
      expect(request.title).toBe('To request verification, wait for the prediction to finish.');
      expect(hint.textContent).toBe(
        'To request verification, correct the inputs marked above: nothing is predicted yet.'
      );
      await predictGlycerol(panel, q);
      expect(request.disabled).toBe(false);
      expect(request.title).toBe(what);
      expect(hint.textContent).toBe('');

      const planned = q<HTMLTextAreaElement>('.jp-cryoprotect-Predict-planned');
      planned.value = 'x'.repeat(10_001);
      planned.dispatchEvent(new Event('input'));
      says('correct the marked field: Planned experiment (at most 10000 characters)');
      // Storing does not need the request's fields: it stays available, with its own tooltip.
      expect(store.disabled).toBe(false);
      expect(store.title).toBe(
        'Keep this prediction (value, interval, level, novelty and applicability domain) on the CryoProtect server'
      );

      planned.value = 'DSC';
      planned.dispatchEvent(new Event('input'));
      expect(request.disabled).toBe(false);
      expect(request.title).toBe(what);
      expect(hint.textContent).toBe('');
    } finally {
      panel.dispose();
    }
  }, 120_000);

  it('drops a store still on its way when the token changes', async () => {
    const before = await panelClient();
    let answer!: () => void;
    const held = new Promise<void>(resolve => {
      answer = resolve;
    });
    const create = before.client.predictions.create.bind(before.client.predictions);
    Object.assign(before.client.predictions, {
      create: async (body: Json) => {
        await held;
        return create(body);
      }
    });
    const { panel, q, switchTo } = openPanel(before.client);
    try {
      await predictGlycerol(panel, q);
      q<HTMLButtonElement>('.jp-cryoprotect-Predict-store').click();
      await waitFor(() => before.calls.length === 1);
      const after = await panelClient();
      switchTo(after.client);
      answer();
      await waitFor(() => before.calls.length === 2);
      await waitFor(() => !q<HTMLButtonElement>('.jp-cryoprotect-Predict-request').disabled);
      expect(q('.jp-cryoprotect-Predict-outcome').textContent).toBe('');
      q<HTMLButtonElement>('.jp-cryoprotect-Predict-request').click();
      await waitFor(() =>
        q('.jp-cryoprotect-Predict-outcome').getAttribute('data-verification-id')
      );
      expect(after.calls.map(c => c[0])).toEqual([
        'registerMolecule',
        'predictions.create',
        'verifications.request'
      ]);
    } finally {
      panel.dispose();
    }
  }, 120_000);
});
