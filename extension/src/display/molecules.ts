import type { MoleculesPayload } from '@cryoprotect/kernel';
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import type { IRendererServices } from './factories';
import { OPEN_PREDICTION_COMMAND, predictionArgs } from './grid/model';
import { MoleculeGrid } from './grid/widget';
import { PayloadRenderer, type IRenderContext } from './renderer';
import { isDarkTheme } from './theme';

/**
 * The `molecules` output: the molecule grid, which keeps its state across theme switches. When
 * the payload names the model that scored the rows, each row opens in the prediction panel
 * (OPEN_PREDICTION_COMMAND) with that model.
 */
export class MoleculesRenderer extends PayloadRenderer<MoleculesPayload> {
  private grid: MoleculeGrid | null = null;

  constructor(
    options: IRenderMime.IRendererOptions,
    private readonly services: Pick<IRendererServices, 'onInsert' | 'onGrid' | 'commands'> = {}
  ) {
    super('molecules', options);
  }

  /** The grid drawn for the current payload (null before the first valid payload). */
  get currentGrid(): MoleculeGrid | null {
    return this.grid && !this.grid.isDisposed ? this.grid : null;
  }

  protected render(payload: MoleculesPayload, context: IRenderContext): MoleculeGrid[] {
    const { commands } = this.services;
    this.grid = new MoleculeGrid(payload, {
      dark: context.dark,
      onInsert: this.services.onInsert,
      onOpenPrediction: commands
        ? (row, model) => commands.execute(OPEN_PREDICTION_COMMAND, predictionArgs(model, row))
        : undefined
    });
    this.services.onGrid?.(this.grid);
    return [this.grid];
  }

  protected override onThemeChanged(): void {
    const grid = this.currentGrid;
    if (grid) {
      grid.setDark(isDarkTheme());
    }
  }
}
