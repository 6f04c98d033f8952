import type { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette, MainAreaWidget } from '@jupyterlab/apputils';
import { INotebookTracker } from '@jupyterlab/notebook';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { ICryoProtectConnection } from '../connection';
import { insertIntoCurrent } from '../display/insert-cell';
import { cryoprotectIcon } from '../icon';
import type { MoleculeEditor } from '../editor/widget';
import { MixtureComposer } from './widget';

namespace CommandIDs {
  export const openComposer = 'cryoprotect:open-mixture-composer';
  export const openSaved = 'cryoprotect:open-saved-mixture';
}

/**
 * The mixture composer in the main area, opened from the palette; its "Insert code" writes into
 * the notebook that was active last, and with a CryoProtect connection it saves to, opens from
 * and searches the database. `cryoprotect:open-saved-mixture` with `{ mixtureId }` opens a saved
 * mixture in a new composer (for other widgets, e.g. a database browser); without it, the
 * composer opens on its "Open saved…" dialog.
 */
export const composerPlugin: JupyterFrontEndPlugin<void> = {
  id: '@cryoprotect/jupyterlab:composer',
  description: 'Compose a cryoprotectant solution, save it, and insert the code that recreates it.',
  autoStart: true,
  requires: [IRenderMimeRegistry, INotebookTracker],
  optional: [ICommandPalette, ICryoProtectConnection],
  activate: (
    app: JupyterFrontEnd,
    rendermime: IRenderMimeRegistry,
    tracker: INotebookTracker,
    palette: ICommandPalette | null,
    connection: ICryoProtectConnection | null
  ) => {
    const open = (): MainAreaWidget<MixtureComposer> => {
      const content: MixtureComposer = new MixtureComposer({
        rendermime,
        connection,
        insertCode: code => insertIntoCurrent(tracker, code),
        drawStructure: initial => Private.draw(app, initial, widget)
      });
      const widget: MainAreaWidget<MixtureComposer> = new MainAreaWidget({ content });
      widget.id = `${content.id}-panel`;
      widget.title.label = 'Mixture composer';
      widget.title.closable = true;
      // The composer names itself after an opened mixture; the tab follows.
      content.title.changed.connect(() => {
        widget.title.label = content.title.label;
      });
      app.shell.add(widget, 'main', { mode: 'split-right' });
      app.shell.activateById(widget.id);
      return widget;
    };

    app.commands.addCommand(CommandIDs.openComposer, {
      label: args =>
        args.isLauncher
          ? 'Mixture composer'
          : args.short
            ? 'New Mixture Composer'
            : 'CryoProtect: New Mixture Composer',
      icon: args => (args.isLauncher ? cryoprotectIcon : undefined),
      caption: 'Compose a solution: every unit, molality, osmolality and Tg as you type',
      execute: () => open()
    });

    app.commands.addCommand(CommandIDs.openSaved, {
      label: args => (args.short ? 'Open Saved Mixture…' : 'CryoProtect: Open Saved Mixture…'),
      caption: 'Open a mixture saved in the CryoProtect database in the mixture composer',
      isEnabled: () => connection !== null,
      describedBy: {
        args: {
          type: 'object',
          properties: {
            mixtureId: { type: 'string', description: 'id of the saved mixture to open' }
          }
        }
      },
      execute: async args => {
        const widget = open();
        const mixtureId = typeof args.mixtureId === 'string' ? args.mixtureId : '';
        if (mixtureId !== '') {
          await widget.content.openSaved(mixtureId);
        } else {
          await widget.content.pickSaved();
        }
        return widget;
      }
    });
    palette?.addItem({ command: CommandIDs.openComposer, category: 'CryoProtect' });
    palette?.addItem({ command: CommandIDs.openSaved, category: 'CryoProtect' });
  }
};

namespace Private {
  /**
   * Draw in a molecule editor opened beside the composer; "Use in composer" hands the structure
   * back, closes the editor and returns to the composer (null when the editor is closed instead).
   */
  export async function draw(
    app: JupyterFrontEnd,
    initial: string,
    composer: MainAreaWidget<MixtureComposer>
  ): Promise<string | null> {
    const panel = (await app.commands.execute('cryoprotect:open-molecule-editor', {
      structure: initial
    })) as MainAreaWidget<MoleculeEditor>;
    const smiles = await panel.content.pickStructure('Use in composer');
    if (smiles !== null) {
      panel.close();
      app.shell.activateById(composer.id);
    }
    return smiles;
  }
}
