import type { CryoProtectClient } from '../api/client';
import type { Screen, ScreenMolecule, ScreenRanking, ScreenResult } from '../api/screens';
import { SCREEN_CHUNK } from '../api/screens';
import type { StructureRow } from '../chemistry/describe';
import type { Displayable } from '../display/bundle';
import { parseModelReference } from '../models/workflow';
import { moleculesDisplay } from '../display/molecule';

/**
 * Virtual screens from a notebook or the command line: submit a library to the server's workers,
 * follow it, and show its best hits as a molecule grid the extension can send to the prediction
 * panel. The scoring itself runs in `cryoprotect screen worker` processes, not here.
 */

export interface SubmitScreenOptions {
  /** "NAME", "NAME@VERSION", or the model version's id. */
  model: string;
  /** What the library was read from, shown with the screen. */
  source: string;
  chunkSize?: number;
  projectId?: string;
  /** Called after each chunk is stored and queued. */
  onChunk?: (stored: number, total: number) => void;
}

/**
 * Store `molecules` as a screen of `model` and queue every chunk. Structures go as they are: one
 * the worker cannot read is reported with its line and never stops the screen. Control
 * characters (which the API refuses in any text) become U+FFFD, so such a line is refused by
 * the worker, by line, like any other unreadable structure.
 */
export async function submitScreen(
  client: CryoProtectClient,
  molecules: readonly StructureRow[],
  options: SubmitScreenOptions
): Promise<Screen> {
  if (molecules.length === 0) {
    throw new Error(`${options.source}: no molecules to screen`);
  }
  const chunkSize = options.chunkSize ?? SCREEN_CHUNK.default;
  if (
    !Number.isInteger(chunkSize) ||
    chunkSize < SCREEN_CHUNK.min ||
    chunkSize > SCREEN_CHUNK.max
  ) {
    throw new Error(
      `chunk: must be a whole number from ${SCREEN_CHUNK.min} to ${SCREEN_CHUNK.max}`
    );
  }
  const versionId = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(
    options.model
  )
    ? options.model
    : await Private.versionId(client, options.model);
  const screen = await client.screens.create({
    modelVersionId: versionId,
    source: options.source,
    moleculeCount: molecules.length,
    chunkSize,
    ...(options.projectId ? { projectId: options.projectId } : {})
  });
  let latest = screen;
  const chunks = Math.ceil(molecules.length / chunkSize);
  for (let seq = 0; seq < chunks; seq++) {
    const part = molecules.slice(seq * chunkSize, (seq + 1) * chunkSize).map(Private.toUpload);
    latest = await client.screens.uploadChunk(screen.id, seq, part);
    options.onChunk?.(seq + 1, chunks);
  }
  return latest;
}

/** Wait until a screen is done or cancelled, calling `onProgress` with each look. */
export async function waitForScreen(
  client: CryoProtectClient,
  id: string,
  options: { intervalMs?: number; timeoutMs?: number; onProgress?: (screen: Screen) => void } = {}
): Promise<Screen> {
  const deadline = Date.now() + (options.timeoutMs ?? Infinity);
  for (;;) {
    const screen = await client.screens.get(id);
    options.onProgress?.(screen);
    if (screen.state === 'done' || screen.state === 'cancelled') {
      return screen;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `screen ${id} is still ${screen.state} (${screen.chunks.done + screen.chunks.failed} of ${screen.chunks.total} chunks finished)`
      );
    }
    await new Promise(resolve => setTimeout(resolve, options.intervalMs ?? 1000));
  }
}

/** One line of progress: chunks done and failed, molecules per second, time left. */
export function describeScreenProgress(screen: Screen): string {
  const c = screen.chunks;
  const finished = c.done + c.failed;
  const rate =
    screen.moleculesPerSecond === null
      ? ''
      : `, ${Private.figure(screen.moleculesPerSecond)} molecules/s`;
  const left =
    screen.state === 'running' && screen.secondsLeft !== null
      ? `, about ${Private.duration(screen.secondsLeft)} left`
      : '';
  const upload = c.uploaded < c.total ? `, ${c.uploaded} of ${c.total} uploaded` : '';
  return `${screen.state}: ${finished}/${c.total} chunks (${c.done} done, ${c.failed} failed${c.cancelled ? `, ${c.cancelled} cancelled` : ''})${upload}; ${screen.molecules.scored} scored, ${screen.molecules.invalid} invalid${rate}${left}`;
}

