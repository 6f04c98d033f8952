// bench/screen: a virtual screen of the deterministic library of bench/library.mjs (valid single
// molecules, enumerated by its stated rules) with a Tg model trained here, on a throw-away
// PostgreSQL. It measures, on this machine:
//
//   anchor    the same model scoring the same molecules in one process, chunk by chunk, with the
//             worker's own code (standardize, featurize, predict with intervals and the domain)
//             and no queue, no database: what scoring alone costs;
//   1 worker  `cryoprotect screen worker` in one process: the queue, the claims and the result
//             writes on top of scoring (the queue's overhead is its ratio to the anchor);
//   2 workers two such processes on this machine's two cores;
//   writes    rows per second one transaction inserts into screen_results (the database's share).
//
// From these it prints the per-chunk costs the projection to N machines in docs/screening.md
// rests on.
//
//   node bench/screen.mjs [--size 100000] [--chunk 500] [--learner auto]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CryoProtectClient, submitScreen, waitForScreen } from '@cryoprotect/kernel';
import { readStructureFile, trainFromCsv } from '@cryoprotect/kernel/node';
import { buildApp } from '../server/dist/app.js';
import { DEFAULT_MIGRATIONS_DIR } from '../server/dist/config.js';
import { openPostgres } from '../server/dist/db/database.js';
import { migrate } from '../server/dist/db/migrations.js';
import { loadReferenceData } from '../server/dist/db/reference-data.js';
import { createUserWithToken } from '../server/dist/testing/users.js';
import { lazyScreenQueue } from '../server/dist/screens/queue.js';
import { insertResults, scoreMolecules } from '../server/dist/screens/worker.js';
import { startPostgres } from '../scripts/postgres.mjs';
import { libraryLines } from './library.mjs';
import { ROOT } from './molecules.mjs';

const arg = (name, fallback) =>
  process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : fallback;
const size = Number(arg('--size', 100_000));
const chunk = Number(arg('--chunk', 500));
const learner = arg('--learner', 'auto');
const CLI = join(ROOT, 'server', 'bin', 'cryoprotect.js');
const dir = mkdtempSync(join(tmpdir(), 'cryoprotect-bench-screen-'));
const say = text => process.stdout.write(`${text}\n`);
const seconds = ms => (ms / 1000).toFixed(1);

