// bench/similarity: Tanimoto top-10 over 1,000,000 Morgan fingerprints (radius 2, 2048 bits) on
// one core. Target: every query, the slowest included, faster than native RDKit's full scan
// (DataStructs.BulkTanimotoSimilarity over all of them, bench/native_similarity.py with the
// project's .venv) in the same run. A second anchor is a plain JavaScript scan of every fingerprint
// with `tanimoto` (what the library's bounds avoid).
//
// The fingerprints come from real SMILES by enumeration: the distinct molecules of
// data/science-data (466), all pairs of distinct ones (108,345), then triples in a fixed order, as
// dot-disconnected SMILES "A.B.C" (a mixture's structure), until 1,000,000. Morgan environments
// never cross fragments, so the fingerprint of "A.B.C" is the bitwise OR of the parts'
// fingerprints; the run checks that against RDKit.js on 200 of them, and the native anchor the same
// 200 against native RDKit's Morgan generator, and its top 10 against the library's.
//
//   node --max-old-space-size=4096 bench/similarity.mjs [--size 1000000] [--queries 100] [--no-wasm]
//
// --no-wasm hides WebAssembly while the library is made, so it scans with its JavaScript kernel.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  FingerprintLibrary,
  getMorganFingerprintWith,
  loadRDKit,
  tanimoto
} from '@cryoprotect/kernel';
import { ROOT, scienceSmiles } from './molecules.mjs';

const arg = (name, fallback) =>
  process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) : fallback;
const size = arg('--size', 1_000_000);
const queryCount = arg('--queries', 100);
const NBITS = 2048;
const BYTES = NBITS / 8;
const rdkit = await loadRDKit();
const real = scienceSmiles();

/** Component indices of the i-th enumerated item: singles, then pairs, then triples of distinct molecules. */
function* combinations(n) {
  for (let a = 0; a < n; a++) {
    yield [a];
  }
  for (let a = 0; a < n; a++) {
    for (let b = a + 1; b < n; b++) {
      yield [a, b];
    }
  }
  for (let a = 0; a < n; a++) {
    for (let b = a + 1; b < n; b++) {
      for (let c = b + 1; c < n; c++) {
        yield [a, b, c];
      }
    }
  }
}

let t0 = performance.now();
const parts = real.map(s => getMorganFingerprintWith(rdkit, s));
const fps = new Uint8Array(size * BYTES);
const members = [];
let count = 0;
for (const combo of combinations(parts.length)) {
  if (count === size) {
    break;
  }
  const offset = count * BYTES;
  for (const i of combo) {
    const part = parts[i];
    for (let k = 0; k < BYTES; k++) {
      fps[offset + k] |= part[k];
    }
  }
  members.push(combo);
  count++;
}
if (count < size) {
  throw new Error(`enumeration gave only ${count} fingerprints`);
}
// The OR of the parts must be what RDKit computes for the dot-disconnected SMILES.
const checks = [];
for (let j = 0; j < 200; j++) {
  const i = (j * 4999) % size;
  const smiles = members[i].map(k => real[k]).join('.');
  const direct = getMorganFingerprintWith(rdkit, smiles);
  if (direct.some((byte, k) => byte !== fps[i * BYTES + k])) {
    throw new Error(`fingerprint ${i} differs from RDKit's for ${smiles}`);
  }
  checks.push([i, smiles]);
}
const singles = parts.length;
const pairs = Math.min(size, (singles * (singles - 1)) / 2 + singles) - singles;
console.log(
  `made ${size.toLocaleString('en')} fingerprints (${singles} molecules, ${pairs.toLocaleString('en')} pairs, ${(size - singles - pairs).toLocaleString('en')} triples) in ${((performance.now() - t0) / 1000).toFixed(1)} s; 200 checked against RDKit`
);

t0 = performance.now();
const wasm = Object.getOwnPropertyDescriptor(globalThis, 'WebAssembly');
if (process.argv.includes('--no-wasm')) {
  Reflect.deleteProperty(globalThis, 'WebAssembly');
}
const library = new FingerprintLibrary(NBITS, size);
Object.defineProperty(globalThis, 'WebAssembly', wasm);
for (let i = 0; i < size; i++) {
  library.add(fps.subarray(i * BYTES, (i + 1) * BYTES));
}
// A private field, read for the report only: which kernel the library chose.
const kernel = library.store.wasmScan ? 'WebAssembly' : 'JavaScript';
const buildSeconds = (performance.now() - t0) / 1000;

