import type {
  CryoProtectClient,
  Dataset,
  MixtureRecord,
  ModelVersion,
  Molecule,
  Prediction,
  Reference,
  SimilarityHits,
  SubstructureHits
} from '@cryoprotect/kernel';
import { numberFromField } from '../number-field';

/** What the database browser lists. */
export const RECORD_KINDS = [
  'molecules',
  'mixtures',
  'references',
  'datasets',
  'models',
  'predictions'
] as const;
export type RecordKind = (typeof RECORD_KINDS)[number];

export const KIND_LABELS: Record<RecordKind, string> = {
  molecules: 'Molecules',
  mixtures: 'Mixtures',
  references: 'References',
  datasets: 'Datasets',
  models: 'Models',
  predictions: 'Predictions'
};

/** How molecules are searched: text in name/synonym/InChIKey, a SMARTS, or similarity to a structure. */
export type MoleculeMode = 'text' | 'substructure' | 'similar';

export const VISIBILITIES = ['private', 'project', 'public'] as const;
export type Visibility = (typeof VISIBILITIES)[number];

/** The panel's inputs, as typed (numbers are still text: the model judges them). */
export interface IDatabaseQuery {
  kind: RecordKind;
  mode: MoleculeMode;
  /** Text search, SMARTS pattern or query structure, by mode. */
  text: string;
  /** Similarity mode: lowest Tanimoto similarity, 0 to 1. */
  minSimilarity: string;
  /** Similarity mode: how many hits, 1 to 200. */
  topK: string;
  /** A project id, or '' for any. */
  project: string;
  /** A visibility, or '' for any. */
  visibility: Visibility | '';
}

export const DEFAULT_QUERY: IDatabaseQuery = {
  kind: 'molecules',
  mode: 'text',
  text: '',
  minSimilarity: '0.3',
  topK: '20',
  project: '',
  visibility: ''
};

/** A problem with an input, named by the field the panel shows it under. */
export interface IFieldProblem {
  field: 'text' | 'minSimilarity' | 'topK';
  message: string;
}

/** One request the server can answer, built from valid inputs. */
export type DatabaseRequest =
  | { kind: RecordKind; call: 'list'; q: string | undefined }
  | { kind: 'molecules'; call: 'substructure'; smarts: string }
  | { kind: 'molecules'; call: 'similar'; structure: string; k: number; minSimilarity: number };

/** Records a page shows per request: the server caps listings at 200. */
export const PAGE_SIZE = 50;

/**
 * The request for the inputs, or the problems that keep it from being sent (each naming the input
 * and the reason). The structure inputs are judged by the server, which names what is wrong.
 */
export function buildRequest(
  query: IDatabaseQuery
): { request: DatabaseRequest; problems: [] } | { request: null; problems: IFieldProblem[] } {
  const text = query.text.trim();
  if (query.kind === 'predictions' && text !== '' && !Private.UUID.test(text)) {
    return {
      request: null,
      problems: [
        {
          field: 'text',
          message: `predictions are found by the id of their model version (a UUID from the Models list), not "${text}"`
        }
      ]
    };
  }
  if (query.kind !== 'molecules' || query.mode === 'text') {
    return { request: { kind: query.kind, call: 'list', q: text || undefined }, problems: [] };
  }
  if (query.mode === 'substructure') {
    return text
      ? { request: { kind: 'molecules', call: 'substructure', smarts: text }, problems: [] }
      : {
          request: null,
          problems: [{ field: 'text', message: 'give a SMARTS pattern, e.g. [OX2H] for hydroxyls' }]
        };
  }
  const problems: IFieldProblem[] = [];
  if (!text) {
    problems.push({ field: 'text', message: 'give a structure (SMILES or InChI) to compare with' });
  }
  const minSimilarity = numberFromField(query.minSimilarity);
  if (minSimilarity === null || minSimilarity < 0 || minSimilarity > 1) {
    problems.push({
      field: 'minSimilarity',
      message: `minimum similarity must be a number from 0 to 1 (got "${query.minSimilarity.trim()}")`
    });
  }
  const k = numberFromField(query.topK);
  if (k === null || !Number.isInteger(k) || k < 1 || k > 200) {
    problems.push({
      field: 'topK',
      message: `top k must be a whole number from 1 to 200 (got "${query.topK.trim()}")`
    });
  }
  if (problems.length > 0) {
    return { request: null, problems };
  }
  return {
    request: {
      kind: 'molecules',
      call: 'similar',
      structure: text,
      k: k!,
      minSimilarity: minSimilarity!
    },
    problems: []
  };
}

