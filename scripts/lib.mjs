// Shared helpers of the set-up, start and test scripts. Plain Node (no dependencies): these
// run before node_modules exist.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const STATE_DIR = join(ROOT, '.cryoprotect', 'setup');
export const VENV = join(ROOT, '.venv');
export const VENV_BIN = join(VENV, 'bin');

/** Environment for child processes: the venv's and node_modules' commands first. */
export function childEnv(extra = {}) {
  return {
    ...process.env,
    PATH: [VENV_BIN, join(ROOT, 'node_modules', '.bin'), process.env.PATH].join(':'),
    ...extra
  };
}

/** Run a command, streaming its output only on failure (or always with CRYOPROTECT_VERBOSE=1). */
export function run(command, args, options = {}) {
  const verbose = process.env.CRYOPROTECT_VERBOSE === '1' || options.inherit;
  return new Promise((done, fail) => {
    const child = spawn(command, args, {
      cwd: options.cwd ?? ROOT,
      env: options.env ?? childEnv(),
      stdio: verbose ? 'inherit' : ['ignore', 'pipe', 'pipe']
    });
    let output = '';
    child.stdout?.on('data', chunk => (output += chunk));
    child.stderr?.on('data', chunk => (output += chunk));
    child.on('error', fail);
    child.on('exit', code => {
      if (code === 0) {
        done(output);
      } else {
        fail(new Error(`${command} ${args.join(' ')} exited with ${code}\n${output.slice(-6000)}`));
      }
    });
  });
}

/**
 * A digest of files and folders (recursively, skipping build output), to know when to redo a step.
 * `ignore` leaves out files whose path (relative to the repository) it matches, e.g. tests.
 */
export function digest(paths, extra = '', ignore = undefined) {
  const hash = createHash('sha256').update(extra);
  const visit = path => {
    if (!existsSync(path)) {
      hash.update(`missing:${path}`);
      return;
    }
    if (statSync(path).isDirectory()) {
      for (const entry of readdirSync(path).sort()) {
        if (
          !['node_modules', 'lib', 'dist', 'labextension', '__pycache__', 'build'].includes(
            entry
          ) &&
          !entry.endsWith('.tsbuildinfo')
        ) {
          visit(join(path, entry));
        }
      }
    } else if (!ignore?.test(relative(ROOT, path))) {
      hash.update(relative(ROOT, path)).update(readFileSync(path));
    }
  };
  paths.forEach(p => visit(join(ROOT, p)));
  return hash.digest('hex');
}

export function stampMatches(name, value) {
  const file = join(STATE_DIR, `${name}.stamp`);
  return existsSync(file) && readFileSync(file, 'utf8') === value;
}

export function writeStamp(name, value) {
  mkdirSync(STATE_DIR, { recursive: true });
  writeFileSync(join(STATE_DIR, `${name}.stamp`), value);
}

/** One progress line per step: what it is, whether it ran or was already done, how long it took. */
export async function step(label, isDone, work) {
  const t0 = Date.now();
  if (isDone()) {
    process.stdout.write(`✓ ${label} (already done)\n`);
    return;
  }
  process.stdout.write(`… ${label}\n`);
  await work();
  process.stdout.write(`✓ ${label} (${((Date.now() - t0) / 1000).toFixed(1)} s)\n`);
}

export function commandExists(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

export function isRoot() {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** A port free on 127.0.0.1 now (the kernel's choice), for a server started next. */
export function freePort() {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}
