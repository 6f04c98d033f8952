import { NotebookActions, type INotebookTracker, type Notebook } from '@jupyterlab/notebook';

/** The open notebook whose cells hold `node` (an output's element), if any. */
export function notebookOf(tracker: INotebookTracker, node: HTMLElement): Notebook | null {
  return (
    tracker.find(panel => panel.content.widgets.some(cell => cell.node.contains(node)))?.content ??
    null
  );
}

/**
 * Put `code` in a new code cell directly below the cell whose output holds `node`, and make it
 * the active cell. The cell is not run: the user sees it and decides (tslab ignores `silent`, and
 * an error in a request would cancel the user's queued cells). False when no cell holds `node`.
 */
export function insertCodeBelow(notebook: Notebook, node: HTMLElement, code: string): boolean {
  const index = notebook.widgets.findIndex(cell => cell.node.contains(node));
  if (index < 0) {
    return false;
  }
  notebook.activeCellIndex = index;
  insertCodeCell(notebook, code);
  return true;
}

/** Put `code` in a new code cell below the active cell, not run, and make it the active cell. */
export function insertCodeCell(notebook: Notebook, code: string): void {
  NotebookActions.insertBelow(notebook);
  if (notebook.activeCell?.model.type !== 'code') {
    NotebookActions.changeCellType(notebook, 'code');
  }
  notebook.activeCell?.model.sharedModel.setSource(code);
}

/** A code cell below the active cell of the current notebook, not run; false without one. */
export function insertIntoCurrent(tracker: INotebookTracker, code: string): boolean {
  const notebook = tracker.currentWidget?.content;
  if (!notebook) {
    return false;
  }
  insertCodeCell(notebook, code);
  return true;
}
