import type { BackupEntry } from './archive.js';
import { removeBackup } from './archive.js';

export interface RetentionPolicy {
  daily: number;
  weekly: number;
  monthly: number;
}

export interface RetentionDecision {
  name: string;
  createdAt: Date;
  /** Why it is kept ("daily 2026-11-22", "weekly 2026-W47", ...); empty = delete. */
  keptAs: string[];
}

/** ISO 8601 week (weeks start on Monday; week 1 holds the year's first Thursday), in UTC. */
export function isoWeek(d: Date): string {
  // The Thursday of d's week decides the week's year.
  const thursday = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  thursday.setUTCDate(thursday.getUTCDate() + 4 - (thursday.getUTCDay() || 7));
  const year = thursday.getUTCFullYear();
  const week = Math.ceil(((thursday.getTime() - Date.UTC(year, 0, 1)) / 86_400_000 + 1) / 7);
  return `${year}-W${String(week).padStart(2, '0')}`;
}

namespace Private {
  export const day = (d: Date): string => d.toISOString().slice(0, 10);
  export const month = (d: Date): string => d.toISOString().slice(0, 7);
}

/**
 * Grandfather-father-son retention: keep the newest backup of each of the `daily` most recent
 * days that have a backup, of each of the `weekly` most recent ISO weeks and of each of the
 * `monthly` most recent months (UTC). The newest backup is always kept. Pure: decides only.
 */
export function decideRetention(
  backups: { name: string; createdAt: Date }[],
  policy: RetentionPolicy
): RetentionDecision[] {
  const newestFirst = [...backups].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
  const decisions = newestFirst.map(b => ({ ...b, keptAs: [] as string[] }));
  const tiers: [string, number, (d: Date) => string][] = [
    ['daily', policy.daily, Private.day],
    ['weekly', policy.weekly, isoWeek],
    ['monthly', policy.monthly, Private.month]
  ];
  for (const [tier, count, period] of tiers) {
    const seen = new Set<string>();
    for (const decision of decisions) {
      const key = period(decision.createdAt);
      if (seen.has(key)) {
        continue;
      }
      if (seen.size >= count) {
        break;
      }
      seen.add(key);
      decision.keptAs.push(`${tier} ${key}`);
    }
  }
  if (decisions.length > 0 && decisions[0].keptAs.length === 0) {
    decisions[0].keptAs.push('newest');
  }
  return decisions;
}

/** Apply the policy to the backups of a folder; with dryRun nothing is deleted. */
export function pruneBackups(
  backups: BackupEntry[],
  policy: RetentionPolicy,
  options: { dryRun?: boolean } = {}
): { keep: RetentionDecision[]; remove: RetentionDecision[] } {
  const byName = new Map(backups.map(b => [b.name, b]));
  const decisions = decideRetention(
    backups.map(b => ({ name: b.name, createdAt: new Date(b.metadata.createdAt) })),
    policy
  );
  const keep = decisions.filter(d => d.keptAs.length > 0);
  const remove = decisions.filter(d => d.keptAs.length === 0);
  if (!options.dryRun) {
    for (const decision of remove) {
      const entry = byName.get(decision.name);
      if (entry) {
        removeBackup(entry);
      }
    }
  }
  return { keep, remove };
}
