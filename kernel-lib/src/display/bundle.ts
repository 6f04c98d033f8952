import {
  DISPLAY_MIME,
  PAYLOAD_SCHEMAS,
  type CoveragePayload,
  type DisplayKind,
  type MixturePayload,
  type ModelReportPayload,
  type MoleculePayload,
  type MoleculesPayload,
  type PredictionPayload,
  type TablePayload
} from './payloads';
import { DisplayError } from './errors';

/** Vega-Lite's MIME type, which JupyterLab renders natively. */
export const VEGA_LITE_MIME = 'application/vnd.vegalite.v5+json';

/**
 * One output as Jupyter's display_data `data` field: MIME type -> representation. Vendor and
 * Vega-Lite types hold JSON objects, the others strings. Front ends show the richest type they
 * have a renderer for; nbconvert and GitHub fall back to text/html or image/svg+xml.
 */
export type MimeBundle = Record<string, unknown> & {
  'text/plain': string;
};

/** The payload type of each kind. */
export interface PayloadOf {
  molecule: MoleculePayload;
  molecules: MoleculesPayload;
  mixture: MixturePayload;
  prediction: PredictionPayload;
  modelReport: ModelReportPayload;
  table: TablePayload;
  coverage: CoveragePayload;
}

/** The key Deno's Jupyter kernel (and our tslab adapter) calls to get an object's MIME bundle. */
export const JUPYTER_DISPLAY: unique symbol = Symbol.for('Jupyter.display');

/**
 * Node's util.inspect hook, by its registered name so the core needs no node:util: tslab prints a
 * cell's last value with console.log, and a display object should print as its short text, not
 * as pages of payload.
 */
export const NODE_INSPECT: unique symbol = Symbol.for('nodejs.util.inspect.custom');

/**
 * A result ready to show: the payload of its vendor type and the whole bundle, built once. The
 * bundle is computed by the builder (depictions and plots need asynchronous work), so this
 * object's display method is synchronous, as Deno's kernel and tslab's writer want.
 */
export class Displayable<K extends DisplayKind = DisplayKind> {
  readonly mimeType: (typeof DISPLAY_MIME)[K];

  constructor(
    readonly kind: K,
    readonly payload: PayloadOf[K],
    private readonly fallbacks: { text: string; html: string; extra?: Record<string, unknown> }
  ) {
    this.mimeType = DISPLAY_MIME[kind];
    // A payload that breaks its contract would break the renderer instead; fail here, naming it.
    const parsed = PAYLOAD_SCHEMAS[this.mimeType].safeParse(payload);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new DisplayError(
        'invalid_payload',
        `${kind} payload does not match ${this.mimeType}: ${issue.message}`,
        issue.path.map(String).join('.')
      );
    }
  }

  /** The MIME bundle: vendor JSON, text/plain, text/html, and any plot representations. */
  bundle(): MimeBundle {
    return {
      [this.mimeType]: this.payload,
      ...this.fallbacks.extra,
      'text/plain': this.fallbacks.text,
      'text/html': this.fallbacks.html
    };
  }

  [JUPYTER_DISPLAY](): MimeBundle {
    return this.bundle();
  }

  toString(): string {
    return this.fallbacks.text;
  }

  [NODE_INSPECT](): string {
    return this.fallbacks.text;
  }
}

/** True for objects that give a MIME bundle through Symbol.for('Jupyter.display'). */
export function hasJupyterDisplay(value: unknown): value is { [JUPYTER_DISPLAY](): MimeBundle } {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Record<symbol, unknown>)[JUPYTER_DISPLAY] === 'function'
  );
}
