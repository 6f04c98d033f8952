import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Notebook } from './notebook.js';
import {
  findParameterCell,
  INJECTED_TAG,
  injectedValues,
  injectParameters,
  ParameterError,
  parseAssignment,
  resolveParameters,
  type GivenParameter
} from './parameters.js';

const notebook = (...cells: { source: string; tags?: string[] }[]): Notebook => ({
  cells: cells.map((c, i) => ({
    cell_type: 'code',
    id: `c${i}`,
    source: c.source,
    metadata: c.tags ? { tags: c.tags } : {},
    outputs: [],
    execution_count: null
  })),
  metadata: {},
  nbformat: 4,
  nbformat_minor: 5
});

const PARAMETERS = `// The analysis's parameters
const seed = 42;
const offset = -1.5;
let learner: string = 'ridge';
const label = \`Tg\`;
const verbose = false;
const folds: 5 | 10 = 5;
const smiles = ['OCC(O)CO', 'CS(C)=O'];
const grid = {
  alpha: [0.1, 1]
};`;

const nb = notebook(
  { source: "import { KERNEL_VERSION } from '@cryoprotect/kernel';" },
  { source: PARAMETERS, tags: ['parameters'] },
  { source: 'console.log(seed);' }
);
const arg = (name: string, value: string): GivenParameter => ({ name, value, from: 'argument' });

describe('notebook parameters', () => {
  it('reads each declaration of the parameters cell with the kind its type or default gives', () => {
    const cell = findParameterCell(nb)!;
    assert.equal(cell.index, 1);
    assert.deepEqual(
      cell.parameters.map(p => [p.name, p.kind, p.typeText]),
      [
        ['seed', 'number', null],
        ['offset', 'number', null],
        ['learner', 'string', 'string'],
        ['label', 'string', null],
        ['verbose', 'boolean', null],
        ['folds', 'json', '5 | 10'],
        ['smiles', 'json', null],
        ['grid', 'json', null]
      ]
    );
    assert.equal(cell.parameters[7].defaultText.replace(/\s+/g, ' '), '{ alpha: [0.1, 1] }');
  });

  it('reads text values by kind and refuses what the kind cannot take, naming the parameter', () => {
    const cell = findParameterCell(nb);
    const values = resolveParameters(cell, [
      arg('seed', '7'),
      arg('offset', '-2e-3'),
      arg('learner', 'mlp'),
      arg('verbose', 'true'),
      arg('folds', '10'),
      arg('smiles', '["CCO"]')
    ]);
    assert.deepEqual(Object.fromEntries(values), {
      seed: 7,
      offset: -0.002,
      learner: 'mlp',
      verbose: true,
      folds: 10,
      smiles: ['CCO']
    });
    for (const [given, pattern] of [
      [arg('seed', 'seven'), /parameter seed: expected a number, got "seven"/],
      [arg('seed', ''), /parameter seed: expected a number/],
      [arg('seed', 'Infinity'), /parameter seed: expected a number/],
      [arg('verbose', 'yes'), /parameter verbose: expected true or false/],
      [arg('smiles', '[CCO]'), /parameter smiles \(JSON\): expected JSON/]
    ] as const) {
      assert.throws(
        () => resolveParameters(cell, [given]),
        (e: unknown) =>
          e instanceof ParameterError && e.parameter === given.name && pattern.test(e.message)
      );
    }
  });

  it('checks values from a parameters file by type', () => {
    const cell = findParameterCell(nb);
    const file = (name: string, value: unknown): GivenParameter => ({ name, value, from: 'file' });
    assert.deepEqual(Object.fromEntries(resolveParameters(cell, [file('grid', { alpha: [2] })])), {
      grid: { alpha: [2] }
    });
    assert.throws(
      () => resolveParameters(cell, [file('seed', '7')]),
      /parameter seed: expected a number, got "7"/
    );
    assert.throws(() => resolveParameters(cell, [file('verbose', 1)]), /expected a boolean/);
  });

  it('refuses an unknown parameter by name, listing those the notebook declares', () => {
    assert.throws(
      () => resolveParameters(findParameterCell(nb), [arg('sede', '7')]),
      (e: unknown) =>
        e instanceof ParameterError &&
        e.parameter === 'sede' &&
        /unknown parameter sede: the parameters cell \(cell 2\) declares seed, offset, learner/.test(
          e.message
        )
    );
    const none = notebook({ source: 'const seed = 1;' });
    assert.equal(findParameterCell(none), null);
    assert.throws(() => resolveParameters(null, [arg('seed', '2')]), /no cell tagged "parameters"/);
    assert.deepEqual(resolveParameters(null, []).size, 0);
  });

  it('refuses parameters cells it cannot read', () => {
    assert.throws(
      () =>
        findParameterCell(
          notebook(
            { source: 'const a = 1;', tags: ['parameters'] },
            { source: 'const b = 2;', tags: ['parameters'] }
          )
        ),
      /cells 1 and 2 are both tagged "parameters"/
    );
    assert.throws(
      () =>
        findParameterCell(
          notebook({ source: 'const { a, b } = { a: 1, b: 2 };', tags: ['parameters'] })
        ),
      /line 1: declare one name per parameter/
    );
    assert.throws(
      () => findParameterCell(notebook({ source: 'let a: number;', tags: ['parameters'] })),
      /parameter a needs a default value/
    );
    assert.throws(() => parseAssignment('seed'), /-p seed: expected NAME=VALUE/);
    assert.deepEqual(parseAssignment('title=a=b'), { name: 'title', value: 'a=b' });
  });

  it('injects one tagged cell after the parameters cell, replacing an earlier injection', () => {
    const cell = findParameterCell(nb);
    const values = resolveParameters(cell, [arg('seed', '7'), arg('learner', "it's")]);
    const once = injectParameters(nb, cell, values);
    assert.equal(once.cells.length, 4);
    const injected = once.cells[2];
    assert.deepEqual(injected.metadata.tags, [INJECTED_TAG]);
    assert.equal(
      injected.source,
      [
        '// Parameters of this run (cryoprotect run), replacing the defaults above.',
        'const seed = 7;',
        'const learner: string = "it\'s";'
      ].join('\n')
    );
    assert.deepEqual(injectedValues(once), { seed: 7, learner: "it's" });
    const twice = injectParameters(
      once,
      findParameterCell(once),
      resolveParameters(findParameterCell(once), [arg('seed', '8')])
    );
    assert.equal(twice.cells.filter(c => c.metadata.tags?.includes(INJECTED_TAG)).length, 1);
    assert.deepEqual(injectedValues(twice), { seed: 8 });
    // No values, no injected cell (and an old one goes).
    assert.equal(injectParameters(once, cell, new Map()).cells.length, 3);
    // The source notebook is not changed.
    assert.equal(nb.cells.length, 3);
  });
});
