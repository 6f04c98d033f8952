// npm start: set up whatever is missing, then start the REST server and JupyterLab.
// Arguments after `npm start --` go to `cryoprotect start` (e.g. --no-browser, --port, --lab-port).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ROOT, childEnv } from './lib.mjs';
import { setup } from './setup.mjs';

try {
  await setup();
} catch (error) {
  process.stderr.write(`setup failed: ${error.message}\n`);
  process.exit(1);
}

const args = process.argv.slice(2);
if (process.env.CI === 'true' && !args.includes('--browser')) {
  args.push('--no-browser');
}
const child = spawn(
  process.execPath,
  [join(ROOT, 'server', 'bin', 'cryoprotect.js'), 'start', ...args],
  {
    cwd: ROOT,
    env: childEnv(),
    stdio: 'inherit'
  }
);
// Ctrl-C reaches the whole foreground process group; the server stops JupyterLab and itself.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => child.kill(signal));
}
child.on('exit', code => process.exit(code ?? 1));
