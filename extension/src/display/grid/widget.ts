import type { MoleculesPayload } from '@cryoprotect/kernel';
import { DOMUtils } from '@jupyterlab/apputils';
import { Widget } from '@lumino/widgets';
import { copyButton } from '../copy';
import { depictInto, matchSmarts } from '../depict';
import { h } from '../dom';
import { modelName } from '../model-ref';
import { formatCell, formatValue, titleWithUnit } from '@cryoprotect/kernel/display';
import { selectionCode, selectionCsv, selectionSmiles } from './code';
import {
  GridSelection,
  RECORD_COLUMNS,
  type GridModel,
  filterByText,
  pageCount,
  pageSlice,
  sortIndices,
  type GridRow,
  type ISortOrder
} from './model';

export type GridView = 'grid' | 'list';

export interface IMoleculeGridOptions {
  dark: boolean;
  /** Insert a code cell with the selection below the output; absent outside a notebook. */
  onInsert?: (grid: MoleculeGrid) => void;
  /**
   * Open a row in the prediction panel with the payload's model (see predictionArgs). Each row
   * offers it only when the payload names a model and this is given; a rejection is shown in the
   * grid's status line.
   */
  onOpenPrediction?: (row: GridRow, model: GridModel) => Promise<unknown> | void;
}

/** Rows per page offered; a page is what is drawn, so it bounds the work of a redraw. */
export const PAGE_SIZES = [24, 48, 96, 192] as const;

/**
 * The molecule grid (this project's mols2grid): grid and list views, sorting by any column, a
 * text and a SMARTS filter with the matched atoms highlighted, tooltips with units, paging, and a
 * selection (click, shift-click) that becomes a code cell, SMILES or CSV. Only the rows of the
 * current page exist in the DOM, and a structure is drawn when its cell scrolls into view.
 */
export class MoleculeGrid extends Widget {
  readonly selection = new GridSelection();
  private view: GridView = 'grid';
  private text = '';
  private smarts = '';
  private smartsMatches: Set<number> | null = null;
  private smartsGeneration = 0;
  private sort: ISortOrder | null = null;
  private page = 0;
  private pageSize: number = PAGE_SIZES[0];
  private order: number[];
  private dark: boolean;
  private observer: IntersectionObserver | null = null;
  private readonly timers = new Set<number>();
  private readonly nodes: {
    summary: HTMLElement;
    status: HTMLElement;
    body: HTMLElement;
    pager: HTMLElement;
    selected: HTMLElement;
    insert: HTMLButtonElement;
    sort?: HTMLSelectElement;
    direction?: HTMLButtonElement;
  };

  constructor(
    readonly payload: MoleculesPayload,
    private readonly options: IMoleculeGridOptions
  ) {
    super();
    this.id = DOMUtils.createDomID();
    this.addClass('jp-cryoprotect-Grid');
    this.dark = options.dark;
    this.order = payload.rows.map((_, index) => index);
    if (typeof IntersectionObserver !== 'undefined') {
      this.observer = new IntersectionObserver(entries => this.onVisible(entries), {
        rootMargin: '200px'
      });
    }
    this.nodes = {
      summary: h('span', { className: 'jp-cryoprotect-Grid-summary' }),
      status: h('span', {
        className: 'jp-cryoprotect-Grid-status',
        attrs: { 'aria-live': 'polite' }
      }),
      body: h('div', { className: 'jp-cryoprotect-Grid-body' }),
      pager: h('div', { className: 'jp-cryoprotect-Grid-pager' }),
      selected: h('span', { className: 'jp-cryoprotect-Grid-selected' }),
      insert: h(
        'button',
        {
          className: 'jp-cryoprotect-Button jp-mod-accept',
          title: options.onInsert
            ? 'Insert a code cell below this output that rebuilds the selected records'
            : 'Only available in a notebook',
          attrs: { type: 'button' }
        },
        'Insert cell with selection'
      )
    };
    this.build();
    this.refresh();
  }

  /** The selected rows, in the order shown. */
  selectedRows(): GridRow[] {
    return this.selection.ordered(this.order).map(index => this.payload.rows[index]);
  }

  /** The code cell that rebuilds the selection (see code.ts). */
  selectionCode(): string {
    return selectionCode(this.selectedRows(), {
      title: this.payload.title,
      rowCount: this.payload.rows.length
    });
  }

  /** Row indices in the order shown (filtered and sorted), for tests and the insert command. */
  get shownOrder(): readonly number[] {
    return this.order;
  }

  setView(view: GridView): void {
    this.view = view;
    this.renderBody();
  }

