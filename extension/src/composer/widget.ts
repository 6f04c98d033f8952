import type { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { MimeModel } from '@jupyterlab/rendermime';
import { COMPONENT_ROLES, CONCENTRATION_UNITS, DISPLAY_MIME } from '@cryoprotect/kernel/display';
import { PanelLayout, Widget } from '@lumino/widgets';
import { loadKernel } from '../chemistry';
import { h } from '../display/dom';
import { evaluate, type IEvaluation } from './evaluate';
import { ComposerModel, type ComponentRole, type IFieldMessage, type RowField } from './model';

export interface IComposerOptions {
  rendermime: IRenderMimeRegistry;
  /** Put the composer's code in the active notebook; false when there is none. */
  insertCode: (code: string) => boolean;
  /** The first rows (default: one empty row). */
  model?: ComposerModel;
}

/** How long typing may pause before the mixture is computed again, ms. */
const SETTLE_MS = 250;

/**
 * The mixture composer: a row per solute (reference name or SMILES, amount, one of the eight
 * units, role), water the balance, and below it the mixture as the kernel computes it — drawn by
 * the same mixture renderer as a notebook output, so composer and notebook cannot disagree. Every
 * message sits next to the input it is about. "Insert code" writes the cell that recreates the
 * mixture (tslab has no comms: the notebook must hold the code, visibly).
 */
export class MixtureComposer extends Widget {
  readonly model: ComposerModel;
  private readonly options: IComposerOptions;
  private readonly nodes: {
    name: HTMLInputElement;
    rows: HTMLTableSectionElement;
    mixtureMessages: HTMLElement;
    text: HTMLElement;
    insert: HTMLButtonElement;
    status: HTMLElement;
  };
  private readonly result: Widget & { renderModel(model: MimeModel): Promise<void> };
  private timer: number | undefined;
  private pending = false;
  private sequence = 0;
  private last: IEvaluation = { payload: null, messages: [] };

  constructor(options: IComposerOptions) {
    super();
    this.options = options;
    this.model = options.model ?? new ComposerModel([{ component: '', amount: '' }]);
    this.addClass('jp-cryoprotect-Composer');
    this.id = `cryoprotect-composer-${Private.ids.next++}`;
    this.title.label = 'Mixture composer';
    this.title.closable = true;

    const names = h('datalist', { attrs: { id: `${this.id}-names` } });
    void loadKernel().then(kernel => {
      for (const molecule of kernel.getReferenceData().molecules) {
        names.append(h('option', { attrs: { value: molecule.name } }));
      }
    });
    const name = h('input', {
      className: 'jp-cryoprotect-Composer-name',
      attrs: { type: 'text', placeholder: 'optional, e.g. VS55', 'aria-label': 'Mixture name' }
    });
    name.value = this.model.name;
    name.addEventListener('input', () => {
      this.model.name = name.value;
      this.schedule();
    });
    const add = h(
      'button',
      { className: 'jp-mod-styled jp-cryoprotect-Composer-add' },
      'Add component'
    );
    add.addEventListener('click', () => {
      this.model.add();
      this.renderRows();
      this.schedule();
      this.nodes.rows.querySelector<HTMLInputElement>('tr:last-child input')?.focus();
    });
    const insert = h(
      'button',
      {
        className: 'jp-mod-styled jp-mod-accept jp-cryoprotect-Composer-insert',
        title:
          'Insert a cell that recreates this mixture below the active cell of the current notebook'
      },
      'Insert code'
    );
    insert.addEventListener('click', () => void this.insert());
    this.nodes = {
      name,
      rows: h('tbody'),
      mixtureMessages: h('div', {
        className: 'jp-cryoprotect-Composer-messages',
        attrs: { role: 'alert' }
      }),
      text: h('code', { className: 'jp-cryoprotect-Composer-text' }),
      insert,
      status: h('span', { className: 'jp-cryoprotect-Muted jp-cryoprotect-Composer-status' })
    };

    const form = h(
      'div',
      { className: 'jp-cryoprotect-Composer-form' },
      h('h3', { className: 'jp-cryoprotect-Title' }, 'Mixture composer'),
      h('label', { className: 'jp-cryoprotect-Composer-field' }, 'Name ', name),
      h('table', { className: 'jp-cryoprotect-Composer-rows' }, this.nodes.rows),
      names,
      h(
        'div',
        { className: 'jp-cryoprotect-Composer-actions' },
        add,
        h('span', { className: 'jp-cryoprotect-Muted' }, 'Water is the balance.')
      ),
      this.nodes.mixtureMessages,
      h('p', {}, h('span', { className: 'jp-cryoprotect-Label' }, 'Text form '), this.nodes.text),
      h('div', { className: 'jp-cryoprotect-Composer-actions' }, insert, this.nodes.status)
    );
    this.result = options.rendermime.createRenderer(DISPLAY_MIME.mixture) as Widget & {
      renderModel(model: MimeModel): Promise<void>;
    };
    this.result.addClass('jp-cryoprotect-Composer-result');
    const layout = new PanelLayout();
    layout.addWidget(new Widget({ node: form }));
    layout.addWidget(this.result);
    this.layout = layout;
    this.renderRows();
    this.schedule(0);
  }

  /** The latest computation has finished (tests and the insert button wait for it). */
  async settled(): Promise<IEvaluation> {
    while (this.timer !== undefined || this.pending) {
      await new Promise(resolve => setTimeout(resolve, 20));
    }
    return this.last;
  }

  override dispose(): void {
    window.clearTimeout(this.timer);
    this.timer = undefined;
    super.dispose();
  }

  private renderRows(): void {
    const units = CONCENTRATION_UNITS;
    this.nodes.rows.replaceChildren(
      ...this.model.components.map((row, index) => {
        const component = h('input', {
          className: 'jp-cryoprotect-Composer-component',
          attrs: {
            type: 'text',
            list: `${this.id}-names`,
            placeholder: 'e.g. DMSO or OCCO',
            'aria-label': `Component ${index + 1}`
          }
        });
        component.value = row.component;
        const amount = h('input', {
          className: 'jp-cryoprotect-Composer-amount',
          attrs: { type: 'text', inputmode: 'decimal', 'aria-label': `Amount ${index + 1}` }
        });
        amount.value = row.amount;
        const unit = h(
          'select',
          {
            className: 'jp-cryoprotect-Composer-unit',
            attrs: { 'aria-label': `Unit ${index + 1}` }
          },
          ...units.map(u => h('option', { attrs: { value: u } }, u))
        );
        unit.value = row.unit;
        const role = h(
          'select',
          {
            className: 'jp-cryoprotect-Composer-role',
            attrs: { 'aria-label': `Role ${index + 1}` }
          },
          h('option', { attrs: { value: '' } }, 'as in the library'),
          ...COMPONENT_ROLES.map(r => h('option', { attrs: { value: r } }, r))
        );
        role.value = row.role ?? '';
        const remove = h(
          'button',
          {
            className: 'jp-mod-styled jp-cryoprotect-Composer-remove',
            title: 'Remove this component'
          },
          'Remove'
        );
        const changed = () => {
          this.model.update(row.key, {
            component: component.value,
            amount: amount.value,
            unit: unit.value as (typeof units)[number],
            role: role.value === '' ? null : (role.value as ComponentRole)
          });
          this.schedule();
        };
        for (const input of [component, amount]) {
          input.addEventListener('input', changed);
        }
        for (const select of [unit, role]) {
          select.addEventListener('change', changed);
        }
        remove.addEventListener('click', () => {
          this.model.remove(row.key);
          this.renderRows();
          this.schedule();
        });
        // Each input with its label above it: rows wrap in a narrow panel beside a notebook.
        const cell = (field: RowField, input: HTMLElement) =>
          h(
            'td',
            {},
            h('div', { className: 'jp-cryoprotect-Label' }, Private.LABELS[field]),
            input,
            h('div', {
              className: 'jp-cryoprotect-FieldError',
              attrs: { 'data-field': field, role: 'alert' }
            })
          );
        return h(
          'tr',
          { attrs: { 'data-row': String(index) } },
          cell('component', component),
          cell('amount', amount),
          cell('unit', unit),
          cell('role', role),
          h('td', {}, remove)
        );
      })
    );
  }

  private schedule(delay = SETTLE_MS): void {
    window.clearTimeout(this.timer);
    this.nodes.text.textContent = this.model.text();
    this.timer = window.setTimeout(() => {
      this.timer = undefined;
      void this.compute();
    }, delay);
  }

  private async compute(): Promise<void> {
    const sequence = ++this.sequence;
    this.pending = true;
    this.nodes.status.textContent = 'computing…';
    let evaluation: IEvaluation;
    try {
      evaluation = await evaluate(await loadKernel(), this.model);
    } catch (error) {
      evaluation = {
        payload: null,
        messages: [
          { row: null, field: 'mixture', message: `not computed: ${(error as Error).message}` }
        ]
      };
    }
    if (sequence !== this.sequence || this.isDisposed) {
      return;
    }
    this.last = evaluation;
    this.showMessages(evaluation.messages);
    this.nodes.insert.disabled = evaluation.payload === null;
    this.nodes.status.textContent =
      evaluation.payload === null ? 'fix the marked entries to see the mixture' : '';
    this.result.setHidden(evaluation.payload === null);
    if (evaluation.payload !== null) {
      await this.result.renderModel(
        new MimeModel({ data: { [DISPLAY_MIME.mixture]: evaluation.payload as never } })
      );
    }
    if (sequence === this.sequence) {
      this.pending = false;
    }
  }

  private showMessages(messages: readonly IFieldMessage[]): void {
    for (const slot of this.nodes.rows.querySelectorAll<HTMLElement>(
      '.jp-cryoprotect-FieldError'
    )) {
      slot.textContent = '';
    }
    for (const input of this.nodes.rows.querySelectorAll('[aria-invalid]')) {
      input.removeAttribute('aria-invalid');
    }
    const general: string[] = [];
    for (const message of messages) {
      const slot =
        message.row === null
          ? null
          : this.nodes.rows.querySelector<HTMLElement>(
              `tr[data-row="${message.row}"] .jp-cryoprotect-FieldError[data-field="${message.field}"]`
            );
      if (slot) {
        slot.textContent = slot.textContent
          ? `${slot.textContent}; ${message.message}`
          : message.message;
        slot.previousElementSibling?.setAttribute('aria-invalid', 'true');
      } else {
        general.push(message.message);
      }
    }
    this.nodes.mixtureMessages.replaceChildren(
      ...general.map(text => h('div', { className: 'jp-cryoprotect-FieldError' }, text))
    );
  }

  private async insert(): Promise<void> {
    // A click within the settle time must not insert rows that were never checked.
    if ((await this.settled()).payload === null) {
      return;
    }
    if (!this.options.insertCode(this.model.code())) {
      this.nodes.status.textContent = 'open a notebook to insert the code into';
      return;
    }
    this.nodes.status.textContent = 'code inserted below the active cell';
  }
}

namespace Private {
  export const ids = { next: 0 };

  export const LABELS: Record<RowField, string> = {
    component: 'Component (name or SMILES)',
    amount: 'Amount',
    unit: 'Unit',
    role: 'Role'
  };
}
