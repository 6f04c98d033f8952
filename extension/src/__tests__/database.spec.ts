import { RenderMimeRegistry, standardRendererFactories } from '@jupyterlab/rendermime';
import { ServerConnection } from '@jupyterlab/services';
import { Widget } from '@lumino/widgets';
import { CryoProtectConnection } from '../connection';
import { explainFailure } from '../database/explain';
import {
  buildRequest,
  DEFAULT_QUERY,
  fetchPage,
  moleculesCode,
  pageSummary,
  Paging,
  recordCode,
  RECORD_KINDS,
  type DatabaseRecord,
  type IDatabaseQuery
} from '../database/model';
import { RecordView } from '../database/record-view';
import { DatabaseBrowser } from '../database/widget';
import { createRendererFactories } from '../display/factories';
import { waitFor } from './display-harness';

const SERVER = 'http://127.0.0.1:8787';
const ID = '11111111-2222-4333-8444-555555555555';
const OWNED = {
  visibility: 'private' as const,
  projectId: null,
  ownerId: '00000000-0000-4000-8000-000000000001',
  createdAt: '2026-12-07T00:00:00.000Z'
};
const PROJECT = '99999999-0000-4000-8000-000000000000';

function reference(n: number, extra: object = {}) {
  return {
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    key: null,
    citation: `Reference ${n}`,
    doi: null,
    url: null,
    licence: null,
    ...OWNED,
    ...extra
  };
}

function glycerol(extra: object = {}) {
  return {
    id: ID,
    inchikey: 'PEDCQBHIVMGVHV-UHFFFAOYSA-N',
    inchi: 'InChI=1S/C3H8O3/c4-1-3(6)2-5/h3-6H,1-2H2',
    smiles: 'OCC(O)CO',
    inputStructure: 'OCC(O)CO',
    strippedFragments: [],
    name: 'glycerol',
    synonyms: [],
    molarMass: 92.094,
    ...OWNED,
    ...extra
  };
}

const problem = (status: number, detail: string, errors?: object[]) => ({
  type: `https://cryoprotect.org/problems/${status === 422 ? 'validation' : 'forbidden'}`,
  title: status === 422 ? 'Invalid request' : status === 401 ? 'Unauthorized' : 'Forbidden',
  status,
  detail,
  ...(errors ? { errors } : {})
});

/** A fetch answering each URL by the first route whose pattern it matches, recording the URLs. */
function fakeFetch(routes: [RegExp, number, unknown][]): { fetch: jest.Mock; urls: string[] } {
  const urls: string[] = [];
  const fetch = jest.fn(async (input: RequestInfo | URL) => {
    const url = String(input instanceof Request ? input.url : input);
    urls.push(url.replace(SERVER, ''));
    const route = routes.find(([pattern]) => pattern.test(url));
    if (!route) {
      throw new TypeError('Failed to fetch');
    }
    return new Response(JSON.stringify(route[2]), {
      status: route[1],
      headers: { 'content-type': 'application/json' }
    });
  });
  return { fetch, urls };
}

/** The extension's connection to SERVER (not the Jupyter origin, so requests use plain fetch). */
function connection(token = 'tok'): CryoProtectConnection {
  return new CryoProtectConnection({
    serverUrl: SERVER,
    token,
    baseUrl: 'http://localhost:8888/',
    embeddedPort: '',
    embeddedToken: '',
    jupyter: ServerConnection.makeSettings({ baseUrl: 'http://localhost:8888/' })
  });
}

const query = (changes: Partial<IDatabaseQuery>): IDatabaseQuery => ({
  ...DEFAULT_QUERY,
  ...changes
});

