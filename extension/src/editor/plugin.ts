import type { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette, MainAreaWidget } from '@jupyterlab/apputils';
import { INotebookTracker } from '@jupyterlab/notebook';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { ICryoProtectConnection } from '../connection';
import { insertIntoCurrent } from '../display/insert-cell';
import { cryoprotectIcon } from '../icon';
import { MoleculeEditor } from './widget';

namespace CommandIDs {
  export const openEditor = 'cryoprotect:open-molecule-editor';
}

/**
 * The molecule editor in the main area, beside the notebook; `structure` in the command's
 * arguments starts it with that structure.
 */
export const editorPlugin: JupyterFrontEndPlugin<void> = {
  id: '@cryoprotect/jupyterlab:editor',
  description: 'Draw or type a structure, see it standardized, register it, insert its code.',
  autoStart: true,
  requires: [IRenderMimeRegistry, INotebookTracker, ICryoProtectConnection],
  optional: [ICommandPalette],
  activate: (
    app: JupyterFrontEnd,
    rendermime: IRenderMimeRegistry,
    tracker: INotebookTracker,
    connection: ICryoProtectConnection,
    palette: ICommandPalette | null
  ) => {
    app.commands.addCommand(CommandIDs.openEditor, {
      label: args =>
        args.isLauncher
          ? 'Molecule editor'
          : args.short
            ? 'New Molecule Editor'
            : 'CryoProtect: New Molecule Editor',
      icon: args => (args.isLauncher ? cryoprotectIcon : undefined),
      caption: 'Draw or type a structure: standardized, checked against the database, registered',
      execute: args => {
        const content = new MoleculeEditor({
          rendermime,
          connection,
          structure: typeof args.structure === 'string' ? args.structure : undefined,
          insertCode: code => insertIntoCurrent(tracker, code)
        });
        const widget = new MainAreaWidget({ content });
        widget.id = `${content.id}-panel`;
        widget.title.label = 'Molecule editor';
        widget.title.icon = cryoprotectIcon;
        widget.title.closable = true;
        app.shell.add(widget, 'main', { mode: 'split-right' });
        app.shell.activateById(widget.id);
        return widget;
      }
    });
    palette?.addItem({ command: CommandIDs.openEditor, category: 'CryoProtect' });
  }
};
