import { inchiToSmiles } from './inchi';
import { withMol, withRDKit, type RDKitModule } from './rdkit';

/** Structure identity as RDKit computes it. */
export interface MoleculeIdentity {
  /** RDKit canonical SMILES. */
  canonicalSmiles: string;
  /** Standard InChI. */
  inchi: string;
  /** Standard InChIKey (stereo-aware). */
  inchikey: string;
  /** Average molar mass in g/mol from IUPAC atomic weights (RDKit `amw`). */
  molarMass: number;
  /** RDKit version that computed these values. */
  rdkitVersion: string;
}

/** True for text that is an InChI rather than SMILES or a MOL block. */
export function isInchi(input: string): boolean {
  return /^\s*InChI=/i.test(input);
}

/** SMILES or MOL block for RDKit: InChI is converted first (RDKit.js cannot read it). */
export async function toRDKitInput(input: string): Promise<string> {
  return isInchi(input) ? inchiToSmiles(input) : input;
}

/** Compute canonical SMILES, InChI, InChIKey and molar mass of a structure (SMILES, MOL block or InChI). */
export async function getIdentity(input: string): Promise<MoleculeIdentity> {
  const text = await toRDKitInput(input);
  return withRDKit(rdkit => getIdentityWith(rdkit, text));
}

/** Synchronous variant for SMILES and MOL blocks, for callers that hold the RDKit module (batch loops). */
export function getIdentityWith(rdkit: RDKitModule, input: string): MoleculeIdentity {
  return withMol(rdkit, input, mol => {
    const inchi = mol.get_inchi();
    const descriptors = JSON.parse(mol.get_descriptors()) as { amw: number };
    return {
      canonicalSmiles: mol.get_smiles(),
      inchi,
      inchikey: rdkit.get_inchikey_for_inchi(inchi),
      molarMass: descriptors.amw,
      rdkitVersion: rdkit.version()
    };
  });
}

/** How two structures relate by their InChIKeys. */
export type StructureRelation = 'identical' | 'stereoisomer' | 'different';

/**
 * Compare two InChIKeys: the first block encodes connectivity, the second stereochemistry and
 * isotopes, the last character protonation. Registration treats only 'identical' as a duplicate.
 */
export function compareInchikeys(a: string, b: string): StructureRelation {
  if (a === b) {
    return 'identical';
  }
  return a.slice(0, 14) === b.slice(0, 14) ? 'stereoisomer' : 'different';
}

/** The record with the same structure (same standard InChIKey), if any. */
export function findDuplicate<T extends { inchikey: string }>(
  records: Iterable<T>,
  inchikey: string
): T | undefined {
  for (const record of records) {
    if (record.inchikey === inchikey) {
      return record;
    }
  }
  return undefined;
}
