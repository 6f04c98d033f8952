/**
 * What a session of this library used, written down as it happens: the dataset snapshots trained
 * on (by content hash), the model versions loaded from or registered on a server, the seeds of
 * training. A headless run (`cryoprotect run`) reads `sessionProvenance()` after the last cell and
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

export interface SessionProvenance {
  snapshots: SnapshotUse[];
  models: ModelUse[];
  seeds: SeedUse[];
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

/** A copy of what this session has used so far. */
export function sessionProvenance(): SessionProvenance {
  return {
    snapshots: Private.ledger.snapshots.map(s => ({ ...s })),
    models: Private.ledger.models.map(m => ({ ...m })),
    seeds: Private.ledger.seeds.map(s => ({ ...s }))
  };
}

/** Forget what was recorded (a new analysis in the same kernel). */
export function resetSessionProvenance(): void {
  Private.ledger.snapshots.length = 0;
  Private.ledger.models.length = 0;
  Private.ledger.seeds.length = 0;
}

namespace Private {
  export const ledger: SessionProvenance = { snapshots: [], models: [], seeds: [] };
}
