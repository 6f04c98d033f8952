// babel-jest transforms the JavaScript jest loads: ES-module-only packages (jest.config.js) and
// @cryoprotect/kernel's CommonJS, whose import() of RDKit becomes a require.
module.exports = require('@jupyterlab/testing/lib/babel-config');
