import type { ILabShell, JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette, MainAreaWidget } from '@jupyterlab/apputils';
import { INotebookTracker } from '@jupyterlab/notebook';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { ICryoProtectConnection } from '../connection';
import { insertCodeCell } from '../display/insert-cell';
import { cryoprotectIcon } from '../icon';
import { RecordView } from './record-view';
import { DatabaseBrowser } from './widget';

namespace CommandIDs {
  export const openDatabase = 'cryoprotect:open-database';
}

/** Where the browser sits among the left panel's tabs (file browser 100, running 200, ...). */
const RANK = 700;

/**
 * The CryoProtect database browser in the left panel; its records open in the main area and
 * become code cells in the current notebook.
 */
export const databasePlugin: JupyterFrontEndPlugin<void> = {
  id: '@cryoprotect/jupyterlab:database',
  description: 'Browse and search the CryoProtect database; insert the code that loads a record.',
  autoStart: true,
  requires: [ICryoProtectConnection, IRenderMimeRegistry, INotebookTracker],
  optional: [ICommandPalette],
  activate: (
    app: JupyterFrontEnd,
    connection: ICryoProtectConnection,
    rendermime: IRenderMimeRegistry,
    tracker: INotebookTracker,
    palette: ICommandPalette | null
  ) => {
    const insertCode = (code: string): string => Private.insertIntoCurrent(app, tracker, code);
    const browser = new DatabaseBrowser({
      connection,
      rendermime,
      insertCode,
      open: (kind, record) => {
        const content = new RecordView({ kind, record, rendermime, insertCode });
        const id = `${content.id}-panel`;
        // A record already open is shown again, not opened twice.
        if (Array.from(app.shell.widgets('main')).some(w => w.id === id)) {
          content.dispose();
          app.shell.activateById(id);
          return;
        }
        const widget = new MainAreaWidget({ content });
        widget.id = id;
        widget.title.icon = cryoprotectIcon;
        app.shell.add(widget, 'main', { mode: 'split-right' });
        app.shell.activateById(widget.id);
      }
    });
    browser.title.icon = cryoprotectIcon;
    app.shell.add(browser, 'left', { rank: RANK });

    app.commands.addCommand(CommandIDs.openDatabase, {
      label: args => (args.short ? 'Open Database Browser' : 'CryoProtect: Open Database Browser'),
      caption:
        'Search the molecules, mixtures, references, datasets, models and predictions you may see',
      icon: args => (args.short ? undefined : cryoprotectIcon),
      execute: () => {
        (app.shell as ILabShell).expandLeft?.();
        app.shell.activateById(browser.id);
        browser.node.querySelector<HTMLInputElement>('.jp-cryoprotect-Database-text')?.focus();
      }
    });
    palette?.addItem({ command: CommandIDs.openDatabase, category: 'CryoProtect' });
  }
};

namespace Private {
  /**
   * The code in the current notebook: in its active cell when that is an empty code cell (a new
   * notebook's first cell), else in a new cell below it; not run. The sentence says which, or why
   * nothing was inserted.
   */
  export function insertIntoCurrent(
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    code: string
  ): string {
    const panel = tracker.currentWidget;
    if (!panel) {
      return 'No notebook is open: open or create a notebook (TypeScript kernel), then insert the code again.';
    }
    const notebook = panel.content;
    const active = notebook.activeCell;
    let where: string;
    if (
      active &&
      active.model.type === 'code' &&
      active.model.sharedModel.getSource().trim() === ''
    ) {
      active.model.sharedModel.setSource(code);
      where = 'into the empty active cell';
    } else {
      insertCodeCell(notebook, code);
      where = 'below the active cell';
    }
    app.shell.activateById(panel.id);
    return `Code inserted ${where} of ${panel.title.label}; run it there.`;
  }
}
