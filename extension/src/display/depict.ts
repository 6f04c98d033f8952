/**
 * Depictions for the renderers: RDKit.js (loaded lazily from the extension's own files by
 * chemistry.ts), drawn in colours readable on the current theme's background, optionally with the
 * atoms and bonds of a SMARTS match highlighted, and cached so that paging back and forth through
 * a grid does not draw a structure twice. Every RDKit object is deleted: WebAssembly memory is not
 * garbage-collected.
 */
import { loadKernel } from '../chemistry';

export interface IDepictRequest {
  smiles: string;
  width: number;
  height: number;
  dark: boolean;
  /** SMARTS whose matches are highlighted. */
  highlight?: string;
  /**
   * Bond length in pixels, so that the structures of a grid share one scale (RDKit otherwise
   * blows methanol up to fill the box); large molecules still shrink to fit.
   */
  bondLength?: number;
}

/** How many depictions stay cached (an SVG of a small molecule is a few kilobytes). */
const CACHE_SIZE = 2000;

/** An SVG document of the structure; rejects with RDKit's reason when it cannot be read. */
export async function depict(request: IDepictRequest): Promise<string> {
  const key = JSON.stringify([
    request.smiles,
    request.width,
    request.height,
    request.dark,
    request.highlight ?? '',
    request.bondLength ?? 0
  ]);
  const cached = Private.cache.get(key);
  if (cached !== undefined) {
    // Re-inserted: a Map iterates in insertion order, so the first key is the least recently used.
    Private.cache.delete(key);
    Private.cache.set(key, cached);
    return cached;
  }
  const kernel = await loadKernel();
  const svg = await kernel.withRDKit(rdkit =>
    kernel.getSvgWith(rdkit, request.smiles, {
      width: request.width,
      height: request.height,
      highlight: request.highlight,
      bondLength: request.bondLength,
      // Transparent: the output's own background shows through, light or dark.
      drawOptions: { backgroundColour: [0, 0, 0, 0], ...(request.dark ? Private.DARK : {}) }
    })
  );
  Private.cache.set(key, svg);
  if (Private.cache.size > CACHE_SIZE) {
    const oldest = Private.cache.keys().next().value;
    if (oldest !== undefined) {
      Private.cache.delete(oldest);
    }
  }
  return svg;
}

/** An <img> of an SVG: an image runs no script, which keeps the renderers safe for untrusted notebooks. */
export function svgImage(svg: string, alt: string): HTMLImageElement {
  const image = document.createElement('img');
  image.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
  image.alt = alt;
  return image;
}

/**
 * Draw `smiles` into `host` (replacing what it holds); on failure the host says why instead of
 * showing a blank. Returns whether it drew.
 */
export async function depictInto(host: HTMLElement, request: IDepictRequest): Promise<boolean> {
  try {
    const svg = await depict(request);
    host.replaceChildren(svgImage(svg, `2D structure of ${request.smiles}`));
    return true;
  } catch (error) {
    const message = document.createElement('span');
    message.className = 'jp-cryoprotect-DepictionError';
    message.textContent = `Structure not drawn: ${(error as Error).message}`;
    host.replaceChildren(message);
    return false;
  }
}

/** Forget every cached depiction (tests; a theme's colours are part of the key anyway). */
export function clearDepictionCache(): void {
  Private.cache.clear();
}

/**
 * Which rows contain a SMARTS pattern, searched in slices of about 40 ms that yield to the page
 * between them so a 100,000-row grid stays responsive; `isCancelled` stops a search the user has
 * replaced. Rows RDKit cannot read, or that exceed the kernel's structure limits, are counted,
 * not matched. Repeated SMILES are matched once.
 */
export async function matchSmarts(
  smiles: readonly string[],
  smarts: string,
  options: { isCancelled: () => boolean; onProgress?: (done: number) => void }
): Promise<{ matches: Set<number>; unreadable: number } | null> {
  const kernel = await loadKernel();
  const rdkit = await kernel.loadRDKit();
  const query = kernel.parseSmarts(rdkit, smarts);
  const matches = new Set<number>();
  const seen = new Map<string, boolean | null>();
  let unreadable = 0;
  try {
    let index = 0;
    while (index < smiles.length) {
      if (options.isCancelled()) {
        return null;
      }
      const started = performance.now();
      for (; index < smiles.length && performance.now() - started < 40; index++) {
        const text = smiles[index];
        let found = seen.get(text);
        if (found === undefined) {
          found = Private.matches(kernel, rdkit, text, query);
          seen.set(text, found);
        }
        if (found === null) {
          unreadable++;
        } else if (found) {
          matches.add(index);
        }
      }
      options.onProgress?.(index);
      await kernel.yieldToEventLoop();
    }
  } finally {
    query.delete();
  }
  return { matches, unreadable };
}

namespace Private {
  export const cache = new Map<string, string>();

  type Kernel = Awaited<ReturnType<typeof loadKernel>>;
  type RDKit = Awaited<ReturnType<Kernel['loadRDKit']>>;

  /**
   * Whether `text` contains `query`; null when it cannot be read. The kernel's parseWith captures
   * RDKit's error log on every call, which makes it six times slower than the parse itself
   * (measured: 5,000 structures in 4.5 s against 0.76 s); a filter needs no reason per row, so it
   * applies the same structure limits and parses directly.
   */
  export function matches(
    kernel: Kernel,
    rdkit: RDKit,
    text: string,
    query: RDKitQuery
  ): boolean | null {
    if (text.trim() === '' || text.startsWith('{') || /^InChI=/i.test(text)) {
      return null;
    }
    try {
      kernel.checkStructureText(text);
    } catch {
      return null;
    }
    const mol = rdkit.get_mol(text);
    try {
      if (!mol || !mol.is_valid() || mol.get_num_atoms() > kernel.STRUCTURE_LIMITS.atoms) {
        return null;
      }
      return mol.get_substruct_match(query) !== '{}';
    } finally {
      mol?.delete();
    }
  }

  type RDKitQuery = ReturnType<Kernel['parseSmarts']>;

  /**
   * RDKit draws black bonds and dark element colours, unreadable on a dark background
   * (rdkit-js#369); these are light tints of the usual element colours.
   */
  export const DARK = {
    atomColourPalette: {
      '-1': [0.88, 0.88, 0.88],
      '1': [0.88, 0.88, 0.88],
      '6': [0.88, 0.88, 0.88],
      '7': [0.56, 0.64, 1.0],
      '8': [1.0, 0.45, 0.45],
      '9': [0.55, 0.9, 0.55],
      '15': [1.0, 0.65, 0.3],
      '16': [1.0, 0.9, 0.35],
      '17': [0.4, 0.95, 0.4],
      '35': [0.85, 0.5, 0.35],
      '53': [0.8, 0.5, 1.0]
    },
    highlightColour: [0.75, 0.45, 0.1],
    legendColour: [0.88, 0.88, 0.88],
    symbolColour: [0.88, 0.88, 0.88],
    annotationColour: [0.88, 0.88, 0.88]
  };
}
