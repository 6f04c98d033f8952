import type { Account, Project, Visibility } from '@cryoprotect/kernel';
import { DISPLAY_MIME } from '@cryoprotect/kernel/display';
import type { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { MimeModel } from '@jupyterlab/rendermime';
import { PanelLayout, Widget } from '@lumino/widgets';
import { loadKernel } from '../chemistry';
import type { ICryoProtectConnection } from '../connection';
import { h } from '../display/dom';
import { createCanvas, type IStructureCanvas } from './canvas';
import {
  cleanStructure,
  editorCode,
  fieldOfPath,
  formProblems,
  formatOf,
  registerBody,
  registrationOutcome,
  registrationStatus,
  type IRegisterForm,
  type StructureCheck
} from './model';

export interface IMoleculeEditorOptions {
  rendermime: IRenderMimeRegistry;
  connection: ICryoProtectConnection;
  /** Put code in the active notebook; false when there is none. */
  insertCode: (code: string) => boolean;
  /** The drawing surface (default: OpenChemLib's editor, loaded on first use). */
  createCanvas?: (host: HTMLElement) => Promise<IStructureCanvas>;
  /** A structure to start with. */
  structure?: string;
}

/** How long typing may pause before the structure is checked again, ms. */
const SETTLE_MS = 250;

/**
 * The molecule editor: draw (OpenChemLib) or type SMILES, a MOL block or InChI; as it changes,
 * the kernel's standardization (parent, stripped fragments, canonical SMILES, InChIKey) and the
 * molecule renderer's properties with units, whether the server already holds the structure and
 * who may see it; "Register" with a name, visibility and project; "Insert code" writes the cell
 * that re-does it in the notebook.
 */
export class MoleculeEditor extends Widget {
  constructor(options: IMoleculeEditorOptions) {
    super();
    this._options = options;
    this.addClass('jp-cryoprotect-Editor');
    this.id = `cryoprotect-editor-${Private.ids.next++}`;
    this.title.label = 'Molecule editor';
    this.title.closable = true;

    const n = Private.nodes(this.id);
    this._nodes = n;
    n.structure.value = options.structure ?? '';
    n.structure.addEventListener('input', () => {
      this._fromCanvas = false;
      this.schedule();
    });
    n.name.addEventListener('input', () => this.updateActions());
    n.visibility.addEventListener('change', () => {
      n.projectRow.hidden = n.visibility.value !== 'project';
      if (n.visibility.value === 'project') {
        void this.loadProjects();
      }
      this.updateActions();
    });
    n.project.addEventListener('change', () => this.updateActions());
    n.register.addEventListener('click', () => void this.register());
    n.insert.addEventListener('click', () => void this.insert());
    n.use.addEventListener('click', () => void this.use());
    n.clear.addEventListener('click', () => {
      n.structure.value = '';
      this._canvas?.clear();
      this.schedule(0);
    });

    this._result = options.rendermime.createRenderer(DISPLAY_MIME.molecule) as Widget & {
      renderModel(model: MimeModel): Promise<void>;
    };
    this._result.addClass('jp-cryoprotect-Editor-result');
    const layout = new PanelLayout();
    layout.addWidget(new Widget({ node: n.form }));
    layout.addWidget(this._result);
    this.layout = layout;
    this._result.setHidden(true);

    options.connection.changed.connect(this.onConnectionChanged, this);
    void this.loadCanvas();
    this.schedule(0);
  }

  /** The latest check has finished (tests and the buttons wait for it). */
  async settled(): Promise<StructureCheck> {
    while (this._timer !== undefined || this._pending) {
      await new Promise(resolve => setTimeout(resolve, 20));
    }
    return this._check;
  }

  /** The drawing surface once loaded (null while loading or when it failed). */
  get canvas(): IStructureCanvas | null {
    return this._canvas;
  }

  /**
   * Offer a button (labelled `label`) that hands the current structure to another widget: its
   * SMILES as typed or drawn (for a MOL block or InChI, the standardized parent's). Resolves
   * with it, or null when the editor closes first.
   */
  pickStructure(label: string): Promise<string | null> {
    this._pick?.(null);
    const n = this._nodes;
    n.use.textContent = label;
    n.use.hidden = false;
    this.updateActions();
    return new Promise(resolve => {
      this._pick = value => {
        this._pick = null;
        n.use.hidden = true;
        resolve(value);
      };
    });
  }

  /** Show a structure as if typed. */
  setStructure(structure: string): void {
    this._nodes.structure.value = structure;
    this._fromCanvas = false;
    this.schedule(0);
  }

  override dispose(): void {
    if (this.isDisposed) {
      return;
    }
    window.clearTimeout(this._timer);
    this._timer = undefined;
    this._pick?.(null);
    this._canvas?.dispose();
    this._options.connection.changed.disconnect(this.onConnectionChanged, this);
    super.dispose();
  }

  private async loadCanvas(): Promise<void> {
    const n = this._nodes;
    try {
      const canvas = await (this._options.createCanvas ?? createCanvas)(n.canvasHost);
      if (this.isDisposed) {
        canvas.dispose();
        return;
      }
      this._canvas = canvas;
      n.canvasStatus.textContent = '';
      n.canvasHost.dataset.loadMs = canvas.loadMs.toFixed(0);
      canvas.onEdit(smiles => {
        this._fromCanvas = true;
        n.structure.value = smiles;
        this.schedule();
      });
      const text = cleanStructure(n.structure.value);
      if (text && formatOf(text) !== 'inchi') {
        canvas.show(text);
      } else if (this._check.state === 'valid') {
        canvas.show(this._check.standardized.smiles);
      }
    } catch (error) {
      n.canvasStatus.textContent = `The drawing editor could not load (${(error as Error).message}); type the structure instead.`;
    }
  }

  private onConnectionChanged(): void {
    this._me = undefined;
    this.schedule(0);
  }

  private schedule(delay = SETTLE_MS): void {
    window.clearTimeout(this._timer);
    this._timer = window.setTimeout(() => {
      this._timer = undefined;
      void this.check();
    }, delay);
  }

  private async check(): Promise<void> {
    const sequence = ++this._sequence;
    this._pending = true;
    const n = this._nodes;
    const text = cleanStructure(n.structure.value);
    let check: StructureCheck;
    let payload: unknown = null;
    if (text === '') {
      check = { state: 'empty' };
    } else {
      n.status.textContent = 'checking…';
      try {
        const kernel = await loadKernel();
        const standardized = await kernel.standardize(text);
        const display = await kernel.moleculeDisplay(text, {
          name: n.name.value.trim() || undefined
        });
        payload = display.payload;
        check = { state: 'valid', standardized };
      } catch (error) {
        check = { state: 'invalid', message: (error as Error).message };
      }
    }
    if (sequence !== this._sequence || this.isDisposed) {
      return;
    }
    this._check = check;
    this._registeredId = undefined;
    this.showCheck(check);
    // Typed or pasted text is drawn; a drawing is not redrawn from its own SMILES.
    if (check.state === 'valid' && !this._fromCanvas && this._canvas) {
      this._canvas.show(formatOf(text) === 'inchi' ? check.standardized.smiles : text);
    }
    this._result.setHidden(payload === null);
    if (payload !== null) {
      await this._result.renderModel(
        new MimeModel({ data: { [DISPLAY_MIME.molecule]: payload as never } })
      );
    }
    if (check.state === 'valid') {
      await this.lookUp(check.standardized.inchikey, sequence);
    } else {
      n.registration.textContent = '';
    }
    if (sequence === this._sequence) {
      n.status.textContent = '';
      this._pending = false;
      this.updateActions();
    }
  }

  private showCheck(check: StructureCheck): void {
    const n = this._nodes;
    n.structureError.textContent = check.state === 'invalid' ? check.message : '';
    if (check.state === 'invalid') {
      n.structure.setAttribute('aria-invalid', 'true');
    } else {
      n.structure.removeAttribute('aria-invalid');
    }
    n.facts.replaceChildren();
    if (check.state !== 'valid') {
      return;
    }
    const s = check.standardized;
    const row = (label: string, value: string, className = '') =>
      h('tr', {}, h('th', { attrs: { scope: 'row' } }, label), h('td', { className }, value));
    n.facts.append(
      row('Read as', { smiles: 'SMILES', molblock: 'MOL block', inchi: 'InChI' }[s.inputFormat]),
      row('Parent (canonical SMILES)', s.smiles, 'jp-cryoprotect-Editor-smiles'),
      row('InChIKey', s.inchikey, 'jp-cryoprotect-Editor-inchikey'),
      row(
        'Stripped fragments',
        s.strippedFragments.length ? s.strippedFragments.join(', ') : 'none'
      ),
      row('Charges neutralized', s.neutralized ? 'yes' : 'no'),
      row('Standardized by', `RDKit.js ${s.rdkitVersion}`)
    );
  }

  private async lookUp(inchikey: string, sequence: number): Promise<void> {
    const n = this._nodes;
    const connection = this._options.connection;
    try {
      const client = await connection.client();
      const me = await this.whoAmI();
      const registration = await client.moleculeRegistration(inchikey);
      if (sequence !== this._sequence) {
        return;
      }
      let projectName: string | undefined;
      if (registration.molecule?.projectId) {
        projectName = await client.projects
          .get(registration.molecule.projectId)
          .then(p => p.name)
          .catch(() => undefined);
      }
      this._registeredId = registration.molecule?.id;
      this._registeredElsewhere = registration.registered && !registration.molecule;
      n.registration.textContent = registrationStatus(registration, me, projectName);
      n.registration.dataset.state = registration.molecule
        ? 'visible'
        : registration.registered
          ? 'hidden'
          : 'new';
    } catch (error) {
      if (sequence === this._sequence) {
        n.registration.textContent = `Registration not checked: ${connection.explain(error)}`;
        n.registration.dataset.state = 'unavailable';
      }
    }
  }

  private async whoAmI(): Promise<Account | null> {
    if (this._me === undefined) {
      try {
        this._me = await (await this._options.connection.client()).users.me();
      } catch {
        this._me = null;
      }
    }
    return this._me;
  }

  private async loadProjects(): Promise<void> {
    const n = this._nodes;
    try {
      const client = await this._options.connection.client();
      const projects: Project[] = [];
      for await (const project of client.projects.list()) {
        projects.push(project);
      }
      const chosen = n.project.value;
      n.project.replaceChildren(
        h('option', { attrs: { value: '' } }, projects.length ? 'choose a project' : 'no projects'),
        ...projects.map(p => h('option', { attrs: { value: p.id } }, p.name))
      );
      n.project.value = chosen;
    } catch (error) {
      this.fieldMessage('projectId', this._options.connection.explain(error));
    }
  }

  private form(): IRegisterForm {
    const n = this._nodes;
    return {
      structure: n.structure.value,
      name: n.name.value,
      visibility: n.visibility.value as Visibility,
      projectId: n.project.value
    };
  }

  private updateActions(): void {
    const n = this._nodes;
    const problems = formProblems(this.form(), this._check);
    for (const field of ['name', 'projectId'] as const) {
      this.fieldMessage(field, problems.get(field) ?? '');
    }
    const ready = problems.size === 0 && !this._pending && this._timer === undefined;
    n.insert.disabled = this._check.state !== 'valid' || problems.has('name');
    n.use.disabled = this._check.state !== 'valid';
    n.register.disabled = !ready || this._registeredElsewhere;
  }

  private fieldMessage(field: string, message: string): void {
    const slot = this._nodes.form.querySelector<HTMLElement>(
      `.jp-cryoprotect-FieldError[data-field="${field}"]`
    );
    if (!slot) {
      this._nodes.status.textContent = message;
      return;
    }
    slot.textContent = message;
    const input = slot.previousElementSibling;
    if (message) {
      input?.setAttribute('aria-invalid', 'true');
    } else {
      input?.removeAttribute('aria-invalid');
    }
  }

  private async register(): Promise<void> {
    const check = await this.settled();
    const n = this._nodes;
    const form = this.form();
    const problems = formProblems(form, check);
    if (problems.size > 0) {
      for (const [field, message] of problems) {
        this.fieldMessage(field, message);
      }
      return;
    }
    n.register.disabled = true;
    n.status.textContent = 'registering…';
    const connection = this._options.connection;
    try {
      const client = await connection.client();
      const result = await client.registerMolecule(registerBody(form));
      this._registeredId = result.molecule.id;
      n.status.textContent = registrationOutcome(result);
      n.status.dataset.state = 'registered';
      const me = await this.whoAmI();
      n.registration.textContent = registrationStatus(
        { inchikey: result.molecule.inchikey, registered: true, molecule: result.molecule },
        me
      );
      n.registration.dataset.state = 'visible';
    } catch (error) {
      n.status.dataset.state = 'error';
      const problem = error as { name?: string; errors?: { path: string; message: string }[] };
      if (problem.name === 'ApiError' && problem.errors?.length) {
        n.status.textContent = 'Not registered: see the marked fields.';
        for (const e of problem.errors) {
          const field = fieldOfPath(e.path);
          if (field === 'structure') {
            n.structureError.textContent = e.message;
            n.structure.setAttribute('aria-invalid', 'true');
          } else {
            this.fieldMessage(field, e.message);
          }
        }
      } else {
        n.status.textContent = `Not registered: ${connection.explain(error)}`;
      }
    } finally {
      n.register.disabled = false;
    }
  }

  private async use(): Promise<void> {
    const check = await this.settled();
    if (check.state !== 'valid' || !this._pick) {
      return;
    }
    const text = cleanStructure(this._nodes.structure.value);
    this._pick(formatOf(text) === 'smiles' ? text : check.standardized.smiles);
  }

  private async insert(): Promise<void> {
    const check = await this.settled();
    if (check.state !== 'valid') {
      return;
    }
    const n = this._nodes;
    const code = editorCode(n.structure.value, n.name.value, this._registeredId);
    n.status.dataset.state = '';
    n.status.textContent = this._options.insertCode(code)
      ? 'code inserted below the active cell'
      : 'open a notebook to insert the code into';
  }

  private readonly _options: IMoleculeEditorOptions;
  private readonly _nodes: ReturnType<typeof Private.nodes>;
  private readonly _result: Widget & { renderModel(model: MimeModel): Promise<void> };
  private _canvas: IStructureCanvas | null = null;
  private _timer: number | undefined;
  private _pending = false;
  private _sequence = 0;
  private _check: StructureCheck = { state: 'empty' };
  private _fromCanvas = false;
  private _registeredId: string | undefined;
  private _registeredElsewhere = false;
  private _me: Account | null | undefined;
  private _pick: ((value: string | null) => void) | null = null;
}

namespace Private {
  export const ids = { next: 0 };

  /** The editor's elements: drawing, structure field, facts, register form, actions. */
  export function nodes(id: string) {
    const error = (field: string) =>
      h('div', {
        className: 'jp-cryoprotect-FieldError',
        attrs: { 'data-field': field, role: 'alert' }
      });
    const structure = h('textarea', {
      className: 'jp-cryoprotect-Editor-structure',
      attrs: {
        id: `${id}-structure`,
        rows: '2',
        spellcheck: 'false',
        placeholder: 'e.g. OCC(O)CO, a MOL block, or InChI=1S/...',
        'aria-describedby': `${id}-structure-error`
      }
    });
    const structureError = error('structure');
    structureError.id = `${id}-structure-error`;
    const name = h('input', {
      className: 'jp-cryoprotect-Editor-name',
      attrs: { type: 'text', placeholder: 'optional, e.g. glycerol', id: `${id}-name` }
    });
    const visibility = h(
      'select',
      { className: 'jp-cryoprotect-Editor-visibility', attrs: { id: `${id}-visibility` } },
      h('option', { attrs: { value: 'private' } }, 'private (only you)'),
      h('option', { attrs: { value: 'project' } }, 'project (its members)'),
      h('option', { attrs: { value: 'public' } }, 'public (everyone)')
    );
    const project = h(
      'select',
      { className: 'jp-cryoprotect-Editor-project', attrs: { id: `${id}-project` } },
      h('option', { attrs: { value: '' } }, 'choose a project')
    );
    const labelled = (label: string, input: HTMLElement, field: string) =>
      h(
        'div',
        { className: 'jp-cryoprotect-Editor-field' },
        h('label', { className: 'jp-cryoprotect-Label', attrs: { for: input.id } }, label),
        input,
        error(field)
      );
    const projectRow = labelled('Project', project, 'projectId');
    projectRow.hidden = true;
    const button = (label: string, className: string, title: string) =>
      h('button', { className: `jp-mod-styled ${className}`, attrs: { title } }, label);
    const register = button(
      'Register',
      'jp-mod-accept jp-cryoprotect-Editor-register',
      'Register the standardized structure in the CryoProtect database'
    );
    const insert = button(
      'Insert code',
      'jp-cryoprotect-Editor-insert',
      'Insert a cell that re-does this below the active cell of the current notebook'
    );
    const clear = button('Clear', 'jp-cryoprotect-Editor-clear', 'Clear the drawing and the field');
    const use = button(
      'Use',
      'jp-mod-accept jp-cryoprotect-Editor-use',
      'Hand this structure to the widget that opened the editor'
    );
    use.hidden = true;
    const canvasHost = h('div', {
      className: 'jp-cryoprotect-Editor-canvas',
      attrs: { 'aria-label': 'Structure drawing (OpenChemLib editor)' }
    });
    const canvasStatus = h(
      'div',
      { className: 'jp-cryoprotect-Muted jp-cryoprotect-Editor-canvasStatus' },
      'Loading the drawing editor…'
    );
    const facts = h('tbody');
    const registration = h('p', {
      className: 'jp-cryoprotect-Editor-registration',
      attrs: { role: 'status' }
    });
    const status = h('p', {
      className: 'jp-cryoprotect-Editor-status',
      attrs: { role: 'status' }
    });
    const form = h(
      'div',
      { className: 'jp-cryoprotect-Editor-form' },
      h('h3', { className: 'jp-cryoprotect-Title' }, 'Molecule editor'),
      canvasStatus,
      canvasHost,
      h(
        'div',
        { className: 'jp-cryoprotect-Editor-field' },
        h(
          'label',
          { className: 'jp-cryoprotect-Label', attrs: { for: structure.id } },
          'Structure (SMILES, MOL block or InChI)'
        ),
        structure,
        structureError
      ),
      h('table', { className: 'jp-cryoprotect-Facts jp-cryoprotect-Editor-facts' }, facts),
      registration,
      h(
        'fieldset',
        { className: 'jp-cryoprotect-Editor-register-form' },
        h('legend', {}, 'Register in the database'),
        labelled('Name', name, 'name'),
        labelled('Visibility', visibility, 'visibility'),
        projectRow
      ),
      h('div', { className: 'jp-cryoprotect-Editor-actions' }, use, register, insert, clear),
      status
    );
    return {
      form,
      canvasHost,
      canvasStatus,
      structure,
      structureError,
      name,
      visibility,
      project,
      projectRow,
      facts,
      registration,
      register,
      insert,
      clear,
      use,
      status
    };
  }
}
