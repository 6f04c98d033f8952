import { NBTestUtils } from '@jupyterlab/notebook/lib/testutils';
import type { ICell } from '@jupyterlab/nbformat';
import { NotebookModel, type Notebook } from '@jupyterlab/notebook';
import { insertCodeBelow } from '../display/insert-cell';

/** A notebook widget showing exactly `cells`. */
function notebookWith(cells: Partial<ICell>[]): Notebook {
  const notebook = NBTestUtils.createNotebook();
  const model = new NotebookModel();
  model.fromJSON({
    cells: cells.map(cell => ({ metadata: {}, ...cell }) as ICell),
    metadata: {},
    nbformat: 4,
    nbformat_minor: 5
  });
  notebook.model = model;
  return notebook;
}

describe('inserting the selection as a cell', () => {
  it('puts a code cell directly below the cell whose output holds the grid, not run', () => {
    const notebook = notebookWith([
      { cell_type: 'markdown', source: '# Screen' },
      { cell_type: 'code', source: 'display(grid)', outputs: [], execution_count: null },
      { cell_type: 'markdown', source: 'after' }
    ]);
    // Where the renderer would be: inside the second cell's output area.
    const grid = document.createElement('div');
    notebook.widgets[1].node.append(grid);
    const code = 'const selection = [];';
    expect(insertCodeBelow(notebook, grid, code)).toBe(true);
    const cells = notebook.model!.sharedModel.cells;
    expect(cells.map(cell => [cell.cell_type, cell.getSource()])).toEqual([
      ['markdown', '# Screen'],
      ['code', 'display(grid)'],
      ['code', code],
      ['markdown', 'after']
    ]);
    expect(notebook.activeCellIndex).toBe(2);
    expect(notebook.model!.sharedModel.cells[2].toJSON()).toMatchObject({
      execution_count: null,
      outputs: []
    });
    notebook.dispose();
  });

  it('refuses when no cell holds the output', () => {
    const notebook = notebookWith([
      { cell_type: 'code', source: '1', outputs: [], execution_count: null }
    ]);
    expect(insertCodeBelow(notebook, document.createElement('div'), 'x')).toBe(false);
    expect(notebook.model!.sharedModel.cells).toHaveLength(1);
    notebook.dispose();
  });
});
