import { ChemistryError } from './errors';

/**
 * Bounds on the work a structure may cost, checked on the text before RDKit or Indigo sees it.
 *
 * Why these numbers (measured with RDKit.js 2026.09.1 in Node 20, one core):
 * - RDKit.js parses and sanitizes recursively: an unbranched chain of 850 to 900 atoms overflows its
 *   WebAssembly stack ("memory access out of bounds", or a C++ exception escaping the module) and
 *   takes the module down; 700 atoms still parse, and depicting them takes 2.3 s. A recursive SMARTS
 *   nested 2,000 deep crashes a substructure match.
 * - Cryoprotectants are small: the largest molecule of the shipped data sets (data/science-data,
 *   the reference set) is maltoheptaose with 78 heavy atoms. 300 heavy atoms leaves room for
 *   oligomers (a PEG 99-mer) and keeps a request to a few seconds at worst (a 300-atom chain:
 *   identity, descriptors, depiction and standardization in about 2 s together), almost three
 *   times below the crash.
 * - Ring closures, branch depth and SMARTS recursion are bounded too: each is a recursion or a
 *   combinatorial search in the toolkit, and no real cryoprotectant comes near the bounds.
 * Refusals are ChemistryError 'too_complex' naming the bound, answered 422 by the server.
 */
export const STRUCTURE_LIMITS = {
  /** Characters of a SMILES (the structure part, before any CXSMILES extension). */
  smilesLength: 4000,
  /** Characters of a MOL block (a 300-atom V2000 block with explicit hydrogens is ~90 kB). */
  molBlockLength: 200_000,
  /** Characters of an InChI. */
  inchiLength: 8000,
  /** Characters of a SMARTS query. */
  smartsLength: 1000,
  /** Heavy (non-hydrogen) atoms of one structure, all fragments together. */
  heavyAtoms: 300,
  /** Atoms including explicit hydrogens (a MOL block or SMILES that spells them out). */
  atoms: 1000,
  /** Ring closures of a SMILES (about the number of rings). */
  ringClosures: 64,
  /** Nesting of SMILES branches "(...)" and of SMARTS branches and brackets. */
  nesting: 64,
  /** Atoms of a SMARTS query. */
  smartsAtoms: 100,
  /** Nesting of recursive SMARTS "$(...)". */
  smartsRecursion: 8
} as const;

export type StructureLimit = keyof typeof STRUCTURE_LIMITS;

/** A structure above a bound: names the bound, its value and what the input has. */
export class StructureTooComplexError extends ChemistryError {
  constructor(
    readonly limit: StructureLimit,
    readonly found: number,
    what: string,
    input: string
  ) {
    super(
      'too_complex',
      `the structure is too large to process: ${what} (${found}) is above the limit of ${STRUCTURE_LIMITS[limit]} (${limit})`,
      input,
      `${limit}: ${found} > ${STRUCTURE_LIMITS[limit]}`
    );
    this.name = 'ChemistryError';
  }
}

/** Check a SMILES or MOL block before RDKit parses it. */
export function checkStructureText(text: string): void {
  if (/M {2}END/.test(text)) {
    Private.checkMolBlock(text);
  } else {
    Private.checkSmiles(text);
  }
}

/** Check an InChI before Indigo reads it: its length, and the heavy atoms of its formula layer. */
export function checkInchi(inchi: string): void {
  Private.atMost('inchiLength', inchi.length, 'its length in characters', inchi);
  const formula = inchi.trim().split('/')[1] ?? '';
  let heavy = 0;
  for (const component of formula.split('.')) {
    const multiplier = /^(\d+)/.exec(component);
    const count = multiplier ? Number(multiplier[1]) : 1;
    for (const [, element, n] of component.replace(/^\d+/, '').matchAll(/([A-Z][a-z]?)(\d*)/g)) {
      if (element !== 'H' && element !== 'D' && element !== 'T') {
        heavy += count * (n === '' ? 1 : Number(n));
      }
    }
  }
  Private.atMost('heavyAtoms', heavy, 'heavy atoms in its formula', inchi);
}

