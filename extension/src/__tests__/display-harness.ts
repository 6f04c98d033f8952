import type { MoleculesPayload } from '@cryoprotect/kernel';
import { MimeModel } from '@jupyterlab/rendermime';
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { Widget } from '@lumino/widgets';
import { createRendererFactories, type IRendererServices } from '../display/factories';
import type { MoleculeGrid } from '../display/grid/widget';
import { DISPLAY_MIME } from '../display/mime';
import type { MoleculesRenderer } from '../display/molecules';

/** What JupyterLab passes a renderer factory. */
export function rendererOptions(mimeType: string): IRenderMime.IRendererOptions {
  return {
    mimeType,
    sanitizer: { sanitize: (html: string) => html },
    resolver: null,
    linkHandler: null,
    latexTypesetter: null
  };
}

export function mimeModel(mimeType: string, data: unknown, trusted = false): MimeModel {
  return new MimeModel({ data: { [mimeType]: data } as IRenderMime.IMimeModel['data'], trusted });
}

/** The SVG inside an <img> the renderers draw (a data: URL). */
export function svgOf(image: HTMLImageElement | null): string {
  expect(image).not.toBeNull();
  return decodeURIComponent(image!.src.replace(/^data:image\/svg\+xml;charset=utf-8,/, ''));
}

/** Wait until `condition` holds (depictions wait for RDKit.js, slower on a busy machine). */
export async function waitFor(condition: () => unknown, timeout = 15_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeout) {
      throw new Error(`waitFor: condition not met within ${timeout} ms`);
    }
    await new Promise(resolve => setTimeout(resolve, 20));
  }
}

/** A molecule grid rendered from `payload` and attached to the document, with its renderer. */
export async function renderGrid(
  payload: MoleculesPayload | string,
  services: IRendererServices = {}
): Promise<{ renderer: MoleculesRenderer; grid: MoleculeGrid }> {
  const grids: MoleculeGrid[] = [];
  const factory = createRendererFactories({
    ...services,
    onGrid: grid => grids.push(grid)
  }).find(candidate => candidate.mimeTypes.includes(DISPLAY_MIME.molecules))!;
  const renderer = factory.createRenderer(
    rendererOptions(DISPLAY_MIME.molecules)
  ) as MoleculesRenderer;
  Widget.attach(renderer, document.body);
  await renderer.renderModel(mimeModel(DISPLAY_MIME.molecules, payload));
  expect(grids).toHaveLength(1);
  return { renderer, grid: grids[0] };
}
