// A slot is one `cryoprotect serve` of one release on one port, detached from the tool (its own
// process group, pid file and log file in the state folder), so the tool can exit and a later
// command still finds and stops it.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { paths, pidAlive, readPid, sleep } from './state.mjs';

/**
 * The servers' environment: the tool's own, then `<state>/server.env` (KEY=VALUE lines) over it,
 * so a rollback from another shell starts the server with the same database and settings.
 */
export function serverEnvironment(dir) {
  const env = { ...process.env };
  const file = paths(dir).serverEnv;
  if (existsSync(file)) {
    Object.assign(env, parseEnv(readFileSync(file, 'utf8')));
  }
  for (const key of Object.keys(env)) {
    if (key.startsWith('CRYOPROTECT_DEPLOY_')) {
      delete env[key];
    }
  }
  if (!env.DATABASE_URL) {
    throw new Error(
      `DATABASE_URL is not set (environment or ${file}): blue-green needs PostgreSQL, the embedded database allows one process`
    );
  }
  return env;
}

function cli(releaseDir) {
  return join(releaseDir, 'server', 'bin', 'cryoprotect.js');
}

/** Run the release's command line to completion, its output into the slot's log. */
export function runReleaseCommand(dir, releaseDir, args, env, logFile, timeoutMs = 600_000) {
  return new Promise((done, fail) => {
    const log = openSync(logFile, 'a');
    writeFileSync(log, `--- ${new Date().toISOString()} cryoprotect ${args.join(' ')}\n`);
    const child = spawn(process.execPath, [cli(releaseDir), ...args], {
      cwd: releaseDir,
      env,
      stdio: ['ignore', 'pipe', 'pipe']
    });
    let output = '';
    const keep = chunk => {
      output += chunk;
      writeFileSync(log, chunk);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', error => {
      clearTimeout(timer);
      closeSync(log);
      fail(error);
    });
    child.on('close', code => {
      clearTimeout(timer);
      closeSync(log);
      done({ code, output });
    });
  });
}

export function slotPid(dir, slot) {
  const pid = readPid(paths(dir).slotPid(slot));
  return pid && pidAlive(pid) ? pid : undefined;
}

export function startSlot(dir, slot, { releaseDir, release, port, host, env }) {
  const p = paths(dir);
  const log = openSync(p.slotLog(slot), 'a');
  writeFileSync(
    log,
    `--- ${new Date().toISOString()} slot ${slot}: cryoprotect serve of release ${release} on ${host}:${port}\n`
  );
  const child = spawn(process.execPath, [cli(releaseDir), 'serve', '--port', String(port)], {
    cwd: releaseDir,
    env: {
      ...env,
      CRYOPROTECT_HOST: host,
      CRYOPROTECT_PORT: String(port),
      CRYOPROTECT_DATA_DIR: p.slotData(slot)
    },
    detached: true,
    stdio: ['ignore', log, log]
  });
  closeSync(log);
  child.unref();
  writeFileSync(p.slotPid(slot), `${child.pid}\n`);
  return child.pid;
}

/** SIGTERM (the server finishes its requests and closes its pool), SIGKILL after `timeoutMs`. */
export async function stopSlot(dir, slot, timeoutMs = 20_000) {
  const file = paths(dir).slotPid(slot);
  const pid = slotPid(dir, slot);
  if (!pid) {
    rmSync(file, { force: true });
    return 'not running';
  }
  const signal = sig => {
    try {
      process.kill(-pid, sig);
    } catch {
      try {
        process.kill(pid, sig);
      } catch {
        // Gone meanwhile.
      }
    }
  };
  signal('SIGTERM');
  const t0 = Date.now();
  while (pidAlive(pid) && Date.now() - t0 < timeoutMs) {
    await sleep(100);
  }
  let how = 'stopped';
  if (pidAlive(pid)) {
    signal('SIGKILL');
    how = `killed (no exit ${timeoutMs / 1000} s after SIGTERM)`;
    while (pidAlive(pid) && Date.now() - t0 < timeoutMs + 5000) {
      await sleep(100);
    }
  }
  rmSync(file, { force: true });
  return `${how} (pid ${pid})`;
}

function logTail(dir, slot, lines = 15) {
  try {
    const text = readFileSync(paths(dir).slotLog(slot), 'utf8').trimEnd().split('\n');
    return text.slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** Poll /health/ready until 200; fails early when the process exits, with its log's tail. */
export async function waitReady(dir, slot, host, port, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (!slotPid(dir, slot)) {
      throw new Error(
        `the server of slot ${slot} exited before it was ready; last lines of ${paths(dir).slotLog(slot)}:\n${logTail(dir, slot)}`
      );
    }
    try {
      const response = await fetch(`http://${host}:${port}/health/ready`, {
        signal: AbortSignal.timeout(3000)
      });
      const body = await response.text();
      if (response.status === 200) {
        return;
      }
      last = `${response.status} ${body.slice(0, 300)}`;
    } catch (error) {
      last = error.cause?.code ?? error.message;
    }
    await sleep(250);
  }
  throw new Error(`not ready within ${timeoutMs / 1000} s (last: ${last})`);
}
