// The release version lives in one place, the root package.json's "version"; every other place that
// states it follows that one. This script reads them all and rewrites them together, with plain Node
// so that it runs before `npm ci` (the release workflow checks the tag with it first).
//
//   node scripts/version.mjs                  the version
//   node scripts/version.mjs python           the version as the wheel spells it (PEP 440)
//   node scripts/version.mjs check            exit 1 naming every file that disagrees
//   node scripts/version.mjs set 0.2.0        rewrite every place, then check
//   node scripts/version.mjs changelog [V]    the CHANGELOG.md section of V (default: the version)
//
// --root DIR works on another copy of the repository (the tests use a temporary one).
//
// Not `npm version --workspaces`: it knows nothing of the places outside npm (pyproject, __init__.py,
// the kernel's KERNEL_VERSION, CITATION.cff, the notebooks' recorded provenance), and it updates
// node_modules too, which a release check must not need. The exact pins between workspaces
// ("@cryoprotect/kernel": "0.1.0") and package-lock.json's workspace entries are rewritten here.
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const DEFAULT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

// npm's semver, limited to what PEP 440 can say as well (the wheel carries the same version).
const VERSION = /^(\d+)\.(\d+)\.(\d+)(?:-(alpha|beta|rc)\.(\d+))?$/;

/** The version as Python packaging writes it: 1.2.0-rc.1 is 1.2.0rc1. */
export function pep440(version) {
  const m = VERSION.exec(version);
  if (!m) {
    throw new Error(`"${version}" is not a version this project uses (X.Y.Z or X.Y.Z-rc.N)`);
  }
  const pre = m[4] ? { alpha: 'a', beta: 'b', rc: 'rc' }[m[4]] + m[5] : '';
  return `${m[1]}.${m[2]}.${m[3]}${pre}`;
}

const readJson = (root, path) => JSON.parse(readFileSync(join(root, path), 'utf8'));
// npm writes package.json and package-lock.json this way, so a rewrite changes only the values.
const writeJson = (root, path, value) =>
  writeFileSync(join(root, path), `${JSON.stringify(value, null, 2)}\n`);

const DEPENDENCY_FIELDS = [
  'dependencies',
  'devDependencies',
  'peerDependencies',
  'optionalDependencies'
];

/**
 * Places stated in text, each a pattern whose first group is the version; each must occur at least
 * once. `python` places hold the PEP 440 spelling.
 */
