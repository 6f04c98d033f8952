import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  statSync,
  writeSync
} from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

/**
 * The lock file of an embedded (PGlite) data folder. PGlite has no lock of its own and two
 * processes writing one folder corrupt it, so `openPGlite` takes this lock first.
 *
 * The record (JSON) says who holds the folder: pid, the identity of that process's start (so a
 * pid recycled by another process after a crash is recognised), the host (hostname, and on Linux
 * the pid namespace: a container sees other pids), a random id (what `release` checks before it
 * removes the file) and when the lock was taken. The old format, a bare pid, is still read.
 *
 * Deciding whether a lock is stale:
 * - another host (or pid namespace): never stale; refused, naming the holder;
 * - the same host: stale when the process does not exist (or is a zombie), or exists but started
 *   at another time than recorded (its pid was recycled); otherwise held;
 * - a file that is no record at all (empty, truncated, garbage; a crash during a write of an
 *   older version, a power cut, a hand edit): stale once it is older than CORRUPT_GRACE_MS.
 *   Records are published whole (written to a file of their own, fsynced, then hard-linked to the
 *   lock's name), so a live opener never shows a partial one; the grace covers writers that
 *   cannot link (file systems without hard links fall back to exclusive create).
 *
 * Taking over a stale lock happens under a second, short-lived guard file created exclusively, and
 * the lock is read and judged again under it: of openers racing for one stale lock exactly one
 * removes it and takes its place; the others find the winner's live record and are refused.
 */
export const LOCK_FILE = 'cryoprotect.lock';
const GUARD_FILE = 'cryoprotect.lock.takeover';
/** A lock file that is no record is judged stale once it has existed this long. */
export const CORRUPT_GRACE_MS = 2_000;
/** A takeover guard lives milliseconds; one this old was left by a crash inside the takeover. */
const GUARD_STALE_MS = 10_000;
/** How long an opener waits for another opener's takeover before it gives up. */
const WAIT_LIMIT_MS = 15_000;

export interface LockRecord {
  pid: number;
  /**
   * What identifies this start of the process, comparable on the same host only: on Linux
   * `linux:<boot id>:<start time in clock ticks since boot>` (/proc/<pid>/stat field 22), elsewhere
   * `ps:<start time as ps prints it>`; absent where neither can be read (then only the pid counts).
   */
  start?: string;
  /** When the process started (ISO 8601), for people; absent with `start`. */
  startedAt?: string;
  hostname: string;
  /** Linux: the pid namespace (`pid:[4026531836]`); a container has its own. */
  pidNamespace?: string;
  /** Random; the lock is released only by the opener that wrote it. */
  id: string;
  /** When the lock was taken (ISO 8601). */
  since: string;
}

/** Raised when another process holds the embedded database. */
export class DatabaseInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
    readonly holder: Partial<LockRecord> & { otherHost?: boolean } = {}
  ) {
    const since = holder.since ? ` since ${holder.since}` : '';
    super(
      holder.otherHost
        ? `the embedded database ${dataDir} is locked by process ${pid} on host ${holder.hostname ?? '?'}${holder.pidNamespace ? ` (${holder.pidNamespace})` : ''}${since}; a lock from another host is never taken over: stop that process there, or, if no process there uses the folder any more, delete ${join(dataDir, LOCK_FILE)}`
        : `the embedded database ${dataDir} is in use by process ${pid}${since}; PGlite allows one process per data folder, so stop that process (e.g. its "cryoprotect serve" or "cryoprotect start") or go through its REST server`
    );
    this.name = 'DatabaseInUseError';
  }
}

interface ProcessStart {
  start: string;
  startedAt?: string;
}

namespace Private {
  let bootId: string | null | undefined;
  let bootTimeS: number | null | undefined;

  function linuxBoot(): { id: string | null; timeS: number | null } {
    if (bootId === undefined) {
      try {
        bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
      } catch {
        bootId = null;
      }
      try {
        const line = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'));
        bootTimeS = line ? Number(line[1]) : null;
      } catch {
        bootTimeS = null;
      }
    }
    return { id: bootId, timeS: bootTimeS ?? null };
  }

  /** /proc/<pid>/stat split after the command name (which may hold spaces and parentheses). */
  function procStat(pid: number): string[] | undefined {
    try {
      const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // Fields 3 onwards: state, ppid, ...; field n is at index n - 3.
      return text
        .slice(text.lastIndexOf(')') + 2)
        .trim()
        .split(' ');
    } catch {
      return undefined;
    }
  }

  export function useProc(): boolean {
    return process.platform === 'linux' && procStat(process.pid) !== undefined;
  }

