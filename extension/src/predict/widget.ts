import type {
  CryoProtectClient,
  MixtureRecord,
  ModelVersion,
  PredictedRow,
  Prediction,
  UserSummary,
  Visibility
} from '@cryoprotect/kernel';
import { formatNumber } from '@cryoprotect/kernel/display';
import { Widget } from '@lumino/widgets';
import { loadKernel } from '../chemistry';
import { first, pick } from '../composer/picker';
import { rowsOfRecord } from '../composer/records';
import type { ICryoProtectConnection } from '../connection';
import { dataTable, h } from '../display/dom';
import { domainBadge, domainNote, outsideDomain } from './domain';
import {
  actionBlocker,
  DIGITS,
  domainThreshold,
  droppedSubject,
  measuredRows,
  predictOne,
  predictionCode,
  predictionText,
  sharingMessages,
  summarize,
  verificationMessages,
  versionLabel,
  type IModelSummary,
  type IVerificationForm,
  type PredictField,
  type RequestField
} from './model';
import { measuredFor, storeAndRequest, type PanelSubject } from './store';

export interface IPredictionPanelOptions {
  connection: ICryoProtectConnection;
  /** Put code in the active notebook; false when there is none. */
  insertCode: (code: string) => boolean;
  /** Draw the molecule in the molecule editor (starting from `initial`): its SMILES, or null. */
  drawStructure?: (initial: string) => Promise<string | null>;
}

/** How long typing may pause before predicting again, ms. */
const SETTLE_MS = 300;

/** How many versions, users and projects the choosers list. */
const LIST_COUNT = 200;

/** The current prediction, for storing: what was predicted, with which version and inputs. */
interface IPredicted {
  version: ModelVersion;
  summary: IModelSummary;
  subject: PanelSubject;
  row: PredictedRow;
  level: number;
}

/**
 * The prediction panel: choose a registered model version (what it predicts, how it was trained
 * and validated, how its intervals held on verified results), give it a molecule or a saved
 * mixture and the conditions it needs, and see the prediction computed in the browser by the
 * kernel (as a notebook would) beside what the database already measured for the same structure.
 * "Store" keeps the prediction on the server; "Request verification" also asks the lab to measure
 * it; "Insert code" writes the cell that does the same in a notebook.
 */
export class PredictionPanel extends Widget {
  constructor(options: IPredictionPanelOptions) {
    super();
    this.options = options;
    this.addClass('jp-cryoprotect-Predict');
    this.id = `cryoprotect-predict-${Private.ids.next++}`;
    this.title.label = 'Prediction';
    this.title.closable = true;
    this.n = Private.nodes(this.id);
    const n = this.n;
    this.node.append(n.root);

    n.version.addEventListener('change', () => this.chooseVersion(n.version.value));
    n.reload.addEventListener('click', () => void this.loadVersions());
    n.subject.addEventListener('input', () => {
      this.mixtureId = null;
      this.showMixtureId();
      this.schedule();
    });
    n.draw.addEventListener('click', () => void this.draw());
    n.openMixture.addEventListener('click', () => void this.pickMixture());
    n.subjectField.addEventListener('dragover', event => {
      if (event.dataTransfer?.types.includes('text/plain')) {
        event.preventDefault();
        event.dataTransfer.dropEffect = 'copy';
        n.subjectField.classList.add('jp-mod-dropTarget');
      }
    });
    n.subjectField.addEventListener('dragleave', () =>
      n.subjectField.classList.remove('jp-mod-dropTarget')
    );
    n.subjectField.addEventListener('drop', event => {
      n.subjectField.classList.remove('jp-mod-dropTarget');
      const text = event.dataTransfer?.getData('text/plain') ?? '';
      event.preventDefault();
      event.stopPropagation();
      void this.drop(text);
    });
    n.visibility.addEventListener('change', () => {
      n.projectField.hidden = n.visibility.value !== 'project';
      if (n.visibility.value === 'project') {
        void this.loadProjects();
      }
      this.formChanged(true);
    });
    n.project.addEventListener('change', () => this.formChanged(true));
    n.assignee.addEventListener('change', () => this.formChanged(false));
    for (const input of [n.planned, n.due]) {
      input.addEventListener('input', () => this.formChanged(false));
    }
    n.store.addEventListener('click', () => void this.store(false));
    n.request.addEventListener('click', () => void this.store(true));
    n.insert.addEventListener('click', () => void this.insert());

    options.connection.changed.connect(this.onConnectionChanged, this);
    this.updateActions();
    void this.loadVersions();
    void this.loadUsers();
  }

  /** The versions listed in the chooser. */
  get versions(): readonly ModelVersion[] {
    return this._versions;
  }

  /** The prediction shown (null when there is none). */
  get prediction(): PredictedRow | null {
    return this.predicted?.row ?? null;
  }

