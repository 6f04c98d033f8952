import { Command, InvalidArgumentError } from 'commander';
import { buildApp } from './app.js';
import { loadConfig, type Config } from './config.js';
import type { Database } from './db/database.js';
import { migrate, migrationStatus } from './db/migrations.js';
import { openDatabase } from './db/open.js';
import { loadReferenceData } from './db/reference-data.js';
import { startJupyterLab, type RunningLab } from './lab.js';

const step = (message: string): void => {
  process.stdout.write(`cryoprotect: ${message}\n`);
};

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new InvalidArgumentError('must be a whole number between 1 and 65535');
  }
  return port;
}

async function withDatabase<T>(config: Config, fn: (db: Database) => Promise<T>): Promise<T> {
  const db = await openDatabase(config);
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

async function prepareDatabase(db: Database, config: Config): Promise<void> {
  const t0 = Date.now();
  const applied = await migrate(db, config.CRYOPROTECT_MIGRATIONS_DIR, m =>
    step(`applied migration ${m.file}`)
  );
  step(
    `database ${db.kind} at ${db.location}: schema current (${applied.length} new migrations, ${Date.now() - t0} ms)`
  );
  const t1 = Date.now();
  const reference = await loadReferenceData(db);
  step(
    reference.skipped
      ? 'reference data already loaded'
      : `loaded reference data: ${reference.molecules} molecules, ${reference.measurements} sourced measurements (${Date.now() - t1} ms)`
  );
}

interface ServeOptions {
  port?: number;
  host?: string;
  lab?: boolean;
  labPort?: number;
  browser?: boolean;
  notebook?: string;
}

async function serve(options: ServeOptions, withLab: boolean): Promise<void> {
  const config = loadConfig();
  const port = options.port ?? config.CRYOPROTECT_PORT;
  const host = options.host ?? config.CRYOPROTECT_HOST;
  const db = await openDatabase(config);
  let lab: RunningLab | undefined;
  const app = await buildApp({
    db,
    migrationsDir: config.CRYOPROTECT_MIGRATIONS_DIR,
    logLevel: config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL
  });
  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) {
      return;
    }
    stopping = true;
    step(`${signal}: stopping`);
    await lab?.stop();
    await app.close();
    await db.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  try {
    await prepareDatabase(db, config);
    await app.listen({ port, host });
    const serverUrl = `http://${host}:${port}`;
    step(`REST server: ${serverUrl} (ready: ${serverUrl}/health/ready)`);
    if (withLab && options.lab !== false) {
      lab = await startJupyterLab({
        port: options.labPort ?? 8888,
        openBrowser: options.browser !== false,
        serverUrl,
        serverPort: port,
        logDir: config.CRYOPROTECT_DATA_DIR,
        notebook: options.notebook ?? '01-tutorial.ipynb'
      });
      step(`JupyterLab: ${lab.url}`);
      lab.child.once('exit', code => {
        if (!stopping) {
          step(`JupyterLab exited (code ${String(code)})`);
          void stop('jupyterlab-exit');
        }
      });
    }
    step('press Ctrl-C to stop');
  } catch (error) {
    await lab?.stop();
    await app.close();
    await db.close();
    throw error;
  }
}

export function buildCli(): Command {
  const program = new Command('cryoprotect')
    .description(
      'CryoProtect: shared database, REST server and JupyterLab for cryoprotectant research'
    )
    .showHelpAfterError();

  program
    .command('start')
    .description(
      'migrate and load reference data, then start the REST server and JupyterLab on the tutorial'
    )
    .option('-p, --port <port>', 'REST server port (default 8787 or CRYOPROTECT_PORT)', parsePort)
    .option('--lab-port <port>', 'JupyterLab port', parsePort, 8888)
    .option('--no-browser', 'do not open a browser')
    .option('--no-lab', 'start only the REST server')
    .option('--notebook <path>', 'notebook to open, relative to notebooks/', '01-tutorial.ipynb')
    .action((options: ServeOptions) => serve(options, true));

  program
    .command('serve')
    .description('migrate and load reference data, then start the REST server only')
    .option('-p, --port <port>', 'port (default 8787 or CRYOPROTECT_PORT)', parsePort)
    .option('--host <host>', 'address to listen on (default 127.0.0.1 or CRYOPROTECT_HOST)')
    .action((options: ServeOptions) => serve(options, false));

  const db = program.command('db').description('database schema and reference data');
  db.command('migrate')
    .description('apply pending migrations, each in its own transaction')
    .action(async () => {
      const config = loadConfig();
      await withDatabase(config, async database => {
        const applied = await migrate(database, config.CRYOPROTECT_MIGRATIONS_DIR, m =>
          step(`applied ${m.file}`)
        );
        step(
          applied.length === 0 ? 'schema already current' : `${applied.length} migrations applied`
        );
      });
    });
  db.command('status')
    .description('list applied, pending and edited migrations; exit 1 unless the schema is current')
    .action(async () => {
      const config = loadConfig();
      await withDatabase(config, async database => {
        const status = await migrationStatus(database, config.CRYOPROTECT_MIGRATIONS_DIR);
        step(`database ${database.kind} at ${database.location}`);
        const modified = new Set(status.modified.map(m => m.version));
        for (const m of status.applied) {
          const mark = modified.has(m.version) ? 'EDITED AFTER APPLY' : 'applied';
          process.stdout.write(
            `  ${String(m.version).padStart(3, '0')}_${m.name}  ${mark}  ${m.appliedAt.toISOString()}\n`
          );
        }
        for (const m of status.pending) {
          process.stdout.write(`  ${m.file}  pending\n`);
        }
        for (const m of status.unknown) {
          process.stdout.write(
            `  ${String(m.version).padStart(3, '0')}_${m.name}  not in this checkout\n`
          );
        }
        if (status.pending.length + status.modified.length + status.unknown.length > 0) {
          process.exitCode = 1;
        }
      });
    });
  db.command('seed')
    .description('load the reference cryoprotectants with their sourced values (idempotent)')
    .action(async () => {
      const config = loadConfig();
      await withDatabase(config, async database => {
        const result = await loadReferenceData(database);
        step(
          result.skipped
            ? 'reference data already loaded'
            : `loaded ${result.molecules} molecules, ${result.measurements} measurements`
        );
      });
    });
  return program;
}

export async function main(argv: string[] = process.argv): Promise<void> {
  try {
    await buildCli().parseAsync(argv);
  } catch (error) {
    process.stderr.write(`cryoprotect: ${(error as Error).message}\n`);
    process.exit(1);
  }
}