describe('database browser model', () => {
  it('builds the request of each mode, and names the input of each problem', () => {
    expect(buildRequest(query({ kind: 'references', text: ' fahy ' })).request).toEqual({
      kind: 'references',
      call: 'list',
      q: 'fahy'
    });
    expect(buildRequest(query({ text: '' })).request).toEqual({
      kind: 'molecules',
      call: 'list',
      q: undefined
    });
    expect(buildRequest(query({ mode: 'substructure', text: '[OX2H]' })).request).toEqual({
      kind: 'molecules',
      call: 'substructure',
      smarts: '[OX2H]'
    });
    expect(
      buildRequest(query({ mode: 'similar', text: 'OCCO', minSimilarity: '0.5', topK: '7' }))
        .request
    ).toEqual({
      kind: 'molecules',
      call: 'similar',
      structure: 'OCCO',
      k: 7,
      minSimilarity: 0.5
    });
    expect(buildRequest(query({ mode: 'substructure', text: ' ' })).problems).toEqual([
      { field: 'text', message: 'give a SMARTS pattern, e.g. [OX2H] for hydroxyls' }
    ]);
    expect(
      buildRequest(query({ mode: 'similar', text: '', minSimilarity: '1.5', topK: '2.5' })).problems
    ).toEqual([
      { field: 'text', message: 'give a structure (SMILES or InChI) to compare with' },
      {
        field: 'minSimilarity',
        message: 'minimum similarity must be a number from 0 to 1 (got "1.5")'
      },
      { field: 'topK', message: 'top k must be a whole number from 1 to 200 (got "2.5")' }
    ]);
    expect(buildRequest(query({ kind: 'predictions', text: 'tg-model' })).problems[0].field).toBe(
      'text'
    );
    expect(buildRequest(query({ kind: 'predictions', text: ID })).request).toEqual({
      kind: 'predictions',
      call: 'list',
      q: ID
    });
  });

  it('pages forward by the server cursor and back to exactly the page seen', () => {
    const paging = new Paging();
    expect([paging.cursor, paging.pageNumber, paging.hasPrevious, paging.hasNext]).toEqual([
      null,
      1,
      false,
      false
    ]);
    paging.loaded('c2');
    expect(paging.hasNext).toBe(true);
    expect(paging.next()).toBe('c2');
    paging.loaded('c3');
    expect(paging.next()).toBe('c3');
    paging.loaded(null);
    expect([paging.pageNumber, paging.hasNext, paging.next()]).toEqual([3, false, null]);
    expect(paging.previous()).toBe(true);
    expect([paging.cursor, paging.hasNext]).toEqual(['c2', true]);
    expect(paging.previous()).toBe(true);
    expect(paging.previous()).toBe(false);
    expect(paging.cursor).toBeNull();
    paging.loaded('c2');
    paging.next();
    paging.reset();
    expect([paging.cursor, paging.pageNumber, paging.hasNext]).toEqual([null, 1, false]);
  });

  it('asks the server for a page with the cursor, and fills a filtered page from several', async () => {
    const { fetch, urls } = fakeFetch([
      [
        /cursor=b/,
        200,
        { items: [reference(3, { visibility: 'project', projectId: PROJECT })], nextCursor: null }
      ],
      [/cursor=a/, 200, { items: [reference(2)], nextCursor: 'b' }],
      [
        /references/,
        200,
        { items: [reference(1, { visibility: 'project', projectId: PROJECT })], nextCursor: 'a' }
      ]
    ]);
    globalThis.fetch = fetch;
    const client = await connection().client();
    const request = buildRequest(query({ kind: 'references', text: 'ref' })).request!;

    const first = await fetchPage(client, request, null, { project: '', visibility: '' }, 1);
    expect(first.records.map(r => r.id)).toEqual([reference(1).id]);
    expect(first.nextCursor).toBe('a');
    expect(urls).toEqual(['/api/references?q=ref&limit=1']);

    urls.length = 0;
    const filtered = await fetchPage(
      client,
      request,
      'a',
      { project: PROJECT, visibility: 'project' },
      1
    );
    expect(filtered.records.map(r => r.id)).toEqual([reference(3).id]);
    expect([filtered.scanned, filtered.nextCursor]).toEqual([2, null]);
    expect(urls).toEqual([
      '/api/references?q=ref&limit=1&cursor=a',
      '/api/references?q=ref&limit=1&cursor=b'
    ]);
    expect(pageSummary(filtered, { project: PROJECT, visibility: 'project' }, 2)).toBe(
      'Page 2: 1 reference (kept by the filters of 2 read).'
    );
    expect(
      pageSummary(
        { ...filtered, records: [], nextCursor: 'c' },
        { project: PROJECT, visibility: '' },
        3
      )
    ).toBe(
      'No visible reference matches "ref" with these filters in the 2 read so far; Next reads on.'
    );
    const none = { ...filtered, records: [] };
    expect(pageSummary(none, { project: '', visibility: '' }, 1)).toBe(
      'No visible reference matches "ref".'
    );
  });

  it('runs structure searches through the kernel client', async () => {
    const { fetch, urls } = fakeFetch([
      [
        /search\/similar/,
        200,
        {
          items: [{ molecule: glycerol(), similarity: 1 }],
          nextCursor: null,
          fingerprint: 'Morgan r=2, 2048 bits',
          engine: 'in-process'
        }
      ],
      [
        /search\/substructure/,
        200,
        { items: [glycerol()], nextCursor: 'n', truncated: false, engine: 'in-process' }
      ]
    ]);
    globalThis.fetch = fetch;
    const client = await connection().client();
    const sub = await fetchPage(
      client,
      buildRequest(query({ mode: 'substructure', text: '[OX2H]' })).request!,
      null,
      { project: '', visibility: '' }
    );
    expect(sub.records.map(r => r.id)).toEqual([ID]);
    expect(sub.nextCursor).toBe('n');
    const similar = await fetchPage(
      client,
      buildRequest(query({ mode: 'similar', text: 'OCCO', minSimilarity: '0.2', topK: '5' }))
        .request!,
      null,
      { project: '', visibility: 'public' }
    );
    expect(similar.records).toEqual([]);
    expect(similar.scanned).toBe(1);
    expect(urls).toEqual([
      '/api/molecules/search/substructure?smarts=%5BOX2H%5D&limit=50',
      '/api/molecules/search/similar?structure=OCCO&k=5&minSimilarity=0.2'
    ]);
  });

  it('writes the cell that loads each kind of record through the kernel client', () => {
    const calls: Record<string, string> = {
      molecules: `await client.getMolecule("${ID}")`,
      mixtures: `await client.mixtures.get("${ID}")`,
      references: `await client.references.get("${ID}")`,
      datasets: `await client.datasets.get("${ID}")`,
      models: `await client.models.get("${ID}")`,
      predictions: `await client.predictions.get("${ID}")`
    };
    for (const kind of RECORD_KINDS) {
      const code = recordCode(kind, { id: ID, snapshots: [] } as unknown as DatabaseRecord);
      expect(code).toContain(
        "import { clientFromEnvironment, tslabDisplay } from '@cryoprotect/kernel/node';"
      );
      expect(code).toContain('const client = clientFromEnvironment();');
      expect(code).toContain(calls[kind]);
    }
    expect(recordCode('molecules', glycerol() as DatabaseRecord)).toBe(
      [
        "import { moleculeDisplay } from '@cryoprotect/kernel';",
        "import { clientFromEnvironment, tslabDisplay } from '@cryoprotect/kernel/node';",
        '',
        'const client = clientFromEnvironment();',
        `const molecule = await client.getMolecule("${ID}");`,
        'await tslabDisplay(await moleculeDisplay(molecule));'
      ].join('\n')
    );
    expect(recordCode('mixtures', { id: ID } as DatabaseRecord)).toContain(
      'await tslabDisplay(await mixtureDisplay(mixture));'
    );
    expect(recordCode('models', { id: ID, artifact: { format: 'x' } } as DatabaseRecord)).toContain(
      'modelReportDisplay(savedModelFromVersion(model))'
    );
    expect(recordCode('models', { id: ID, artifact: null } as DatabaseRecord)).not.toContain(
      'savedModelFromVersion'
    );
    // An id is a string literal, never code.
    expect(recordCode('references', { id: 'x"); evil("' } as DatabaseRecord)).toContain(
      'client.references.get("x\\"); evil(\\"")'
    );
    expect(moleculesCode([ID, 'b'])).toContain(`const ids = ["${ID}","b"];`);
    expect(moleculesCode([ID])).toBe(recordCode('molecules', glycerol() as DatabaseRecord));
  });
});

