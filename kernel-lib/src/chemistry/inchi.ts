import { importIndigo } from './indigo-module';
import type { IndigoModule } from './indigo-types';
import { ChemistryError } from './rdkit';

let indigoPromise: Promise<IndigoModule> | undefined;

/**
 * RDKit.js has no InChI reader, so InChI input goes through EPAM Indigo (the WASM build used by
 * the Ketcher editor, which bundles the IUPAC InChI library), loaded only when an InChI arrives:
 * a dynamic import, so a browser bundle keeps it in a chunk of its own.
 */
function loadIndigo(): Promise<IndigoModule> {
  indigoPromise ??= importIndigo()
    .then(init => init())
    .catch((error: unknown) => {
      indigoPromise = undefined;
      throw error;
    });
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
