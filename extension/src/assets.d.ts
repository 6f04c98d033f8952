/**
 * RDKit.js's WebAssembly. webpack.config.js makes `.wasm` files assets: importing one gives the URL
 * where the labextension serves the emitted file (its static folder). Under jest the import gives
 * the installed file's path (jest.config.js).
 */
declare module '@rdkit/rdkit/RDKit_minimal.wasm' {
  const url: string;
  export default url;
}
