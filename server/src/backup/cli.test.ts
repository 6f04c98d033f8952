import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runCryoprotect } from '../testing/cli.js';

describe('cryoprotect backup on the command line (embedded database)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cryoprotect-backup-cli-'));
  const backups = join(dataDir, 'backups');
  const env = {
    CRYOPROTECT_DATA_DIR: dataDir,
    DATABASE_URL: '',
    CRYOPROTECT_BACKUP_DIR: '',
    CI: ''
  };
  const run = (...args: string[]) => runCryoprotect(args, env);
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('creates, lists and verifies a backup of a migrated, seeded database', async () => {
    assert.equal((await run('db', 'migrate')).code, 0);
    assert.equal((await run('db', 'seed')).code, 0);
    const created = await run('backup', 'create');
    assert.equal(created.code, 0, created.stderr);
    assert.match(
      created.stdout,
      /backup cryoprotect-\d{8}T\d{9}Z-pglite: \d+ tables, \d+ rows, schema \d{3} \([0-9a-f]{8}\)/
    );
    assert.deepEqual(
      readdirSync(backups)
        .map(f => f.replace(/^cryoprotect-\d{8}T\d{9}Z-pglite/, 'NAME'))
        .sort(),
      ['NAME.jsonl.gz', 'NAME.meta.json']
    );
    const listed = await run('backup', 'list');
    assert.equal(listed.code, 0);
    assert.match(listed.stdout, /1 backups in /);
    assert.match(listed.stdout, /pglite\s+\d{3} \([0-9a-f]{8}\)\s+\d+\s+[\d.]+ KiB\s+not verified/);
    const verified = await run('backup', 'verify', 'latest');
    assert.equal(verified.code, 0, verified.stdout + verified.stderr);
    assert.match(verified.stdout, /ok {3}scratch restore/);
    assert.match((await run('backup', 'list')).stdout, /\sok \d{4}-\d{2}-\d{2} \d{2}:\d{2}/);
  });

  it('exits 1 with the difference when the metadata was tampered with', async () => {
    const meta = join(backups, readdirSync(backups).find(f => f.endsWith('.meta.json')) as string);
    const original = readFileSync(meta, 'utf8');
    const parsed = JSON.parse(original);
    parsed.tables[0].rowCount += 5;
    writeFileSync(meta, JSON.stringify(parsed));
    try {
      const result = await run('backup', 'verify', 'latest');
      assert.equal(result.code, 1);
      assert.match(
        result.stdout,
        new RegExp(
          `FAIL archive contents: table ${parsed.tables[0].name}: \\d+ rows in the backup metadata`
        )
      );
      assert.match(result.stdout, /FAILED verification/);
    } finally {
      writeFileSync(meta, original);
    }
  });

  it('restores only with --yes when there is no terminal', async () => {
    const refused = await run('backup', 'restore', 'latest');
    assert.equal(refused.code, 1);
    assert.match(
      refused.stderr,
      /replaces data and there is no terminal to confirm on: pass --yes/
    );
    const restored = await run('backup', 'restore', 'latest', '--yes');
    assert.equal(restored.code, 0, restored.stderr);
    assert.match(
      restored.stdout,
      /restored \d+ tables \(\d+ rows\) from cryoprotect-.* recorded in the audit log/
    );
    const unknown = await run(
      'backup',
      'restore',
      'latest',
      '--yes',
      '--tables',
      'molecules,nonsense'
    );
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /--tables: nonsense not in both the backup and the database/);
  });

  it('prunes by the retention policy, printing what it keeps and deletes', async () => {
    assert.equal((await run('backup', 'create')).code, 0);
    const dry = await run(
      'backup',
      'prune',
      '--daily',
      '0',
      '--weekly',
      '0',
      '--monthly',
      '0',
      '--dry-run'
    );
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /keep {4}cryoprotect-\S+ {2}\(newest\)/);
    assert.match(dry.stdout, /would delete cryoprotect-/);
    assert.equal(readdirSync(backups).filter(f => f.endsWith('.meta.json')).length, 2);
    const pruned = await run('backup', 'prune', '--daily', '0', '--weekly', '0', '--monthly', '0');
    assert.match(pruned.stdout, /deleted cryoprotect-/);
    assert.equal(readdirSync(backups).filter(f => f.endsWith('.meta.json')).length, 1);
    const bad = await run('backup', 'prune', '--daily', 'seven');
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /--daily.*must be a whole number from 0 to 1000/);
  });
});
