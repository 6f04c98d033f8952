import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, isAbsolute, join, posix, relative, resolve, sep } from 'node:path';
import { parse } from 'csv-parse/sync';
import { unzipSync, zipSync } from 'fflate';
import { CryoProtectClient, type ModelVersion } from '@cryoprotect/kernel';
import { fileAccessError } from '@cryoprotect/kernel/node';
import { PROJECT_ROOT, VENV_BIN } from '../lab.js';
import { EXIT } from './exit-codes.js';
import { readNotebook } from './notebook.js';
import { LOCKFILES, provenanceOf, type Provenance } from './provenance.js';
import { reproduceNotebook, type Outcome, type Progress, type ReproduceSettings } from './run.js';

/**
 * `cryoprotect export`: an executed notebook as a bundle a journal can archive, and the other way
 * round, a bundle unpacked where `cryoprotect reproduce` can re-run it.
 *
 * The bundle mirrors the project's layout (the notebook at `notebooks/NAME.ipynb`, the data files
 * it read at `data/...`), so the relative paths the notebook reads by are still right; a notebook
 * that read a file outside the project cannot be bundled that way and is refused, naming the file.
 * Beside them: the static HTML rendering, the provenance, the lockfiles, the source of the code
 * commit that ran it (`git archive`), every data file's licence and citations (from the
 * `sources.json` beside the data), the methods' citations (kernel-lib's ledger), a README saying
 * how to reproduce it, and `manifest.json` with the SHA-256 of every file, checked on the way in.
 */

export const BUNDLE_FORMAT = 'cryoprotect-bundle/1';
const MANIFEST = 'manifest.json';
/** An unpacked bundle larger than this is refused (a zip bomb, or not a bundle). */
const MAX_UNPACKED_BYTES = 2 * 1024 ** 3;

export interface BundleFile {
  path: string;
  sha256: string;
  bytes: number;
  /** What the file is, for a person reading the manifest. */
  role: string;
}

export interface Manifest {
  format: typeof BUNDLE_FORMAT;
  notebook: string;
  files: BundleFile[];
  notes: string[];
}

export interface DataLicence {
  file: string;
  licence: string;
  licenceFile: string | null;
  attribution: string;
}

/** A CSL-JSON item (the fields written here). */
export interface CslItem {
  id: string;
  type: string;
  title?: string;
  author?: { family: string; given?: string }[];
  'container-title'?: string;
  volume?: string;
  page?: string;
  issued?: { 'date-parts': number[][] };
  DOI?: string;
  URL?: string;
  note?: string;
}

/** Why an export or an unpacking was refused; the message names the file and the reason. */
export class BundleError extends Error {}

export async function exportNotebook(
  file: string,
  settings: { out: string },
  progress: Progress
): Promise<Outcome> {
  try {
    return await Private.exportNotebook(file, settings, progress);
  } catch (error) {
    return Private.refusal(error);
  }
}

/**
 * Re-run a bundle (a folder, or a .zip) in a fresh copy inside this installation
 * (`.cryoprotect/reproduced/NAME.bundle` of the project), its files checked against the manifest,
 * then `reproduceNotebook` with that folder as the root its paths are relative to. Inside the
 * project, the notebook finds the installed libraries as the project's notebooks do (tslab's
 * compiler refuses types reached through a `node_modules` linked from elsewhere).
 */
export async function reproduceBundle(
  bundle: string,
  settings: ReproduceSettings,
  progress: Progress
): Promise<Outcome> {
  let unpacked: { root: string; manifest: Manifest };
  try {
    unpacked = Private.unpack(bundle, join(PROJECT_ROOT, '.cryoprotect', 'reproduced'));
  } catch (error) {
    return Private.refusal(error);
  }
  const { root, manifest } = unpacked;
  progress(`${basename(bundle)}: ${manifest.files.length} files checked against ${MANIFEST}`);
  const models = join(root, 'models');
  const outcome = await reproduceNotebook(
    join(root, manifest.notebook),
    {
      ...settings,
      root,
      // The model versions the run loaded, carried in the bundle: used before any server.
      ...(existsSync(models) ? { env: { CRYOPROTECT_MODEL_ARCHIVE: models } } : {})
    },
    progress
  );
  return { ...outcome, lines: [`${basename(bundle)}: unpacked in ${root}`, ...outcome.lines] };
}