const TEXT_PLACES = [
  { file: 'extension/pyproject.toml', pattern: /^version\s*=\s*"([^"]*)"/m, python: true },
  {
    file: 'extension/cryoprotect_jupyterlab/__init__.py',
    pattern: /^__version__\s*=\s*"([^"]*)"/m,
    python: true
  },
  // KERNEL_VERSION is also the OpenAPI document's info.version (server/src/app.ts), /health/live's
  // kernelVersion and what every model and provenance record names.
  { file: 'kernel-lib/src/version.ts', pattern: /KERNEL_VERSION\s*=\s*'([^']*)'/ },
  { file: 'CITATION.cff', pattern: /^version:\s*['"]?([^'"\s]+)/m },
  { file: 'extension/README.md', pattern: /@cryoprotect\/jupyterlab v(\S+) enabled/g }
];

/** Recorded notebook outputs print the kernel's version in their provenance. */
const EXPECTED_DIR = 'notebooks/expected';
const EXPECTED_PATTERN = /@cryoprotect\/kernel (\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?)/g;

function workspaces(root) {
  const manifest = readJson(root, 'package.json');
  return (manifest.workspaces ?? []).map(dir => ({
    dir,
    name: readJson(root, `${dir}/package.json`).name
  }));
}

function expectedFiles(root) {
  const dir = join(root, EXPECTED_DIR);
  if (!existsSync(dir)) {
    return [];
  }
  return readdirSync(dir)
    .filter(f => f.endsWith('.json'))
    .sort()
    .map(f => `${EXPECTED_DIR}/${f}`);
}

/** Every file this script reads, relative to the root; all but app.ts are rewritten by `set`. */
export function trackedFiles(root = DEFAULT_ROOT) {
  return [
    'server/src/app.ts',
    'package.json',
    'package-lock.json',
    ...workspaces(root).map(w => `${w.dir}/package.json`),
    ...TEXT_PLACES.map(p => p.file),
    ...expectedFiles(root)
  ];
}

export function currentVersion(root = DEFAULT_ROOT) {
  return readJson(root, 'package.json').version;
}

/**
 * Each place a version is stated: { file, what, found, wanted }. `set` is applied to the objects
 * read here and written back by `apply`.
 */
function survey(root, version) {
  const found = [];
  const note = (file, what, value, wanted = version) =>
    found.push({ file, what, found: value, wanted });
  const names = new Set(workspaces(root).map(w => w.name));

  const pins = (file, manifest, prefix) => {
    for (const field of DEPENDENCY_FIELDS) {
      for (const [name, range] of Object.entries(manifest[field] ?? {})) {
        if (names.has(name)) {
          note(file, `${prefix}${field}["${name}"]`, range);
        }
      }
    }
  };

  const rootManifest = readJson(root, 'package.json');
  pins('package.json', rootManifest, '');
  for (const { dir } of workspaces(root)) {
    const manifest = readJson(root, `${dir}/package.json`);
    note(`${dir}/package.json`, 'version', manifest.version);
    pins(`${dir}/package.json`, manifest, '');
  }

  const lock = readJson(root, 'package-lock.json');
  note('package-lock.json', 'version', lock.version);
  for (const key of ['', ...workspaces(root).map(w => w.dir)]) {
    const entry = lock.packages?.[key];
    const label = `packages["${key}"]`;
    if (!entry) {
      note('package-lock.json', label, undefined);
      continue;
    }
    note('package-lock.json', `${label}.version`, entry.version);
    pins('package-lock.json', entry, `${label}.`);
  }

  for (const place of TEXT_PLACES) {
    const text = readFileSync(join(root, place.file), 'utf8');
    const wanted = place.python ? pep440(version) : version;
    const matches = [...text.matchAll(new RegExp(place.pattern, 'gm'))];
    if (matches.length === 0) {
      note(place.file, `no match for ${place.pattern}`, undefined, wanted);
    }
    for (const m of matches) {
      note(place.file, m[0], m[1], wanted);
    }
  }

  for (const file of expectedFiles(root)) {
    const text = readFileSync(join(root, file), 'utf8');
    for (const m of text.matchAll(EXPECTED_PATTERN)) {
      note(file, m[0], m[1]);
    }
  }

  // Not rewritten: the OpenAPI document takes its version from KERNEL_VERSION (checked above), so
  // that a literal here cannot fall behind.
  const app = readFileSync(join(root, 'server/src/app.ts'), 'utf8');
  const info = /\binfo:\s*\{[^}]*?\bversion:\s*([^,\n}]+)/.exec(app);
  const expression = info?.[1].trim();
  if (expression !== 'KERNEL_VERSION') {
    found.push({
      file: 'server/src/app.ts',
      what: "the OpenAPI document's info.version",
      found: expression,
      wanted: 'KERNEL_VERSION'
    });
  }
  return found;
}

export function check(root = DEFAULT_ROOT) {
  const version = currentVersion(root);
  if (!VERSION.test(version ?? '')) {
    return {
      version,
      problems: [
        {
          file: 'package.json',
          what: 'version',
          found: version,
          wanted: 'X.Y.Z or X.Y.Z-rc.N'
        }
      ]
    };
  }
  const places = survey(root, version);
  return { version, places, problems: places.filter(p => p.found !== p.wanted) };
}

export function setVersion(root, version) {
  const python = pep440(version); // refuses a malformed version before anything is written
  const names = new Set(workspaces(root).map(w => w.name));
  const repin = manifest => {
    for (const field of DEPENDENCY_FIELDS) {
      for (const name of Object.keys(manifest[field] ?? {})) {
        if (names.has(name)) {
          manifest[field][name] = version;
        }
      }
    }
  };

  const rootManifest = readJson(root, 'package.json');
  rootManifest.version = version;
  repin(rootManifest);
  writeJson(root, 'package.json', rootManifest);
  for (const { dir } of workspaces(root)) {
    const manifest = readJson(root, `${dir}/package.json`);
    manifest.version = version;
    repin(manifest);
    writeJson(root, `${dir}/package.json`, manifest);
  }

  const lock = readJson(root, 'package-lock.json');
  lock.version = version;
  for (const key of ['', ...workspaces(root).map(w => w.dir)]) {
    const entry = lock.packages?.[key];
    if (entry) {
      entry.version = version;
      repin(entry);
    }
  }
  writeJson(root, 'package-lock.json', lock);

  for (const place of TEXT_PLACES) {
    const path = join(root, place.file);
    const wanted = place.python ? python : version;
    writeFileSync(path, replaceGroup(readFileSync(path, 'utf8'), place.pattern, wanted));
  }
  for (const file of expectedFiles(root)) {
    const path = join(root, file);
    const text = readFileSync(path, 'utf8');
    writeFileSync(path, text.replace(EXPECTED_PATTERN, `@cryoprotect/kernel ${version}`));
  }
}

