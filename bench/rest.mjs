// bench/rest: REST reads under load on loopback, 64 connections, against the same query issued
// directly (pg for PostgreSQL, PGlite in process for the embedded database) in the same run.
// Target: REST throughput >= 0.7 x direct, zero errors; p50/p99 latency reported.
//
//   node bench/rest.mjs [--seconds 10] [--connections 64] [--postgres-only]
// PostgreSQL also reports the same read with an API token (what authentication adds per request),
// against the same anchor.
// PostgreSQL: DATABASE_URL if set, else a throw-away server like npm test's.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { ROOT } from './molecules.mjs';
import { startPostgres } from '../scripts/postgres.mjs';

const arg = (name, fallback) =>
  process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) : fallback;
const seconds = arg('--seconds', 10);
// Rounds alternate REST and anchor, so a slow spell of the machine hits both; medians are reported.
const rounds = arg('--rounds', 3);
// Both sides get the same warm-up (JIT, connection pools), measured and thrown away.
const warmup = arg('--warmup', 3);
const connections = arg('--connections', 64);
const CLI = join(ROOT, 'server', 'bin', 'cryoprotect.js');
const QUERY = `SELECT m.id, m.inchikey, m.inchi, m.smiles, m.name, m.synonyms, m.visibility, m.created_at,
  (SELECT p.value FROM molecule_properties p WHERE p.molecule_id = m.id AND p.name = 'molar_mass' ORDER BY p.computed_at DESC LIMIT 1) AS molar_mass
  FROM molecules m WHERE m.id = $1`;

function startServer(env, port) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'serve', '--port', String(port)], {
      env: { ...process.env, LOG_LEVEL: 'silent', CRYOPROTECT_RATE_LIMIT: '100000000', ...env },
      stdio: ['ignore', 'pipe', 'pipe']
    });
    let out = '';
    child.stdout.on('data', d => {
      out += d;
      if (/REST server: http/.test(out)) resolve(child);
    });
    child.stderr.on('data', d => (out += d));
    child.on('exit', code => reject(new Error(`server exited ${code}: ${out}`)));
  });
}

async function load(url, headers = {}, duration = seconds) {
  const result = await autocannon({ url, connections, duration, headers });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx
  };
}

/** The same read, `connections` at a time, for the same duration, straight to the database. */
async function direct(run, duration = seconds) {
  let count = 0;
  const stop = Date.now() + duration * 1000;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (Date.now() < stop) {
        await run();
        count++;
      }
    })
  );
  return count / duration;
}

async function moleculeId(port) {
  const page = await (await fetch(`http://127.0.0.1:${port}/api/molecules?q=glycerol`)).json();
  return page.items[0].id;
}

const median = values => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Medians over the rounds; each round's ratio pairs the REST run with the anchor run beside it. */
function report(kind, rests, anchors) {
  const ratios = rests.map((rest, i) => rest.rps / anchors[i]);
  console.log(
    `  ${kind}: REST ${Math.round(median(rests.map(r => r.rps))).toLocaleString('en')} req/s (p50 ${median(rests.map(r => r.p50))} ms, p99 ${median(rests.map(r => r.p99))} ms, ${rests.reduce((n, r) => n + r.errors, 0)} errors); direct ${Math.round(median(anchors)).toLocaleString('en')} queries/s; ratio ${median(ratios).toFixed(2)} (rounds ${ratios.map(r => r.toFixed(2)).join(', ')}; target >= 0.7)`
  );
}

console.log(
  `bench/rest: GET /api/molecules/{id} (public reference molecule), ${connections} connections, ${seconds} s x ${rounds} rounds after ${warmup} s warm-up each side, loopback`
);

// PostgreSQL
const postgres = process.env.DATABASE_URL
  ? { url: process.env.DATABASE_URL, stop: async () => {} }
  : await startPostgres();
try {
  const admin = new pg.Client({ connectionString: postgres.url });
  await admin.connect();
  await admin.query('DROP DATABASE IF EXISTS cryoprotect_bench WITH (FORCE)');
  await admin.query('CREATE DATABASE cryoprotect_bench');
  await admin.end();
  const url = new URL(postgres.url);
  url.pathname = '/cryoprotect_bench';
  const port = 18000 + Math.floor(Math.random() * 1000);
  const server = await startServer({ DATABASE_URL: url.toString() }, port);
  try {
    const id = await moleculeId(port);
    // A user with a read token, written straight into the bench database.
    const token = `cpt_${randomBytes(32).toString('base64url')}`;
    const owner = new pg.Client({ connectionString: url.toString() });
    await owner.connect();
    await owner.query(
      `WITH u AS (INSERT INTO users (username, display_name) VALUES ('bench', 'bench') RETURNING id)
       INSERT INTO api_tokens (user_id, name, token_hash, scopes) SELECT id, 'bench', $1, '{read}' FROM u`,
      [createHash('sha256').update(token).digest('hex')]
    );
    await owner.end();
    const pool = new pg.Pool({ connectionString: url.toString(), max: 10 });
    // What the server does per request: one transaction as the application role, then the read.
    const once = async () => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await client.query(
          `SELECT set_config('role', 'cryoprotect_app', true), set_config('app.user_id', $1, true)`,
          ['']
        );
        await client.query(QUERY, [id]);
        await client.query('COMMIT');
      } finally {
        client.release();
      }
    };
    await load(`http://127.0.0.1:${port}/api/molecules/${id}`, {}, warmup);
    await direct(once, warmup);
    const rests = [];
    const authenticated = [];
    const anchors = [];
    for (let round = 0; round < rounds; round++) {
      rests.push(await load(`http://127.0.0.1:${port}/api/molecules/${id}`));
      anchors.push(await direct(once));
      authenticated.push(
        await load(`http://127.0.0.1:${port}/api/molecules/${id}`, {
          authorization: `Bearer ${token}`
        })
      );
    }
    await pool.end();
    report('PostgreSQL, anonymous', rests, anchors);
    report('PostgreSQL with an API token', authenticated, anchors);
  } finally {
    server.kill('SIGTERM');
  }
} finally {
  await postgres.stop();
}

if (process.argv.includes('--postgres-only')) {
  process.exit(0);
}

// Embedded PGlite: one process owns the folder, so each round's anchor runs after the server stopped.
const dataDir = mkdtempSync(join(tmpdir(), 'cryoprotect-bench-'));
try {
  const rests = [];
  const anchors = [];
  for (let round = 0; round < rounds; round++) {
    const port = 19000 + Math.floor(Math.random() * 1000);
    const server = await startServer({ CRYOPROTECT_DATA_DIR: dataDir, DATABASE_URL: '' }, port);
    const id = await moleculeId(port);
    await load(`http://127.0.0.1:${port}/api/molecules/${id}`, {}, warmup);
    rests.push(await load(`http://127.0.0.1:${port}/api/molecules/${id}`));
    server.kill('SIGTERM');
    await new Promise(r => server.on('exit', r));
    const db = await PGlite.create(join(dataDir, 'pgdata'));
    const read = () =>
      db.transaction(async tx => {
        await tx.query(
          `SELECT set_config('role', 'cryoprotect_app', true), set_config('app.user_id', $1, true)`,
          ['']
        );
        await tx.query(QUERY, [id]);
      });
    await direct(read, warmup);
    anchors.push(await direct(read));
    await db.close();
  }
  report('PGlite, anonymous', rests, anchors);
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
