/**
 * What a session of this library used, written down as it happens: the files read (by content
 * hash), the dataset snapshots trained on, the model versions loaded from or registered on a
 * server, the seeds of training, and the publications behind the methods and values it computed
 * with. A headless run (`cryoprotect run`) reads `sessionProvenance()` after the last cell and
 * writes it beside the executed notebook, so a reviewer knows which data and models produced the
 * numbers; `cryoprotect reproduce` compares the record of a re-run with it.
 *
 * A ledger, not a log: each snapshot, model version and seed appears once, in the order first used.
 * It lives for the process (one kernel); `resetSessionProvenance()` starts it again.
 */

export interface SnapshotUse {
  /** SHA-256 of the snapshot's canonical text (see datasets/canonical). */
  hash: string;
  rows: number;
  /** Where the rows came from: "CSV text", "snapshot <hash>", a file name. */
  source: string;
}

export interface ModelUse {
  name: string;
  version: number;
  /** Loaded to predict, or registered from this session's training. */
  use: 'loaded' | 'registered';
  snapshotHash: string;
}

export interface SeedUse {
  /** What the seed drove, e.g. "ridge training" (learner and folds). */
  purpose: string;
  seed: number;
}

/** A file the session read through the library's Node readers (see node/files). */
export interface FileUse {
  /** Absolute path as read. */
  path: string;
  sha256: string;
  bytes: number;
}

/** A publication behind a method or a value the session computed with. */
export interface CitationUse {
  /** Stable key when the library has one (see citations.ts). */
  key?: string;
  citation: string;
  doi?: string;
  url?: string;
  usedFor: string;
}

export interface SessionProvenance {
  files: FileUse[];
  snapshots: SnapshotUse[];
  models: ModelUse[];
  seeds: SeedUse[];
  citations: CitationUse[];
}

/**
 * Note a file read (once per path and content): `cryoprotect export` carries these files in the
 * bundle, with their licences, so the notebook finds them where it read them.
 */
export function recordFileUse(use: FileUse): void {
  if (!Private.ledger.files.some(f => f.path === use.path && f.sha256 === use.sha256)) {
    Private.ledger.files.push({ ...use });
  }
}

/** Note a snapshot trained on or read (once per hash). */
export function recordSnapshotUse(use: SnapshotUse): void {
  if (!Private.ledger.snapshots.some(s => s.hash === use.hash)) {
    Private.ledger.snapshots.push({ ...use });
  }
}

/** Note a model version loaded or registered (once per name, version and use). */
export function recordModelUse(use: ModelUse): void {
  if (
    !Private.ledger.models.some(
      m => m.name === use.name && m.version === use.version && m.use === use.use
    )
  ) {
    Private.ledger.models.push({ ...use });
  }
}

/** Note a seed and what it drove (once per pair). */
export function recordSeedUse(use: SeedUse): void {
  if (!Private.ledger.seeds.some(s => s.purpose === use.purpose && s.seed === use.seed)) {
    Private.ledger.seeds.push({ ...use });
  }
}

/** Note the publications behind what was computed (once per citation text). */
export function recordCitations(uses: readonly CitationUse[]): void {
  for (const use of uses) {
    if (!Private.ledger.citations.some(c => c.citation === use.citation)) {
      const { key, citation, doi, url, usedFor } = use;
      Private.ledger.citations.push({
        ...(key ? { key } : {}),
        citation,
        ...(doi ? { doi } : {}),
        ...(url ? { url } : {}),
        usedFor
      });
    }
  }
}

/** `result` unchanged, its `sources` noted as the session's citations. */
export function cited<T extends { sources: readonly CitationUse[] }>(result: T): T {
  recordCitations(result.sources);
  return result;
}

/** A copy of what this session has used so far. */
export function sessionProvenance(): SessionProvenance {
  return {
    files: Private.ledger.files.map(f => ({ ...f })),
    snapshots: Private.ledger.snapshots.map(s => ({ ...s })),
    models: Private.ledger.models.map(m => ({ ...m })),
    seeds: Private.ledger.seeds.map(s => ({ ...s })),
    citations: Private.ledger.citations.map(c => ({ ...c }))
  };
}

/** Forget what was recorded (a new analysis in the same kernel). */
export function resetSessionProvenance(): void {
  Private.ledger.files.length = 0;
  Private.ledger.snapshots.length = 0;
  Private.ledger.models.length = 0;
  Private.ledger.seeds.length = 0;
  Private.ledger.citations.length = 0;
}

namespace Private {
  export const ledger: SessionProvenance = {
    files: [],
    snapshots: [],
    models: [],
    seeds: [],
    citations: []
  };
}
