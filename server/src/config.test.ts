import assert from 'node:assert/strict';
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
          /DATABASE_URL: must be a postgres:\/\/ or postgresql:\/\/ URL \(got "mysql:\/\/x"\)/
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
});
