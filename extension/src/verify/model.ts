import type {
  ModelVersion,
  PageQuery,
  PropertyType,
  Verification,
  VerificationAction,
  VerificationListQuery,
  VerificationRole,
  VerificationState
} from '@cryoprotect/kernel';
import { Signal, type ISignal } from '@lumino/signaling';
import type { ICryoProtectConnection } from '../connection';
import { Paging } from '../database/model';
import { unitsFor } from './format';
import {
  parseMeasurementForm,
  serverFieldProblems,
  type IFieldProblem,
  type IMeasurementForm
} from './measurement-form';

/** Requests a page of the queue shows (the server caps listings at 200). */
export const PAGE_SIZE = 25;

/** The queue's filters as the researcher set them. */
export interface IQueueFilters {
  role: VerificationRole;
  /** A state, or '' for any. */
  state: VerificationState | '';
  /** An exact model name, or '' for any. */
  modelName: string;
}

export const DEFAULT_FILTERS: IQueueFilters = { role: 'assigned', state: '', modelName: '' };

/** The list query for the filters and a page's cursor: empty filters are left out. */
export function listQuery(
  filters: IQueueFilters,
  cursor: string | null,
  limit = PAGE_SIZE
): VerificationListQuery & PageQuery {
  const modelName = filters.modelName.trim();
  return {
    role: filters.role,
    ...(filters.state === '' ? {} : { state: filters.state }),
    ...(modelName === '' ? {} : { modelName }),
    limit,
    ...(cursor === null ? {} : { cursor })
  };
}

/** What an action needs besides the verification: the measurement form, or the reason. */
export type ActionInput =
  | { action: 'start' }
  | { action: 'verify' }
  | { action: 'measured'; form: IMeasurementForm }
  | { action: 'reject'; reason: string };

/** How the last action went: done, refused by the server, or stopped by the form's problems. */
export interface IActionOutcome {
  ok: boolean;
  /** Problems under the fields they concern (form checks or the server's field errors). */
  problems: IFieldProblem[];
  /** The sentence for a refusal (403/409, unreachable server): shown over the actions. */
  message: string | null;
}

/**
 * The verification queue: a page of requests for the chosen role and filters, the selected
 * request in full, its model version's real coverage, and the steps the server allows. Every
 * step goes to the server; what comes back replaces the row and the detail.
 */
export class VerificationQueueModel {
  readonly paging = new Paging();
  filters: IQueueFilters = { ...DEFAULT_FILTERS };
  items: Verification[] = [];
  selected: Verification | null = null;
  /** The selected request's model version (for its real coverage), when it could be read. */
  modelVersion: ModelVersion | null = null;
  /** 'loading' while a page is read; the error sentence when it could not be. */
  status: { state: 'idle' | 'loading' | 'error'; message: string } = { state: 'idle', message: '' };
  /** The outcome of the last action on the selected request. */
  outcome: IActionOutcome | null = null;
  /** An action is on its way: the panel disables the buttons. */
  busy = false;

  constructor(private readonly connection: ICryoProtectConnection) {}

  /** Emitted whenever anything the panel shows changed. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** Change filters: back to the first page. */
  async setFilters(changes: Partial<IQueueFilters>): Promise<void> {
    this.filters = { ...this.filters, ...changes };
    this.paging.reset();
    await this.load();
  }

  async nextPage(): Promise<void> {
    if (this.paging.next() !== null) {
      await this.load();
    }
  }

  async previousPage(): Promise<void> {
    if (this.paging.previous()) {
      await this.load();
    }
  }

  /** Read the current page again (and the selected request, which may have moved on). */
  async load(): Promise<void> {
    const ticket = ++this._ticket;
    const selection = this._selection;
    this.status = { state: 'loading', message: 'Loading…' };
    this._changed.emit();
    try {
      const client = await this.connection.client();
      const page = await client.verifications.page(
        listQuery(this.filters, this.paging.cursor, PAGE_SIZE)
      );
      if (ticket !== this._ticket) {
        return;
      }
      this.items = page.items;
      this.paging.loaded(page.nextCursor);
      this.status = {
        state: 'idle',
        message:
          page.items.length === 0
            ? 'No verification requests here.'
            : `${page.items.length} request${page.items.length === 1 ? '' : 's'} on page ${this.paging.pageNumber}${page.nextCursor ? ', more on the next' : ''}.`
      };
    } catch (error) {
      if (ticket !== this._ticket) {
        return;
      }
      this.items = [];
      this.paging.loaded(null);
      this.status = { state: 'error', message: this.connection.explain(error) };
    }
    this._changed.emit();
    // The request last chosen is read again, not the one shown: its answer may still be on its
    // way. One chosen while the page was read is read already.
    const chosen = this._chosen;
    if (chosen !== null && selection === this._selection) {
      await this.select(chosen, { keepOutcome: true });
    }
  }

  /**
   * Show one request in full: re-read from the server, with its model version's coverage. Only
   * the latest selection's answers are applied: clicking A then B, a late answer for A would
   * otherwise replace B, and the next step would be taken on A.
   */
  async select(id: string, options: { keepOutcome?: boolean } = {}): Promise<void> {
    const ticket = ++this._selection;
    this._chosen = id;
    if (!options.keepOutcome) {
      this.outcome = null;
    }
    try {
      const client = await this.connection.client();
      const verification = await client.verifications.get(id);
      if (ticket !== this._selection) {
        return;
      }
      // An outcome that came meanwhile was another request's; another model version's coverage
      // is not shown beside this request, even briefly.
      if (!options.keepOutcome) {
        this.outcome = null;
      }
      if (this.modelVersion?.id !== verification.prediction?.modelVersionId) {
        this.modelVersion = null;
      }
      this.show(verification);
      await this.loadModelVersion(verification, ticket);
    } catch (error) {
      if (ticket !== this._selection) {
        return;
      }
      this.selected = this.items.find(item => item.id === id) ?? null;
      this.outcome = { ok: false, problems: [], message: this.connection.explain(error) };
      this._changed.emit();
    }
  }