describe('database browser errors', () => {
  const realFetch = globalThis.fetch;
  afterEach(() => {
    globalThis.fetch = realFetch;
  });

  async function failure(routes: [RegExp, number, unknown][], token = 'tok'): Promise<string> {
    globalThis.fetch = fakeFetch(routes).fetch;
    const conn = connection(token);
    const request = buildRequest(query({ mode: 'substructure', text: '[C' })).request!;
    try {
      await fetchPage(await conn.client(), request, null, { project: '', visibility: '' });
    } catch (error) {
      return explainFailure(conn, error);
    }
    throw new Error('the page did not fail');
  }

  it('says when no server answers', async () => {
    await expect(failure([])).resolves.toBe(
      `No CryoProtect server answers at ${SERVER}/: start it with "npm start", or set its URL in Settings → CryoProtect.`
    );
  });

  it('says to sign in on 401 without a token, and that the token was refused with one', async () => {
    const unauthorized: [RegExp, number, unknown][] = [[/./, 401, problem(401, 'unknown token')]];
    await expect(failure(unauthorized, '')).resolves.toBe(
      `The server at ${SERVER}/ needs you to sign in (CryoProtect menu → Sign In).`
    );
    await expect(failure(unauthorized)).resolves.toBe(
      `The server at ${SERVER}/ refused the token (unknown token); sign in again.`
    );
  });

  it('names the missing scope on 403', async () => {
    await expect(
      failure([[/./, 403, problem(403, 'this token lacks the read scope')]])
    ).resolves.toBe('Not allowed with this token: this token lacks the read scope');
  });

  it("names the field of a bad SMARTS with the server's message", async () => {
    const text = await failure([
      [
        /./,
        422,
        problem(422, 'the query is invalid', [
          { path: 'querystring.smarts', message: 'not a valid SMARTS: [C' }
        ])
      ]
    ]);
    expect(text).toBe('Invalid request: the query is invalid (smarts: not a valid SMARTS: [C)');
  });
});

