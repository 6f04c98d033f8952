import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  DatabaseInUseError,
  DatabaseUnavailableError,
  openPGlite,
  openPostgres
} from './database.js';
import { CORRUPT_GRACE_MS, LOCK_FILE, lockDataDir, processStart, type LockRecord } from './lock.js';
import { migrate } from './migrations.js';
import { DEFAULT_MIGRATIONS_DIR } from '../config.js';
import { databaseTargets } from '../testing/databases.js';
import { createUserWithToken } from '../testing/users.js';
import { hashToken } from './tokens.js';
import { toProblem } from '../http/problem.js';

describe('embedded database folder', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cryoprotect-lock-'));
  const lockFile = join(dir, LOCK_FILE);
  after(() => rmSync(dir, { recursive: true, force: true }));
  const record = (fields: Partial<LockRecord>): string =>
    JSON.stringify({
      pid: 99999999,
      hostname: hostname(),
      id: 'test',
      since: '2026-01-02T03:04:05.000Z',
      ...fields
    });
  const openAndClose = async (): Promise<void> => {
    const db = await openPGlite(dir);
    const { rows } = await db.serviceTransaction(tx =>
      tx.query<{ one: number }>('SELECT 1 AS one')
    );
    assert.deepEqual(rows, [{ one: 1 }]);
    await db.close();
    assert.equal(existsSync(lockFile), false, 'close() must release the lock');
  };

  it('refuses a second opener while the first holds it, naming the folder, holder and since when', async () => {
    const before = Date.now();
    const first = await openPGlite(dir);
    try {
      const written = JSON.parse(readFileSync(lockFile, 'utf8')) as LockRecord;
      assert.equal(written.pid, process.pid);
      assert.equal(written.hostname, hostname());
      assert.match(written.id, /^[0-9a-f]{24}$/);
      // Taken while opening, however long a loaded machine takes to open.
      const since = Date.parse(written.since);
      assert.ok(since >= before - 1_000 && since <= Date.now(), written.since);
      if (process.platform === 'linux') {
        assert.match(written.start ?? '', /^linux:[0-9a-f-]+:\d+$/);
        // The start time as people read it: this process started before the lock was taken.
        assert.ok(Date.parse(written.startedAt!) <= Date.parse(written.since) + 1_000);
      }
      await assert.rejects(openPGlite(dir), (error: unknown) => {
        assert.ok(error instanceof DatabaseInUseError);
        assert.equal(error.pid, process.pid);
        assert.ok(error.message.includes(dir), error.message);
        assert.match(
          error.message,
          new RegExp(`in use by process ${process.pid} since ${written.since}`)
        );
        return true;
      });
    } finally {
      await first.close();
    }
    assert.equal(existsSync(lockFile), false, 'close() must release the lock');
  });

  it('takes over a lock left by a process that no longer exists (record and old bare pid)', async () => {
    // PIDs are below 2^22 on Linux, so this one cannot be alive.
    writeFileSync(lockFile, record({ pid: 99999999 }));
    await openAndClose();
    writeFileSync(lockFile, '99999999');
    await openAndClose();
  });

  it('takes over a lock whose pid now belongs to another process (recycled: other start time)', () => {
    // The parent of this test process is alive, but it is not the process that wrote this lock.
    writeFileSync(
      lockFile,
      record({ pid: process.ppid, start: 'linux:00000000-0000-0000-0000-000000000000:1' })
    );
    const lock = lockDataDir(dir);
    try {
      assert.match(lock.tookOver ?? '', new RegExp(`process ${process.ppid} is another process`));
      assert.equal(lock.record.pid, process.pid);
    } finally {
      lock.release();
    }
    // With the right start time the same pid holds the folder.
    const parentStart = processStart(process.ppid).start?.start;
    writeFileSync(lockFile, record({ pid: process.ppid, start: parentStart }));
    assert.throws(() => lockDataDir(dir), DatabaseInUseError);
    // The old format cannot tell: a live pid holds it.
    writeFileSync(lockFile, String(process.ppid));
    assert.throws(() => lockDataDir(dir), DatabaseInUseError);
    rmSync(lockFile);
  });

  it(
    'takes over a lock whose process is a zombie (killed, not yet reaped: it holds no file)',
    {
      skip: process.platform !== 'linux' && 'zombies are recognised through /proc'
    },
    async () => {
      // sh starts `sleep 0` in the background, then becomes `sleep 5`, which never reaps it.
      const parent = spawn('sh', ['-c', 'sleep 0 & echo $!; exec sleep 5'], {
        stdio: ['ignore', 'pipe', 'inherit']
      });
      try {
        const zombie = Number(
          await new Promise<string>(done =>
            parent.stdout.once('data', chunk => done(String(chunk)))
          )
        );
        for (
          let i = 0;
          i < 100 && !/\) Z /.test(readFileSync(`/proc/${zombie}/stat`, 'utf8'));
          i++
        ) {
          await new Promise(r => setTimeout(r, 20));
        }
        assert.match(readFileSync(`/proc/${zombie}/stat`, 'utf8'), /\) Z /);
        writeFileSync(lockFile, record({ pid: zombie }));
        const lock = lockDataDir(dir);
        assert.equal(lock.tookOver, `process ${zombie} no longer exists`);
        lock.release();
      } finally {
        parent.kill('SIGKILL');
      }
    }
  );

  it('refuses while another process holds the database, and takes it at once after that process is killed', async () => {
    const child = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { openPGlite } from ${JSON.stringify(new URL('./database.js', import.meta.url).href)};
         await openPGlite(process.argv[1]);
         console.log('held');
         setInterval(() => undefined, 1000);`,
        dir
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] }
    );
    try {
      await new Promise<void>((done, fail) => {
        child.stdout.on('data', chunk => String(chunk).includes('held') && done());
        child.once('exit', code => fail(new Error(`holder exited with ${code}`)));
      });
      const since = (JSON.parse(readFileSync(lockFile, 'utf8')) as LockRecord).since;
      await assert.rejects(openPGlite(dir), (error: unknown) => {
        assert.ok(error instanceof DatabaseInUseError);
        assert.equal(error.pid, child.pid);
        assert.equal(
          error.message,
          `the embedded database ${dir} is in use by process ${child.pid} since ${since}; PGlite allows one process per data folder, so stop that process (e.g. its "cryoprotect serve" or "cryoprotect start") or go through its REST server`
        );
        return true;
      });
    } finally {
      const exited = new Promise(done => child.once('exit', done));
      child.kill('SIGKILL');
      await exited;
    }
    assert.equal(existsSync(lockFile), true, 'kill -9 leaves the lock behind');
    await openAndClose();
  });

  it('never takes over a lock from another host, and says so', () => {
    const theirs = record({ pid: process.pid, hostname: 'elsewhere.example' });
    writeFileSync(lockFile, theirs);
    assert.throws(
      () => lockDataDir(dir),
      (error: unknown) => {
        assert.ok(error instanceof DatabaseInUseError);
        assert.equal(
          error.message,
          `the embedded database ${dir} is locked by process ${process.pid} on host elsewhere.example since 2026-01-02T03:04:05.000Z; a lock from another host is never taken over: stop that process there, or, if no process there uses the folder any more, delete ${lockFile}`
        );
        return true;
      }
    );
    assert.equal(readFileSync(lockFile, 'utf8'), theirs, 'the lock is left as it was');
    rmSync(lockFile);
  });

  it(`takes over a corrupted lock once it is ${CORRUPT_GRACE_MS} ms old, not before`, () => {
    // Decision: a lock file that is no record (empty, truncated, garbage) cannot name a live
    // holder — records are published whole — so it is stale, after a grace for an opener of an
    // older version in the middle of its write.
    for (const garbage of ['', '{"pid": 12', 'not a lock \u0000\u0001', '-5', '{"pid":1}']) {
      writeFileSync(lockFile, garbage);
      const old = new Date(Date.now() - CORRUPT_GRACE_MS - 1_000);
      utimesSync(lockFile, old, old);
      const lock = lockDataDir(dir);
      assert.match(lock.tookOver ?? '', /^unreadable lock/, JSON.stringify(garbage));
      lock.release();
      assert.equal(existsSync(lockFile), false);
    }
    writeFileSync(lockFile, '');
    const started = Date.now();
    const lock = lockDataDir(dir);
    lock.release();
    assert.ok(Date.now() - started >= CORRUPT_GRACE_MS - 100, 'a young corrupt lock is waited for');
  });

  it('removes what a writer killed mid-write left beside the lock, once that writer is gone', () => {
    const orphan = join(dir, `${LOCK_FILE}.99999999.0123456789ab.tmp`);
    const guardOrphan = join(dir, `${LOCK_FILE}.takeover.99999999.0123456789ab.tmp`);
    const live = join(dir, `${LOCK_FILE}.${process.ppid}.0123456789ab.tmp`);
    for (const file of [orphan, guardOrphan, live]) {
      writeFileSync(file, '{"pid": 99999999');
    }
    const lock = lockDataDir(dir);
    lock.release();
    assert.equal(existsSync(orphan), false);
    assert.equal(existsSync(guardOrphan), false);
    assert.equal(existsSync(live), true, "a live process's file is its own business");
    rmSync(live);
  });

  it('releases only its own lock', () => {
    const lock = lockDataDir(dir);
    const other = record({ pid: process.pid, id: 'somebody-else' });
    writeFileSync(lockFile, other);
    lock.release();
    assert.equal(readFileSync(lockFile, 'utf8'), other);
    rmSync(lockFile);
  });

  // A takeover without the guard lets two of six racers win about one run in three here: three
  // rounds of the stale case.
  for (const [start, round] of [
    ['no lock', 1],
    ['a stale lock', 1],
    ['a stale lock', 2],
    ['a stale lock', 3]
  ] as const) {
    it(`of openers racing for ${start}, exactly one wins (round ${round})`, async () => {
      if (start === 'a stale lock') {
        writeFileSync(lockFile, record({ pid: 99999999 }));
      }
      const at = Date.now() + 1_500;
      const racers = Array.from({ length: 6 }, () =>
        spawn(
          process.execPath,
          [
            '--input-type=module',
            '-e',
            `import { lockDataDir } from ${JSON.stringify(new URL('./lock.js', import.meta.url).href)};
             while (Date.now() < ${at});
             try {
               lockDataDir(process.argv[1]);
               console.log('won');
             } catch (error) {
               console.log(error.name === 'DatabaseInUseError' ? 'refused' : String(error));
             }
             // Stay alive until every racer has answered (the test closes stdin), so the winner's
             // lock is live for all of them however slowly a loaded machine starts them.
             process.stdin.resume();
             process.stdin.once('end', () => process.exit(0));`,
            dir
          ],
          { stdio: ['pipe', 'pipe', 'inherit'] }
        )
      );
      const results = await Promise.all(
        racers.map(
          child =>
            new Promise<string>(done => {
              let out = '';
              child.stdout.on('data', chunk => {
                out += chunk;
                if (out.includes('\n')) {
                  done(out.trim());
                }
              });
              child.once('exit', () => done(out.trim()));
            })
        )
      );
      await Promise.all(
        racers.map(child => {
          const exited =
            child.exitCode !== null || child.signalCode !== null
              ? Promise.resolve()
              : new Promise(done => child.once('exit', done));
          child.stdin!.end();
          return exited;
        })
      );
      assert.deepEqual(
        [...results].sort(),
        ['refused', 'refused', 'refused', 'refused', 'refused', 'won'],
        results.join(', ')
      );
      rmSync(lockFile, { force: true });
    });
  }
});

describe('PostgreSQL that cannot be reached', () => {
  it('fails within the connect timeout with DatabaseUnavailableError, a 503 problem', async () => {
    // A port nothing listens on: refused at once; the timeout bounds an unanswered connect too.
    const db = await openPostgres('postgresql://nobody@127.0.0.1:1/none', {
      connectTimeoutMs: 500
    });
    try {
      const started = Date.now();
      const error = await db.userTransaction(null, tx => tx.query('SELECT 1')).catch(e => e);
      assert.ok(error instanceof DatabaseUnavailableError, String(error));
      assert.ok(Date.now() - started < 2_000);
      const problem = toProblem(error, true);
      assert.equal(problem.status, 503);
      assert.match(problem.type, /\/database-unavailable$/);
      // Whatever the driver said stays out of the answer.
      assert.doesNotMatch(problem.detail ?? '', /ECONNREFUSED|127\.0\.0\.1/);
      await assert.rejects(db.authenticate!(hashToken('cpt_x')), DatabaseUnavailableError);
    } finally {
      await db.close();
    }
  });
});

for (const target of databaseTargets().filter(t => t.kind === 'postgres')) {
  describe(`token check in one round trip (${target.kind})`, { skip: target.skip }, () => {
    it('answers as app.authenticate_token in a user transaction does, and leaves the connection clean', async () => {
      const t = await target.create();
      try {
        const { db } = t;
        assert.ok(db.authenticate, 'PostgreSQL has the one-round-trip token check');
        await migrate(db, DEFAULT_MIGRATIONS_DIR);
        const alice = await createUserWithToken(db, 'alice', '{read}');
        const viaTransaction = (hash: string) =>
          db.userTransaction(null, tx =>
            tx.query('SELECT user_id, scopes FROM app.authenticate_token($1)', [hash])
          );

        const found = await db.authenticate(hashToken(alice.token));
        assert.deepEqual(found, { user_id: alice.id, scopes: ['read'] });
        assert.deepEqual([found], (await viaTransaction(hashToken(alice.token))).rows);
        const used = await db.serviceTransaction(tx =>
          tx.query<{ last_used_at: Date | null }>(
            'SELECT last_used_at FROM api_tokens WHERE user_id = $1',
            [alice.id]
          )
        );
        assert.ok(
          used.rows[0].last_used_at,
          'last use is recorded (the implicit transaction committed)'
        );

        // Recorded at minute resolution: a second use within the minute writes nothing.
        await db.authenticate(hashToken(alice.token));
        const again = await db.serviceTransaction(tx =>
          tx.query<{ last_used_at: Date | null }>(
            'SELECT last_used_at FROM api_tokens WHERE user_id = $1',
            [alice.id]
          )
        );
        assert.deepEqual(again.rows[0].last_used_at, used.rows[0].last_used_at);
        await db.serviceTransaction(tx =>
          tx.query(
            `UPDATE api_tokens SET last_used_at = now() - interval '2 minutes' WHERE user_id = $1`,
            [alice.id]
          )
        );
        await db.authenticate(hashToken(alice.token));
        const later = await db.serviceTransaction(tx =>
          tx.query<{ recent: boolean }>(
            `SELECT last_used_at > now() - interval '1 minute' AS recent FROM api_tokens WHERE user_id = $1`,
            [alice.id]
          )
        );
        assert.equal(later.rows[0].recent, true, 'a use after the minute is recorded');

        assert.equal(await db.authenticate(hashToken('cpt_unknown')), undefined);
        await db.serviceTransaction(tx =>
          tx.query('UPDATE api_tokens SET revoked_at = now() WHERE user_id = $1', [alice.id])
        );
        assert.equal(await db.authenticate(hashToken(alice.token)), undefined);
        // Only a hash can be checked: nothing else reaches the SQL text.
        await assert.rejects(db.authenticate("'; DROP TABLE users; --"), /64 lowercase hex/);

        // The role switch ended with the check: the pool's connections are back to the login
        // role, anonymous, outside any transaction (the test pool has 4: use them all).
        const states = await Promise.all(
          Array.from({ length: 4 }, () =>
            db.serviceTransaction(tx =>
              tx.query<{ role: string; user_id: string | null }>(
                "SELECT current_user AS role, nullif(current_setting('app.user_id', true), '') AS user_id"
              )
            )
          )
        );
        for (const state of states) {
          assert.notEqual(state.rows[0].role, 'cryoprotect_app');
          assert.equal(state.rows[0].user_id, null);
        }
      } finally {
        await t.dispose();
      }
    });
  });
}
