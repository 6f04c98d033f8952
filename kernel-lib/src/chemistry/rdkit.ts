import type { MainModule, Mol } from '@rdkit/rdkit';
import type RDKitFactory from '@rdkit/rdkit';
import { EngineFailure, WasmEngine, type EngineStatus } from './engine';
import { ChemistryError } from './errors';
import { checkAtomCount, checkStructureText } from './structure-limits';

export { ChemistryError, type ChemistryErrorCode } from './errors';

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

/** RDKit.js, guarded and replaced after a WebAssembly failure (see engine.ts). */
const rdkitEngine = new WasmEngine<RDKitModule>('RDKit.js', async () =>
  Private.initializer(await import('@rdkit/rdkit'))({ ...rdkitLocation })
);

/**
 * Say where RDKit.js's WebAssembly is, before the first chemistry call. Once a module is loaded
 * a new location cannot apply to it, so a late call is refused rather than silently ignored.
 */
export function configureRDKit(next: RDKitLocation): void {
  if (rdkitEngine.status().state !== 'idle') {
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
 * fetched on the first chemistry call, not with the page. Every call into it is guarded: after a
 * WebAssembly runtime error the instance is discarded and the next call of loadRDKit() gets a
 * fresh one (engine.ts).
 */
export function loadRDKit(): Promise<RDKitModule> {
  return rdkitEngine.load();
}

/**
 * Run `fn` with RDKit; if the engine fails under it, run it once more on a fresh instance. A
 * failure can be left behind by an earlier input that corrupted the module without trapping, so
 * one retry keeps an innocent request from paying for it; an input that breaks the fresh engine
 * too is refused with ChemistryError 'engine_failure'.
 */
export async function withRDKit<T>(fn: (rdkit: RDKitModule) => T | Promise<T>): Promise<T> {
  try {
    return await fn(await loadRDKit());
  } catch (error) {
    if (error instanceof EngineFailure) {
      return fn(await loadRDKit());
    }
    throw error;
  }
}

/** Whether RDKit.js is loaded, being rebuilt after a failure, and how often it failed. */
export function rdkitStatus(): EngineStatus {
  return rdkitEngine.status();
}

/** Whether `rdkit` was discarded after a failure (then load a fresh one with loadRDKit()). */
export function isDiscarded(rdkit: RDKitModule): boolean {
  return rdkitEngine.isDiscarded(rdkit);
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
  if (text.startsWith('{')) {
    // RDKit.js also reads its JSON molecule format, which no bound below applies to.
    throw new ChemistryError(
      'unsupported_input',
      `"${Private.shorten(text)}" is JSON; give a SMILES, a MOL block or an InChI`,
      input
    );
  }
  // Bounded before RDKit sees it: a structure too large for it can crash the WebAssembly module.
  checkStructureText(text);
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
  try {
    checkAtomCount(mol.get_num_atoms(), input);
  } catch (error) {
    mol.delete();
    throw error;
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
