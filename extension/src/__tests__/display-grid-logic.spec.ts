import { PAYLOAD_SCHEMAS } from '@cryoprotect/kernel';
import * as ts from 'typescript';
import { selectionCode, selectionCsv, selectionSmiles } from '../display/grid/code';
import {
  GridSelection,
  filterByText,
  pageCount,
  pageSlice,
  sortIndices,
  type GridRow
} from '../display/grid/model';
import { DISPLAY_MIME } from '../display/mime';
import { parsePayload } from '../display/validate';
import { screen } from './display-fixtures';

const rows = screen.rows;
const names = (indices: readonly number[]) => indices.map(index => rows[index].name);

describe('molecule grid logic', () => {
  it('filters by every word in name, id, SMILES and text values, case-insensitively', () => {
    expect(names(filterByText(rows, 'GLYCOL'))).toEqual(['ethylene glycol', 'propylene glycol']);
    expect(names(filterByText(rows, 'polyol ethylene'))).toEqual(['ethylene glycol']);
    expect(names(filterByText(rows, 'mol_1'))).toEqual(['glycerol', 'propylene glycol']);
    expect(names(filterByText(rows, 'S(C)=O'))).toEqual(['DMSO']);
    expect(filterByText(rows, '  ')).toEqual([0, 1, 2, 3, 4]);
    // Only within the candidates (a SMARTS filter's matches).
    expect(names(filterByText(rows, 'glycol', [3]))).toEqual(['propylene glycol']);
  });

  it('sorts by any column, numbers numerically, ids naturally, missing values last', () => {
    const all = rows.map((_, index) => index);
    expect(names(sortIndices(rows, all, { column: 'mw', direction: 'ascending' }))).toEqual([
      'ethylene glycol',
      'propylene glycol',
      'DMSO',
      'glycerol',
      'betaine'
    ]);
    expect(names(sortIndices(rows, all, { column: 'mw', direction: 'descending' }))[0]).toBe(
      'betaine'
    );
    expect(
      sortIndices(rows, all, { column: 'id', direction: 'ascending' }).map(i => rows[i].id)
    ).toEqual(['mol_1', 'mol_2', 'mol_3', 'mol_10', null]);
    const byClass = names(sortIndices(rows, all, { column: 'class', direction: 'descending' }));
    expect(byClass.at(-1)).toBe('propylene glycol');
    expect(sortIndices(rows, all, null)).toEqual(all);
  });

  it('pages and clamps', () => {
    expect(pageCount(0, 24)).toBe(1);
    expect(pageCount(100_000, 24)).toBe(4167);
    expect(pageSlice([0, 1, 2, 3, 4], 1, 2)).toEqual({ page: 1, items: [2, 3] });
    expect(pageSlice([0, 1, 2, 3, 4], 9, 2)).toEqual({ page: 2, items: [4] });
    expect(pageSlice([], 3, 2)).toEqual({ page: 0, items: [] });
  });

  it('selects with click (toggle) and shift-click (the range in the order shown)', () => {
    const selection = new GridSelection();
    const order = [4, 2, 0, 3, 1];
    selection.click(2, order, false);
    selection.click(3, order, true);
    expect(selection.ordered(order)).toEqual([2, 0, 3]);
    selection.click(0, order, false);
    expect(selection.ordered(order)).toEqual([2, 3]);
    // Selected rows that a filter hides still count, after the shown ones.
    expect(selection.ordered([3])).toEqual([3, 2]);
    selection.clear();
    expect(selection.size).toBe(0);
    selection.click(1, order, true); // shift without an anchor: a plain click
    expect(selection.ordered(order)).toEqual([1]);
  });

  it('stays responsive with 100,000 rows: filter, sort and a page in well under a second', () => {
    const many: GridRow[] = Array.from({ length: 100_000 }, (_, index) => ({
      smiles: index % 2 ? 'OCC(O)CO' : 'CS(C)=O',
      id: `mol_${index}`,
      name: `compound ${index}`,
      values: { score: (index * 7919) % 1000, class: index % 3 ? 'polyol' : 'other' }
    }));
    const started = performance.now();
    const filtered = filterByText(many, 'polyol');
    const sorted = sortIndices(many, filtered, { column: 'score', direction: 'descending' });
    const { items } = pageSlice(sorted, 10, 48);
    const elapsed = performance.now() - started;
    expect(filtered).toHaveLength(66_666);
    expect(items).toHaveLength(48);
    expect(many[sorted[0]].values.score).toBe(999);
    expect(elapsed).toBeLessThan(1500);
  });
});

