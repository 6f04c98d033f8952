import type { IDisposable } from '@lumino/disposable';

/**
 * Whether JupyterLab shows a dark theme. JupyterLab sets `data-jp-theme-light` on the body (vega5's
 * renderer reads the same attribute); without it (a page outside JupyterLab) the theme is light.
 */
export function isDarkTheme(): boolean {
  return document.body.dataset.jpThemeLight === 'false';
}

/**
 * Calls `changed` when JupyterLab switches between light and dark themes, so that depictions can
 * be redrawn in colours readable on the new background. Dispose to disconnect the observer.
 */
export class ThemeWatcher implements IDisposable {
  private observer: MutationObserver | null;
  private dark = isDarkTheme();

  constructor(changed: (dark: boolean) => void) {
    this.observer = new MutationObserver(() => {
      const dark = isDarkTheme();
      if (dark !== this.dark) {
        this.dark = dark;
        changed(dark);
      }
    });
    this.observer.observe(document.body, {
      attributes: true,
      attributeFilter: ['data-jp-theme-light']
    });
  }

  get isDisposed(): boolean {
    return this.observer === null;
  }

  dispose(): void {
    this.observer?.disconnect();
    this.observer = null;
  }
}