  /** Choose a version by name and number (the latest of that name when `version` is omitted). */
  async selectModel(name: string, version?: number): Promise<boolean> {
    await this.versionsLoaded;
    const found = this._versions
      .filter(v => v.name === name && (version === undefined || v.version === version))
      .sort((a, b) => b.version - a.version)[0];
    if (!found) {
      return false;
    }
    this.n.version.value = found.id;
    this.chooseVersion(found.id);
    return true;
  }

  /** Use a structure (SMILES) or a mixture's text form as the subject. */
  setSubject(text: string, mixtureId: string | null = null): void {
    this.n.subject.value = text;
    this.mixtureId = mixtureId;
    this.showMixtureId();
    this.schedule(0);
  }

  /** The latest prediction and comparison have finished (tests and the buttons wait for it). */
  async settled(): Promise<PredictedRow | null> {
    while (this.timer !== undefined || this.pending) {
      await new Promise(resolve => setTimeout(resolve, 20));
    }
    return this.prediction;
  }

  override dispose(): void {
    if (this.isDisposed) {
      return;
    }
    window.clearTimeout(this.timer);
    this.timer = undefined;
    this.options.connection.changed.disconnect(this.onConnectionChanged, this);
    super.dispose();
  }

  private onConnectionChanged(): void {
    // Another token is another user: the prediction stored with the previous one is not reused
    // for their requests, nor shown to them (nor is a store still on its way, see store()).
    this.connections++;
    this.stored = null;
    this.setOutcome('');
    this.requestMessages(new Map());
    this.projectsLoaded = false;
    void this.loadVersions();
    void this.loadUsers();
  }

  private async client(): Promise<CryoProtectClient> {
    return this.options.connection.client();
  }

  // ------------------------------------------------------------------------------ model

  private async loadVersions(): Promise<void> {
    const n = this.n;
    let done!: () => void;
    this.versionsLoaded = new Promise<void>(resolve => {
      done = () => resolve();
    });
    n.modelStatus.textContent = 'loading the registered models…';
    try {
      const versions = await first((await this.client()).models.list(), LIST_COUNT);
      versions.sort((a, b) => a.name.localeCompare(b.name) || b.version - a.version);
      this._versions = versions;
      const chosen = n.version.value;
      n.version.replaceChildren(
        h(
          'option',
          { attrs: { value: '' } },
          versions.length === 0 ? 'no model registered that you may see' : 'choose a model…'
        ),
        ...versions.map(v => h('option', { attrs: { value: v.id } }, versionLabel(v)))
      );
      n.version.value = versions.some(v => v.id === chosen) ? chosen : '';
      n.modelStatus.textContent =
        versions.length === 0
          ? 'Register one with "cryoprotect model train --register" or registerTrainedModel in a notebook.'
          : '';
      this.chooseVersion(n.version.value);
    } catch (error) {
      n.modelStatus.textContent = `Models not listed: ${this.options.connection.explain(error)}`;
    } finally {
      done();
    }
  }

  private chooseVersion(id: string): void {
    const version = this._versions.find(v => v.id === id) ?? null;
    this.version = version;
    this.summary = null;
    this.stored = null;
    this.n.details.replaceChildren();
    this.n.conditions.replaceChildren();
    if (version === null) {
      this.showSubjectKind(false);
      this.clearPrediction();
      this.updateActions();
      return;
    }
    void loadKernel().then(kernel => {
      if (this.version !== version || this.isDisposed) {
        return;
      }
      const summary = summarize(kernel, version);
      this.summary = summary;
      this.showSummary(summary);
      this.showSubjectKind(summary.mixture);
      this.showConditions(summary.conditions);
      this.schedule(0);
    });
  }

