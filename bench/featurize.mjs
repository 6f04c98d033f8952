// bench/featurize: molecules per second per core, kernel-lib (RDKit.js) versus native RDKit of the
// same version on the same molecules in the same run, printed as ratios; and the speed-up of
// `cryoprotect describe` with worker threads. Target: ratio >= 0.8 per core.
//
//   node bench/featurize.mjs [--count 5000]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  getDescriptorsOf,
  getMorganFingerprintOf,
  loadRDKit,
  parseWith
} from '@cryoprotect/kernel';
import { describeRows } from '@cryoprotect/kernel/node';
import { ROOT, repeated, scienceSmiles } from './molecules.mjs';

const count = Number(process.argv[process.argv.indexOf('--count') + 1]) || 5000;
const unique = scienceSmiles();
const smiles = repeated(unique, count);
const rdkit = await loadRDKit();

function rate(work) {
  const start = performance.now();
  for (const s of smiles) {
    const mol = parseWith(rdkit, s);
    try {
      work(mol);
    } finally {
      mol.delete();
    }
  }
  return smiles.length / ((performance.now() - start) / 1000);
}

// Warm-up (JIT, RDKit caches), then the same work native RDKit does: parse + Properties, parse + Morgan.
rate(mol => mol.get_descriptors());
const engineDescriptors = rate(mol => mol.get_descriptors());
const morgan = rate(mol => getMorganFingerprintOf(mol));
const fullDescriptors = rate(mol => getDescriptorsOf(rdkit, mol));

const dir = mkdtempSync(join(tmpdir(), 'cryoprotect-bench-'));
const list = join(dir, 'smiles.txt');
writeFileSync(list, smiles.join('\n'));
const native = JSON.parse(
  execFileSync(
    join(ROOT, '.venv', 'bin', 'python'),
    [join(ROOT, 'bench', 'native_featurize.py'), list],
    { encoding: 'utf8' }
  )
);
rmSync(dir, { recursive: true, force: true });

const rows = repeated(unique, Math.max(count, 10000)).map((structure, i) => ({
  line: i + 2,
  structure
}));
const time = async workers => {
  const start = performance.now();
  await describeRows(rows, { workers });
  return (performance.now() - start) / 1000;
};
await time(1); // warm-up
const oneThread = await time(1);
const cores = availableParallelism();
const allThreads = await time(cores);

const fmt = n => Math.round(n).toLocaleString('en');
console.log(
  `bench/featurize: ${fmt(count)} molecules (${unique.length} distinct SMILES from data/science-data, repeated)`
);
console.log(`RDKit.js ${rdkit.version()} vs native RDKit ${native.rdkitVersion}, one core each`);
console.log(
  `  descriptors (parse + RDKit Properties): kernel-lib ${fmt(engineDescriptors)}/s, native ${fmt(native.descriptorsPerSecond)}/s, ratio ${(engineDescriptors / native.descriptorsPerSecond).toFixed(2)} (target >= 0.8)`
);
console.log(
  `  Morgan r=2, 2048 bits:                  kernel-lib ${fmt(morgan)}/s, native ${fmt(native.morganPerSecond)}/s, ratio ${(morgan / native.morganPerSecond).toFixed(2)} (target >= 0.8)`
);
console.log(`  full CryoProtect descriptor set (47):   kernel-lib ${fmt(fullDescriptors)}/s`);
console.log(
  `  cryoprotect describe, ${fmt(rows.length)} rows: 1 thread ${oneThread.toFixed(1)} s, ${cores} threads ${allThreads.toFixed(1)} s, speed-up ${(oneThread / allThreads).toFixed(2)}x on ${cores} cores`
);
