import type { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette, MainAreaWidget } from '@jupyterlab/apputils';
import { INotebookTracker } from '@jupyterlab/notebook';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { insertCodeCell } from '../display/insert-cell';
import { cryoprotectIcon } from '../icon';
import { MixtureComposer } from './widget';

namespace CommandIDs {
  export const openComposer = 'cryoprotect:open-mixture-composer';
}

/**
 * The mixture composer in the main area, opened from the palette; its "Insert code" writes into
 * the notebook that was active last.
 */
export const composerPlugin: JupyterFrontEndPlugin<void> = {
  id: '@cryoprotect/jupyterlab:composer',
  description: 'Compose a cryoprotectant solution and insert the code that recreates it.',
  autoStart: true,
  requires: [IRenderMimeRegistry, INotebookTracker],
  optional: [ICommandPalette],
  activate: (
    app: JupyterFrontEnd,
    rendermime: IRenderMimeRegistry,
    tracker: INotebookTracker,
    palette: ICommandPalette | null
  ) => {
    app.commands.addCommand(CommandIDs.openComposer, {
      label: args =>
        args.isLauncher
          ? 'Mixture composer'
          : args.short
            ? 'New Mixture Composer'
            : 'CryoProtect: New Mixture Composer',
      icon: args => (args.isLauncher ? cryoprotectIcon : undefined),
      caption: 'Compose a solution: every unit, molality, osmolality and Tg as you type',
      execute: () => {
        const content = new MixtureComposer({
          rendermime,
          insertCode: code => Private.insertIntoCurrent(tracker, code)
        });
        const widget = new MainAreaWidget({ content });
        widget.id = `${content.id}-panel`;
        widget.title.label = 'Mixture composer';
        widget.title.closable = true;
        app.shell.add(widget, 'main', { mode: 'split-right' });
        app.shell.activateById(widget.id);
        return widget;
      }
    });
    palette?.addItem({ command: CommandIDs.openComposer, category: 'CryoProtect' });
  }
};

namespace Private {
  /** A code cell below the active cell of the current notebook, not run; false without one. */
  export function insertIntoCurrent(tracker: INotebookTracker, code: string): boolean {
    const notebook = tracker.currentWidget?.content;
    if (!notebook) {
      return false;
    }
    insertCodeCell(notebook, code);
    return true;
  }
}
