import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../config.js';
import { decideRetention, isoWeek } from './retention.js';

namespace Private {
  /** One backup a day at 02:00 UTC from `from` to `to`, plus a second one at 14:00 on `twice`. */
  export function dailyBackups(from: string, to: string, twice: string) {
    const backups: { name: string; createdAt: Date }[] = [];
    for (
      let t = Date.parse(`${from}T02:00:00Z`);
      t <= Date.parse(`${to}T02:00:00Z`);
      t += 86_400_000
    ) {
      const createdAt = new Date(t);
      backups.push({ name: createdAt.toISOString().slice(0, 16), createdAt });
    }
    const extra = new Date(`${twice}T14:00:00Z`);
    backups.push({ name: extra.toISOString().slice(0, 16), createdAt: extra });
    return backups;
  }

  export const kept = (decisions: ReturnType<typeof decideRetention>): string[] =>
    decisions
      .filter(d => d.keptAs.length > 0)
      .map(d => d.name)
      .sort();
}

describe('backup retention (grandfather-father-son)', () => {
  it('names ISO weeks, including those that straddle a new year', () => {
    assert.equal(isoWeek(new Date('2026-11-22T23:59:00Z')), '2026-W47');
    assert.equal(isoWeek(new Date('2026-11-16T00:00:00Z')), '2026-W47');
    assert.equal(isoWeek(new Date('2026-11-15T12:00:00Z')), '2026-W46');
    assert.equal(isoWeek(new Date('2021-01-03T12:00:00Z')), '2020-W53');
    assert.equal(isoWeek(new Date('2024-12-30T12:00:00Z')), '2025-W01');
  });

  it('keeps the newest backup of the last 7 days, 4 weeks and 12 months, and nothing else', () => {
    const backups = Private.dailyBackups('2026-01-01', '2026-11-22', '2026-11-20');
    const decisions = decideRetention(backups, { daily: 7, weekly: 4, monthly: 12 });
    assert.deepEqual(Private.kept(decisions), [
      '2026-01-31T02:00',
      '2026-02-28T02:00',
      '2026-03-31T02:00',
      '2026-04-30T02:00',
      '2026-05-31T02:00',
      '2026-06-30T02:00',
      '2026-07-31T02:00',
      '2026-08-31T02:00',
      '2026-09-30T02:00',
      '2026-10-31T02:00',
      '2026-11-01T02:00',
      '2026-11-08T02:00',
      '2026-11-15T02:00',
      '2026-11-16T02:00',
      '2026-11-17T02:00',
      '2026-11-18T02:00',
      '2026-11-19T02:00',
      // Two backups on the 20th: the later one stands for the day.
      '2026-11-20T14:00',
      '2026-11-21T02:00',
      '2026-11-22T02:00'
    ]);
    const newest = decisions.find(d => d.name === '2026-11-22T02:00');
    assert.deepEqual(newest?.keptAs, ['daily 2026-11-22', 'weekly 2026-W47', 'monthly 2026-11']);
    assert.equal(decisions.length, backups.length);
  });

  it('counts only periods that have a backup, and always keeps the newest backup', () => {
    const sparse = ['2026-01-05', '2026-03-10', '2026-03-11', '2026-06-01'].map(day => ({
      name: day,
      createdAt: new Date(`${day}T03:00:00Z`)
    }));
    assert.deepEqual(Private.kept(decideRetention(sparse, { daily: 2, weekly: 0, monthly: 0 })), [
      '2026-03-11',
      '2026-06-01'
    ]);
    assert.deepEqual(Private.kept(decideRetention(sparse, { daily: 0, weekly: 0, monthly: 0 })), [
      '2026-06-01'
    ]);
    assert.deepEqual(Private.kept(decideRetention(sparse, { daily: 0, weekly: 0, monthly: 3 })), [
      '2026-01-05',
      '2026-03-11',
      '2026-06-01'
    ]);
    assert.deepEqual(decideRetention([], { daily: 7, weekly: 4, monthly: 12 }), []);
  });

  it('reads the policy and the backup folder from the environment, refusing bad counts', () => {
    const config = loadConfig({
      CRYOPROTECT_BACKUP_KEEP_WEEKLY: '9',
      CRYOPROTECT_BACKUP_DIR: '/srv/b'
    });
    assert.equal(config.CRYOPROTECT_BACKUP_KEEP_DAILY, 7);
    assert.equal(config.CRYOPROTECT_BACKUP_KEEP_WEEKLY, 9);
    assert.equal(config.CRYOPROTECT_BACKUP_KEEP_MONTHLY, 12);
    assert.equal(config.CRYOPROTECT_BACKUP_DIR, '/srv/b');
    assert.throws(
      () =>
        loadConfig({
          CRYOPROTECT_BACKUP_KEEP_DAILY: '-1',
          CRYOPROTECT_BACKUP_KEEP_MONTHLY: 'many'
        }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.match(
          error.message,
          /CRYOPROTECT_BACKUP_KEEP_DAILY: must be 0 or more \(got "-1"\)/
        );
        assert.match(
          error.message,
          /CRYOPROTECT_BACKUP_KEEP_MONTHLY: must be a number of backups \(got "many"\)/
        );
        return true;
      }
    );
  });
});
