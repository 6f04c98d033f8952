import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DatabaseInUseError, openPGlite } from './database.js';

describe('embedded database folder', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cryoprotect-lock-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses a second opener while the first holds it, naming the holder', async () => {
    const first = await openPGlite(dir);
    try {
      await assert.rejects(openPGlite(dir), (error: unknown) => {
        assert.ok(error instanceof DatabaseInUseError);
        assert.equal(error.pid, process.pid);
        assert.match(error.message, /in use by process \d+/);
        return true;
      });
    } finally {
      await first.close();
    }
    assert.equal(existsSync(join(dir, 'cryoprotect.lock')), false, 'close() must release the lock');
  });

  it('takes over a lock left by a process that no longer exists', async () => {
    // PIDs are below 2^22 on Linux, so this one cannot be alive.
    writeFileSync(join(dir, 'cryoprotect.lock'), '99999999');
    const db = await openPGlite(dir);
    const { rows } = await db.serviceTransaction(tx =>
      tx.query<{ one: number }>('SELECT 1 AS one')
    );
    assert.deepEqual(rows, [{ one: 1 }]);
    await db.close();
  });
});
