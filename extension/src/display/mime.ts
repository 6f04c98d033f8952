import { DISPLAY_MIME, type DisplayKind } from '@cryoprotect/kernel/display';

// The light entry: the MIME types without the kernel's chemistry, which loads on first drawing.
export { DISPLAY_MIME };
export type { DisplayKind };

/**
 * JupyterLab picks the renderer with the lowest rank; text/html is 50, so ours must be below it to
 * win over the HTML fallback a bundle may carry.
 */
export const RENDERER_RANK = 40;

/** What a reader calls each kind of output, for messages. */
export const KIND_LABEL: Record<DisplayKind, string> = {
  molecule: 'molecule',
  molecules: 'molecule grid',
  mixture: 'mixture',
  prediction: 'prediction',
  modelReport: 'model report',
  table: 'table',
  coverage: 'real coverage'
};
