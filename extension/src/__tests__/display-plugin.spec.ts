import type { JupyterFrontEnd } from '@jupyterlab/application';
import type { ICell } from '@jupyterlab/nbformat';
import { NotebookModel, type INotebookTracker, type NotebookPanel } from '@jupyterlab/notebook';
import { NBTestUtils } from '@jupyterlab/notebook/lib/testutils';
import { RenderMimeRegistry, standardRendererFactories } from '@jupyterlab/rendermime';
import { CommandRegistry } from '@lumino/commands';
import { Widget } from '@lumino/widgets';
import { DISPLAY_MIME } from '../display/mime';
import { CommandIDs, renderersPlugin } from '../display/plugin';
import { screen } from './display-fixtures';
import { mimeModel, waitFor } from './display-harness';

/** The plugin activated against JupyterLab's real registries, with the app reduced to what it uses. */
function activate() {
  const commands = new CommandRegistry();
  const contextItems: { command: string; selector: string }[] = [];
  const app = {
    commands,
    contextMenu: {
      addItem: (item: { command: string; selector: string }) => contextItems.push(item)
    },
    contextMenuHitTest: () => undefined
  } as unknown as JupyterFrontEnd;
  const rendermime = new RenderMimeRegistry({ initialFactories: standardRendererFactories });
  const notebook = NBTestUtils.createNotebook();
  const model = new NotebookModel();
  model.fromJSON({
    cells: [
      {
        cell_type: 'code',
        source: 'display(grid)',
        metadata: {},
        outputs: [],
        execution_count: 1
      } as ICell
    ],
    metadata: {},
    nbformat: 4,
    nbformat_minor: 5
  });
  notebook.model = model;
  Widget.attach(notebook, document.body);
  const panel = { content: notebook } as unknown as NotebookPanel;
  const tracker = {
    find: (test: (panel: NotebookPanel) => boolean) => (test(panel) ? panel : undefined)
  } as unknown as INotebookTracker;
  renderersPlugin.activate(app, rendermime, tracker, null);
  return { commands, contextItems, rendermime, notebook };
}

afterEach(() => {
  document.body.replaceChildren();
});

describe('renderers plugin', () => {
  it('makes JupyterLab prefer our types over the HTML and text of a bundle, also in untrusted notebooks', () => {
    const { rendermime } = activate();
    for (const mimeType of Object.values(DISPLAY_MIME)) {
      const bundle = {
        [mimeType]: {},
        'text/html': '<b>x</b>',
        'image/png': 'iVBOR',
        'text/plain': 'x'
      };
      expect(rendermime.preferredMimeType(bundle, 'ensure')).toBe(mimeType);
      expect(rendermime.preferredMimeType(bundle, 'any')).toBe(mimeType);
    }
  });

  it('inserts the selection of a grid in a notebook output as a code cell below it', async () => {
    const { commands, contextItems, rendermime, notebook } = activate();
    expect(contextItems).toEqual([
      expect.objectContaining({
        command: CommandIDs.insertSelection,
        selector: '.jp-cryoprotect-Grid'
      })
    ]);
    // The grid rendered inside the first cell, as an output would be (the notebook's cells are
    // not attached in jsdom, so the node is placed there by hand; the plugin only looks at nodes).
    const renderer = rendermime.createRenderer(DISPLAY_MIME.molecules);
    notebook.widgets[0].node.append(renderer.node);
    await renderer.renderModel(mimeModel(DISPLAY_MIME.molecules, screen));
    const node = renderer.node.querySelector<HTMLElement>('.jp-cryoprotect-Grid')!;
    const cards = node.querySelectorAll('.jp-cryoprotect-Grid-card');
    cards[0].dispatchEvent(new MouseEvent('click', { bubbles: true }));
    cards[1].dispatchEvent(new MouseEvent('click', { bubbles: true }));
    expect(commands.isEnabled(CommandIDs.insertSelection, { gridId: node.id })).toBe(true);
    const insert = [...node.querySelectorAll('button')].find(
      button => button.textContent === 'Insert cell with selection'
    )!;
    insert.click();
    await waitFor(() => notebook.model!.sharedModel.cells.length === 2);
    const inserted = notebook.model!.sharedModel.cells[1];
    expect(inserted.cell_type).toBe('code');
    expect(inserted.getSource()).toContain(
      '{ id: "mol_1", smiles: "OCC(O)CO", name: "glycerol" },'
    );
    expect(inserted.getSource()).toContain('{ id: "mol_2", smiles: "CS(C)=O", name: "DMSO" },');
    expect(inserted.toJSON()).toMatchObject({ execution_count: null, outputs: [] });
    renderer.dispose();
    // A disposed grid is forgotten: the command no longer finds it.
    expect(commands.isEnabled(CommandIDs.insertSelection, { gridId: node.id })).toBe(false);
  });
});
