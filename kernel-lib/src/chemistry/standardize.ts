import { toRDKitInput } from './identity';
import {
  ChemistryError,
  withRDKit,
  parseWith,
  substructMatches,
  type RDKitModule,
  type RDKitMol
} from './rdkit';

/**
 * A structure prepared for registration.
 *
 * The steps, in order (RDKit.js has no MolStandardize, so they are built from its primitives):
 * 1. clean-up: parse and sanitize (RDKit valence, aromaticity, stereo perception), drop explicit Hs;
 * 2. parent: keep the largest organic fragment (contains carbon; then most heavy atoms; then the
 *    larger molar mass; then the smaller canonical SMILES) and record every other fragment, e.g.
 *    counter-ions and solvents of crystallization;
 * 3. neutralize: remove +1 charges on atoms that carry H and -1 charges on atoms not bonded to a
 *    positive atom (RDKit cookbook "neutralize_atoms" pattern), keeping as many anions charged as
 *    there are positive charges that cannot be removed (quaternary N in betaine stays a zwitterion);
 * 4. canonical SMILES, standard InChI and InChIKey of the result.
 */
export interface StandardizedMolecule {
  /** The structure exactly as given. */
  input: string;
  inputFormat: 'smiles' | 'molblock' | 'inchi';
  /** Canonical SMILES of the standardized parent. */
  smiles: string;
  inchi: string;
  inchikey: string;
  /** g/mol, IUPAC atomic weights. */
  molarMass: number;
  /** Canonical SMILES of each fragment removed from the input (one entry per occurrence). */
  strippedFragments: string[];
  /** Whether charges were removed. */
  neutralized: boolean;
  rdkitVersion: string;
}

const NEUTRALIZABLE = '[+1!h0!$([*]~[-1,-2,-3,-4]),-1!$([*]~[+1,+2,+3,+4])]';

interface AtomJson {
  z?: number;
  chg?: number;
  impHs?: number;
}

/** Standardize SMILES, a MOL block or an InChI for registration. */
export async function standardize(input: string): Promise<StandardizedMolecule> {
  const text = await toRDKitInput(input);
  const result = await withRDKit(rdkit => standardizeWith(rdkit, text));
  return { ...result, input, inputFormat: Private.formatOf(input) };
}

/** Synchronous standardization of SMILES or a MOL block. */
export function standardizeWith(rdkit: RDKitModule, input: string): StandardizedMolecule {
  const mol = parseWith(rdkit, input);
  let parent: RDKitMol | undefined;
  let neutral: RDKitMol | undefined;
  try {
    mol.remove_hs_in_place();
    const { chosen, stripped } = Private.chooseParent(rdkit, mol);
    parent = chosen;
    neutral = Private.neutralize(rdkit, parent);
    const final = neutral ?? parent;
    const inchi = final.get_inchi();
    const descriptors = JSON.parse(final.get_descriptors()) as { amw: number };
    return {
      input,
      inputFormat: Private.formatOf(input),
      smiles: final.get_smiles(),
      inchi,
      inchikey: rdkit.get_inchikey_for_inchi(inchi),
      molarMass: descriptors.amw,
      strippedFragments: stripped,
      neutralized: neutral !== undefined,
      rdkitVersion: rdkit.version()
    };
  } finally {
    neutral?.delete();
    if (parent !== mol) {
      parent?.delete();
    }
    mol.delete();
  }
}

namespace Private {
  export function formatOf(input: string): StandardizedMolecule['inputFormat'] {
    if (/^\s*InChI=/i.test(input)) {
      return 'inchi';
    }
    return /M {2}END/.test(input) ? 'molblock' : 'smiles';
  }

  export function atomsOf(mol: RDKitMol): AtomJson[] {
    const json = JSON.parse(mol.get_json()) as {
      defaults: { atom: AtomJson };
      molecules: { atoms: AtomJson[] }[];
    };
    const defaults = json.defaults.atom;
    return json.molecules[0].atoms.map(atom => ({ ...defaults, ...atom }));
  }

