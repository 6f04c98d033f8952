// A release is a folder `<state>/releases/<name>` that runs on its own: migrations/, the built
// kernel-lib and server, and node_modules. Releases are never changed after they are made, so
// the previous one is always there to go back to, whatever happens to the repository.
import { spawn } from 'node:child_process';
import {
  renameSync,
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync
} from 'node:fs';
import { join, resolve } from 'node:path';
import { paths } from './state.mjs';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

function run(command, args, { cwd } = {}) {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', c => (output += c));
    child.stderr.on('data', c => (output += c));
    child.on('error', fail);
    child.on('close', code =>
      code === 0
        ? done(output)
        : fail(
            new Error(`${command} ${args.join(' ')} exited with ${code}:\n${output.slice(-2000)}`)
          )
    );
  });
}

function quote(arg) {
  return `'${String(arg).replace(/'/g, `'\\''`)}'`;
}

export function releaseDir(dir, name) {
  return join(paths(dir).releases, name);
}

/** A release by name (in the state folder) or by path; with its version (the kernel's). */
export function resolveRelease(dir, nameOrPath) {
  const path = NAME.test(nameOrPath) ? releaseDir(dir, nameOrPath) : resolve(nameOrPath);
  const cli = join(path, 'server', 'bin', 'cryoprotect.js');
  if (!existsSync(cli) || !existsSync(join(path, 'server', 'dist', 'cli.js'))) {
    throw new Error(`${path} is not a built release (no server/bin/cryoprotect.js or server/dist)`);
  }
  const kernel = JSON.parse(readFileSync(join(path, 'kernel-lib', 'package.json'), 'utf8'));
  let meta = {};
  try {
    meta = JSON.parse(readFileSync(join(path, 'release.json'), 'utf8'));
  } catch {
    // A folder made by hand: its name is its folder's.
  }
  return { name: meta.name ?? path.split('/').at(-1), path, version: kernel.version, meta };
}

/**
 * node_modules for a new release: hard links (`cp -al`: seconds, no disk) of the newest release's or
 * the repository's when its package-lock.json is byte-identical, else `npm ci`.
 */
async function installModules(dir, target, repo) {
  const lock = readFileSync(join(target, 'package-lock.json'));
  const candidates = readdirSync(paths(dir).releases)
    .map(name => releaseDir(dir, name))
    .filter(path => !path.endsWith('.partial') && existsSync(join(path, 'node_modules')))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  if (repo) {
    candidates.push(repo);
  }
  for (const source of candidates) {
    const sourceLock = join(source, 'package-lock.json');
    if (
      existsSync(join(source, 'node_modules')) &&
      existsSync(sourceLock) &&
      readFileSync(sourceLock).equals(lock)
    ) {
      for (const sub of ['node_modules', 'kernel-lib/node_modules', 'server/node_modules']) {
        if (existsSync(join(source, sub))) {
          await run('cp', ['-al', join(source, sub), join(target, sub)]);
        }
      }
      return `node_modules hard-linked from ${source} (same package-lock.json)`;
    }
  }
  await run('npm', ['ci', '--no-audit', '--no-fund'], { cwd: target });
  return 'node_modules from npm ci (package-lock.json differs from every release and the repository)';
}

/**
 * `--commit REV`: `git archive` of the commit, node_modules reused or installed, `tsc -b` of
 * kernel-lib and server in the release. `--from-build DIR`: the built output of a checkout
 * (migrations, kernel-lib and server with their dist), copied, for a tree built elsewhere (CI).
 */
export async function createRelease(dir, { name, commit, fromBuild, repo }, note) {
  if (!NAME.test(name)) {
    throw new Error(`release name "${name}": letters, digits, ".", "_" and "-" only`);
  }
  const target = releaseDir(dir, name);
  if (existsSync(target)) {
    throw new Error(`release ${name} exists (${target}); releases are never overwritten`);
  }
  const partial = `${target}.partial`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  const made = [];
  try {
    let meta;
    if (commit) {
      const sha = (
        await run('git', ['rev-parse', '--verify', `${commit}^{commit}`], { cwd: repo })
      ).trim();
      await run('sh', ['-c', `git archive ${quote(sha)} | tar -x -C ${quote(partial)}`], {
        cwd: repo
      });
      made.push(`git archive ${sha.slice(0, 12)}`);
      made.push(await installModules(dir, partial, repo));
      await run(join(partial, 'node_modules', '.bin', 'tsc'), ['-b', 'kernel-lib', 'server'], {
        cwd: partial
      });
      made.push('tsc -b kernel-lib server');
      meta = { name, commit: sha, source: repo };
    } else {
      const source = resolve(fromBuild);
      if (!existsSync(join(source, 'server', 'dist', 'cli.js'))) {
        throw new Error(
          `${source} has no built server (server/dist/cli.js): build it first (npx tsc -b)`
        );
      }
      // Copies, not links: a later build in the checkout rewrites dist files in place.
      for (const sub of [
        'package.json',
        'package-lock.json',
        'migrations',
        'kernel-lib/package.json',
        'kernel-lib/dist',
        'server/package.json',
        'server/bin',
        'server/dist',
        'server/notebook-runner'
      ]) {
        if (existsSync(join(source, sub))) {
          cpSync(join(source, sub), join(partial, sub), {
            recursive: true,
            filter: path => !/\.test\.(js|d\.ts)(\.map)?$/.test(path)
          });
        }
      }
      made.push(`built output copied from ${source}`);
      made.push(await installModules(dir, partial, source));
      let sha;
      try {
        sha = (await run('git', ['rev-parse', 'HEAD'], { cwd: source })).trim();
      } catch {
        sha = undefined;
      }
      meta = { name, builtFrom: source, commit: sha };
    }
    writeFileSync(
      join(partial, 'release.json'),
      `${JSON.stringify({ ...meta, createdAt: new Date().toISOString() }, null, 2)}\n`
    );
    renameSync(partial, target);
  } catch (error) {
    rmSync(partial, { recursive: true, force: true });
    throw error;
  }
  note(`${name}: ${made.join('; ')}`);
  return resolveRelease(dir, name);
}