/** `text` with the first group of every match of `pattern` replaced by `value`. */
function replaceGroup(text, pattern, value) {
  const matches = [...text.matchAll(new RegExp(pattern, 'gmd'))];
  let out = text;
  for (const m of matches.reverse()) {
    const [start, end] = m.indices[1];
    out = out.slice(0, start) + value + out.slice(end);
  }
  return out;
}

/** The body of CHANGELOG.md's section `## [version]`, without its heading. */
export function changelogSection(root, version) {
  const text = readFileSync(join(root, 'CHANGELOG.md'), 'utf8');
  const lines = text.split('\n');
  const start = lines.findIndex(l => l.startsWith(`## [${version}]`));
  if (start < 0) {
    return undefined;
  }
  const end = lines.findIndex((l, i) => i > start && /^## |^\[[^\]]+\]:\s/.test(l));
  return lines
    .slice(start + 1, end < 0 ? undefined : end)
    .join('\n')
    .trim();
}

function describe(p) {
  const found = p.found === undefined ? 'nothing' : JSON.stringify(p.found);
  return `  ${p.file}: ${p.what} is ${found}, should be ${JSON.stringify(p.wanted)}`;
}

function main(argv) {
  const args = [...argv];
  let root = DEFAULT_ROOT;
  const at = args.indexOf('--root');
  if (at >= 0) {
    root = resolve(args[at + 1] ?? '.');
    args.splice(at, 2);
  }
  const [command, value] = args;

  if (command === undefined) {
    process.stdout.write(`${currentVersion(root)}\n`);
    return 0;
  }
  if (command === 'python') {
    process.stdout.write(`${pep440(currentVersion(root))}\n`);
    return 0;
  }
  if (command === 'check') {
    const { version, places, problems } = check(root);
    if (problems.length > 0) {
      const files = [...new Set(problems.map(p => p.file))];
      process.stderr.write(
        `version ${version} (package.json) disagrees with ${files.length} file(s): ${files.join(', ')}\n` +
          `${problems.map(describe).join('\n')}\n` +
          'Make them agree with: node scripts/version.mjs set <version>\n'
      );
      return 1;
    }
    const files = new Set(places.map(p => p.file)).size;
    process.stdout.write(`version ${version}: ${places.length} places in ${files} files agree\n`);
    return 0;
  }
  if (command === 'set') {
    if (!value || !VERSION.test(value)) {
      process.stderr.write(
        `usage: node scripts/version.mjs set X.Y.Z (or X.Y.Z-rc.N); got ${value ?? 'nothing'}\n`
      );
      return 2;
    }
    const before = currentVersion(root);
    setVersion(root, value);
    const { problems } = check(root);
    if (problems.length > 0) {
      process.stderr.write(
        `set ${value} left places behind:\n${problems.map(describe).join('\n')}\n`
      );
      return 1;
    }
    process.stdout.write(
      `${before} -> ${value} in ${new Set(trackedFiles(root)).size - 1} files.\n` +
        `Next: a "## [${value}]" section in CHANGELOG.md, npm test (the notebooks' recorded\n` +
        `provenance now names kernel ${value}), then commit and tag v${value}.\n`
    );
    return 0;
  }
  if (command === 'changelog') {
    const version = value ?? currentVersion(root);
    const section = changelogSection(root, version);
    if (!section) {
      process.stderr.write(`CHANGELOG.md has no "## [${version}]" section with any text\n`);
      return 1;
    }
    process.stdout.write(`${section}\n`);
    return 0;
  }
  process.stderr.write(
    'usage: node scripts/version.mjs [check | python | set X.Y.Z | changelog [X.Y.Z]] [--root DIR]\n'
  );
  return 2;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = main(process.argv.slice(2));
}
