import ts from 'typescript';
import { joinedText, type Notebook, type NotebookCell } from './notebook.js';

/**
 * Parameters of a notebook, papermill's way in TypeScript: the code cell tagged `parameters`
 * declares them with their defaults (`const seed = 42;`, `const learner: string = 'ridge';`), and
 * a run injects a cell right after it, tagged `injected-parameters`, that declares the given values
 * again (tslab lets a later cell redeclare a name). Each declaration's type — its annotation, else
 * its default's literal — says how a value given as text (`-p seed=7`) is read: number, string,
 * boolean, or JSON for anything else (arrays, objects, unions). The cell is parsed with the
 * TypeScript compiler, so comments, multi-line defaults and `let` are all understood.
 */

export type ParameterKind = 'number' | 'string' | 'boolean' | 'json';

export interface DeclaredParameter {
  name: string;
  kind: ParameterKind;
  /** The annotation as written (`string`, `'ridge' | 'mlp'`), kept on the injected declaration. */
  typeText: string | null;
  /** The default as written in the parameters cell. */
  defaultText: string;
}

export interface ParameterCell {
  /** Index (0-based) of the cell tagged `parameters` among all cells; messages count from 1. */
  index: number;
  parameters: DeclaredParameter[];
}

/** A value given for a parameter: from `-p name=value` (text) or a parameters file (JSON). */
export interface GivenParameter {
  name: string;
  value: unknown;
  from: 'argument' | 'file';
}

/** A parameter problem; `parameter` names the one at fault when there is one. */
export class ParameterError extends Error {
  constructor(
    readonly parameter: string | null,
    message: string
  ) {
    super(message);
  }
}

export const PARAMETERS_TAG = 'parameters';
export const INJECTED_TAG = 'injected-parameters';

/** The cell tagged `parameters` and what it declares; null when the notebook has none. */
export function findParameterCell(nb: Notebook): ParameterCell | null {
  const tagged = nb.cells
    .map((cell, index) => ({ cell, index }))
    .filter(({ cell }) => cell.cell_type === 'code' && Private.tags(cell).includes(PARAMETERS_TAG));
  if (tagged.length === 0) {
    return null;
  }
  if (tagged.length > 1) {
    throw new ParameterError(
      null,
      `cells ${tagged.map(t => t.index + 1).join(' and ')} are both tagged "${PARAMETERS_TAG}"; tag one`
    );
  }
  const { cell, index } = tagged[0];
  return { index, parameters: Private.declarations(joinedText(cell.source), index) };
}

/** `-p name=value` split at the first `=`; the name is checked against the notebook later. */
export function parseAssignment(text: string): { name: string; value: string } {
  const at = text.indexOf('=');
  if (at <= 0) {
    throw new ParameterError(null, `-p ${text}: expected NAME=VALUE`);
  }
  return { name: text.slice(0, at).trim(), value: text.slice(at + 1) };
}

/**
 * The values to inject, by name, checked against the declarations: an unknown name, a value the
 * declared type cannot take, or parameters given to a notebook without a parameters cell are errors
 * naming the parameter. A name given twice takes the last value (arguments after the file).
 */
export function resolveParameters(
  cell: ParameterCell | null,
  given: readonly GivenParameter[]
): Map<string, unknown> {
  const values = new Map<string, unknown>();
  if (given.length === 0) {
    return values;
  }
  if (cell === null) {
    throw new ParameterError(
      given[0].name,
      `parameter ${given[0].name}: this notebook has no cell tagged "${PARAMETERS_TAG}", so it takes no parameters`
    );
  }
  const declared = new Map(cell.parameters.map(p => [p.name, p]));
  for (const item of given) {
    const parameter = declared.get(item.name);
    if (!parameter) {
      const known = cell.parameters.map(p => p.name);
      throw new ParameterError(
        item.name,
        `unknown parameter ${item.name}: the parameters cell (cell ${cell.index + 1}) declares ${known.length ? known.join(', ') : 'none'}`
      );
    }
    values.set(
      item.name,
      item.from === 'argument'
        ? Private.fromText(parameter, String(item.value))
        : Private.checked(parameter, item.value)
    );
  }
  return values;
}

/**
 * A copy of `nb` with the injected cell after the parameters cell (replacing an injected cell
 * already there, as in a notebook run before). Nothing is injected when there are no values.
 */
export function injectParameters(
  nb: Notebook,
  cell: ParameterCell | null,
  values: ReadonlyMap<string, unknown>
): Notebook {
  const cells = nb.cells.filter(c => !Private.tags(c).includes(INJECTED_TAG));
  if (cell === null || values.size === 0) {
    return { ...nb, cells };
  }
  const declared = new Map(cell.parameters.map(p => [p.name, p]));
  const lines = ['// Parameters of this run (cryoprotect run), replacing the defaults above.'];
  for (const [name, value] of values) {
    const typeText = declared.get(name)?.typeText;
    lines.push(`const ${name}${typeText ? `: ${typeText}` : ''} = ${Private.literal(value)};`);
  }
  const at = cells.indexOf(nb.cells[cell.index]) + 1;
  const injected: NotebookCell = {
    cell_type: 'code',
    id: 'injected-parameters',
    metadata: { tags: [INJECTED_TAG] },
    source: lines.join('\n'),
    outputs: [],
    execution_count: null
  };
  return { ...nb, cells: [...cells.slice(0, at), injected, ...cells.slice(at)] };
}

