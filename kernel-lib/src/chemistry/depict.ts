import { parseWith, withRDKit, type RDKitModule, type RDKitMol } from './rdkit';
import { parseSmarts } from './search';
import { toRDKitInput } from './identity';

export interface DepictionOptions {
  width?: number;
  height?: number;
  /** Highlight every match of this SMARTS. */
  highlight?: string;
  /**
   * Bond length in pixels, so that structures drawn side by side share one scale (RDKit otherwise
   * blows methanol up to fill its box); a molecule too large for the box still shrinks to fit.
   */
  bondLength?: number;
  /**
   * More of RDKit's MolDrawOptions, passed as they are (colours for a dark background, say):
   * https://www.rdkitjs.com lists them under get_svg_with_highlights.
   */
  drawOptions?: Record<string, unknown>;
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
  const mol = parseWith(rdkit, input);
  try {
    return depictMol(rdkit, mol, options);
  } finally {
    mol.delete();
  }
}

/** The depiction of a molecule already parsed (the caller keeps and frees it). */
export function depictMol(
  rdkit: RDKitModule,
  mol: RDKitMol,
  options: DepictionOptions = {}
): string {
  const details: Record<string, unknown> = {
    ...options.drawOptions,
    width: options.width ?? 300,
    height: options.height ?? 200,
    ...(options.bondLength ? { fixedBondLength: options.bondLength } : {})
  };
  if (options.highlight) {
    const query = parseSmarts(rdkit, options.highlight);
    try {
      const parsed = JSON.parse(mol.get_substruct_matches(query)) as unknown;
      const matches = Array.isArray(parsed)
        ? (parsed as { atoms: number[]; bonds: number[] }[])
        : [];
      details.atoms = [...new Set(matches.flatMap(m => m.atoms))];
      details.bonds = [...new Set(matches.flatMap(m => m.bonds))];
    } finally {
      query.delete();
    }
  }
  return mol.get_svg_with_highlights(JSON.stringify(details));
}