/** Any record the browser lists. */
export type DatabaseRecord =
  Molecule | MixtureRecord | Reference | Dataset | ModelVersion | Prediction;

/** What a page holds: the records kept by the filters, and how the server's answer looked. */
export interface IDatabasePage {
  request: DatabaseRequest;
  records: DatabaseRecord[];
  /** Pass back to get the page after this one; null on the last page. */
  nextCursor: string | null;
  /** Records the server sent before the project and visibility filters. */
  scanned: number;
  /** Similarity scores of similarity hits, in record order. */
  similarity?: number[];
  /** The server's answer to a structure search, for the molecule grid's display builders. */
  hits?: { substructure: SubstructureHits } | { similar: SimilarityHits };
}

/** Only records of this project and visibility ('' is any). */
export interface IRecordFilter {
  project: string;
  visibility: Visibility | '';
}

/** Server pages read at most to fill one filtered page, so a filter matching nothing ends soon. */
export const MAX_SCANNED_PAGES = 5;

/**
 * One page of records. The server's listings filter by text only, so the project and visibility
 * filters keep the matching records of the server's pages, reading further pages (up to
 * MAX_SCANNED_PAGES) until the page is full or the listing ends; nextCursor continues after the
 * last page read.
 */
export async function fetchPage(
  client: CryoProtectClient,
  request: DatabaseRequest,
  cursor: string | null,
  filter: IRecordFilter,
  pageSize = PAGE_SIZE
): Promise<IDatabasePage> {
  if (request.call === 'similar') {
    const hits = await client.moleculeSearch.similar(request.structure, {
      k: request.k,
      minSimilarity: request.minSimilarity
    });
    const kept = hits.items.filter(hit => matches(hit.molecule, filter));
    return {
      request,
      records: kept.map(hit => hit.molecule),
      similarity: kept.map(hit => hit.similarity),
      nextCursor: null,
      scanned: hits.items.length,
      hits: { similar: { ...hits, items: kept } }
    };
  }
  const records: DatabaseRecord[] = [];
  let scanned = 0;
  let next: string | null = cursor;
  let last: SubstructureHits | undefined;
  // Unfiltered, a server page is the page; filtered, further pages fill it.
  const reads = filter.project === '' && filter.visibility === '' ? 1 : MAX_SCANNED_PAGES;
  for (let read = 0; read < reads; read++) {
    const page = await Private.serverPage(client, request, next, pageSize);
    if (request.call === 'substructure') {
      last = page as SubstructureHits;
    }
    scanned += page.items.length;
    records.push(...page.items.filter(record => matches(record, filter)));
    next = page.nextCursor;
    if (next === null || records.length >= pageSize) {
      break;
    }
  }
  return {
    request,
    records,
    nextCursor: next,
    scanned,
    ...(last
      ? { hits: { substructure: { ...last, items: records as Molecule[], nextCursor: next } } }
      : {})
  };
}

/** True when the record passes the project and visibility filters. */
export function matches(record: DatabaseRecord, filter: IRecordFilter): boolean {
  return (
    (filter.visibility === '' || record.visibility === filter.visibility) &&
    (filter.project === '' || record.projectId === filter.project)
  );
}

/**
 * Where the browser is in a listing: the cursor that opened each page seen so far, so Previous
 * goes back exactly and Next continues from the server's cursor.
 */
export class Paging {
  /** The cursor that opened the current page (null for the first). */
  get cursor(): string | null {
    return this.starts[this.index];
  }

  /** 1 for the first page. */
  get pageNumber(): number {
    return this.index + 1;
  }

  get hasPrevious(): boolean {
    return this.index > 0;
  }

  get hasNext(): boolean {
    return this.nextCursor !== null;
  }

  /** Back to the first page of a new search. */
  reset(): void {
    this.starts = [null];
    this.index = 0;
    this.nextCursor = null;
  }

  /** The current page arrived: remember where the next one starts. */
  loaded(nextCursor: string | null): void {
    this.nextCursor = nextCursor;
  }

  /** Move to the next page; its cursor, or null when there is none. */
  next(): string | null {
    if (this.nextCursor === null) {
      return null;
    }
    this.starts = [...this.starts.slice(0, this.index + 1), this.nextCursor];
    this.index += 1;
    this.nextCursor = null;
    return this.cursor;
  }

  /** Move to the previous page; false on the first. */
  previous(): boolean {
    if (this.index === 0) {
      return false;
    }
    this.index -= 1;
    this.nextCursor = this.starts[this.index + 1];
    return true;
  }

  private starts: (string | null)[] = [null];
  private index = 0;
  private nextCursor: string | null = null;
}

