// What `jupyter labextension build` adds to @jupyterlab/builder's webpack configuration (package.json
// "jupyterlab.webpackConfig") so that @cryoprotect/kernel bundles for the browser:
//
// - The Node built-ins that the kernel's dependencies name inside Node-only branches are left out
//   (resolve.fallback false: neither a build error nor a polyfill). The list, with the reason each
//   is safe, is kernel-lib/browser-externals.json, which scripts/check-browser-bundle.mjs checks
//   against an esbuild bundle of the kernel; it is read here so it lives in one place.
// - OpenChemLib's unused resources.json is not emitted (the rule below says why).
// - `.wasm` files are assets: RDKit's (imported by src/chemistry.ts for its URL) and Indigo's
//   (`new URL(..., import.meta.url)` in indigo-ketcher) are emitted into the labextension's static
//   folder under their own names, and the page fetches them from there; no CDN.
const { readFileSync } = require('node:fs');
const { dirname, join } = require('node:path');

const kernelDir = dirname(require.resolve('@cryoprotect/kernel/package.json'));
const externals = JSON.parse(readFileSync(join(kernelDir, 'browser-externals.json'), 'utf8'));
const modules = [...new Set(externals.externals.flatMap(item => item.modules))].sort();
const prefixed = new Set(modules.filter(name => name.startsWith('node:')));

/**
 * webpack has no handler for the `node:` scheme in a browser build (alias and fallback are not
 * consulted for it), so each listed `node:` import is renamed to its bare name before resolving,
 * which resolve.fallback leaves out. Any other `node:` import still fails the build.
 */
class StripListedNodeScheme {
  apply(compiler) {
    compiler.hooks.normalModuleFactory.tap('CryoProtectNodeScheme', factory => {
      factory.hooks.beforeResolve.tap('CryoProtectNodeScheme', data => {
        if (prefixed.has(data.request)) {
          data.request = data.request.slice('node:'.length);
        }
      });
    });
  }
}

module.exports = {
  resolve: {
    // Replaces @jupyterlab/builder's path-browserify for `path`: the one importer of `path`
    // in the kernel's dependencies (tfjs-backend-wasm) reads it on Node only.
    fallback: Object.fromEntries(modules.map(name => [name.replace(/^node:/, ''), false]))
  },
  module: {
    rules: [
      {
        test: /\.wasm$/,
        type: 'asset/resource',
        // Named after the file; the `v` query lets the Jupyter server mark it cacheable (it sets
        // no-cache on static files without one), as JupyterLab does for its JavaScript.
        generator: { filename: '[name].[contenthash:20][ext]?v=[contenthash:20]' }
      },
      {
        // OpenChemLib names resources.json (1.35 MB of force-field and toxicity tables) through
        // `new URL(..., import.meta.url)` for Resources.registerFromUrl only, which the structure
        // editor never calls: not parsing that URL keeps the file out of the labextension.
        test: /openchemlib[\\/]dist[\\/]openchemlib\.js$/,
        parser: { url: false }
      }
    ]
  },
  plugins: [new StripListedNodeScheme()]
};
