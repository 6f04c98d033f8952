import { importIndigo } from './indigo-module';
import type { IndigoModule } from './indigo-types';
import { EngineFailure, WasmEngine, type EngineStatus } from './engine';
import { ChemistryError } from './errors';
import { checkInchi } from './structure-limits';

/**
 * RDKit.js has no InChI reader, so InChI input goes through EPAM Indigo (the WASM build used by
 * the Ketcher editor, which bundles the IUPAC InChI library), loaded only when an InChI arrives:
 * a dynamic import, so a browser bundle keeps it in a chunk of its own. Guarded and replaced after
 * a WebAssembly failure like RDKit (engine.ts).
 */
const indigoEngine = new WasmEngine<IndigoModule>('Indigo', async () => (await importIndigo())());

/** Whether Indigo (InChI) is loaded, being rebuilt after a failure, and how often it failed. */
export function indigoStatus(): EngineStatus {
  return indigoEngine.status();
}

/**
 * Convert a standard InChI to SMILES with stereochemistry, for RDKit to parse. The CXSMILES
 * extension Indigo appends (e.g. wiggly bonds for undefined centres) is dropped: the SMILES part
 * carries every defined stereocentre, and undefined ones stay undefined.
 */
export async function inchiToSmiles(inchi: string): Promise<string> {
  checkInchi(inchi);
  try {
    return await Private.convert(await indigoEngine.load(), inchi);
  } catch (error) {
    if (error instanceof EngineFailure) {
      // Once more on a fresh instance: the failure may be an earlier input's (see withRDKit).
      return Private.convert(await indigoEngine.load(), inchi);
    }
    throw error;
  }
}

namespace Private {
  export function convert(indigo: IndigoModule, inchi: string): string {
    const options = new indigo.MapStringString();
    try {
      options.set('output-content-type', 'application/json');
      const result = JSON.parse(indigo.convert(inchi.trim(), 'smiles', options)) as {
        struct: string;
      };
      return result.struct.split(/\s+/)[0];
    } catch (error) {
      if (error instanceof ChemistryError) {
        throw error;
      }
      const message = String((error as Error).message ?? error);
      const reason = /inchi-wrapper: ([^']+)/.exec(message)?.[1] ?? message.slice(0, 200);
      throw new ChemistryError(
        'invalid_structure',
        `could not read the InChI "${inchi.slice(0, 80)}": ${reason}`,
        inchi,
        reason
      );
    } finally {
      options.delete();
    }
  }
}