  /**
   * Linux: the start of a process; null when it does not exist or is a zombie (it holds no file
   * any more), undefined when /proc does not show it (hidepid: another user's process).
   */
  export function linuxStart(pid: number): ProcessStart | null | undefined {
    const fields = procStat(pid);
    if (!fields) {
      return signalAlive(pid) ? undefined : null;
    }
    if (fields[0] === 'Z' || fields[0] === 'X') {
      return null;
    }
    const ticks = fields[22 - 3];
    const boot = linuxBoot();
    // USER_HZ, the unit of field 22, is 100 on every Linux architecture Node runs on; the time is
    // for people only, the identity compares the ticks themselves.
    const startedAt =
      boot.timeS !== null ? new Date((boot.timeS + Number(ticks) / 100) * 1000) : undefined;
    return {
      start: `linux:${boot.id ?? 'unknown-boot'}:${ticks}`,
      startedAt: startedAt?.toISOString()
    };
  }

  /** Elsewhere (macOS, BSD): ps; undefined when it cannot tell. */
  export function psStart(pid: number): ProcessStart | undefined {
    if (process.platform === 'win32') {
      return undefined;
    }
    try {
      const out = execFileSync('ps', ['-o', 'lstart=', '-p', String(pid)], {
        encoding: 'utf8',
        timeout: 2_000,
        stdio: ['ignore', 'pipe', 'ignore'],
        env: { ...process.env, LC_ALL: 'C' }
      }).trim();
      if (!out) {
        return undefined;
      }
      const date = new Date(out);
      return {
        start: `ps:${out}`,
        startedAt: Number.isNaN(date.getTime()) ? undefined : date.toISOString()
      };
    } catch {
      return undefined;
    }
  }

  export function pidNamespace(): string | undefined {
    if (process.platform !== 'linux') {
      return undefined;
    }
    try {
      return readlinkSync('/proc/self/ns/pid');
    } catch {
      return undefined;
    }
  }

  export function signalAlive(pid: number): boolean {
    try {
      process.kill(pid, 0);
      return true;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'EPERM';
    }
  }
}

/**
 * Is the process `pid` alive, and when did it start? `alive: false` when it does not exist;
 * `start` undefined when its start cannot be read here (then only its existence is known).
 */
export function processStart(pid: number): { alive: boolean; start?: ProcessStart } {
  if (Private.useProc()) {
    const start = Private.linuxStart(pid);
    return start === null ? { alive: false } : { alive: true, start };
  }
  if (!Private.signalAlive(pid)) {
    return { alive: false };
  }
  return { alive: true, start: Private.psStart(pid) };
}

/** The record this process writes. */
export function ownRecord(): LockRecord {
  const start = processStart(process.pid).start;
  return {
    pid: process.pid,
    start: start?.start,
    startedAt: start?.startedAt,
    hostname: hostname(),
    pidNamespace: Private.pidNamespace(),
    id: randomBytes(12).toString('hex'),
    since: new Date().toISOString()
  };
}

/** What a lock file holds: a record, the old bare pid, or nothing readable. */
export type LockContent =
  | { kind: 'record'; record: LockRecord }
  | { kind: 'legacy'; pid: number }
  | { kind: 'corrupt'; text: string };

export function parseLock(text: string): LockContent {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) {
    const pid = Number(trimmed);
    if (Number.isSafeInteger(pid) && pid > 0) {
      return { kind: 'legacy', pid };
    }
  }
  try {
    const value = JSON.parse(trimmed) as Partial<LockRecord> | null;
    if (
      value &&
      typeof value === 'object' &&
      Number.isSafeInteger(value.pid) &&
      (value.pid as number) > 0 &&
      typeof value.hostname === 'string' &&
      typeof value.id === 'string'
    ) {
      return { kind: 'record', record: value as LockRecord };
    }
  } catch {
    // Not JSON: corrupt below.
  }
  return { kind: 'corrupt', text: trimmed.slice(0, 80) };
}

export type LockVerdict =
  | { state: 'held'; pid: number; holder: Partial<LockRecord> & { otherHost?: boolean } }
  | { state: 'stale'; reason: string }
  | { state: 'young-corrupt' };

/** Judge the content of a lock file (its age in ms matters only when it is corrupt). */
export function judgeLock(content: LockContent, ageMs: number): LockVerdict {
  switch (content.kind) {
    case 'corrupt':
      return ageMs >= CORRUPT_GRACE_MS
        ? { state: 'stale', reason: `unreadable lock (${JSON.stringify(content.text)})` }
        : { state: 'young-corrupt' };
    case 'legacy': {
      // The old format names no host or start: the pid alone decides, as it did.
      const { alive } = processStart(content.pid);
      return alive
        ? { state: 'held', pid: content.pid, holder: {} }
        : { state: 'stale', reason: `process ${content.pid} no longer exists` };
    }
    case 'record': {
      const record = content.record;
      const own = { hostname: hostname(), pidNamespace: Private.pidNamespace() };
      if (
        record.hostname !== own.hostname ||
        (record.pidNamespace !== undefined &&
          own.pidNamespace !== undefined &&
          record.pidNamespace !== own.pidNamespace)
      ) {
        return { state: 'held', pid: record.pid, holder: { ...record, otherHost: true } };
      }
      const now = processStart(record.pid);
      if (!now.alive) {
        return { state: 'stale', reason: `process ${record.pid} no longer exists` };
      }
      if (record.start && now.start && record.start !== now.start.start) {
        return {
          state: 'stale',
          reason: `process ${record.pid} is another process than the holder (started ${now.start.startedAt ?? now.start.start}, the holder ${record.startedAt ?? record.start})`
        };
      }
      return { state: 'held', pid: record.pid, holder: record };
    }
  }
}

