import type { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { MimeModel } from '@jupyterlab/rendermime';
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { DISPLAY_MIME } from '@cryoprotect/kernel/display';
import { Panel, Widget } from '@lumino/widgets';
import type { Molecule } from '@cryoprotect/kernel';
import { loadKernel } from '../chemistry';
import type { ICryoProtectConnection } from '../connection';
import { h } from '../display/dom';
import type { MoleculeGrid } from '../display/grid/widget';
import { MoleculesRenderer } from '../display/molecules';
import { explainFailure } from './explain';
import {
  buildRequest,
  DEFAULT_QUERY,
  fetchPage,
  KIND_LABELS,
  moleculesCode,
  pageSummary,
  Paging,
  RECORD_KINDS,
  recordCode,
  summarize,
  VISIBILITIES,
  type DatabaseRecord,
  type IDatabasePage,
  type IDatabaseQuery,
  type IFieldProblem,
  type MoleculeMode,
  type RecordKind
} from './model';

export interface IDatabaseBrowserOptions {
  connection: ICryoProtectConnection;
  rendermime: IRenderMimeRegistry;
  /** Put code in the current notebook; the sentence to show (inserted, or why not). */
  insertCode: (code: string) => string;
  /** Show a record in the main area. */
  open: (kind: RecordKind, record: DatabaseRecord) => void;
}

/** The MIME type of dragged code: text/plain, which a cell editor pastes where it is dropped. */
export const DRAG_MIME = 'text/plain';

/**
 * The database browser of the left panel: what the user may see on the CryoProtect server, by
 * kind, searched by text (and for molecules by SMARTS or similarity), filtered by project and
 * visibility, a page at a time. Molecules appear in the molecule grid; other records in a
 * compact list. Every record can be opened, inserted into the current notebook as the cell that
 * loads it through the kernel's client, or dragged into a cell as that code.
 */
export class DatabaseBrowser extends Panel {
  readonly paging = new Paging();
  query: IDatabaseQuery = { ...DEFAULT_QUERY };

  constructor(private readonly options: IDatabaseBrowserOptions) {
    super();
    this.addClass('jp-cryoprotect-Database');
    this.id = 'cryoprotect-database';
    this.title.caption = 'CryoProtect database';

    const kind = h('select', {
      className: 'jp-cryoprotect-Database-kind',
      attrs: { 'aria-label': 'Record kind' }
    });
    for (const k of RECORD_KINDS) {
      kind.append(h('option', { attrs: { value: k } }, KIND_LABELS[k]));
    }
    const mode = h('select', {
      className: 'jp-cryoprotect-Database-mode',
      attrs: { 'aria-label': 'Molecule search' }
    });
    for (const [value, label] of [
      ['text', 'Text'],
      ['substructure', 'Substructure (SMARTS)'],
      ['similar', 'Similar to a structure']
    ]) {
      mode.append(h('option', { attrs: { value } }, label));
    }
    const text = h('input', {
      className: 'jp-cryoprotect-Database-text',
      attrs: { type: 'search', 'aria-label': 'Search', spellcheck: 'false' }
    });
    const minSimilarity = h('input', {
      className: 'jp-cryoprotect-Database-minSimilarity',
      attrs: { type: 'text', inputmode: 'decimal', 'aria-label': 'Minimum similarity', size: '4' }
    });
    const topK = h('input', {
      className: 'jp-cryoprotect-Database-topK',
      attrs: { type: 'text', inputmode: 'numeric', 'aria-label': 'Top k', size: '4' }
    });
    const project = h('select', {
      className: 'jp-cryoprotect-Database-project',
      attrs: { 'aria-label': 'Project' }
    });
    const visibility = h('select', {
      className: 'jp-cryoprotect-Database-visibility',
      attrs: { 'aria-label': 'Visibility' }
    });
    visibility.append(h('option', { attrs: { value: '' } }, 'any visibility'));
    for (const v of VISIBILITIES) {
      visibility.append(h('option', { attrs: { value: v } }, v));
    }
    const search = h(
      'button',
      { className: 'jp-cryoprotect-Button jp-mod-accept jp-cryoprotect-Database-search' },
      'Search'
    );
    const previous = h(
      'button',
      { className: 'jp-cryoprotect-Button jp-cryoprotect-Database-previous' },
      'Previous'
    );
    const next = h(
      'button',
      { className: 'jp-cryoprotect-Button jp-cryoprotect-Database-next' },
      'Next'
    );
    const openSelected = h(
      'button',
      {
        className: 'jp-cryoprotect-Button jp-cryoprotect-Database-openSelected',
        title: 'Open the molecules selected in the grid'
      },
      'Open'
    );
    const insertSelected = h(
      'button',
      {
        className: 'jp-cryoprotect-Button jp-cryoprotect-Database-insertSelected',
        title: 'Insert the cell that loads the selected molecules into the current notebook'
      },
      'Insert code'
    );
    for (const button of [search, previous, next, openSelected, insertSelected]) {
      button.type = 'button';
    }
    this.nodes = {
      kind,
      mode,
      text,
      minSimilarity,
      topK,
      project,
      visibility,
      search,
      previous,
      next,
      openSelected,
      insertSelected,
      modeRow: h('div', { className: 'jp-cryoprotect-Database-row' }, mode),
      similarRow: h(
        'div',
        { className: 'jp-cryoprotect-Database-row jp-cryoprotect-Database-similar' },
        h('label', {}, 'min similarity ', minSimilarity),
        h('label', {}, 'top k ', topK)
      ),
      messages: h('div', { className: 'jp-cryoprotect-Database-messages' }),
      status: h('div', {
        className: 'jp-cryoprotect-Database-status',
        attrs: { role: 'status', 'aria-live': 'polite' }
      }),
      selection: h(
        'div',
        { className: 'jp-cryoprotect-Database-row jp-cryoprotect-Database-selection' },
        h('span', { className: 'jp-cryoprotect-Database-hint' }, 'Selected in the grid:'),
        openSelected,
        insertSelected
      ),
      list: h('ul', {
        className: 'jp-cryoprotect-Database-list',
        attrs: { 'aria-label': 'Records' }
      }),
      pager: h(
        'div',
        { className: 'jp-cryoprotect-Database-row jp-cryoprotect-Database-pager' },
        previous,
        h('span', { className: 'jp-cryoprotect-Database-pageNumber' }),
        next
      )
    };
    const form = h(
      'div',
      { className: 'jp-cryoprotect-Database-form' },
      h('div', { className: 'jp-cryoprotect-Database-row' }, kind),
      this.nodes.modeRow,
      h('div', { className: 'jp-cryoprotect-Database-row' }, text, search),
      this.nodes.similarRow,
      h('div', { className: 'jp-cryoprotect-Database-row' }, project, visibility),
      this.nodes.messages,
      this.nodes.status
    );
    this.addWidget(new Widget({ node: form }));
    this.addWidget(new Widget({ node: this.nodes.selection }));
    this.gridHost = new Panel();
    this.gridHost.addClass('jp-cryoprotect-Database-grid');
    this.addWidget(this.gridHost);
    this.addWidget(
      new Widget({
        node: h(
          'div',
          { className: 'jp-cryoprotect-Database-results' },
          this.nodes.list,
          this.nodes.pager
        )
      })
    );

    kind.addEventListener('change', () => {
      this.query.kind = kind.value as RecordKind;
      this.query.text = '';
      this.syncInputs();
      void this.search();
    });
    mode.addEventListener('change', () => {
      this.query.mode = mode.value as MoleculeMode;
      this.syncInputs();
    });
    const read = (): void => {
      this.query.text = text.value;
      this.query.minSimilarity = minSimilarity.value;
      this.query.topK = topK.value;
    };
    for (const input of [text, minSimilarity, topK]) {
      input.addEventListener('input', read);
      input.addEventListener('keydown', event => {
        if (event.key === 'Enter') {
          event.preventDefault();
          read();
          void this.search();
        }
      });
    }
    for (const select of [project, visibility]) {
      select.addEventListener('change', () => {
        this.query.project = project.value;
        this.query.visibility = visibility.value as IDatabaseQuery['visibility'];
        void this.search();
      });
    }
    search.addEventListener('click', () => {
      read();
      void this.search();
    });
    previous.addEventListener('click', () => {
      if (this.paging.previous()) {
        void this.load();
      }
    });
    next.addEventListener('click', () => {
      if (this.paging.next() !== null) {
        void this.load();
      }
    });
    openSelected.addEventListener('click', () => {
      for (const molecule of this.selectedMolecules()) {
        this.options.open('molecules', molecule);
      }
    });
    insertSelected.addEventListener('click', () => this.insertSelection());
    // Grid rows are the grid's own; they become draggable when pressed, carrying their code.
    this.gridHost.node.addEventListener(
      'mousedown',
      event => {
        const row = (event.target as HTMLElement).closest<HTMLElement>('[data-row]');
        if (row) {
          row.draggable = true;
        }
      },
      true
    );
    this.gridHost.node.addEventListener('dragstart', event => {
      const row = (event.target as HTMLElement).closest<HTMLElement>('[data-row]');
      const record = row ? this.gridRecords[Number(row.dataset.row)] : undefined;
      if (record && event.dataTransfer) {
        event.dataTransfer.setData(DRAG_MIME, recordCode('molecules', record));
        event.dataTransfer.effectAllowed = 'copy';
      }
    });

    this.options.connection.changed.connect(() => {
      void this.loadProjects();
      void this.search();
    }, this);
    this.syncInputs();
  }

  /** The records of the page shown. */
  get records(): readonly DatabaseRecord[] {
    return this.page?.records ?? [];
  }

  /** The status line's text. */
  get statusText(): string {
    return this.nodes.status.textContent ?? '';
  }

  /** Run the search of the inputs from its first page. */
  async search(): Promise<void> {
    this.paging.reset();
    await this.load();
  }

  /** The projects the user may see, for the project filter. */
  async loadProjects(): Promise<void> {
    const select = this.nodes.project;
    const chosen = select.value;
    const options = [h('option', { attrs: { value: '' } }, 'any project')];
    try {
      const client = await this.options.connection.client();
      for await (const project of client.projects.list()) {
        options.push(h('option', { attrs: { value: project.id } }, project.name));
      }
    } catch {
      // The search reports why the server cannot be reached; the filter offers "any" meanwhile.
    }
    select.replaceChildren(...options);
    select.value = options.some(o => o.value === chosen) ? chosen : '';
  }

  /** Load the page the paging points at. */
  async load(): Promise<void> {
    const built = buildRequest(this.query);
    this.showProblems(built.problems);
    if (built.request === null) {
      this.setStatus('Correct the search to run it.', 'error');
      return;
    }
    const generation = ++this.generation;
    this.setStatus('Searching…', 'busy');
    this.setPagerEnabled(false);
    try {
      const client = await this.options.connection.client();
      const page = await fetchPage(client, built.request, this.paging.cursor, {
        project: this.query.project,
        visibility: this.query.visibility
      });
      if (generation !== this.generation) {
        return;
      }
      this.paging.loaded(page.nextCursor);
      this.page = page;
      await this.renderPage(page);
      if (generation !== this.generation) {
        return;
      }
      this.setStatus(pageSummary(page, this.query, this.paging.pageNumber), 'ok');
    } catch (error) {
      if (generation !== this.generation) {
        return;
      }
      this.page = null;
      this.clearResults();
      this.setStatus(explainFailure(this.options.connection, error), 'error');
    } finally {
      if (generation === this.generation) {
        this.setPagerEnabled(true);
      }
    }
  }

  /** The molecule grid of the page shown, if it shows molecules. */
  get grid(): MoleculeGrid | null {
    return this.renderer?.currentGrid ?? null;
  }

  protected override onAfterAttach(msg: Parameters<Panel['onAfterAttach']>[0]): void {
    super.onAfterAttach(msg);
    if (!this.started) {
      this.started = true;
      void this.loadProjects();
      void this.search();
    }
  }

  private selectedMolecules(): Molecule[] {
    const ids = new Set(this.grid?.selectedRows().map(row => row.id) ?? []);
    return this.gridRecords.filter(m => ids.has(m.id));
  }

  private insertSelection(): void {
    const molecules = this.selectedMolecules();
    if (molecules.length === 0) {
      this.setStatus(
        'Select molecules in the grid first (click; shift-click for a range).',
        'error'
      );
      return;
    }
    this.setStatus(this.options.insertCode(moleculesCode(molecules.map(m => m.id))), 'ok');
  }

  private async renderPage(page: IDatabasePage): Promise<void> {
    this.clearResults();
    const kind = page.request.kind;
    if (kind === 'molecules') {
      const molecules = page.records as Molecule[];
      this.gridRecords = molecules;
      if (molecules.length === 0) {
        return;
      }
      const kernel = await loadKernel();
      const display =
        page.hits && 'similar' in page.hits
          ? await kernel.similarityHitsDisplay(page.hits.similar)
          : page.hits && 'substructure' in page.hits
            ? await kernel.substructureHitsDisplay(page.hits.substructure)
            : await kernel.moleculesDisplay(molecules, { title: 'Molecules' });
      const renderer = new MoleculesRenderer(this.rendererOptions(DISPLAY_MIME.molecules), {
        onInsert: () => this.insertSelection()
      });
      await renderer.renderModel(
        new MimeModel({ data: { [DISPLAY_MIME.molecules]: display.payload as never } })
      );
      this.renderer = renderer;
      this.gridHost.addWidget(renderer);
      this.nodes.selection.hidden = false;
      return;
    }
    for (const record of page.records) {
      this.nodes.list.append(this.listItem(kind, record));
    }
  }

  private listItem(kind: RecordKind, record: DatabaseRecord): HTMLLIElement {
    const summary = summarize(kind, record);
    const open = h(
      'button',
      { className: 'jp-cryoprotect-Button', title: `Open ${summary.title}` },
      'Open'
    );
    const insert = h(
      'button',
      {
        className: 'jp-cryoprotect-Button',
        title: 'Insert the cell that loads this record into the current notebook'
      },
      'Insert code'
    );
    open.type = 'button';
    insert.type = 'button';
    open.addEventListener('click', () => this.options.open(kind, record));
    insert.addEventListener('click', () =>
      this.setStatus(this.options.insertCode(recordCode(kind, record)), 'ok')
    );
    const item = h(
      'li',
      {
        className: 'jp-cryoprotect-Database-item',
        title: 'Drag into a cell to paste the code that loads this record',
        attrs: { 'data-id': summary.id, draggable: 'true' }
      },
      h('div', { className: 'jp-cryoprotect-Database-itemTitle' }, summary.title),
      summary.detail
        ? h('div', { className: 'jp-cryoprotect-Database-itemDetail' }, summary.detail)
        : null,
      h('div', { className: 'jp-cryoprotect-Database-itemMeta' }, summary.meta),
      h('div', { className: 'jp-cryoprotect-Database-itemActions' }, open, insert)
    );
    item.addEventListener('dragstart', event => {
      event.dataTransfer?.setData(DRAG_MIME, recordCode(kind, record));
      if (event.dataTransfer) {
        event.dataTransfer.effectAllowed = 'copy';
      }
    });
    item.addEventListener('dblclick', () => this.options.open(kind, record));
    return item;
  }

  private clearResults(): void {
    this.renderer?.dispose();
    this.renderer = null;
    this.gridRecords = [];
    this.nodes.list.replaceChildren();
    this.nodes.selection.hidden = true;
  }

  private rendererOptions(mimeType: string): IRenderMime.IRendererOptions {
    const r = this.options.rendermime;
    return {
      mimeType,
      sanitizer: r.sanitizer,
      resolver: r.resolver,
      linkHandler: r.linkHandler,
      latexTypesetter: r.latexTypesetter,
      markdownParser: r.markdownParser
    };
  }

  private syncInputs(): void {
    const { kind, mode, text, minSimilarity, topK, project, visibility } = this.nodes;
    kind.value = this.query.kind;
    mode.value = this.query.mode;
    text.value = this.query.text;
    minSimilarity.value = this.query.minSimilarity;
    topK.value = this.query.topK;
    project.value = this.query.project;
    visibility.value = this.query.visibility;
    const molecules = this.query.kind === 'molecules';
    this.nodes.modeRow.hidden = !molecules;
    this.nodes.similarRow.hidden = !(molecules && this.query.mode === 'similar');
    text.placeholder = Private.placeholder(this.query);
    this.showProblems([]);
  }

  private showProblems(problems: readonly IFieldProblem[]): void {
    const inputs = {
      text: this.nodes.text,
      minSimilarity: this.nodes.minSimilarity,
      topK: this.nodes.topK
    };
    for (const [field, input] of Object.entries(inputs)) {
      input.setAttribute(
        'aria-invalid',
        String(problems.some(p => p.field === (field as IFieldProblem['field'])))
      );
    }
    this.nodes.messages.replaceChildren(
      ...problems.map(p =>
        h(
          'div',
          { className: 'jp-cryoprotect-Database-message', attrs: { 'data-field': p.field } },
          p.message
        )
      )
    );
  }

  private setStatus(text: string, state: 'ok' | 'busy' | 'error'): void {
    this.nodes.status.textContent = text;
    this.nodes.status.dataset.state = state;
  }

  private setPagerEnabled(enabled: boolean): void {
    const { previous, next, search } = this.nodes;
    previous.disabled = !enabled || !this.paging.hasPrevious;
    next.disabled = !enabled || !this.paging.hasNext;
    search.disabled = !enabled;
    const label = this.nodes.pager.querySelector('.jp-cryoprotect-Database-pageNumber');
    if (label) {
      label.textContent = `page ${this.paging.pageNumber}`;
    }
    this.nodes.pager.hidden = !this.paging.hasPrevious && !this.paging.hasNext;
  }

  private readonly nodes: {
    kind: HTMLSelectElement;
    mode: HTMLSelectElement;
    text: HTMLInputElement;
    minSimilarity: HTMLInputElement;
    topK: HTMLInputElement;
    project: HTMLSelectElement;
    visibility: HTMLSelectElement;
    search: HTMLButtonElement;
    previous: HTMLButtonElement;
    next: HTMLButtonElement;
    openSelected: HTMLButtonElement;
    insertSelected: HTMLButtonElement;
    modeRow: HTMLElement;
    similarRow: HTMLElement;
    messages: HTMLElement;
    status: HTMLElement;
    selection: HTMLElement;
    list: HTMLUListElement;
    pager: HTMLElement;
  };
  private readonly gridHost: Panel;
  private renderer: MoleculesRenderer | null = null;
  private gridRecords: Molecule[] = [];
  private page: IDatabasePage | null = null;
  private generation = 0;
  private started = false;
}

namespace Private {
  export function placeholder(query: IDatabaseQuery): string {
    if (query.kind === 'molecules') {
      return {
        text: 'name, synonym or InChIKey',
        substructure: 'SMARTS, e.g. [OX2H]',
        similar: 'SMILES or InChI, e.g. OCC(O)CO'
      }[query.mode];
    }
    return {
      mixtures: 'text in the name',
      references: 'text in the citation or DOI',
      datasets: 'text in the name',
      models: 'exact model name',
      predictions: 'model version id'
    }[query.kind];
  }
}