  private showSummary(s: IModelSummary): void {
    const row = (label: string, value: Node | string, title?: string) =>
      h('tr', {}, h('th', { attrs: { scope: 'row' } }, label), h('td', { title }, value));
    const facts = h(
      'table',
      { className: 'jp-cryoprotect-Facts jp-cryoprotect-Predict-facts' },
      h(
        'tbody',
        {},
        row('Model', s.reference),
        row('Predicts', `${s.targetName} in ${s.unit}`, `property ${s.target}`),
        row(
          'Training snapshot',
          h('code', { className: 'jp-cryoprotect-Predict-snapshot' }, s.snapshot),
          s.snapshotHash
        ),
        row('Learner', s.learner),
        ...(s.validation ? [row('Validation', s.validation)] : []),
        ...(s.validationCoverage ? [row('Interval coverage (CV)', s.validationCoverage)] : [])
      )
    );
    const metrics =
      s.metrics.length === 0
        ? h('p', { className: 'jp-cryoprotect-Muted' }, 'No cross-validated metrics registered.')
        : dataTable(
            'jp-cryoprotect-Predict-metrics',
            [
              { label: 'Metric' },
              { label: 'Value', numeric: true },
              { label: 'Interval', numeric: true }
            ],
            s.metrics.map(m => [
              m.name === 'R²' ? m.name : `${m.name} (${s.unit})`,
              formatNumber(m.value, DIGITS),
              m.lower === null || m.upper === null
                ? '—'
                : {
                    text: `${formatNumber(m.lower, DIGITS)} – ${formatNumber(m.upper, DIGITS)}`,
                    title: m.interval ?? undefined
                  }
            ]),
            'Cross-validated, as registered'
          );
    const real = h(
      'div',
      {
        className: 'jp-cryoprotect-Predict-real',
        attrs: {
          role: 'status',
          'data-below-promise': String(s.real.belowPromise)
        }
      },
      s.real.belowPromise
        ? h('strong', { className: 'jp-cryoprotect-Predict-flag' }, '⚠ Below promised coverage. ')
        : null,
      h('span', { className: 'jp-cryoprotect-Label' }, 'Real coverage: '),
      s.real.text
    );
    const notes = h(
      'ul',
      { className: 'jp-cryoprotect-Predict-notes' },
      ...s.notes.map(note => h('li', {}, note))
    );
    const problem = s.problem
      ? h('div', { className: 'jp-cryoprotect-FieldError', attrs: { role: 'alert' } }, s.problem)
      : null;
    this.n.details.replaceChildren(facts, metrics, real, notes, ...(problem ? [problem] : []));
  }

  // ------------------------------------------------------------------------------ subject

  private showSubjectKind(mixture: boolean): void {
    const n = this.n;
    n.subjectLabel.textContent = mixture
      ? 'Mixture (text form, or open a saved one)'
      : 'Molecule (SMILES, drawn, or dropped from the database)';
    n.subject.placeholder = mixture ? 'e.g. glycerol: 20 % w/w; DMSO: 1 mol/kg' : 'e.g. OCC(O)CO';
    n.draw.hidden = mixture;
    n.openMixture.hidden = !mixture;
    this.showMixtureId();
  }

  private showMixtureId(): void {
    const n = this.n;
    n.mixtureId.textContent =
      this.summary?.mixture && this.mixtureId ? `saved mixture ${this.mixtureId}` : '';
  }

  private showConditions(conditions: readonly string[]): void {
    const n = this.n;
    n.conditions.replaceChildren(
      ...conditions.map(name => {
        const input = h('input', {
          className: 'jp-cryoprotect-Predict-condition',
          attrs: {
            type: 'text',
            inputmode: 'decimal',
            id: `${this.id}-condition-${name}`,
            'data-condition': name
          }
        });
        input.addEventListener('input', () => this.schedule());
        return h(
          'div',
          { className: 'jp-cryoprotect-Predict-field' },
          h('label', { className: 'jp-cryoprotect-Label', attrs: { for: input.id } }, name),
          input,
          h('div', {
            className: 'jp-cryoprotect-FieldError',
            attrs: { 'data-field': `condition:${name}`, role: 'alert' }
          })
        );
      })
    );
  }

  private typedConditions(): Record<string, string> {
    const typed: Record<string, string> = {};
    for (const input of this.n.conditions.querySelectorAll<HTMLInputElement>('input')) {
      typed[input.dataset.condition ?? ''] = input.value;
    }
    return typed;
  }

  private async draw(): Promise<void> {
    const smiles = await this.options.drawStructure?.(this.n.subject.value.trim());
    if (smiles !== null && smiles !== undefined && !this.isDisposed) {
      this.setSubject(smiles);
    }
  }

  /** A drop from the database sidebar (a molecule's or a mixture's code) or plain text. */
  private async drop(text: string): Promise<void> {
    const dropped = droppedSubject(text);
    if (dropped === null) {
      return;
    }
    if (dropped.kind === 'text') {
      this.setSubject(dropped.text);
      return;
    }
    try {
      const client = await this.client();
      if (dropped.kind === 'molecule') {
        this.setSubject((await client.getMolecule(dropped.id)).smiles);
      } else {
        await this.useMixture(await client.mixtures.get(dropped.id));
      }
    } catch (error) {
      this.fieldMessages(
        new Map([['subject', `Not used: ${this.options.connection.explain(error)}`]])
      );
    }
  }

  /** "Open saved…" (mixture models): the composer's picker over your saved mixtures. */
  private async pickMixture(): Promise<void> {
    const connection = this.options.connection;
    const record = await pick<MixtureRecord>({
      title: 'Predict a saved mixture',
      accept: 'Use',
      placeholder: 'name contains…',
      search: async q =>
        first((await connection.client()).mixtures.list({ q: q || undefined, pageSize: 30 }), 30),
      label: m => m.name,
      detail: m => m.components.map(c => `${c.name} ${c.amount} ${c.unit}`).join('; '),
      explain: error => connection.explain(error)
    });
    if (record !== null && !this.isDisposed) {
      await this.useMixture(record);
    }
  }

