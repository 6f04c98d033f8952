import { spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** server/bin/cryoprotect.js, from server/dist/testing. */
export const CLI = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'bin',
  'cryoprotect.js'
);

/**
 * Runs the `cryoprotect` command line to completion, as a user would (a separate process, no
 * terminal on stdin), with `env` on top of this process's environment.
 */
export function runCryoprotect(
  args: string[],
  env: Record<string, string> = {}
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe']
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', c => (stdout += c));
    child.stderr.on('data', c => (stderr += c));
    child.on('error', fail);
    child.on('exit', code => done({ code, stdout, stderr }));
  });
}
