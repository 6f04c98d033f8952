import { ChemistryError } from './rdkit';

/** The subset of the Indigo WASM module used here. */
interface IndigoModule {
  MapStringString: new () => { set(key: string, value: string): void; delete(): void };
  convert(input: string, format: string, options: unknown): string;
}

let indigoPromise: Promise<IndigoModule> | undefined;

/**
 * RDKit.js has no InChI reader, so InChI input goes through EPAM Indigo (the WASM build used by
 * the Ketcher editor, which bundles the IUPAC InChI library), loaded only when an InChI arrives.
 */
function loadIndigo(): Promise<IndigoModule> {
  if (!indigoPromise) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a lazily loaded CommonJS WASM bundle without types
    const init = require('indigo-ketcher/jsNoRender') as () => Promise<IndigoModule>;
    indigoPromise = init().catch((error: unknown) => {
      indigoPromise = undefined;
      throw error;
    });
  }
  return indigoPromise;
}

/**
 * Convert a standard InChI to SMILES with stereochemistry, for RDKit to parse. The CXSMILES
 * extension Indigo appends (e.g. wiggly bonds for undefined centres) is dropped: the SMILES part
 * carries every defined stereocentre, and undefined ones stay undefined.
 */
export async function inchiToSmiles(inchi: string): Promise<string> {
  const indigo = await loadIndigo();
  const options = new indigo.MapStringString();
  try {
    options.set('output-content-type', 'application/json');
    const result = JSON.parse(indigo.convert(inchi.trim(), 'smiles', options)) as {
      struct: string;
    };
    return result.struct.split(/\s+/)[0];
  } catch (error) {
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
