import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import {
  CryoProtectClient,
  predictMolecules,
  readStructureCsv,
  registerTrainedModel,
  savedModelFromVersion,
  standardize,
  waitForScreen
} from '@cryoprotect/kernel';
import { trainFromCsv } from '@cryoprotect/kernel/node';
import { CLI, runCryoprotect } from '../testing/cli.js';
import { databaseTargets } from '../testing/databases.js';
import { call, createWorld, registerTestModel, type World } from '../testing/model-world.js';
import { DEFAULT_MIGRATIONS_DIR } from '../config.js';
import { migrate } from '../db/migrations.js';
import { ScreenQueue, lazyScreenQueue } from './queue.js';
import { startScreenWorker } from './worker.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const TG = join(ROOT, 'data', 'science-data', 'tg_pure_compounds.csv');

/**
 * A small library: the SMILES of the Tg data (valid single molecules, some salts) with refused
 * structures mixed in at known lines, as a .smi file would have them.
 */
function library(size: number): { text: string; bad: Map<number, RegExp> } {
  const smiles = readStructureCsv(readFileSync(TG, 'utf8'), TG).map(r => r.structure);
  const bad = new Map<number, RegExp>();
  const lines: string[] = [];
  for (let i = 0; lines.length < size; i++) {
    const line = lines.length + 1;
    if (line % 17 === 5) {
      lines.push(`C1CC${'C'.repeat(i % 3)} broken-${line}`);
      bad.set(line, /ring|unclosed|could not parse/i);
    } else if (line % 23 === 7) {
      lines.push(`N(=O)(=O)(=O)=O hypervalent-${line}`);
      bad.set(line, /valence|could not parse/i);
    } else {
      lines.push(`${smiles[i % smiles.length]} m${line}`);
    }
  }
  return { text: `${lines.join('\n')}\n`, bad };
}

interface Served {
  w: World;
  url: string;
  client: CryoProtectClient;
  model: { id: string; name: string; version: number };
}

