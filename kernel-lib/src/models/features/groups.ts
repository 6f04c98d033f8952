import {
  ChemistryError,
  loadRDKit,
  parseWith,
  standardizeWith,
  type RDKitModule,
  type RDKitMol
} from '../../chemistry';
import { rowLabel, type FeaturizeOptions } from './featurizer';
import { namedError } from './molecules';

/** What makes two rows "the same" for grouped cross-validation. */
export type GroupBy = 'inchikey' | 'scaffold';

/**
 * The group of one structure: the standard InChIKey of its standardized parent (kernel-lib
 * standardize: largest organic fragment, neutralized), or the canonical SMILES of the parent's
 * Bemis-Murcko scaffold. Acyclic molecules have no scaffold to share (Murcko's is empty): each
 * forms its own group "acyclic:<InChIKey>". Lumping them into one group, as chemprop's scaffold
 * split does, would make one fold's test set "every chain molecule" on data such as Tg of pure
 * compounds, where most rows are acyclic, and a grouped k-fold could not balance its folds.
 */
export async function groupKey(smiles: string, by: GroupBy): Promise<string> {
  return groupKeyWith(await loadRDKit(), smiles, by);
}

/** Group keys of many rows, each distinct SMILES computed once; errors name the row. */
export async function groupKeys(
  smiles: readonly string[],
  by: GroupBy,
  options?: FeaturizeOptions
): Promise<string[]> {
  const rdkit = await loadRDKit();
  const cache = new Map<string, string>();
  return smiles.map((input, i) => {
    let key = cache.get(input);
    if (key === undefined) {
      try {
        key = groupKeyWith(rdkit, input, by);
      } catch (error) {
        throw namedError(error, rowLabel(options, i));
      }
      cache.set(input, key);
    }
    return key;
  });
}

/** Synchronous groupKey for callers holding the RDKit module. */
export function groupKeyWith(rdkit: RDKitModule, smiles: string, by: GroupBy): string {
  const parent = standardizeWith(rdkit, smiles);
  if (by === 'inchikey') {
    return parent.inchikey;
  }
  if (by === 'scaffold') {
    return murckoScaffoldWith(rdkit, parent.smiles) || `acyclic:${parent.inchikey}`;
  }
  throw new RangeError(`group by "${String(by)}": use "inchikey" or "scaffold"`);
}

/**
 * Canonical SMILES of the Bemis-Murcko scaffold (Bemis & Murcko, J. Med. Chem. 39 (1996) 2887):
 * ring atoms and the linker atoms on paths between rings, plus atoms double-bonded to those (as
 * RDKit's MurckoScaffold.GetScaffoldForMol keeps exocyclic C=O); "" for an acyclic molecule.
 * RDKit.js 2026.9 MinimalLib has no scaffold function, so it is built here: side chains are peeled
 * by repeatedly removing non-ring atoms with at most one remaining neighbour (which leaves exactly
 * the rings and the linkers between them), and the kept atoms are written out through a V3000 MOL
 * block, from which RDKit recomputes implicit hydrogens (an N-substituted aromatic n becomes [nH]).
 * Written without stereochemistry or isotopes, like RDKit's MurckoScaffoldSmiles default
 * (includeChirality=False), so stereoisomers share a scaffold.
 * Every fragment of the input is treated; a disconnected input gives the scaffolds joined by ".".
 */
export function murckoScaffoldWith(rdkit: RDKitModule, smiles: string): string {
  const mol = parseWith(rdkit, smiles);
  try {
    mol.remove_hs_in_place();
    return Private.scaffoldOf(rdkit, mol);
  } finally {
    mol.delete();
  }
}

namespace Private {
  /** Without stereo and isotopes, as RDKit's MurckoScaffoldSmiles writes by default. */
  const NON_ISOMERIC = JSON.stringify({ doIsomericSmiles: false });

  interface MolJson {
    molecules: {
      atoms: unknown[];
      bonds: { atoms: [number, number]; bo?: number }[];
      extensions?: { name: string; atomRings?: number[][] }[];
    }[];
    defaults: { bond: { bo: number } };
  }

