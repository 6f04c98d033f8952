import type { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette, MainAreaWidget } from '@jupyterlab/apputils';
import { ILauncher } from '@jupyterlab/launcher';
import { INotebookTracker } from '@jupyterlab/notebook';
import { ICryoProtectConnection } from '../connection';
import { insertIntoCurrent } from '../display/insert-cell';
import type { MoleculeEditor } from '../editor/widget';
import { cryoprotectIcon } from '../icon';
import { PredictionPanel } from './widget';

namespace CommandIDs {
  export const openPrediction = 'cryoprotect:open-prediction-panel';
}

/**
 * The prediction panel in the main area, beside the notebook, from the CryoProtect menu, the
 * palette and the launcher. `{ model, version, smiles }` in the command's arguments choose the
 * model version (the latest of that name without `version`) and the molecule to start with.
 */
export const predictPlugin: JupyterFrontEndPlugin<void> = {
  id: '@cryoprotect/jupyterlab:predict',
  description:
    'Predict with a registered model in the browser, compare with measured values, store it and ask the lab to verify it.',
  autoStart: true,
  requires: [INotebookTracker, ICryoProtectConnection],
  optional: [ICommandPalette, ILauncher],
  activate: (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    connection: ICryoProtectConnection,
    palette: ICommandPalette | null,
    launcher: ILauncher | null
  ) => {
    app.commands.addCommand(CommandIDs.openPrediction, {
      label: args =>
        args.isLauncher
          ? 'Prediction'
          : args.short
            ? 'New Prediction Panel'
            : 'CryoProtect: New Prediction Panel',
      icon: args => (args.isLauncher ? cryoprotectIcon : undefined),
      caption:
        'Predict a property with a registered model, compare with what was measured, and ask the lab to verify it',
      describedBy: {
        args: {
          type: 'object',
          properties: {
            model: { type: 'string', description: 'model name to choose' },
            version: { type: 'number', description: 'its version (default: the latest)' },
            smiles: { type: 'string', description: 'molecule to predict' }
          }
        }
      },
      execute: async args => {
        const content: PredictionPanel = new PredictionPanel({
          connection,
          insertCode: code => insertIntoCurrent(tracker, code),
          drawStructure: initial => Private.draw(app, initial, widget)
        });
        const widget: MainAreaWidget<PredictionPanel> = new MainAreaWidget({ content });
        widget.id = `${content.id}-panel`;
        widget.title.label = 'Prediction';
        widget.title.icon = cryoprotectIcon;
        widget.title.closable = true;
        app.shell.add(widget, 'main', { mode: 'split-right' });
        app.shell.activateById(widget.id);
        if (typeof args.model === 'string') {
          await content.selectModel(
            args.model,
            typeof args.version === 'number' ? args.version : undefined
          );
        }
        if (typeof args.smiles === 'string') {
          content.setSubject(args.smiles);
        }
        return widget;
      }
    });
    palette?.addItem({ command: CommandIDs.openPrediction, category: 'CryoProtect' });
    launcher?.add({
      command: CommandIDs.openPrediction,
      category: 'CryoProtect',
      rank: 3,
      args: { isLauncher: true }
    });
  }
};

namespace Private {
  /**
   * Draw in a molecule editor opened beside the panel; "Use for prediction" hands the structure
   * back, closes the editor and returns to the panel (null when the editor is closed instead).
   */
  export async function draw(
    app: JupyterFrontEnd,
    initial: string,
    panel: MainAreaWidget<PredictionPanel>
  ): Promise<string | null> {
    const editor = (await app.commands.execute('cryoprotect:open-molecule-editor', {
      structure: initial
    })) as MainAreaWidget<MoleculeEditor>;
    const smiles = await editor.content.pickStructure('Use for prediction');
    if (smiles !== null) {
      editor.close();
      app.shell.activateById(panel.id);
    }
    return smiles;
  }
}
