import { RenderMimeRegistry, standardRendererFactories } from '@jupyterlab/rendermime';
import { ServerConnection } from '@jupyterlab/services';
import { Widget } from '@lumino/widgets';
import type { MixtureRecord, Molecule } from '@cryoprotect/kernel';
import { loadKernel } from '../chemistry';
import { messageOfPath, saveFormMessages } from '../composer/save';
import { ComposerModel } from '../composer/model';
import { componentText, rowsOfRecord } from '../composer/records';
import { MixtureComposer } from '../composer/widget';
import { CryoProtectConnection } from '../connection';
import { createRendererFactories } from '../display/factories';
import { waitFor } from './display-harness';

// The composer's database parts against a fake CryoProtect server: the real typed client and the
// real connection (its explain), with fetch answering from a route table and recording requests.

const SERVER = 'http://127.0.0.1:8787';
const TOKEN = 'test-token-not-a-secret';
const OWNER = '00000000-0000-4000-8000-0000000000aa';
const PROJECT = '00000000-0000-4000-8000-0000000000bb';
const MIXTURE = '00000000-0000-4000-8000-0000000000cc';
const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

// Request bodies of the fake server are checked with toEqual, not through their types.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

interface ISent {
  method: string;
  path: string;
  body: Json;
  authorization: string | undefined;
}

type Route = (body: Json, url: URL) => [number, unknown];

/** fetch answering `METHOD /path` from routes (404 otherwise), recording every request. */
function fakeServer(routes: Record<string, Route>): { sent: ISent[]; fetch: jest.Mock } {
  const sent: ISent[] = [];
  const fetch = jest.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = new URL(String(input));
    const method = init.method ?? 'GET';
    const body = typeof init.body === 'string' ? JSON.parse(init.body) : undefined;
    const headers = (init.headers ?? {}) as Record<string, string>;
    sent.push({ method, path: url.pathname, body, authorization: headers.authorization });
    const route = routes[`${method} ${url.pathname}`];
    const [status, answer] = route
      ? route(body, url)
      : [404, problem(404, 'not-found', `${url.pathname} not found`)];
    return new Response(JSON.stringify(answer), {
      status,
      headers: { 'content-type': 'application/json' }
    });
  });
  return { sent, fetch };
}

function problem(
  status: number,
  type: string,
  detail: string,
  errors?: { path: string; message: string }[]
) {
  return { type, title: type, status, detail, ...(errors ? { errors } : {}) };
}

function molecule(n: number, name: string | null, smiles: string, inchikey: string): Molecule {
  return {
    id: id(n),
    inchikey,
    inchi: 'InChI=1S/fake',
    smiles,
    inputStructure: smiles,
    strippedFragments: [],
    name,
    synonyms: [],
    molarMass: 100,
    visibility: 'public',
    projectId: null,
    ownerId: OWNER,
    createdAt: '2026-12-07T00:00:00.000Z'
  };
}

/** The batch report of a registration: the first `fresh` rows new, the rest existing. */
function batchReport(body: { rows: { structure: string }[] }, fresh = 0) {
  return {
    dryRun: false,
    written: true,
    counts: { new: fresh, existing: body.rows.length - fresh, repeated: 0, invalid: 0 },
    rows: body.rows.map((row, i) => ({
      row: i,
      outcome: i < fresh ? 'new' : 'existing',
      inchikey: 'AAAAAAAAAAAAAA-BBBBBBBBBB-N',
      smiles: row.structure,
      moleculeId: id(100 + i),
      sameAsRow: null,
      error: null,
      nameOutcome: null
    }))
  };
}

function mixtureRecord(
  body: { name: string; description?: string; visibility?: string; projectId?: string },
  components: MixtureRecord['components']
): MixtureRecord {
  return {
    id: MIXTURE,
    name: body.name,
    description: body.description ?? '',
    visibility: (body.visibility ?? 'private') as MixtureRecord['visibility'],
    projectId: body.projectId ?? null,
    ownerId: OWNER,
    createdAt: '2026-12-07T00:00:00.000Z',
    components,
    composition: {
      temperatureKelvin: 293.15,
      components: components.map(c => ({
        moleculeId: c.moleculeId,
        name: c.name,
        massFraction: 0.1,
        moleFraction: 0.01,
        molality: 1,
        molarity: null
      })),
      water: { massFraction: 0.8, moleFraction: 0.9 },
      solutionDensity: null,
      notes: []
    }
  };
}

