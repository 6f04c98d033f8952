// bench/similarity: Tanimoto top-10 over 1,000,000 Morgan fingerprints (radius 2, 2048 bits) on
// one core. Target: under 100 ms per query. The anchor in the same run is a plain scan of every
// fingerprint (what the library's bit-count bound avoids).
//
// The fingerprints come from real SMILES by enumeration: the distinct molecules of
// data/science-data (466), all pairs of distinct ones (108,345), then triples in a fixed order, as dot-disconnected SMILES "A.B.C" (a mixture's structure), until
// 1,000,000. Morgan environments never cross fragments, so the fingerprint of "A.B.C" is the
// bitwise OR of the parts' fingerprints; the run checks that against RDKit on 200 of them.
//
//   node bench/similarity.mjs [--size 1000000] [--queries 100]
import {
  FingerprintLibrary,
  getMorganFingerprintWith,
  loadRDKit,
  tanimoto
} from '@cryoprotect/kernel';
import { scienceSmiles } from './molecules.mjs';

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
for (let j = 0; j < 200; j++) {
  const i = (j * 4999) % size;
  const direct = getMorganFingerprintWith(rdkit, members[i].map(k => real[k]).join('.'));
  if (tanimoto(direct, fps.subarray(i * BYTES, (i + 1) * BYTES)) !== 1) {
    throw new Error(
      `fingerprint ${i} differs from RDKit's for ${members[i].map(k => real[k]).join('.')}`
    );
  }
}
const singles = parts.length;
const pairs = Math.min(size, (singles * (singles - 1)) / 2 + singles) - singles;
console.log(
  `made ${size.toLocaleString('en')} fingerprints (${singles} molecules, ${pairs.toLocaleString('en')} pairs, ${(size - singles - pairs).toLocaleString('en')} triples) in ${((performance.now() - t0) / 1000).toFixed(1)} s; 200 checked against RDKit`
);

t0 = performance.now();
const library = new FingerprintLibrary(NBITS, size);
for (let i = 0; i < size; i++) {
  library.add(fps.subarray(i * BYTES, (i + 1) * BYTES));
}
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
library.topK(queries[0], 10); // builds the bit-count index once
const times = queries.map(q => {
  const start = performance.now();
  library.topK(q, 10);
  return performance.now() - start;
});
times.sort((a, b) => a - b);
const pct = p => times[Math.min(times.length - 1, Math.floor(p * times.length))];

// Anchor: scan every fingerprint for 5 queries.
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

console.log(
  `bench/similarity: Tanimoto top-10 over ${size.toLocaleString('en')} Morgan fingerprints (r=2, ${NBITS} bits), one core`
);
console.log(
  `  library built in ${buildSeconds.toFixed(1)} s; ${queryCount} queries (half real molecules, half library members)`
);
console.log(
  `  per query: median ${pct(0.5).toFixed(1)} ms, mean ${mean.toFixed(1)} ms, p95 ${pct(0.95).toFixed(1)} ms, max ${times.at(-1).toFixed(1)} ms (target < 100 ms)`
);
console.log(
  `  anchor, full scan of every fingerprint: ${scan.toFixed(0)} ms per query; the library is ${(scan / mean).toFixed(1)}x faster`
);
console.log(`  process memory: ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB RSS`);
