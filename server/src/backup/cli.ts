import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { parseCount, parseTables } from '../cli/options.js';
import type { CommandIO } from '../cli/output.js';
import { loadConfig, type Config } from '../config.js';
import { openDatabase } from '../db/open.js';
import { BackupError, listBackups, resolveBackup, type BackupEntry } from './archive.js';
import { createBackup, restoreBackup, verifyBackup } from './backup.js';
import { describeSchema } from './catalog.js';
import { pruneBackups } from './retention.js';

namespace Private {
  /** --dir, else CRYOPROTECT_BACKUP_DIR, else <data dir>/backups (PGlite and PostgreSQL alike). */
  export function backupDir(config: Config, dir: string | undefined): string {
    return resolve(
      dir ?? config.CRYOPROTECT_BACKUP_DIR ?? join(config.CRYOPROTECT_DATA_DIR, 'backups')
    );
  }

  export function size(bytes: number | undefined): string {
    if (bytes === undefined) {
      return 'missing';
    }
    const units = ['B', 'KiB', 'MiB', 'GiB'];
    let value = bytes;
    let unit = 0;
    while (value >= 1024 && unit < units.length - 1) {
      value /= 1024;
      unit += 1;
    }
    return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
  }

  export function verified(entry: BackupEntry): string {
    const v = entry.verification;
    return v
      ? `${v.ok ? 'ok' : 'FAILED'} ${v.verifiedAt.slice(0, 16).replace('T', ' ')}`
      : 'not verified';
  }

  /** Ask on a terminal; without one (CI, a pipe) a restore needs --yes. */
  export async function confirmRestore(what: string): Promise<boolean> {
    const ci = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false';
    if (!process.stdin.isTTY || ci) {
      throw new BackupError(
        `${what} replaces data and there is no terminal to confirm on: pass --yes`
      );
    }
    const rl = createInterface({ input: process.stdin, output: process.stdout });
    try {
      const answer = await rl.question(`${what} replaces data. Type "yes" to continue: `);
      return answer.trim().toLowerCase() === 'yes';
    } finally {
      rl.close();
    }
  }
}

