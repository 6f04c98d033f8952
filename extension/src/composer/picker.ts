import { Dialog, showDialog } from '@jupyterlab/apputils';
import { Widget } from '@lumino/widgets';
import { h } from '../display/dom';

/** A dialog that searches the server as you type and lets you choose one of the answers. */
export interface IPickerOptions<T> {
  title: string;
  /** Label of the accept button, e.g. "Open" or "Use". */
  accept: string;
  placeholder: string;
  /** The first matches of a search ('' lists the first records). */
  search: (query: string) => Promise<T[]>;
  /** The main text of an answer, and a second line (structure, components, sharing). */
  label: (item: T) => string;
  detail: (item: T) => string;
  /** A sentence for a failed search (connection.explain). */
  explain: (error: unknown) => string;
  /** The first query (e.g. what the row already says). */
  query?: string;
}

/** Show the picker; the chosen answer, or null when cancelled or nothing was chosen. */
export async function pick<T>(options: IPickerOptions<T>): Promise<T | null> {
  const body = new PickerBody(options);
  const result = await showDialog({
    title: options.title,
    body,
    focusNodeSelector: 'input',
    buttons: [Dialog.cancelButton(), Dialog.okButton({ label: options.accept })]
  });
  return result.button.accept ? result.value : null;
}

/** How long typing may pause before the server is asked, ms. */
const SEARCH_MS = 250;

/** The dialog's body: a search field, the answers as a list box, and why a search failed. */
export class PickerBody<T> extends Widget implements Dialog.IBodyWidget<T | null> {
  constructor(options: IPickerOptions<T>) {
    super();
    this.options = options;
    this.addClass('jp-cryoprotect-Picker');
    this.input = h('input', {
      className: 'jp-cryoprotect-Picker-search',
      attrs: { type: 'search', placeholder: options.placeholder, 'aria-label': 'Search' }
    });
    this.input.value = options.query ?? '';
    this.list = h('ul', {
      className: 'jp-cryoprotect-Picker-list',
      attrs: { role: 'listbox', 'aria-label': options.title }
    });
    this.status = h('div', {
      className: 'jp-cryoprotect-Muted jp-cryoprotect-Picker-status',
      attrs: { role: 'status' }
    });
    this.input.addEventListener('input', () => {
      window.clearTimeout(this.timer);
      this.timer = window.setTimeout(() => void this.search(), SEARCH_MS);
    });
    this.node.append(this.input, this.status, this.list);
    void this.search();
  }

  getValue(): T | null {
    return this.chosen;
  }

  override dispose(): void {
    window.clearTimeout(this.timer);
    super.dispose();
  }

  private async search(): Promise<void> {
    const sequence = ++this.sequence;
    this.status.textContent = 'searching…';
    let items: T[];
    try {
      items = await this.options.search(this.input.value.trim());
    } catch (error) {
      if (sequence === this.sequence) {
        this.list.replaceChildren();
        this.status.textContent = this.options.explain(error);
      }
      return;
    }
    if (sequence !== this.sequence) {
      return;
    }
    this.chosen = null;
    this.status.textContent = items.length === 0 ? 'nothing found' : '';
    this.list.replaceChildren(
      ...items.map(item => {
        const option = h(
          'li',
          {
            className: 'jp-cryoprotect-Picker-item',
            attrs: { role: 'option', 'aria-selected': 'false', tabindex: '0' }
          },
          h('div', { className: 'jp-cryoprotect-Picker-label' }, this.options.label(item)),
          h('div', { className: 'jp-cryoprotect-Muted' }, this.options.detail(item))
        );
        const choose = () => {
          for (const other of this.list.children) {
            other.setAttribute('aria-selected', 'false');
          }
          option.setAttribute('aria-selected', 'true');
          this.chosen = item;
        };
        option.addEventListener('click', choose);
        option.addEventListener('keydown', event => {
          if (event.key === ' ') {
            event.preventDefault();
            choose();
          }
        });
        return option;
      })
    );
  }

  private readonly options: IPickerOptions<T>;
  private readonly input: HTMLInputElement;
  private readonly list: HTMLUListElement;
  private readonly status: HTMLElement;
  private chosen: T | null = null;
  private timer: number | undefined;
  private sequence = 0;
}

/** The first `count` items of a paged listing (the client's generators page lazily). */
export async function first<T>(items: AsyncIterable<T>, count: number): Promise<T[]> {
  const taken: T[] = [];
  if (count <= 0) {
    return taken;
  }
  for await (const item of items) {
    taken.push(item);
    if (taken.length >= count) {
      break;
    }
  }
  return taken;
}