  private async useMixture(record: MixtureRecord): Promise<void> {
    const rows = await rowsOfRecord(await loadKernel(), record);
    this.setSubject(rows.map(r => `${r.component}: ${r.amount} ${r.unit}`).join('; '), record.id);
  }

  // ------------------------------------------------------------------------------ predicting

  private schedule(delay = SETTLE_MS): void {
    window.clearTimeout(this.timer);
    this.stored = null;
    this.timer = window.setTimeout(() => {
      this.timer = undefined;
      void this.predict();
    }, delay);
    this.updateActions();
  }

  private clearPrediction(): void {
    this.predicted = null;
    delete this.n.result.dataset.inDomain;
    this.n.result.replaceChildren();
    this.n.compare.replaceChildren();
  }

  private async predict(): Promise<void> {
    const sequence = ++this.sequence;
    const version = this.version;
    const summary = this.summary;
    const n = this.n;
    if (version === null || summary === null || summary.saved === null) {
      this.clearPrediction();
      this.fieldMessages(new Map());
      this.updateActions();
      return;
    }
    this.pending = true;
    n.predictStatus.textContent = 'predicting…';
    const text = n.subject.value.trim();
    const form = { subject: text, conditions: this.typedConditions() };
    let messages = new Map<PredictField, string>();
    let predicted: IPredicted | null = null;
    try {
      const kernel = await loadKernel();
      const outcome = await predictOne(kernel, summary.saved, form);
      if (outcome.ok) {
        const subject: PanelSubject = summary.mixture
          ? { kind: 'mixture', text, mixtureId: this.mixtureId }
          : { kind: 'molecule', smiles: text };
        predicted = { version, summary, subject, row: outcome.row, level: outcome.level };
      } else {
        messages = outcome.messages;
      }
    } catch (error) {
      messages.set('subject', `not predicted: ${(error as Error).message}`);
    }
    if (sequence !== this.sequence || this.isDisposed) {
      return;
    }
    // An empty subject is not a mistake yet: the hint is the placeholder.
    if (text === '') {
      messages.delete('subject');
    }
    this.fieldMessages(messages);
    this.predicted = predicted;
    this.showPrediction(predicted);
    n.predictStatus.textContent = '';
    if (predicted !== null) {
      await this.compare(predicted, sequence);
    } else {
      n.compare.replaceChildren();
    }
    if (sequence === this.sequence) {
      this.pending = false;
      this.updateActions();
    }
  }

  private showPrediction(predicted: IPredicted | null): void {
    const n = this.n;
    if (predicted === null) {
      delete n.result.dataset.inDomain;
      n.result.replaceChildren();
      return;
    }
    const { row, level, summary } = predicted;
    // Outside the model's applicability domain: the notebook's marker beside the value, and its
    // explanation under it (only for inDomain false; nothing is added inside the domain).
    const outside = outsideDomain(row);
    const threshold = domainThreshold(summary.saved);
    n.result.dataset.inDomain = String(row.inDomain);
    n.result.replaceChildren(
      h(
        'div',
        { className: 'jp-cryoprotect-Label' },
        `${summary.targetName} predicted by ${summary.reference}`
      ),
      h(
        'div',
        {
          className: 'jp-cryoprotect-Predict-value',
          attrs: { 'data-value': String(row.prediction) }
        },
        predictionText(row, level, summary.unit),
        outside ? ' ' : null,
        outside ? domainBadge(row.novelty, threshold) : null
      ),
      ...(outside ? [domainNote(row.novelty, threshold)] : []),
      ...(Object.keys(row.conditions).length > 0
        ? [
            h(
              'div',
              { className: 'jp-cryoprotect-Muted' },
              `at ${Object.entries(row.conditions)
                .map(([k, v]) => `${k} = ${v}`)
                .join(', ')}`
            )
          ]
        : [])
    );
  }

  /** The measured values the database holds for the same structure, beside the prediction. */
  private async compare(predicted: IPredicted, sequence: number): Promise<void> {
    const n = this.n;
    n.compare.replaceChildren(
      h('div', { className: 'jp-cryoprotect-Muted' }, 'looking up measured values…')
    );
    let content: HTMLElement;
    try {
      const measured = await measuredFor(
        await loadKernel(),
        await this.client(),
        predicted.subject,
        predicted.summary.target
      );
      const rows = measuredRows(measured.measurements, measured.citations, predicted.row);
      content =
        rows.length === 0
          ? h('p', { className: 'jp-cryoprotect-Muted' }, `In the database: ${measured.note}.`)
          : dataTable(
              'jp-cryoprotect-Predict-measured',
              [
                { label: 'Measured', numeric: true },
                { label: 'Unit' },
                { label: 'Source' },
                { label: 'Verified' },
                { label: 'Inside', title: 'inside the predicted interval' }
              ],
              rows.map(r => [
                r.value,
                r.unit,
                r.source,
                r.verified ? 'yes' : 'no',
                r.inside === null ? '—' : r.inside ? 'yes' : 'no'
              ]),
              `Measured ${predicted.summary.targetName} in the database for the same ${predicted.subject.kind}`
            );
    } catch (error) {
      content = h(
        'p',
        { className: 'jp-cryoprotect-Muted' },
        `Measured values not looked up: ${this.options.connection.explain(error)}`
      );
    }
    if (sequence === this.sequence && !this.isDisposed) {
      n.compare.replaceChildren(content);
    }
  }

