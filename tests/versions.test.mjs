// scripts/version.mjs: every place that states the release version agrees with the root
// package.json, and `set` moves them together. Changes happen on a temporary copy of the files the
// script reads, never in the repository.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { trackedFiles } from '../scripts/version.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SCRIPT = join(ROOT, 'scripts', 'version.mjs');

function version(...args) {
  const result = spawnSync(process.execPath, [SCRIPT, ...args], { encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A temporary root holding the script's files (and the changelog), as in the repository. */
function copyOfRepository() {
  const dir = mkdtempSync(join(tmpdir(), 'cryoprotect-versions-'));
  for (const file of [...trackedFiles(ROOT), 'CHANGELOG.md']) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    cpSync(join(ROOT, file), join(dir, file));
  }
  return dir;
}

describe('version of the repository', () => {
  it('is stated the same everywhere (node scripts/version.mjs check)', () => {
    const { code, stdout, stderr } = version('check');
    assert.equal(code, 0, stderr);
    assert.match(stdout, /^version \d+\.\d+\.\d+\S*: \d+ places in \d+ files agree/);
  });

  it('has a CHANGELOG.md section', () => {
    const { code, stdout, stderr } = version('changelog');
    assert.equal(code, 0, stderr);
    assert.ok(stdout.trim().length > 0);
  });
});

describe('version.mjs on a copy', () => {
  let dir;
  let current;
  const read = file => readFileSync(join(dir, file), 'utf8');
  const json = file => JSON.parse(read(file));

  before(() => {
    current = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
  });
  after(() => dir && rmSync(dir, { recursive: true, force: true }));

  it('catches a disagreement and names every file that disagrees', () => {
    dir = copyOfRepository();
    const server = json('server/package.json');
    server.version = '9.9.9';
    writeFileSync(join(dir, 'server/package.json'), JSON.stringify(server, null, 2));
    writeFileSync(
      join(dir, 'extension/pyproject.toml'),
      read('extension/pyproject.toml').replace(/^version = ".*"/m, 'version = "0.0.1"')
    );
    writeFileSync(
      join(dir, 'kernel-lib/src/version.ts'),
      read('kernel-lib/src/version.ts').replace(/'[^']*'/, "'0.0.2'")
    );
    const { code, stderr } = version('check', '--root', dir);
    assert.equal(code, 1);
    assert.match(stderr, /disagrees with 3 file\(s\)/);
    assert.match(stderr, /server\/package\.json: version is "9\.9\.9"/);
    assert.match(stderr, /extension\/pyproject\.toml: .* is "0\.0\.1"/);
    assert.match(stderr, /kernel-lib\/src\/version\.ts: .* is "0\.0\.2"/);
    rmSync(dir, { recursive: true, force: true });
  });

  it('catches an OpenAPI document that no longer takes its version from KERNEL_VERSION', () => {
    dir = copyOfRepository();
    writeFileSync(
      join(dir, 'server/src/app.ts'),
      read('server/src/app.ts').replace(/version: KERNEL_VERSION/, "version: '1.0.0'")
    );
    const { code, stderr } = version('check', '--root', dir);
    assert.equal(code, 1);
    assert.match(stderr, /server\/src\/app\.ts: the OpenAPI document's info\.version/);
    rmSync(dir, { recursive: true, force: true });
  });

  it('set to the current version changes no byte (npm formatting kept)', () => {
    dir = copyOfRepository();
    const { code, stderr } = version('set', current, '--root', dir);
    assert.equal(code, 0, stderr);
    for (const file of trackedFiles(ROOT)) {
      assert.equal(read(file), readFileSync(join(ROOT, file), 'utf8'), file);
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('set moves every place, and nothing else, to the new version', () => {
    dir = copyOfRepository();
    const lockBefore = json('package-lock.json');
    const { code, stdout, stderr } = version('set', '7.8.9-rc.2', '--root', dir);
    assert.equal(code, 0, stderr);
    assert.match(stdout, /-> 7\.8\.9-rc\.2/);
    assert.equal(version('check', '--root', dir).code, 0);

    for (const folder of ['.', 'kernel-lib', 'server', 'extension', 'ui-tests']) {
      assert.equal(json(`${folder}/package.json`).version, '7.8.9-rc.2', folder);
    }
    assert.equal(json('server/package.json').dependencies['@cryoprotect/kernel'], '7.8.9-rc.2');
    assert.match(read('extension/pyproject.toml'), /^version = "7\.8\.9rc2"$/m);
    assert.match(read('extension/cryoprotect_jupyterlab/__init__.py'), /"7\.8\.9rc2"/);
    assert.match(read('kernel-lib/src/version.ts'), /KERNEL_VERSION = '7\.8\.9-rc\.2'/);
    assert.match(read('CITATION.cff'), /^version: 7\.8\.9-rc\.2$/m);

    const lock = json('package-lock.json');
    assert.equal(lock.version, '7.8.9-rc.2');
    assert.equal(lock.packages[''].version, '7.8.9-rc.2');
    assert.equal(lock.packages.server.dependencies['@cryoprotect/kernel'], '7.8.9-rc.2');
    // Third-party entries that happen to share the old version stay as they were.
    const others = Object.entries(lockBefore.packages).filter(([k]) =>
      k.startsWith('node_modules/')
    );
    for (const [key, entry] of others) {
      assert.equal(lock.packages[key].version, entry.version, key);
    }

    const tutorial = read('notebooks/expected/01-tutorial.json');
    assert.match(tutorial, /@cryoprotect\/kernel 7\.8\.9-rc\.2/);
    assert.doesNotMatch(
      tutorial,
      new RegExp(`@cryoprotect/kernel ${current.replace(/\./g, '\\.')}`)
    );
    rmSync(dir, { recursive: true, force: true });
  });

  it('set refuses a version Python packaging could not spell the same, writing nothing', () => {
    dir = copyOfRepository();
    const { code, stderr } = version('set', '1.0.0-next.1', '--root', dir);
    assert.equal(code, 2);
    assert.match(stderr, /usage: .*set X\.Y\.Z/);
    assert.equal(json('package.json').version, current);
    rmSync(dir, { recursive: true, force: true });
  });

  it('changelog prints a section and fails for a version it lacks', () => {
    dir = copyOfRepository();
    writeFileSync(
      join(dir, 'CHANGELOG.md'),
      '# Changelog\n\n## [Unreleased]\n\n- next\n\n## [1.2.3] - 2026-01-02\n\n### Added\n\n- a thing\n\n## [1.2.2]\n\n- older\n\n[1.2.3]: https://example.org\n'
    );
    const found = version('changelog', '1.2.3', '--root', dir);
    assert.equal(found.code, 0, found.stderr);
    assert.equal(found.stdout, '### Added\n\n- a thing\n');
    assert.equal(version('changelog', '4.0.0', '--root', dir).code, 1);
    rmSync(dir, { recursive: true, force: true });
  });
});
