import type { Verification, VerificationAction, VerificationState } from '@cryoprotect/kernel';
import { Widget } from '@lumino/widgets';
import type { ICryoProtectConnection } from '../connection';
import { depict, svgImage } from '../display/depict';
import { factTable, h } from '../display/dom';
import { isDarkTheme, ThemeWatcher } from '../display/theme';
import { artifactDomainThreshold, domainBadge, domainNote, outsideDomain } from '../predict/domain';
import {
  ACTION_LABELS,
  coverageSummary,
  coverageWarning,
  dueStatus,
  formatNumber,
  historyRows,
  localToday,
  modelText,
  offeredActions,
  personName,
  predictionText,
  ROLES,
  STATE_LABELS,
  subjectText,
  when
} from './format';
import { MeasurementFormView, RejectFormView, type IActionForm } from './form-view';
import { VerificationQueueModel, type IQueueFilters } from './model';

/**
 * The verification queue of the right panel: requests assigned to you, requested by you or in
 * your projects, filtered by state and model, a page at a time. The selected request shows what
 * was predicted, planned and measured, its history, its model version's real coverage, and the
 * steps the server allows you to take now: nothing else is offered.
 */
export class VerificationQueue extends Widget {
  readonly model: VerificationQueueModel;

  constructor(options: { connection: ICryoProtectConnection }) {
    super();
    this.model = new VerificationQueueModel(options.connection);
    this.id = 'cryoprotect-verification-queue';
    this.addClass('jp-cryoprotect-Verify');
    this.title.caption = 'CryoProtect verification queue';

    const tabs = h('div', {
      className: 'jp-cryoprotect-Verify-tabs',
      attrs: { role: 'tablist', 'aria-label': 'Whose requests' }
    });
    for (const { role, label, caption } of ROLES) {
      const tab = h(
        'button',
        {
          className: 'jp-cryoprotect-Verify-tab',
          title: caption,
          attrs: { type: 'button', role: 'tab', 'data-role': role }
        },
        label
      );
      tab.addEventListener('click', () => void this.model.setFilters({ role }));
      tabs.append(tab);
    }
    const state = h('select', {
      className: 'jp-cryoprotect-Verify-state',
      attrs: { 'aria-label': 'State' }
    });
    state.append(h('option', { attrs: { value: '' } }, 'any state'));
    for (const [value, label] of Object.entries(STATE_LABELS)) {
      state.append(h('option', { attrs: { value } }, label));
    }
    state.addEventListener(
      'change',
      () => void this.model.setFilters({ state: state.value as IQueueFilters['state'] })
    );
    const modelName = h('input', {
      className: 'jp-cryoprotect-Verify-modelName',
      attrs: {
        type: 'search',
        'aria-label': 'Model name',
        placeholder: 'model name (exact)',
        spellcheck: 'false'
      }
    });
    modelName.addEventListener('keydown', event => {
      if (event.key === 'Enter') {
        void this.model.setFilters({ modelName: modelName.value });
      }
    });
    const refresh = h(
      'button',
      {
        className: 'jp-cryoprotect-Button jp-cryoprotect-Verify-refresh',
        title: 'Apply the model filter and read the queue again',
        attrs: { type: 'button' }
      },
      'Refresh'
    );
    refresh.addEventListener(
      'click',
      () => void this.model.setFilters({ modelName: modelName.value })
    );
    const previous = h(
      'button',
      {
        className: 'jp-cryoprotect-Button jp-cryoprotect-Verify-previous',
        attrs: { type: 'button' }
      },
      'Previous'
    );
    previous.addEventListener('click', () => void this.model.previousPage());
    const next = h(
      'button',
      { className: 'jp-cryoprotect-Button jp-cryoprotect-Verify-next', attrs: { type: 'button' } },
      'Next'
    );
    next.addEventListener('click', () => void this.model.nextPage());

    this.nodes = {
      tabs,
      state,
      modelName,
      status: h('div', {
        className: 'jp-cryoprotect-Verify-status',
        attrs: { role: 'status', 'aria-live': 'polite' }
      }),
      list: h('ul', {
        className: 'jp-cryoprotect-Verify-list',
        attrs: { 'aria-label': 'Verification requests' }
      }),
      previous,
      next,
      pageNumber: h('span', { className: 'jp-cryoprotect-Verify-pageNumber' }),
      detail: h('section', {
        className: 'jp-cryoprotect-Verify-detail',
        attrs: { 'aria-label': 'Selected request' }
      })
    };
    this.node.append(
      tabs,
      h('div', { className: 'jp-cryoprotect-Verify-filters' }, state, modelName, refresh),
      this.nodes.status,
      this.nodes.list,
      h('div', { className: 'jp-cryoprotect-Verify-pager' }, previous, this.nodes.pageNumber, next),
      this.nodes.detail
    );
    // The panel as receiver: Widget.dispose's Signal.clearData(this) then disconnects it, and a
    // late answer no longer draws into a disposed panel.
    this.model.changed.connect(() => this.render(), this);
    this._theme = new ThemeWatcher(() => this.render(true));
    this.render();
  }

