import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LOCK_FILE, judgeLock, parseLock, processStart } from './db/lock.js';

/**
 * Where the REST server of an embedded data folder listens: `<data dir>/server.json`, written by
 * `cryoprotect serve` and `start` once they listen, removed when they stop. The folder's lock
 * (db/lock.ts) says which process holds the database; this record adds its address, so a second
 * entry point (jupyter-server-proxy's `cryoprotect proxy-entry`) reaches that server instead of
 * opening the same database in a second process.
 */
export const SERVER_FILE = 'server.json';

/** How long findRunningServer waits for an answer from /health/ready. */
const HEALTH_TIMEOUT_MS = 3_000;

export interface ServerRecord {
  pid: number;
  host: string;
  port: number;
  url: string;
  since: string;
}

/** Publish this process's server address (readable by others: it holds no secret). */
export function writeServerRecord(dataDir: string, host: string, port: number): ServerRecord {
  const record: ServerRecord = {
    pid: process.pid,
    host,
    port,
    url: `http://${Private.connectHost(host)}:${port}`,
    since: new Date().toISOString()
  };
  writeFileSync(join(dataDir, SERVER_FILE), JSON.stringify(record, null, 2) + '\n');
  return record;
}

/** Remove the record, if it is still this process's (another server may have replaced it). */
export function removeServerRecord(dataDir: string): void {
  if (readServerRecord(dataDir)?.pid === process.pid) {
    rmSync(join(dataDir, SERVER_FILE), { force: true });
  }
}

export function readServerRecord(dataDir: string): ServerRecord | undefined {
  try {
    const value = JSON.parse(readFileSync(join(dataDir, SERVER_FILE), 'utf8')) as ServerRecord;
    return Number.isSafeInteger(value.pid) &&
      Number.isSafeInteger(value.port) &&
      typeof value.url === 'string'
      ? value
      : undefined;
  } catch {
    return undefined;
  }
}

/** Which live process holds the embedded database of `pgliteDir`, if any. */
export function databaseHolder(pgliteDir: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(join(pgliteDir, LOCK_FILE), 'utf8');
  } catch {
    return undefined;
  }
  // Age 0: a lock file that is no record yet is being written, not held.
  const verdict = judgeLock(parseLock(text), 0);
  return verdict.state === 'held' ? verdict.pid : undefined;
}

/**
 * The server that holds this data folder's database and answers on the address it published:
 * its record names a live process, that process holds the database's lock, and its
 * /health/ready answers with a readiness report (200, or 503 while it is not ready). Anything
 * less (no record, a record left by a killed server, a port taken by someone else) is no server.
 */
export async function findRunningServer(
  dataDir: string,
  pgliteDir: string
): Promise<ServerRecord | undefined> {
  const record = readServerRecord(dataDir);
  if (!record || !processStart(record.pid).alive || databaseHolder(pgliteDir) !== record.pid) {
    return undefined;
  }
  try {
    const response = await fetch(`${record.url}/health/ready`, {
      signal: AbortSignal.timeout(HEALTH_TIMEOUT_MS)
    });
    const body = (await response.json()) as { ready?: unknown };
    return (response.status === 200 || response.status === 503) && typeof body.ready === 'boolean'
      ? record
      : undefined;
  } catch {
    return undefined;
  }
}

namespace Private {
  /** A server listening on every address is reached on the loopback one. */
  export function connectHost(host: string): string {
    if (host === '0.0.0.0' || host === '::' || host === '') {
      return '127.0.0.1';
    }
    return host.includes(':') ? `[${host}]` : host;
  }
}