describe('database browser panel', () => {
  const realFetch = globalThis.fetch;
  afterEach(() => {
    globalThis.fetch = realFetch;
  });

  function panel(insertCode = jest.fn(() => 'No notebook is open'), conn = connection()) {
    const rendermime = new RenderMimeRegistry({
      initialFactories: [...standardRendererFactories, ...createRendererFactories()]
    });
    const opened: string[] = [];
    const browser = new DatabaseBrowser({
      connection: conn,
      rendermime,
      insertCode,
      open: (kind, record) => opened.push(`${kind}:${record.id}`)
    });
    Widget.attach(browser, document.body);
    return { browser, opened, insertCode };
  }

  it('lists references, runs a search on Enter, opens and inserts a record', async () => {
    const { fetch, urls } = fakeFetch([
      [/projects/, 200, { items: [], nextCursor: null }],
      [/references\?q=two/, 200, { items: [reference(2)], nextCursor: null }],
      [/references/, 200, { items: [reference(1), reference(2)], nextCursor: 'next' }],
      [/molecules/, 200, { items: [], nextCursor: null }]
    ]);
    globalThis.fetch = fetch;
    const { browser, opened, insertCode } = panel();
    await waitFor(() => browser.statusText === 'No visible molecules.');

    const kind = browser.node.querySelector<HTMLSelectElement>('.jp-cryoprotect-Database-kind')!;
    kind.value = 'references';
    kind.dispatchEvent(new Event('change'));
    await waitFor(() => browser.statusText.startsWith('Page 1'));
    expect(browser.statusText).toBe('Page 1: 2 references; more on the next page.');
    // Molecule search modes belong to molecules only; the field says what it searches.
    expect(
      browser.node.querySelector<HTMLElement>('.jp-cryoprotect-Database-mode')!.parentElement!
        .hidden
    ).toBe(true);
    expect(
      browser.node.querySelector<HTMLInputElement>('.jp-cryoprotect-Database-text')!.placeholder
    ).toBe('text in the citation or DOI');
    const items = browser.node.querySelectorAll('.jp-cryoprotect-Database-item');
    expect(
      Array.from(items).map(i => i.querySelector('.jp-cryoprotect-Database-itemTitle')!.textContent)
    ).toEqual(['Reference 1', 'Reference 2']);
    expect(items[0].getAttribute('draggable')).toBe('true');
    expect(
      browser.node.querySelector<HTMLButtonElement>('.jp-cryoprotect-Database-next')!.disabled
    ).toBe(false);

    const buttons = items[1].querySelectorAll('button');
    buttons[0].click();
    expect(opened).toEqual([`references:${reference(2).id}`]);
    buttons[1].click();
    expect(insertCode).toHaveBeenCalledWith(
      expect.stringContaining(`client.references.get("${reference(2).id}")`)
    );
    expect(browser.statusText).toBe('No notebook is open');

    const text = browser.node.querySelector<HTMLInputElement>('.jp-cryoprotect-Database-text')!;
    text.value = 'two';
    text.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter' }));
    await waitFor(() => browser.statusText === 'Page 1: 1 reference.');
    expect(urls).toContain('/api/references?q=two&limit=50');
    browser.dispose();
  });

  it('shows a problem beside the input and sends nothing', async () => {
    const { fetch, urls } = fakeFetch([[/./, 200, { items: [], nextCursor: null }]]);
    globalThis.fetch = fetch;
    const { browser } = panel();
    await waitFor(() => browser.statusText === 'No visible molecules.');
    const mode = browser.node.querySelector<HTMLSelectElement>('.jp-cryoprotect-Database-mode')!;
    mode.value = 'similar';
    mode.dispatchEvent(new Event('change'));
    const topK = browser.node.querySelector<HTMLInputElement>('.jp-cryoprotect-Database-topK')!;
    topK.value = '0';
    const sent = urls.length;
    browser.node.querySelector<HTMLButtonElement>('.jp-cryoprotect-Database-search')!.click();
    await waitFor(() => browser.statusText === 'Correct the search to run it.');
    const messages = browser.node.querySelectorAll('.jp-cryoprotect-Database-message');
    expect(Array.from(messages).map(m => m.getAttribute('data-field'))).toEqual(['text', 'topK']);
    expect(topK.getAttribute('aria-invalid')).toBe('true');
    expect(urls.length).toBe(sent);
    browser.dispose();
  });

  it('searches again when the server or the token changes', async () => {
    globalThis.fetch = fakeFetch([[/./, 200, { items: [], nextCursor: null }]]).fetch;
    const conn = connection();
    const { browser } = panel(undefined, conn);
    await waitFor(() => browser.statusText === 'No visible molecules.');
    globalThis.fetch = fakeFetch([
      [/./, 403, problem(403, 'this token lacks the read scope')]
    ]).fetch;
    conn.update({ token: 'another' });
    await waitFor(() => browser.statusText.startsWith('Not allowed'));
    expect(browser.statusText).toBe('Not allowed with this token: this token lacks the read scope');
    browser.dispose();
  });

  it('says why the server cannot be reached, in the status line', async () => {
    globalThis.fetch = fakeFetch([]).fetch;
    const { browser } = panel();
    await waitFor(() => browser.statusText.startsWith('No CryoProtect server answers'));
    expect(
      browser.node.querySelector('.jp-cryoprotect-Database-status')!.getAttribute('data-state')
    ).toBe('error');
    browser.dispose();
  });
});

