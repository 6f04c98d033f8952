import type { DISPLAY_MIME as KernelDisplayMime, DisplayKind } from '@cryoprotect/kernel';

export type { DisplayKind };

/**
 * The vendor MIME types of kernel-lib/src/display/payloads.ts. They are repeated here because the
 * kernel package is CommonJS with a single entry: importing one constant from it would pull the
 * whole kernel (RDKit, TensorFlow.js) into JupyterLab's first page load. The type annotation makes
 * tsc refuse any drift from the contract; payloads are validated with the kernel's own schemas,
 * which are loaded with the kernel when the first output is drawn.
 */
export const DISPLAY_MIME: typeof KernelDisplayMime = {
  molecule: 'application/vnd.cryoprotect.molecule.v1+json',
  molecules: 'application/vnd.cryoprotect.molecules.v1+json',
  mixture: 'application/vnd.cryoprotect.mixture.v1+json',
  prediction: 'application/vnd.cryoprotect.prediction.v1+json',
  modelReport: 'application/vnd.cryoprotect.model-report.v1+json',
  table: 'application/vnd.cryoprotect.table.v1+json'
};

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
  table: 'table'
};