  override dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._theme.dispose();
    this._form?.dispose();
    super.dispose();
  }

  /** Read the queue whenever the panel comes on screen (not at JupyterLab's start): a queue is read fresh. */
  protected override onAfterShow(): void {
    void this.model.load();
  }

  private render(redraw = false): void {
    const model = this.model;
    for (const tab of Array.from(this.nodes.tabs.children) as HTMLElement[]) {
      const selected = tab.dataset.role === model.filters.role;
      tab.setAttribute('aria-selected', String(selected));
      tab.classList.toggle('jp-mod-selected', selected);
    }
    this.nodes.state.value = model.filters.state;
    this.nodes.status.textContent = model.status.message;
    this.nodes.status.dataset.state = model.status.state;
    this.nodes.previous.disabled = !model.paging.hasPrevious;
    this.nodes.next.disabled = !model.paging.hasNext;
    this.nodes.pageNumber.textContent = `page ${model.paging.pageNumber}`;
    const today = localToday();
    this.nodes.list.replaceChildren(...model.items.map(item => this.row(item, today)));
    this.renderDetail(today, redraw);
  }

  private row(item: Verification, today: string): HTMLLIElement {
    const selected = this.model.selected?.id === item.id;
    const due = dueStatus(item, today);
    const prediction = item.prediction;
    const picture = h('div', {
      className: 'jp-cryoprotect-Verify-thumb',
      attrs: { 'aria-hidden': 'true' }
    });
    if (prediction?.smiles) {
      Private.draw(picture, prediction.smiles, 72, 48);
    }
    const button = h(
      'button',
      {
        className: 'jp-cryoprotect-Verify-rowButton',
        attrs: { type: 'button', 'aria-pressed': String(selected) }
      },
      picture,
      h(
        'span',
        { className: 'jp-cryoprotect-Verify-rowText' },
        h(
          'span',
          { className: 'jp-cryoprotect-Verify-rowTitle' },
          h('span', { className: 'jp-cryoprotect-Verify-subject' }, subjectText(item)),
          Private.stateBadge(item.state)
        ),
        h(
          'span',
          { className: 'jp-cryoprotect-Verify-rowLine' },
          `${modelText(prediction)} · ${prediction ? predictionText(prediction) : '—'}`,
          // Outside the model's applicability domain: the notebook's marker (its explanation on
          // hover); the threshold is the model version's, known once a request is selected.
          prediction && outsideDomain(prediction) ? ' ' : null,
          prediction && outsideDomain(prediction) ? domainBadge(prediction.novelty, null) : null
        ),
        h(
          'span',
          { className: 'jp-cryoprotect-Verify-rowLine' },
          `for ${personName(item, item.assigneeId)} · `,
          h(
            'span',
            { className: due.overdue ? 'jp-cryoprotect-Verify-overdue' : undefined },
            due.text
          ),
          ` · by ${personName(item, item.ownerId)}`
        )
      )
    );
    button.addEventListener('click', () => void this.model.select(item.id));
    return h(
      'li',
      {
        className: `jp-cryoprotect-Verify-row${selected ? ' jp-mod-selected' : ''}`,
        attrs: { 'data-id': item.id, 'data-state': item.state }
      },
      button
    );
  }

  private renderDetail(today: string, redraw: boolean): void {
    const model = this.model;
    const v = model.selected;
    if (v === null) {
      this._form?.dispose();
      this._form = null;
      this._detailKey = '';
      this.nodes.detail.replaceChildren(
        h('p', { className: 'jp-cryoprotect-Verify-hint' }, 'Select a request to see it in full.')
      );
      return;
    }
    // The open measurement form keeps what was typed while the same request stays in the same
    // state; any other change rebuilds the detail.
    const key = `${v.id} ${v.state} ${v.updatedAt} ${v.allowedActions.join(',')}`;
    if (key === this._detailKey && !redraw && this._form !== null) {
      this._form.setBusy(model.busy);
      this.renderCoverage();
      this.renderOutcome();
      return;
    }
    this._detailKey = key;
    this._form?.dispose();
    this._form = null;

    const prediction = v.prediction;
    const due = dueStatus(v, today);
    const picture = h('div', { className: 'jp-cryoprotect-Verify-depiction' });
    if (prediction?.smiles) {
      Private.draw(picture, prediction.smiles, 240, 150);
    }
    const measurement = v.measurement;
    const history = historyRows(v);
    const outside = prediction !== null && outsideDomain(prediction);
    const version = model.modelVersion;
    const threshold =
      prediction !== null && version?.id === prediction.modelVersionId
        ? artifactDomainThreshold(version.artifact)
        : null;

    const parts: (HTMLElement | null)[] = [
      h(
        'div',
        { className: 'jp-cryoprotect-Verify-detailHead' },
        h('h3', {}, subjectText(v)),
        Private.stateBadge(v.state),
        Private.closeButton(() => model.deselect())
      ),
      picture,
      h('div', { className: 'jp-cryoprotect-Verify-coverageHost' }),
      factTable('Prediction', [
        [
          'Model',
          modelText(prediction),
          prediction ? `target: ${prediction.targetPropertyType}` : undefined
        ],
        [
          'Predicted',
          prediction
            ? h(
                'span',
                {},
                predictionText(prediction),
                outside ? ' ' : null,
                outside ? domainBadge(prediction.novelty, threshold) : null
              )
            : 'not visible to you'
        ],
        ...(prediction?.smiles ? [['SMILES', prediction.smiles] as const] : []),
        ...(prediction && Object.keys(prediction.conditions).length > 0
          ? [['Conditions', Private.conditions(prediction.conditions)] as const]
          : [])
      ]),
      outside ? domainNote(prediction.novelty, threshold) : null,
      factTable('Request', [
        ['Planned experiment', v.plannedExperiment || '—'],
        ...(Object.keys(v.conditions).length > 0
          ? [['Conditions', Private.conditions(v.conditions)] as const]
          : []),
        ['Requested by', personName(v, v.ownerId)],
        ['Assignee', personName(v, v.assigneeId)],
        [
          'Due',
          h(
            'span',
            { className: due.overdue ? 'jp-cryoprotect-Verify-overdue' : undefined },
            due.date
          )
        ]
      ]),
      measurement
        ? factTable('Measurement', [
            [
              'Measured',
              `${formatNumber(measurement.value)}${measurement.uncertainty === null ? '' : ` ± ${formatNumber(measurement.uncertainty)}`} ${measurement.unit}`
            ],
            ['Measured by', personName(v, v.measuredBy ?? measurement.ownerId)],
            ...(measurement.method ? [['Method', measurement.method] as const] : []),
            ...(measurement.equipment ? [['Equipment', measurement.equipment] as const] : []),
            ...(measurement.replicates === null
              ? []
              : [['Replicates', String(measurement.replicates)] as const]),
            ...(measurement.performedAt
              ? [['Performed at', when(measurement.performedAt)] as const]
              : []),
            ...(Object.keys(measurement.conditions).length > 0
              ? [['Conditions', Private.conditions(measurement.conditions)] as const]
              : [])
          ])
        : v.measurementId
          ? h(
              'p',
              { className: 'jp-cryoprotect-Verify-hint' },
              'A measurement is recorded, but it is not visible to you.'
            )
          : null,
      v.reviewReason
        ? factTable('Review', [
            ['Reviewed by', personName(v, v.reviewedBy)],
            ['Reason', v.reviewReason]
          ])
        : null,
      h(
        'table',
        { className: 'jp-cryoprotect-Verify-history' },
        h('caption', {}, 'History'),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ...['Step', 'Who', 'When', 'Reason'].map(label =>
              h('th', { attrs: { scope: 'col' } }, label)
            )
          )
        ),
        h(
          'tbody',
          {},
          ...history.map(row =>
            h(
              'tr',
              {},
              h('td', {}, row.step),
              h('td', {}, row.who),
              h('td', {}, row.at),
              h('td', {}, row.reason)
            )
          )
        )
      ),
      this.actions(v),
      h('div', { className: 'jp-cryoprotect-Verify-outcome', attrs: { role: 'alert' } })
    ];
    this.nodes.detail.replaceChildren(
      ...parts.filter((part): part is HTMLElement => part !== null)
    );
    this.renderCoverage();
    this.renderOutcome();
  }

  /** The real coverage of the selected request's model version; a warning when below its promise. */
  private renderCoverage(): void {
    const host = this.nodes.detail.querySelector<HTMLElement>(
      '.jp-cryoprotect-Verify-coverageHost'
    );
    if (!host) {
      return;
    }
    const version = this.model.modelVersion;
    const coverage = version?.realCoverage ?? null;
    const warning = coverageWarning(coverage);
    const summary = coverageSummary(coverage, version?.targetUnit ?? '');
    host.replaceChildren(
      warning
        ? h(
            'div',
            {
              className: 'jp-cryoprotect-Verify-coverageWarning',
              attrs: { role: 'note' },
              title:
                'Even the upper bound of the binomial confidence interval of the share of verified measurements inside the predicted intervals is below the level the intervals promise.'
            },
            `⚠ ${warning}`
          )
        : summary
          ? h('p', { className: 'jp-cryoprotect-Verify-coverage' }, summary)
          : ''
    );
  }

  /** The buttons of the steps the server allows this user now; none when there is nothing to do. */
  private actions(v: Verification): HTMLElement {
    const offered = offeredActions(v);
    const host = h('div', { className: 'jp-cryoprotect-Verify-actions' });
    if (offered.length === 0) {
      host.append(
        h(
          'p',
          { className: 'jp-cryoprotect-Verify-hint' },
          v.state === 'verified' || v.state === 'rejected'
            ? 'This request is closed.'
            : 'Nothing for you to do on this request now.'
        )
      );
      return host;
    }
    const buttons = h('div', { className: 'jp-cryoprotect-Verify-actionButtons' });
    const panel = h('div', { className: 'jp-cryoprotect-Verify-actionPanel' });
    host.append(buttons, panel);
    for (const action of offered) {
      const button = h(
        'button',
        {
          className: `jp-cryoprotect-Button jp-cryoprotect-Verify-action${action === 'verify' ? ' jp-mod-accept' : ''}${action === 'reject' ? ' jp-mod-warn' : ''}`,
          attrs: { type: 'button', 'data-action': action }
        },
        ACTION_LABELS[action]
      );
      button.disabled = this.model.busy;
      button.addEventListener('click', () => void this.begin(action, panel));
      buttons.append(button);
    }
    return host;
  }

  /** Start and verify go at once; recording and rejecting first open their form. */
  private async begin(action: VerificationAction, panel: HTMLElement): Promise<void> {
    if (action === 'start' || action === 'verify') {
      await this.model.act({ action });
      return;
    }
    this._form?.dispose();
    this._form = null;
    const cancel = () => {
      this._form?.dispose();
      this._form = null;
      panel.replaceChildren();
    };
    const form: IActionForm =
      action === 'reject'
        ? new RejectFormView({
            submit: reason => this.model.act({ action: 'reject', reason }),
            cancel
          })
        : new MeasurementFormView({
            units: await this.model.units(),
            submit: value => this.model.act({ action: 'measured', form: value }),
            cancel
          });
    this._form = form;
    panel.replaceChildren(form.node);
    form.focus();
  }

  /** A refusal or the outcome of the last step, over the actions. */
  private renderOutcome(): void {
    const node = this.nodes.detail.querySelector<HTMLElement>('.jp-cryoprotect-Verify-outcome');
    if (!node) {
      return;
    }
    const outcome = this.model.outcome;
    node.textContent = outcome?.message ?? '';
    node.dataset.state = outcome === null ? '' : outcome.ok ? 'ok' : 'error';
    for (const button of Array.from(
      this.nodes.detail.querySelectorAll<HTMLButtonElement>('.jp-cryoprotect-Verify-action')
    )) {
      button.disabled = this.model.busy;
    }
  }

  private readonly nodes: {
    tabs: HTMLElement;
    state: HTMLSelectElement;
    modelName: HTMLInputElement;
    status: HTMLElement;
    list: HTMLUListElement;
    previous: HTMLButtonElement;
    next: HTMLButtonElement;
    pageNumber: HTMLElement;
    detail: HTMLElement;
  };
  private _form: IActionForm | null = null;
  private _detailKey = '';
  private readonly _theme: ThemeWatcher;
}

