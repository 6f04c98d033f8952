import { execFileSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository this server runs from (server/dist/models -> the root). */
const REPOSITORY = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/**
 * The code a process runs: CRYOPROTECT_CODE_COMMIT when the deployment names one (a container has
 * no .git), else HEAD of the git checkout it runs from, and whether tracked files were changed
 * since. `reason` says why there is no commit.
 */
export function checkoutState(
  directory: string = REPOSITORY,
  environment: NodeJS.ProcessEnv = process.env
):
  | { commit: string; modified: boolean; changed?: string[] }
  | { commit: undefined; reason: string } {
  const named = environment.CRYOPROTECT_CODE_COMMIT;
  if (named) {
    return /^[0-9a-f]{7,40}$/.test(named)
      ? { commit: named, modified: false }
      : {
          commit: undefined,
          reason: `CRYOPROTECT_CODE_COMMIT "${named}" is not a commit hash (7 to 40 hex digits)`
        };
  }
  const git = (args: string[]) =>
    execFileSync('git', ['-C', directory, ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore']
    }).trim();
  let head: string;
  try {
    head = git(['rev-parse', 'HEAD']);
  } catch {
    return {
      commit: undefined,
      reason: 'not a git checkout and CRYOPROTECT_CODE_COMMIT is not set'
    };
  }
  // Which tracked files differ (staged or not), so a reader can tell an edited library from a
  // notebook that JupyterLab saved with its outputs.
  const changed = git(['diff', '--name-only', 'HEAD'])
    .split('\n')
    .filter(line => line !== '');
  return changed.length > 0
    ? { commit: head, modified: true, changed }
    : { commit: head, modified: false };
}

/**
 * The commit of the code that trains a model, for the registry: the checkout's (see
 * checkoutState) — but only when it has no uncommitted changes to tracked files, since then HEAD
 * would not describe the code that ran.
 */
export function codeCommit(
  directory: string = REPOSITORY,
  environment: NodeJS.ProcessEnv = process.env
): { commit: string } | { commit: undefined; reason: string } {
  const state = checkoutState(directory, environment);
  if (state.commit === undefined) {
    return state;
  }
  if (state.modified) {
    return {
      commit: undefined,
      reason: `the checkout has uncommitted changes, so HEAD ${state.commit.slice(0, 12)} does not describe the code`
    };
  }
  return { commit: state.commit };
}