const PROJECTS: Route = () => [
  200,
  {
    items: [
      {
        id: PROJECT,
        name: 'Vitrification',
        description: '',
        isPublic: false,
        createdBy: OWNER,
        createdAt: '2026-12-07T00:00:00.000Z',
        myRole: 'editor'
      }
    ],
    nextCursor: null
  }
];

// The kernel as the extension loads it (RDKit.js and its WebAssembly: slow the first time).
let kernel: Awaited<ReturnType<typeof loadKernel>>;
beforeAll(async () => {
  kernel = await loadKernel();
}, 120_000);

describe('composer save (pure parts)', () => {
  it('files server error paths under the rows and inputs they name', () => {
    expect(messageOfPath('body.components[1].amount', 'too much')).toEqual({
      row: 1,
      field: 'amount',
      message: 'too much'
    });
    expect(messageOfPath('body.components[0].moleculeId', 'not visible')).toMatchObject({
      row: 0,
      field: 'component'
    });
    expect(messageOfPath('body.rows[2].structure', 'not a structure')).toMatchObject({
      row: 2,
      field: 'component'
    });
    expect(messageOfPath('body.components[3].unit', 'needs a density')).toMatchObject({
      row: 3,
      field: 'unit'
    });
    expect(messageOfPath('body.projectId', 'required')).toEqual({
      row: null,
      field: 'project',
      message: 'required'
    });
    expect(messageOfPath('body.name', 'too long')).toMatchObject({ row: null, field: 'name' });
    expect(messageOfPath('body.components', 'adds up to 120 %')).toEqual({
      row: null,
      field: 'mixture',
      message: 'adds up to 120 %'
    });
    expect(messageOfPath('query.limit', 'too big')).toEqual({
      row: null,
      field: 'mixture',
      message: 'query.limit: too big'
    });
  });

  it('asks for a name, and for a project when only a project may see it', () => {
    const form = { name: ' ', description: '', visibility: 'private' as const, projectId: '' };
    expect(saveFormMessages(form)).toEqual([
      { row: null, field: 'name', message: 'name the mixture to save it' }
    ]);
    expect(saveFormMessages({ ...form, name: 'x', visibility: 'project' })).toEqual([
      { row: null, field: 'project', message: 'choose the project that may see it' }
    ]);
    expect(saveFormMessages({ ...form, name: 'x'.repeat(501) })[0].message).toBe(
      'at most 500 characters'
    );
    expect(saveFormMessages({ ...form, name: 'VS55' })).toEqual([]);
  });

  it('names a database molecule by its reference name only when the structure is that reference', async () => {
    // DMSO's record under its synonym: the synonym the kernel knows is kept.
    expect(
      await componentText(kernel, {
        name: 'DMSO',
        smiles: 'CS(C)=O',
        inchikey: 'IAZDPXIOMUYVGZ-UHFFFAOYSA-N'
      })
    ).toBe('DMSO');
    // The reference structure under a name the kernel does not know: the reference's name.
    expect(await componentText(kernel, { name: 'Me-sulfoxide-lot-7', smiles: 'CS(C)=O' })).toBe(
      'dimethyl sulfoxide'
    );
    // Another structure registered as "glycerol": its SMILES, never the reference.
    expect(await componentText(kernel, { name: 'glycerol', smiles: 'CCCCO' })).toBe('CCCCO');
  });

  it('turns a saved record into rows: amounts as stored, roles only where they differ', async () => {
    const rows = await rowsOfRecord(
      kernel,
      mixtureRecord({ name: 'M' }, [
        {
          moleculeId: id(1),
          name: 'dimethyl sulfoxide',
          smiles: 'CS(C)=O',
          amount: 3.1,
          unit: 'mol/kg',
          role: 'penetrating'
        },
        {
          moleculeId: id(2),
          name: 'butanol',
          smiles: 'CCCCO',
          amount: 1e-7,
          unit: 'mole fraction',
          role: 'non-penetrating'
        }
      ])
    );
    expect(rows).toEqual([
      { component: 'dimethyl sulfoxide', amount: '3.1', unit: 'mol/kg', role: null },
      { component: 'CCCCO', amount: '1e-7', unit: 'mole fraction', role: 'non-penetrating' }
    ]);
    // What the rows say is what the kernel reads.
    expect(new ComposerModel(rows).localMessages()).toEqual([]);
  });
});

