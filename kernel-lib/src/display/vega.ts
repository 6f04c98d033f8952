import type { VegaLiteSpec } from '../models/plots';
import { JUPYTER_DISPLAY, NODE_INSPECT, VEGA_LITE_MIME, type MimeBundle } from './bundle';
import { DisplayError } from './errors';
import { escapeHtml } from './format';
import { htmlBlock, inlineSvg } from './html';

/**
 * Static SVG of a Vega-Lite spec by vega's headless View: compile with vega-lite, render with
 * the 'none' renderer, toSVG(). It needs no canvas (text is measured by estimate when node-canvas
 * is absent, as here) and no DOM, so it runs in the core, in Node and in a browser alike. vega and
 * vega-lite are loaded on first use, so a browser bundle keeps them out of the entry chunk.
 */
export async function vegaLiteToSvg(spec: VegaLiteSpec): Promise<string> {
  const [vega, vl] = await Promise.all([import('vega'), import('vega-lite')]);
  let view: InstanceType<typeof vega.View> | undefined;
  try {
    // Vega-Lite's warnings (e.g. about merged scale sorts) would land in the notebook's stderr.
    const compiled = vl.compile(spec as never, { logger: vega.logger(vega.None) }).spec;
    // No loader access: our specs inline their data, and a static plot must never fetch.
    const loader = vega.loader({ mode: 'http' });
    loader.load = () => Promise.reject(new Error('plots must inline their data'));
    view = new vega.View(vega.parse(compiled), { renderer: 'none', loader });
    return await view.toSVG();
  } catch (error) {
    throw new DisplayError(
      'plot_failed',
      `could not render the Vega-Lite spec "${String(spec.title ?? '')}": ${error instanceof Error ? error.message : String(error)}`,
      'spec'
    );
  } finally {
    view?.finalize();
  }
}

/**
 * A Vega-Lite plot as one output: the spec (JupyterLab's own renderer draws it interactively),
 * its static SVG (nbconvert, GitHub, notebooks without a Vega renderer) and its title as text.
 */
export class PlotDisplay {
  constructor(
    readonly title: string,
    readonly spec: VegaLiteSpec,
    readonly svg: string
  ) {}

  bundle(): MimeBundle {
    return {
      [VEGA_LITE_MIME]: this.spec,
      'image/svg+xml': this.svg,
      'text/plain': `[plot] ${this.title}`
    };
  }

  /** The static plot inside a figure, for the HTML of a larger output. */
  html(): string {
    // A spec's own title (text, or text and subtitle) is drawn in the SVG; a caption would only repeat it.
    const caption =
      this.spec.title !== undefined ? '' : `<figcaption>${escapeHtml(this.title)}</figcaption>`;
    return htmlBlock(`<figure style="margin:4px 0">${inlineSvg(this.svg)}${caption}</figure>`);
  }

  [JUPYTER_DISPLAY](): MimeBundle {
    return this.bundle();
  }

  [NODE_INSPECT](): string {
    return `[plot] ${this.title}`;
  }
}

/** A Vega-Lite spec (e.g. from models/plots.ts) ready to display, its SVG rendered. */
export async function plotDisplay(spec: VegaLiteSpec, title?: string): Promise<PlotDisplay> {
  const name = title ?? (typeof spec.title === 'string' ? spec.title : 'plot');
  return new PlotDisplay(name, spec, await vegaLiteToSvg(spec));
}
