import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (server/dist -> ../..), where .venv and notebooks/ live. */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The project's Python environment: JupyterLab, nbconvert, nbclient and the tslab kernel spec. */
export const VENV_BIN = join(PROJECT_ROOT, '.venv', 'bin');

/** JupyterLab's plugin that asks for news consent and checks for updates. */
export const ANNOUNCEMENTS_PLUGIN = '@jupyterlab/apputils-extension:announcements';

export interface LabOptions {
  port: number;
  openBrowser: boolean;
  serverUrl: string;
  serverPort: number;
  /** API token of the local user (embedded mode), for kernels and the extension. */
  token?: string;
  logDir: string;
  notebook: string;
}

export interface RunningLab {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Start JupyterLab from the project's virtual environment on notebooks/, with a fresh token, and
 * wait until it answers. Its log goes to a file so the console keeps one line per step.
 */
export async function startJupyterLab(options: LabOptions): Promise<RunningLab> {
  const jupyter = join(VENV_BIN, 'jupyter');
  if (!existsSync(jupyter)) {
    throw new Error(
      `JupyterLab is not installed at ${jupyter}; run "npm start" (or "npm run setup") from ${PROJECT_ROOT}`
    );
  }
  mkdirSync(options.logDir, { recursive: true });
  const logFile = join(options.logDir, 'jupyterlab.log');
  const log = createWriteStream(logFile, { flags: 'a' });
  const token = randomBytes(24).toString('hex');
  // Tell the extension where this REST server listens, through JupyterLab's page config; a config
  // folder of our own keeps the user's and the environment's Jupyter configuration untouched.
  const configDir = join(options.logDir, 'jupyter-config');
  mkdirSync(configDir, { recursive: true });
  writeFileSync(
    join(configDir, 'jupyter_server_config.json'),
    JSON.stringify({
      ServerApp: {
        tornado_settings: {
          page_config_data: {
            cryoprotectServerPort: String(options.serverPort),
            ...(options.token ? { cryoprotectToken: options.token } : {})
          }
        }
      },
      // Workshops run offline: no news feed, no update check calling out to the internet.
      LabApp: { news_url: null, check_for_updates_class: 'jupyterlab.NeverCheckForUpdate' }
    }),
    // It may carry the local API token.
    { mode: 0o600 }
  );
  // The news prompt ("Would you like to get notified about official Jupyter news?") and the update
  // check come from one plugin; the page config of our folder disables it, as
  // `jupyter labextension disable` would, without touching the environment's settings.
  mkdirSync(join(configDir, 'labconfig'), { recursive: true });
  writeFileSync(
    join(configDir, 'labconfig', 'page_config.json'),
    JSON.stringify({ disabledExtensions: { [ANNOUNCEMENTS_PLUGIN]: true } })
  );
  const args = [
    'lab',
    `--ServerApp.root_dir=${join(PROJECT_ROOT, 'notebooks')}`,
    '--ServerApp.ip=127.0.0.1',
    `--ServerApp.port=${options.port}`,
    '--ServerApp.port_retries=0',
    `--IdentityProvider.token=${token}`,
    `--LabApp.default_url=/lab/tree/${options.notebook}`,
    options.openBrowser ? '--ServerApp.open_browser=True' : '--ServerApp.open_browser=False',
    // Containers and CI run as root; Jupyter refuses that unless told it is deliberate.
    ...(process.getuid?.() === 0 ? ['--allow-root'] : [])
  ];
  const child = spawn(jupyter, args, {
    cwd: PROJECT_ROOT,
    // Kernels inherit this, so notebooks find the REST server without configuration.
    env: {
      ...process.env,
      CRYOPROTECT_SERVER_URL: options.serverUrl,
      ...(options.token ? { CRYOPROTECT_TOKEN: options.token } : {}),
      JUPYTER_CONFIG_PATH: [configDir, process.env.JUPYTER_CONFIG_PATH].filter(Boolean).join(':')
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: a terminal's Ctrl-C must not reach Jupyter directly (it would ask
    // for confirmation); stop() ends it with SIGTERM instead.
    detached: true
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const base = `http://127.0.0.1:${options.port}`;
  const exited = new Promise<number | null>(done => child.once('exit', code => done(code)));
  const deadline = Date.now() + 60_000;
  for (;;) {
    const early = await Promise.race([
      exited,
      new Promise(r => setTimeout(() => r('waiting'), 300))
    ]);
    if (early !== 'waiting') {
      // Give the piped output a moment to reach the file, then show its end.
      await new Promise(r => setTimeout(r, 200));
      const tail = readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n');
      throw new Error(
        `JupyterLab exited with code ${String(early)} before it was ready; the end of ${logFile}:\n${tail}`
      );
    }
    try {
      const response = await fetch(`${base}/api/status?token=${token}`);
      if (response.ok) {
        break;
      }
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      child.kill('SIGTERM');
      throw new Error(`JupyterLab did not answer within 60 s; see ${logFile}`);
    }
  }
  return {
    url: `${base}/lab/tree/${options.notebook}?token=${token}`,
    child,
    stop: async () => {
      if (child.exitCode !== null) {
        return;
      }
      // SIGINT would make Jupyter ask for confirmation; SIGTERM shuts it down with its kernels.
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
  };
}