  /**
   * Forget the queue: another token is another user, whose requests are not these (nor is a
   * page or a request still on its way theirs). The filters stay: they are the panel's.
   */
  clear(): void {
    ++this._ticket;
    this.items = [];
    this.paging.reset();
    this.status = { state: 'idle', message: '' };
    // Another server may know other property types.
    this._propertyTypes = null;
    this.deselect();
  }

  /** Close the detail (a selection still on its way is not shown). */
  deselect(): void {
    ++this._selection;
    this._chosen = null;
    this.selected = null;
    this.modelVersion = null;
    this.outcome = null;
    this._changed.emit();
  }

  /** The units the selected request's measurement may be entered in (canonical first). */
  async units(): Promise<string[]> {
    const prediction = this.selected?.prediction;
    if (!prediction) {
      return [];
    }
    try {
      this._propertyTypes ??= (await this.connection.client()).propertyTypes.list();
      return unitsFor(await this._propertyTypes, prediction.targetPropertyType, prediction.unit);
    } catch {
      // Without the list the canonical unit is still right; retry next time.
      this._propertyTypes = null;
      return [prediction.unit];
    }
  }

  /**
   * Take a step on the selected request. Offered only when the server allowed it, but the server
   * decides again (another user may have been faster): a refusal is reported and the request is
   * read again, so the panel shows where it really stands.
   */
  async act(input: ActionInput): Promise<IActionOutcome> {
    const verification = this.selected;
    const selection = this._selection;
    if (verification === null || this.busy) {
      return { ok: false, problems: [], message: 'no request selected' };
    }
    const problems = Private.check(input);
    if (problems.length > 0) {
      this.outcome = { ok: false, problems, message: null };
      this._changed.emit();
      return this.outcome;
    }
    this.busy = true;
    this._changed.emit();
    try {
      const client = await this.connection.client();
      const api = client.verifications;
      const id = verification.id;
      const done =
        input.action === 'start'
          ? await api.start(id)
          : input.action === 'verify'
            ? await api.verify(id)
            : input.action === 'reject'
              ? await api.reject(id, input.reason.trim())
              : await api.measured(id, parseMeasurementForm(input.form).input!);
      const outcome: IActionOutcome = { ok: true, problems: [], message: null };
      this.busy = false;
      if (this.stillOn(verification, selection)) {
        this.outcome = outcome;
        this.show(done);
      } else {
        this.show(done, false);
      }
      // The page is read again (a step can move the row out of a state filter), and with it the
      // request and its model version, whose real coverage a verified result changes.
      await this.load();
      return outcome;
    } catch (error) {
      this.busy = false;
      const fields = serverFieldProblems(error);
      const message =
        fields.length > 0 && fields.every(p => p.field !== 'form')
          ? null
          : Private.refusal(this.connection.explain(error), input.action);
      const outcome: IActionOutcome = {
        ok: false,
        problems: fields.filter(p => p.field !== 'form'),
        message
      };
      if (!this.stillOn(verification, selection)) {
        this._changed.emit();
        return outcome;
      }
      this.outcome = outcome;
      this._changed.emit();
      if (message !== null) {
        await this.select(verification.id, { keepOutcome: true });
      }
      return outcome;
    }
  }

  /**
   * Whether the detail still shows the request a step was taken on: a request chosen while the
   * step was on its way stays shown (the step's answer only replaces its row).
   */
  private stillOn(verification: Verification, selection: number): boolean {
    return selection === this._selection && this.selected?.id === verification.id;
  }

  private show(verification: Verification, select = true): void {
    if (select) {
      this.selected = verification;
    }
    this.items = this.items.map(item => (item.id === verification.id ? verification : item));
    this._changed.emit();
  }

  private async loadModelVersion(verification: Verification, ticket: number): Promise<void> {
    const id = verification.prediction?.modelVersionId;
    let modelVersion: ModelVersion | null = null;
    if (id !== undefined) {
      try {
        modelVersion = await (await this.connection.client()).models.get(id);
      } catch {
        // The coverage badge is extra: the request is shown without it.
      }
    }
    if (ticket !== this._selection) {
      return;
    }
    this.modelVersion = modelVersion;
    this._changed.emit();
  }

  /** Counts page reads: only the latest one's answer is applied. */
  private _ticket = 0;
  /** Counts selections (and deselections): only the latest one's answers are applied. */
  private _selection = 0;
  /** The request last chosen (its answer may still be on its way), or null. */
  private _chosen: string | null = null;
  private _propertyTypes: Promise<PropertyType[]> | null = null;
  private readonly _changed = new Signal<this, void>(this);
}

namespace Private {
  export function check(input: ActionInput): IFieldProblem[] {
    if (input.action === 'reject' && input.reason.trim() === '') {
      return [{ field: 'reason', message: 'say why the measurement is rejected' }];
    }
    if (input.action === 'measured') {
      return parseMeasurementForm(input.form).problems;
    }
    return [];
  }

  const VERBS: Record<VerificationAction, string> = {
    start: 'start the experiment',
    measured: 'record the measurement',
    verify: 'verify the measurement',
    reject: 'reject the measurement'
  };

  export function refusal(sentence: string, action: VerificationAction): string {
    return `Could not ${VERBS[action]}: ${sentence}`;
  }
}
