// What `import wasm from '@rdkit/rdkit/RDKit_minimal.wasm'` gives under jest (see jest.config.js):
// the path of the installed file, as webpack would give the URL of the file it emitted.
const { dirname, join } = require('node:path');

module.exports = join(dirname(require.resolve('@rdkit/rdkit')), 'RDKit_minimal.wasm');
