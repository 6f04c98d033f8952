import { substructMatches, withMol, withRDKit, type RDKitModule, type RDKitMol } from './rdkit';
import { toRDKitInput } from './identity';

/** One computed property: what it is, its unit, and where its value comes from. */
export interface DescriptorDefinition {
  /** Name used in CryoProtect (tables, models, the database). */
  name: string;
  /** RDKit's name: a key of RDKit's Properties class, or a CryoProtect definition below. */
  rdkitName: string;
  unit: string;
  description: string;
}

/**
 * The descriptor set. All but the last four come from RDKit's `Properties` calculator
 * (rdMolDescriptors.Properties in Python, `get_descriptors()` in RDKit.js): the same code in both,
 * so values agree with native RDKit of the same version. The last four are defined here and
 * computed identically by the fixture script (scripts/fixtures/native_rdkit.py).
 */
export const DESCRIPTORS: readonly DescriptorDefinition[] = [
  { name: 'exactMass', rdkitName: 'exactmw', unit: 'Da', description: 'monoisotopic mass' },
  {
    name: 'molarMass',
    rdkitName: 'amw',
    unit: 'g/mol',
    description: 'average molar mass from IUPAC atomic weights'
  },
  {
    name: 'lipinskiHBondAcceptors',
    rdkitName: 'lipinskiHBA',
    unit: 'count',
    description: 'N and O atoms (Lipinski)'
  },
  {
    name: 'lipinskiHBondDonors',
    rdkitName: 'lipinskiHBD',
    unit: 'count',
    description: 'NH and OH groups (Lipinski)'
  },
  {
    name: 'rotatableBonds',
    rdkitName: 'NumRotatableBonds',
    unit: 'count',
    description: 'rotatable bonds (RDKit default definition)'
  },
  { name: 'hBondDonors', rdkitName: 'NumHBD', unit: 'count', description: 'hydrogen-bond donors' },
  {
    name: 'hBondAcceptors',
    rdkitName: 'NumHBA',
    unit: 'count',
    description: 'hydrogen-bond acceptors'
  },
  {
    name: 'heavyAtoms',
    rdkitName: 'NumHeavyAtoms',
    unit: 'count',
    description: 'non-hydrogen atoms'
  },
  { name: 'atoms', rdkitName: 'NumAtoms', unit: 'count', description: 'atoms including hydrogens' },
  {
    name: 'heteroatoms',
    rdkitName: 'NumHeteroatoms',
    unit: 'count',
    description: 'atoms other than C and H'
  },
  { name: 'amideBonds', rdkitName: 'NumAmideBonds', unit: 'count', description: 'amide bonds' },
  {
    name: 'fractionSp3',
    rdkitName: 'FractionCSP3',
    unit: '1',
    description: 'fraction of carbons that are sp3'
  },
  { name: 'rings', rdkitName: 'NumRings', unit: 'count', description: 'rings (SSSR)' },
  {
    name: 'aromaticRings',
    rdkitName: 'NumAromaticRings',
    unit: 'count',
    description: 'aromatic rings'
  },
  {
    name: 'aliphaticRings',
    rdkitName: 'NumAliphaticRings',
    unit: 'count',
    description: 'aliphatic rings'
  },
  {
    name: 'saturatedRings',
    rdkitName: 'NumSaturatedRings',
    unit: 'count',
    description: 'saturated rings'
  },
  {
    name: 'heterocycles',
    rdkitName: 'NumHeterocycles',
    unit: 'count',
    description: 'rings with a heteroatom'
  },
  {
    name: 'aromaticHeterocycles',
    rdkitName: 'NumAromaticHeterocycles',
    unit: 'count',
    description: 'aromatic heterocycles'
  },
  {
    name: 'saturatedHeterocycles',
    rdkitName: 'NumSaturatedHeterocycles',
    unit: 'count',
    description: 'saturated heterocycles'
  },
  {
    name: 'aliphaticHeterocycles',
    rdkitName: 'NumAliphaticHeterocycles',
    unit: 'count',
    description: 'aliphatic heterocycles'
  },
  { name: 'spiroAtoms', rdkitName: 'NumSpiroAtoms', unit: 'count', description: 'spiro atoms' },
  {
    name: 'bridgeheadAtoms',
    rdkitName: 'NumBridgeheadAtoms',
    unit: 'count',
    description: 'bridgehead atoms'
  },
  {
    name: 'stereocentres',
    rdkitName: 'NumAtomStereoCenters',
    unit: 'count',
    description: 'atom stereocentres'
  },
  {
    name: 'unspecifiedStereocentres',
    rdkitName: 'NumUnspecifiedAtomStereoCenters',
    unit: 'count',
    description: 'stereocentres without assigned configuration'
  },
  {
    name: 'labuteSurfaceArea',
    rdkitName: 'labuteASA',
    unit: 'A^2',
    description: "Labute's approximate surface area"
  },
  {
    name: 'polarSurfaceArea',
    rdkitName: 'tpsa',
    unit: 'A^2',
    description: 'topological polar surface area (Ertl), N and O only'
  },
  {
    name: 'crippenLogP',
    rdkitName: 'CrippenClogP',
    unit: '1',
    description: 'Wildman-Crippen octanol/water log P'
  },
  {
    name: 'crippenMolarRefractivity',
    rdkitName: 'CrippenMR',
    unit: 'cm3/mol',
    description: 'Wildman-Crippen molar refractivity'
  },
  {
    name: 'chi0v',
    rdkitName: 'chi0v',
    unit: '1',
    description: 'Kier-Hall valence connectivity index, order 0'
  },
  {
    name: 'chi1v',
    rdkitName: 'chi1v',
    unit: '1',
    description: 'Kier-Hall valence connectivity index, order 1'
  },
  {
    name: 'chi2v',
    rdkitName: 'chi2v',
    unit: '1',
    description: 'Kier-Hall valence connectivity index, order 2'
  },
  {
    name: 'chi3v',
    rdkitName: 'chi3v',
    unit: '1',
    description: 'Kier-Hall valence connectivity index, order 3'
  },
  {
    name: 'chi4v',
    rdkitName: 'chi4v',
    unit: '1',
    description: 'Kier-Hall valence connectivity index, order 4'
  },
  {
    name: 'chi0n',
    rdkitName: 'chi0n',
    unit: '1',
    description: 'Kier-Hall connectivity index, order 0'
  },
  {
    name: 'chi1n',
    rdkitName: 'chi1n',
    unit: '1',
    description: 'Kier-Hall connectivity index, order 1'
  },
  {
    name: 'chi2n',
    rdkitName: 'chi2n',
    unit: '1',
    description: 'Kier-Hall connectivity index, order 2'
  },
  {
    name: 'chi3n',
    rdkitName: 'chi3n',
    unit: '1',
    description: 'Kier-Hall connectivity index, order 3'
  },
  {
    name: 'chi4n',
    rdkitName: 'chi4n',
    unit: '1',
    description: 'Kier-Hall connectivity index, order 4'
  },
  { name: 'hallKierAlpha', rdkitName: 'hallKierAlpha', unit: '1', description: 'Hall-Kier alpha' },
  { name: 'kappa1', rdkitName: 'kappa1', unit: '1', description: 'Kier kappa shape index 1' },
  { name: 'kappa2', rdkitName: 'kappa2', unit: '1', description: 'Kier kappa shape index 2' },
  { name: 'kappa3', rdkitName: 'kappa3', unit: '1', description: 'Kier kappa shape index 3' },
  { name: 'flexibility', rdkitName: 'Phi', unit: '1', description: 'Kier flexibility index phi' },
  {
    name: 'hydroxylGroups',
    rdkitName: 'cryoprotect:hydroxyl',
    unit: 'count',
    description: 'OH groups on carbon that are not acid OH: SMARTS [OX2H][#6;!$([#6]=[O,S,N])]'
  },
  {
    name: 'oxygenToCarbonRatio',
    rdkitName: 'cryoprotect:o_to_c',
    unit: '1',
    description: 'O atoms / C atoms (0 when there is no carbon)'
  },
  {
    name: 'formalCharge',
    rdkitName: 'cryoprotect:formal_charge',
    unit: 'e',
    description: 'sum of formal charges'
  },
  {
    name: 'carbonAtoms',
    rdkitName: 'cryoprotect:carbon',
    unit: 'count',
    description: 'carbon atoms'
  }
];