describe('a record opened in the main area', () => {
  const rendermime = () =>
    new RenderMimeRegistry({
      initialFactories: [...standardRendererFactories, ...createRendererFactories()]
    });

  it('shows every field of a reference, its code, and inserts it', async () => {
    const insertCode = jest.fn(
      () => 'Code inserted below the active cell of a.ipynb; run it there.'
    );
    const record = reference(7, { doi: '10.1000/x' }) as DatabaseRecord;
    const view = new RecordView({
      kind: 'references',
      record,
      rendermime: rendermime(),
      insertCode
    });
    Widget.attach(view, document.body);
    await view.drawn;
    const facts = Array.from(view.node.querySelectorAll('.jp-cryoprotect-Facts tr')).map(
      row => row.textContent
    );
    expect(facts).toContain('citationReference 7');
    expect(facts).toContain('doi10.1000/x');
    expect(facts).toContain('url—');
    expect(view.node.querySelector('.jp-cryoprotect-RecordView-code')!.textContent).toBe(
      recordCode('references', record)
    );
    view.node.querySelector<HTMLButtonElement>('.jp-mod-accept')!.click();
    expect(insertCode).toHaveBeenCalledWith(recordCode('references', record));
    expect(view.node.querySelector('.jp-cryoprotect-RecordView-status')!.textContent).toBe(
      'Code inserted below the active cell of a.ipynb; run it there.'
    );
    expect(view.title.label).toBe('Reference 7');
    view.dispose();
  });

  it('draws a molecule with the molecule renderer', async () => {
    const view = new RecordView({
      kind: 'molecules',
      record: glycerol() as DatabaseRecord,
      rendermime: rendermime(),
      insertCode: () => ''
    });
    Widget.attach(view, document.body);
    await view.drawn;
    expect(view.node.querySelector('.jp-cryoprotect-RecordView-error')).toBeNull();
    const output = view.node.querySelector('.jp-cryoprotect-Output-molecule');
    expect(output).not.toBeNull();
    expect(output!.querySelector('.jp-cryoprotect-Title')!.textContent).toBe('glycerol');
    view.dispose();
  }, 60_000);
});