  /** Messages under the subject and condition fields (the store section keeps its own). */
  private fieldMessages(messages: ReadonlyMap<string, string>): void {
    for (const slot of this.n.root.querySelectorAll<HTMLElement>(
      '.jp-cryoprotect-FieldError[data-field]'
    )) {
      const field = slot.dataset.field ?? '';
      if (field === 'subject' || field.startsWith('condition:')) {
        this.setSlot(slot, messages.get(field) ?? '');
      }
    }
  }

  private setSlot(slot: HTMLElement, message: string): void {
    slot.textContent = message;
    const input = slot.parentElement?.querySelector('input, select, textarea');
    if (message) {
      input?.setAttribute('aria-invalid', 'true');
    } else {
      input?.removeAttribute('aria-invalid');
    }
  }

  // ------------------------------------------------------------------------------ storing

  private verificationForm(): IVerificationForm {
    const n = this.n;
    return {
      visibility: n.visibility.value as Visibility,
      projectId: n.visibility.value === 'project' ? n.project.value : '',
      plannedExperiment: n.planned.value,
      assigneeId: n.assignee.value,
      dueOn: n.due.value
    };
  }

  /**
   * The store form changed: old messages go; a stored prediction is reused by the next request
   * unless its sharing changed (the request's fields are not the prediction's).
   */
  private formChanged(sharing: boolean): void {
    if (sharing) {
      this.stored = null;
    }
    this.requestMessages(new Map());
    this.updateActions();
  }

  private requestMessages(messages: ReadonlyMap<RequestField, string>): void {
    for (const slot of this.n.store
      .closest('fieldset')!
      .querySelectorAll<HTMLElement>('.jp-cryoprotect-FieldError[data-field]')) {
      this.setSlot(slot, messages.get(slot.dataset.field as RequestField) ?? '');
    }
    const general = [...messages.entries()]
      .filter(([field]) => field === 'form' || field === 'subject' || field === 'conditions')
      .map(([, message]) => message);
    this.n.requestErrors.textContent = general.join('; ');
  }

  private updateActions(): void {
    const n = this.n;
    const form = this.verificationForm();
    const state = {
      version: this.version !== null,
      problem: this.summary?.problem ?? null,
      mixture: this.summary?.mixture ?? false,
      emptySubject: n.subject.value.trim() === '',
      predicted: this.predicted !== null,
      // The chosen version is still being read, typing has not settled, or the kernel predicts.
      predicting:
        (this.version !== null && this.summary === null) ||
        this.timer !== undefined ||
        this.pending,
      busy: this.busy
    };
    // Storing needs only the sharing right; a bad due date or an over-long plan stops the request,
    // not the prediction it would be stored without (verificationMessages has the sharing's too).
    // Inserting code sends nothing. A disabled button says why in its tooltip; the request's
    // reason is also written under the buttons.
    const store = actionBlocker(state, sharingMessages(form));
    const request = actionBlocker(state, verificationMessages(form));
    const insert = actionBlocker({ ...state, busy: false });
    Private.enable(n.store, store === null ? null : `To store, ${store}.`);
    Private.enable(n.request, request === null ? null : `To request verification, ${request}.`);
    Private.enable(n.insert, insert === null ? null : `To insert the code, ${insert}.`);
    // Under the buttons, the request's reason. While a request is on its way the outcome line
    // says so: no hint repeats it. While typing settles and the kernel predicts (a moment, at each
    // pause in typing), the hint keeps what it said rather than flicker, unless it was about the
    // model version, which has just been chosen.
    const hint = n.actionHint;
    if (this.busy || request === null) {
      hint.textContent = '';
      delete hint.dataset.about;
    } else if (!state.predicting || hint.dataset.about === 'model') {
      hint.textContent = `To request verification, ${request}.`;
      hint.dataset.about = !state.version || state.problem !== null ? 'model' : 'inputs';
    }
    for (const [field, message] of verificationMessages(form)) {
      const slot = n.root.querySelector<HTMLElement>(
        `.jp-cryoprotect-FieldError[data-field="${field}"]`
      );
      if (slot) {
        this.setSlot(slot, message);
      }
    }
  }

