import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const CLI = join(ROOT, 'server', 'bin', 'cryoprotect.js');
export const VENV_BIN = join(ROOT, '.venv', 'bin');

export function tempDir(prefix = 'cryoprotect-it-') {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function freePort() {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
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
