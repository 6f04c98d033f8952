// Bundles the core of @cryoprotect/kernel for the browser, as the JupyterLab extension's bundler
// will, and fails when the core cannot run there:
// - a CryoProtect module imports a Node built-in (node:fs, path, ...), or the core reaches its Node
//   edge (src/node, @cryoprotect/kernel/node);
// - a dependency imports a Node built-in that kernel-lib/browser-externals.json does not list with
//   the reason it is safe (those are left out of the bundle);
// - RDKit or Indigo (megabytes of WebAssembly) end up in the entry chunk instead of chunks of their
//   own, loaded on the first chemistry call;
// - the bundle does not load where Node's globals are missing: it is evaluated in a context with a
//   browser's globals and no Buffer, process or require (a dependency that uses Buffer at load time
//   bundles without complaint and fails only in the browser).
// Prints the size of the entry chunk (what loading the core costs) and of the lazy chunks.
//
//   node scripts/check-browser-bundle.mjs [entry]   (default kernel-lib/dist/index.js; run tsc -b first)
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createContext, runInContext } from 'node:vm';
import { build } from 'esbuild';

const ROOT = resolve(import.meta.dirname, '..');
const KERNEL = join(ROOT, 'kernel-lib');
const HEAVY = [/node_modules\/@rdkit\/rdkit\//, /node_modules\/indigo-ketcher\//];

export async function checkBrowserBundle(entry = join(KERNEL, 'dist', 'index.js')) {
  const allowed = new Map();
  for (const item of JSON.parse(readFileSync(join(KERNEL, 'browser-externals.json'), 'utf8'))
    .externals) {
    for (const module of item.modules) {
      allowed.set(`${item.package}|${module}`, item.reason);
    }
  }
  const builtins = new Set(builtinModules.flatMap(m => [m, `node:${m}`]));
  const problems = [];
  const external = [];
  const outdir = mkdtempSync(join(tmpdir(), 'cryoprotect-browser-'));
  try {
    const result = await build({
      entryPoints: [entry],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      splitting: true,
      minify: true,
      metafile: true,
      outdir,
      logLevel: 'silent',
      plugins: [
        {
          name: 'cryoprotect-node-guard',
          setup(b) {
            b.onResolve({ filter: /.*/ }, args => {
              const importer = relative(ROOT, args.importer);
              if (args.path === '@cryoprotect/kernel/node' || /(^|\/)node(\/|$)/.test(args.path)) {
                if (!importer.includes('node_modules') && importer.startsWith('kernel-lib')) {
                  problems.push(`${importer} imports the Node edge (${args.path})`);
                  return { path: args.path, external: true };
                }
              }
              if (!builtins.has(args.path)) {
                return undefined;
              }
              const pkg = Private.packageOf(importer);
              if (pkg === undefined) {
                problems.push(`${importer} imports Node's "${args.path}"`);
              } else if (!allowed.has(`${pkg}|${args.path}`)) {
                problems.push(
                  `${importer}: dependency ${pkg} imports Node's "${args.path}", which kernel-lib/browser-externals.json does not list (add it with the reason it never runs in a browser, or avoid the dependency)`
                );
              } else {
                external.push(`${pkg}: ${args.path}`);
              }
              return { path: args.path, external: true };
            });
          }
        }
      ]
    });
    const outputs = Object.entries(result.metafile.outputs).filter(([f]) => f.endsWith('.js'));
    const entryOutput = outputs.find(([, o]) => o.entryPoint);
    // What loads with the entry: itself and the chunks it imports statically, transitively.
    const eager = new Set([entryOutput[0]]);
    for (const name of eager) {
      for (const imported of result.metafile.outputs[name].imports) {
        if (imported.kind === 'import-statement' && !imported.external) {
          eager.add(imported.path);
        }
      }
    }
    for (const name of eager) {
      for (const input of Object.keys(result.metafile.outputs[name].inputs)) {
        if (HEAVY.some(h => h.test(input))) {
          problems.push(`${input} is loaded with the core; it must stay in a lazily loaded chunk`);
        }
      }
    }
    const loadError = await Private.loadInBrowserGlobals(entry, builtins);
    if (loadError) {
      problems.push(`the bundle does not load with a browser's globals: ${loadError}`);
    }
    const size = names =>
      [...names].reduce((sum, name) => sum + result.metafile.outputs[name].bytes, 0);
    const lazy = outputs.filter(([name]) => !eager.has(name));
    return {
      problems,
      external: [...new Set(external)].sort(),
      eagerBytes: size(eager),
      lazy: lazy
        .map(([, o]) => ({ name: Private.chunkName(o), bytes: o.bytes }))
        .sort((a, b) => b.bytes - a.bytes)
    };
  } catch (error) {
    if (error.errors) {
      problems.push(
        ...error.errors.map(e => `${e.location?.file ?? ''}:${e.location?.line ?? ''} ${e.text}`)
      );
      return { problems, external, eagerBytes: 0, lazy: [] };
    }
    throw error;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

const Private = {
  /** The npm package a file of node_modules belongs to; undefined for the project's own files. */
  packageOf(path) {
    const parts = path.split(sep);
    const at = parts.lastIndexOf('node_modules');
    if (at < 0) {
      return undefined;
    }
    return parts[at + 1].startsWith('@') ? `${parts[at + 1]}/${parts[at + 2]}` : parts[at + 1];
  },

  /** A chunk by the package (or kernel module) most of its bytes come from. */
  chunkName(output) {
    const [largest] = Object.entries(output.inputs).sort(
      (a, b) => b[1].bytesInOutput - a[1].bytesInOutput
    );
    if (!largest) {
      return '(shared)';
    }
    return Private.packageOf(largest[0]) ?? largest[0];
  },

  kib: bytes => `${(bytes / 1024).toFixed(0)} KiB`,

  /**
   * Evaluate the core, bundled as one script (lazy imports stay unevaluated), in a fresh context
   * that has what a browser page has and none of Node's globals; the error it throws, if any.
   */
  async loadInBrowserGlobals(entry, builtins) {
    const bundled = await build({
      entryPoints: [entry],
      bundle: true,
      platform: 'browser',
      format: 'iife',
      write: false,
      logLevel: 'silent',
      external: [...builtins]
    });
    const page = {
      console,
      crypto: globalThis.crypto,
      TextDecoder,
      TextEncoder,
      URL,
      URLSearchParams,
      WebAssembly,
      atob,
      btoa,
      fetch,
      performance,
      queueMicrotask,
      setTimeout,
      clearTimeout,
      setInterval,
      clearInterval
    };
    const context = createContext(page);
    runInContext('globalThis.window = globalThis.self = globalThis;', context);
    try {
      runInContext(bundled.outputFiles[0].text, context, { filename: 'kernel-browser-bundle.js' });
      return undefined;
    } catch (error) {
      return `${error.name}: ${error.message}`;
    }
  }
};

/** One line on what the bundle costs, or the problems, one per line. */
export function describeBundle(report) {
  if (report.problems.length > 0) {
    return `the core of @cryoprotect/kernel does not bundle for the browser:\n${report.problems.map(p => `  - ${p}`).join('\n')}`;
  }
  return `browser bundle of @cryoprotect/kernel: ${Private.kib(report.eagerBytes)} loaded with the core (minified); lazily loaded: ${report.lazy
    .filter(c => c.bytes > 10 * 1024)
    .map(c => `${c.name} ${Private.kib(c.bytes)}`)
    .join(', ')} (WebAssembly binaries apart); Node built-ins left out: ${report.external.length}`;
}

// Run as a script, not when imported (node -e has no script path in argv[1]).
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const report = await checkBrowserBundle(process.argv[2] && resolve(process.argv[2]));
  if (report.problems.length > 0) {
    process.stderr.write(`${describeBundle(report)}\n`);
    process.exit(1);
  }
  process.stdout.write(`${describeBundle(report)}\n`);
}