const postgres = await startPostgres();
const workers = [];
let app;
let queue;
let db;
try {
  const url = new URL(postgres.url);
  url.pathname = '/bench_screen';
  const admin = await openPostgres(postgres.url);
  await admin.executeSql('DROP DATABASE IF EXISTS bench_screen');
  await admin.executeSql('CREATE DATABASE bench_screen');
  await admin.close();
  db = await openPostgres(url.toString());
  await migrate(db, DEFAULT_MIGRATIONS_DIR);
  await loadReferenceData(db);
  const user = await createUserWithToken(db, 'bench');
  queue = lazyScreenQueue(db, {}, false);
  app = await buildApp({
    db,
    migrationsDir: DEFAULT_MIGRATIONS_DIR,
    logLevel: 'silent',
    bodyLimit: 8 << 20,
    rateLimitPerMinute: 1_000_000,
    screenQueue: queue.get
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  // The server runs in this process: while the anchor keeps the event loop busy for minutes, an
  // idle keep-alive socket can be closed under the client; a request that meets one is sent again.
  const client = new CryoProtectClient({
    serverUrl: `http://127.0.0.1:${app.server.address().port}`,
    token: user.token,
    fetch: async (url, init) => {
      try {
        return await fetch(url, init);
      } catch (error) {
        if (error?.cause?.code !== 'ECONNRESET') {
          throw error;
        }
        return fetch(url, init);
      }
    }
  });

  let t0 = performance.now();
  const trained = await trainFromCsv({
    data: join(ROOT, 'data', 'science-data', 'tg_pure_compounds.csv'),
    target: 'Tg (K)',
    learner,
    seed: 0
  });
  const { registerTrainedModel, savedModelFromVersion } = await import('@cryoprotect/kernel');
  const { version } = await registerTrainedModel(client, trained, {
    name: 'bench-tg',
    propertyType: 'glass_transition'
  });
  const model = savedModelFromVersion(version);
  say(
    `model: ${learner} on the Tg data (${model.learner.name}), trained and registered in ${seconds(performance.now() - t0)} s`
  );

  const input = join(dir, 'library.smi');
  t0 = performance.now();
  writeFileSync(input, `${libraryLines(size).join('\n')}\n`);
  const molecules = readStructureFile(input).rows;
  say(
    `library: ${size.toLocaleString('en')} molecules of bench/library.mjs written and read in ${seconds(performance.now() - t0)} s; chunks of ${chunk}`
  );

  // Anchor: the worker's scoring, in this process, no queue and no database.
  t0 = performance.now();
  let scored = 0;
  for (let i = 0; i < molecules.length; i += chunk) {
    const rows = await scoreMolecules(
      model,
      molecules
        .slice(i, i + chunk)
        .map(m => ({ line: m.line, structure: m.structure, id: m.id ?? null }))
    );
    scored += rows.filter(r => r.error === null).length;
  }
  const anchorMs = performance.now() - t0;
  const anchorRate = size / (anchorMs / 1000);
  say(
    `anchor (one process, no queue): ${anchorRate.toFixed(0)} molecules/s (${scored.toLocaleString('en')} scored in ${seconds(anchorMs)} s; ${(anchorMs / Math.ceil(size / chunk)).toFixed(0)} ms per chunk)`
  );

  const runScreen = async (processes, library = molecules, chunkSize = chunk) => {
    for (let i = 0; i < processes; i++) {
      const child = spawn(process.execPath, [CLI, 'screen', 'worker'], {
        env: { ...process.env, DATABASE_URL: url.toString(), CRYOPROTECT_SCREEN_POLL: '1' },
        stdio: ['ignore', 'ignore', 'inherit']
      });
      workers.push(child);
    }
    const start = performance.now();
    const screen = await submitScreen(client, library, {
      model: version.id,
      source: 'library.smi',
      chunkSize
    });
    const submitMs = performance.now() - start;
    const done = await waitForScreen(client, screen.id, { intervalMs: 500 });
    const wallMs = performance.now() - start;
    for (const child of workers.splice(0)) {
      child.kill('SIGTERM');
    }
    const rate = library.length / (wallMs / 1000);
    say(
      `${processes} worker process${processes > 1 ? 'es' : ''}, chunks of ${chunkSize}: ${rate.toFixed(0)} molecules/s from submit to the last result (${seconds(wallMs)} s; upload ${seconds(submitMs)} s; ${done.molecules.scored.toLocaleString('en')} scored, ${done.molecules.invalid} refused, ${done.chunks.failed} chunks failed); ${(rate / anchorRate).toFixed(2)}x the anchor`
    );
    // From the first chunk's start to the last one's finish: without the workers' start-up.
    const { rows } = await db.serviceTransaction(tx =>
      tx.query(
        `SELECT extract(epoch FROM max(finished_at) - min(started_at))::float8 * 1000 AS ms
         FROM screen_chunks WHERE screen_id = $1`,
        [screen.id]
      )
    );
    return { rate, wallMs, spanMs: rows[0].ms, id: screen.id };
  };
  const one = await runScreen(1);
  const two = await runScreen(2);

  // Where a worker's time goes: each chunk's time from its claim to its results committed,
  // against the anchor's scoring of a chunk.
  const perChunk = async id => {
    const { rows } = await db.serviceTransaction(tx =>
      tx.query(
        `SELECT avg(extract(epoch FROM finished_at - started_at))::float8 * 1000 AS ms
         FROM screen_chunks WHERE screen_id = $1 AND state = 'done' AND attempts = 1`,
        [id]
      )
    );
    return rows[0].ms;
  };
  const chunks = Math.ceil(size / chunk);
  const scoreMs = anchorMs / chunks;
  const oneMs = await perChunk(one.id);
  const twoMs = await perChunk(two.id);
  say(
    `per chunk of ${chunk}: scoring ${scoreMs.toFixed(0)} ms (anchor); claimed to committed ${oneMs.toFixed(0)} ms with one worker, ${twoMs.toFixed(0)} ms each with two`
  );

  // The database's share, measured alone. (1) Writes: a chunk's rows as the worker writes them
  // (one INSERT in one transaction as the submitter, the ownership trigger on each row), for
  // chunks of scored rows copied from the first run into fresh chunks of a fresh screen.
  const { rows: scoredRows } = await db.serviceTransaction(tx =>
    tx.query(
      `SELECT line, input_id AS "inputId", input, smiles, inchikey, prediction, lower, upper,
              novelty, in_domain AS "inDomain", error
       FROM screen_results WHERE screen_id = $1 ORDER BY line LIMIT $2`,
      [one.id, chunk]
    )
  );
  const writes = 40;
  const copy = await db.serviceTransaction(async tx => {
    const { rows } = await tx.query(
      `INSERT INTO screens (model_version_id, source, molecule_count, chunk_size, chunk_count, owner_id)
       VALUES ($1, 'write-bench', $2, $3, $4, $5) RETURNING id`,
      [version.id, writes * chunk, chunk, writes, user.id]
    );
    const ids = [];
    for (let i = 0; i < writes; i++) {
      const { rows: c } = await tx.query(
        `INSERT INTO screen_chunks (screen_id, seq, molecules, molecule_count, first_line, last_line, owner_id)
         VALUES ($1, $2, '[]', $3, $4, $5, $6) RETURNING id`,
        [rows[0].id, i, chunk, i * chunk + 1, (i + 1) * chunk, user.id]
      );
      ids.push(c[0].id);
    }
    return ids;
  });
  t0 = performance.now();
  for (let i = 0; i < writes; i++) {
    const shifted = scoredRows.map((r, j) => ({ ...r, line: i * chunk + j + 1 }));
    await db.userTransaction(user.id, tx => insertResults(tx, copy[i], shifted));
  }
  const writeMs = (performance.now() - t0) / writes;
  // (2) The fixed cost of a job: a screen of one-molecule chunks through one worker.
  const small = 200;
  const fixed = await runScreen(1, molecules.slice(0, small), 1);
  const fixedMs = fixed.spanMs / small - anchorMs / size;
  say(
    `database alone: ${writeMs.toFixed(0)} ms to write a chunk of ${chunk} rows (${((chunk / writeMs) * 1000).toFixed(0)} rows/s on one connection); a job's fixed cost (queue fetch and completion, claim, status) ${fixedMs.toFixed(0)} ms, from ${small} one-molecule chunks`
  );
} finally {
  for (const child of workers) {
    child.kill('SIGKILL');
  }
  await app?.close();
  await queue?.stop();
  await db?.close();
  await postgres.stop();
  rmSync(dir, { recursive: true, force: true });
}