namespace Private {
  export function stateBadge(state: VerificationState): HTMLElement {
    return h(
      'span',
      { className: 'jp-cryoprotect-Verify-badge', attrs: { 'data-state': state } },
      STATE_LABELS[state]
    );
  }

  export function closeButton(close: () => void): HTMLButtonElement {
    const button = h(
      'button',
      {
        className: 'jp-cryoprotect-Button jp-cryoprotect-Verify-close',
        title: 'Close the detail',
        attrs: { type: 'button', 'aria-label': 'Close the detail' }
      },
      '×'
    );
    button.addEventListener('click', close);
    return button;
  }

  export function conditions(values: Record<string, unknown>): string {
    return Object.entries(values)
      .map(
        ([key, value]) => `${key} = ${typeof value === 'string' ? value : JSON.stringify(value)}`
      )
      .join('; ');
  }

  /**
   * A depiction drawn in the current theme's colours; nothing when RDKit cannot draw it (the
   * SMILES is shown in text beside it anyway).
   */
  export function draw(host: HTMLElement, smiles: string, width: number, height: number): void {
    depict({ smiles, width, height, dark: isDarkTheme() }).then(
      svg => host.replaceChildren(svgImage(svg, `2D structure of ${smiles}`)),
      () => host.replaceChildren()
    );
  }
}