  private async store(request: boolean): Promise<void> {
    const predicted = this.predicted;
    await this.settled();
    if (predicted === null || predicted !== this.predicted || this.busy) {
      return;
    }
    const n = this.n;
    const form = this.verificationForm();
    const local = request ? verificationMessages(form) : sharingMessages(form);
    if (local.size > 0) {
      this.requestMessages(local);
      return;
    }
    this.busy = true;
    this.updateActions();
    this.requestMessages(new Map());
    this.setOutcome(request ? 'storing and requesting…' : 'storing…');
    const connection = this.options.connection;
    const connections = this.connections;
    let client: CryoProtectClient;
    try {
      client = await this.client();
    } catch (error) {
      this.busy = false;
      this.setOutcome(`Not stored: ${connection.explain(error)}`, 'error');
      this.updateActions();
      return;
    }
    const outcome = await storeAndRequest(
      client,
      predicted.version,
      predicted.subject,
      predicted.row,
      predicted.level,
      form,
      request ? form : null,
      this.stored
    );
    this.busy = false;
    if (this.isDisposed) {
      return;
    }
    if (connections !== this.connections) {
      // Done with the previous token: not this user's prediction to reuse or see.
      this.updateActions();
      return;
    }
    if (outcome.ok) {
      // The same inputs again would store the same prediction twice; a request reuses it.
      this.stored = outcome.prediction;
      const v = outcome.verification;
      this.setOutcome(
        v === null
          ? `Stored prediction ${outcome.prediction.id}.`
          : `Stored prediction ${outcome.prediction.id}; verification ${v.id} ${v.state}${v.assigneeId ? `, assigned to ${v.people[v.assigneeId] ?? v.assigneeId}` : ''}${v.dueOn ? `, due ${v.dueOn}` : ''}.`,
        'ok',
        [outcome.prediction.id, ...(v ? [v.id] : [])],
        outcome.notes
      );
      if (v !== null) {
        n.outcome.dataset.verificationId = v.id;
        n.outcome.dataset.verificationState = v.state;
      }
    } else {
      this.stored = outcome.prediction;
      const kept = outcome.prediction
        ? ` The prediction was stored as ${outcome.prediction.id}; requesting again reuses it.`
        : '';
      if (outcome.cause) {
        this.setOutcome(`Not done: ${connection.explain(outcome.cause)}${kept}`, 'error');
      } else {
        this.requestMessages(outcome.messages);
        this.setOutcome(`Not done: the server refused the marked entries.${kept}`, 'error');
      }
    }
    this.updateActions();
  }

  private setOutcome(
    text: string,
    state: 'ok' | 'error' | '' = '',
    ids: string[] = [],
    notes: string[] = []
  ): void {
    const node = this.n.outcome;
    node.dataset.state = state;
    delete node.dataset.verificationId;
    delete node.dataset.verificationState;
    // Ids as code, so they can be copied.
    const parts: (string | HTMLElement)[] = [];
    let rest = text;
    for (const id of ids) {
      const at = rest.indexOf(id);
      if (at < 0) {
        continue;
      }
      parts.push(rest.slice(0, at), h('code', {}, id));
      rest = rest.slice(at + id.length);
    }
    parts.push(rest);
    node.replaceChildren(
      ...parts,
      ...notes.map(note => h('div', { className: 'jp-cryoprotect-Muted' }, note))
    );
  }

  private async insert(): Promise<void> {
    const predicted = this.predicted;
    await this.settled();
    if (predicted === null || predicted !== this.predicted) {
      return;
    }
    const form = this.verificationForm();
    const asked = form.assigneeId !== '' || form.plannedExperiment.trim() !== '';
    const code = predictionCode({
      version: predicted.version,
      mixture: predicted.summary.mixture,
      subject:
        predicted.subject.kind === 'mixture' ? predicted.subject.text : predicted.subject.smiles,
      conditions: predicted.row.conditions,
      mixtureId: predicted.subject.kind === 'mixture' ? predicted.subject.mixtureId : null,
      store: true,
      verification: asked ? form : null
    });
    this.setOutcome(
      this.options.insertCode(code)
        ? 'Code inserted below the active cell.'
        : 'Open a notebook to insert the code into.'
    );
  }

  // ------------------------------------------------------------------------------ choosers

