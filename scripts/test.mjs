// npm test: set up whatever is missing, check formatting, lint and types, check that the kernel's
// core bundles for the browser, start a PostgreSQL
// server for the integration tests (unless DATABASE_URL names one), then run every test in one
// node:test run, so the closing summary counts them all, and then the JupyterLab extension's unit
// tests (jest with @jupyterlab/testing, in a browser-like jsdom). Arguments select node:test files
// by path; the extension's jest suite runs every time (about ten seconds).
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ROOT, childEnv, run, step } from './lib.mjs';
import { debianPackageInstalled, ensureDebianPackages } from './debian.mjs';
import { startPostgres } from './postgres.mjs';
import { setup } from './setup.mjs';

function testFiles(dir, pattern) {
  const found = [];
  const visit = path => {
    for (const entry of readdirSync(path)) {
      const full = join(path, entry);
      if (entry === 'node_modules') continue;
      if (statSync(full).isDirectory()) visit(full);
      else if (pattern.test(entry)) found.push(relative(ROOT, full));
    }
  };
  if (existsSync(join(ROOT, dir))) visit(join(ROOT, dir));
  return found.sort();
}

const OPS_PACKAGES = ['haproxy', 'prometheus', 'prometheus-alertmanager', 'pgbackrest'];

let postgres;
let exitCode = 1;
try {
  await setup();
  await step(
    'lint (eslint) and formatting (prettier)',
    () => false,
    async () => {
      await run('npx', ['eslint', '.']);
      await run('npx', ['prettier', '--check', '.']);
    }
  );
  await step(
    'the kernel core bundles for the browser (esbuild, platform browser, no Node module)',
    () => false,
    async () => {
      // Imported here, not at the top: esbuild is a node module, installed by setup() above.
      const { checkBrowserBundle, describeBundle } = await import('./check-browser-bundle.mjs');
      const report = await checkBrowserBundle();
      if (report.problems.length > 0) {
        throw new Error(describeBundle(report));
      }
      process.stdout.write(`  ${describeBundle(report)}\n`);
    }
  );
  // The operations tests (blue-green deploys, alerts, point-in-time recovery) use Debian's tools;
  // one install here rather than two tests racing for apt's lock. Each test installs what it
  // needs too, when run alone.
  await step(
    'operations tools from Debian (HAProxy, Prometheus, Alertmanager, pgBackRest)',
    () => OPS_PACKAGES.every(debianPackageInstalled),
    () => ensureDebianPackages(OPS_PACKAGES)
  );
  let postgresUrl = process.env.DATABASE_URL;
  if (postgresUrl) {
    process.stdout.write('✓ PostgreSQL from DATABASE_URL\n');
  } else {
    await step(
      'PostgreSQL test server on 127.0.0.1',
      () => false,
      async () => {
        postgres = await startPostgres();
        postgresUrl = postgres.url;
      }
    );
  }
  const files = [
    ...testFiles('kernel-lib/dist', /\.test\.js$/),
    ...testFiles('server/dist', /\.test\.js$/),
    ...testFiles('tests', /\.test\.mjs$/)
  ];
  const only = process.argv.slice(2);
  const selected = only.length ? files.filter(f => only.some(o => f.includes(o))) : files;
  process.stdout.write(`… running ${selected.length} test files\n`);
  exitCode = await new Promise(done => {
    const child = spawn(
      process.execPath,
      ['--test', '--test-concurrency=2', '--test-reporter=spec', ...selected],
      {
        cwd: ROOT,
        env: childEnv({ CRYOPROTECT_TEST_POSTGRES_URL: postgresUrl, LOG_LEVEL: 'silent' }),
        stdio: 'inherit'
      }
    );
    child.on('exit', code => done(code ?? 1));
  });
  process.stdout.write(
    '… extension unit tests (jest, @jupyterlab/testing, extension/src/__tests__)\n'
  );
  const jestCode = await new Promise(done => {
    const child = spawn('npx', ['jest', '--ci'], {
      cwd: join(ROOT, 'extension'),
      env: childEnv({ CI: 'true' }),
      stdio: ['ignore', 'inherit', 'inherit']
    });
    child.on('error', () => done(1));
    child.on('exit', code => done(code ?? 1));
  });
  process.stdout.write(
    `${exitCode === 0 ? '✓' : '✗'} node:test run (${selected.length} files); ${jestCode === 0 ? '✓' : '✗'} extension jest suite\n`
  );
  exitCode = exitCode || jestCode;
} catch (error) {
  process.stderr.write(`npm test failed before the tests ran: ${error.message}\n`);
  exitCode = 1;
} finally {
  await postgres?.stop();
}
process.exit(exitCode);
