import type { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette, showErrorMessage } from '@jupyterlab/apputils';
import { INotebookTracker } from '@jupyterlab/notebook';
import { IRenderMimeRegistry, MimeModel } from '@jupyterlab/rendermime';
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { createRendererFactories } from './factories';
import type { MoleculeGrid } from './grid/widget';
import { insertCodeBelow, notebookOf } from './insert-cell';
import { RENDERER_RANK } from './mime';
import type { PlotRenderer } from './plot';

export namespace CommandIDs {
  export const insertSelection = 'cryoprotect:insert-selection-cell';
}

/**
 * The renderers of CryoProtect's outputs, registered from a normal plugin rather than a MIME
 * extension because the molecule grid must reach the notebook: its selection becomes a visible
 * code cell below the output (never code run in the kernel behind the user's back).
 */
export const renderersPlugin: JupyterFrontEndPlugin<void> = {
  id: '@cryoprotect/jupyterlab:renderers',
  description:
    'Renderers for CryoProtect outputs: molecules, the molecule grid, mixtures, predictions, model reports, tables, real coverage.',
  autoStart: true,
  requires: [IRenderMimeRegistry, INotebookTracker],
  optional: [ICommandPalette],
  activate: (
    app: JupyterFrontEnd,
    rendermime: IRenderMimeRegistry,
    tracker: INotebookTracker,
    palette: ICommandPalette | null
  ) => {
    const grids = new Map<string, MoleculeGrid>();
    let lastGrid: MoleculeGrid | null = null;

    const findGrid = (args: { gridId?: unknown }): MoleculeGrid | null => {
      if (typeof args.gridId === 'string') {
        return grids.get(args.gridId) ?? null;
      }
      const node = app.contextMenuHitTest(candidate =>
        candidate.classList.contains('jp-cryoprotect-Grid')
      );
      return (node && grids.get(node.id)) || (lastGrid && !lastGrid.isDisposed ? lastGrid : null);
    };

    app.commands.addCommand(CommandIDs.insertSelection, {
      label: 'CryoProtect: Insert Cell with Selection',
      caption: 'Insert a code cell below the molecule grid that rebuilds the selected records',
      isEnabled: args => (findGrid(args)?.selection.size ?? 0) > 0,
      execute: async args => {
        const grid = findGrid(args);
        if (!grid || grid.selection.size === 0) {
          await showErrorMessage(
            'CryoProtect: nothing to insert',
            'Select molecules in a molecule grid first (click, shift-click for a range).'
          );
          return;
        }
        const notebook = notebookOf(tracker, grid.node);
        if (!notebook || !insertCodeBelow(notebook, grid.node, grid.selectionCode())) {
          await showErrorMessage(
            'CryoProtect: no notebook cell',
            'This grid is not an output of a notebook cell, so there is no cell to insert below.'
          );
        }
      }
    });
    palette?.addItem({ command: CommandIDs.insertSelection, category: 'CryoProtect' });
    app.contextMenu.addItem({
      command: CommandIDs.insertSelection,
      selector: '.jp-cryoprotect-Grid',
      rank: 0
    });

    const factories = createRendererFactories({
      plot: Private.vegaPlot(rendermime),
      commands: app.commands,
      onGrid: grid => {
        grids.set(grid.id, grid);
        grid.disposed.connect(() => grids.delete(grid.id));
        // Without arguments the command acts on the grid last touched (the palette has no target).
        grid.node.addEventListener('pointerdown', () => {
          lastGrid = grid;
        });
      },
      onInsert: grid => {
        lastGrid = grid;
        void app.commands.execute(CommandIDs.insertSelection, { gridId: grid.id });
      }
    });
    for (const factory of factories) {
      rendermime.addFactory(factory, RENDERER_RANK);
    }
  }
};

namespace Private {
  /**
   * JupyterLab's own Vega renderer, if its extension is loaded: the newest Vega-Lite MIME type the
   * registry knows. Plots then look like every other Vega output and need no bundle of their own.
   */
  export function vegaPlot(rendermime: IRenderMimeRegistry): PlotRenderer {
    return async (spec, trusted) => {
      const mimeType = rendermime.mimeTypes
        .filter(type => /^application\/vnd\.vegalite\.v\d+\+json$/.test(type))
        .sort((a, b) => Number(/v(\d+)/.exec(b)?.[1]) - Number(/v(\d+)/.exec(a)?.[1]))[0];
      if (!mimeType) {
        return null;
      }
      const renderer = rendermime.createRenderer(mimeType);
      await renderer.renderModel(
        new MimeModel({ data: { [mimeType]: spec } as IRenderMime.IMimeModel['data'], trusted })
      );
      return renderer;
    };
  }
}
