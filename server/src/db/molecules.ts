import type { StandardizedMolecule, Visibility } from '@cryoprotect/kernel';
import type { Queryable } from './database.js';

export interface MoleculeInput {
  structure: string;
  name?: string;
  synonyms: string[];
}

/**
 * Insert a standardized molecule and its RDKit molar mass, as the acting user (RLS applies).
 * Used by single and batch registration alike.
 */
export async function insertMolecule(
  tx: Queryable,
  standardized: StandardizedMolecule,
  input: MoleculeInput,
  owner: { userId: string; visibility: Visibility; projectId?: string }
): Promise<string> {
  const { rows } = await tx.query<{ id: string }>(
    `INSERT INTO molecules (inchikey, inchi, smiles, input_structure, stripped_fragments, name, synonyms, owner_id, project_id, visibility)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
    [
      standardized.inchikey,
      standardized.inchi,
      standardized.smiles,
      input.structure,
      standardized.strippedFragments,
      input.name ?? null,
      input.synonyms,
      owner.userId,
      owner.projectId ?? null,
      owner.visibility
    ]
  );
  await tx.query(
    `INSERT INTO molecule_properties (molecule_id, name, value, unit, rdkit_version) VALUES ($1, 'molar_mass', $2, 'g/mol', $3)`,
    [rows[0].id, standardized.molarMass, standardized.rdkitVersion]
  );
  return rows[0].id;
}
