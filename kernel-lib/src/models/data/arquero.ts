// @ts-expect-error TS1479: arquero is ESM-only and TypeScript 5.0 cannot mark a type-only import
// from this CommonJS package as ESM; the types still resolve (checked by the build).
import type * as Arquero from 'arquero';

/** An arquero table (column-oriented, immutable verbs). */
export type ColumnTable = Arquero.ColumnTable;
export type ArqueroModule = typeof Arquero;

let arqueroPromise: Promise<ArqueroModule> | undefined;

/**
 * Load arquero (ESM-only since version 6) from this CommonJS package. TypeScript with node16
 * resolution keeps `import()` as a real dynamic import in CommonJS output, which Node.js resolves as
 * ESM; cached so every caller shares one module instance.
 */
export function loadArquero(): Promise<ArqueroModule> {
  arqueroPromise ??= import('arquero').catch((error: unknown) => {
    arqueroPromise = undefined;
    throw error;
  });
  return arqueroPromise;
}
