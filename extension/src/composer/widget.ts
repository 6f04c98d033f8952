import type { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { MimeModel } from '@jupyterlab/rendermime';
import { COMPONENT_ROLES, CONCENTRATION_UNITS, DISPLAY_MIME } from '@cryoprotect/kernel/display';
import { Signal } from '@lumino/signaling';
import { PanelLayout, Widget } from '@lumino/widgets';
import type { MixtureRecord, Molecule, Visibility } from '@cryoprotect/kernel';
import { loadKernel } from '../chemistry';
import type { ICryoProtectConnection } from '../connection';
import { h } from '../display/dom';
import { evaluate, type IEvaluation } from './evaluate';
import {
  ComposerModel,
  type ComponentRole,
  type FormField,
  type IFieldMessage,
  type RowField
} from './model';
import { first, pick } from './picker';
import { componentText, rowsOfRecord } from './records';
import { saveFormMessages, saveMixture, type ISaveForm, type SaveOutcome } from './save';

export interface IComposerOptions {
  rendermime: IRenderMimeRegistry;
  /** Put the composer's code in the active notebook; false when there is none. */
  insertCode: (code: string) => boolean;
  /** The first rows (default: one empty row). */
  model?: ComposerModel;
  /** The CryoProtect server; without it the composer cannot save, open or search. */
  connection?: ICryoProtectConnection | null;
  /** Draw a component in the molecule editor (starting from `initial`): its SMILES, or null. */
  drawStructure?: (initial: string) => Promise<string | null>;
}

/** How many answers a search dialog lists. */
const PICK_COUNT = 30;

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
    description: HTMLTextAreaElement;
    visibility: HTMLSelectElement;
    project: HTMLSelectElement;
    projectField: HTMLElement;
    save: HTMLButtonElement;
    open: HTMLButtonElement;
    saveHints: HTMLElement;
    dbStatus: HTMLElement;
    formSlots: Record<FormField, HTMLElement>;
  };
  private readonly result: Widget & { renderModel(model: MimeModel): Promise<void> };
  private timer: number | undefined;
  private pending = false;
  private sequence = 0;
  private last: IEvaluation = { payload: null, components: null, messages: [] };
  /** The server's messages of the last failed save, shown until anything changes. */
  private serverMessages: IFieldMessage[] = [];
  /** Counts changes, so a save that finishes after an edit does not claim the new rows. */
  private version = 0;
  private saving = false;
  private projectsLoaded = false;

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
      attrs: {
        type: 'text',
        placeholder: 'e.g. VS55 (needed to save)',
        'aria-label': 'Mixture name'
      }
    });
    name.value = this.model.name;
    name.addEventListener('input', () => {
      this.model.name = name.value;
      this.changed();
    });
    const add = h(
      'button',
      { className: 'jp-mod-styled jp-cryoprotect-Composer-add' },
      'Add component'
    );
    add.addEventListener('click', () => {
      this.model.add();
      this.renderRows();
      this.changed();
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
    const slot = (field: FormField) =>
      h('div', {
        className: 'jp-cryoprotect-FieldError',
        attrs: { 'data-form-field': field, role: 'alert' }
      });
    const description = h('textarea', {
      className: 'jp-cryoprotect-Composer-description',
      attrs: { rows: '2', placeholder: 'optional', 'aria-label': 'Description' }
    });
    const visibility = h(
      'select',
      { className: 'jp-cryoprotect-Composer-visibility', attrs: { 'aria-label': 'Visibility' } },
      ...Private.VISIBILITIES.map(([value, text]) => h('option', { attrs: { value } }, text))
    );
    const project = h('select', {
      className: 'jp-cryoprotect-Composer-project',
      attrs: { 'aria-label': 'Project' }
    });
    const save = h(
      'button',
      {
        className: 'jp-mod-styled jp-mod-accept jp-cryoprotect-Composer-save',
        title: 'Register the components and save this mixture in the CryoProtect database'
      },
      'Save'
    );
    const open = h(
      'button',
      {
        className: 'jp-mod-styled jp-cryoprotect-Composer-open',
        title: 'Fill the composer with a mixture saved in the CryoProtect database'
      },
      'Open saved…'
    );
    for (const input of [description, visibility, project]) {
      input.addEventListener(input === description ? 'input' : 'change', () => {
        if (input === visibility) {
          this.showProjects();
        }
        this.serverMessages = [];
        this.showMessages(this.last.messages);
        this.updateSave();
      });
    }
    save.addEventListener('click', () => void this.save());
    open.addEventListener('click', () => void this.pickSaved());
    const formSlots: Record<FormField, HTMLElement> = {
      name: slot('name'),
      description: slot('description'),
      visibility: slot('visibility'),
      project: slot('project')
    };
    const projectField = h(
      'label',
      { className: 'jp-cryoprotect-Composer-field' },
      'Project ',
      project,
      formSlots.project
    );
    this.nodes = {
      name,
      rows: h('tbody'),
      mixtureMessages: h('div', {
        className: 'jp-cryoprotect-Composer-messages',
        attrs: { role: 'alert' }
      }),
      text: h('code', { className: 'jp-cryoprotect-Composer-text' }),
      insert,
      status: h('span', { className: 'jp-cryoprotect-Muted jp-cryoprotect-Composer-status' }),
      description,
      visibility,
      project,
      projectField,
      save,
      open,
      saveHints: h('div', { className: 'jp-cryoprotect-Muted jp-cryoprotect-Composer-saveHints' }),
      dbStatus: h('div', {
        className: 'jp-cryoprotect-Composer-dbStatus',
        attrs: { role: 'status' }
      }),
      formSlots
    };

    const form = h(
      'div',
      { className: 'jp-cryoprotect-Composer-form' },
      h(
        'div',
        { className: 'jp-cryoprotect-Composer-header' },
        h('h3', { className: 'jp-cryoprotect-Title' }, 'Mixture composer'),
        open
      ),
      h('label', { className: 'jp-cryoprotect-Composer-field' }, 'Name ', name, formSlots.name),
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
      h('div', { className: 'jp-cryoprotect-Composer-actions' }, insert, this.nodes.status),
      h(
        'fieldset',
        { className: 'jp-cryoprotect-Composer-saveSection' },
        h('legend', {}, 'Save to the database'),
        h(
          'label',
          { className: 'jp-cryoprotect-Composer-field' },
          'Description ',
          description,
          formSlots.description
        ),
        h(
          'label',
          { className: 'jp-cryoprotect-Composer-field' },
          'Visible to ',
          visibility,
          formSlots.visibility
        ),
        projectField,
        h('div', { className: 'jp-cryoprotect-Composer-actions' }, save, this.nodes.saveHints),
        this.nodes.dbStatus
      )
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
    this.showProjects();
    this.updateSave();
    this.schedule(0);
    // Signed in as someone else, or another server: their projects, not the old list.
    options.connection?.changed.connect(() => {
      this.projectsLoaded = false;
      this.showProjects();
    }, this);
  }

  /** The form's save settings: the name above, description, visibility and project below. */
  get saveForm(): ISaveForm {
    return {
      name: this.model.name,
      description: this.nodes.description.value,
      visibility: this.nodes.visibility.value as Visibility,
      projectId: this.nodes.visibility.value === 'project' ? this.nodes.project.value : ''
    };
  }

  /** Fill the composer with a saved mixture (its rows, name, description and sharing). */
  async openRecord(record: MixtureRecord): Promise<void> {
    const rows = await rowsOfRecord(await loadKernel(), record);
    this.model.reset(record.name, rows);
    this.nodes.name.value = record.name;
    this.nodes.description.value = record.description;
    this.nodes.visibility.value = record.visibility;
    this.renderRows();
    this.changed();
    // These rows are that record until something changes: the inserted code may say so.
    this.model.savedId = record.id;
    this.title.label = `Mixture: ${record.name}`;
    if (record.projectId !== null) {
      await this.loadProjects();
      this.nodes.project.value = record.projectId;
    }
    this.showProjects();
    this.setDbStatus(`Opened mixture ${record.id}.`, record.id);
  }

  /** Fetch a saved mixture by id and fill the composer with it; the failure is shown, not thrown. */
  async openSaved(mixtureId: string): Promise<boolean> {
    const connection = this.options.connection;
    if (!connection) {
      this.setDbStatus(Private.NO_CONNECTION);
      return false;
    }
    this.setDbStatus('opening…');
    try {
      const record = await (await connection.client()).mixtures.get(mixtureId);
      await this.openRecord(record);
      return true;
    } catch (error) {
      this.setDbStatus(connection.explain(error));
      return false;
    }
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
    Signal.clearData(this);
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
        const search = h(
          'button',
          {
            className: 'jp-mod-styled jp-cryoprotect-Composer-search',
            title: 'Find a registered molecule in the CryoProtect database by name',
            attrs: { 'aria-label': `Search the database for component ${index + 1}` }
          },
          'Search…'
        );
        search.disabled = !this.options.connection;
        search.addEventListener('click', () => void this.searchMolecule(row.key, component.value));
        const draw = h(
          'button',
          {
            className: 'jp-mod-styled jp-cryoprotect-Composer-draw',
            title: 'Draw this component in the molecule editor',
            attrs: { 'aria-label': `Draw component ${index + 1}` }
          },
          'Draw…'
        );
        draw.disabled = !this.options.drawStructure;
        draw.addEventListener('click', () => void this.drawComponent(row.key, component.value));
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
          this.changed();
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
          this.changed();
        });
        // Each input with its label above it: rows wrap in a narrow panel beside a notebook.
        const cell = (field: RowField, input: HTMLElement, ...extra: HTMLElement[]) =>
          h(
            'td',
            {},
            h('div', { className: 'jp-cryoprotect-Label' }, Private.LABELS[field]),
            extra.length > 0
              ? h('div', { className: 'jp-cryoprotect-Composer-withButton' }, input, ...extra)
              : input,
            h('div', {
              className: 'jp-cryoprotect-FieldError',
              attrs: { 'data-field': field, role: 'alert' }
            })
          );
        return h(
          'tr',
          { attrs: { 'data-row': String(index) } },
          cell('component', component, search, draw),
          cell('amount', amount),
          cell('unit', unit),
          cell('role', role),
          h('td', {}, remove)
        );
      })
    );
  }

  /** Anything the user changed: the saved id and the server's old messages no longer apply. */
  private changed(): void {
    this.version++;
    this.model.savedId = null;
    this.serverMessages = [];
    this.updateSave();
    this.schedule();
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
        components: null,
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
      this.updateSave();
    }
  }

  /** The kernel's messages (or the local ones) and the last failed save's, each by its input. */
  private showMessages(evaluated: readonly IFieldMessage[]): void {
    const messages = [...evaluated, ...this.serverMessages];
    const slots = [
      ...this.nodes.rows.querySelectorAll<HTMLElement>('.jp-cryoprotect-FieldError'),
      ...Object.values(this.nodes.formSlots)
    ];
    for (const slot of slots) {
      slot.textContent = '';
    }
    for (const input of this.node.querySelectorAll('[aria-invalid]')) {
      input.removeAttribute('aria-invalid');
    }
    const general: string[] = [];
    for (const message of messages) {
      const slot =
        message.row === null
          ? message.field in this.nodes.formSlots
            ? this.nodes.formSlots[message.field as FormField]
            : null
          : this.nodes.rows.querySelector<HTMLElement>(
              `tr[data-row="${message.row}"] .jp-cryoprotect-FieldError[data-field="${message.field}"]`
            );
      if (slot) {
        slot.textContent = slot.textContent
          ? `${slot.textContent}; ${message.message}`
          : message.message;
        const input = slot.parentElement?.querySelector('input, select, textarea');
        input?.setAttribute('aria-invalid', 'true');
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

  /** Why Save is off, shown beside it; empty when it may save. */
  private saveBlockers(evaluation: IEvaluation): string[] {
    if (!this.options.connection) {
      return [Private.NO_CONNECTION];
    }
    const blockers: string[] = [];
    if (evaluation.payload === null || evaluation.components === null) {
      blockers.push('fix the marked entries to save');
    } else if (this.serverMessages.length > 0) {
      blockers.push('change the marked entries to save again');
    }
    for (const message of saveFormMessages(this.saveForm)) {
      blockers.push(`${Private.FORM_LABELS[message.field as FormField]}: ${message.message}`);
    }
    return blockers;
  }

  private updateSave(): void {
    const blockers = this.saveBlockers(this.last);
    const pending = this.timer !== undefined || this.pending;
    this.nodes.save.disabled = this.saving || blockers.length > 0;
    this.nodes.saveHints.textContent = pending || this.saving ? '' : blockers.join('; ');
    this.nodes.open.disabled = !this.options.connection;
  }

  /**
   * Register the components and create the mixture (save.ts). Nothing is sent while any entry is
   * wrong; the server's refusals come back under the inputs they name.
   */
  private async save(): Promise<void> {
    const connection = this.options.connection;
    const evaluation = await this.settled();
    if (!connection || this.saving || this.saveBlockers(evaluation).length > 0) {
      return;
    }
    const version = this.version;
    this.saving = true;
    this.updateSave();
    this.setDbStatus('saving…');
    let outcome: SaveOutcome;
    try {
      outcome = await saveMixture(
        await connection.client(),
        this.model,
        evaluation.components!,
        this.saveForm
      );
    } catch (error) {
      outcome = { saved: false, messages: [], cause: error, registered: 0 };
    } finally {
      this.saving = false;
    }
    if (this.isDisposed) {
      return;
    }
    const kept =
      outcome.registered > 0
        ? ` ${Private.plural(outcome.registered, 'new molecule record')} registered for it stay${outcome.registered === 1 ? 's' : ''} in the database (valid records; saving again reuses them).`
        : '';
    if (outcome.saved) {
      const { id } = outcome.mixture;
      if (version === this.version) {
        this.model.savedId = id;
      }
      const registered =
        outcome.registered > 0
          ? ` (${Private.plural(outcome.registered, 'component')} newly registered as molecules)`
          : '';
      this.setDbStatus(`Saved as mixture ${id}${registered}.`, id);
    } else if (outcome.cause) {
      this.setDbStatus(`Not saved: ${connection.explain(outcome.cause)}${kept}`);
    } else {
      if (version === this.version) {
        this.serverMessages = outcome.messages;
        this.showMessages(this.last.messages);
      }
      this.setDbStatus(
        `Not saved: the server refused the marked entries.${kept || ' Nothing was written.'}`
      );
    }
    this.updateSave();
  }

  /** "Open saved…": the mixtures visible to you, searched by name; the chosen one fills the rows. */
  async pickSaved(): Promise<void> {
    const connection = this.options.connection;
    if (!connection) {
      return;
    }
    const record = await pick<MixtureRecord>({
      title: 'Open a saved mixture',
      accept: 'Open',
      placeholder: 'name contains…',
      search: async q =>
        first(
          (await connection.client()).mixtures.list({ q: q || undefined, pageSize: PICK_COUNT }),
          PICK_COUNT
        ),
      label: m => m.name,
      detail: m =>
        `${m.components.map(c => `${c.name} ${c.amount} ${c.unit}`).join('; ')} · ${m.visibility}`,
      explain: error => connection.explain(error)
    });
    if (record !== null) {
      try {
        await this.openRecord(record);
      } catch (error) {
        this.setDbStatus(`Not opened: ${connection.explain(error)}`);
      }
    }
  }

  /** "Draw…" beside a component: the structure drawn in the molecule editor, as SMILES. */
  private async drawComponent(key: number, typed: string): Promise<void> {
    // A reference name starts the drawing from its structure.
    const name = typed.trim();
    const reference = name ? (await loadKernel()).findReferenceMolecule(name) : undefined;
    const smiles = await this.options.drawStructure?.(reference?.smiles ?? name);
    if (smiles === null || smiles === undefined || this.isDisposed) {
      return;
    }
    this.model.update(key, { component: smiles });
    this.renderRows();
    this.changed();
  }

  /** "Search…" beside a component: a registered molecule by name, synonym or InChIKey. */
  private async searchMolecule(key: number, typed: string): Promise<void> {
    const connection = this.options.connection;
    if (!connection) {
      return;
    }
    const molecule = await pick<Molecule>({
      title: 'Find a registered molecule',
      accept: 'Use',
      placeholder: 'name, synonym or InChIKey contains…',
      query: typed.trim(),
      search: async q =>
        first(
          (await connection.client()).molecules({ q: q || undefined, pageSize: PICK_COUNT }),
          PICK_COUNT
        ),
      label: m => m.name ?? m.inchikey,
      detail: m =>
        [
          m.smiles,
          m.synonyms.length > 0 ? `also ${m.synonyms.slice(0, 3).join(', ')}` : '',
          m.visibility
        ]
          .filter(part => part !== '')
          .join(' · '),
      explain: error => connection.explain(error)
    });
    if (molecule === null || this.isDisposed) {
      return;
    }
    try {
      this.model.update(key, { component: await componentText(await loadKernel(), molecule) });
    } catch (error) {
      this.setDbStatus(`Not used: ${connection.explain(error)}`);
      return;
    }
    this.renderRows();
    this.changed();
  }

  /** The project picker, shown for visibility "project" (its list loaded the first time). */
  private showProjects(): void {
    const wanted = this.nodes.visibility.value === 'project';
    this.nodes.projectField.hidden = !wanted;
    if (wanted && !this.projectsLoaded) {
      void this.loadProjects();
    }
  }

  private async loadProjects(): Promise<void> {
    const connection = this.options.connection;
    if (!connection || this.projectsLoaded) {
      return;
    }
    this.projectsLoaded = true;
    try {
      const projects = (await first((await connection.client()).projects.list(), 200)).filter(
        p => p.myRole !== null
      );
      const chosen = this.nodes.project.value;
      this.nodes.project.replaceChildren(
        h(
          'option',
          { attrs: { value: '' } },
          projects.length === 0 ? 'you are in no project' : 'choose…'
        ),
        ...projects.map(p => h('option', { attrs: { value: p.id } }, `${p.name} (${p.myRole})`))
      );
      this.nodes.project.value = chosen;
    } catch (error) {
      this.projectsLoaded = false;
      this.setDbStatus(connection.explain(error));
    }
    this.updateSave();
  }

  /** The database line of the Save section; a record's id is shown as code (it can be copied). */
  private setDbStatus(text: string, id?: string): void {
    const node = this.nodes.dbStatus;
    node.classList.toggle('jp-cryoprotect-Composer-saved', id !== undefined);
    if (id === undefined) {
      node.textContent = text;
      return;
    }
    const [before, after] = text.split(id);
    node.replaceChildren(
      before,
      h('code', { className: 'jp-cryoprotect-Composer-savedId' }, id),
      after
    );
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

  export const FORM_LABELS: Record<FormField, string> = {
    name: 'Name',
    description: 'Description',
    visibility: 'Visible to',
    project: 'Project'
  };

  export const VISIBILITIES: readonly (readonly [Visibility, string])[] = [
    ['private', 'only me (private)'],
    ['project', 'a project'],
    ['public', 'everyone (public)']
  ];

  export const NO_CONNECTION =
    'no CryoProtect server connection in this JupyterLab: saving, opening and search are off';

  export function plural(count: number, noun: string): string {
    return `${count} ${noun}${count === 1 ? '' : 's'}`;
  }
}
