import type { IndigoFactory } from './indigo-types';

/**
 * In a browser bundle: Indigo's build with the WebAssembly as a separate file, which it locates
 * with `new URL(file, import.meta.url)`, so the bundler emits the file next to the chunk and the
 * page fetches it from there (no CDN, and 7.5 MB of binary rather than 10 MB of base64 text).
 */
export async function importIndigo(): Promise<IndigoFactory> {
  const module = (await import('indigo-ketcher/binaryWasmNoRender')) as { default: IndigoFactory };
  return module.default;
}
