// The benchmark molecules: every distinct SMILES of data/science-data (real cryoprotectant, Tg
// and IRI compounds), repeated in order up to the requested count.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';

export const ROOT = new URL('..', import.meta.url).pathname;

export function scienceSmiles() {
  const dir = join(ROOT, 'data', 'science-data');
  const seen = new Set();
  for (const file of readdirSync(dir)
    .filter(f => f.endsWith('.csv'))
    .sort()) {
    const rows = parse(readFileSync(join(dir, file), 'utf8'), { columns: true, bom: true });
    for (const row of rows) {
      const smiles = (row.SMILES ?? row.solute_smiles ?? '').trim();
      if (smiles) {
        seen.add(smiles);
      }
    }
  }
  return [...seen];
}

export function repeated(smiles, count) {
  return Array.from({ length: count }, (_, i) => smiles[i % smiles.length]);
}