describe('composer widget with the database', () => {
  const realFetch = globalThis.fetch;
  afterEach(() => {
    globalThis.fetch = realFetch;
    document.body.querySelectorAll('.jp-Dialog').forEach(dialog => dialog.remove());
  });

  function composer(
    routes: Record<string, Route>,
    rows: ConstructorParameters<typeof ComposerModel>[0] = [
      { component: 'DMSO', amount: '3.1', unit: 'mol/kg' },
      { component: 'CCCCO', amount: '1', unit: 'mol/kg', role: 'non-penetrating' }
    ]
  ) {
    const server = fakeServer(routes);
    globalThis.fetch = server.fetch;
    const connection = new CryoProtectConnection({
      serverUrl: SERVER,
      token: TOKEN,
      baseUrl: 'http://localhost:8888/',
      embeddedPort: '',
      embeddedToken: '',
      jupyter: ServerConnection.makeSettings({ baseUrl: 'http://localhost:8888/' })
    });
    const inserted: string[] = [];
    const widget = new MixtureComposer({
      rendermime: new RenderMimeRegistry({
        initialFactories: [...standardRendererFactories, ...createRendererFactories()]
      }),
      insertCode: code => {
        inserted.push(code);
        return true;
      },
      connection,
      model: new ComposerModel(rows)
    });
    Widget.attach(widget, document.body);
    const q = <T extends Element = HTMLElement>(selector: string) =>
      widget.node.querySelector<T & Element>(selector)! as unknown as T;
    return { widget, server, inserted, q };
  }

  const type = (
    input: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement,
    value: string
  ) => {
    input.value = value;
    input.dispatchEvent(new Event(input instanceof HTMLSelectElement ? 'change' : 'input'));
  };

  it('registers the structures in one batch, then creates the mixture from their ids', async () => {
    const created: unknown[] = [];
    const { widget, server, inserted, q } = composer({
      'GET /api/projects': PROJECTS,
      'POST /api/molecules/batch': body => [201, batchReport(body, 1)],
      'POST /api/mixtures': body => {
        created.push(body);
        return [201, mixtureRecord(body, [])];
      }
    });
    const save = q<HTMLButtonElement>('.jp-cryoprotect-Composer-save');
    await widget.settled();
    expect(save.disabled).toBe(true);
    expect(q('.jp-cryoprotect-Composer-saveHints').textContent).toBe(
      'Name: name the mixture to save it'
    );
    type(q<HTMLInputElement>('.jp-cryoprotect-Composer-name'), ' DMSO with butanol ');
    type(q<HTMLTextAreaElement>('.jp-cryoprotect-Composer-description'), 'for the test');
    type(q<HTMLSelectElement>('.jp-cryoprotect-Composer-visibility'), 'project');
    await widget.settled();
    expect(save.disabled).toBe(true);
    expect(q('.jp-cryoprotect-Composer-saveHints').textContent).toBe(
      'Project: choose the project that may see it'
    );
    const project = q<HTMLSelectElement>('.jp-cryoprotect-Composer-project');
    await waitFor(() => project.options.length === 2);
    expect(project.options[1].textContent).toBe('Vitrification (editor)');
    type(project, PROJECT);
    expect(save.disabled).toBe(false);

    save.click();
    const status = q('.jp-cryoprotect-Composer-dbStatus');
    await waitFor(() => status.textContent!.startsWith('Saved'));
    expect(status.textContent).toBe(
      `Saved as mixture ${MIXTURE} (1 component newly registered as molecules).`
    );
    expect(server.sent.map(s => `${s.method} ${s.path}`)).toEqual([
      'GET /api/projects',
      'POST /api/molecules/batch',
      'POST /api/mixtures'
    ]);
    expect(server.sent.every(s => s.authorization === `Bearer ${TOKEN}`)).toBe(true);
    // Canonical SMILES; the reference's name goes with it, a typed SMILES is no name.
    expect(server.sent[1].body).toEqual({
      rows: [{ structure: 'CS(C)=O', name: 'dimethyl sulfoxide' }, { structure: 'CCCCO' }],
      visibility: 'project',
      projectId: PROJECT
    });
    expect(created).toEqual([
      {
        name: 'DMSO with butanol',
        description: 'for the test',
        visibility: 'project',
        projectId: PROJECT,
        components: [
          { amount: 3.1, unit: 'mol/kg', role: 'penetrating', moleculeId: id(100) },
          { amount: 1, unit: 'mol/kg', role: 'non-penetrating', moleculeId: id(101) }
        ]
      }
    ]);

    // The inserted code says which record it is, until the rows change.
    q<HTMLButtonElement>('.jp-cryoprotect-Composer-insert').click();
    await waitFor(() => inserted.length === 1);
    expect(inserted[0].split('\n')[0]).toBe(`// saved as mixture ${MIXTURE}`);
    expect(inserted[0]).not.toContain(TOKEN);
    type(q<HTMLInputElement>('.jp-cryoprotect-Composer-amount'), '3.2');
    q<HTMLButtonElement>('.jp-cryoprotect-Composer-insert').click();
    await waitFor(() => inserted.length === 2);
    expect(inserted[1]).not.toContain('saved as mixture');
    widget.dispose();
  });

  it("files the server's refusal under the row it names, says what stayed, and saves only after a change", async () => {
    const { widget, server, q } = composer({
      'POST /api/molecules/batch': body => [201, batchReport(body, 1)],
      'POST /api/mixtures': () => [
        422,
        problem(422, 'invalid-mixture', 'components[1].amount: too much', [
          { path: 'body.components[1].amount', message: 'mol/kg of butanol too high (test)' }
        ])
      ]
    });
    type(q<HTMLInputElement>('.jp-cryoprotect-Composer-name'), 'refused');
    await widget.settled();
    const save = q<HTMLButtonElement>('.jp-cryoprotect-Composer-save');
    save.click();
    const status = q('.jp-cryoprotect-Composer-dbStatus');
    await waitFor(() => status.textContent!.startsWith('Not saved'));
    expect(status.textContent).toBe(
      'Not saved: the server refused the marked entries. 1 new molecule record registered for it stays in the database (valid records; saving again reuses them).'
    );
    const slot = q('tr[data-row="1"] [data-field="amount"]');
    expect(slot.textContent).toBe('mol/kg of butanol too high (test)');
    expect(q('tr[data-row="1"] .jp-cryoprotect-Composer-amount').getAttribute('aria-invalid')).toBe(
      'true'
    );
    expect(save.disabled).toBe(true);
    const before = server.sent.length;
    save.click();
    await new Promise(resolve => setTimeout(resolve, 50));
    expect(server.sent.length).toBe(before);

    type(q<HTMLInputElement>('tr[data-row="1"] .jp-cryoprotect-Composer-amount'), '0.5');
    await widget.settled();
    expect(slot.textContent).toBe('');
    expect(save.disabled).toBe(false);
    widget.dispose();
  });

  it('a structure the batch refuses: its message on the component, nothing written', async () => {
    const { widget, server, q } = composer({
      'POST /api/molecules/batch': () => [
        422,
        problem(422, 'invalid-batch', '1 of 2 rows are invalid, so nothing was written', [
          {
            path: 'body.rows[1].structure',
            message:
              'LFQSCWFLJHTTHZ-UHFFFAOYSA-N is registered by someone else and not visible to you'
          }
        ])
      ]
    });
    type(q<HTMLInputElement>('.jp-cryoprotect-Composer-name'), 'hidden component');
    await widget.settled();
    q<HTMLButtonElement>('.jp-cryoprotect-Composer-save').click();
    const status = q('.jp-cryoprotect-Composer-dbStatus');
    await waitFor(() => status.textContent!.startsWith('Not saved'));
    expect(status.textContent).toBe(
      'Not saved: the server refused the marked entries. Nothing was written.'
    );
    expect(q('tr[data-row="1"] [data-field="component"]').textContent).toMatch(
      /registered by someone else/
    );
    expect(server.sent.map(s => s.path)).toEqual(['/api/molecules/batch']);
    widget.dispose();
  });

  it('sends nothing while an entry is wrong, the name is missing, or a check is pending', async () => {
    const { widget, server, q } = composer({});
    const save = q<HTMLButtonElement>('.jp-cryoprotect-Composer-save');
    await widget.settled();
    save.click();
    type(q<HTMLInputElement>('.jp-cryoprotect-Composer-name'), 'bad');
    type(q<HTMLInputElement>('.jp-cryoprotect-Composer-amount'), 'three');
    // Clicked before the entry is checked: Save waits for the check and then sends nothing.
    save.click();
    await widget.settled();
    await new Promise(resolve => setTimeout(resolve, 50));
    expect(save.disabled).toBe(true);
    expect(q('.jp-cryoprotect-Composer-saveHints').textContent).toBe(
      'fix the marked entries to save'
    );
    type(q<HTMLInputElement>('.jp-cryoprotect-Composer-amount'), '3');
    type(q<HTMLInputElement>('tr[data-row="1"] .jp-cryoprotect-Composer-component'), 'C1CC');
    await widget.settled();
    expect(q('tr[data-row="1"] [data-field="component"]').textContent).not.toBe('');
    save.click();
    await new Promise(resolve => setTimeout(resolve, 50));
    expect(server.sent).toEqual([]);
    widget.dispose();
  });

  it('explains a failure that is not about an entry: no server, a refused scope', async () => {
    const { widget, server, q } = composer({
      'POST /api/molecules/batch': () => [
        403,
        problem(403, 'forbidden', 'this token has the read scope; writing needs write')
      ]
    });
    type(q<HTMLInputElement>('.jp-cryoprotect-Composer-name'), 'x');
    await widget.settled();
    q<HTMLButtonElement>('.jp-cryoprotect-Composer-save').click();
    const status = q('.jp-cryoprotect-Composer-dbStatus');
    await waitFor(() => status.textContent!.startsWith('Not saved'));
    expect(status.textContent).toBe(
      'Not saved: Not allowed with this token: this token has the read scope; writing needs write'
    );
    expect(server.sent).toHaveLength(1);

    globalThis.fetch = jest.fn(async () => {
      throw new TypeError('Failed to fetch');
    });
    q<HTMLButtonElement>('.jp-cryoprotect-Composer-save').click();
    await waitFor(() => status.textContent!.includes('No CryoProtect server answers'));
    expect(status.textContent).toBe(
      `Not saved: No CryoProtect server answers at ${SERVER}/: start it with "npm start", or set its URL in Settings → CryoProtect.`
    );
    widget.dispose();
  });

  it('opens a saved mixture by id: rows, name, description and sharing filled', async () => {
    const record = mixtureRecord(
      { name: 'Opened', description: 'from the database', visibility: 'public' },
      [
        {
          moleculeId: id(1),
          name: 'glycerol',
          smiles: 'OCC(O)CO',
          amount: 40,
          unit: '% w/w',
          role: 'penetrating'
        },
        {
          moleculeId: id(2),
          name: 'ethylene glycol',
          smiles: 'OCCO',
          amount: 1,
          unit: 'mol/kg',
          role: 'other'
        }
      ]
    );
    const { widget, server, inserted, q } = composer(
      { [`GET /api/mixtures/${MIXTURE}`]: () => [200, record] },
      [{ component: '', amount: '' }]
    );
    expect(await widget.openSaved(MIXTURE)).toBe(true);
    expect(server.sent.map(s => `${s.method} ${s.path}`)).toEqual([`GET /api/mixtures/${MIXTURE}`]);
    const values = (selector: string) =>
      [...widget.node.querySelectorAll<HTMLInputElement | HTMLSelectElement>(selector)].map(
        input => input.value
      );
    expect(values('.jp-cryoprotect-Composer-component')).toEqual(['glycerol', 'ethylene glycol']);
    expect(values('.jp-cryoprotect-Composer-amount')).toEqual(['40', '1']);
    expect(values('.jp-cryoprotect-Composer-unit')).toEqual(['% w/w', 'mol/kg']);
    expect(values('.jp-cryoprotect-Composer-role')).toEqual(['', 'other']);
    expect(q<HTMLInputElement>('.jp-cryoprotect-Composer-name').value).toBe('Opened');
    expect(q<HTMLTextAreaElement>('.jp-cryoprotect-Composer-description').value).toBe(
      'from the database'
    );
    expect(q<HTMLSelectElement>('.jp-cryoprotect-Composer-visibility').value).toBe('public');
    expect(q('.jp-cryoprotect-Composer-dbStatus').textContent).toBe(`Opened mixture ${MIXTURE}.`);
    const evaluation = await widget.settled();
    expect(evaluation.messages).toEqual([]);
    q<HTMLButtonElement>('.jp-cryoprotect-Composer-insert').click();
    await waitFor(() => inserted.length === 1);
    expect(inserted[0]).toContain(`// saved as mixture ${MIXTURE}`);
    expect(inserted[0]).toContain(
      'parseMixtureText("glycerol: 40 % w/w; ethylene glycol: 1 mol/kg")'
    );
    expect(inserted[0]).toContain("mixture.components[1].role = 'other';");

    // A mixture that is not there: the server's answer in the status line, the rows kept.
    expect(await widget.openSaved(id(999))).toBe(false);
    expect(q('.jp-cryoprotect-Composer-dbStatus').textContent).toMatch(/not found/);
    expect(values('.jp-cryoprotect-Composer-component')).toEqual(['glycerol', 'ethylene glycol']);
    widget.dispose();
  });

  it('"Open saved…" and "Search…" dialogs search the server and fill the composer', async () => {
    const record = mixtureRecord({ name: 'Listed' }, [
      {
        moleculeId: id(1),
        name: 'dimethyl sulfoxide',
        smiles: 'CS(C)=O',
        amount: 10,
        unit: '% w/w',
        role: 'penetrating'
      }
    ]);
    const { widget, server, q } = composer(
      {
        'GET /api/mixtures': () => [200, { items: [record], nextCursor: null }],
        'GET /api/molecules': () => [
          200,
          {
            items: [
              molecule(7, 'glycerin lot 3', 'OCC(O)CO', 'PEDCQBHIVMGVHV-UHFFFAOYSA-N'),
              molecule(8, 'butanol', 'CCCCO', 'LRHPLDYGYMQRHN-UHFFFAOYSA-N')
            ],
            nextCursor: null
          }
        ]
      },
      [{ component: 'butan', amount: '1', unit: 'mol/kg' }]
    );
    const accept = async (label: string) => {
      const find = () =>
        [...document.querySelectorAll<HTMLElement>('.jp-cryoprotect-Picker-item')].find(node =>
          node.textContent!.startsWith(label)
        );
      await waitFor(find);
      find()!.click();
      document.querySelector<HTMLButtonElement>('.jp-Dialog-button.jp-mod-accept')!.click();
    };

    q<HTMLButtonElement>('.jp-cryoprotect-Composer-search').click();
    await accept('butanol');
    const component = () => q<HTMLInputElement>('.jp-cryoprotect-Composer-component').value;
    await waitFor(() => component() === 'CCCCO');
    const search = server.sent.find(s => s.path === '/api/molecules')!;
    expect(search.method).toBe('GET');
    // The dialog starts from what the row says.
    expect(server.fetch.mock.calls.map(c => String(c[0]))).toContain(
      `${SERVER}/api/molecules?q=butan&limit=30`
    );

    q<HTMLButtonElement>('.jp-cryoprotect-Composer-search').click();
    await accept('glycerin lot 3');
    await waitFor(() => component() === 'glycerol');

    q<HTMLButtonElement>('.jp-cryoprotect-Composer-open').click();
    await accept('Listed');
    await waitFor(() => component() === 'dimethyl sulfoxide');
    expect(q<HTMLInputElement>('.jp-cryoprotect-Composer-name').value).toBe('Listed');
    widget.dispose();
  });
});
