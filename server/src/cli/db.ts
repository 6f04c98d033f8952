import type { Command } from 'commander';
import { loadConfig, type Config } from '../config.js';
import type { Database } from '../db/database.js';
import { databaseHealth } from '../db/health-report.js';
import { migrate, migrationStatus } from '../db/migrations.js';
import { openDatabase } from '../db/open.js';
import { loadReferenceData } from '../db/reference-data.js';
import type { CommandIO } from './output.js';

/** `cryoprotect db migrate|status|health|seed`: the schema and the reference data. */
export function addDbCommands(program: Command, io: CommandIO): void {
  const { out } = io;
  const db = program.command('db').description('database schema and reference data');
  db.command('migrate')
    .description('apply pending migrations, each in its own transaction')
    .action(async () => {
      const config = loadConfig();
      await Private.withDatabase(config, async database => {
        const applied = await migrate(database, config.CRYOPROTECT_MIGRATIONS_DIR, m =>
          out.say(`applied ${m.file}`)
        );
        out.say(
          applied.length === 0 ? 'schema already current' : `${applied.length} migrations applied`
        );
      });
    });
  db.command('status')
    .description('list applied, pending and edited migrations; exit 1 unless the schema is current')
    .action(async () => {
      const config = loadConfig();
      await Private.withDatabase(config, async database => {
        const status = await migrationStatus(database, config.CRYOPROTECT_MIGRATIONS_DIR);
        out.say(`database ${database.kind} at ${database.location}`);
        const modified = new Set(status.modified.map(m => m.version));
        for (const m of status.applied) {
          const mark = modified.has(m.version) ? 'EDITED AFTER APPLY' : 'applied';
          out.print(
            `  ${String(m.version).padStart(3, '0')}_${m.name}  ${mark}  ${m.appliedAt.toISOString()}\n`
          );
        }
        for (const m of status.pending) {
          out.print(`  ${m.file}  pending\n`);
        }
        for (const m of status.unknown) {
          out.print(`  ${String(m.version).padStart(3, '0')}_${m.name}  not in this checkout\n`);
        }
        if (status.pending.length + status.modified.length + status.unknown.length > 0) {
          process.exitCode = 1;
        }
      });
    });
  db.command('health')
    .description(
      'schema matches migrations, RLS on every table, indexed foreign keys, orphans, slow statements, autovacuum and index bloat (PostgreSQL); exit 1 on a problem'
    )
    .option('--json', 'print the report as JSON')
    .action(async (options: { json?: boolean }) => {
      const config = loadConfig();
      await Private.withDatabase(config, async database => {
        const report = await databaseHealth(database, config.CRYOPROTECT_MIGRATIONS_DIR);
        if (options.json) {
          out.print(`${JSON.stringify(report, null, 2)}\n`);
        } else {
          out.say(`database ${report.database}`);
          for (const check of report.checks) {
            out.print(`  ${check.ok ? 'ok  ' : 'FAIL'} ${check.name}: ${check.detail}\n`);
            for (const finding of check.findings) {
              out.print(`         ${finding}\n`);
            }
            for (const line of check.info ?? []) {
              out.print(`         - ${line}\n`);
            }
          }
        }
        if (!report.ok) {
          process.exitCode = 1;
        }
      });
    });
  db.command('seed')
    .description('load the reference cryoprotectants with their sourced values (idempotent)')
    .action(async () => {
      const config = loadConfig();
      await Private.withDatabase(config, async database => {
        const result = await loadReferenceData(database);
        out.say(
          result.skipped
            ? 'reference data already loaded'
            : `loaded ${result.molecules} molecules, ${result.measurements} measurements`
        );
      });
    });
}

namespace Private {
  export async function withDatabase<T>(
    config: Config,
    fn: (db: Database) => Promise<T>
  ): Promise<T> {
    const db = await openDatabase(config);
    try {
      return await fn(db);
    } finally {
      await db.close();
    }
  }
}