/** A row of the compact list: what identifies the record, and who owns it, how shared, when. */
export interface IRecordSummary {
  id: string;
  title: string;
  detail: string;
  meta: string;
}

/** The title and detail lines of a record of `kind`. */
export function summarize(kind: RecordKind, record: DatabaseRecord): IRecordSummary {
  const meta = `${record.visibility}${record.projectId ? ` (project ${Private.short(record.projectId)})` : ''} · owner ${Private.short(record.ownerId)} · ${record.createdAt.slice(0, 10)}`;
  switch (kind) {
    case 'molecules': {
      const m = record as Molecule;
      return { id: m.id, title: m.name ?? m.smiles, detail: m.smiles, meta };
    }
    case 'mixtures': {
      const m = record as MixtureRecord;
      return {
        id: m.id,
        title: m.name,
        detail: m.components.map(c => `${c.name}: ${c.amount} ${c.unit}`).join('; '),
        meta
      };
    }
    case 'references': {
      const r = record as Reference;
      return { id: r.id, title: r.citation, detail: r.doi ? `doi:${r.doi}` : (r.key ?? ''), meta };
    }
    case 'datasets': {
      const d = record as Dataset;
      const n = d.snapshots.length;
      return {
        id: d.id,
        title: d.name,
        detail: `${n} snapshot${n === 1 ? '' : 's'}${d.description ? ` · ${d.description}` : ''}`,
        meta
      };
    }
    case 'models': {
      const v = record as ModelVersion;
      return {
        id: v.id,
        title: `${v.name}@${v.version}`,
        detail: `${v.targetPropertyType} (${v.targetUnit}) · ${v.learner}`,
        meta
      };
    }
    case 'predictions': {
      const p = record as Prediction;
      const interval = p.lower !== null && p.upper !== null ? ` [${p.lower}, ${p.upper}]` : '';
      const of = p.moleculeId
        ? `molecule ${Private.short(p.moleculeId)}`
        : `mixture ${Private.short(p.mixtureId ?? '')}`;
      return {
        id: p.id,
        title: `${p.value}${interval}`,
        detail: `${of} · model ${Private.short(p.modelVersionId)}`,
        meta
      };
    }
  }
}

const CLIENT_LINES = [
  "import { clientFromEnvironment, tslabDisplay } from '@cryoprotect/kernel/node';",
  '',
  'const client = clientFromEnvironment();'
];

/**
 * The notebook cell (TypeScript for the tslab kernel) that loads a record through the kernel's
 * client, from the server the kernel was started with, and shows it with the kernel's display
 * where there is one. The record's id is the only thing taken from the browser.
 */
export function recordCode(kind: RecordKind, record: DatabaseRecord): string {
  const id = JSON.stringify(record.id);
  switch (kind) {
    case 'molecules':
      return [
        "import { moleculeDisplay } from '@cryoprotect/kernel';",
        ...CLIENT_LINES,
        `const molecule = await client.getMolecule(${id});`,
        'await tslabDisplay(await moleculeDisplay(molecule));'
      ].join('\n');
    case 'mixtures':
      return [
        "import { getIdentity, mixtureDisplay } from '@cryoprotect/kernel';",
        ...CLIENT_LINES,
        `const record = await client.mixtures.get(${id});`,
        '// The kernel mixture of the record: molar masses by RDKit, water the balance.',
        'const mixture = {',
        '  name: record.name,',
        '  components: await Promise.all(',
        '    record.components.map(async c => ({',
        '      molecule: { name: c.name, smiles: c.smiles, molarMass: (await getIdentity(c.smiles)).molarMass },',
        '      amount: c.amount,',
        '      unit: c.unit,',
        '      role: c.role',
        '    }))',
        '  )',
        '};',
        'await tslabDisplay(await mixtureDisplay(mixture));'
      ].join('\n');
    case 'references':
      return [
        ...CLIENT_LINES,
        `const reference = await client.references.get(${id});`,
        'await tslabDisplay([reference]);'
      ].join('\n');
    case 'datasets': {
      const lines = [
        ...CLIENT_LINES,
        `const dataset = await client.datasets.get(${id});`,
        'await tslabDisplay(',
        '  dataset.snapshots.map(s => ({ snapshot: s.id, rows: s.rowCount, createdAt: s.createdAt }))',
        ');'
      ];
      // A dataset without snapshots has no table to show, and nothing to train on yet.
      return (
        (record as Dataset).snapshots.length > 0
          ? [
              ...lines,
              '// The newest snapshot, with its rows (the training data):',
              'const snapshot = await client.snapshots.get(dataset.snapshots[dataset.snapshots.length - 1].id);'
            ]
          : [...CLIENT_LINES, `const dataset = await client.datasets.get(${id});`, 'dataset']
      ).join('\n');
    }
    case 'models':
      // A version registered without its artifact has no report to draw: its facts as a table.
      return (
        (record as ModelVersion).artifact === undefined ||
        (record as ModelVersion).artifact === null
          ? [
              ...CLIENT_LINES,
              `const model = await client.models.get(${id});`,
              '// Registered without its artifact: no model report, its facts as a table.',
              'await tslabDisplay([',
              '  {',
              '    name: model.name,',
              '    version: model.version,',
              '    target: model.targetPropertyType,',
              '    unit: model.targetUnit,',
              '    learner: model.learner,',
              '    createdAt: model.createdAt',
              '  }',
              ']);'
            ]
          : [
              "import { modelReportDisplay, savedModelFromVersion } from '@cryoprotect/kernel';",
              ...CLIENT_LINES,
              `const model = await client.models.get(${id});`,
              'await tslabDisplay(await modelReportDisplay(savedModelFromVersion(model)));'
            ]
      ).join('\n');
    case 'predictions':
      return [
        ...CLIENT_LINES,
        `const prediction = await client.predictions.get(${id});`,
        '// conditions is an object: a table cell shows it as JSON.',
        'await tslabDisplay([{ ...prediction, conditions: JSON.stringify(prediction.conditions) }]);'
      ].join('\n');
  }
}