/** `cryoprotect backup create|list|verify|restore|prune`. */
export function addBackupCommands(program: Command, io: CommandIO): void {
  const { out } = io;
  const keepCount = parseCount(0, 1000);
  const backup = program
    .command('backup')
    .description('compressed logical backups with checksums: create, list, verify, restore, prune');
  const dirOption = '--dir <folder>';
  const dirHelp = 'backup folder (default CRYOPROTECT_BACKUP_DIR or <data dir>/backups)';

  backup
    .command('create')
    .description('back up every table of the database (one consistent snapshot)')
    .option(dirOption, dirHelp)
    .action(async (options: { dir?: string }) => {
      const config = loadConfig();
      const dir = Private.backupDir(config, options.dir);
      const db = await openDatabase(config);
      try {
        const t0 = Date.now();
        const entry = await createBackup(db, { dir });
        const m = entry.metadata;
        out.say(
          `backup ${entry.name}: ${m.tables.length} tables, ${m.totalRows} rows, schema ${describeSchema(m.schema)}, ${Private.size(entry.archiveBytes)} in ${Date.now() - t0} ms`
        );
        out.say(`written to ${entry.archivePath}`);
      } finally {
        await db.close();
      }
    });

  backup
    .command('list')
    .description('list the backups of the folder, oldest first')
    .option(dirOption, dirHelp)
    .option('--json', 'print the metadata as JSON')
    .action((options: { dir?: string; json?: boolean }) => {
      const dir = Private.backupDir(loadConfig(), options.dir);
      const { backups, problems } = listBackups(dir);
      if (options.json) {
        out.print(
          `${JSON.stringify(
            backups.map(b => ({
              ...b.metadata,
              archiveBytes: b.archiveBytes,
              verification: b.verification
            })),
            null,
            2
          )}\n`
        );
      } else {
        out.say(`${backups.length} backups in ${dir}`);
        const rows = backups.map(b => [
          b.name,
          b.metadata.createdAt.replace('T', ' ').slice(0, 19),
          b.metadata.database.kind,
          describeSchema(b.metadata.schema),
          String(b.metadata.totalRows),
          Private.size(b.archiveBytes),
          Private.verified(b)
        ]);
        const header = ['name', 'created (UTC)', 'kind', 'schema', 'rows', 'size', 'verified'];
        const widths = header.map((h, i) => Math.max(h.length, ...rows.map(r => r[i].length)));
        for (const row of [header, ...rows]) {
          out.print(
            `  ${row
              .map((cell, i) => cell.padEnd(widths[i]))
              .join('  ')
              .trimEnd()}\n`
          );
        }
      }
      for (const problem of problems) {
        out.warn(`unreadable backup metadata ${problem}`);
      }
      if (problems.length > 0) {
        process.exitCode = 1;
      }
    });

  backup
    .command('verify')
    .description(
      'check the archive checksum, restore into a scratch database and compare every table; exit 1 on any difference'
    )
    .argument('<backup>', 'backup name, file, or "latest"')
    .option(dirOption, dirHelp)
    .option('--json', 'print the report as JSON')
    .action(async (ref: string, options: { dir?: string; json?: boolean }) => {
      const config = loadConfig();
      const entry = resolveBackup(Private.backupDir(config, options.dir), ref);
      const report = await verifyBackup(entry, {
        migrationsDir: config.CRYOPROTECT_MIGRATIONS_DIR
      });
      if (options.json) {
        out.print(`${JSON.stringify(report, null, 2)}\n`);
      } else {
        out.say(`verifying ${entry.name}`);
        for (const check of report.checks) {
          out.print(`  ${check.ok ? 'ok  ' : 'FAIL'} ${check.name}: ${check.detail}\n`);
        }
        out.say(report.ok ? `${entry.name} is good` : `${entry.name} FAILED verification`);
      }
      if (!report.ok) {
        process.exitCode = 1;
      }
    });

  backup
    .command('restore')
    .description(
      'replace the database contents with a backup in one transaction (same schema version required); audited'
    )
    .argument('<backup>', 'backup name, file, or "latest"')
    .option(dirOption, dirHelp)
    .option('--tables <names>', 'restore only these tables (comma-separated)', parseTables)
    .option('-y, --yes', 'do not ask for confirmation (required without a terminal)')
    .action(async (ref: string, options: { dir?: string; tables?: string[]; yes?: boolean }) => {
      const config = loadConfig();
      const entry = resolveBackup(Private.backupDir(config, options.dir), ref);
      const what = `restoring ${options.tables ? `tables ${options.tables.join(', ')} of ` : ''}${entry.name} (${entry.metadata.createdAt})`;
      if (!options.yes && !(await Private.confirmRestore(what))) {
        out.say('restore cancelled; nothing changed');
        process.exitCode = 1;
        return;
      }
      const db = await openDatabase(config);
      try {
        const report = await restoreBackup(db, entry, { tables: options.tables });
        out.say(
          `restored ${report.tables.length} tables (${report.rows} rows) from ${entry.name} into ${db.kind} at ${db.location}; every count and checksum equal the backup's; recorded in the audit log`
        );
      } finally {
        await db.close();
      }
    });

  backup
    .command('prune')
    .description(
      'delete backups outside the retention policy: newest of each of the last N days, weeks and months'
    )
    .option(dirOption, dirHelp)
    .option('--daily <n>', 'days to keep (default CRYOPROTECT_BACKUP_KEEP_DAILY or 7)', keepCount)
    .option(
      '--weekly <n>',
      'weeks to keep (default CRYOPROTECT_BACKUP_KEEP_WEEKLY or 4)',
      keepCount
    )
    .option(
      '--monthly <n>',
      'months to keep (default CRYOPROTECT_BACKUP_KEEP_MONTHLY or 12)',
      keepCount
    )
    .option('--dry-run', 'only print what would be kept and deleted')
    .action(
      (options: {
        dir?: string;
        daily?: number;
        weekly?: number;
        monthly?: number;
        dryRun?: boolean;
      }) => {
        const config = loadConfig();
        const dir = Private.backupDir(config, options.dir);
        const policy = {
          daily: options.daily ?? config.CRYOPROTECT_BACKUP_KEEP_DAILY,
          weekly: options.weekly ?? config.CRYOPROTECT_BACKUP_KEEP_WEEKLY,
          monthly: options.monthly ?? config.CRYOPROTECT_BACKUP_KEEP_MONTHLY
        };
        const { keep, remove } = pruneBackups(listBackups(dir).backups, policy, {
          dryRun: options.dryRun
        });
        out.say(
          `retention ${policy.daily} daily, ${policy.weekly} weekly, ${policy.monthly} monthly in ${dir}${options.dryRun ? ' (dry run)' : ''}`
        );
        for (const k of keep) {
          out.print(`  keep    ${k.name}  (${k.keptAs.join(', ')})\n`);
        }
        for (const r of remove) {
          out.print(`  ${options.dryRun ? 'would delete' : 'deleted'} ${r.name}\n`);
        }
      }
    );
}
