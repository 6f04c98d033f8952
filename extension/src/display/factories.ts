import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import type { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import { CoverageRenderer } from './coverage';
import type { MoleculeGrid } from './grid/widget';
import { DISPLAY_MIME, RENDERER_RANK } from './mime';
import { MixtureRenderer } from './mixture';
import { ModelReportRenderer } from './model-report';
import { MoleculeRenderer } from './molecule';
import { MoleculesRenderer } from './molecules';
import type { PlotRenderer } from './plot';
import { PredictionRenderer } from './prediction';
import { TableRenderer } from './table';

/** What the renderers need of JupyterLab's command registry (`app.commands`). */
export interface IRendererCommands {
  execute(id: string, args?: ReadonlyPartialJSONObject): Promise<unknown>;
}

export interface IRendererServices {
  /** JupyterLab's Vega renderer, when reachable (model report and coverage plots). */
  plot?: PlotRenderer | null;
  /** Insert a code cell with a grid's selection below its output (notebooks only). */
  onInsert?: (grid: MoleculeGrid) => void;
  /** Told of every grid drawn, so that a command can find it by id. */
  onGrid?: (grid: MoleculeGrid) => void;
  /** The app's commands: a scored grid's rows open in the prediction panel through them. */
  commands?: IRendererCommands;
}

/**
 * One factory per vendor type: safe (they draw no HTML from the payload and run no script, so
 * untrusted notebooks, which are every notebook a reviewer opens, show them), ranked below
 * text/html (50) so they win over the HTML fallback of a bundle.
 */
export function createRendererFactories(
  services: IRendererServices = {}
): IRenderMime.IRendererFactory[] {
  const factory = (
    mimeType: string,
    create: (options: IRenderMime.IRendererOptions) => IRenderMime.IRenderer
  ): IRenderMime.IRendererFactory => ({
    safe: true,
    mimeTypes: [mimeType],
    defaultRank: RENDERER_RANK,
    createRenderer: create
  });
  return [
    factory(DISPLAY_MIME.molecule, options => new MoleculeRenderer(options)),
    factory(DISPLAY_MIME.molecules, options => new MoleculesRenderer(options, services)),
    factory(DISPLAY_MIME.mixture, options => new MixtureRenderer(options)),
    factory(DISPLAY_MIME.prediction, options => new PredictionRenderer(options)),
    factory(
      DISPLAY_MIME.modelReport,
      options => new ModelReportRenderer(options, services.plot ?? null)
    ),
    factory(DISPLAY_MIME.table, options => new TableRenderer(options)),
    factory(DISPLAY_MIME.coverage, options => new CoverageRenderer(options, services.plot ?? null))
  ];
}
