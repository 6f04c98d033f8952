// bench/similarity: Tanimoto top-10 over 1,000,000 Morgan fingerprints (radius 2, 2048 bits) on
// one core. Target: under 100 ms per query. The anchor in the same run is a plain scan of every
// fingerprint (what the library's bit-count bound avoids).
//
// The fingerprints come from real SMILES by enumeration: the distinct molecules of
// data/science-data, then analogues made by RDKit reactions that put one substituent (C, O, N, F,
// Cl, COOH, OMe, CN) on a carbon that carries hydrogen, applied twice; distinct canonical SMILES
// only, until 1,000,000. They are cached in .cryoprotect/bench/ (about 5 minutes to make).
//
//   node bench/similarity.mjs [--size 1000000] [--queries 100]
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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
const SUBSTITUENTS = ['C', 'O', 'N', 'F', 'Cl', 'C(=O)O', 'OC', 'C#N'];

const rdkit = await loadRDKit();
const real = scienceSmiles();

function enumerate(target) {
  const seen = new Set();
  const ordered = [];
  const add = smiles => {
    if (!seen.has(smiles) && ordered.length < target) {
      seen.add(smiles);
      ordered.push(smiles);
    }
  };
  for (const s of real) {
    const mol = rdkit.get_mol(s);
    if (mol) {
      add(mol.get_smiles());
      mol.delete();
    }
  }
  const reactions = SUBSTITUENTS.map(x => rdkit.get_rxn(`[#6;!H0:1]>>[#6:1]${x}`));
  let frontier = [...ordered];
  while (ordered.length < target && frontier.length > 0) {
    const next = [];
    for (const smiles of frontier) {
      const mol = rdkit.get_mol(smiles);
      const list = new rdkit.MolList();
      list.append(mol);
      for (const rxn of reactions) {
        const products = rxn.run_reactants(list, 1000);
        for (let i = 0; i < products.size(); i++) {
          const set = products.get(i);
          for (let j = 0; j < set.size(); j++) {
            const product = set.at(j);
            const clean = rdkit.get_mol(product.get_smiles());
            product.delete();
            if (clean) {
              const canonical = clean.get_smiles();
              clean.delete();
              if (!seen.has(canonical)) {
                add(canonical);
                next.push(canonical);
              }
            }
          }
          set.delete();
        }
        products.delete();
        if (ordered.length >= target) {
          break;
        }
      }
      list.delete();
      mol.delete();
      if (ordered.length >= target) {
        break;
      }
    }
    frontier = next;
  }
  reactions.forEach(r => r.delete());
  return ordered;
}

const cacheDir = join(ROOT, '.cryoprotect', 'bench');
const key = createHash('sha256')
  .update(real.join('\n'))
  .update(SUBSTITUENTS.join())
  .update(String(size))
  .update(rdkit.version())
  .digest('hex')
  .slice(0, 16);
const cache = join(cacheDir, `similarity-${size}-${key}.bin`);
let fps;
let t0 = performance.now();
if (existsSync(cache)) {
  fps = new Uint8Array(readFileSync(cache));
  console.log(`loaded ${size.toLocaleString('en')} cached fingerprints from ${cache}`);
} else {
  const smiles = enumerate(size);
  if (smiles.length < size) {
    throw new Error(`enumeration gave only ${smiles.length} distinct molecules`);
  }
  console.log(
    `enumerated ${smiles.length.toLocaleString('en')} distinct molecules from ${real.length} real ones in ${((performance.now() - t0) / 1000).toFixed(0)} s`
  );
  t0 = performance.now();
  fps = new Uint8Array(size * BYTES);
  smiles.forEach((s, i) => fps.set(getMorganFingerprintWith(rdkit, s), i * BYTES));
  console.log(`fingerprinted them in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  mkdirSync(cacheDir, { recursive: true });
  writeFileSync(cache, fps);
}

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