/** A world whose owner registered a ridge Tg model, served over HTTP with a screening queue. */
async function serve(
  target: ReturnType<typeof databaseTargets>[number],
  queueOptions: Parameters<typeof lazyScreenQueue>[1],
  dir: string
): Promise<Served & { queue: ReturnType<typeof lazyScreenQueue> }> {
  // The app asks for the queue only when a chunk arrives, after the database exists.
  const late: { queue?: ReturnType<typeof lazyScreenQueue> } = {};
  const w = await createWorld(target, { screenQueue: () => late.queue!.get() });
  const queue = lazyScreenQueue(w.t.db, queueOptions, true);
  late.queue = queue;
  await w.app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(w.app.server.address() as AddressInfo).port}`;
  const client = new CryoProtectClient({ serverUrl: url, token: w.owner.token });
  const data = join(dir, 'tg.csv');
  writeFileSync(data, readFileSync(TG, 'utf8'));
  const trained = await trainFromCsv({
    data,
    target: 'Tg (K)',
    learner: 'ridge',
    learnerParams: { alpha: 10 },
    folds: 3,
    seed: 1,
    featurizer: { descriptors: true, morgan: null }
  });
  const { version } = await registerTrainedModel(client, trained, {
    name: 'tg-screen',
    propertyType: 'glass_transition'
  });
  return { w, url, client, queue, model: version };
}

for (const target of databaseTargets()) {
  describe(`the screening queue (${target.kind})`, { skip: target.skip, timeout: 120_000 }, () => {
    it('starts on a fresh database from several processes at once', async () => {
      const t = await target.create();
      try {
        await migrate(t.db, DEFAULT_MIGRATIONS_DIR);
        // Workers and servers starting together race to create pg-boss's schema, its queues and
        // the grants; a lost race must not leave a connection in an aborted transaction.
        const queues = await Promise.all(
          [1, 2, 3, 4].map(() => ScreenQueue.start(t.db, { maintenanceSeconds: 1 }, false))
        );
        await Promise.all(queues.map(q => q.stop()));
        const { rows } = await t.db.executeSql(
          `SELECT name FROM pgboss.queue WHERE name LIKE 'screen-chunk%' ORDER BY name`
        );
        assert.deepEqual(
          rows.map(r => r.name),
          ['screen-chunk', 'screen-chunk-failed']
        );
        const after = await ScreenQueue.start(t.db, {}, false);
        await after.stop();
      } finally {
        await t.dispose();
      }
    });
  });
}

for (const target of databaseTargets()) {
  describe(`virtual screens (${target.kind})`, { skip: target.skip, timeout: 240_000 }, () => {
    let dir: string;
    let s: Served & { queue: ReturnType<typeof lazyScreenQueue> };
    const workers: ChildProcess[] = [];

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'cryoprotect-screens-'));
      // Short expiry and frequent maintenance: a killed worker's chunk is retried within seconds.
      s = await serve(
        target,
        { expireInSeconds: 8, retryLimit: 2, maintenanceSeconds: 1, pollSeconds: 1 },
        dir
      );
    });

    after(async () => {
      for (const child of workers) {
        child.kill('SIGKILL');
      }
      await s?.w.app.close();
      await s?.queue.stop();
      await s?.w.t.dispose();
      rmSync(dir, { recursive: true, force: true });
    });

    it('scores every molecule exactly once, reports refused structures by line, and ranks the top', async () => {
      const { text, bad } = library(120);
      const input = join(dir, 'library.smi');
      writeFileSync(input, text);
      let worker: Awaited<ReturnType<typeof startScreenWorker>> | undefined;
      if (target.kind === 'pglite') {
        // The embedded database: one process, the worker in it (as `cryoprotect serve` does).
        worker = await startScreenWorker(s.w.t.db, { concurrency: 1 }, await s.queue.get());
      } else {
        for (let i = 0; i < 2; i++) {
          workers.push(Private.spawnWorker(s.w.t.url!));
        }
      }
      try {
        const submitted = await runCryoprotect(
          [
            'screen',
            'submit',
            '--model',
            `${s.model.name}@${s.model.version}`,
            '--input',
            input,
            '--chunk',
            '25'
          ],
          { CRYOPROTECT_SERVER_URL: s.url, CRYOPROTECT_TOKEN: s.w.owner.token }
        );
        assert.equal(submitted.code, 0, submitted.stderr);
        const id = submitted.stdout.trim();
        assert.match(id, /^[0-9a-f-]{36}$/);
        assert.match(submitted.stderr, /120 molecules with tg-screen@1: 5 chunks queued/);
        const done = await Private.waitDone(s.client, id, workers);
        assert.equal(done.state, 'done');
        assert.deepEqual(
          { ...done.chunks },
          { total: 5, uploaded: 5, queued: 0, running: 0, done: 5, failed: 0, cancelled: 0 }
        );
        assert.equal(done.molecules.invalid, bad.size);
        assert.equal(done.molecules.scored, 120 - bad.size);
        assert.ok(done.moleculesPerSecond! > 0);

        const rows = [];
        for await (const row of s.client.screens.results(id, { pageSize: 37 })) {
          rows.push(row);
        }
        assert.deepEqual(
          rows.map(r => r.line),
          Array.from({ length: 120 }, (_, i) => i + 1)
        );
        for (const row of rows) {
          const reason = bad.get(row.line);
          if (reason) {
            assert.equal(row.prediction, null);
            assert.match(row.error ?? '', reason, `line ${row.line}: ${row.error}`);
          } else {
            assert.equal(row.error, null, `line ${row.line}: ${row.error}`);
            assert.ok(row.lower! <= row.prediction! && row.prediction! <= row.upper!);
            assert.equal(row.inputId, `m${row.line}`);
          }
        }
        // The worker's numbers are the model's: the same molecules predicted here agree.
        const version = await s.client.models.get(s.model.id);
        const sample = rows.filter(r => r.error === null).slice(0, 10);
        const standardized = await Promise.all(sample.map(r => standardize(r.input)));
        const local = await predictMolecules(
          savedModelFromVersion(version),
          standardized.map(m => m.smiles)
        );
        assert.deepEqual(
          sample.map(r => [r.smiles, r.prediction, r.lower, r.upper]),
          local.rows.map((p, i) => [standardized[i].smiles, p.prediction, p.lower, p.upper])
        );

        const top = await s.client.screens.top(id, 5, { by: 'lower' });
        const best = rows
          .filter(r => r.error === null)
          .sort((a, b) => b.lower! - a.lower! || a.line - b.line)
          .slice(0, 5);
        assert.deepEqual(
          top.map(r => r.line),
          best.map(r => r.line)
        );
        const out = join(dir, 'top.csv');
        const written = await runCryoprotect(
          ['screen', 'results', id, '--out', out, '--top', '3', '--by', 'prediction'],
          { CRYOPROTECT_SERVER_URL: s.url, CRYOPROTECT_TOKEN: s.w.owner.token }
        );
        assert.equal(written.code, 0, written.stderr);
        const csv = readFileSync(out, 'utf8').trim().split('\n');
        assert.equal(csv.length, 4);
        assert.match(
          csv[0],
          /^line,id,input,smiles,inchikey,prediction \(K\),lower \(K\),upper \(K\)/
        );

        // Results are the submitter's: an outsider sees neither the screen nor its rows.
        assert.equal((await call(s.w, s.w.outsider, 'GET', `/api/screens/${id}`)).statusCode, 404);
        assert.equal(
          (await call(s.w, s.w.outsider, 'GET', `/api/screens/${id}/results?top=3`)).statusCode,
          404
        );
        assert.equal((await call(s.w, null, 'GET', `/api/screens/${id}`)).statusCode, 404);
        const status = await runCryoprotect(['screen', 'status', id], {
          CRYOPROTECT_SERVER_URL: s.url,
          CRYOPROTECT_TOKEN: s.w.owner.token
        });
        assert.equal(status.code, 0, status.stderr);
        assert.match(
          status.stdout,
          /done: 5\/5 chunks \(5 done, 0 failed\); \d+ scored, \d+ invalid/
        );
      } finally {
        await worker?.stop();
      }
    });

    it('refuses bad screens and chunks, naming the field, and writes nothing for them', async () => {
      const owner = s.w.owner;
      const create = (body: object, user = owner) => call(s.w, user, 'POST', '/api/screens', body);
      const body = {
        modelVersionId: s.model.id,
        source: 'lib.smi',
        moleculeCount: 5,
        chunkSize: 2
      };
      assert.equal((await call(s.w, null, 'POST', '/api/screens', body)).statusCode, 401);
      const unknown = await create({
        ...body,
        modelVersionId: '5f0c8a3e-8d2b-4c1e-9f4a-2b7d6e1c0a9f'
      });
      assert.equal(unknown.statusCode, 422);
      assert.equal(unknown.json().errors[0].path, 'body.modelVersionId');
      // The outsider cannot see the owner's private model: the same answer as an unknown one.
      assert.equal((await create(body, s.w.outsider)).statusCode, 422);
      const bare = await registerTestModel(s.w, owner, 'no-artifact');
      const cannot = await create({ ...body, modelVersionId: bare.id });
      assert.equal(cannot.statusCode, 422);
      assert.match(
        cannot.json().detail,
        /body.modelVersionId: model no-artifact@1 has no fitted model/
      );
      const tooBig = await create({ ...body, chunkSize: 5001 });
      assert.equal(tooBig.statusCode, 400);
      assert.match(tooBig.json().detail, /chunkSize/);

      const screen = (await create({ ...body, projectId: s.w.projectId })).json();
      assert.equal(screen.state, 'uploading');
      assert.equal(screen.chunks.total, 3);
      const put = (seq: number | string, molecules: object[], user = owner) =>
        s.w.app.inject({
          method: 'PUT',
          url: `/api/screens/${screen.id}/chunks/${seq}`,
          headers: { authorization: `Bearer ${user.token}` },
          payload: { molecules }
        });
      const m = (line: number, structure = 'OCC(O)CO') => ({ line, structure, id: `m${line}` });
      const refusals: [number | string, object[], number, string, RegExp][] = [
        [3, [m(1)], 422, 'params.seq', /beyond the screen's 3 chunks/],
        ['x', [m(1)], 400, 'params.seq', /.+/],
        [0, [m(1)], 422, 'body.molecules', /holds 2 molecules/],
        [0, [m(2), m(1)], 422, 'body.molecules[1].line', /lines increase/],
        [2, [m(1), m(2)], 422, 'body.molecules', /holds 1 molecules/],
        [0, [{ line: 0, structure: 'C' }, m(1)], 400, 'body.molecules[0].line', /.+/]
      ];
      for (const [seq, molecules, status, path, detail] of refusals) {
        const answer = await put(seq, molecules);
        assert.equal(
          answer.statusCode,
          status,
          `${seq} ${JSON.stringify(molecules)}: ${answer.body}`
        );
        const problem = answer.json();
        assert.ok(
          problem.errors.some((e: { path: string }) => e.path === path),
          `${path} in ${answer.body}`
        );
        assert.match(problem.detail, detail);
      }
      assert.equal((await put(0, [m(1), m(2)])).statusCode, 200);
      // The same chunk again (a retry after a lost answer) is a no-op; other molecules are a 409.
      assert.equal((await put(0, [m(1), m(2)])).statusCode, 200);
      assert.equal((await put(0, [m(1), m(2, 'CCO')])).statusCode, 409);
      const overlap = await put(1, [m(2), m(3)]);
      assert.equal(overlap.statusCode, 422);
      assert.match(overlap.json().detail, /overlap chunk 0/);
      // Shared with the project: the viewer reads it but only the submitter uploads; the outsider sees nothing.
      assert.equal(
        (await call(s.w, s.w.viewer, 'GET', `/api/screens/${screen.id}`)).statusCode,
        200
      );
      assert.equal((await put(1, [m(3), m(4)], s.w.viewer)).statusCode, 403);
      assert.equal((await put(1, [m(3), m(4)], s.w.outsider)).statusCode, 404);
      const both = await call(
        s.w,
        owner,
        'GET',
        `/api/screens/${screen.id}/results?top=2&cursor=abc`
      );
      assert.equal(both.statusCode, 400);
      const chunks = await s.w.t.db.serviceTransaction(tx =>
        tx.query<{ seq: number }>('SELECT seq FROM screen_chunks WHERE screen_id = $1', [screen.id])
      );
      assert.deepEqual(
        chunks.rows.map(r => r.seq),
        [0]
      );

      // Cancelled: the viewer may not, the submitter may; no chunk is taken after that.
      assert.equal(
        (await call(s.w, s.w.viewer, 'POST', `/api/screens/${screen.id}/cancel`)).statusCode,
        403
      );
      const cancelled = await call(s.w, owner, 'POST', `/api/screens/${screen.id}/cancel`);
      assert.equal(cancelled.statusCode, 200, cancelled.body);
      assert.equal(cancelled.json().state, 'cancelled');
      assert.equal((await put(1, [m(3), m(4)])).statusCode, 409);

      // Deleted: not by a viewer or an outsider; by the submitter, with its chunks, audited.
      const del = (user: typeof owner | null) =>
        call(s.w, user, 'DELETE', `/api/screens/${screen.id}`);
      assert.equal((await del(null)).statusCode, 401);
      assert.equal((await del(s.w.outsider)).statusCode, 404);
      assert.equal((await del(s.w.viewer)).statusCode, 403);
      assert.equal((await del(owner)).statusCode, 204);
      assert.equal((await call(s.w, owner, 'GET', `/api/screens/${screen.id}`)).statusCode, 404);
      const left = await s.w.t.db.serviceTransaction(tx =>
        tx.query<{ chunks: number; audited: number }>(
          `SELECT (SELECT count(*)::int FROM screen_chunks WHERE screen_id = $1) AS chunks,
                  (SELECT count(*)::int FROM audit_log WHERE action = 'screen.delete' AND entity_id = $1::text) AS audited`,
          [screen.id]
        )
      );
      assert.deepEqual(left.rows[0], { chunks: 0, audited: 1 });
    });

    it('fails a poison chunk after its retries with the reason, and finishes the others', async () => {
      let worker: Awaited<ReturnType<typeof startScreenWorker>> | undefined;
      if (target.kind === 'pglite') {
        worker = await startScreenWorker(s.w.t.db, { concurrency: 1 }, await s.queue.get());
      }
      try {
        const screen = await s.client.screens.create({
          modelVersionId: s.model.id,
          source: 'poison.smi',
          moleculeCount: 6,
          chunkSize: 2
        });
        await s.client.screens.uploadChunk(screen.id, 0, [
          { line: 1, structure: 'OCC(O)CO' },
          { line: 2, structure: 'CS(C)=O' }
        ]);
        // Chunk 1 as a corrupt row would be: stored molecules that are not a list.
        const queue = await s.queue.get();
        await s.w.t.db.serviceTransaction(async tx => {
          const { rows } = await tx.query<{ id: string }>(
            `INSERT INTO screen_chunks (screen_id, seq, molecules, molecule_count, first_line,
                                        last_line, owner_id)
             VALUES ($1, 1, '{"not": "a list"}', 2, 3, 4, $2) RETURNING id`,
            [screen.id, s.w.owner.id]
          );
          await queue.enqueue(tx, [rows[0].id]);
        });
        await s.client.screens.uploadChunk(screen.id, 2, [
          { line: 5, structure: 'OCCO' },
          { line: 6, structure: 'C(C(CO)O)O' }
        ]);
        const done = await Private.waitDone(s.client, screen.id, workers);
        assert.equal(done.state, 'done');
        assert.equal(done.chunks.done, 2);
        assert.equal(done.chunks.failed, 1);
        assert.equal(done.molecules.scored, 4);
        assert.deepEqual(
          done.failures.map(f => [f.seq, f.lines, f.attempts]),
          [[1, '3-4', 3]]
        );
        assert.match(done.failures[0].error, /chunk 1: its stored molecules are not a list/);
      } finally {
        await worker?.stop();
      }
    });

    it('queues again the chunks a restored database holds without their jobs', async () => {
      const screen = await s.client.screens.create({
        modelVersionId: s.model.id,
        source: 'restored.smi',
        moleculeCount: 2
      });
      // The rows as a restore writes them: our tables come back, pg-boss's jobs do not.
      await s.w.t.db.serviceTransaction(tx =>
        tx.query(
          `INSERT INTO screen_chunks (screen_id, seq, molecules, molecule_count, first_line,
                                      last_line, owner_id)
           VALUES ($1, 0, $2, 2, 1, 2, $3)`,
          [
            screen.id,
            JSON.stringify([
              { line: 1, structure: 'OCC(O)CO', id: 'glycerol' },
              { line: 2, structure: 'CS(C)=O', id: 'dmso' }
            ]),
            s.w.owner.id
          ]
        )
      );
      const queue = await s.queue.get();
      assert.equal(await queue.requeueOrphans(s.w.t.db), 1);
      assert.equal(await queue.requeueOrphans(s.w.t.db), 0);
      const worker =
        target.kind === 'pglite'
          ? await startScreenWorker(s.w.t.db, { concurrency: 1 }, queue)
          : undefined;
      try {
        const done = await Private.waitDone(s.client, screen.id, workers);
        assert.equal(done.molecules.scored, 2);
        const hits = await s.client.screens.top(screen.id, 2);
        assert.deepEqual(hits.map(h => h.inputId).sort(), ['dmso', 'glycerol']);
      } finally {
        await worker?.stop();
      }
    });

    if (target.kind === 'postgres') {
      it('retries the chunk of a worker killed mid-chunk after its expiry: every row exactly once', async () => {
        const { text } = library(600);
        const input = join(dir, 'kill.smi');
        writeFileSync(input, text);
        const submitted = await runCryoprotect(
          ['screen', 'submit', '--model', s.model.name, '--input', input, '--chunk', '100'],
          { CRYOPROTECT_SERVER_URL: s.url, CRYOPROTECT_TOKEN: s.w.owner.token }
        );
        assert.equal(submitted.code, 0, submitted.stderr);
        const id = submitted.stdout.trim();
        // Wait until a worker holds a chunk, then kill that worker without warning.
        let held: { id: string; worker: string } | undefined;
        for (let i = 0; i < 3000 && !held; i++) {
          const { rows } = await s.w.t.db.serviceTransaction(tx =>
            tx.query<{ id: string; worker: string }>(
              `SELECT id, worker FROM screen_chunks WHERE screen_id = $1 AND state = 'running'`,
              [id]
            )
          );
          held = rows[0];
          if (!held) {
            await new Promise(r => setTimeout(r, 10));
          }
        }
        assert.ok(held, `a worker took a chunk; workers said: ${Private.logs.join('')}`);
        const victim = workers.find(w => held!.worker.endsWith(`:${w.pid}`));
        assert.ok(victim, `chunk held by ${held.worker}, one of ours`);
        victim.kill('SIGKILL');
        const done = await Private.waitDone(s.client, id, workers);
        assert.equal(done.state, 'done');
        assert.equal(done.chunks.done, 6, JSON.stringify(done));
        const { rows } = await s.w.t.db.serviceTransaction(tx =>
          tx.query<{ n: number; lines: number; attempts: number; state: string }>(
            `SELECT (SELECT count(*)::int FROM screen_results WHERE screen_id = $1) AS n,
                    (SELECT count(DISTINCT line)::int FROM screen_results WHERE screen_id = $1) AS lines,
                    c.attempts, c.state
             FROM screen_chunks c WHERE c.id = $2`,
            [id, held!.id]
          )
        );
        assert.deepEqual(
          { ...rows[0], attempts: undefined },
          { n: 600, lines: 600, attempts: undefined, state: 'done' }
        );
        assert.ok(
          rows[0].attempts >= 2,
          `the killed chunk ran again (${rows[0].attempts} attempts)`
        );
        assert.equal(done.molecules.scored + done.molecules.invalid, 600);
      });
    }
  });
}

namespace Private {
  /**
   * Wait for a screen; a worker process that exits meanwhile fails the test at once, with what
   * the workers printed.
   */
  export function waitDone(
    client: CryoProtectClient,
    id: string,
    children: ChildProcess[],
    timeoutMs = 120_000
  ): Promise<Awaited<ReturnType<typeof waitForScreen>>> {
    return waitForScreen(client, id, {
      intervalMs: 200,
      timeoutMs,
      onProgress: () => {
        const dead = children.find(c => c.exitCode !== null && c.signalCode !== 'SIGKILL');
        if (dead) {
          throw new Error(`worker ${dead.pid} exited (${dead.exitCode}): ${logs.join('')}`);
        }
      }
    }).catch((error: Error) => {
      throw new Error(`${error.message}; workers said: ${logs.join('').slice(-4000)}`);
    });
  }

  /** What the worker processes printed, for the message of a failed assertion. */
  export const logs: string[] = [];

  export function spawnWorker(databaseUrl: string): ChildProcess {
    const child = spawn(process.execPath, [CLI, 'screen', 'worker'], {
      env: {
        ...process.env,
        DATABASE_URL: databaseUrl,
        CRYOPROTECT_SCREEN_EXPIRE: '8',
        CRYOPROTECT_SCREEN_MAINTENANCE: '1',
        CRYOPROTECT_SCREEN_POLL: '1',
        LOG_LEVEL: 'silent'
      },
      stdio: ['ignore', 'pipe', 'pipe']
    });
    child.stdout!.on('data', (c: Buffer) => logs.push(`[${child.pid}] ${c.toString()}`));
    child.stderr!.on('data', (c: Buffer) => logs.push(`[${child.pid}] ${c.toString()}`));
    return child;
  }
}
