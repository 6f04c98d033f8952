import { connect, createServer, type Server, type Socket } from 'node:net';
import type { Command } from 'commander';
import { loadConfig } from '../config.js';
import { DatabaseInUseError } from '../db/lock.js';
import { databaseHolder, findRunningServer, type ServerRecord } from '../running-server.js';
import { parsePort } from './options.js';
import type { CommandIO, Output } from './output.js';
import { serveRest } from './serve.js';

/** How long proxy-entry waits for a process that holds the database to publish its server. */
const HOLDER_WAIT_MS = 120_000;

/**
 * `cryoprotect proxy-entry --port <port>`: what jupyter-server-proxy runs for its `cryoprotect`
 * entry (extension/cryoprotect_jupyterlab/proxy.py). PGlite allows one process per data folder,
 * so when a server already holds the folder (`npm start`, `cryoprotect serve`) this forwards TCP
 * from `port` to it; otherwise it is that server itself, on `port`.
 */
export function addProxyEntryCommand(program: Command, io: CommandIO): void {
  program
    .command('proxy-entry')
    .description(
      'for jupyter-server-proxy: forward <port> to the server that holds the data folder, or serve on <port> when none does'
    )
    .requiredOption('--port <port>', 'port to answer on (127.0.0.1)', parsePort)
    .action((options: { port: number }) => Private.entry(options.port, io.out));
}

namespace Private {
  export async function entry(port: number, out: Output): Promise<void> {
    const config = loadConfig();
    if (config.DATABASE_URL) {
      // PostgreSQL serves any number of servers: this one is ours.
      await serveRest({ port, host: '127.0.0.1' }, out);
      return;
    }
    for (;;) {
      const running = await waitForServer(config.CRYOPROTECT_DATA_DIR, config.pgliteDir, out);
      if (running) {
        await forward(port, running, config.CRYOPROTECT_DATA_DIR, config.pgliteDir, out);
        return;
      }
      try {
        out.say(`no server holds ${config.CRYOPROTECT_DATA_DIR}: starting one on port ${port}`);
        await serveRest({ port, host: '127.0.0.1' }, out);
        return;
      } catch (error) {
        // Another entry point opened the folder between our look and our open: reach its server.
        if (!(error instanceof DatabaseInUseError)) {
          throw error;
        }
        out.say(error.message);
      }
    }
  }

  /**
   * The running server of the folder, or undefined when no process holds its database. A holder
   * that has not published its address yet (a server still migrating, a `cryoprotect db` command)
   * is waited for, bounded.
   */
  async function waitForServer(
    dataDir: string,
    pgliteDir: string,
    out: Output
  ): Promise<ServerRecord | undefined> {
    const deadline = Date.now() + HOLDER_WAIT_MS;
    let said = false;
    for (;;) {
      const running = await findRunningServer(dataDir, pgliteDir);
      if (running) {
        return running;
      }
      const holder = databaseHolder(pgliteDir);
      if (holder === undefined) {
        return undefined;
      }
      if (Date.now() > deadline) {
        throw new Error(
          `process ${holder} holds the embedded database ${pgliteDir} but no CryoProtect server of it answered within ${HOLDER_WAIT_MS / 1000} s; stop that process or start its server ("cryoprotect serve")`
        );
      }
      if (!said) {
        out.say(`process ${holder} holds ${pgliteDir}; waiting for its server to answer`);
        said = true;
      }
      await new Promise(r => setTimeout(r, 250));
    }
  }

  /**
   * Forward every connection on 127.0.0.1:`port` to `target`. When the target stops answering
   * (its server was stopped), look again: forward to the folder's new server, or, when none holds
   * the folder any more, stop forwarding and serve on `port` ourselves.
   */
  async function forward(
    port: number,
    target: ServerRecord,
    dataDir: string,
    pgliteDir: string,
    out: Output
  ): Promise<void> {
    let current = target;
    let takingOver: Promise<void> | undefined;
    const server: Server = createServer(client => {
      client.pause();
      void pipeTo(client, current).catch(async () => {
        client.destroy();
        const next = await findRunningServer(dataDir, pgliteDir);
        if (next) {
          if (next.url !== current.url) {
            out.say(`the folder's server moved to ${next.url} (process ${next.pid})`);
          }
          current = next;
        } else if (!takingOver && databaseHolder(pgliteDir) === undefined) {
          out.say(`the server of process ${current.pid} stopped: serving on port ${port} instead`);
          takingOver = new Promise<void>(done => server.close(() => done())).then(() =>
            entry(port, out)
          );
        }
      });
    });
    await new Promise<void>((done, fail) => {
      server.once('error', fail);
      server.listen(port, '127.0.0.1', () => done());
    });
    out.say(
      `forwarding 127.0.0.1:${port} to the server of process ${target.pid} at ${target.url}, which holds ${dataDir}`
    );
    const stop = (): void => {
      server.close();
      process.exit(0);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    await new Promise<void>(done => server.once('close', () => done()));
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await takingOver;
  }

  /** Connect to `target` and pipe both ways; rejects when the connection cannot be made. */
  function pipeTo(client: Socket, target: ServerRecord): Promise<void> {
    const url = new URL(target.url);
    return new Promise((done, fail) => {
      const upstream = connect(Number(url.port), url.hostname.replace(/^\[|\]$/g, ''));
      upstream.once('error', fail);
      upstream.once('connect', () => {
        upstream.off('error', fail);
        // Either side failing or closing ends the pair.
        upstream.on('error', () => client.destroy());
        client.on('error', () => upstream.destroy());
        client.pipe(upstream).pipe(client);
        client.resume();
        done();
      });
    });
  }
}
