import { hostname } from 'node:os';
import type { Command } from 'commander';
import { buildApp } from '../app.js';
import { loadConfig, screenQueueOptions, type Config } from '../config.js';
import type { Database } from '../db/database.js';
import { ensureLocalToken } from '../db/local-user.js';
import { migrate, migrationStatus } from '../db/migrations.js';
import { openDatabase } from '../db/open.js';
import { loadReferenceData } from '../db/reference-data.js';
import { startJupyterLab, type RunningLab } from '../lab.js';
import { startConfiguredWorker } from '../models/worker-cli.js';
import { lazyScreenQueue } from '../screens/queue.js';
import { startScreenWorker } from '../screens/worker.js';
import { removeServerRecord, writeServerRecord } from '../running-server.js';
import { parsePort } from './options.js';
import type { CommandIO, Output } from './output.js';

interface ServeOptions {
  port?: number;
  host?: string;
  lab?: boolean;
  labPort?: number;
  browser?: boolean;
  notebook?: string;
}

/**
 * `cryoprotect start` (REST server and JupyterLab on the tutorial) and `cryoprotect serve` (the
 * REST server only); both migrate and load the reference data first.
 */
export function addServeCommands(program: Command, io: CommandIO): void {
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
    .action((options: ServeOptions) => Private.serve(options, true, io.out));

  program
    .command('serve')
    .description('migrate and load reference data, then start the REST server only')
    .option('-p, --port <port>', 'port (default 8787 or CRYOPROTECT_PORT)', parsePort)
    .option('--host <host>', 'address to listen on (default 127.0.0.1 or CRYOPROTECT_HOST)')
    .action((options: ServeOptions) => Private.serve(options, false, io.out));
}

/**
 * The REST server alone on `port` and `host` (defaults from the configuration), as `serve` runs
 * it; `cryoprotect proxy-entry` starts it this way when no server holds the data folder.
 */
export function serveRest(options: { port?: number; host?: string }, out: Output): Promise<void> {
  return Private.serve(options, false, out);
}

namespace Private {
  async function prepareDatabase(db: Database, config: Config, out: Output): Promise<void> {
    const t0 = Date.now();
    const applied = await migrate(db, config.CRYOPROTECT_MIGRATIONS_DIR, m =>
      out.say(`applied migration ${m.file}`)
    );
    const status = await migrationStatus(db, config.CRYOPROTECT_MIGRATIONS_DIR);
    out.say(
      status.ahead
        ? `database ${db.kind} at ${db.location}: schema ahead of this release by ${status.unknown.length} additive migration(s) of a newer one (${Date.now() - t0} ms)`
        : `database ${db.kind} at ${db.location}: schema current (${applied.length} new migrations, ${Date.now() - t0} ms)`
    );
    const t1 = Date.now();
    const reference = await loadReferenceData(db);
    out.say(
      reference.skipped
        ? 'reference data already loaded'
        : `loaded reference data: ${reference.molecules} molecules, ${reference.measurements} sourced measurements (${Date.now() - t1} ms)`
    );
  }

  export async function serve(options: ServeOptions, withLab: boolean, out: Output): Promise<void> {
    const config = loadConfig();
    const port = options.port ?? config.CRYOPROTECT_PORT;
    const host = options.host ?? config.CRYOPROTECT_HOST;
    const labPort = options.labPort ?? 8888;
    const db = await openDatabase(config);
    let lab: RunningLab | undefined;
    let worker: { stop(): Promise<void> } | undefined;
    let screenWorker: { stop(): Promise<void> } | undefined;
    // The embedded database allows one process: its server scores screens itself.
    const scoreScreens =
      config.CRYOPROTECT_SCREEN_WORKER === 'auto'
        ? db.kind === 'pglite'
        : ['1', 'true'].includes(config.CRYOPROTECT_SCREEN_WORKER);
    const screens = lazyScreenQueue(db, screenQueueOptions(config), scoreScreens);
    const app = await buildApp({
      screenQueue: screens.get,
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
      metricsToken: config.CRYOPROTECT_METRICS_TOKEN,
      features: config.features,
      profile: config.CRYOPROTECT_PROFILE,
      logFile: config.CRYOPROTECT_LOG_FILE
        ? {
            path: config.CRYOPROTECT_LOG_FILE,
            keep: config.CRYOPROTECT_LOG_KEEP,
            maxMegabytes: config.CRYOPROTECT_LOG_MAX_MB
          }
        : undefined,
      status: {
        stallSeconds: config.CRYOPROTECT_STATUS_STALL,
        retentionDays: config.CRYOPROTECT_STATUS_RETENTION_DAYS,
        retrainDelaySeconds: config.CRYOPROTECT_RETRAIN_DELAY,
        record: {
          instance: `${hostname()}:${port}`,
          intervalSeconds: config.CRYOPROTECT_STATUS_INTERVAL
        }
      }
    });
    let stopping = false;
    const stop = async (signal: string): Promise<void> => {
      if (stopping) {
        return;
      }
      stopping = true;
      out.say(`${signal}: stopping`);
      if (db.kind === 'pglite') {
        removeServerRecord(config.CRYOPROTECT_DATA_DIR);
      }
      await lab?.stop();
      await app.close();
      await worker?.stop();
      await screenWorker?.stop();
      await screens.stop();
      await db.close();
      process.exit(0);
    };
    process.on('SIGINT', () => void stop('SIGINT'));
    process.on('SIGTERM', () => void stop('SIGTERM'));
    try {
      await prepareDatabase(db, config, out);
      // Embedded single-user mode: a local user and token, handed to JupyterLab below.
      const local =
        db.kind === 'pglite' ? await ensureLocalToken(db, config.CRYOPROTECT_DATA_DIR) : undefined;
      if (local?.created) {
        out.say(`created the local user and its API token (${config.CRYOPROTECT_DATA_DIR}/token)`);
      }
      await app.listen({ port, host });
      if (db.kind === 'pglite') {
        // Other entry points (jupyter-server-proxy's proxy-entry) find this server by it.
        writeServerRecord(config.CRYOPROTECT_DATA_DIR, host, port);
      }
      if (config.CRYOPROTECT_RETRAIN_WORKER) {
        worker = startConfiguredWorker(db, config, out.say);
      }
      if (scoreScreens) {
        screenWorker = await startScreenWorker(
          db,
          { concurrency: 1, log: out.say },
          await screens.get()
        );
        out.say('screen worker in this process: submitted screens are scored here');
      }
      const serverUrl = `http://${host}:${port}`;
      out.say(`REST server: ${serverUrl} (ready: ${serverUrl}/health/ready)`);
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
        out.say(`JupyterLab: ${lab.url}`);
        lab.child.once('exit', code => {
          if (!stopping) {
            out.say(`JupyterLab exited (code ${String(code)})`);
            void stop('jupyterlab-exit');
          }
        });
      }
      out.say('press Ctrl-C to stop');
    } catch (error) {
      if (db.kind === 'pglite') {
        removeServerRecord(config.CRYOPROTECT_DATA_DIR);
      }
      await lab?.stop();
      await app.close();
      await worker?.stop();
      await screenWorker?.stop();
      await screens.stop();
      await db.close();
      throw error;
    }
  }
}