/** Check a SMARTS query before RDKit parses or matches it. */
export function checkSmarts(smarts: string): void {
  Private.atMost('smartsLength', smarts.length, 'its length in characters', smarts);
  let atoms = 0;
  let depth = 0;
  let deepest = 0;
  // Open groups, innermost last: '(' a branch, '[' an atom, '$' a recursive SMARTS "$(".
  const open: string[] = [];
  let recursion = 0;
  let deepestRecursion = 0;
  for (let i = 0; i < smarts.length; i++) {
    const c = smarts[i];
    if (c === '[' || c === '(') {
      const recursive = c === '(' && smarts[i - 1] === '$';
      open.push(recursive ? '$' : c);
      if (c === '[' && !open.slice(0, -1).includes('[')) {
        atoms += 1;
      }
      if (recursive) {
        recursion += 1;
        deepestRecursion = Math.max(deepestRecursion, recursion);
      }
      depth += 1;
      deepest = Math.max(deepest, depth);
    } else if (c === ']' || c === ')') {
      if (open.pop() === '$') {
        recursion -= 1;
      }
      depth = Math.max(0, depth - 1);
    } else if (!open.includes('[') && /[A-Za-z*]/.test(c)) {
      // An atom outside brackets: an organic-subset symbol (two letters for Cl, Br) or a wildcard.
      if (!((c === 'l' && smarts[i - 1] === 'C') || (c === 'r' && smarts[i - 1] === 'B'))) {
        atoms += 1;
      }
    }
  }
  Private.atMost('smartsRecursion', deepestRecursion, 'the nesting of recursive SMARTS', smarts);
  Private.atMost('nesting', deepest, 'the nesting of branches and brackets', smarts);
  Private.atMost('smartsAtoms', atoms, 'its query atoms', smarts);
}

/** Check a parsed molecule's atom count, the last line behind the checks on its text. */
export function checkAtomCount(atoms: number, input: string): void {
  Private.atMost('atoms', atoms, 'its atoms', input);
}

namespace Private {
  export function atMost(limit: StructureLimit, found: number, what: string, input: string): void {
    if (found > STRUCTURE_LIMITS[limit]) {
      throw new StructureTooComplexError(limit, found, what, input);
    }
  }

  /** Organic-subset atoms outside brackets (B C N O P S F Cl Br I, aromatic b c n o p s) and '*'. */
  const ORGANIC = /^(Cl|Br|[BCNOPSFI]|[bcnops]|\*)/;

  export function checkSmiles(text: string): void {
    // CXSMILES extensions and a name follow the structure after whitespace.
    const smiles = text.trim().split(/\s/, 1)[0] ?? '';
    atMost('smilesLength', smiles.length, 'its length in characters', text);
    let heavy = 0;
    let atoms = 0;
    let closures = 0;
    let depth = 0;
    let deepest = 0;
    for (let i = 0; i < smiles.length;) {
      const c = smiles[i];
      if (c === '[') {
        const end = smiles.indexOf(']', i);
        const bracket = smiles.slice(i + 1, end < 0 ? smiles.length : end);
        atoms += 1;
        // [H], [2H], [H+]: a hydrogen; anything else (including [Hg], [He]) is a heavy atom.
        if (!/^\d*H(?![a-z])/.test(bracket)) {
          heavy += 1;
        }
        i = end < 0 ? smiles.length : end + 1;
      } else if (c === '%') {
        closures += 1;
        i += 3;
      } else if (c >= '0' && c <= '9') {
        closures += 1;
        i += 1;
      } else if (c === '(') {
        depth += 1;
        deepest = Math.max(deepest, depth);
        i += 1;
      } else if (c === ')') {
        depth = Math.max(0, depth - 1);
        i += 1;
      } else {
        const organic = ORGANIC.exec(smiles.slice(i, i + 2));
        if (organic) {
          atoms += 1;
          heavy += 1;
          i += organic[0].length;
        } else {
          i += 1;
        }
      }
    }
    atMost('heavyAtoms', heavy, 'heavy atoms', text);
    atMost('atoms', atoms, 'atoms', text);
    // Each ring is opened and closed by the same label: two labels per ring.
    atMost('ringClosures', Math.ceil(closures / 2), 'ring closures', text);
    atMost('nesting', deepest, 'the nesting of branches', text);
  }

  /** The counts line says how many atom lines RDKit reads (V2000), or the COUNTS line (V3000). */
  export function checkMolBlock(text: string): void {
    atMost('molBlockLength', text.length, 'its length in characters', text);
    const lines = text.split(/\r?\n/);
    const v3000 = lines.find(line => /^M {2}V30 COUNTS /.test(line));
    let atoms: number;
    let heavy = 0;
    if (v3000) {
      atoms = Number(v3000.split(/\s+/)[3]);
      let inAtoms = false;
      for (const line of lines) {
        if (/^M {2}V30 BEGIN ATOM/.test(line)) {
          inAtoms = true;
        } else if (/^M {2}V30 END ATOM/.test(line)) {
          inAtoms = false;
        } else if (inAtoms) {
          const element = line.split(/\s+/)[3];
          if (element && !/^[HDT]$/.test(element)) {
            heavy += 1;
          }
        }
      }
    } else {
      const counts = lines[3] ?? '';
      atoms = Number(counts.slice(0, 3));
      for (const line of lines.slice(
        4,
        4 + (Number.isFinite(atoms) ? Math.min(atoms, 10_000) : 0)
      )) {
        const element = line.slice(31, 34).trim();
        if (element && !/^[HDT]$/.test(element)) {
          heavy += 1;
        }
      }
    }
    if (Number.isFinite(atoms)) {
      atMost('atoms', atoms, 'atoms in its counts line', text);
    }
    atMost('heavyAtoms', heavy, 'heavy atoms', text);
  }
}
