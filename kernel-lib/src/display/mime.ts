/**
 * What the kernel sends to JupyterLab for each kind of result, and what the extension's
 * renderers read: one versioned vendor MIME type per kind (payloads.ts describes each payload). A
 * payload is plain JSON, complete in itself (a renderer never calls the server or the kernel to
 * draw it), and carries what a methods section needs: units, the method and the source of every
 * computed value, the model name@version. Changing a payload's meaning means a new version (v2)
 * next to this one, never an edit of v1.
 */
export const DISPLAY_MIME = {
  molecule: 'application/vnd.cryoprotect.molecule.v1+json',
  molecules: 'application/vnd.cryoprotect.molecules.v1+json',
  mixture: 'application/vnd.cryoprotect.mixture.v1+json',
  prediction: 'application/vnd.cryoprotect.prediction.v1+json',
  modelReport: 'application/vnd.cryoprotect.model-report.v1+json',
  table: 'application/vnd.cryoprotect.table.v1+json',
  coverage: 'application/vnd.cryoprotect.coverage.v1+json'
} as const;

export type DisplayKind = keyof typeof DISPLAY_MIME;