describe('selection as code, SMILES and CSV', () => {
  const picked = [rows[0], rows[2]];
  const code = selectionCode(picked, { title: 'Screen hits', rowCount: 5 });

  it('is a TypeScript cell that rebuilds the records by id or SMILES, saying where they came from', () => {
    expect(code).toBe(
      [
        '// 2 molecules selected in the molecule grid "Screen hits" of the output above',
        '// (2 of 5 rows), 1 by database id, 1 by SMILES only (no id).',
        'const selection: { id: string | null; smiles: string; name: string | null }[] = [',
        '  { id: "mol_1", smiles: "OCC(O)CO", name: "glycerol" },',
        '  { id: null, smiles: "OCCO", name: "ethylene glycol" },',
        '];'
      ].join('\n')
    );
  });

  it('parses and type-checks as TypeScript and evaluates to the selected records', () => {
    const tricky: GridRow = { smiles: 'C"C\\C', id: 'a\nb', name: 'it’s "quoted"', values: {} };
    const source = selectionCode([tricky, rows[1]], { title: 'x */ y', rowCount: 2 });
    const output = ts.transpileModule(`${source}\nexport default selection;`, {
      reportDiagnostics: true,
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020 }
    });
    expect(output.diagnostics).toEqual([]);
    const exports: { default?: unknown } = {};
    new Function('exports', output.outputText)(exports);
    expect(exports.default).toEqual([
      { id: 'a\nb', smiles: 'C"C\\C', name: 'it’s "quoted"' },
      { id: 'mol_2', smiles: 'CS(C)=O', name: 'DMSO' }
    ]);
  });

  it('copies SMILES one per line and CSV with units in the header, full precision', () => {
    expect(selectionSmiles(picked)).toBe('OCC(O)CO glycerol\nOCCO ethylene glycol');
    expect(selectionCsv([rows[0], rows[3]], screen.columns)).toBe(
      'id,name,smiles,Molar mass (g/mol),Class\r\nmol_1,glycerol,OCC(O)CO,92.0938,polyol\r\nmol_10,propylene glycol,CC(O)CO,76.095,\r\n'
    );
    expect(selectionCsv([{ smiles: 'C', id: null, name: 'a, "b"', values: {} }], [])).toBe(
      'id,name,smiles\r\n,"a, ""b""",C\r\n'
    );
  });
});

describe('payload validation', () => {
  const schema = PAYLOAD_SCHEMAS[DISPLAY_MIME.molecules];

  it('accepts an object or the same payload as a JSON string', () => {
    expect(parsePayload(screen, schema)).toEqual({ ok: true, payload: screen });
    expect(parsePayload(JSON.stringify(screen), schema)).toEqual({ ok: true, payload: screen });
  });

  it('refuses with the offending field named, never throws', () => {
    const broken = { ...screen, rows: [screen.rows[0], { ...screen.rows[1], smiles: 42 }] };
    const result = parsePayload(broken, schema);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problem).toMatch(/^rows\[1\]\.smiles: .*string/);
    expect(parsePayload('{"title":', schema)).toEqual({
      ok: false,
      problem: expect.stringMatching(/not JSON/)
    });
    expect(parsePayload(undefined, schema)).toEqual({
      ok: false,
      problem: 'the output carries no data'
    });
  });

  it('repeats the kernel contract exactly', async () => {
    const kernel = await import('@cryoprotect/kernel');
    expect(DISPLAY_MIME).toEqual(kernel.DISPLAY_MIME);
  });
});
