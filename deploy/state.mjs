// The deploy tool's state folder: state.json (ports, which slot is live, the release in each slot),
// the deploy lock, pid and log files. Everything the tool knows survives in this folder, so any
// command can be run from any shell after any other, including after a crash of the tool itself.
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync
} from 'node:fs';
import { join, resolve } from 'node:path';

export const SLOTS = ['blue', 'green'];
export const DEFAULT_STATE_DIR = '/var/lib/cryoprotect-bluegreen';

export function stateDir(option) {
  return resolve(option ?? process.env.CRYOPROTECT_DEPLOY_STATE ?? DEFAULT_STATE_DIR);
}

export function paths(dir) {
  return {
    state: join(dir, 'state.json'),
    lock: join(dir, 'deploy.lock'),
    releases: join(dir, 'releases'),
    logs: join(dir, 'logs'),
    haproxyConfig: join(dir, 'haproxy.cfg'),
    haproxyPid: join(dir, 'haproxy.pid'),
    haproxySocket: join(dir, 'haproxy.sock'),
    haproxyLog: join(dir, 'logs', 'haproxy.log'),
    serverEnv: join(dir, 'server.env'),
    slotPid: slot => join(dir, `${slot}.pid`),
    slotLog: slot => join(dir, 'logs', `${slot}.log`),
    slotData: slot => join(dir, 'slots', slot)
  };
}

export function readState(dir) {
  const file = paths(dir).state;
  if (!existsSync(file)) {
    return undefined;
  }
  return JSON.parse(readFileSync(file, 'utf8'));
}

export function requireState(dir) {
  const state = readState(dir);
  if (!state) {
    throw new Error(
      `${dir} is not set up: run "node deploy/bluegreen.mjs init --state ${dir} --port N --blue-port N --green-port N" first`
    );
  }
  return state;
}

/** Written beside and renamed into place: a crash never leaves half a state file. */
export function writeState(dir, state) {
  const file = paths(dir).state;
  writeFileSync(`${file}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

export function ensureDirs(dir) {
  const p = paths(dir);
  for (const folder of [dir, p.releases, p.logs, join(dir, 'slots')]) {
    mkdirSync(folder, { recursive: true });
  }
}

export function pidAlive(pid) {
  if (!Number.isInteger(pid) || pid <= 0) {
    return false;
  }
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie still answers kill(0) but serves nothing.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return true;
  }
}

export function readPid(file) {
  try {
    return Number(readFileSync(file, 'utf8').trim());
  } catch {
    return undefined;
  }
}

/**
 * One deploy, rollback or stop at a time. A lock whose process is gone (killed, crashed) is taken
 * over, so a crash never needs a hand-made clean-up.
 */
export function takeLock(dir, command) {
  const file = paths(dir).lock;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeFileSync(fd, JSON.stringify({ pid: process.pid, command, since: new Date() }));
      closeSync(fd);
      return () => rmSync(file, { force: true });
    } catch (error) {
      if (error.code !== 'EEXIST') {
        throw error;
      }
      const holder = lockHolder(dir);
      if (holder) {
        throw new Error(
          `another "${holder.command}" is running (pid ${holder.pid}, since ${holder.since})`
        );
      }
      rmSync(file, { force: true });
    }
  }
  throw new Error(`could not take ${file}`);
}

/** The live process holding the deploy lock, if any. */
export function lockHolder(dir) {
  try {
    const holder = JSON.parse(readFileSync(paths(dir).lock, 'utf8'));
    return pidAlive(holder.pid) ? holder : undefined;
  } catch {
    return undefined;
  }
}

export function seconds(ms) {
  return `${(ms / 1000).toFixed(2)} s`;
}

/**
 * One line per step: what it did and how long it took. `run` gets `note(text)` to say what it did;
 * a failure is printed the same way and thrown on.
 */
export async function step(label, run) {
  const t0 = performance.now();
  let text = 'done';
  try {
    const value = await run(t => (text = t));
    say(`${label.padEnd(9)} ${text} (${seconds(performance.now() - t0)})`);
    return value;
  } catch (error) {
    say(`${label.padEnd(9)} FAILED: ${error.message} (${seconds(performance.now() - t0)})`);
    throw error;
  }
}

export function say(line) {
  process.stdout.write(`${line}\n`);
}

export const sleep = ms => new Promise(done => setTimeout(done, ms));

/** "60s", "2m", "500ms", "1h" or a bare number of seconds, in milliseconds. */
export function parseDuration(text, name) {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(String(text).trim());
  if (!match) {
    throw new Error(`${name} must be a duration like 60s, 2m or 500ms (got "${text}")`);
  }
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] ?? 's'];
  return Math.round(Number(match[1]) * unit);
}
