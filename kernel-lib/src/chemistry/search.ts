import type { SubstructLibrary } from '@rdkit/rdkit';
import {
  ChemistryError,
  captureRDKitErrors,
  parseWith,
  type RDKitModule,
  type RDKitMol
} from './rdkit';
import { checkSmarts } from './structure-limits';

/** Parse a SMARTS query; the caller owns the result and must `delete()` it. */
export function parseSmarts(rdkit: RDKitModule, smarts: string): RDKitMol {
  checkSmarts(smarts);
  const { value: query, reason } = captureRDKitErrors(rdkit, () => rdkit.get_qmol(smarts));
  if (!query || !query.is_valid()) {
    query?.delete();
    throw new ChemistryError(
      'invalid_smarts',
      `RDKit could not parse the SMARTS "${smarts}"${reason ? `: ${reason}` : ''}`,
      smarts,
      reason
    );
  }
  return query;
}

/** Whether `input` (SMILES or MOL block) contains the SMARTS pattern. */
export function hasSubstructure(rdkit: RDKitModule, input: string, smarts: string): boolean {
  const mol = parseWith(rdkit, input);
  const query = parseSmarts(rdkit, smarts);
  try {
    return JSON.parse(mol.get_substruct_match(query)).atoms !== undefined;
  } finally {
    query.delete();
    mol.delete();
  }
}

/**
 * In-process substructure search over a library of structures, backed by RDKit's
 * SubstructLibrary (pattern-fingerprint screen, then atom-by-atom match). Call `delete()` when done.
 */
export class SubstructureIndex {
  private readonly library: SubstructLibrary;

  constructor(private readonly rdkit: RDKitModule) {
    this.library = new rdkit.SubstructLibrary();
  }

  get size(): number {
    return this.library.size();
  }

  /** Add a structure (SMILES or MOL block); returns its index. Invalid structures throw ChemistryError. */
  add(input: string): number {
    const mol = parseWith(this.rdkit, input);
    try {
      // Canonical SMILES from a sanitized molecule is safe to add as trusted (no re-sanitization).
      return this.library.add_trusted_smiles(mol.get_smiles());
    } finally {
      mol.delete();
    }
  }

  /** Indices of the structures that contain `smarts`, in ascending order. */
  search(smarts: string, options: { maxResults?: number; useChirality?: boolean } = {}): number[] {
    const query = parseSmarts(this.rdkit, smarts);
    try {
      const hits: Uint32Array = this.library.get_matches_as_uint32array(
        query,
        options.useChirality ?? false,
        1,
        options.maxResults ?? -1
      );
      return Array.from(hits).sort((a, b) => a - b);
    } finally {
      query.delete();
    }
  }

  delete(): void {
    this.library.delete();
  }
}