/** Write `text` to `path`, which must not exist yet, and flush it to disk. */
function writeNewFile(path: string, text: string): void {
  const fd = openSync(path, 'wx', 0o644);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Create `path` holding `text`, only if it does not exist, and never visible half-written: the text
 * goes to a file of its own, is flushed to disk, then hard-linked to `path` (EEXIST when taken).
 * Without hard links (some network and FUSE file systems) it falls back to exclusive create.
 */
function createExclusive(path: string, text: string): void {
  const temporary = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  writeNewFile(temporary, text);
  try {
    linkSync(temporary, path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (
      code === 'EEXIST' ||
      !['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV'].includes(code!)
    ) {
      throw error;
    }
    writeNewFile(path, text);
  } finally {
    rmSync(temporary, { force: true });
  }
}

/**
 * The files createExclusive writes beside the lock, left behind when their writer was killed
 * between writing and removing them: removed by the next holder when that writer is gone.
 */
function removeOrphans(dataDir: string): void {
  for (const name of readdirSync(dataDir)) {
    const pid = /^cryoprotect\.lock(?:\.takeover)?\.(\d+)\.[0-9a-f]+\.tmp$/.exec(name)?.[1];
    if (pid && Number(pid) !== process.pid && !processStart(Number(pid)).alive) {
      rmSync(join(dataDir, name), { force: true });
    }
  }
}

function readLock(path: string): { text: string; ageMs: number } | undefined {
  try {
    const ageMs = Date.now() - statSync(path).mtimeMs;
    return { text: readFileSync(path, 'utf8'), ageMs };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return undefined;
    }
    throw error;
  }
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export interface HeldLock {
  record: LockRecord;
  /** Why a previous lock was taken over, if one was. */
  tookOver?: string;
  /** Remove the lock file, if it is still this opener's. */
  release(): void;
}

/**
 * Take the data folder's lock, or throw DatabaseInUseError naming the holder. Synchronous: it runs
 * once when the database is opened, and its waits are short.
 */
export function lockDataDir(dataDir: string): HeldLock {
  mkdirSync(dataDir, { recursive: true });
  const lockFile = join(dataDir, LOCK_FILE);
  const guardFile = join(dataDir, GUARD_FILE);
  const record = ownRecord();
  const text = JSON.stringify(record, null, 2) + '\n';
  const deadline = Date.now() + WAIT_LIMIT_MS;
  let tookOver: string | undefined;
  const held = (): HeldLock => ({
    record,
    tookOver,
    release: () => {
      const now = readLock(lockFile);
      const content = now && parseLock(now.text);
      if (content?.kind === 'record' && content.record.id === record.id) {
        rmSync(lockFile, { force: true });
      }
    }
  });
  for (;;) {
    try {
      createExclusive(lockFile, text);
      removeOrphans(dataDir);
      return held();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw error;
      }
    }
    const found = readLock(lockFile);
    if (found) {
      const verdict = judgeLock(parseLock(found.text), found.ageMs);
      if (verdict.state === 'held') {
        throw new DatabaseInUseError(dataDir, verdict.pid, verdict.holder);
      }
      if (verdict.state === 'stale') {
        const result = takeOver(lockFile, guardFile, found.text, text);
        if (result === 'taken') {
          tookOver = verdict.reason;
          removeOrphans(dataDir);
          return held();
        }
      }
    }
    // Gone meanwhile, written this instant, or another opener is taking it over: look again.
    if (Date.now() > deadline) {
      throw new Error(
        `could not take the lock ${lockFile} within ${WAIT_LIMIT_MS / 1000} s (another opener keeps changing it)`
      );
    }
    sleep(20 + Math.floor(Math.random() * 30));
  }
}

/**
 * Replace the stale lock `staleText` by ours, under the takeover guard; 'busy' when another
 * opener holds the guard or the lock changed before the guard was taken (the caller looks again).
 */
function takeOver(
  lockFile: string,
  guardFile: string,
  staleText: string,
  ourText: string
): 'taken' | 'busy' {
  try {
    createExclusive(guardFile, `${process.pid}\n`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw error;
    }
    const guard = readLock(guardFile);
    if (guard && guard.ageMs > GUARD_STALE_MS) {
      rmSync(guardFile, { force: true });
    }
    return 'busy';
  }
  try {
    // Judged again under the guard: only a file that is still the stale one is removed.
    const again = readLock(lockFile);
    if (again && again.text !== staleText) {
      return 'busy';
    }
    rmSync(lockFile, { force: true });
    try {
      createExclusive(lockFile, ourText);
    } catch (error) {
      // An opener that found no lock at all created one in between: its lock, judged anew.
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
        return 'busy';
      }
      throw error;
    }
    return 'taken';
  } finally {
    rmSync(guardFile, { force: true });
  }
}