  private async loadUsers(): Promise<void> {
    const n = this.n;
    try {
      const client = await this.client();
      const [users, me] = await Promise.all([
        first(client.users.list(), LIST_COUNT),
        client.users.me().catch(() => null)
      ]);
      const chosen = n.assignee.value;
      n.assignee.replaceChildren(
        h('option', { attrs: { value: '' } }, 'nobody yet (any writer may start it)'),
        ...users
          .filter((u: UserSummary) => u.active)
          .map(u =>
            h(
              'option',
              { attrs: { value: u.id, 'data-username': u.username } },
              `${u.displayName || u.username} (${u.username})${me?.id === u.id ? ' — you' : ''}`
            )
          )
      );
      n.assignee.value = chosen;
    } catch (error) {
      this.setSlot(
        n.root.querySelector<HTMLElement>('[data-field="assignee"]')!,
        `Users not listed: ${this.options.connection.explain(error)}`
      );
    }
  }

  private async loadProjects(): Promise<void> {
    if (this.projectsLoaded) {
      return;
    }
    this.projectsLoaded = true;
    const n = this.n;
    try {
      const projects = (await first((await this.client()).projects.list(), LIST_COUNT)).filter(
        p => p.myRole !== null
      );
      const chosen = n.project.value;
      n.project.replaceChildren(
        h(
          'option',
          { attrs: { value: '' } },
          projects.length === 0 ? 'you are in no project' : 'choose…'
        ),
        ...projects.map(p => h('option', { attrs: { value: p.id } }, `${p.name} (${p.myRole})`))
      );
      n.project.value = chosen;
    } catch (error) {
      this.projectsLoaded = false;
      this.setSlot(
        n.root.querySelector<HTMLElement>('[data-field="project"]')!,
        this.options.connection.explain(error)
      );
    }
    this.updateActions();
  }

  private readonly options: IPredictionPanelOptions;
  private readonly n: ReturnType<typeof Private.nodes>;
  private _versions: ModelVersion[] = [];
  private versionsLoaded: Promise<void> = Promise.resolve();
  private version: ModelVersion | null = null;
  private summary: IModelSummary | null = null;
  private mixtureId: string | null = null;
  private predicted: IPredicted | null = null;
  /** The prediction stored for the current inputs (a verification request reuses it). */
  private stored: Prediction | null = null;
  /** Counts connection changes: a store begun with another token is not this user's. */
  private connections = 0;
  private timer: number | undefined;
  private pending = false;
  private sequence = 0;
  private busy = false;
  private projectsLoaded = false;
}

namespace Private {
  export const ids = { next: 0 };

  /**
   * Enable a button, or disable it with the reason as its tooltip (its own title, what it does,
   * comes back when it is enabled again).
   */
  export function enable(button: HTMLButtonElement, reason: string | null): void {
    button.dataset.title ??= button.title;
    button.disabled = reason !== null;
    button.title = reason ?? button.dataset.title;
  }

