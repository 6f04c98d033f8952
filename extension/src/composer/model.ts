import {
  COMPONENT_ROLES,
  CONCENTRATION_UNITS,
  type ConcentrationUnit
} from '@cryoprotect/kernel/display';

export type ComponentRole = (typeof COMPONENT_ROLES)[number];

/** One row of the composer as the user typed it: text until the kernel has read it. */
export interface IComponentRow {
  /** Stable key of the row (rows are added and removed). */
  key: number;
  /** A reference cryoprotectant's name or synonym, or a SMILES. */
  component: string;
  /** The amount as typed, e.g. "10" or "1.5e-1". */
  amount: string;
  unit: ConcentrationUnit;
  /** The role chosen by the user; null keeps the library's (the reference's, else "other"). */
  role: ComponentRole | null;
}

/** Which input of a row a message belongs to. */
export type RowField = 'component' | 'amount' | 'unit' | 'role';

/** Inputs of the composer outside the rows: the name and the Save section. */
export type FormField = 'name' | 'description' | 'visibility' | 'project';

/** A message for one input of one row, for a form input (row null), or for the mixture as a whole. */
export interface IFieldMessage {
  row: number | null;
  field: RowField | FormField | 'mixture';
  message: string;
}

/**
 * The state of the mixture composer, without any DOM: the rows, the mixture's name, and the two
 * things the rows turn into — the one-line text form the kernel parses (`parseMixtureText`) and
 * the TypeScript cell that recreates the mixture in a notebook. Checks that need no chemistry
 * (an empty component, an amount that is not a number) are made here, as the user types; the
 * rest (unknown structure, % w/w over 100, a missing density) comes back from the kernel as
 * `MixtureError` issues, which `messagesOfIssues` files under the row and field they name.
 */
export class ComposerModel {
  name = '';
  /** The id of the database record these rows were saved as; null once anything changes. */
  savedId: string | null = null;
  private rows: IComponentRow[] = [];
  private nextKey = 0;

  constructor(rows: readonly Partial<Omit<IComponentRow, 'key'>>[] = []) {
    for (const row of rows) {
      this.add(row);
    }
  }

  get components(): readonly IComponentRow[] {
    return this.rows;
  }

  /** Append a row (by default an empty one in % w/w); returns its key. */
  add(row: Partial<Omit<IComponentRow, 'key'>> = {}): number {
    const key = this.nextKey++;
    this.rows.push({
      key,
      component: row.component ?? '',
      amount: row.amount ?? '',
      unit: row.unit ?? '% w/w',
      role: row.role ?? null
    });
    return key;
  }

  /** Replace every row and the name (a saved mixture opened). */
  reset(name: string, rows: readonly Partial<Omit<IComponentRow, 'key'>>[]): void {
    this.name = name;
    this.rows = [];
    for (const row of rows) {
      this.add(row);
    }
  }

  remove(key: number): void {
    this.rows = this.rows.filter(row => row.key !== key);
  }

  update(key: number, change: Partial<Omit<IComponentRow, 'key'>>): void {
    this.rows = this.rows.map(row => (row.key === key ? { ...row, ...change } : row));
  }

  /** Messages for what can be told without the kernel; empty when the rows can be parsed. */
  localMessages(): IFieldMessage[] {
    const messages: IFieldMessage[] = [];
    if (this.rows.length === 0) {
      messages.push({ row: null, field: 'mixture', message: 'add at least one component' });
    }
    this.rows.forEach((row, i) => {
      const component = row.component.trim();
      if (component === '') {
        messages.push({ row: i, field: 'component', message: 'name a component or give a SMILES' });
      } else if (/[;\n]/.test(component)) {
        messages.push({
          row: i,
          field: 'component',
          message: 'a component cannot contain ";" or a line break (it separates components)'
        });
      }
      const amount = row.amount.trim();
      if (amount === '') {
        messages.push({ row: i, field: 'amount', message: 'give an amount' });
      } else if (!Private.NUMBER.test(amount) || !Number.isFinite(Number(amount))) {
        messages.push({ row: i, field: 'amount', message: `"${amount}" is not a number` });
      } else if (Number(amount) < 0) {
        messages.push({ row: i, field: 'amount', message: 'must not be negative' });
      }
      if (!(CONCENTRATION_UNITS as readonly string[]).includes(row.unit)) {
        messages.push({ row: i, field: 'unit', message: `unknown unit "${row.unit}"` });
      }
    });
    return messages;
  }

  /** The one-line text form, e.g. "DMSO: 3.1 mol/kg; ethylene glycol: 2.7 mol/kg". */
  text(): string {
    return this.rows
      .map(row => `${row.component.trim()}: ${row.amount.trim()} ${row.unit}`)
      .join('; ');
  }

  /**
   * The TypeScript cell that recreates this mixture in a notebook and shows it: the text form
   * (reviewable at a glance), roles the user changed, and the display.
   */
  code(): string {
    const name = this.name.trim();
    const parsed = `await parseMixtureText(${JSON.stringify(this.text())})`;
    return [
      ...(this.savedId === null ? [] : [`// saved as mixture ${this.savedId}`]),
      "import { mixtureDisplay, parseMixtureText } from '@cryoprotect/kernel';",
      "import { tslabDisplay } from '@cryoprotect/kernel/node';",
      '',
      name === ''
        ? `const mixture = ${parsed};`
        : `const mixture = { ...(${parsed}), name: ${JSON.stringify(name)} };`,
      ...this.rows.flatMap((row, i) =>
        row.role === null ? [] : [`mixture.components[${i}].role = '${row.role}';`]
      ),
      'await tslabDisplay(await mixtureDisplay(mixture));'
    ].join('\n');
  }

  /** The role of each row as the kernel should use it: the user's, else the parsed one. */
  rolesOver<T extends { role: string }>(parsed: readonly T[]): T[] {
    return parsed.map((component, i) => {
      const chosen = this.rows[i]?.role;
      return chosen ? { ...component, role: chosen } : component;
    });
  }
}

/**
 * The kernel's issues (`components[1].unit`, `components[0].molecule`, `components`) filed under
 * the composer's rows and inputs; what names no row is a message for the whole mixture.
 */
export function messagesOfIssues(
  issues: readonly { field: string; message: string }[]
): IFieldMessage[] {
  return issues.map(issue => {
    const match = /^components\[(\d+)\](?:\.(\w+))?/.exec(issue.field);
    if (!match) {
      return { row: null, field: 'mixture', message: issue.message };
    }
    const part = match[2];
    const field: RowField =
      part === 'unit'
        ? 'unit'
        : part === 'amount'
          ? 'amount'
          : part === 'role'
            ? 'role'
            : 'component';
    return { row: Number(match[1]), field, message: issue.message };
  });
}

namespace Private {
  // A decimal number as the kernel's text form reads it (no hex, no "Infinity", no spaces).
  export const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
}
