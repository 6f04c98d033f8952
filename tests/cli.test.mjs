import assert from 'node:assert/strict';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CLI, ROOT, runCommand, tempDir } from './helpers.mjs';

describe('cryoprotect command line', () => {
  const dataDir = tempDir();
  const env = { CRYOPROTECT_DATA_DIR: dataDir, DATABASE_URL: '' };
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('lists its commands in --help', async () => {
    const { code, stdout } = await runCommand(process.execPath, [CLI, '--help']);
    assert.equal(code, 0);
    for (const command of ['start', 'serve', 'db']) {
      assert.match(stdout, new RegExp(`^\\s+${command}\\b`, 'm'));
    }
    const db = await runCommand(process.execPath, [CLI, 'db', '--help']);
    for (const command of ['migrate', 'status', 'seed']) {
      assert.match(db.stdout, new RegExp(`^\\s+${command}\\b`, 'm'));
    }
  });

  it('reports pending migrations with exit code 1, applies them, then reports a current schema', async () => {
    const before = await runCommand(process.execPath, [CLI, 'db', 'status'], { env });
    assert.equal(before.code, 1);
    assert.match(before.stdout, /001_roles_and_helpers\.sql {2}pending/);
    const migrate = await runCommand(process.execPath, [CLI, 'db', 'migrate'], { env });
    assert.equal(migrate.code, 0, migrate.stderr);
    const last = readdirSync(join(ROOT, 'migrations'))
      .filter(f => f.endsWith('.sql'))
      .sort()
      .at(-1);
    assert.match(migrate.stdout, new RegExp(`applied ${last.replace('.', '\\.')}`));
    const afterwards = await runCommand(process.execPath, [CLI, 'db', 'status'], { env });
    assert.equal(afterwards.code, 0);
    assert.doesNotMatch(afterwards.stdout, /pending/);
    const seed = await runCommand(process.execPath, [CLI, 'db', 'seed'], { env });
    assert.match(seed.stdout, /loaded 25 molecules, \d+ measurements/);
    const again = await runCommand(process.execPath, [CLI, 'db', 'seed'], { env });
    assert.match(again.stdout, /reference data already loaded/);
  });

  it('refuses a bad configuration with a message naming the variable, before touching anything', async () => {
    const result = await runCommand(process.execPath, [CLI, 'db', 'status'], {
      env: { ...env, CRYOPROTECT_PORT: 'eighty' }
    });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /CRYOPROTECT_PORT: must be a number \(got "eighty"\)/);
  });

  it('rejects a bad option value with the option named', async () => {
    const result = await runCommand(process.execPath, [CLI, 'serve', '--port', '99999'], { env });
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /--port.*must be a whole number between 1 and 65535/);
  });
});
