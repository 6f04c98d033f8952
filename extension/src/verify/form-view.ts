import { h } from '../display/dom';
import type { IActionOutcome } from './model';
import {
  emptyMeasurementForm,
  type IFieldProblem,
  type IMeasurementForm,
  type MeasurementField
} from './measurement-form';

/** A form opened under the actions: it survives re-renders of the detail while it is open. */
export interface IActionForm {
  readonly node: HTMLElement;
  showProblems(problems: readonly IFieldProblem[]): void;
  setBusy(busy: boolean): void;
  focus(): void;
  dispose(): void;
}

/**
 * "Record measurement": value and unit (the target's canonical unit first, then those the server
 * converts exactly), uncertainty, replicates, method, equipment, conditions as key/value rows,
 * when it was performed, and a note. Problems appear under the field they concern.
 */
export class MeasurementFormView implements IActionForm {
  readonly node: HTMLFormElement;

  constructor(options: {
    units: string[];
    submit: (form: IMeasurementForm) => Promise<IActionOutcome>;
    cancel: () => void;
  }) {
    const initial = emptyMeasurementForm(options.units[0] ?? '');
    const unit = h('select', { attrs: { name: 'unit' } });
    for (const u of options.units) {
      unit.append(h('option', { attrs: { value: u } }, u));
    }
    unit.value = initial.unit;
    this.inputs = {
      value: Private.input('value', 'decimal'),
      unit,
      uncertainty: Private.input('uncertainty', 'decimal'),
      replicates: Private.input('replicates', 'numeric'),
      method: Private.input('method'),
      equipment: Private.input('equipment'),
      performedAt: h('input', { attrs: { name: 'performedAt', type: 'datetime-local' } }),
      note: h('textarea', { attrs: { name: 'note', rows: '2' } })
    };
    this.conditionRows = h('div', { className: 'jp-cryoprotect-Verify-conditions' });
    const addCondition = h(
      'button',
      {
        className: 'jp-cryoprotect-Button jp-cryoprotect-Verify-addCondition',
        attrs: { type: 'button' }
      },
      '+ condition'
    );
    addCondition.addEventListener('click', () => this.addCondition().focus());
    this.submit = h(
      'button',
      { className: 'jp-cryoprotect-Button jp-mod-accept', attrs: { type: 'submit' } },
      'Record measurement'
    );
    const cancel = h(
      'button',
      { className: 'jp-cryoprotect-Button', attrs: { type: 'button' } },
      'Cancel'
    );
    cancel.addEventListener('click', options.cancel);

    const field = (name: MeasurementField, label: string, control: HTMLElement, hint?: string) =>
      h(
        'div',
        { className: 'jp-cryoprotect-Verify-field' },
        h('label', {}, h('span', {}, label), control),
        hint ? h('span', { className: 'jp-cryoprotect-Verify-fieldHint' }, hint) : null,
        this.problemNode(name)
      );
    this.node = h(
      'form',
      { className: 'jp-cryoprotect-Verify-measurementForm', attrs: { novalidate: '' } },
      h(
        'div',
        { className: 'jp-cryoprotect-Verify-pair' },
        field('value', 'Value', this.inputs.value),
        field('unit', 'Unit', unit)
      ),
      h(
        'div',
        { className: 'jp-cryoprotect-Verify-pair' },
        field('uncertainty', 'Uncertainty (±, same unit)', this.inputs.uncertainty),
        field('replicates', 'Replicates', this.inputs.replicates)
      ),
      field('method', 'Method', this.inputs.method, 'e.g. DSC midpoint at 10 K/min'),
      field('equipment', 'Equipment', this.inputs.equipment),
      h(
        'div',
        { className: 'jp-cryoprotect-Verify-field' },
        h('span', {}, 'Conditions'),
        this.conditionRows,
        addCondition,
        this.problemNode('conditions')
      ),
      field('performedAt', 'Performed at', this.inputs.performedAt, 'your local time; empty: now'),
      field('note', 'Note', this.inputs.note),
      h('div', { className: 'jp-cryoprotect-Verify-formButtons' }, this.submit, cancel)
    );
    this.node.addEventListener('submit', event => {
      event.preventDefault();
      void options.submit(this.value()).then(outcome => this.showProblems(outcome.problems));
    });
  }

  /** What is typed, as the model parses it. */
  value(): IMeasurementForm {
    return {
      value: this.inputs.value.value,
      unit: this.inputs.unit.value,
      uncertainty: this.inputs.uncertainty.value,
      replicates: this.inputs.replicates.value,
      method: this.inputs.method.value,
      equipment: this.inputs.equipment.value,
      conditions: Array.from(
        this.conditionRows.querySelectorAll<HTMLElement>('.jp-cryoprotect-Verify-condition')
      ).map(row => ({
        key: row.querySelector<HTMLInputElement>('input[name="conditionKey"]')!.value,
        value: row.querySelector<HTMLInputElement>('input[name="conditionValue"]')!.value
      })),
      performedAt: this.inputs.performedAt.value,
      note: this.inputs.note.value
    };
  }

