import type { JupyterFrontEnd } from '@jupyterlab/application';
import type { INotebookTracker } from '@jupyterlab/notebook';
import { RenderMimeRegistry, standardRendererFactories } from '@jupyterlab/rendermime';
import { CommandRegistry } from '@lumino/commands';
import type { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import { Widget } from '@lumino/widgets';
import type { MoleculesPayload } from '@cryoprotect/kernel';
import { OPEN_PREDICTION_COMMAND, predictionArgs } from '../display/grid/model';
import type { MoleculeGrid } from '../display/grid/widget';
import { DISPLAY_MIME } from '../display/mime';
import { renderersPlugin } from '../display/plugin';
import { screen } from './display-fixtures';
import { mimeModel, renderGrid, waitFor } from './display-harness';

/** The screen's hits as a virtual screen scored by a registered model sends them. */
const scored: MoleculesPayload = { ...screen, model: { name: 'tg-pure', version: 3 } };

/** A command registry reduced to what the renderers use: it records what it is asked to run. */
function fakeCommands(result: () => Promise<unknown> = () => Promise.resolve(undefined)) {
  const calls: { id: string; args: ReadonlyPartialJSONObject | undefined }[] = [];
  return {
    calls,
    commands: {
      execute: (id: string, args?: ReadonlyPartialJSONObject) => {
        calls.push({ id, args });
        return result();
      }
    }
  };
}

const predictButtons = (grid: MoleculeGrid) => [
  ...grid.node.querySelectorAll<HTMLButtonElement>('button.jp-cryoprotect-Grid-predict')
];
const status = (grid: MoleculeGrid) =>
  grid.node.querySelector('.jp-cryoprotect-Grid-status')!.textContent;

afterEach(() => {
  document.body.replaceChildren();
});

describe('opening a hit of a scored grid in the prediction panel', () => {
  it('offers nothing when the payload names no model (a v1 payload), in either view', async () => {
    const { calls, commands } = fakeCommands();
    const { renderer, grid } = await renderGrid(screen, { commands });
    expect(predictButtons(grid)).toHaveLength(0);
    expect(grid.node.textContent).not.toContain('Open in prediction panel');
    expect(grid.node.querySelector('.jp-cryoprotect-Grid-model')).toBeNull();
    grid.setView('list');
    expect(predictButtons(grid)).toHaveLength(0);
    expect(
      [...grid.node.querySelectorAll('.jp-cryoprotect-Grid-list thead th')].map(
        cell => cell.textContent
      )
    ).toEqual(['Structure', 'Name', 'Id', 'SMILES', 'Molar mass (g/mol)', 'Class']);
    expect(calls).toEqual([]);
    renderer.dispose();
  });

  it('gives every card a named button that opens the row with the model, without selecting it', async () => {
    const { calls, commands } = fakeCommands();
    const { renderer, grid } = await renderGrid(scored, { commands });
    expect(grid.node.querySelector('.jp-cryoprotect-Grid-model')!.textContent).toBe(
      'scored by tg-pure@3'
    );
    const buttons = predictButtons(grid);
    expect(buttons).toHaveLength(5);
    // One button in each card, named after its row.
    expect(
      buttons.map(button => button.closest<HTMLElement>('.jp-cryoprotect-Grid-card')?.dataset.row)
    ).toEqual(['0', '1', '2', '3', '4']);
    expect(buttons.map(button => button.getAttribute('aria-label'))).toEqual([
      'Open in prediction panel: glycerol',
      'Open in prediction panel: DMSO',
      'Open in prediction panel: ethylene glycol',
      'Open in prediction panel: propylene glycol',
      'Open in prediction panel: betaine'
    ]);
    expect(buttons[1].textContent).toBe('Open in prediction panel');
    expect(buttons[1].type).toBe('button');
    expect(buttons[1].title).toContain('tg-pure@3');
    buttons[1].click();
    expect(calls).toEqual([
      {
        id: 'cryoprotect:open-prediction-panel',
        args: { model: 'tg-pure', version: 3, smiles: 'CS(C)=O' }
      }
    ]);
    expect(grid.selection.size).toBe(0);
    renderer.dispose();
  });

  it('in the list view: a Prediction column whose button opens the row shown, also from the keyboard', async () => {
    const { calls, commands } = fakeCommands();
    const { renderer, grid } = await renderGrid(scored, { commands });
    grid.setView('list');
    grid.setSort({ column: 'mw', direction: 'descending' });
    const headers = [...grid.node.querySelectorAll('.jp-cryoprotect-Grid-list thead th')];
    expect(headers.at(-1)!.textContent).toBe('Prediction');
    const rows = [...grid.node.querySelectorAll('.jp-cryoprotect-Grid-list tbody tr')];
    expect(rows).toHaveLength(5);
    const first = rows[0].querySelector<HTMLButtonElement>('button.jp-cryoprotect-Grid-predict')!;
    expect(first.getAttribute('aria-label')).toBe('Open in prediction panel: betaine');
    // Enter on the button is the button's: the row does not take it (nor cancel its click).
    const enter = new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, cancelable: true });
    first.dispatchEvent(enter);
    expect(enter.defaultPrevented).toBe(false);
    expect(grid.selection.size).toBe(0);
    first.click();
    expect(calls.map(call => call.args)).toEqual([
      { model: 'tg-pure', version: 3, smiles: 'C[N+](C)(C)CC(=O)[O-]' }
    ]);
    // Enter on the row itself still selects it.
    rows[0].dispatchEvent(
      new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, cancelable: true })
    );
    expect(grid.selectedRows().map(row => row.name)).toEqual(['betaine']);
    renderer.dispose();
  });

  it('leaves the version out for an unregistered model, so the panel takes the latest', async () => {
    const { calls, commands } = fakeCommands();
    const payload: MoleculesPayload = { ...screen, model: { name: 'tg-draft', version: null } };
    const { renderer, grid } = await renderGrid(payload, { commands });
    const button = predictButtons(grid)[0];
    expect(button.title).toContain('latest registered version of tg-draft');
    button.click();
    expect(calls).toEqual([
      { id: OPEN_PREDICTION_COMMAND, args: { model: 'tg-draft', smiles: 'OCC(O)CO' } }
    ]);
    expect(predictionArgs({ name: 'm', version: 2 }, screen.rows[0])).toEqual({
      model: 'm',
      version: 2,
      smiles: 'OCC(O)CO'
    });
    renderer.dispose();
  });

  it('says so in the status line when the panel cannot open, and offers nothing without commands', async () => {
    const { commands } = fakeCommands(() =>
      Promise.reject(new Error("Command 'cryoprotect:open-prediction-panel' not registered."))
    );
    const { renderer, grid } = await renderGrid(scored, { commands });
    predictButtons(grid)[0].click();
    await waitFor(() => status(grid) !== '');
    expect(status(grid)).toBe(
      "The prediction panel did not open: Command 'cryoprotect:open-prediction-panel' not registered."
    );
    renderer.dispose();
    const { renderer: bare, grid: alone } = await renderGrid(scored);
    expect(predictButtons(alone)).toHaveLength(0);
    bare.dispose();
  });

  it('is wired to the app commands by the renderers plugin', async () => {
    const commands = new CommandRegistry();
    const opened: ReadonlyPartialJSONObject[] = [];
    commands.addCommand(OPEN_PREDICTION_COMMAND, {
      execute: args => {
        opened.push(args);
      }
    });
    const app = {
      commands,
      contextMenu: { addItem: () => undefined },
      contextMenuHitTest: () => undefined
    } as unknown as JupyterFrontEnd;
    const rendermime = new RenderMimeRegistry({ initialFactories: standardRendererFactories });
    renderersPlugin.activate(app, rendermime, {} as INotebookTracker, null);
    const renderer = rendermime.createRenderer(DISPLAY_MIME.molecules);
    Widget.attach(renderer as Widget, document.body);
    await renderer.renderModel(mimeModel(DISPLAY_MIME.molecules, scored));
    const button = renderer.node.querySelector<HTMLButtonElement>(
      'button[aria-label="Open in prediction panel: ethylene glycol"]'
    )!;
    button.click();
    await waitFor(() => opened.length === 1);
    expect(opened).toEqual([{ model: 'tg-pure', version: 3, smiles: 'OCCO' }]);
    renderer.dispose();
  });
});
