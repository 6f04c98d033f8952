import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import { PROJECT_ROOT } from '../lab.js';
import { checkoutState } from '../models/code-commit.js';
import { joinedText, type Notebook } from './notebook.js';
import { INJECTED_TAG } from './parameters.js';

/**
 * What a reviewer needs to know about a run to trust or repeat it: the code (commit, or that the
 * checkout was modified), the lockfiles that pin every library, the versions that decide the
 * numbers (RDKit, TensorFlow.js and its backend, Node, tslab), the parameters, and what the
 * kernel itself used (snapshot hashes, model versions, seeds; kernel-lib's session ledger).
 */

export const PROVENANCE_FORMAT = 'cryoprotect-provenance/1';

/** Packages whose versions are recorded; the first group decides the numbers (see reproduce). */
export const DECIDING_PACKAGES = [
  '@rdkit/rdkit',
  '@tensorflow/tfjs',
  '@tensorflow/tfjs-backend-wasm',
  '@cryoprotect/kernel',
  'tslab'
] as const;
const OTHER_PACKAGES = ['typescript'] as const;

/** Lockfiles, relative to the project root. */
export const LOCKFILES = ['package-lock.json', 'python/requirements.txt'] as const;

export interface Environment {
  node: string;
  platform: string;
  packages: Record<string, string | null>;
  /** SHA-256 of each lockfile (null when absent). */
  lockfiles: Record<string, string | null>;
  /** `changed`: the tracked files that differ from the commit, when `modified`. */
  code: { commit: string | null; modified: boolean; changed?: string[]; reason?: string };
}

/** What the kernel reported after the last cell (kernel-lib's sessionProvenance and versions). */
export interface KernelReport {
  kernel: string;
  rdkit: string;
  tensorflow: { backend: string; tfjsVersion: string } | null;
  node: string;
  session: {
    /** Files read through kernel-lib's readers; paths relative to the run's root when inside it. */
    files?: { path: string; sha256: string; bytes: number }[];
    snapshots: { hash: string; rows: number; source: string }[];
    models: { name: string; version: number; use: string; snapshotHash: string }[];
    seeds: { purpose: string; seed: number }[];
    /** Publications behind the methods and values computed with (kernel-lib's citations). */
    citations?: {
      key?: string;
      citation: string;
      doi?: string;
      url?: string;
      usedFor: string;
    }[];
  };
}

export interface Provenance {
  format: typeof PROVENANCE_FORMAT;
  /** The notebook run: relative to the project root when inside it. */
  notebook: string;
  /** Folder the kernel ran in (relative to the project root when inside it). */
  directory: string;
  /** SHA-256 of the notebook's cells (type and source; outputs and the injected cell excluded). */
  sourceSha256: string;
  parameters: { given: Record<string, unknown>; defaults: Record<string, string> };
  started: string;
  finished: string;
  seconds: number;
  environment: Environment;
  kernel: KernelReport | null;
  /** Why the kernel's report is missing, when it is. */
  kernelProblem?: string;
  /** Seconds per executed cell (1-based position), slowest work first to look at. */
  cellSeconds: Record<string, number>;
}

/**
 * Where a path is, relative to the run's root (the project, or a bundle reproduced) when inside
 * it: no machine path in a provenance that travels.
 */
export function projectPath(path: string, root: string = PROJECT_ROOT): string {
  const inside = relative(root, path);
  // With "/" whatever the system: a run recorded on Windows compares with one on Linux.
  return inside.startsWith('..') || isAbsolute(inside) ? path : inside.split(sep).join('/');
}

export function resolveProjectPath(path: string, root: string = PROJECT_ROOT): string {
  return isAbsolute(path) ? path : join(root, path);
}

/** The provenance `cryoprotect run` put in an executed notebook's metadata, if any. */
export function provenanceOf(nb: Notebook): Provenance | null {
  const meta = nb.metadata.cryoprotect as { provenance?: Provenance } | undefined;
  const p = meta?.provenance;
  return p && p.format === PROVENANCE_FORMAT && p.environment ? p : null;
}

