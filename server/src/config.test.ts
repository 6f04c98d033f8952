import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from './config.js';

describe('configuration from the environment', () => {
  it('defaults to the embedded database in .cryoprotect on 127.0.0.1:8787', () => {
    const config = loadConfig({});
    assert.equal(config.DATABASE_URL, undefined);
    assert.equal(config.CRYOPROTECT_HOST, '127.0.0.1');
    assert.equal(config.CRYOPROTECT_PORT, 8787);
    assert.match(config.pgliteDir, /\.cryoprotect\/pgdata$/);
  });

  it('names every bad variable with the reason and the value given', () => {
    assert.throws(
      () => loadConfig({ CRYOPROTECT_PORT: '80000', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud' }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.equal(error.problems.length, 3);
        assert.match(
          error.message,
          /CRYOPROTECT_PORT: must be between 1 and 65535 \(got "80000"\)/
        );
        assert.match(
          error.message,
          /DATABASE_URL: must be a postgres:\/\/ or postgresql:\/\/ URL \(got a value that is not shown\)/
        );
        assert.match(error.message, /LOG_LEVEL: .*\(got "loud"\)/);
        return true;
      }
    );
    assert.throws(
      () => loadConfig({ CRYOPROTECT_PORT: 'eighty' }),
      /CRYOPROTECT_PORT: must be a number/
    );
  });

  it('refuses a service URL without a database URL', () => {
    assert.throws(
      () => loadConfig({ DATABASE_SERVICE_URL: 'postgresql://postgres@127.0.0.1/db' }),
      /DATABASE_SERVICE_URL: is only used together with DATABASE_URL/
    );
  });

  it('treats empty variables as unset', () => {
    assert.equal(loadConfig({ DATABASE_URL: '', CRYOPROTECT_PORT: '' }).CRYOPROTECT_PORT, 8787);
  });

  it('bounds the database pool: defaults, and bad values named', () => {
    const config = loadConfig({});
    assert.equal(config.CRYOPROTECT_DB_POOL_SIZE, 10);
    assert.equal(config.CRYOPROTECT_DB_CONNECT_TIMEOUT_MS, 5_000);
    assert.equal(config.CRYOPROTECT_DB_STATEMENT_TIMEOUT_MS, 60_000);
    assert.throws(
      () =>
        loadConfig({
          CRYOPROTECT_DB_POOL_SIZE: '0',
          CRYOPROTECT_DB_CONNECT_TIMEOUT_MS: '50',
          CRYOPROTECT_DB_STATEMENT_TIMEOUT_MS: 'soon'
        }),
      (error: unknown) => {
        const message = (error as Error).message;
        assert.match(message, /CRYOPROTECT_DB_POOL_SIZE: must be at least 1/);
        assert.match(message, /CRYOPROTECT_DB_CONNECT_TIMEOUT_MS: must be at least 100 ms/);
        assert.match(
          message,
          /CRYOPROTECT_DB_STATEMENT_TIMEOUT_MS: must be a number of milliseconds/
        );
        return true;
      }
    );
  });

  it('reads any setting from the file named by <NAME>_FILE, never echoing a secret', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cryoprotect-config-'));
    try {
      const url = join(dir, 'url');
      writeFileSync(url, 'postgresql://server:s3cret@db.example/cryo?sslmode=verify-full\n');
      const token = join(dir, 'token');
      writeFileSync(token, 'abcdefghijklmnopqrstuvwxyz');
      const config = loadConfig({ DATABASE_URL_FILE: url, CRYOPROTECT_METRICS_TOKEN_FILE: token });
      assert.equal(
        config.DATABASE_URL,
        'postgresql://server:s3cret@db.example/cryo?sslmode=verify-full'
      );
      assert.equal(config.CRYOPROTECT_METRICS_TOKEN, 'abcdefghijklmnopqrstuvwxyz');
      const short = join(dir, 'short');
      writeFileSync(short, 'tooshort');
      const empty = join(dir, 'empty');
      writeFileSync(empty, '\n');
      assert.throws(
        () =>
          loadConfig({
            CRYOPROTECT_METRICS_TOKEN_FILE: short,
            DATABASE_URL: 'postgresql://a@b/c',
            DATABASE_URL_FILE: url,
            DATABASE_SERVICE_URL_FILE: join(dir, 'missing'),
            CRYOPROTECT_PORT_FILE: empty
          }),
        (error: unknown) => {
          assert.ok(error instanceof ConfigError);
          assert.deepEqual(error.problems, [
            'DATABASE_URL_FILE: DATABASE_URL is set too; set one of them',
            `DATABASE_SERVICE_URL_FILE: cannot read ${join(dir, 'missing')} (ENOENT)`,
            `CRYOPROTECT_PORT_FILE: ${empty} is empty`,
            'CRYOPROTECT_METRICS_TOKEN: must be at least 16 characters (got a value that is not shown)'
          ]);
          assert.doesNotMatch(error.message, /tooshort|s3cret/);
          return true;
        }
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('holds staging and production to a PostgreSQL database, production mode and https origins', () => {
    assert.equal(loadConfig({}).NODE_ENV, 'development');
    assert.throws(
      () =>
        loadConfig({
          CRYOPROTECT_PROFILE: 'staging',
          NODE_ENV: 'development',
          CRYOPROTECT_CORS_ORIGINS: 'http://lab.example.org,http://127.0.0.1:8888'
        }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.deepEqual(error.problems, [
          'DATABASE_URL: required by the staging profile (the embedded database serves one user on one machine)',
          'NODE_ENV: must be production (or unset) with the staging profile (got "development"): development mode shows internal errors to clients',
          'CRYOPROTECT_CORS_ORIGINS: http://lab.example.org must be https:// with the staging profile (tokens would cross the network in clear)'
        ]);
        return true;
      }
    );
    const staging = loadConfig({
      CRYOPROTECT_PROFILE: 'staging',
      DATABASE_URL: 'postgresql://server@db.example/cryo'
    });
    assert.equal(staging.NODE_ENV, 'production');
  });

  it('refuses in production a database login sent to another host without certificate checks', () => {
    const base = {
      CRYOPROTECT_PROFILE: 'production',
      CRYOPROTECT_CORS_ORIGINS: 'https://lab.example.org'
    };
    assert.throws(
      () =>
        loadConfig({
          ...base,
          DATABASE_URL: 'postgresql://server@db.example/cryo?sslmode=require',
          DATABASE_SERVICE_URL: 'postgresql://admin@db.example/cryo'
        }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.equal(error.problems.length, 2);
        assert.match(
          error.problems[0],
          /^DATABASE_URL: connects to db.example without certificate verification/
        );
        assert.match(error.problems[1], /^DATABASE_SERVICE_URL: connects to db.example/);
        return true;
      }
    );
    // On the same machine (loopback or a socket) the login does not cross a network.
    for (const url of [
      'postgresql://server@127.0.0.1:5432/cryo',
      'postgresql://server@localhost/cryo',
      'postgresql://server@/cryo?host=/var/run/postgresql',
      'postgresql://server@db.example/cryo?sslmode=verify-full&sslrootcert=/etc/ssl/ca.pem'
    ]) {
      assert.equal(
        loadConfig({ ...base, DATABASE_URL: url }).CRYOPROTECT_PROFILE,
        'production',
        url
      );
    }
  });

  it('names a bad feature flag', () => {
    assert.throws(
      () => loadConfig({ CRYOPROTECT_FEATURES: 'screens=off,teleport=on' }),
      /CRYOPROTECT_FEATURES: "teleport" is not a feature/
    );
    assert.equal(loadConfig({ CRYOPROTECT_FEATURES: 'screens=off' }).features.screens, false);
  });
});
