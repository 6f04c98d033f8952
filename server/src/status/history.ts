import type { Database } from '../db/database.js';
import {
  COMPONENTS,
  type ComponentName,
  type ComponentState,
  type ComponentStatus,
  type Probe
} from './components.js';

export interface StatusSample extends ComponentStatus {
  /** The server that took it (host:port). */
  instance: string;
  at: Date;
}

export interface HistoryBucket {
  from: string;
  to: string;
  /** The worst state seen in the bucket over every server; null: no sample (nobody was up). */
  state: ComponentState | null;
  samples: number;
}

export interface ComponentHistory {
  component: ComponentName;
  /** Share of samples that were up, among those with a known state; null without any. */
  uptime: number | null;
  buckets: HistoryBucket[];
}

/** Down is worst; unknown ranks below degraded (it says nothing bad was seen). */
const SEVERITY: Record<ComponentState, number> = { up: 0, unknown: 1, degraded: 2, down: 3 };

/**
 * The last `hours` of samples in buckets of `bucketMinutes`, per component, each bucket showing the
 * worst state any server saw, with the share of time up. Pure: the page and its tests use it.
 */
export function summarizeHistory(
  samples: StatusSample[],
  now: Date,
  hours = 24,
  bucketMinutes = 15
): ComponentHistory[] {
  const bucketMs = bucketMinutes * 60_000;
  const count = Math.round((hours * 60) / bucketMinutes);
  // Buckets end on a bucket boundary, so the page does not shift with every reload.
  const end = Math.ceil(now.getTime() / bucketMs) * bucketMs;
  const start = end - count * bucketMs;
  return COMPONENTS.map(component => {
    const buckets: HistoryBucket[] = Array.from({ length: count }, (_, i) => ({
      from: new Date(start + i * bucketMs).toISOString(),
      to: new Date(start + (i + 1) * bucketMs).toISOString(),
      state: null,
      samples: 0
    }));
    let known = 0;
    let up = 0;
    for (const sample of samples) {
      const t = sample.at.getTime();
      if (sample.component !== component || t < start || t >= end) {
        continue;
      }
      const bucket = buckets[Math.floor((t - start) / bucketMs)];
      bucket.samples += 1;
      if (bucket.state === null || SEVERITY[sample.state] > SEVERITY[bucket.state]) {
        bucket.state = sample.state;
      }
      if (sample.state !== 'unknown') {
        known += 1;
        up += sample.state === 'up' ? 1 : 0;
      }
    }
    return { component, uptime: known === 0 ? null : up / known, buckets };
  });
}

/** Samples taken before this are deleted. */
export function retentionCutoff(now: Date, retentionDays: number): Date {
  return new Date(now.getTime() - retentionDays * 86_400_000);
}

export interface RecorderOptions {
  instance: string;
  intervalSeconds: number;
  retentionDays: number;
  /** Errors writing samples (the database being down is expected and not reported). */
  log?: (message: string) => void;
}

/**
 * Samples the components every interval and stores them. While the database does not answer,
 * samples wait in memory (one day at most) and are written when it answers again, so an outage
 * appears in the history afterwards. The last day of this server's own samples is also kept in
 * memory: the page shows it when the database cannot be read.
 */
export class StatusRecorder {
  private pending: StatusSample[] = [];
  private recent: StatusSample[] = [];
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly db: Database,
    private readonly probe: () => Promise<Probe>,
    private readonly options: RecorderOptions
  ) {}

  start(): void {
    void this.record();
    this.timer = setInterval(() => void this.record(), this.options.intervalSeconds * 1000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** This server's samples of the last day (newest last). */
  ownSamples(): StatusSample[] {
    return [...this.recent];
  }

  /** Take one sample of every component and store it (and any that waited). */
  record(): Promise<void> {
    // One at a time: a slow database must not pile up overlapping writes.
    if (!this.running) {
      this.running = this.recordOnce().finally(() => {
        this.running = undefined;
      });
    }
    return this.running;
  }

  private async recordOnce(): Promise<void> {
    const probe = await this.probe();
    const samples = probe.components.map(c => ({
      ...c,
      instance: this.options.instance,
      at: probe.at
    }));
    const dayAgo = probe.at.getTime() - 86_400_000;
    this.recent = [...this.recent, ...samples].filter(s => s.at.getTime() >= dayAgo);
    this.pending = [...this.pending, ...samples].filter(s => s.at.getTime() >= dayAgo);
    if (probe.readiness.database !== 'ok') {
      return;
    }
    const batch = this.pending;
    try {
      await this.db.serviceTransaction(async tx => {
        await tx.query(
          `INSERT INTO status_samples (instance, component, at, state, detail)
           SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[], $5::text[])
           ON CONFLICT DO NOTHING`,
          [
            batch.map(s => s.instance),
            batch.map(s => s.component),
            batch.map(s => s.at.toISOString()),
            batch.map(s => s.state),
            batch.map(s => s.detail.slice(0, 500))
          ]
        );
        await tx.query('DELETE FROM status_samples WHERE at < $1', [
          retentionCutoff(probe.at, this.options.retentionDays).toISOString()
        ]);
      });
      this.pending = this.pending.filter(s => !batch.includes(s));
    } catch (error) {
      this.options.log?.(`status samples not stored yet: ${(error as Error).message}`);
    }
  }
}

/** The last day's samples of every server, from the database. */
export async function readHistory(db: Database, now: Date): Promise<StatusSample[]> {
  const { rows } = await db.serviceTransaction(tx =>
    tx.query<{
      instance: string;
      component: ComponentName;
      at: Date;
      state: ComponentState;
      detail: string;
    }>(
      `SELECT instance, component, at, state, detail FROM status_samples
        WHERE at >= $1 ORDER BY at`,
      [new Date(now.getTime() - 86_400_000).toISOString()]
    )
  );
  return rows.map(r => ({ ...r, at: new Date(r.at) }));
}
