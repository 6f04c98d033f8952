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
