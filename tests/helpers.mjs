import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../scripts/lib.mjs';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const CLI = join(ROOT, 'server', 'bin', 'cryoprotect.js');
export const VENV_BIN = join(ROOT, '.venv', 'bin');

export function tempDir(prefix = 'cryoprotect-it-') {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * Run a command to completion; resolves with its exit code and output (never rejects on exit
 * code). `stdin`, when given, is written to the command's standard input.
 */
export function runCommand(
  command,
  args,
  { env = {}, cwd = ROOT, timeoutMs = 300_000, stdin = undefined } = {}
) {
  return new Promise((done, fail) => {
    const child = spawn(command, args, {
      cwd,
      env: { ...process.env, ...env },
      stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe']
    });
    if (stdin !== undefined) {
      child.stdin.end(stdin);
    }
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', c => (stdout += c));
    child.stderr.on('data', c => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', fail);
    child.on('exit', code => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

/** Start a long-running process and wait until its output matches `ready`. */
export function startProcess(command, args, { env = {}, ready, timeoutMs = 120_000 }) {
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  });
  let output = '';
  const exited = new Promise(done => child.on('exit', (code, signal) => done({ code, signal })));
  const started = new Promise((done, fail) => {
    const timer = setTimeout(
      () => fail(new Error(`not ready after ${timeoutMs} ms:\n${output}`)),
      timeoutMs
    );
    const check = chunk => {
      output += chunk;
      const match = ready.exec(output);
      if (match) {
        clearTimeout(timer);
        done(match);
      }
    };
    child.stdout.on('data', check);
    child.stderr.on('data', check);
    exited.then(({ code }) => {
      clearTimeout(timer);
      fail(new Error(`exited with ${code} before it was ready:\n${output}`));
    });
  });
  return { child, started, exited, output: () => output };
}

/**
 * `cryoprotect start --no-lab` on a fresh embedded database (PGlite in a scratch folder), as
 * `npm start` gives, with a site administrator made by the command line beforehand (PGlite has
 * one process at a time). Resolves with the server's address, the administrator's token (scopes
 * read, write, admin; a day) and a stop function that also deletes the database.
 */
export async function embeddedServer() {
  const dataDir = tempDir('cryoprotect-embedded-');
  const env = { CRYOPROTECT_DATA_DIR: dataDir, DATABASE_URL: '' };
  const admin = { username: 'notebook-admin', password: randomBytes(18).toString('base64url') };
  const made = await runCommand(
    process.execPath,
    [CLI, 'user', 'create', admin.username, '--admin', '--password-stdin'],
    { env, stdin: `${admin.password}\n`, timeoutMs: 180_000 }
  );
  if (made.code !== 0) {
    rmSync(dataDir, { recursive: true, force: true });
    throw new Error(`cryoprotect user create: ${made.stderr}`);
  }
  const port = await freePort();
  const server = startProcess(
    process.execPath,
    [CLI, 'start', '--no-lab', '--no-browser', '--port', String(port)],
    { env, ready: /REST server: http/, timeoutMs: 180_000 }
  );
  const stop = async () => {
    server.child.kill('SIGTERM');
    await server.exited;
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await server.started;
    const url = `http://127.0.0.1:${port}`;
    const login = await fetch(`${url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        ...admin,
        tokenName: 'test',
        scopes: ['read', 'write', 'admin'],
        expiresInDays: 1
      })
    });
    const body = await login.json();
    if (!login.ok) {
      throw new Error(`login as ${admin.username}: ${login.status} ${JSON.stringify(body)}`);
    }
    return { url, token: body.token, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * A TypeScript (tslab) notebook's JSON: one code cell per item, given as its source or as
 * { source, tags }, and extra notebook metadata.
 */
export function tslabNotebook(cells, metadata = {}) {
  return JSON.stringify({
    cells: cells.map((cell, i) => {
      const { source, tags } = typeof cell === 'string' ? { source: cell } : cell;
      return {
        cell_type: 'code',
        id: `c${i}`,
        metadata: tags ? { tags } : {},
        outputs: [],
        execution_count: null,
        source
      };
    }),
    metadata: {
      kernelspec: { name: 'tslab', display_name: 'TypeScript', language: 'typescript' },
      ...metadata
    },
    nbformat: 4,
    nbformat_minor: 5
  });
}

export { freePort };
