import type { IndigoFactory } from './indigo-types';

/**
 * Indigo's single-file build: the WebAssembly is inlined, so it loads in Node without knowing
 * where it was installed. Browser bundles use indigo-module.browser.ts instead (the package's
 * "browser" field swaps the two files).
 */
export async function importIndigo(): Promise<IndigoFactory> {
  const module = (await import('indigo-ketcher/jsNoRender')) as { default: IndigoFactory };
  return module.default;
}
