import { parseWith, withRDKit, type RDKitModule } from './rdkit';
import { parseSmarts } from './search';
import { toRDKitInput } from './identity';

export interface DepictionOptions {
  width?: number;
  height?: number;
  /** Highlight every match of this SMARTS. */
  highlight?: string;
}

/** 2D depiction as an SVG document, optionally with the atoms and bonds of a SMARTS match highlighted. */
export async function getSvg(input: string, options: DepictionOptions = {}): Promise<string> {
  const text = await toRDKitInput(input);
  return withRDKit(rdkit => getSvgWith(rdkit, text, options));
}

/** Synchronous variant for SMILES and MOL blocks. */
export function getSvgWith(
  rdkit: RDKitModule,
  input: string,
  options: DepictionOptions = {}
): string {
  const width = options.width ?? 300;
  const height = options.height ?? 200;
  const mol = parseWith(rdkit, input);
  try {
    if (!options.highlight) {
      return mol.get_svg(width, height);
    }
    const query = parseSmarts(rdkit, options.highlight);
    try {
      const parsed = JSON.parse(mol.get_substruct_matches(query)) as unknown;
      const matches = Array.isArray(parsed)
        ? (parsed as { atoms: number[]; bonds: number[] }[])
        : [];
      const atoms = [...new Set(matches.flatMap(m => m.atoms))];
      const bonds = [...new Set(matches.flatMap(m => m.bonds))];
      return mol.get_svg_with_highlights(JSON.stringify({ width, height, atoms, bonds }));
    } finally {
      query.delete();
    }
  } finally {
    mol.delete();
  }
}