  export function scaffoldOf(rdkit: RDKitModule, mol: RDKitMol): string {
    const json = JSON.parse(mol.get_json()) as MolJson;
    const molecule = json.molecules[0];
    const n = molecule.atoms.length;
    const representation = molecule.extensions?.find(e => e.name === 'rdkitRepresentation');
    if (!representation) {
      throw new Error('RDKit did not report its ring information in the molecule JSON');
    }
    // RDKit leaves atomRings out when there is no ring.
    const rings = representation.atomRings ?? [];
    const inRing = new Array<boolean>(n).fill(false);
    rings.flat().forEach(a => (inRing[a] = true));
    if (!inRing.some(Boolean)) {
      return '';
    }
    const neighbours: number[][] = Array.from({ length: n }, () => []);
    for (const bond of molecule.bonds) {
      const [a, b] = bond.atoms;
      neighbours[a].push(b);
      neighbours[b].push(a);
    }
    const kept = new Array<boolean>(n).fill(true);
    const degree = neighbours.map(list => list.length);
    const queue = degree.flatMap((d, a) => (!inRing[a] && d <= 1 ? [a] : []));
    while (queue.length > 0) {
      const atom = queue.pop()!;
      if (!kept[atom]) {
        continue;
      }
      kept[atom] = false;
      for (const other of neighbours[atom]) {
        if (kept[other] && --degree[other] <= 1 && !inRing[other]) {
          queue.push(other);
        }
      }
    }
    const core = kept.slice();
    for (const bond of molecule.bonds) {
      const [a, b] = bond.atoms;
      if ((bond.bo ?? json.defaults.bond.bo) === 2) {
        if (core[a] && !core[b]) kept[b] = true;
        if (core[b] && !core[a]) kept[a] = true;
      }
    }
    if (kept.every(Boolean)) {
      return mol.get_smiles(NON_ISOMERIC);
    }
    return fromKeptAtoms(rdkit, mol, kept);
  }

  /** The sub-molecule of the kept atoms, by deleting the others from a V3000 MOL block. */
  function fromKeptAtoms(rdkit: RDKitModule, mol: RDKitMol, kept: boolean[]): string {
    const lines = mol.get_v3Kmolblock().split('\n');
    if (lines.some(l => l.startsWith('M  V30') && l.trimEnd().endsWith('-'))) {
      throw new Error('continued V3000 lines are not handled');
    }
    const at = (marker: string) => lines.findIndex(l => l.trim() === `M  V30 ${marker}`);
    const atomsBegin = at('BEGIN ATOM');
    const atomsEnd = at('END ATOM');
    const bondsBegin = at('BEGIN BOND');
    const bondsEnd = at('END BOND');
    const newIndex = new Map<number, number>();
    const atomLines: string[] = [];
    for (let l = atomsBegin + 1; l < atomsEnd; l++) {
      const fields = lines[l].split(/\s+/);
      const index = Number(fields[2]);
      if (kept[index - 1]) {
        newIndex.set(index, atomLines.length + 1);
        fields[2] = String(atomLines.length + 1);
        atomLines.push(`M  V30 ${fields.slice(2).join(' ')}`);
      }
    }
    const bondLines: string[] = [];
    if (bondsBegin >= 0) {
      for (let l = bondsBegin + 1; l < bondsEnd; l++) {
        const fields = lines[l].split(/\s+/);
        const a = newIndex.get(Number(fields[4]));
        const b = newIndex.get(Number(fields[5]));
        if (a !== undefined && b !== undefined) {
          fields[2] = String(bondLines.length + 1);
          fields[4] = String(a);
          fields[5] = String(b);
          bondLines.push(`M  V30 ${fields.slice(2).join(' ')}`);
        }
      }
    }
    const block = [
      ...lines.slice(0, 4),
      'M  V30 BEGIN CTAB',
      `M  V30 COUNTS ${atomLines.length} ${bondLines.length} 0 0 0`,
      'M  V30 BEGIN ATOM',
      ...atomLines,
      'M  V30 END ATOM',
      'M  V30 BEGIN BOND',
      ...bondLines,
      'M  V30 END BOND',
      'M  V30 END CTAB',
      'M  END'
    ].join('\n');
    const scaffold = rdkit.get_mol(block);
    if (!scaffold) {
      throw new ChemistryError(
        'invalid_structure',
        `RDKit could not build the scaffold of "${mol.get_smiles()}"`,
        mol.get_smiles()
      );
    }
    try {
      return scaffold.get_smiles(NON_ISOMERIC);
    } finally {
      scaffold.delete();
    }
  }
}
