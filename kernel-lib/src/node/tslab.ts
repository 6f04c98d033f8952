import { createRequire } from 'node:module';
import { DisplayError } from '../display/errors';
import { JUPYTER_DISPLAY, type MimeBundle } from '../display/bundle';
import { toDisplayable, type Showable } from '../display/show';

/**
 * Sending a whole MIME bundle from a tslab kernel. tslab's public `display.raw(mime, data)` sends
 * one MIME type per message, so a renderer would get the vendor JSON without its text/html and
 * SVG fallbacks. tslab 1.0.22 keeps the writer of the running cell in `tslab/dist/jupyter`
 * (`lastWriteDisplayData`, set by handleExecuteImpl): we call it with the whole bundle, as
 * display_data. It must be the KERNEL's own copy of that module: a second copy of tslab (say, in
 * the notebook's node_modules) has never seen a cell and holds null. So the module is looked up
 * among the modules this process has loaded, never loaded anew.
 */

/** The message content tslab's writer sends (Jupyter's display_data content). */
export interface DisplayDataContent {
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
  transient?: { display_id?: string };
}

/** tslab's writer: `update` true sends update_display_data. */
export type DisplayDataWriter = (content: DisplayDataContent, update: boolean) => void;

/** The shape of tslab/dist/jupyter this adapter reads. */
export interface TslabJupyterModule {
  lastWriteDisplayData: DisplayDataWriter | null;
}

const JUPYTER_MODULE = /[\\/]tslab[\\/]dist[\\/]jupyter\.js$/;

/**
 * The running kernel's tslab/dist/jupyter module, or undefined outside tslab: the loaded copy
 * whose writer is set (a cell is running), else any loaded copy. `cache` is require.cache;
 * tests pass their own.
 */
export function findTslabJupyter(
  cache: Record<string, { exports?: unknown } | undefined> = require.cache
): TslabJupyterModule | undefined {
  const loaded = Object.entries(cache)
    .filter(([file]) => JUPYTER_MODULE.test(file))
    .map(([, module]) => module?.exports)
    .filter(isTslabJupyter);
  return loaded.find(m => m.lastWriteDisplayData !== null) ?? loaded[0];
}

/**
 * Path of tslab/dist/jupyter.js as the process's main module (tslab's kernel script) would
 * resolve it, or undefined when tslab cannot be resolved from there; for diagnostics.
 */
export function resolveKernelTslab(): string | undefined {
  const main = require.main?.filename;
  if (main === undefined) {
    return undefined;
  }
  try {
    return createRequire(main).resolve('tslab/dist/jupyter');
  } catch {
    return undefined;
  }
}

/**
 * Send `bundle` as one display_data message through tslab's writer. Throws DisplayError
 * 'no_kernel' when this process is not a tslab kernel running a cell (plain node, the server,
 * the CLI): there is no notebook to show it in, and failing says so at once instead of dropping
 * the output.
 */
export function sendBundle(
  bundle: MimeBundle,
  jupyter: TslabJupyterModule | undefined = findTslabJupyter()
): void {
  const write = jupyter?.lastWriteDisplayData ?? null;
  if (write === null) {
    throw new DisplayError(
      'no_kernel',
      jupyter === undefined
        ? 'not running in a tslab kernel (tslab/dist/jupyter is not loaded in this process); use display() for the MIME bundle itself'
        : 'tslab is loaded but no cell is running (its display writer is not set yet)',
      'tslab'
    );
  }
  write({ data: bundle, metadata: {} }, false);
}

/**
 * Show anything display() accepts in the tslab notebook, as one output with every MIME type.
 * Returns nothing, so tslab (which prints a cell's last value) prints nothing more.
 */
export async function tslabDisplay(x: Showable): Promise<void> {
  const displayable = await toDisplayable(x);
  sendBundle(displayable[JUPYTER_DISPLAY]());
}

function isTslabJupyter(value: unknown): value is TslabJupyterModule {
  return (
    typeof value === 'object' &&
    value !== null &&
    'lastWriteDisplayData' in value &&
    (value.lastWriteDisplayData === null || typeof value.lastWriteDisplayData === 'function')
  );
}
