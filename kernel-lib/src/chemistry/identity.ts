import { loadRDKit, withMol, type RDKitModule } from './rdkit';

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

/** Compute canonical SMILES, InChI, InChIKey and molar mass of a structure (SMILES, MOL block or InChI). */
export async function getIdentity(input: string): Promise<MoleculeIdentity> {
  return getIdentityWith(await loadRDKit(), input);
}

/** Synchronous variant for callers that already hold the RDKit module (batch loops). */
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
