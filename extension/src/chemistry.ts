import type { DepictionOptions } from '@cryoprotect/kernel';
import rdkitWasmUrl from '@rdkit/rdkit/RDKit_minimal.wasm';

export type { DepictionOptions };

type Kernel = typeof import('@cryoprotect/kernel');

/** What the extension's chemistry runs on. */
export interface IChemistryInfo {
  /** RDKit.js's version, e.g. 2026.09.1. */
  rdkitVersion: string;
  /** Where RDKit's WebAssembly was fetched from: the extension's own static files. */
  wasmUrl: string;
}

/**
 * The kernel, with RDKit.js told where the extension serves its WebAssembly. Imported on first use,
 * so neither the kernel nor RDKit (a lazily loaded chunk and 7 MB of WebAssembly) loads with
 * JupyterLab's page; the location is configured exactly once, before the first chemistry call.
 */
export function loadKernel(): Promise<Kernel> {
  Private.kernel ??= import('@cryoprotect/kernel').then(kernel => {
    kernel.configureRDKit({
      // Emscripten asks for RDKit_minimal.wasm relative to the script's chunk, which says
      // nothing about where webpack emitted the file; the asset import knows.
      locateFile: (file, scriptDirectory) =>
        file.endsWith('.wasm') ? rdkitWasmUrl : scriptDirectory + file
    });
    return kernel;
  });
  return Private.kernel.catch((error: unknown) => {
    Private.kernel = undefined;
    throw error;
  });
}

/** 2D depiction of a structure (SMILES, MOL block or InChI) as an SVG document, by the kernel's getSvg. */
export async function depictMolecule(
  structure: string,
  options: DepictionOptions = {}
): Promise<string> {
  const kernel = await loadKernel();
  return kernel.getSvg(structure, options);
}

/** Load RDKit.js and say which version runs and where its WebAssembly came from. */
export async function chemistryInfo(): Promise<IChemistryInfo> {
  const kernel = await loadKernel();
  const rdkit = await kernel.loadRDKit();
  return { rdkitVersion: rdkit.version(), wasmUrl: rdkitWasmUrl };
}

namespace Private {
  export let kernel: Promise<Kernel> | undefined;
}