  setTextFilter(text: string): void {
    this.text = text;
    this.page = 0;
    this.refresh();
  }

  setSort(sort: ISortOrder | null): void {
    this.sort = sort;
    this.refresh();
  }

  setPage(page: number): void {
    this.page = page;
    this.renderBody();
  }

  setPageSize(size: number): void {
    this.pageSize = size;
    this.page = 0;
    this.renderBody();
  }

  /** Filter by a SMARTS pattern (empty: no filter); resolves when the search is done or replaced. */
  async setSmartsFilter(smarts: string): Promise<void> {
    const generation = ++this.smartsGeneration;
    this.smarts = smarts.trim();
    if (this.smarts === '') {
      this.smartsMatches = null;
      this.nodes.status.textContent = '';
      this.refresh();
      return;
    }
    const total = this.payload.rows.length;
    this.nodes.status.textContent = `Searching ${this.smarts}…`;
    try {
      const result = await matchSmarts(
        this.payload.rows.map(row => row.smiles),
        this.smarts,
        {
          isCancelled: () => generation !== this.smartsGeneration || this.isDisposed,
          onProgress: done => {
            this.nodes.status.textContent = `Searching ${this.smarts}: ${done} of ${total} structures…`;
          }
        }
      );
      if (!result || generation !== this.smartsGeneration || this.isDisposed) {
        return;
      }
      this.smartsMatches = result.matches;
      this.nodes.status.textContent =
        `${result.matches.size} of ${total} structures contain ${this.smarts} (matched atoms highlighted)` +
        (result.unreadable > 0 ? `; ${result.unreadable} could not be read by RDKit` : '') +
        '.';
    } catch (error) {
      if (generation !== this.smartsGeneration || this.isDisposed) {
        return;
      }
      this.smartsMatches = null;
      this.smarts = '';
      this.nodes.status.textContent = `SMARTS filter not applied: ${(error as Error).message}`;
    }
    this.page = 0;
    this.refresh();
  }

  /** Redraw the structures in the new theme's colours; the grid's state is kept. */
  setDark(dark: boolean): void {
    this.dark = dark;
    this.renderBody();
  }