  interface Fragment {
    mol: RDKitMol;
    smiles: string;
    organic: boolean;
    heavyAtoms: number;
    molarMass: number;
  }

  export function chooseParent(
    rdkit: RDKitModule,
    mol: RDKitMol
  ): { chosen: RDKitMol; stripped: string[] } {
    const frags = mol.get_frags() as {
      molList: { size(): number; at(i: number): RDKitMol | null; delete(): void };
    };
    const list = frags.molList;
    try {
      if (list.size() <= 1) {
        return { chosen: mol, stripped: [] };
      }
      const fragments: Fragment[] = [];
      for (let i = 0; i < list.size(); i++) {
        const fragment = list.at(i);
        if (!fragment) {
          continue;
        }
        const atoms = atomsOf(fragment);
        fragments.push({
          mol: fragment,
          smiles: fragment.get_smiles(),
          organic: atoms.some(a => a.z === 6),
          heavyAtoms: atoms.filter(a => a.z !== 1).length,
          molarMass: (JSON.parse(fragment.get_descriptors()) as { amw: number }).amw
        });
      }
      fragments.sort(
        (a, b) =>
          Number(b.organic) - Number(a.organic) ||
          b.heavyAtoms - a.heavyAtoms ||
          b.molarMass - a.molarMass ||
          (a.smiles < b.smiles ? -1 : a.smiles > b.smiles ? 1 : 0)
      );
      const [best, ...rest] = fragments;
      rest.forEach(f => f.mol.delete());
      // A copy of our own: the fragment list owns its molecules.
      const chosen = rdkit.get_mol_copy(best.mol);
      best.mol.delete();
      if (!chosen) {
        throw new ChemistryError(
          'invalid_structure',
          `RDKit could not copy the parent fragment ${best.smiles}`,
          best.smiles
        );
      }
      return { chosen, stripped: rest.map(f => f.smiles).sort() };
    } finally {
      list.delete();
    }
  }

  /** The neutralized molecule, or undefined when no charge can be removed. */
  export function neutralize(rdkit: RDKitModule, mol: RDKitMol): RDKitMol | undefined {
    const atoms = atomsOf(mol);
    if (atoms.every(a => !a.chg)) {
      return undefined;
    }
    const query = rdkit.get_qmol(NEUTRALIZABLE);
    if (!query) {
      throw new Error('the neutralization pattern did not parse');
    }
    let matched: number[];
    try {
      matched = [...new Set(substructMatches(mol, query).flat())].sort((a, b) => a - b);
    } finally {
      query.delete();
    }
    // Positive charges that cannot be removed keep an equal number of anions charged.
    const fixedPositive = atoms.filter((a, i) => (a.chg ?? 0) > 0 && !matched.includes(i)).length;
    let keepNegative = fixedPositive;
    const toNeutralize = matched.filter(i => {
      if ((atoms[i].chg ?? 0) < 0 && keepNegative > 0) {
        keepNegative--;
        return false;
      }
      return true;
    });
    if (toNeutralize.length === 0) {
      return undefined;
    }
    // Edit the charges in a V3000 MOL block; implicit hydrogens are recomputed when it is read.
    // 2D coordinates first, so that the block carries wedges and keeps every stereocentre.
    if (!mol.has_coords()) {
      mol.set_new_coords();
    }
    const lines = mol.get_v3Kmolblock().split('\n');
    const begin = lines.findIndex(l => l.includes('BEGIN ATOM'));
    for (const index of toNeutralize) {
      const line = begin + 1 + index;
      lines[line] = lines[line].replace(/\s+CHG=-?\d+/, '');
    }
    const neutral = rdkit.get_mol(lines.join('\n'));
    if (!neutral) {
      // A structure whose charges cannot be removed consistently is refused as input, not a crash.
      throw new ChemistryError(
        'invalid_structure',
        `RDKit could not neutralize "${mol.get_smiles()}": the structure without those charges is not valid`,
        mol.get_smiles()
      );
    }
    return neutral;
  }
}
