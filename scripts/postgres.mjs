// A throw-away PostgreSQL server for the tests: Debian's postgresql package (installed when
// missing and running as root), a fresh cluster in a temporary folder, on 127.0.0.1 and a free port.
// Debian's RDKit cartridge (postgresql-NN-rdkit) comes with it, so database searches are tested too.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureDebianPackages } from './debian.mjs';
import { freePort, isRoot, run } from './lib.mjs';

const MIN_VERSION = 15;

function findBinaries() {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) {
    return undefined;
  }
  const versions = readdirSync(base)
    .map(Number)
    .filter(v => v >= MIN_VERSION && existsSync(join(base, String(v), 'bin', 'initdb')))
    .sort((a, b) => b - a);
  return versions.length ? join(base, String(versions[0]), 'bin') : undefined;
}

async function installPostgres() {
  if (!isRoot()) {
    throw new Error(
      'PostgreSQL 15+ is not installed and this is not root: install postgresql (Debian: sudo apt-get install postgresql-15 postgresql-15-rdkit) or set DATABASE_URL'
    );
  }
  await ensureDebianPackages(['postgresql-15', 'postgresql-15-rdkit']);
}

/**
 * The RDKit cartridge for the server in `bin` (Debian: postgresql-NN-rdkit), installed when missing
 * and running as root. Without it the cartridge tests fail in CI, so not being able to install it is
 * only reported here, and the tests say what is missing.
 */
async function ensureCartridge(bin) {
  const version = bin.split('/').at(-2);
  if (existsSync(`/usr/share/postgresql/${version}/extension/rdkit.control`) || !isRoot()) {
    return;
  }
  try {
    await ensureDebianPackages([`postgresql-${version}-rdkit`]);
  } catch (error) {
    process.stderr.write(`could not install the RDKit cartridge: ${error.message}\n`);
  }
}

/** Signal the cluster's postmaster (by its postmaster.pid) and its child processes. */
function signalCluster(dataDir, signal) {
  const postmaster = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const children = readdirSync('/proc')
    .filter(entry => /^\d+$/.test(entry))
    .filter(pid => {
      try {
        // Field 4 of /proc/<pid>/stat is the parent's id (after "pid (comm) state").
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === postmaster;
      } catch {
        return false;
      }
    })
    .map(Number);
  for (const pid of [postmaster, ...children]) {
    try {
      process.kill(pid, signal);
    } catch {
      // A backend that just exited.
    }
  }
}

/** Start a server; returns its superuser URL and a stop function. */
export async function startPostgres() {
  let bin = findBinaries();
  if (!bin) {
    await installPostgres();
    bin = findBinaries();
  }
  if (!bin) {
    throw new Error('PostgreSQL installation did not provide initdb');
  }
  await ensureCartridge(bin);
  const dir = mkdtempSync(join(tmpdir(), 'cryoprotect-pg-'));
  const port = await freePort();
  // initdb refuses to run as root, so the cluster belongs to the postgres user created by the package.
  const asOwner = (command, args) =>
    isRoot() ? run('runuser', ['-u', 'postgres', '--', command, ...args]) : run(command, args);
  if (isRoot()) {
    await run('chown', ['postgres:postgres', dir]);
  }
  await asOwner(join(bin, 'initdb'), [
    '-D',
    join(dir, 'data'),
    '-U',
    'postgres',
    '--auth=trust',
    '--encoding=UTF8',
    '--locale=C.UTF-8'
  ]);
  const start = () =>
    asOwner(join(bin, 'pg_ctl'), [
      '-D',
      join(dir, 'data'),
      '-l',
      join(dir, 'server.log'),
      '-w',
      '-t',
      '60',
      '-o',
      `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`,
      'start'
    ]);
  await start();
  return {
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    version: bin.split('/').at(-2),
    // An outage for fault tests: a fast shutdown (clients are disconnected with admin_shutdown),
    // then a start on the same data folder and port.
    pause: () =>
      asOwner(join(bin, 'pg_ctl'), ['-D', join(dir, 'data'), '-m', 'fast', '-w', 'stop']),
    resume: start,
    // A hang rather than a refusal: SIGSTOP the postmaster and its backends (connections are
    // accepted by the kernel but never answered), SIGCONT to go on.
    freeze: () => signalCluster(join(dir, 'data'), 'SIGSTOP'),
    thaw: () => signalCluster(join(dir, 'data'), 'SIGCONT'),
    stop: async () => {
      try {
        await asOwner(join(bin, 'pg_ctl'), [
          '-D',
          join(dir, 'data'),
          '-m',
          'immediate',
          '-w',
          'stop'
        ]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  };
}

/**
 * One statement through psql over TCP to a test cluster (trust authentication as postgres),
 * bounded by `timeoutMs`; resolves the unaligned, tuples-only output, trimmed.
 */
export function psqlQuery(psqlBin, port, statement, timeoutMs = 60_000) {
  return new Promise((done, fail) => {
    const args = ['-X', '-A', '-t', '-q', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1'];
    args.push('-p', String(port), '-U', 'postgres', '-d', 'postgres', '-c', statement);
    const child = spawn(psqlBin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', chunk => (out += chunk));
    child.stderr.on('data', chunk => (err += chunk));
    child.on('error', fail);
    child.on('close', code => {
      clearTimeout(timer);
      if (code === 0) {
        done(out.trim());
      } else {
        fail(new Error(`psql ${statement.slice(0, 80)}: exit ${code}\n${err}`));
      }
    });
  });
}