  override dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this.observer?.disconnect();
    this.observer = null;
    for (const timer of this.timers) {
      window.clearTimeout(timer);
    }
    this.timers.clear();
    // Stops a running SMARTS search at its next slice.
    this.smartsGeneration++;
    super.dispose();
  }

  private build(): void {
    const { payload } = this;
    const textInput = h('input', {
      className: 'jp-cryoprotect-Input',
      attrs: {
        type: 'search',
        placeholder: 'Filter: name, id, SMILES, text',
        'aria-label': 'Text filter'
      }
    });
    textInput.addEventListener('input', () =>
      this.debounce(() => this.setTextFilter(textInput.value), 150)
    );
    const smartsInput = h('input', {
      className: 'jp-cryoprotect-Input',
      attrs: { type: 'search', placeholder: 'SMARTS, e.g. [OX2H]', 'aria-label': 'SMARTS filter' }
    });
    smartsInput.addEventListener('input', () =>
      this.debounce(() => void this.setSmartsFilter(smartsInput.value), 500)
    );
    const sortSelect = h(
      'select',
      { className: 'jp-cryoprotect-Select', attrs: { 'aria-label': 'Sort by' } },
      h('option', { attrs: { value: '' } }, 'Order as sent'),
      ...RECORD_COLUMNS.map(column =>
        h('option', { attrs: { value: column } }, `Sort by ${column}`)
      ),
      ...payload.columns.map(column =>
        h(
          'option',
          { attrs: { value: column.key } },
          `Sort by ${titleWithUnit(column.title, column.unit)}`
        )
      )
    );
    const direction = h(
      'button',
      { className: 'jp-cryoprotect-Button', title: 'Sort direction', attrs: { type: 'button' } },
      '↑'
    );
    const applySort = () => {
      this.setSort(
        sortSelect.value === ''
          ? null
          : {
              column: sortSelect.value,
              direction: direction.textContent === '↑' ? 'ascending' : 'descending'
            }
      );
    };
    sortSelect.addEventListener('change', applySort);
    this.nodes.sort = sortSelect;
    this.nodes.direction = direction;
    direction.addEventListener('click', () => {
      direction.textContent = direction.textContent === '↑' ? '↓' : '↑';
      applySort();
    });
    const viewButton = (view: GridView, label: string) => {
      const button = h(
        'button',
        { className: 'jp-cryoprotect-Button', attrs: { type: 'button', 'data-view': view } },
        label
      );
      button.addEventListener('click', () => this.setView(view));
      return button;
    };
    const sizeSelect = h(
      'select',
      { className: 'jp-cryoprotect-Select', attrs: { 'aria-label': 'Rows per page' } },
      ...PAGE_SIZES.map(size => h('option', { attrs: { value: String(size) } }, `${size} per page`))
    );
    sizeSelect.addEventListener('change', () => this.setPageSize(Number(sizeSelect.value)));
    const selectShown = h(
      'button',
      { className: 'jp-cryoprotect-Button', attrs: { type: 'button' } },
      'Select all shown'
    );
    selectShown.addEventListener('click', () => {
      this.selection.selectAll(this.order);
      this.updateSelection();
    });
    const clear = h(
      'button',
      { className: 'jp-cryoprotect-Button', attrs: { type: 'button' } },
      'Clear selection'
    );
    clear.addEventListener('click', () => {
      this.selection.clear();
      this.updateSelection();
    });
    this.nodes.insert.addEventListener('click', () => this.options.onInsert?.(this));

    this.nodes.body.addEventListener('mousedown', event => {
      // Shift-click selects a range of rows, not the text between them.
      if (event.shiftKey) {
        event.preventDefault();
      }
    });
    this.nodes.body.addEventListener('click', event => this.onRowEvent(event, event.shiftKey));
    this.nodes.body.addEventListener('keydown', event => {
      // Enter and Space on a row's own button press it; on the row they select it.
      if (Private.isControl(event.target)) {
        return;
      }
      if (event.key === 'Enter' || event.key === ' ') {
        event.preventDefault();
        this.onRowEvent(event, event.shiftKey);
      }
    });

    this.node.append(
      h(
        'div',
        { className: 'jp-cryoprotect-Grid-header' },
        h('strong', { className: 'jp-cryoprotect-Title' }, payload.title ?? 'Molecules'),
        payload.model
          ? h(
              'span',
              { className: 'jp-cryoprotect-Grid-model' },
              `scored by ${modelName(payload.model)}`
            )
          : null,
        this.nodes.summary
      ),
      h(
        'div',
        { className: 'jp-cryoprotect-Grid-toolbar' },
        textInput,
        smartsInput,
        sortSelect,
        direction,
        viewButton('grid', 'Grid'),
        viewButton('list', 'List'),
        sizeSelect
      ),
      h(
        'div',
        { className: 'jp-cryoprotect-Grid-toolbar' },
        this.nodes.selected,
        selectShown,
        clear,
        copyButton(
          'Copy SMILES',
          () => selectionSmiles(this.selectedRows()),
          'Copy the selected SMILES, one per line'
        ),
        copyButton(
          'Copy CSV',
          () => selectionCsv(this.selectedRows(), payload.columns),
          'Copy the selected rows as CSV'
        ),
        this.nodes.insert
      ),
      this.nodes.status,
      this.nodes.body,
      this.nodes.pager
    );
  }

  private debounce(fn: () => void, ms: number): void {
    for (const timer of this.timers) {
      window.clearTimeout(timer);
    }
    this.timers.clear();
    const timer = window.setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
  }

  /** Filter and sort again, then draw the current page. */
  private refresh(): void {
    const { rows } = this.payload;
    const candidates = this.smartsMatches
      ? [...this.smartsMatches].sort((a, b) => a - b)
      : undefined;
    this.order = sortIndices(rows, filterByText(rows, this.text, candidates), this.sort);
    this.renderBody();
  }

  private renderBody(): void {
    if (this.isDisposed) {
      return;
    }
    const { rows, totalRows } = this.payload;
    const { page, items } = pageSlice(this.order, this.page, this.pageSize);
    this.page = page;
    this.observer?.disconnect();
    const first = this.order.length === 0 ? 0 : page * this.pageSize + 1;
    const capped =
      rows.length < totalRows ? ` (the kernel sent ${rows.length} of ${totalRows})` : '';
    this.nodes.summary.textContent =
      this.order.length === rows.length
        ? `${first}–${first + items.length - 1 || 0} of ${rows.length} molecules${capped}`
        : `${first}–${first + items.length - 1 || 0} of ${this.order.length} matching, ${rows.length} molecules${capped}`;
    for (const button of this.node.querySelectorAll<HTMLElement>('[data-view]')) {
      button.classList.toggle('jp-mod-active', button.dataset.view === this.view);
    }
    // The list view's headers sort too: keep the toolbar saying what the order is.
    if (this.nodes.sort && this.nodes.direction) {
      this.nodes.sort.value = this.sort?.column ?? '';
      this.nodes.direction.textContent = this.sort?.direction === 'descending' ? '↓' : '↑';
    }
    this.nodes.body.replaceChildren(
      this.view === 'grid' ? this.gridView(items) : this.listView(items)
    );
    this.renderPager();
    this.updateSelection();
  }

  private gridView(items: readonly number[]): HTMLElement {
    const shownColumns = this.payload.columns.slice(0, 4);
    return h(
      'div',
      {
        className: 'jp-cryoprotect-Grid-cards',
        attrs: { role: 'listbox', 'aria-multiselectable': 'true' }
      },
      ...items.map(index => {
        const row = this.payload.rows[index];
        return h(
          'div',
          {
            className: 'jp-cryoprotect-Grid-card',
            title: this.tooltip(row),
            attrs: { role: 'option', tabindex: '0', 'data-row': String(index) }
          },
          this.structure(row, 160, 120),
          h('div', { className: 'jp-cryoprotect-Grid-name' }, row.name ?? row.id ?? '(unnamed)'),
          ...shownColumns.map(column =>
            h(
              'div',
              { className: 'jp-cryoprotect-Grid-value' },
              `${column.title}: ${formatValue(row.values[column.key] ?? null, column.unit, column.digits)}`
            )
          ),
          this.predictionAction(row, 'div')
        );
      })
    );
  }

  private listView(items: readonly number[]): HTMLElement {
    const columns: { key: string; label: string; numeric: boolean }[] = [
      { key: 'name', label: 'Name', numeric: false },
      { key: 'id', label: 'Id', numeric: false },
      { key: 'smiles', label: 'SMILES', numeric: false },
      ...this.payload.columns.map(column => ({
        key: column.key,
        label: titleWithUnit(column.title, column.unit),
        numeric: column.kind === 'number'
      }))
    ];
    const header = h(
      'tr',
      {},
      h('th', {}, 'Structure'),
      ...columns.map(column => {
        const sorted =
          this.sort?.column === column.key
            ? this.sort.direction === 'ascending'
              ? ' ↑'
              : ' ↓'
            : '';
        const cell = h(
          'th',
          {
            className: `jp-cryoprotect-Sortable${column.numeric ? ' jp-cryoprotect-numeric' : ''}`,
            title: 'Sort by this column',
            attrs: { scope: 'col', 'aria-sort': sorted ? (this.sort?.direction ?? 'none') : 'none' }
          },
          `${column.label}${sorted}`
        );
        cell.addEventListener('click', () => {
          const direction =
            this.sort?.column === column.key && this.sort.direction === 'ascending'
              ? 'descending'
              : 'ascending';
          this.setSort({ column: column.key, direction });
        });
        return cell;
      }),
      this.canOpenPrediction() ? h('th', { attrs: { scope: 'col' } }, 'Prediction') : null
    );
    return h(
      'table',
      { className: 'jp-cryoprotect-Table jp-cryoprotect-Grid-list' },
      h('thead', {}, header),
      h(
        'tbody',
        {},
        ...items.map(index => {
          const row = this.payload.rows[index];
          return h(
            'tr',
            {
              title: this.tooltip(row),
              attrs: { tabindex: '0', 'data-row': String(index), 'aria-selected': 'false' }
            },
            h('td', {}, this.structure(row, 120, 80)),
            ...columns.map(column =>
              h(
                'td',
                { className: column.numeric ? 'jp-cryoprotect-numeric' : undefined },
                column.key === 'smiles' ? h('code', {}, row.smiles) : this.cellText(row, column.key)
              )
            ),
            this.predictionAction(row, 'td')
          );
        })
      )
    );
  }

  private canOpenPrediction(): boolean {
    return this.payload.model !== undefined && this.options.onOpenPrediction !== undefined;
  }

  /**
   * The row's "Open in prediction panel" button in a `tag` (a card's div, a list row's cell), or
   * null when the payload names no model or the grid cannot open the panel.
   */
  private predictionAction(row: GridRow, tag: 'div' | 'td'): HTMLElement | null {
    const model = this.payload.model;
    if (model === undefined || !this.canOpenPrediction()) {
      return null;
    }
    const subject = row.name ?? row.id ?? row.smiles;
    const version =
      model.version === null
        ? `the latest registered version of ${model.name} (these scores came from an unregistered model)`
        : modelName(model);
    const button = h(
      'button',
      {
        className: 'jp-cryoprotect-Button jp-cryoprotect-Grid-predict',
        title: `Predict ${subject} with ${version} in the prediction panel, where the prediction can be stored and sent to the lab for verification`,
        attrs: { type: 'button', 'aria-label': `Open in prediction panel: ${subject}` }
      },
      'Open in prediction panel'
    );
    button.addEventListener('click', event => {
      // The row's own click would select it.
      event.stopPropagation();
      void this.openPrediction(row, model);
    });
    return h(tag, { className: 'jp-cryoprotect-Grid-actions' }, button);
  }

  private async openPrediction(row: GridRow, model: GridModel): Promise<void> {
    try {
      await this.options.onOpenPrediction?.(row, model);
    } catch (error) {
      if (!this.isDisposed) {
        this.nodes.status.textContent = `The prediction panel did not open: ${(error as Error).message}`;
      }
    }
  }

  /** A placeholder that gets its depiction when it scrolls into view. */
  private structure(row: GridRow, width: number, height: number): HTMLElement {
    const host = h('div', {
      className: 'jp-cryoprotect-Structure jp-cryoprotect-Grid-structure',
      attrs: {
        'data-smiles': row.smiles,
        'data-width': String(width),
        'data-height': String(height)
      }
    });
    host.style.width = `${width}px`;
    host.style.height = `${height}px`;
    if (this.observer) {
      this.observer.observe(host);
    } else {
      // No IntersectionObserver (an old browser, jsdom): draw now; a page bounds the work.
      void this.draw(host);
    }
    return host;
  }

  private onVisible(entries: IntersectionObserverEntry[]): void {
    for (const entry of entries) {
      if (entry.isIntersecting) {
        this.observer?.unobserve(entry.target);
        void this.draw(entry.target as HTMLElement);
      }
    }
  }

  private async draw(host: HTMLElement): Promise<void> {
    await depictInto(host, {
      smiles: host.dataset.smiles ?? '',
      width: Number(host.dataset.width),
      height: Number(host.dataset.height),
      dark: this.dark,
      bondLength: Number(host.dataset.width) / 7,
      highlight: this.smartsMatches ? this.smarts : undefined
    });
  }

  private renderPager(): void {
    const pages = pageCount(this.order.length, this.pageSize);
    const button = (label: string, title: string, page: number, disabled: boolean) => {
      const node = h(
        'button',
        { className: 'jp-cryoprotect-Button', title, attrs: { type: 'button' } },
        label
      );
      node.disabled = disabled;
      node.addEventListener('click', () => this.setPage(page));
      return node;
    };
    this.nodes.pager.replaceChildren(
      button('«', 'First page', 0, this.page === 0),
      button('‹', 'Previous page', this.page - 1, this.page === 0),
      h('span', { className: 'jp-cryoprotect-Grid-page' }, `Page ${this.page + 1} of ${pages}`),
      button('›', 'Next page', this.page + 1, this.page >= pages - 1),
      button('»', 'Last page', pages - 1, this.page >= pages - 1)
    );
  }

  private onRowEvent(event: Event, shift: boolean): void {
    const target = (event.target as HTMLElement).closest<HTMLElement>('[data-row]');
    if (
      !target ||
      !this.nodes.body.contains(target) ||
      (event.target as HTMLElement).closest('a, button, input')
    ) {
      return;
    }
    this.selection.click(Number(target.dataset.row), this.order, shift);
    this.updateSelection();
  }

  private updateSelection(): void {
    for (const node of this.nodes.body.querySelectorAll<HTMLElement>('[data-row]')) {
      const selected = this.selection.has(Number(node.dataset.row));
      node.classList.toggle('jp-mod-selected', selected);
      node.setAttribute('aria-selected', String(selected));
    }
    const count = this.selection.size;
    this.nodes.selected.textContent = `${count} selected`;
    this.nodes.insert.disabled = count === 0 || !this.options.onInsert;
  }

  private cellText(row: GridRow, key: string): string {
    if (key === 'name' || key === 'id') {
      return row[key] ?? '—';
    }
    const column = this.payload.columns.find(candidate => candidate.key === key);
    return formatCell(row.values[key] ?? null, column?.digits);
  }

  /** Every property of the row with its unit, for hover. */
  private tooltip(row: GridRow): string {
    const lines = [row.name ?? '(unnamed)', row.smiles];
    if (row.id) {
      lines.push(`id: ${row.id}`);
    }
    for (const column of this.payload.columns) {
      lines.push(
        `${column.title}: ${formatValue(row.values[column.key] ?? null, column.unit, column.digits)}`
      );
    }
    return lines.join('\n');
  }
}

namespace Private {
  /** A control inside a row (its button, a link): its keys and clicks are its own. */
  export function isControl(target: EventTarget | null): boolean {
    return target instanceof Element && target.closest('a, button, input, select') !== null;
  }
}
