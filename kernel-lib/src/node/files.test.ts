import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { resetSessionProvenance, sessionProvenance } from '../provenance';
import { readDataFile, readStructures } from './files';

describe('data files read through the Node readers', () => {
  it('are noted in the session provenance by absolute path and SHA-256, once per content', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cryoprotect-files-'));
    try {
      resetSessionProvenance();
      const file = join(dir, 'solutes.csv');
      const first = 'SMILES,name\nOCC(O)CO,glycerol\n';
      writeFileSync(file, first);
      // A relative path is recorded as the absolute one it meant.
      assert.equal(readDataFile(relative(process.cwd(), file)), first);
      readStructures(file);
      writeFileSync(file, `${first}CS(C)=O,DMSO\n`);
      readStructures(file);
      const sha = (text: string) => createHash('sha256').update(text).digest('hex');
      assert.deepEqual(sessionProvenance().files, [
        { path: file, sha256: sha(first), bytes: Buffer.byteLength(first) },
        {
          path: file,
          sha256: sha(`${first}CS(C)=O,DMSO\n`),
          bytes: Buffer.byteLength(first) + 13
        }
      ]);
      assert.throws(() => readDataFile(join(dir, 'absent.csv')), /ENOENT/);
      assert.equal(sessionProvenance().files.length, 2);
    } finally {
      resetSessionProvenance();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