/** The cell that loads several molecules by id and shows them as a grid. */
export function moleculesCode(ids: readonly string[]): string {
  if (ids.length === 1) {
    return recordCode('molecules', { id: ids[0] } as Molecule);
  }
  return [
    "import { moleculesDisplay } from '@cryoprotect/kernel';",
    ...CLIENT_LINES,
    `const ids = ${JSON.stringify(ids)};`,
    'const molecules = await Promise.all(ids.map(id => client.getMolecule(id)));',
    'await tslabDisplay(await moleculesDisplay(molecules));'
  ].join('\n');
}

/** What the status line says about a page. */
export function pageSummary(
  page: IDatabasePage,
  filter: IRecordFilter,
  pageNumber: number
): string {
  const noun = page.request.kind === 'molecules' ? 'molecule' : Private.singular(page.request.kind);
  const n = page.records.length;
  const filtered = filter.project !== '' || filter.visibility !== '';
  if (n === 0) {
    const what =
      page.request.call === 'substructure'
        ? `No visible molecule contains ${page.request.smarts}`
        : page.request.call === 'similar'
          ? `No visible molecule is at least ${page.request.minSimilarity} similar to ${page.request.structure}`
          : page.request.q
            ? `No visible ${noun} matches "${page.request.q}"`
            : `No visible ${noun}s`;
    if (!filtered) {
      return `${what}.`;
    }
    // The filters may match further on: the listing has not ended.
    return page.nextCursor === null
      ? `${what} with these filters (${page.scanned} read).`
      : `${what} with these filters in the ${page.scanned} read so far; Next reads on.`;
  }
  const range = `${n} ${noun}${n === 1 ? '' : 's'}`;
  const more = page.nextCursor !== null ? '; more on the next page' : '';
  const kept = filtered ? ` (kept by the filters of ${page.scanned} read)` : '';
  return `Page ${pageNumber}: ${range}${kept}${more}.`;
}

namespace Private {
  export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

  export function short(id: string): string {
    return id.slice(0, 8);
  }

  export function singular(kind: RecordKind): string {
    return {
      molecules: 'molecule',
      mixtures: 'mixture',
      references: 'reference',
      datasets: 'dataset',
      models: 'model version',
      predictions: 'prediction'
    }[kind];
  }

  type Listed = { items: DatabaseRecord[]; nextCursor: string | null };

  export function serverPage(
    client: CryoProtectClient,
    request: Exclude<DatabaseRequest, { call: 'similar' }>,
    cursor: string | null,
    limit: number
  ): Promise<Listed> {
    const page = { limit, cursor };
    if (request.call === 'substructure') {
      return client.moleculeSearch.substructure(request.smarts, {
        limit,
        cursor: cursor ?? undefined
      });
    }
    switch (request.kind) {
      case 'molecules':
        return client.moleculesPage({ q: request.q, ...page });
      case 'mixtures':
        return client.mixtures.page({ q: request.q, ...page });
      case 'references':
        return client.references.page({ q: request.q, ...page });
      case 'datasets':
        return client.datasets.page({ q: request.q, ...page });
      case 'models':
        // The server matches model names exactly.
        return client.models.page({ name: request.q, ...page });
      case 'predictions':
        return client.predictions.page({ modelVersionId: request.q, ...page });
    }
  }
}
