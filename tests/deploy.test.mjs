// STATIC checks of the container image and the compose deployment. Docker is not available
// where these tests run, so nothing here builds the image or starts the stack: the checks parse
// deploy/compose.yaml and the Dockerfile and hold them against the repository (files that are
// copied exist, commands that are run exist, no secret is written into either file).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { CLI, ROOT, runCommand } from './helpers.mjs';

const read = path => readFileSync(join(ROOT, path), 'utf8');
const compose = parse(read('deploy/compose.yaml'));
// Dockerfile instructions, continuation lines joined, comments dropped.
const instructions = read('Dockerfile')
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map(line => line.trim())
  .filter(line => line && !line.startsWith('#'))
  .map(line => {
    const [keyword, ...rest] = line.split(/\s+/);
    return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
  });
const ignored = read('.dockerignore')
  .split('\n')
  .map(l => l.trim())
  .filter(l => l && !l.startsWith('#'));

/** Does .dockerignore keep `path` out of the build context (the patterns used here only)? */
function excluded(path) {
  let out = false;
  for (const pattern of ignored) {
    const negated = pattern.startsWith('!');
    const body = negated ? pattern.slice(1) : pattern;
    const regex = new RegExp(
      '^' +
        body
          .replace(/[.+^${}()|[\]\\]/g, '\\$&')
          .replace(/\*\*\//g, '(.*/)?')
          .replace(/\*/g, '[^/]*') +
        '(/.*)?$'
    );
    if (regex.test(path)) {
      out = !negated;
    }
  }
  return out;
}

describe('Dockerfile (static checks; the image is not built here)', () => {
  const stages = instructions.filter(i => i.keyword === 'FROM').map(i => i.args);

  it('builds in a stage of its own on node:20-bookworm-slim and runs from a second one', () => {
    assert.deepEqual(stages, [
      'node:20-bookworm-slim AS build',
      'node:20-bookworm-slim AS runtime'
    ]);
  });

  it('copies only files that exist in the repository and are in the build context', () => {
    const copies = instructions
      .filter(i => i.keyword === 'COPY' && !i.args.startsWith('--from'))
      .flatMap(i => i.args.split(/\s+/).slice(0, -1));
    assert.ok(copies.length > 5);
    for (const source of copies) {
      assert.ok(existsSync(join(ROOT, source)), `COPY ${source}: no such file`);
      assert.equal(excluded(source), false, `COPY ${source}: excluded by .dockerignore`);
    }
    // And the context keeps out what must not go in.
    for (const path of ['.env', 'deploy/.env', 'node_modules', 'server/dist', '.git', '.venv']) {
      assert.ok(excluded(path), `${path} would be sent to the build context`);
    }
  });

  it('installs the two workspaces it needs, production dependencies only at run time', () => {
    const workspaces = JSON.parse(read('package.json')).workspaces;
    const installs = instructions.filter(i => i.keyword === 'RUN' && /npm ci/.test(i.args));
    assert.equal(installs.length, 2);
    for (const install of installs) {
      const named = [...install.args.matchAll(/--workspace (\S+)/g)].map(m => m[1]);
      assert.deepEqual(named, ['kernel-lib', 'server']);
      named.forEach(w => assert.ok(workspaces.includes(w), `${w} is not a workspace`));
    }
    assert.match(installs[1].args, /--omit=dev/);
    assert.doesNotMatch(installs[0].args, /--omit=dev/, 'the build stage needs TypeScript');
    const build = instructions.find(i => i.keyword === 'RUN' && /tsc -b/.test(i.args));
    assert.match(build.args, /npx tsc -b server/);
    assert.ok(existsSync(join(ROOT, 'server', 'tsconfig.json')));
    // TypeScript is a root devDependency, which the build stage installs (--include-workspace-root).
    assert.ok(JSON.parse(read('package.json')).devDependencies.typescript);
    assert.match(installs[0].args, /--include-workspace-root/);
  });

  it('runs `cryoprotect serve` as a non-root user, with a readiness health check', () => {
    const runtime = instructions.slice(
      instructions.findIndex(i => i.keyword === 'FROM' && /AS runtime/.test(i.args))
    );
    const user = runtime.filter(i => i.keyword === 'USER').at(-1);
    assert.ok(user && !/^(root|0)(:|$)/.test(user.args), 'no non-root USER in the runtime stage');
    const cmd = JSON.parse(runtime.find(i => i.keyword === 'CMD').args);
    assert.deepEqual(cmd, ['cryoprotect', 'serve']);
    // The command on PATH is the package's bin.
    const bin = JSON.parse(read('server/package.json')).bin.cryoprotect;
    assert.equal(bin, 'bin/cryoprotect.js');
    const link = runtime.find(i => i.keyword === 'RUN' && /ln -s/.test(i.args)).args;
    assert.match(link, /\/app\/server\/bin\/cryoprotect\.js \/usr\/local\/bin\/cryoprotect/);
    const health = runtime.find(i => i.keyword === 'HEALTHCHECK').args;
    assert.match(health, /\/health\/ready/);
    // Migrations sit where the compiled config looks for them: server/dist -> ../../migrations.
    assert.ok(runtime.some(i => i.keyword === 'COPY' && i.args === 'migrations migrations'));
  });

  it('bakes in no secret', () => {
    for (const i of instructions.filter(i => ['ENV', 'ARG'].includes(i.keyword))) {
      assert.doesNotMatch(i.args, /PASSWORD|TOKEN|SECRET|DATABASE_(SERVICE_)?URL/i, i.args);
    }
  });

  it('the commands the image and compose run exist in the CLI', async () => {
    for (const args of [['serve'], ['db', 'migrate']]) {
      const help = await runCommand(process.execPath, [CLI, ...args, '--help'], {
        timeoutMs: 60_000
      });
      assert.equal(help.code, 0, `cryoprotect ${args.join(' ')} --help: ${help.stderr}`);
    }
  });
});

describe('deploy/compose.yaml (parsed, not run)', () => {
  const { postgres, migrate, server } = compose.services;

  it('has PostgreSQL 15 with a named volume, a migration job and the server', () => {
    assert.equal(postgres.image, 'postgres:15');
    assert.ok(postgres.volumes.includes('pgdata:/var/lib/postgresql/data'));
    assert.ok(Object.hasOwn(compose.volumes, 'pgdata'));
    assert.ok(postgres.healthcheck.test.join(' ').includes('pg_isready'));
  });

  it('migrates before the server starts, as a one-shot job with the service credentials', () => {
    assert.deepEqual(migrate.command, ['cryoprotect', 'db', 'migrate']);
    assert.equal(migrate.restart, 'no');
    assert.equal(migrate.depends_on.postgres.condition, 'service_healthy');
    assert.equal(server.depends_on.migrate.condition, 'service_completed_successfully');
    assert.match(migrate.environment.DATABASE_URL, /\$\{POSTGRES_SUPERUSER\}/);
    // Both run the same image, so the server's code matches the migrations just applied.
    assert.equal(migrate.image, server.image);
    assert.equal(migrate.build.dockerfile, 'Dockerfile');
    assert.ok(existsSync(join(ROOT, 'deploy', migrate.build.context, migrate.build.dockerfile)));
  });

  it('serves requests as a login role without BYPASSRLS, created on the first start', () => {
    const url = new URL(server.environment.DATABASE_URL.replace(/\$\{[^}]+\}/g, 'x'));
    assert.equal(url.username, 'cryoprotect_server');
    assert.match(server.environment.DATABASE_SERVICE_URL, /\$\{POSTGRES_SUPERUSER\}/);
    const init = read('deploy/postgres-init/10-roles.sh');
    assert.match(
      init,
      /CREATE ROLE cryoprotect_server LOGIN NOSUPERUSER NOBYPASSRLS[^;]*IN ROLE cryoprotect_app/
    );
    // The same attributes as migration 001's cryoprotect_app, which it would otherwise create.
    assert.match(
      read('migrations/001_roles_and_helpers.sql'),
      /CREATE ROLE cryoprotect_app NOLOGIN NOSUPERUSER NOBYPASSRLS/
    );
    assert.match(init, /CREATE ROLE cryoprotect_app NOLOGIN NOSUPERUSER NOBYPASSRLS/);
    assert.ok(postgres.volumes.includes('./postgres-init:/docker-entrypoint-initdb.d:ro'));
  });

  it('takes every secret from the environment; the example holds placeholders only and .env is not committed', () => {
    const text = read('deploy/compose.yaml');
    // A password in a URL is always a ${VARIABLE}.
    for (const match of text.matchAll(/postgresql:\/\/([^@\s]+)@/g)) {
      const password = match[1].split(':')[1];
      assert.match(password, /^\$\{[A-Z_]+\}$/, `literal password in ${match[0]}`);
    }
    for (const [name, value] of Object.entries(postgres.environment)) {
      if (/PASSWORD/.test(name)) {
        assert.match(value, /^\$\{[A-Z_]+:\?/, `${name} must be required from the env file`);
      }
    }
    const example = read('deploy/.env.example')
      .split('\n')
      .filter(l => l && !l.startsWith('#'))
      .map(l => l.split('='));
    const used = new Set([...text.matchAll(/\$\{([A-Z_]+)/g)].map(m => m[1]));
    for (const variable of used) {
      assert.ok(
        example.some(([name]) => name === variable),
        `${variable} missing from .env.example`
      );
    }
    for (const [name, value] of example.filter(([n]) => /PASSWORD|TOKEN/.test(n))) {
      assert.match(value, /^change-me/, `${name} in .env.example must be a placeholder`);
    }
    const ignoredByGit = execFileSync('git', ['check-ignore', 'deploy/.env'], {
      cwd: ROOT,
      encoding: 'utf8'
    });
    assert.equal(ignoredByGit.trim(), 'deploy/.env');
  });

  it('refers only to configuration the server reads', () => {
    const known = read('server/src/config.ts');
    for (const name of Object.keys(server.environment)) {
      assert.ok(
        known.includes(`${name}:`) || name === 'NODE_ENV',
        `${name} is not a configuration variable`
      );
    }
  });
});