  /** The panel's elements: model chooser and details, subject and conditions, result, store. */
  export function nodes(id: string) {
    const error = (field: string) =>
      h('div', {
        className: 'jp-cryoprotect-FieldError',
        attrs: { 'data-field': field, role: 'alert' }
      });
    const field = (label: string, input: HTMLElement, name: string, ...extra: HTMLElement[]) =>
      h(
        'div',
        { className: 'jp-cryoprotect-Predict-field' },
        h('label', { className: 'jp-cryoprotect-Label', attrs: { for: input.id } }, label),
        extra.length > 0
          ? h('div', { className: 'jp-cryoprotect-Predict-withButton' }, input, ...extra)
          : input,
        error(name)
      );
    const button = (label: string, className: string, title: string) =>
      h(
        'button',
        { className: `jp-mod-styled ${className}`, attrs: { title, type: 'button' } },
        label
      );

    const version = h('select', {
      className: 'jp-cryoprotect-Predict-version',
      attrs: { id: `${id}-version`, 'aria-label': 'Model version' }
    });
    const reload = button(
      'Reload',
      'jp-cryoprotect-Predict-reload',
      'List the registered model versions again'
    );
    const modelStatus = h('div', {
      className: 'jp-cryoprotect-Muted jp-cryoprotect-Predict-modelStatus',
      attrs: { role: 'status' }
    });
    const details = h('div', { className: 'jp-cryoprotect-Predict-details' });

    const subject = h('input', {
      className: 'jp-cryoprotect-Predict-subject',
      attrs: { type: 'text', id: `${id}-subject`, spellcheck: 'false' }
    });
    const subjectLabel = h('span', {}, 'Molecule');
    const draw = button(
      'Draw…',
      'jp-cryoprotect-Predict-draw',
      'Draw the molecule in the molecule editor'
    );
    const openMixture = button(
      'Open saved…',
      'jp-cryoprotect-Predict-openMixture',
      'Use a mixture saved in the CryoProtect database'
    );
    openMixture.hidden = true;
    const mixtureId = h('div', {
      className: 'jp-cryoprotect-Muted jp-cryoprotect-Predict-mixtureId'
    });
    const subjectField = h(
      'div',
      {
        className: 'jp-cryoprotect-Predict-field jp-cryoprotect-Predict-subjectField',
        title: 'Drop a molecule or a mixture from the CryoProtect database here'
      },
      h('label', { className: 'jp-cryoprotect-Label', attrs: { for: subject.id } }, subjectLabel),
      h('div', { className: 'jp-cryoprotect-Predict-withButton' }, subject, draw, openMixture),
      mixtureId,
      error('subject')
    );
    const conditions = h('div', { className: 'jp-cryoprotect-Predict-conditions' });
    const predictStatus = h('div', {
      className: 'jp-cryoprotect-Muted',
      attrs: { role: 'status' }
    });
    const result = h('div', {
      className: 'jp-cryoprotect-Predict-result',
      attrs: { role: 'status' }
    });
    const compare = h('div', { className: 'jp-cryoprotect-Predict-compare' });

    const visibility = h(
      'select',
      { className: 'jp-cryoprotect-Predict-visibility', attrs: { id: `${id}-visibility` } },
      h('option', { attrs: { value: 'private' } }, 'only me (private)'),
      h('option', { attrs: { value: 'project' } }, 'a project'),
      h('option', { attrs: { value: 'public' } }, 'everyone (public)')
    );
    const project = h(
      'select',
      { className: 'jp-cryoprotect-Predict-project', attrs: { id: `${id}-project` } },
      h('option', { attrs: { value: '' } }, 'choose…')
    );
    const projectField = field('Project', project, 'project');
    projectField.hidden = true;
    const planned = h('textarea', {
      className: 'jp-cryoprotect-Predict-planned',
      attrs: {
        id: `${id}-planned`,
        rows: '2',
        placeholder: 'e.g. DSC, 10 K/min cooling, 3 replicates'
      }
    });
    const assignee = h(
      'select',
      { className: 'jp-cryoprotect-Predict-assignee', attrs: { id: `${id}-assignee` } },
      h('option', { attrs: { value: '' } }, 'nobody yet (any writer may start it)')
    );
    const due = h('input', {
      className: 'jp-cryoprotect-Predict-due',
      attrs: { type: 'date', id: `${id}-due` }
    });
    const store = button(
      'Store',
      'jp-cryoprotect-Predict-store',
      'Keep this prediction (value, interval, level, novelty and applicability domain) on the CryoProtect server'
    );
    const request = button(
      'Request verification',
      'jp-mod-accept jp-cryoprotect-Predict-request',
      'Store the prediction and ask the lab to measure it, in one step'
    );
    const insert = button(
      'Insert code',
      'jp-cryoprotect-Predict-insert',
      'Insert the cell that predicts this with the kernel library and stores it (and requests its verification when the form names an experiment or an assignee)'
    );
    // Why "Request verification" is disabled, in words under the buttons (a tooltip is not
    // shown on every platform for a disabled button, nor read by every screen reader: the button
    // is described by it instead).
    const actionHint = h('div', {
      className: 'jp-cryoprotect-Muted jp-cryoprotect-Predict-actionHint',
      attrs: { id: `${id}-action-hint` }
    });
    request.setAttribute('aria-describedby', actionHint.id);
    const requestErrors = h('div', {
      className: 'jp-cryoprotect-FieldError jp-cryoprotect-Predict-requestErrors',
      attrs: { role: 'alert' }
    });
    const outcome = h('div', {
      className: 'jp-cryoprotect-Predict-outcome',
      attrs: { role: 'status' }
    });

    const root = h(
      'div',
      { className: 'jp-cryoprotect-Predict-form' },
      h('h3', { className: 'jp-cryoprotect-Title' }, 'Prediction'),
      h(
        'section',
        { className: 'jp-cryoprotect-Predict-section' },
        field('Model version', version, 'version', reload),
        modelStatus,
        details
      ),
      h(
        'section',
        { className: 'jp-cryoprotect-Predict-section' },
        subjectField,
        conditions,
        predictStatus,
        result,
        compare
      ),
      h(
        'fieldset',
        { className: 'jp-cryoprotect-Predict-store-form' },
        h('legend', {}, 'Keep it, ask the lab'),
        field('Visible to', visibility, 'visibility'),
        projectField,
        field('Planned experiment', planned, 'plannedExperiment'),
        field('Assignee', assignee, 'assignee'),
        field('Due', due, 'dueOn'),
        h('div', { className: 'jp-cryoprotect-Predict-actions' }, store, request, insert),
        actionHint,
        requestErrors,
        outcome
      )
    );
    return {
      root,
      version,
      reload,
      modelStatus,
      details,
      subject,
      subjectLabel,
      subjectField,
      draw,
      openMixture,
      mixtureId,
      conditions,
      predictStatus,
      result,
      compare,
      visibility,
      project,
      projectField,
      planned,
      assignee,
      due,
      store,
      request,
      insert,
      actionHint,
      requestErrors,
      outcome
    };
  }
}
