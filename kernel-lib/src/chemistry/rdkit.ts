import initRDKitModule from '@rdkit/rdkit';
import type { MainModule, Mol } from '@rdkit/rdkit';

export type RDKitModule = MainModule;
export type RDKitMol = Mol;

let rdkitPromise: Promise<RDKitModule> | undefined;

/**
 * Load RDKit.js (WebAssembly) once per process and return the module.
 *
 * Loading takes ~150 ms, so it is cached; nothing is loaded at import time.
 */
export function loadRDKit(): Promise<RDKitModule> {
  if (!rdkitPromise) {
    rdkitPromise = initRDKitModule().catch((error: unknown) => {
      // A failed load must not poison every later call.
      rdkitPromise = undefined;
      throw error;
    });
  }
  return rdkitPromise;
}

/**
 * Run `fn` with a parsed molecule and always free its WebAssembly memory.
 * The garbage collector never frees RDKit.js objects, so every Mol is deleted here.
 */
export function withMol<T>(rdkit: RDKitModule, input: string, fn: (mol: RDKitMol) => T): T {
  const mol = rdkit.get_mol(input);
  if (!mol) {
    throw new ChemistryError(
      'invalid_structure',
      `RDKit could not parse the structure "${input}"`,
      input
    );
  }
  try {
    if (!mol.is_valid()) {
      throw new ChemistryError(
        'invalid_structure',
        `RDKit found the structure "${input}" invalid`,
        input
      );
    }
    return fn(mol);
  } finally {
    mol.delete();
  }
}

/** An error about a chemical structure, naming the offending input. */
export class ChemistryError extends Error {
  constructor(
    readonly code: 'invalid_structure',
    message: string,
    readonly input: string
  ) {
    super(message);
    this.name = 'ChemistryError';
  }
}
