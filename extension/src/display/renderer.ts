import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { PanelLayout, Widget } from '@lumino/widgets';
import { loadKernel } from '../chemistry';
import { h } from './dom';
import { DISPLAY_MIME, KIND_LABEL, type DisplayKind } from './mime';
import { ThemeWatcher, isDarkTheme } from './theme';
import { parsePayload, type IPayloadSchema } from './validate';

type Kernel = Awaited<ReturnType<typeof loadKernel>>;

/** What a payload renderer draws into: parts appended in order, and the current theme. */
export interface IRenderContext {
  kernel: Kernel;
  dark: boolean;
  /** The output's trust (child renderers, e.g. Vega, are given the same). */
  trusted: boolean;
}

/**
 * The common part of every CryoProtect renderer: reads the output's data (object or JSON string),
 * validates it with the kernel's schema, and shows a message naming the offending field instead
 * of throwing into JupyterLab. It redraws when the theme switches between light and dark, and its
 * disposal disconnects the theme observer and disposes the parts it drew.
 */
export abstract class PayloadRenderer<T> extends Widget implements IRenderMime.IRenderer {
  protected readonly mimeType: string;
  private readonly watcher: ThemeWatcher;
  private last: { payload: T; trusted: boolean } | null = null;

  constructor(
    protected readonly kind: DisplayKind,
    options: IRenderMime.IRendererOptions
  ) {
    super();
    this.mimeType = options.mimeType;
    this.layout = new PanelLayout();
    this.addClass('jp-cryoprotect-Output');
    this.addClass(`jp-cryoprotect-Output-${kind}`);
    this.watcher = new ThemeWatcher(() => this.onThemeChanged());
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const data = model.data[this.mimeType] ?? model.data[DISPLAY_MIME[this.kind]];
    let kernel: Kernel;
    try {
      kernel = await loadKernel();
    } catch (error) {
      this.showProblem(`the CryoProtect kernel library did not load: ${(error as Error).message}`);
      return;
    }
    const schema = kernel.PAYLOAD_SCHEMAS[DISPLAY_MIME[this.kind]] as unknown as IPayloadSchema<T>;
    const parsed = parsePayload(data, schema);
    if (!parsed.ok) {
      this.last = null;
      this.showProblem(parsed.problem);
      return;
    }
    this.last = { payload: parsed.payload, trusted: model.trusted };
    await this.draw();
  }

  /** Build the output for a valid payload: nodes or widgets, in order. */
  protected abstract render(
    payload: T,
    context: IRenderContext
  ): Promise<(Node | Widget)[]> | (Node | Widget)[];

  /** Redraw with the new theme's colours (a grid overrides this to keep its state). */
  protected onThemeChanged(): void {
    void this.draw();
  }

  override dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this.watcher.dispose();
    this.last = null;
    super.dispose();
  }

  private async draw(): Promise<void> {
    const last = this.last;
    if (!last || this.isDisposed) {
      return;
    }
    let parts: (Node | Widget)[];
    try {
      parts = await this.render(last.payload, {
        kernel: await loadKernel(),
        dark: isDarkTheme(),
        trusted: last.trusted
      });
    } catch (error) {
      this.showProblem(`it could not be drawn: ${(error as Error).message}`);
      return;
    }
    if (this.isDisposed) {
      for (const part of parts) {
        if (part instanceof Widget) {
          part.dispose();
        }
      }
      return;
    }
    this.setParts(parts);
  }

  private showProblem(problem: string): void {
    const message = h(
      'div',
      { className: 'jp-cryoprotect-Problem', attrs: { role: 'alert' } },
      h('strong', {}, `This CryoProtect ${KIND_LABEL[this.kind]} output cannot be shown: `),
      problem,
      h('div', { className: 'jp-cryoprotect-Problem-detail' }, `(MIME type ${this.mimeType})`)
    );
    this.setParts([message]);
  }

  private setParts(parts: (Node | Widget)[]): void {
    const layout = this.layout as PanelLayout;
    for (const widget of [...layout.widgets]) {
      widget.dispose();
    }
    for (const part of parts) {
      layout.addWidget(part instanceof Widget ? part : Private.wrap(part));
    }
  }
}

namespace Private {
  export function wrap(node: Node): Widget {
    if (node instanceof HTMLElement) {
      return new Widget({ node });
    }
    const host = document.createElement('div');
    host.append(node);
    return new Widget({ node: host });
  }
}