// Queries: real molecules (the first ones of data/science-data) and library members spread evenly.
const queries = [];
for (let i = 0; i < queryCount; i++) {
  queries.push(
    i % 2 === 0
      ? getMorganFingerprintWith(rdkit, real[(i * 7) % real.length])
      : fps.slice(((i * 9973) % size) * BYTES, (((i * 9973) % size) + 1) * BYTES)
  );
}
t0 = performance.now();
library.topK(queries[0], 10); // the first search sorts the fingerprints by bit count
const indexSeconds = (performance.now() - t0) / 1000;
const ours = [];
const times = queries.map(q => {
  const start = performance.now();
  ours.push(library.topK(q, 10));
  return performance.now() - start;
});
const sorted = [...times].sort((a, b) => a - b);
const pct = p => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
const worst = sorted.at(-1);

// Anchor: scan every fingerprint with `tanimoto` for 5 queries.
const scanTimes = queries.slice(0, 5).map(q => {
  const start = performance.now();
  let best = 0;
  for (let i = 0; i < size; i++) {
    best = Math.max(best, tanimoto(q, fps.subarray(i * BYTES, (i + 1) * BYTES)));
  }
  return performance.now() - start;
});
const scan = scanTimes.reduce((a, b) => a + b) / scanTimes.length;
const mean = times.reduce((a, b) => a + b) / times.length;

// Anchor: native RDKit on the same fingerprints and queries, in its own process.
const python = join(ROOT, '.venv', 'bin', 'python');
let native;
if (existsSync(python)) {
  const dir = mkdtempSync(join(tmpdir(), 'cryoprotect-bench-'));
  try {
    writeFileSync(join(dir, 'fingerprints.bin'), fps);
    writeFileSync(join(dir, 'queries.bin'), Buffer.concat(queries));
    writeFileSync(join(dir, 'check.json'), JSON.stringify(checks));
    native = JSON.parse(
      execFileSync(python, [join(ROOT, 'bench', 'native_similarity.py'), dir, String(NBITS)], {
        encoding: 'utf8',
        maxBuffer: 64 * 2 ** 20
      })
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // Both sides compute both / (a + b - both) in double precision: the same numbers, bit for bit.
  native.top.forEach((hits, j) => {
    const same =
      hits.indices.length === ours[j].length &&
      hits.indices.every(
        (index, r) => index === ours[j][r].index && hits.similarities[r] === ours[j][r].similarity
      );
    if (!same) {
      throw new Error(`query ${j}: native RDKit's top 10 differs from the library's`);
    }
  });
}
const stats = values => {
  const s = [...values].sort((a, b) => a - b);
  return {
    median: s[Math.floor(s.length / 2)],
    p95: s[Math.min(s.length - 1, Math.floor(0.95 * s.length))],
    max: s.at(-1)
  };
};

const ms = x => (x < 10 ? x.toFixed(1) : x.toFixed(0));
console.log(
  `bench/similarity: Tanimoto top-10 over ${size.toLocaleString('en')} Morgan fingerprints (r=2, ${NBITS} bits), one core`
);
console.log(
  `  library built in ${buildSeconds.toFixed(1)} s, sorted in ${indexSeconds.toFixed(1)} s (${kernel} kernel); ${queryCount} queries (half real molecules, half library members)`
);
console.log(
  `  per query: median ${ms(pct(0.5))} ms, mean ${ms(mean)} ms, p95 ${ms(pct(0.95))} ms, max ${ms(worst)} ms`
);
console.log(
  `  anchor, JavaScript full scan (tanimoto on every fingerprint): ${ms(scan)} ms per query; the library's mean is ${(scan / mean).toFixed(0)}x faster`
);
if (native) {
  const bulk = stats(native.bulkMs);
  const top = stats(native.topMs);
  console.log(
    `  anchor, native RDKit ${native.rdkitVersion} BulkTanimotoSimilarity over all ${native.size.toLocaleString('en')}: median ${ms(bulk.median)} ms, p95 ${ms(bulk.p95)} ms, max ${ms(bulk.max)} ms per query`
  );
  console.log(
    `    then its top 10 (numpy argpartition): median ${ms(top.median)} ms, max ${ms(top.max)} ms more; same top 10 as the library for all ${native.top.length} queries, ${native.checked} fingerprints equal to native Morgan`
  );
  console.log(
    `  ratio, our slowest query / native full scan (median): ${(worst / bulk.median).toFixed(2)} (target < 1); median / median ${(pct(0.5) / bulk.median).toFixed(3)}`
  );
} else {
  console.log(`  anchor, native RDKit: skipped, ${python} is missing (npm run setup makes it)`);
}
console.log(`  process memory: ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB RSS`);