/**
 * The best hits of a screen as a molecule grid: prediction with its interval, the novelty and
 * whether the molecule is inside the model's applicability domain; in JupyterLab each row can be
 * opened in the prediction panel with the screen's model.
 */
export async function screenHitsDisplay(
  client: CryoProtectClient,
  id: string,
  options: { top?: number; by?: ScreenRanking; order?: 'desc' | 'asc' } = {}
): Promise<Displayable<'molecules'>> {
  const screen = await client.screens.get(id);
  const top = options.top ?? 20;
  const by = options.by ?? 'prediction';
  const hits = await client.screens.top(id, top, { by, order: options.order });
  return screenResultsDisplay(screen, hits, { by, order: options.order ?? 'desc' });
}

/** Screen results already fetched, as a grid (screenHitsDisplay fetches them). */
export function screenResultsDisplay(
  screen: Screen,
  hits: readonly ScreenResult[],
  options: { by?: ScreenRanking; order?: 'desc' | 'asc' } = {}
): Promise<Displayable<'molecules'>> {
  const unit = screen.model.unit;
  const by = options.by ?? 'prediction';
  const ranked = { prediction: 'prediction', lower: 'lower bound', upper: 'upper bound' }[by];
  return moleculesDisplay(
    hits.map(h => ({
      smiles: h.smiles ?? h.input,
      name: h.inputId ?? `line ${h.line}`,
      id: null,
      inchikey: h.inchikey
    })),
    {
      title: `Screen of ${screen.source}: ${hits.length} best by ${ranked} (${options.order === 'asc' ? 'lowest' : 'highest'} first) of ${screen.molecules.scored.toLocaleString('en')} scored`,
      limit: Math.max(1, hits.length),
      model: { name: screen.model.name, version: screen.model.version },
      // The grid's cards show the first four columns: the prediction, its interval, the domain.
      columns: [
        {
          key: 'prediction',
          title: screen.model.target.replace(/_/g, ' '),
          unit,
          digits: 4,
          values: hits.map(h => h.prediction)
        },
        { key: 'lower', title: 'lower', unit, digits: 4, values: hits.map(h => h.lower) },
        { key: 'upper', title: 'upper', unit, digits: 4, values: hits.map(h => h.upper) },
        {
          key: 'inDomain',
          title: 'in domain',
          description: "inside the model's applicability domain (near its training molecules)",
          values: hits.map(h => h.inDomain)
        },
        { key: 'line', title: 'line', values: hits.map(h => h.line), description: 'input line' }
      ]
    }
  );
}

namespace Private {
  const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g; // eslint-disable-line no-control-regex

  export function toUpload(row: StructureRow): ScreenMolecule {
    return {
      line: row.line,
      structure: row.structure.replace(CONTROL, '\ufffd'),
      id:
        row.id === undefined || row.id === ''
          ? null
          : row.id.replace(CONTROL, '\ufffd').slice(0, 500)
    };
  }

  export async function versionId(client: CryoProtectClient, model: string): Promise<string> {
    const { name, version } = parseModelReference(model);
    return (await client.models.getVersion(name, version)).id;
  }

  export function figure(x: number): string {
    return x >= 100 ? Math.round(x).toLocaleString('en') : x.toPrecision(2);
  }

  export function duration(seconds: number): string {
    if (seconds < 90) {
      return `${Math.max(1, Math.round(seconds))} s`;
    }
    if (seconds < 5400) {
      return `${Math.round(seconds / 60)} min`;
    }
    return `${(seconds / 3600).toFixed(1)} h`;
  }
}
