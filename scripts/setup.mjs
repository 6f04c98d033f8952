// Installs whatever is missing for CryoProtect, idempotently: node modules from the lockfile, the
// project's Python virtual environment, the TypeScript build, the JupyterLab extension, and the
// tslab kernel spec. A second run checks stamps and finishes in seconds.
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  ROOT,
  VENV,
  VENV_BIN,
  commandExists,
  digest,
  isRoot,
  run,
  stampMatches,
  step,
  writeStamp
} from './lib.mjs';

const PYTHON = process.env.CRYOPROTECT_PYTHON ?? 'python3';

export async function setup() {
  const major = Number(process.versions.node.split('.')[0]);
  const minor = Number(process.versions.node.split('.')[1]);
  if (major < 20 || (major === 20 && minor < 19)) {
    throw new Error(
      `Node.js ${process.versions.node} is too old: CryoProtect needs Node 20.19 or newer`
    );
  }

  const lockDigest = digest(
    [
      'package-lock.json',
      'package.json',
      'kernel-lib/package.json',
      'server/package.json',
      'extension/package.json'
    ],
    process.version
  );
  await step(
    'node modules (npm ci from package-lock.json)',
    () =>
      stampMatches('node-modules', lockDigest) &&
      existsSync(join(ROOT, 'node_modules', '.package-lock.json')),
    async () => {
      await run('npm', ['ci', '--no-audit', '--no-fund']);
      writeStamp('node-modules', lockDigest);
    }
  );

  const pythonDigest = digest(['python/requirements.txt'], PYTHON);
  await step(
    'Python virtual environment .venv (JupyterLab, nbclient, jupyter-server-proxy, RDKit, scikit-learn)',
    () => stampMatches('venv', pythonDigest) && existsSync(join(VENV_BIN, 'jupyter')),
    async () => {
      if (!existsSync(join(VENV_BIN, 'python'))) {
        await ensurePythonVenv();
        await run(PYTHON, ['-m', 'venv', VENV]);
      }
      await run(join(VENV_BIN, 'python'), [
        '-m',
        'pip',
        'install',
        '--quiet',
        '--disable-pip-version-check',
        '-r',
        'python/requirements.txt'
      ]);
      writeStamp('venv', pythonDigest);
    }
  );

  await step(
    'TypeScript build (tsc -b)',
    () => false,
    async () => {
      await run('npx', ['tsc', '-b']);
    }
  );

  // The labextension bundles @cryoprotect/kernel's core, so a change of its sources, its package (the
  // browser field) or its list of Node built-ins left out rebuilds it too; tests and the kernel's
  // Node edge (src/node, never bundled) do not.
  const extensionDigest = digest(
    [
      'extension/src',
      'extension/style',
      'extension/schema',
      'extension/package.json',
      'extension/tsconfig.json',
      'extension/webpack.config.js',
      // The Python package around it: the server extension, the proxy entry, jupyter-config/.
      'extension/pyproject.toml',
      'extension/cryoprotect_jupyterlab',
      'jupyter-config',
      'kernel-lib/src',
      'kernel-lib/package.json',
      'kernel-lib/browser-externals.json',
      'package-lock.json'
    ],
    '',
    /(^|\/)__tests__\/|\.test\.ts$|\.test-helpers\.ts$|(^|\/)fixtures\/|^kernel-lib\/src\/node\//
  );
  const labextension = join(ROOT, 'extension', 'cryoprotect_jupyterlab', 'labextension');
  await step(
    'JupyterLab extension (build and install into .venv)',
    () =>
      stampMatches('extension', extensionDigest) && existsSync(join(labextension, 'package.json')),
    async () => {
      rmSync(labextension, { recursive: true, force: true });
      await run('npm', ['run', 'build:prod', '--workspace', 'extension']);
      await run(join(VENV_BIN, 'python'), [
        '-m',
        'pip',
        'install',
        '--quiet',
        '--disable-pip-version-check',
        '--no-build-isolation',
        '--no-deps',
        '--force-reinstall',
        './extension'
      ]);
      rmSync(join(ROOT, 'extension', 'build'), { recursive: true, force: true });
      writeStamp('extension', extensionDigest);
    }
  );

  const tslab = join(ROOT, 'node_modules', '.bin', 'tslab');
  const kernelDigest = digest([], `${tslab}|${lockDigest}`);
  await step(
    'tslab TypeScript kernel spec in .venv',
    () =>
      stampMatches('kernel', kernelDigest) &&
      existsSync(join(VENV, 'share', 'jupyter', 'kernels', 'tslab', 'kernel.json')),
    async () => {
      await run(tslab, [
        'install',
        `--python=${join(VENV_BIN, 'python')}`,
        `--binary=${tslab}`,
        '--sys-prefix'
      ]);
      writeStamp('kernel', kernelDigest);
    }
  );
}

/** Debian's python3 lacks ensurepip until python3-venv is installed. */
async function ensurePythonVenv() {
  if (!commandExists(PYTHON)) {
    throw new Error(
      `${PYTHON} is not installed; install Python 3.10 or newer (Debian: apt-get install python3 python3-venv)`
    );
  }
  try {
    await run(PYTHON, ['-c', 'import ensurepip, venv']);
  } catch {
    if (!isRoot()) {
      throw new Error(
        `${PYTHON} cannot create virtual environments; install python3-venv (sudo apt-get install python3-venv)`
      );
    }
    await run('apt-get', ['update']);
    await run('apt-get', ['install', '-y', '--no-install-recommends', 'python3-venv'], {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
    });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  setup().catch(error => {
    process.stderr.write(`setup failed: ${error.message}\n`);
    process.exit(1);
  });
}
