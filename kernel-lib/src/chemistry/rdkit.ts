import type { MainModule, Mol } from '@rdkit/rdkit';
import type RDKitFactory from '@rdkit/rdkit';

export type RDKitModule = MainModule;
export type RDKitMol = Mol;
type RDKitLoader = typeof RDKitFactory;

/** How RDKit.js finds its WebAssembly file. */
export interface RDKitLocation {
  /**
   * The URL (browser) or path (Node) of `RDKit_minimal.wasm`, given the file name RDKit asks for.
   * Node finds the file beside RDKit's own script without help; in a browser bundle the script
   * runs from a chunk whose address says nothing about where the bundler put the wasm, so the
   * bundle names it (the JupyterLab extension serves it from its own static files).
   */
  locateFile?: (file: string, scriptDirectory: string) => string;
}

let rdkitLocation: RDKitLocation = {};
let rdkitPromise: Promise<RDKitModule> | undefined;

/**
 * Say where RDKit.js's WebAssembly is, before the first chemistry call. Once a module is loaded
 * a new location cannot apply to it, so a late call is refused rather than silently ignored.
 */
export function configureRDKit(next: RDKitLocation): void {
  if (rdkitPromise) {
    throw new Error(
      'configureRDKit: RDKit.js is already loaded; say where its WebAssembly is before the first chemistry call'
    );
  }
  rdkitLocation = { ...next };
}

/**
 * Load RDKit.js (WebAssembly) once and return the module.
 *
 * Loading takes ~150 ms, so it is cached; nothing is loaded at import time. The module is
 * imported dynamically, so a browser bundle puts RDKit's 7 MB in a chunk of its own that is
 * fetched on the first chemistry call, not with the page.
 */
export function loadRDKit(): Promise<RDKitModule> {
  if (!rdkitPromise) {
    rdkitPromise = import('@rdkit/rdkit')
      .then(module => Private.initializer(module)({ ...rdkitLocation }))
      .catch((error: unknown) => {
        // A failed load must not poison every later call.
        rdkitPromise = undefined;
        throw error;
      });
  }
  return rdkitPromise;
}

export type ChemistryErrorCode =
  'invalid_structure' | 'empty_structure' | 'invalid_smarts' | 'unsupported_input';

/** An error about a chemical structure: names the input and, where RDKit gave one, its reason. */
export class ChemistryError extends Error {
  constructor(
    readonly code: ChemistryErrorCode,
    message: string,
    readonly input: string,
    readonly reason?: string
  ) {
    super(message);
    this.name = 'ChemistryError';
  }
}

/**
 * Run `parse` while capturing RDKit's error log, so a failure can say why (RDKit.js returns null
 * and writes the reason to its log instead of throwing).
 */
export function captureRDKitErrors<T>(
  rdkit: RDKitModule,
  parse: () => T
): { value: T; reason: string } {
  const log = rdkit.set_log_capture('rdApp.error');
  try {
    const value = parse();
    return { value, reason: log ? Private.cleanReason(log.get_buffer()) : '' };
  } finally {
    log?.delete();
  }
}

/**
 * Run `fn` with a parsed molecule and always free its WebAssembly memory.
 * The garbage collector never frees RDKit.js objects, so every Mol is deleted here.
 */
export function withMol<T>(rdkit: RDKitModule, input: string, fn: (mol: RDKitMol) => T): T {
  const mol = parseWith(rdkit, input);
  try {
    return fn(mol);
  } finally {
    mol.delete();
  }
}

/** Parse SMILES or a MOL block; the caller owns the result and must `delete()` it. */
export function parseWith(rdkit: RDKitModule, input: string): RDKitMol {
  // A MOL block's first lines are positional (an empty title line is common): never trim its start.
  const isMolBlock = /M {2}END/.test(input);
  const text = isMolBlock ? input.replace(/\s+$/, '') : input.trim();
  if (text.trim() === '') {
    throw new ChemistryError('empty_structure', 'the structure is empty', input);
  }
  if (/^InChI=/i.test(text)) {
    throw new ChemistryError(
      'unsupported_input',
      `"${Private.shorten(text)}" is an InChI; use parseMolecule() (asynchronous), which converts InChI first`,
      input
    );
  }
  const { value: mol, reason } = captureRDKitErrors(rdkit, () => rdkit.get_mol(text));
  if (!mol || !mol.is_valid()) {
    mol?.delete();
    const kind = isMolBlock ? 'MOL block' : 'SMILES';
    throw new ChemistryError(
      'invalid_structure',
      `RDKit could not parse the ${kind} "${Private.shorten(text)}"${reason ? `: ${reason}` : ''}`,
      input,
      reason
    );
  }
  if (mol.get_num_atoms() === 0) {
    mol.delete();
    throw new ChemistryError(
      'empty_structure',
      `the structure "${Private.shorten(text)}" has no atoms`,
      input
    );
  }
  return mol;
}

/**
 * Atom indices of every match of `query` in `mol`. RDKit.js answers "{}" when nothing matches
 * and an array of {atoms, bonds} otherwise.
 */
export function substructMatches(mol: RDKitMol, query: RDKitMol): number[][] {
  const parsed = JSON.parse(mol.get_substruct_matches(query)) as unknown;
  return Array.isArray(parsed) ? (parsed as { atoms: number[] }[]).map(m => m.atoms) : [];
}

namespace Private {
  /**
   * RDKit's script is CommonJS: Node's import() hands module.exports over as `default`, while a
   * bundler may give the function itself.
   */
  export function initializer(module: unknown): RDKitLoader {
    const exported = module as RDKitLoader | { default: RDKitLoader };
    return typeof exported === 'function' ? exported : exported.default;
  }

  /** RDKit log lines carry timestamps and repeat the input; keep the first distinct reason. */
  export function cleanReason(buffer: string): string {
    const lines = buffer
      .split('\n')
      .map(line => line.replace(/^\[\d\d:\d\d:\d\d\]\s*/, '').trim())
      .filter(line => line !== '' && !/^~*\^$/.test(line));
    const specific = lines.find(
      line => !/check for mistakes around position|Failed parsing SMILES/.test(line)
    );
    return (specific ?? lines[0] ?? '')
      .replace(/^SMILES Parse Error:\s*/, '')
      .replace(/ for input: '.*'$/, '');
  }

  export function shorten(text: string): string {
    const oneLine = text.replace(/\s+/g, ' ');
    return oneLine.length > 80 ? `${oneLine.slice(0, 77)}...` : oneLine;
  }
}