/** Whether `path` is a bundle: a .zip, or a folder holding a bundle manifest. */
export function isBundle(path: string): boolean {
  if (/\.zip$/i.test(path)) {
    return true;
  }
  try {
    const text = readFileSync(join(path, MANIFEST), 'utf8');
    return (JSON.parse(text) as { format?: string }).format === BUNDLE_FORMAT;
  } catch {
    return false;
  }
}

/** CSL-JSON items as BibTeX entries (the fields BibTeX has a name for). */
export function toBibtex(items: readonly CslItem[]): string {
  // One pass, so the braces of \textbackslash{} are not escaped again.
  const special: Record<string, string> = {
    '\\': '\\textbackslash{}',
    '~': '\\textasciitilde{}',
    '^': '\\textasciicircum{}'
  };
  const escape = (text: string) => text.replace(/[\\{}&%$#_~^]/g, ch => special[ch] ?? `\\${ch}`);
  return items
    .map(item => {
      const kind =
        item.type === 'article-journal' ? 'article' : item.type === 'book' ? 'book' : 'misc';
      const fields: [string, string | undefined][] = [
        [
          'author',
          item.author?.map(a => (a.given ? `${a.family}, ${a.given}` : a.family)).join(' and ')
        ],
        ['title', item.title],
        [kind === 'article' ? 'journal' : 'howpublished', item['container-title']],
        ['volume', item.volume],
        ['pages', item.page?.replace(/-+/g, '--')],
        ['year', item.issued?.['date-parts'][0]?.[0]?.toString()],
        ['doi', item.DOI],
        ['url', item.URL],
        ['note', item.note]
      ];
      const body = fields
        .filter((f): f is [string, string] => f[1] !== undefined && f[1] !== '')
        .map(
          ([name, value]) =>
            `  ${name} = {${name === 'url' || name === 'doi' ? value : escape(value)}}`
        )
        .join(',\n');
      return `@${kind}{${item.id},\n${body}\n}\n`;
    })
    .join('\n');
}

namespace Private {
  export async function exportNotebook(
    file: string,
    settings: { out: string },
    progress: Progress
  ): Promise<Outcome> {
    const name = basename(file);
    // Before any work: where it goes must be free.
    checkOut(settings.out);
    let nb;
    try {
      nb = readNotebook(file);
    } catch (error) {
      throw new BundleError((error as Error).message);
    }
    const provenance = provenanceOf(nb);
    if (!provenance) {
      throw new BundleError(
        `${name}: no provenance in its metadata; export takes a notebook executed by "cryoprotect run"`
      );
    }
    if (provenance.kernel === null) {
      throw new BundleError(
        `${name}: its run recorded no kernel report (${provenance.kernelProblem ?? 'unknown reason'}), so the files it read are unknown; run it again with "cryoprotect run"`
      );
    }
    const notes: string[] = [];
    const files = new Map<string, { content: Buffer; role: string }>();
    const add = (path: string, content: Buffer | string, role: string) => {
      const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
      const earlier = files.get(path);
      if (earlier && !earlier.content.equals(bytes)) {
        // A data file named like a file the bundle writes (README.md, manifest.json, …).
        throw new BundleError(
          `${name}: two different files would be ${path} in the bundle (${earlier.role}; ${role})`
        );
      }
      files.set(path, { content: bytes, role: earlier?.role ?? role });
    };

    const notebookPath = bundlePath(provenance.notebook, 'the notebook');
    add(
      notebookPath,
      readFileSync(file),
      'the executed notebook (outputs and provenance in its metadata)'
    );
    const stem = notebookPath.replace(/\.ipynb$/, '');
    add(
      `${stem}.provenance.json`,
      `${JSON.stringify(provenance, null, 2)}\n`,
      'the provenance of the run'
    );
    progress(`${name}: rendering the static HTML (nbconvert)`);
    add(
      `${stem}.html`,
      html(file),
      'the executed notebook as static HTML (no JavaScript, nothing fetched)'
    );

    const licences: DataLicence[] = [];
    const references = new Map<string, CslItem>();
    for (const used of provenance.kernel.session.files ?? []) {
      const path = bundlePath(used.path, `the data file ${used.path}`);
      const absolute = join(PROJECT_ROOT, path);
      let content: Buffer;
      try {
        content = readFileSync(absolute);
      } catch (error) {
        throw new BundleError(
          `${name}: the data file ${path} it read is gone (${fileAccessError(error)?.reason ?? (error as Error).message})`
        );
      }
      const now = sha256(content);
      if (now !== used.sha256) {
        throw new BundleError(
          `${name}: the data file ${path} changed since the run (sha256 ${used.sha256.slice(0, 12)} recorded, ${now.slice(0, 12)} now); run the notebook again, then export`
        );
      }
      add(path, content, 'a data file the notebook read');
      const licence = dataLicence(path, content, references);
      licences.push(licence);
      // The folder's own account of its files (sources, licences, contents), as shipped.
      for (const catalogue of ['SOURCES.md', 'sources.json']) {
        const at = posix.join(posix.dirname(path), catalogue);
        if (existsSync(join(PROJECT_ROOT, at))) {
          add(
            at,
            readFileSync(join(PROJECT_ROOT, at)),
            `the sources and licences of ${posix.dirname(path)}`
          );
        }
      }
      if (licence.licenceFile) {
        add(licence.licenceFile, licenceText(licence.licenceFile, path), `the licence of ${path}`);
      } else {
        notes.push(`${path}: no licence stated (no entry in a sources.json beside it)`);
      }
    }
    for (const citation of provenance.kernel.session.citations ?? []) {
      const id = citation.key ?? `ref${references.size + 1}`;
      const known = [...references.values()].some(
        r => r.title === citation.citation || (citation.doi && r.DOI === citation.doi)
      );
      if (!known) {
        references.set(`method:${id}`, {
          id,
          type: 'document',
          title: citation.citation,
          ...(citation.doi ? { DOI: citation.doi } : {}),
          ...(citation.url ? { URL: citation.url } : {}),
          note: `used for: ${citation.usedFor}`
        });
      }
    }
    const items = uniqueIds([...references.values()]);
    add(
      'CITATIONS.json',
      `${JSON.stringify(items, null, 2)}\n`,
      'citations of the data and methods (CSL-JSON)'
    );
    add('CITATIONS.bib', toBibtex(items), 'citations of the data and methods (BibTeX)');

    for (const lockfile of LOCKFILES) {
      const path = join(PROJECT_ROOT, lockfile);
      if (!existsSync(path)) {
        notes.push(`${lockfile}: absent from the checkout, not carried`);
        continue;
      }
      const content = readFileSync(path);
      if (sha256(content) !== provenance.environment.lockfiles[lockfile]) {
        notes.push(
          `${lockfile}: the checkout's differs from the one the run recorded (sha256 ${provenance.environment.lockfiles[lockfile]?.slice(0, 12) ?? 'absent'}); the bundle carries the checkout's`
        );
      }
      add(`environment/${lockfile}`, content, 'a lockfile (exact versions of every library)');
    }
    const source = sourceArchive(provenance);
    if (source.archive) {
      add(
        source.path,
        source.archive,
        `the CryoProtect source at commit ${provenance.environment.code.commit}`
      );
    }
    if (source.note) {
      notes.push(source.note);
    }
    for (const model of provenance.kernel.session.models) {
      if (model.use !== 'loaded') {
        notes.push(
          `model ${model.name}@${model.version} was registered by the run on its CryoProtect server: a re-run registers its own`
        );
        continue;
      }
      const version = await modelVersion(model);
      if (typeof version === 'string') {
        notes.push(
          `model ${model.name}@${model.version} (loaded) is not carried: ${version}; reproduce will ask the server named by CRYOPROTECT_SERVER_URL`
        );
      } else {
        // The names come from the notebook's metadata: a path that would leave models/ is refused.
        add(
          safePath(`models/${model.name}@${model.version}.json`, `${name}: model ${model.name}`),
          `${JSON.stringify(version, null, 2)}\n`,
          `the model version ${model.name}@${model.version} the notebook loaded (as its server answered)`
        );
      }
    }
    add('LICENCES.md', licencesText(licences), 'the licence of every file carried');
    add(
      'README.md',
      readme(name, notebookPath, provenance, licences, source.path, notes),
      'how to reproduce this bundle'
    );

    const manifest: Manifest = {
      format: BUNDLE_FORMAT,
      notebook: notebookPath,
      files: [...files].map(([path, f]) => ({
        path,
        sha256: sha256(f.content),
        bytes: f.content.length,
        role: f.role
      })),
      notes
    };
    add(MANIFEST, `${JSON.stringify(manifest, null, 2)}\n`, 'this list');
    const written = write(settings.out, files);
    return {
      code: EXIT.ok,
      lines: [
        `${name}: bundle of ${files.size} files written to ${written}`,
        ...licences.map(l => `  ${l.file}: ${l.licence}`),
        ...notes.map(n => `  note: ${n}`)
      ],
      problems: []
    };
  }

  /**
   * A model version the run loaded, from the server named by the environment (as the kernel had
   * it); the reason when it cannot be had, or is not the version the run used.
   */
  export async function modelVersion(model: {
    name: string;
    version: number;
    snapshotHash: string;
  }): Promise<ModelVersion | string> {
    let found: ModelVersion;
    try {
      const client = CryoProtectClient.fromEnvironment(process.env);
      found = await client.models.getVersion(model.name, model.version);
    } catch (error) {
      return (error as Error).message;
    }
    return found.snapshotHash === model.snapshotHash
      ? found
      : `the server's version was trained on snapshot ${found.snapshotHash.slice(0, 12)}, the run's on ${model.snapshotHash.slice(0, 12)}`;
  }

  /** The licence text a catalogue names, or a refusal naming the catalogue's entry. */
  export function licenceText(licenceFile: string, dataFile: string): Buffer {
    try {
      return readFileSync(join(PROJECT_ROOT, licenceFile));
    } catch (error) {
      throw new BundleError(
        `sources.json beside ${dataFile}: its licenceFile ${licenceFile} cannot be read (${fileAccessError(error)?.reason ?? (error as Error).message})`
      );
    }
  }

  /** `--out` must be a new .zip, or a new or empty folder. */
  export function checkOut(out: string): void {
    if (!existsSync(out)) {
      return;
    }
    const folder = statSync(out).isDirectory();
    if (/\.zip$/i.test(out) || !folder || readdirSync(out).length > 0) {
      throw new BundleError(
        `--out ${out}: exists${folder ? ' and is not an empty folder' : ''}; name a new folder or a new .zip (nothing was written)`
      );
    }
  }

  /** A refusal (BundleError) as a usage outcome with its message; anything else is rethrown. */
  export function refusal(error: unknown): Outcome {
    if (error instanceof BundleError) {
      return { code: EXIT.usage, lines: [], problems: [error.message] };
    }
    throw error;
  }

  export function sha256(content: Buffer | Uint8Array): string {
    return createHash('sha256').update(content).digest('hex');
  }

  /** A recorded path as a path inside the bundle (POSIX, relative); outside the project: refused. */
  export function bundlePath(recorded: string, what: string): string {
    const absolute = isAbsolute(recorded) ? recorded : join(PROJECT_ROOT, recorded);
    const inside = relative(PROJECT_ROOT, absolute);
    if (inside.startsWith('..') || isAbsolute(inside)) {
      throw new BundleError(
        `${what} is outside the project (${recorded}): a bundle keeps the project's layout so the notebook's relative paths still hold; move it under ${PROJECT_ROOT} and run the notebook again`
      );
    }
    return inside.split(sep).join('/');
  }

  export function html(file: string): string {
    const scratch = mkdtempSync(join(tmpdir(), 'cryoprotect-export-'));
    try {
      const jupyter = join(VENV_BIN, 'jupyter');
      const result = spawnSync(
        jupyter,
        ['nbconvert', '--to', 'html', '--output-dir', scratch, resolve(file)],
        { encoding: 'utf8', timeout: 300_000 }
      );
      if (result.status !== 0) {
        throw new BundleError(
          `the HTML rendering failed (nbconvert exit ${result.status ?? result.signal}): ${(result.stderr ?? result.error?.message ?? '').trim().slice(-800)}`
        );
      }
      const page = readFileSync(join(scratch, basename(file).replace(/\.ipynb$/, '.html')), 'utf8');
      // nbconvert's page loads require.js and MathJax from a CDN and mermaid as a module; an
      // archived page must open offline and run nothing: the outputs are their static
      // fallbacks already (TeX in markdown stays as written).
      return page.replace(/<script\b[^>]*>[\s\S]*?<\/script\s*>/gi, '');
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }

  interface SourcesEntry {
    licence: string;
    licenceFile?: string;
    attribution: string;
    citations?: string[];
    citationsFromColumns?: { source: string; identifier?: string };
  }

  /**
   * A data file's licence and citations from the `sources.json` beside it; its citations join
   * `references` (by id).
   */
  export function dataLicence(
    path: string,
    content: Buffer,
    references: Map<string, CslItem>
  ): DataLicence {
    const catalogue = join(PROJECT_ROOT, dirname(path), 'sources.json');
    let entry: SourcesEntry | undefined;
    let known: CslItem[] = [];
    if (existsSync(catalogue)) {
      let parsed: { files?: Record<string, SourcesEntry>; references?: CslItem[] };
      try {
        parsed = JSON.parse(readFileSync(catalogue, 'utf8')) as typeof parsed;
      } catch (error) {
        throw new BundleError(`${catalogue}: not readable JSON (${(error as Error).message})`);
      }
      entry = parsed.files?.[basename(path)];
      known = parsed.references ?? [];
    }
    if (!entry) {
      return { file: path, licence: 'not stated', licenceFile: null, attribution: '' };
    }
    for (const id of entry.citations ?? []) {
      const item = known.find(r => r.id === id);
      if (!item) {
        throw new BundleError(
          `${catalogue}: ${basename(path)} cites "${id}", which is not in its references`
        );
      }
      // A reference shared by several files names them all.
      const earlier = references.get(`data:${id}`);
      references.set(`data:${id}`, {
        ...item,
        note: earlier?.note ? `${earlier.note}, ${path}` : `data source of ${path}`
      });
    }
    if (entry.citationsFromColumns) {
      for (const item of rowCitations(path, content, entry.citationsFromColumns)) {
        if (![...references.values()].some(r => r.title === item.title)) {
          references.set(`data:${item.id}`, item);
        }
      }
    }
    // Inside the project like every file carried (the catalogue could say "../../x").
    const licenceFile = entry.licenceFile
      ? bundlePath(
          join(PROJECT_ROOT, dirname(path), entry.licenceFile),
          `${catalogue}: the licence text of ${basename(path)}`
        )
      : null;
    return { file: path, licence: entry.licence, licenceFile, attribution: entry.attribution };
  }

  /** One citation per distinct source named in a compiled file's rows. */
  function rowCitations(
    path: string,
    content: Buffer,
    columns: { source: string; identifier?: string }
  ): CslItem[] {
    let rows: Record<string, string>[];
    try {
      rows = parse(content, { columns: true, skip_empty_lines: true, bom: true }) as typeof rows;
    } catch (error) {
      throw new BundleError(
        `${path}: its rows cannot be read for their citations (${(error as Error).message})`
      );
    }
    const seen = new Map<string, CslItem>();
    for (const row of rows) {
      const source = row[columns.source]?.trim();
      if (!source || seen.has(source)) {
        continue;
      }
      const identifier = columns.identifier ? row[columns.identifier]?.trim() : '';
      const doi = /^(?:doi:|https?:\/\/(?:dx\.)?doi\.org\/)(10\..+)$/i.exec(identifier ?? '')?.[1];
      seen.set(source, {
        id: `${basename(path).replace(/\.[^.]+$/, '')}-${seen.size + 1}`,
        type: 'document',
        title: source,
        ...(doi ? { DOI: doi } : identifier ? { URL: identifier } : {}),
        note: `data source of ${path}`
      });
    }
    return [...seen.values()];
  }

  /** Ids made unique (a method and a data source may share one). */
  export function uniqueIds(items: CslItem[]): CslItem[] {
    const used = new Set<string>();
    return items.map(item => {
      let id = item.id;
      for (let n = 2; used.has(id); n++) {
        id = `${item.id}-${n}`;
      }
      used.add(id);
      return { ...item, id };
    });
  }

  /** `git archive` of the commit that ran, when the checkout knows it. */
  export function sourceArchive(provenance: Provenance): {
    path: string;
    archive?: Buffer;
    note?: string;
  } {
    const { commit, modified } = provenance.environment.code;
    if (!commit) {
      return {
        path: '',
        note: `the run's code commit is unknown (${provenance.environment.code.reason ?? 'no git checkout'}): the bundle carries no source`
      };
    }
    const path = `source/cryoprotect-${commit.slice(0, 12)}.tar.gz`;
    try {
      const archive = execFileSync(
        'git',
        ['archive', '--format=tar.gz', `--prefix=cryoprotect-${commit.slice(0, 12)}/`, commit],
        { cwd: PROJECT_ROOT, maxBuffer: 512 * 1024 ** 2 }
      );
      return {
        path,
        archive,
        ...(modified
          ? {
              note: `the run was made from a modified checkout of ${commit.slice(0, 12)} (changed: ${changedList(provenance.environment.code.changed)}); the source carried is the commit without those changes`
            }
          : {})
      };
    } catch (error) {
      return {
        path: '',
        note: `the source of commit ${commit.slice(0, 12)} could not be archived (${(error as Error).message.split('\n')[0]}): the bundle carries no source`
      };
    }
  }

  /** The changed files, a few by name. */
  function changedList(changed: string[] | undefined): string {
    if (!changed || changed.length === 0) {
      return 'not recorded';
    }
    const shown = changed.slice(0, 8).join(', ');
    return changed.length > 8 ? `${shown} and ${changed.length - 8} more` : shown;
  }

  export function licencesText(licences: DataLicence[]): string {
    const rows = licences.map(
      l =>
        `| \`${l.file}\` | ${l.licence} | ${l.licenceFile ? `\`${l.licenceFile}\`` : '—'} | ${l.attribution.replace(/\|/g, '\\|')} |`
    );
    return [
      '# Licences',
      '',
      [
        'Each data file carried here keeps the licence it was published under, with the licence text beside it',
        licences.some(l => l.licence.startsWith('GPL'))
          ? '; the GPL-3.0 files stay under the GPL-3.0 in this bundle.'
          : '.',
        ' The notebook, its outputs and the CryoProtect source are under the BSD 3-Clause licence (`LICENSE` inside the source archive).'
      ].join(''),
      '',
      '| file | licence | licence text | attribution |',
      '|---|---|---|---|',
      ...(rows.length > 0 ? rows : ['| (no data files read) | | | |']),
      ''
    ].join('\n');
  }

  export function readme(
    name: string,
    notebookPath: string,
    provenance: Provenance,
    licences: DataLicence[],
    sourcePath: string,
    notes: string[]
  ): string {
    const env = provenance.environment;
    const commit = env.code.commit ? env.code.commit.slice(0, 12) : null;
    const kernel = provenance.kernel;
    const lines = [
      `# ${name}: a reproducible bundle`,
      '',
      `Exported by \`cryoprotect export\` from a run of \`${provenance.notebook}\` that started ${provenance.started} and took ${provenance.seconds} s.`,
      '',
      '## What is here',
      '',
      `- \`${notebookPath}\`: the executed notebook; \`${notebookPath.replace(/\.ipynb$/, '.html')}\` shows it without Jupyter.`,
      `- \`${notebookPath.replace(/\.ipynb$/, '.provenance.json')}\`: what the run used — parameters, dataset snapshot hashes, model versions, seeds, the versions of Node, RDKit, TensorFlow.js and tslab, the lockfile hashes, the code commit.`,
      ...licences.map(l => `- \`${l.file}\`: data it read (${l.licence}).`),
      '- `models/` (when the notebook loaded registered model versions): each version as its server answered, used by `reproduce` before any server.',
      '- `CITATIONS.json` (CSL-JSON) and `CITATIONS.bib` (BibTeX): the data sources and methods to cite.',
      '- `LICENCES.md`: the licence of every data file.',
      '- `environment/`: the npm and Python lockfiles.',
      ...(sourcePath
        ? [`- \`${sourcePath}\`: the CryoProtect source of the commit that ran.`]
        : []),
      '- `manifest.json`: the SHA-256 of every file (reproduce checks them).',
      '',
      '## Reproduce it on a fresh machine',
      '',
      'You need Node.js ' +
        env.node.replace(/^v/, '').split('.')[0] +
        ` (the run used ${env.node}; another major version is refused)` +
        ', Python 3.10 or newer and git (Debian or Ubuntu: `apt-get install nodejs npm python3-venv git`).',
      '',
      '```sh',
      ...(sourcePath
        ? [`tar xzf ${sourcePath}`, `cd cryoprotect-${commit}`]
        : ['# get the CryoProtect source (git clone), then:', 'cd cryoprotect']),
      'npm run setup          # installs the exact libraries of the lockfiles, Python packages, the tslab kernel',
      'node server/bin/cryoprotect.js reproduce /path/to/this/bundle   # the folder or the .zip',
      '```',
      '',
      '`reproduce` checks every file against `manifest.json`, re-runs the notebook in a fresh copy with the recorded parameters, and prints `identical` when every output is the same, or the differences. It refuses, and says which, when a version that decides the numbers differs from the recorded one (' +
        (kernel
          ? `RDKit ${kernel.rdkit}, TensorFlow.js ${kernel.tensorflow ? `${kernel.tensorflow.tfjsVersion} (${kernel.tensorflow.backend})` : 'not loaded'}, the kernel library ${kernel.kernel}, tslab ${env.packages.tslab ?? 'unknown'}, Node ${kernel.node}`
          : 'RDKit, TensorFlow.js, the kernel library, tslab, Node') +
        ').',
      ''
    ];
    if (notes.length > 0) {
      lines.push('## Notes', '', ...notes.map(n => `- ${n}`), '');
    }
    return lines.join('\n');
  }

  /** Write the files to a folder (new or empty) or a .zip; returns where. */
  /**
   * Write the files to a new (or empty) folder or a new .zip; returns where. Written beside it
   * under a temporary name and renamed at the end: a failure leaves no half bundle.
   */
  export function write(out: string, files: Map<string, { content: Buffer }>): string {
    checkOut(out);
    const target = resolve(out);
    mkdirSync(dirname(target), { recursive: true });
    const partial = `${target}.partial-${process.pid}`;
    rmSync(partial, { recursive: true, force: true });
    try {
      if (/\.zip$/i.test(out)) {
        const entries: Record<string, Uint8Array> = {};
        for (const [path, f] of files) {
          entries[path] = f.content;
        }
        // Entries carry a fixed time, not the export's: they are the run's files.
        writeFileSync(
          partial,
          zipSync(entries, { level: 6, mtime: new Date('2000-01-01T00:00:00Z') })
        );
      } else {
        for (const [path, f] of files) {
          const file = join(partial, path);
          mkdirSync(dirname(file), { recursive: true });
          writeFileSync(file, f.content);
        }
      }
      rmSync(target, { recursive: true, force: true });
      renameSync(partial, target);
    } catch (error) {
      rmSync(partial, { recursive: true, force: true });
      throw error;
    }
    return out;
  }

  /** A path from a manifest or a zip: relative, POSIX, no `..`; else refused. */
  export function safePath(path: string, where: string): string {
    const normal = posix.normalize(path);
    if (
      path === '' ||
      path.includes('\\') ||
      path.includes('\0') ||
      posix.isAbsolute(path) ||
      normal.startsWith('..') ||
      normal !== path
    ) {
      throw new BundleError(
        `${where}: unsafe path ${JSON.stringify(path)} (absolute, or leaving the bundle)`
      );
    }
    return normal;
  }

  /** Copy or unzip a bundle into a fresh folder under `out`, and check it against its manifest. */
  export function unpack(bundle: string, out: string): { root: string; manifest: Manifest } {
    const label = basename(resolve(bundle)).replace(/\.zip$/i, '');
    const root = resolve(out, `${label}.bundle`);
    rmSync(root, { recursive: true, force: true });
    mkdirSync(root, { recursive: true });
    try {
      return { root, manifest: unpackInto(bundle, root) };
    } catch (error) {
      // Nothing half-unpacked is left to be mistaken for a bundle.
      rmSync(root, { recursive: true, force: true });
      throw error;
    }
  }

  function unpackInto(bundle: string, root: string): Manifest {
    const unpacked = /\.zip$/i.test(bundle) ? unzipInto(bundle, root) : copyInto(bundle, root);
    let manifest: Manifest;
    try {
      manifest = JSON.parse(readFileSync(join(root, MANIFEST), 'utf8')) as Manifest;
    } catch (error) {
      throw new BundleError(
        `${bundle}: ${MANIFEST} is missing or not JSON (${(error as Error).message})`
      );
    }
    if (
      manifest.format !== BUNDLE_FORMAT ||
      !Array.isArray(manifest.files) ||
      typeof manifest.notebook !== 'string'
    ) {
      throw new BundleError(`${bundle}: ${MANIFEST} is not a ${BUNDLE_FORMAT} manifest`);
    }
    safePath(manifest.notebook, `${bundle} ${MANIFEST} notebook`);
    const damaged: string[] = [];
    const listed = new Set<string>();
    for (const entry of manifest.files) {
      const path = safePath(String(entry.path), `${bundle} ${MANIFEST}`);
      listed.add(path);
      if (!unpacked.has(path)) {
        damaged.push(`${path}: missing`);
        continue;
      }
      const actual = sha256(readFileSync(join(root, path)));
      if (actual !== entry.sha256) {
        damaged.push(
          `${path}: sha256 ${actual.slice(0, 12)}, the manifest says ${String(entry.sha256).slice(0, 12)}`
        );
      }
    }
    // A file the manifest does not vouch for (a node_modules/ shadowing the installed library, a
    // tsconfig.json, another notebook) would change the run unseen.
    for (const path of unpacked) {
      if (path !== MANIFEST && !listed.has(path)) {
        damaged.push(`${path}: not in the manifest`);
      }
    }
    if (!listed.has(manifest.notebook)) {
      damaged.push(`${manifest.notebook}: the notebook is not listed`);
    }
    if (damaged.length > 0) {
      throw new BundleError(
        [
          `${bundle}: the bundle does not match its manifest (changed or damaged):`,
          ...damaged.map(d => `  ${d}`)
        ].join('\n')
      );
    }
    return manifest;
  }

  /** Unzip into `root`, entry by checked entry; the paths written. */
  function unzipInto(bundle: string, root: string): Set<string> {
    let data: Buffer;
    try {
      data = readFileSync(bundle);
    } catch (error) {
      throw new BundleError(
        fileAccessError(error, 'read', bundle)?.message ??
          `cannot read ${bundle}: ${(error as Error).message}`
      );
    }
    let total = 0;
    let entries: Record<string, Uint8Array>;
    try {
      entries = unzipSync(new Uint8Array(data), {
        filter: file => {
          total += file.originalSize;
          if (total > MAX_UNPACKED_BYTES) {
            throw new BundleError(
              `${bundle}: unpacks to more than ${MAX_UNPACKED_BYTES} bytes; not a bundle`
            );
          }
          return true;
        }
      });
    } catch (error) {
      if (error instanceof BundleError) {
        throw error;
      }
      throw new BundleError(`${bundle}: not a readable zip (${(error as Error).message})`);
    }
    const written = new Set<string>();
    for (const [path, content] of Object.entries(entries)) {
      if (path.endsWith('/')) {
        continue;
      }
      const safe = safePath(path, bundle);
      const target = join(root, safe);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, content);
      written.add(safe);
    }
    return written;
  }

  /**
   * Copy a folder bundle into `root`: plain files and folders only (a symbolic link could point
   * anywhere, and pass the check by what it points at); the paths written.
   */
  function copyInto(bundle: string, root: string): Set<string> {
    if (!existsSync(join(bundle, MANIFEST))) {
      throw new BundleError(`${bundle}: not a bundle (no ${MANIFEST})`);
    }
    const written = new Set<string>();
    let total = 0;
    const visit = (relativeDir: string) => {
      for (const entry of readdirSync(join(bundle, relativeDir), { withFileTypes: true })) {
        const path = relativeDir ? `${relativeDir}/${entry.name}` : entry.name;
        if (entry.isDirectory()) {
          visit(path);
        } else if (entry.isFile()) {
          total += statSync(join(bundle, path)).size;
          if (total > MAX_UNPACKED_BYTES) {
            throw new BundleError(`${bundle}: more than ${MAX_UNPACKED_BYTES} bytes; not a bundle`);
          }
          mkdirSync(join(root, relativeDir), { recursive: true });
          copyFileSync(join(bundle, path), join(root, path));
          written.add(path);
        } else {
          throw new BundleError(
            `${bundle}: ${path} is a symbolic link or a special file; a bundle holds plain files only`
          );
        }
      }
    };
    visit('');
    return written;
  }
}
