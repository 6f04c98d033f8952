// Debian packages the tests and the operations scripts need (PostgreSQL, HAProxy, Prometheus,
// Alertmanager, pgBackRest): installed when missing and running as root. Tests run two at a time,
// and apt holds a lock on dpkg, so every install waits for the lock instead of failing on it, and
// the package lists are refreshed at most once per process.
import { spawnSync } from 'node:child_process';
import { isRoot, run } from './lib.mjs';

let listsFresh = false;
const APT_ENV = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
// Wait up to 10 minutes for another apt/dpkg (a parallel test's install) to finish.
const LOCK_WAIT = ['-o', 'DPkg::Lock::Timeout=600'];

/** Is the Debian package installed (dpkg status "install ok installed")? */
export function debianPackageInstalled(name) {
  const result = spawnSync('dpkg-query', ['-W', '-f=${Status}', name], { encoding: 'utf8' });
  return result.status === 0 && result.stdout.includes('install ok installed');
}

/**
 * Install the packages that are missing. Throws with what to do when they are missing and this is
 * not root (an operator's machine: the message names the apt-get command).
 */
export async function ensureDebianPackages(packages) {
  const missing = packages.filter(p => !debianPackageInstalled(p));
  if (missing.length === 0) {
    return;
  }
  if (!isRoot()) {
    throw new Error(
      `missing Debian packages: ${missing.join(', ')}; install them with: sudo apt-get install ${missing.join(' ')}`
    );
  }
  if (!listsFresh) {
    await run('apt-get', [...LOCK_WAIT, 'update'], { env: APT_ENV });
    listsFresh = true;
  }
  await run('apt-get', [...LOCK_WAIT, 'install', '-y', '--no-install-recommends', ...missing], {
    env: APT_ENV
  });
}