  showProblems(problems: readonly IFieldProblem[]): void {
    for (const node of Array.from(this.problems.values())) {
      node.textContent = '';
    }
    for (const control of Array.from(this.node.querySelectorAll('[aria-invalid]'))) {
      control.removeAttribute('aria-invalid');
    }
    for (const problem of problems) {
      const node = this.problems.get(problem.field as MeasurementField);
      if (!node) {
        continue;
      }
      node.textContent = node.textContent
        ? `${node.textContent}; ${problem.message}`
        : problem.message;
      const control = this.inputs[problem.field as keyof MeasurementFormView['inputs']];
      control?.setAttribute('aria-invalid', 'true');
    }
  }

  setBusy(busy: boolean): void {
    this.submit.disabled = busy;
  }

  focus(): void {
    this.inputs.value.focus();
  }

  dispose(): void {
    this.node.remove();
  }

  private addCondition(): HTMLInputElement {
    const key = h('input', {
      attrs: {
        name: 'conditionKey',
        'aria-label': 'Condition name',
        placeholder: 'name',
        spellcheck: 'false'
      }
    });
    const value = h('input', {
      attrs: { name: 'conditionValue', 'aria-label': 'Condition value', placeholder: 'value' }
    });
    const remove = h(
      'button',
      {
        className: 'jp-cryoprotect-Button',
        title: 'Remove this condition',
        attrs: { type: 'button', 'aria-label': 'Remove this condition' }
      },
      '×'
    );
    const row = h('div', { className: 'jp-cryoprotect-Verify-condition' }, key, value, remove);
    remove.addEventListener('click', () => row.remove());
    this.conditionRows.append(row);
    return key;
  }

  private problemNode(field: MeasurementField): HTMLElement {
    const node = h('div', {
      className: 'jp-cryoprotect-Verify-fieldError',
      attrs: { 'data-field': field, 'aria-live': 'polite' }
    });
    this.problems.set(field, node);
    return node;
  }

  private readonly inputs: {
    value: HTMLInputElement;
    unit: HTMLSelectElement;
    uncertainty: HTMLInputElement;
    replicates: HTMLInputElement;
    method: HTMLInputElement;
    equipment: HTMLInputElement;
    performedAt: HTMLInputElement;
    note: HTMLTextAreaElement;
  };
  private readonly conditionRows: HTMLElement;
  private readonly submit: HTMLButtonElement;
  private readonly problems = new Map<MeasurementField, HTMLElement>();
}

/** "Reject": a required reason, said to the one who measured. */
export class RejectFormView implements IActionForm {
  readonly node: HTMLFormElement;

  constructor(options: {
    submit: (reason: string) => Promise<IActionOutcome>;
    cancel: () => void;
  }) {
    this.reason = h('textarea', {
      className: 'jp-cryoprotect-Verify-reason',
      attrs: { rows: '3', name: 'reason', required: '' }
    });
    this.problem = h('div', {
      className: 'jp-cryoprotect-Verify-fieldError',
      attrs: { 'data-field': 'reason', 'aria-live': 'polite' }
    });
    this.submit = h(
      'button',
      { className: 'jp-cryoprotect-Button jp-mod-warn', attrs: { type: 'submit' } },
      'Reject'
    );
    const cancel = h(
      'button',
      { className: 'jp-cryoprotect-Button', attrs: { type: 'button' } },
      'Cancel'
    );
    cancel.addEventListener('click', options.cancel);
    this.node = h(
      'form',
      { className: 'jp-cryoprotect-Verify-rejectForm', attrs: { novalidate: '' } },
      h(
        'div',
        { className: 'jp-cryoprotect-Verify-field' },
        h('label', {}, h('span', {}, 'Reason (required)'), this.reason),
        this.problem
      ),
      h('div', { className: 'jp-cryoprotect-Verify-formButtons' }, this.submit, cancel)
    );
    this.node.addEventListener('submit', event => {
      event.preventDefault();
      void options.submit(this.reason.value).then(outcome => this.showProblems(outcome.problems));
    });
  }

  showProblems(problems: readonly IFieldProblem[]): void {
    const mine = problems.filter(p => p.field === 'reason').map(p => p.message);
    this.problem.textContent = mine.join('; ');
    if (mine.length > 0) {
      this.reason.setAttribute('aria-invalid', 'true');
    } else {
      this.reason.removeAttribute('aria-invalid');
    }
  }

  setBusy(busy: boolean): void {
    this.submit.disabled = busy;
  }

  focus(): void {
    this.reason.focus();
  }

  dispose(): void {
    this.node.remove();
  }

  private readonly reason: HTMLTextAreaElement;
  private readonly problem: HTMLElement;
  private readonly submit: HTMLButtonElement;
}

namespace Private {
  export function input(name: string, inputmode?: string): HTMLInputElement {
    return h('input', {
      attrs: { name, type: 'text', ...(inputmode ? { inputmode } : {}), spellcheck: 'false' }
    });
  }
}
