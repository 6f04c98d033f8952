import type { MixtureRecord } from '@cryoprotect/kernel';
import type { ComponentRole, IComponentRow } from './model';

type Kernel = typeof import('@cryoprotect/kernel');

/** A database molecule as the composer needs it: its names and its structure. */
export interface IStoredMolecule {
  name: string | null;
  synonyms?: readonly string[];
  smiles: string;
  /** Known for molecule records; computed from the SMILES when absent (mixture components). */
  inchikey?: string;
}

/**
 * What to write in a row's component field for a database molecule, so that parseMixtureText
 * reads the same structure back: a reference cryoprotectant's name when the molecule is that
 * reference (same InChIKey: it then brings the reference's density), preferring the record's own
 * name or synonym when the kernel knows it; otherwise the record's canonical SMILES. A name alone
 * is never trusted: anyone may register a different structure under "glycerol".
 */
export async function componentText(kernel: Kernel, molecule: IStoredMolecule): Promise<string> {
  const inchikey = molecule.inchikey ?? (await kernel.getIdentity(molecule.smiles)).inchikey;
  const reference = kernel.getReferenceData().molecules.find(m => m.inchikey === inchikey);
  if (reference === undefined) {
    return molecule.smiles;
  }
  const own = [molecule.name, ...(molecule.synonyms ?? [])].find(
    name =>
      name && kernel.findReferenceMolecule(name)?.inchikey === inchikey && !/[;:\n]/.test(name)
  );
  return own ?? reference.name;
}

/**
 * The composer's rows for a saved mixture: component, amount and unit as stored, and the role
 * only where it differs from the one the kernel gives the component by itself (the reference's,
 * else "other"), so the inserted code states just what the user chose.
 */
export async function rowsOfRecord(
  kernel: Kernel,
  record: MixtureRecord
): Promise<Omit<IComponentRow, 'key'>[]> {
  return Promise.all(
    record.components.map(async c => {
      const component = await componentText(kernel, { name: c.name, smiles: c.smiles });
      const usual: ComponentRole = kernel.findReferenceMolecule(component)?.role ?? 'other';
      return {
        component,
        amount: String(c.amount),
        unit: c.unit,
        role: c.role === usual ? null : c.role
      };
    })
  );
}
