import { MimeModel } from '@jupyterlab/rendermime';
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';

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
