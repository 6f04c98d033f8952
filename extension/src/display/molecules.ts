import type { MoleculesPayload } from '@cryoprotect/kernel';
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import type { IRendererServices } from './factories';
import { MoleculeGrid } from './grid/widget';
import { PayloadRenderer, type IRenderContext } from './renderer';
import { isDarkTheme } from './theme';

/** The `molecules` output: the molecule grid, which keeps its state across theme switches. */
export class MoleculesRenderer extends PayloadRenderer<MoleculesPayload> {
  private grid: MoleculeGrid | null = null;

  constructor(
    options: IRenderMime.IRendererOptions,
    private readonly services: Pick<IRendererServices, 'onInsert' | 'onGrid'> = {}
  ) {
    super('molecules', options);
  }

  /** The grid drawn for the current payload (null before the first valid payload). */
  get currentGrid(): MoleculeGrid | null {
    return this.grid && !this.grid.isDisposed ? this.grid : null;
  }

  protected render(payload: MoleculesPayload, context: IRenderContext): MoleculeGrid[] {
    this.grid = new MoleculeGrid(payload, { dark: context.dark, onInsert: this.services.onInsert });
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