/** SHA-256 of the cells' types and sources, the injected parameters cell left out. */
export function sourceSha256(nb: Notebook): string {
  const cells = nb.cells
    .filter(c => !(c.metadata.tags ?? []).includes(INJECTED_TAG))
    .map(c => [c.cell_type, joinedText(c.source)]);
  return createHash('sha256').update(JSON.stringify(cells)).digest('hex');
}

/** The environment of this process and checkout, as recorded beside every run. */
export function currentEnvironment(root: string = PROJECT_ROOT): Environment {
  const packages: Record<string, string | null> = {};
  for (const name of [...DECIDING_PACKAGES, ...OTHER_PACKAGES]) {
    packages[name] = Private.packageVersion(root, name);
  }
  const lockfiles: Record<string, string | null> = {};
  for (const file of LOCKFILES) {
    try {
      lockfiles[file] = createHash('sha256')
        .update(readFileSync(join(root, file)))
        .digest('hex');
    } catch {
      lockfiles[file] = null;
    }
  }
  return {
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    packages,
    lockfiles,
    code: Private.code(root)
  };
}

export interface EnvironmentComparison {
  /** Differences that make identical outputs impossible to promise: refuse. */
  blocking: string[];
  /** Differences reported while the outputs are still compared. */
  other: string[];
}

/** How the environment of a re-run differs from the recorded one. */
export function compareEnvironments(
  recorded: Environment,
  now: Environment,
  kernelRecorded: KernelReport | null
): EnvironmentComparison {
  const blocking: string[] = [];
  const other: string[] = [];
  const major = (v: string) => v.replace(/^v/, '').split('.')[0];
  if (major(recorded.node) !== major(now.node)) {
    blocking.push(
      `Node ${recorded.node} recorded, ${now.node} here (another V8 may round differently)`
    );
  } else if (recorded.node !== now.node) {
    other.push(`Node ${recorded.node} recorded, ${now.node} here`);
  }
  for (const name of DECIDING_PACKAGES) {
    const was = recorded.packages[name] ?? null;
    const is = now.packages[name] ?? null;
    if (was !== is) {
      blocking.push(`${name} ${was ?? 'absent'} recorded, ${is ?? 'absent'} here`);
    }
  }
  for (const [name, was] of Object.entries(recorded.packages)) {
    if (
      !(DECIDING_PACKAGES as readonly string[]).includes(name) &&
      was !== (now.packages[name] ?? null)
    ) {
      other.push(`${name} ${was ?? 'absent'} recorded, ${now.packages[name] ?? 'absent'} here`);
    }
  }
  if (recorded.platform !== now.platform) {
    other.push(`platform ${recorded.platform} recorded, ${now.platform} here`);
  }
  for (const [file, hash] of Object.entries(recorded.lockfiles)) {
    if (hash !== (now.lockfiles[file] ?? null)) {
      other.push(
        `${file} differs from the one recorded (sha256 ${hash?.slice(0, 12) ?? 'absent'} → ${now.lockfiles[file]?.slice(0, 12) ?? 'absent'})`
      );
    }
  }
  const describe = (c: Environment['code']) =>
    c.commit
      ? `${c.commit.slice(0, 12)}${c.modified ? ' (modified)' : ''}`
      : (c.reason ?? 'unknown');
  if (recorded.code.commit !== now.code.commit || recorded.code.modified !== now.code.modified) {
    other.push(`code ${describe(recorded.code)} recorded, ${describe(now.code)} here`);
  }
  if (kernelRecorded === null) {
    other.push('the run recorded no kernel report (RDKit and TensorFlow.js versions as used)');
  }
  return { blocking, other };
}

namespace Private {
  export function packageVersion(root: string, name: string): string | null {
    try {
      const text = readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8');
      return (JSON.parse(text) as { version?: string }).version ?? null;
    } catch {
      return null;
    }
  }

  export function code(root: string): Environment['code'] {
    const state = checkoutState(root);
    return state.commit === undefined
      ? { commit: null, modified: false, reason: state.reason }
      : {
          commit: state.commit,
          modified: state.modified,
          ...(state.changed ? { changed: state.changed } : {})
        };
  }
}
