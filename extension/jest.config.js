// Unit tests of the extension, the JupyterLab way: @jupyterlab/testing's jest configuration (jsdom
// with JupyterLab's shims, ts-jest with tsconfig.test.json, babel for JavaScript), tests in
// src/__tests__/*.spec.ts. Run with `npm test --workspace extension` (the root `npm test` runs them too).
const jestJupyterLab = require('@jupyterlab/testing/lib/jest-config');

// Packages published as ES modules only, which jest (CommonJS) must transform.
const esModules = [
  '@codemirror',
  '@jupyter/ydoc',
  '@jupyter/react-components',
  '@jupyter/web-components',
  '@jupyterlab/',
  '@microsoft',
  // The kernel reads CSV into Arquero tables (predictCsvText, training): ES modules only.
  '@uwdata',
  'arquero',
  'exenv-es6',
  'lib0',
  'nanoid',
  'vscode-ws-jsonrpc',
  'y-protocols',
  'y-websocket',
  'yjs'
].join('|');

const baseConfig = jestJupyterLab(__dirname);

module.exports = {
  ...baseConfig,
  automock: false,
  moduleNameMapper: {
    ...baseConfig.moduleNameMapper,
    // webpack turns this import into the URL of the emitted file (webpack.config.js); under jest it
    // is the installed file's path, which RDKit's loader reads with fs (it sees Node under jsdom).
    '^@rdkit/rdkit/RDKit_minimal\\.wasm$': '<rootDir>/src/__tests__/rdkit-wasm.js'
  },
  // The built labextension carries a copy of package.json (a haste name collision otherwise).
  modulePathIgnorePatterns: ['<rootDir>/cryoprotect_jupyterlab/labextension/'],
  // No jest-junit (it would leave junit.xml behind); GitHub annotations only on GitHub Actions.
  reporters: ['default', 'github-actions'],
  testRegex: 'src/.*/.*.spec.ts[x]?$',
  transformIgnorePatterns: [`/node_modules/(?!${esModules}).+`]
};