export const HYDROXYL_SMARTS = '[OX2H][#6;!$([#6]=[O,S,N])]';

export type Descriptors = Record<string, number>;

/** Descriptors of one structure (SMILES, MOL block or InChI), keyed by CryoProtect name. */
export async function getDescriptors(input: string): Promise<Descriptors> {
  const text = await toRDKitInput(input);
  return withRDKit(rdkit => withMol(rdkit, text, mol => getDescriptorsOf(rdkit, mol)));
}

/** One small query per RDKit instance (a discarded instance takes its query with it). */
const hydroxylQueries = new WeakMap<RDKitModule, RDKitMol | null>();

/** Descriptors of a parsed molecule (the caller keeps ownership of `mol`). */
export function getDescriptorsOf(rdkit: RDKitModule, mol: RDKitMol): Descriptors {
  const raw = JSON.parse(mol.get_descriptors()) as Record<string, number>;
  if (!hydroxylQueries.has(rdkit)) {
    hydroxylQueries.set(rdkit, rdkit.get_qmol(HYDROXYL_SMARTS));
  }
  const hydroxylQuery = hydroxylQueries.get(rdkit);
  const atoms = Private.atomCounts(mol);
  const derived: Record<string, number> = {
    'cryoprotect:hydroxyl': hydroxylQuery
      ? substructMatches(mol, hydroxylQuery).length
      : Number.NaN,
    'cryoprotect:o_to_c': atoms.carbon === 0 ? 0 : atoms.oxygen / atoms.carbon,
    'cryoprotect:formal_charge': atoms.charge,
    'cryoprotect:carbon': atoms.carbon
  };
  const result: Descriptors = {};
  for (const d of DESCRIPTORS) {
    result[d.name] = d.rdkitName in derived ? derived[d.rdkitName] : raw[d.rdkitName];
  }
  return result;
}

namespace Private {
  interface AtomJson {
    z?: number;
    chg?: number;
  }

  export function atomCounts(mol: RDKitMol): { carbon: number; oxygen: number; charge: number } {
    const json = JSON.parse(mol.get_json()) as {
      defaults: { atom: AtomJson };
      molecules: { atoms: AtomJson[] }[];
    };
    let carbon = 0;
    let oxygen = 0;
    let charge = 0;
    for (const atom of json.molecules[0].atoms) {
      const z = atom.z ?? json.defaults.atom.z;
      carbon += z === 6 ? 1 : 0;
      oxygen += z === 8 ? 1 : 0;
      charge += atom.chg ?? json.defaults.atom.chg ?? 0;
    }
    return { carbon, oxygen, charge };
  }
}
