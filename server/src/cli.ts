import { Command, InvalidArgumentError } from 'commander';
import { buildApp } from './app.js';
import { loadConfig, type Config } from './config.js';
import type { Database } from './db/database.js';
import { migrate, migrationStatus } from './db/migrations.js';
import { databaseHealth } from './db/health-report.js';
import { openDatabase } from './db/open.js';
import { loadReferenceData } from './db/reference-data.js';
import { startJupyterLab, type RunningLab } from './lab.js';
import { ensureLocalToken } from './db/local-user.js';
import { addUserCommands } from './accounts/cli.js';
import { processIO, type CommandIO } from './cli/output.js';
import { readStructures } from './describe/read.js';
import { describeRows } from './describe/run.js';
import { formatCsv, formatJson, type OutputFormat } from './describe/write.js';
import { loadRDKit } from '@cryoprotect/kernel';
import { writeFileSync } from 'node:fs';
import cliProgress from 'cli-progress';
import { addBackupCommands } from './backup/cli.js';
import { addModelCommands } from './models/cli.js';
import { addWorkerCommands, startConfiguredWorker } from './models/worker-cli.js';

const { SingleBar, Presets } = cliProgress;

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
  const labPort = options.labPort ?? 8888;
  const db = await openDatabase(config);
  let lab: RunningLab | undefined;
  let worker: { stop(): Promise<void> } | undefined;
  const app = await buildApp({
    db,
    migrationsDir: config.CRYOPROTECT_MIGRATIONS_DIR,
    logLevel: config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL,
    production: config.NODE_ENV === 'production',
    // The JupyterLab we start is an allowed origin too, whatever its port.
    corsOrigins: withLab
      ? [
          ...config.CRYOPROTECT_CORS_ORIGINS,
          `http://127.0.0.1:${labPort}`,
          `http://localhost:${labPort}`
        ]
      : config.CRYOPROTECT_CORS_ORIGINS,
    rateLimitPerMinute: config.CRYOPROTECT_RATE_LIMIT,
    tokenCacheMs: config.CRYOPROTECT_TOKEN_CACHE_MS,
    bodyLimit: config.CRYOPROTECT_BODY_LIMIT,
    metricsToken: config.CRYOPROTECT_METRICS_TOKEN
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
    await worker?.stop();
    await db.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  try {
    await prepareDatabase(db, config);
    // Embedded single-user mode: a local user and token, handed to JupyterLab below.
    const local =
      db.kind === 'pglite' ? await ensureLocalToken(db, config.CRYOPROTECT_DATA_DIR) : undefined;
    if (local?.created) {
      step(`created the local user and its API token (${config.CRYOPROTECT_DATA_DIR}/token)`);
    }
    await app.listen({ port, host });
    if (config.CRYOPROTECT_RETRAIN_WORKER) {
      worker = startConfiguredWorker(db, config, step);
    }
    const serverUrl = `http://${host}:${port}`;
    step(`REST server: ${serverUrl} (ready: ${serverUrl}/health/ready)`);
    if (withLab && options.lab !== false) {
      lab = await startJupyterLab({
        port: labPort,
        openBrowser: options.browser !== false,
        serverUrl,
        serverPort: port,
        token: local?.token,
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
    await worker?.stop();
    await db.close();
    throw error;
  }
}

export function buildCli(io: CommandIO = processIO()): Command {
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
  db.command('health')
    .description(
      'schema matches migrations, RLS on every table, indexed foreign keys, orphans, slow statements; exit 1 on a problem'
    )
    .option('--json', 'print the report as JSON')
    .action(async (options: { json?: boolean }) => {
      const config = loadConfig();
      await withDatabase(config, async database => {
        const report = await databaseHealth(database, config.CRYOPROTECT_MIGRATIONS_DIR);
        if (options.json) {
          process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        } else {
          step(`database ${report.database}`);
          for (const check of report.checks) {
            process.stdout.write(
              `  ${check.ok ? 'ok  ' : 'FAIL'} ${check.name}: ${check.detail}\n`
            );
            for (const finding of check.findings) {
              process.stdout.write(`         ${finding}\n`);
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
      await withDatabase(config, async database => {
        const result = await loadReferenceData(database);
        step(
          result.skipped
            ? 'reference data already loaded'
            : `loaded ${result.molecules} molecules, ${result.measurements} measurements`
        );
      });
    });
  program
    .command('describe')
    .description(
      'compute the descriptor set of every structure in a CSV file (SMILES column) or an SDF file'
    )
    .argument('<input>', 'CSV with a SMILES column, or .sdf')
    .option('--smiles-column <name>', 'CSV column with SMILES (default: the column named SMILES)')
    .option(
      '--id-column <name>',
      'CSV column with an identifier (default: a column named id or name)'
    )
    .option('-f, --format <format>', 'csv or json', parseFormat, 'csv' as OutputFormat)
    .option('-o, --out <file>', 'write to this file instead of standard output')
    .option(
      '--workers <n>',
      'worker threads for large inputs (default: the number of cores)',
      parseWorkers
    )
    .action(describeCommand);
  addBackupCommands(program, io);
  addModelCommands(program);
  addWorkerCommands(program, io);
  addUserCommands(program, io);
  return program;
}

function parseFormat(value: string): OutputFormat {
  if (value !== 'csv' && value !== 'json') {
    throw new InvalidArgumentError('must be csv or json');
  }
  return value;
}

function parseWorkers(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64) {
    throw new InvalidArgumentError('must be a whole number from 1 to 64');
  }
  return n;
}

async function describeCommand(
  input: string,
  options: {
    smilesColumn?: string;
    idColumn?: string;
    format: OutputFormat;
    out?: string;
    workers?: number;
  }
): Promise<void> {
  const t0 = Date.now();
  const rows = readStructures(input, options);
  const showBar = process.stderr.isTTY && rows.length >= 500;
  const bar = new SingleBar(
    {
      format: 'describing {bar} {percentage}% | {value}/{total} structures | {eta_formatted} left',
      stream: process.stderr
    },
    Presets.shades_classic
  );
  if (showBar) {
    bar.start(rows.length, 0);
  }
  const results = await describeRows(rows, {
    workers: options.workers,
    onProgress: done => showBar && bar.update(done)
  });
  if (showBar) {
    bar.stop();
  }
  const invalid = results.filter(r => 'error' in r);
  for (const row of invalid) {
    process.stderr.write(`${input}:${row.line}: ${'error' in row ? row.error : ''}\n`);
  }
  const rdkit = await loadRDKit();
  const text =
    options.format === 'json' ? formatJson(results, rdkit.version()) : formatCsv(results);
  if (options.out) {
    writeFileSync(options.out, text);
  } else {
    process.stdout.write(text);
  }
  const seconds = (Date.now() - t0) / 1000;
  process.stderr.write(
    `cryoprotect: described ${results.length - invalid.length} of ${results.length} structures in ${seconds.toFixed(1)} s` +
      (invalid.length ? `; ${invalid.length} invalid rows listed above were skipped\n` : '\n')
  );
  if (results.length > 0 && invalid.length === results.length) {
    process.exitCode = 1;
  }
}

export async function main(argv: string[] = process.argv): Promise<void> {
  try {
    await buildCli().parseAsync(argv);
  } catch (error) {
    process.stderr.write(`cryoprotect: ${(error as Error).message}\n`);
    process.exit(1);
  }
}
