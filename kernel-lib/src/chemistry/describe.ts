import { getDescriptorsOf, type Descriptors } from './descriptors';
import { EngineFailure } from './engine';
import { ChemistryError, parseWith, withRDKit, type RDKitModule } from './rdkit';

/** One structure to describe, with where it came from in its file. */
export interface StructureRow {
  /** 1-based line of the file where the record starts. */
  line: number;
  /** Optional identifier from the file (an id column, or an SDF title). */
  id?: string;
  /** SMILES or MOL block. */
  structure: string;
}

export type DescribedRow =
  | {
      line: number;
      id?: string;
      input: string;
      smiles: string;
      inchikey: string;
      descriptors: Descriptors;
    }
  | { line: number; id?: string; input: string; error: string };

/**
 * Describe every row; an invalid structure becomes an error row with RDKit's reason and never
 * stops the others. Each molecule is freed before the next is parsed. A row that makes RDKit.js
 * fail (EngineFailure) throws: the module is discarded, and describeStructures goes on with a
 * fresh one.
 */
export function describeRowsWith(
  rdkit: RDKitModule,
  rows: readonly StructureRow[]
): DescribedRow[] {
  return rows.map(row => describeRowWith(rdkit, row));
}

/**
 * Describe every row with the current RDKit.js, reloaded after a WebAssembly failure: a structure
 * that breaks the engine (even on a fresh instance) becomes an error row like an invalid one, and
 * the rows after it are described as usual.
 */
export async function describeStructures(rows: readonly StructureRow[]): Promise<DescribedRow[]> {
  const results: DescribedRow[] = [];
  for (const row of rows) {
    try {
      results.push(await withRDKit(rdkit => describeRowWith(rdkit, row)));
    } catch (error) {
      if (!(error instanceof ChemistryError)) {
        throw error;
      }
      results.push({ line: row.line, id: row.id, input: row.structure, error: error.message });
    }
  }
  return results;
}

function describeRowWith(rdkit: RDKitModule, row: StructureRow): DescribedRow {
  const input = row.structure;
  let mol;
  try {
    mol = parseWith(rdkit, input);
  } catch (error) {
    if (error instanceof EngineFailure) {
      throw error;
    }
    const message = error instanceof ChemistryError ? error.message : String(error);
    return { line: row.line, id: row.id, input, error: message };
  }
  try {
    return {
      line: row.line,
      id: row.id,
      input,
      smiles: mol.get_smiles(),
      inchikey: rdkit.get_inchikey_for_inchi(mol.get_inchi()),
      descriptors: getDescriptorsOf(rdkit, mol)
    };
  } finally {
    mol.delete();
  }
}