/** The values a run injected, read back from its injected cell (for reproduce). */
export function injectedValues(nb: Notebook): Record<string, unknown> {
  const cell = nb.cells.find(c => Private.tags(c).includes(INJECTED_TAG));
  if (!cell) {
    return {};
  }
  const values: Record<string, unknown> = {};
  for (const p of Private.declarations(joinedText(cell.source), nb.cells.indexOf(cell))) {
    values[p.name] = JSON.parse(p.defaultText);
  }
  return values;
}

namespace Private {
  export function tags(cell: NotebookCell): string[] {
    return Array.isArray(cell.metadata?.tags) ? cell.metadata.tags : [];
  }

  export function declarations(source: string, index: number): DeclaredParameter[] {
    const file = ts.createSourceFile(
      'parameters.ts',
      source,
      ts.ScriptTarget.ES2022,
      true,
      ts.ScriptKind.TS
    );
    const found: DeclaredParameter[] = [];
    for (const statement of file.statements) {
      if (!ts.isVariableStatement(statement)) {
        continue;
      }
      for (const declaration of statement.declarationList.declarations) {
        const line = file.getLineAndCharacterOfPosition(declaration.getStart()).line + 1;
        if (!ts.isIdentifier(declaration.name)) {
          throw new ParameterError(
            null,
            `parameters cell (cell ${index + 1}), line ${line}: declare one name per parameter, not a destructuring`
          );
        }
        const name = declaration.name.text;
        if (!declaration.initializer) {
          throw new ParameterError(
            name,
            `parameters cell (cell ${index + 1}), line ${line}: parameter ${name} needs a default value`
          );
        }
        found.push({
          name,
          kind: kindOf(declaration.type, declaration.initializer),
          typeText: declaration.type ? declaration.type.getText(file) : null,
          defaultText: declaration.initializer.getText(file)
        });
      }
    }
    return found;
  }

  function kindOf(type: ts.TypeNode | undefined, initializer: ts.Expression): ParameterKind {
    if (type) {
      switch (type.kind) {
        case ts.SyntaxKind.NumberKeyword:
          return 'number';
        case ts.SyntaxKind.StringKeyword:
          return 'string';
        case ts.SyntaxKind.BooleanKeyword:
          return 'boolean';
        default:
          return 'json';
      }
    }
    if (
      ts.isNumericLiteral(initializer) ||
      (ts.isPrefixUnaryExpression(initializer) &&
        initializer.operator === ts.SyntaxKind.MinusToken &&
        ts.isNumericLiteral(initializer.operand))
    ) {
      return 'number';
    }
    if (ts.isStringLiteral(initializer) || ts.isNoSubstitutionTemplateLiteral(initializer)) {
      return 'string';
    }
    if (
      initializer.kind === ts.SyntaxKind.TrueKeyword ||
      initializer.kind === ts.SyntaxKind.FalseKeyword
    ) {
      return 'boolean';
    }
    return 'json';
  }

  const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i;

  export function fromText(parameter: DeclaredParameter, text: string): unknown {
    switch (parameter.kind) {
      case 'number': {
        const value = Number(text.trim());
        if (!NUMBER.test(text.trim()) || !Number.isFinite(value)) {
          throw new ParameterError(
            parameter.name,
            `parameter ${parameter.name}: expected a number, got "${text}"`
          );
        }
        return value;
      }
      case 'boolean':
        if (text !== 'true' && text !== 'false') {
          throw new ParameterError(
            parameter.name,
            `parameter ${parameter.name}: expected true or false, got "${text}"`
          );
        }
        return text === 'true';
      case 'string':
        return text;
      case 'json':
        try {
          return JSON.parse(text);
        } catch (error) {
          throw new ParameterError(
            parameter.name,
            `parameter ${parameter.name} (${parameter.typeText ?? 'JSON'}): expected JSON, got "${text}" (${(error as Error).message})`
          );
        }
    }
  }

  export function checked(parameter: DeclaredParameter, value: unknown): unknown {
    const expected =
      parameter.kind === 'json'
        ? value !== undefined
        : parameter.kind === 'number'
          ? typeof value === 'number' && Number.isFinite(value)
          : typeof value === parameter.kind;
    if (!expected) {
      throw new ParameterError(
        parameter.name,
        `parameter ${parameter.name}: expected ${parameter.kind === 'json' ? 'a JSON value' : `a ${parameter.kind}`}, got ${JSON.stringify(value) ?? 'nothing'}`
      );
    }
    return value;
  }

  export function literal(value: unknown): string {
    // JSON is TypeScript: numbers, strings, booleans, null, arrays and objects alike.
    return JSON.stringify(value);
  }
}
