import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { DESCRIPTORS, getDescriptorsOf } from './descriptors';
import { getMorganFingerprintOf, onBits } from './fingerprints';
import { loadRDKit, parseWith, type RDKitModule } from './rdkit';

interface NativeRecord {
  smiles: string;
  origin: string;
  error?: string;
  canonicalSmiles: string;
  inchikey: string;
  descriptors: Record<string, number>;
  morgan: number[];
  morganCountSimulation: number[];
}

// Written by scripts/fixtures/native_rdkit.py with native RDKit from PyPI (same version).
const FIXTURE = JSON.parse(
  readFileSync(
    join(__dirname, '..', '..', 'src', 'chemistry', 'fixtures', 'native-rdkit.json'),
    'utf8'
  )
) as { rdkitVersion: string; molecules: NativeRecord[] };

/** Relative tolerance 1e-6; absolute 1e-9 near zero. */
function close(actual: number, expected: number): boolean {
  return Math.abs(actual - expected) <= Math.max(1e-6 * Math.abs(expected), 1e-9);
}

describe('agreement with native RDKit of the same version', () => {
  let rdkit: RDKitModule;
  before(async () => {
    rdkit = await loadRDKit();
  });

  it('uses the RDKit version the fixture was made with', () => {
    assert.equal(rdkit.version(), FIXTURE.rdkitVersion);
    assert.ok(FIXTURE.molecules.length >= 450, `${FIXTURE.molecules.length} molecules`);
  });

  it('computes every descriptor, InChIKey, canonical SMILES and Morgan fingerprint of every science-data molecule as native RDKit does', () => {
    const differences: string[] = [];
    let compared = 0;
    for (const record of FIXTURE.molecules) {
      if (record.error) {
        assert.throws(
          () => parseWith(rdkit, record.smiles),
          `${record.origin}: native RDKit refused ${record.smiles}`
        );
        continue;
      }
      const mol = parseWith(rdkit, record.smiles);
      try {
        const ours = getDescriptorsOf(rdkit, mol);
        for (const d of DESCRIPTORS) {
          compared++;
          if (!close(ours[d.name], record.descriptors[d.rdkitName])) {
            differences.push(
              `${record.origin} ${record.smiles} ${d.name}: ${ours[d.name]} vs native ${record.descriptors[d.rdkitName]}`
            );
          }
        }
        const inchikey = rdkit.get_inchikey_for_inchi(mol.get_inchi());
        if (inchikey !== record.inchikey) {
          differences.push(`${record.origin} InChIKey ${inchikey} vs ${record.inchikey}`);
        }
        if (mol.get_smiles() !== record.canonicalSmiles) {
          differences.push(
            `${record.origin} SMILES ${mol.get_smiles()} vs ${record.canonicalSmiles}`
          );
        }
        if (onBits(getMorganFingerprintOf(mol)).join() !== record.morgan.join()) {
          differences.push(`${record.origin} Morgan bits differ`);
        }
        if (
          onBits(getMorganFingerprintOf(mol, { counts: true })).join() !==
          record.morganCountSimulation.join()
        ) {
          differences.push(`${record.origin} Morgan count-simulation bits differ`);
        }
      } finally {
        mol.delete();
      }
    }
    assert.deepEqual(differences, [], `${differences.length} of ${compared} values differ`);
    assert.ok(compared > 20_000, `only ${compared} descriptor values compared`);
  });
});
