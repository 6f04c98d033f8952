import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { resetSessionProvenance, sessionProvenance } from '../provenance';
import {
  FileAccessError,
  fileAccessError,
  readDataFile,
  readStructureFile,
  readStructures
} from './files';

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
      assert.throws(() => readDataFile(join(dir, 'absent.csv')), { code: 'ENOENT' });
      assert.equal(sessionProvenance().files.length, 2);
    } finally {
      resetSessionProvenance();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a file that cannot be read or written', () => {
  it('is named in words, with the file system code kept, never as ENOENT or a stack', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cryoprotect-files-'));
    try {
      const absent = join(dir, 'absent.csv');
      assert.throws(() => readDataFile(absent), {
        name: 'FileAccessError',
        message: `cannot read ${absent}: no such file`,
        code: 'ENOENT'
      });
      // Reading a folder fails without a path in Node's error: the reader names it.
      assert.throws(() => readDataFile(dir), { message: `cannot read ${dir}: is a directory` });
      const file = join(dir, 'plain.csv');
      writeFileSync(file, 'SMILES\nO\n');
      assert.throws(() => readStructures(join(file, 'x.csv')), {
        message: `cannot read ${join(file, 'x.csv')}: not a directory`
      });
      assert.throws(() => readStructures(absent), FileAccessError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is found in the causes of what was thrown, and told apart from reading by the system call', () => {
    const denied = Object.assign(new Error("EACCES: permission denied, open 'data.csv'"), {
      code: 'EACCES',
      syscall: 'open',
      path: 'data.csv'
    });
    assert.equal(fileAccessError(denied)?.message, 'cannot read data.csv: permission denied');
    const wrapped = new Error('training failed', { cause: denied });
    assert.equal(fileAccessError(wrapped)?.message, 'cannot read data.csv: permission denied');
    const mkdir = Object.assign(new Error('ENOENT'), {
      code: 'ENOENT',
      syscall: 'mkdir',
      path: 'a/b'
    });
    assert.equal(fileAccessError(mkdir)?.message, 'cannot write a/b: no such directory');
    assert.equal(
      fileAccessError(
        Object.assign(new Error('x'), { code: 'ENOENT', syscall: 'open', path: 'o/x.csv' }),
        'write'
      )?.message,
      'cannot write o/x.csv: no such directory'
    );
    assert.equal(fileAccessError(new Error('not a file problem')), undefined);
    assert.equal(
      fileAccessError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' })),
      undefined
    );
    assert.equal(fileAccessError('text'), undefined);
  });
});

describe('a CSV of structures read with its columns', () => {
  it('keeps every column as the file has it (quoted commas, quotes, line breaks), by the line each row starts on', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cryoprotect-files-'));
    try {
      const file = join(dir, 'named.csv');
      writeFileSync(
        file,
        'id,name,SMILES,note\n' +
          '7,"glycerol, anhydrous",OCC(O)CO,\n' +
          '8,"the ""DMSO""","CS(C)=O","two\nlines"\n' +
          '\n' +
          '9,short\n'
      );
      const read = readStructureFile(file);
      assert.deepEqual(read.columns, ['id', 'name', 'SMILES', 'note']);
      assert.deepEqual(read.cells, [
        ['7', 'glycerol, anhydrous', 'OCC(O)CO', ''],
        ['8', 'the "DMSO"', 'CS(C)=O', 'two\nlines'],
        ['9', 'short', '', '']
      ]);
      assert.deepEqual(read.rows, [
        { line: 2, id: '7', structure: 'OCC(O)CO' },
        { line: 3, id: '8', structure: 'CS(C)=O' },
        { line: 6, id: '9', structure: '' }
      ]);
      assert.deepEqual(readStructures(file), read.rows);
      mkdirSync(join(dir, 'sdf'));
      const sdf = join(dir, 'sdf', 'one.sdf');
      writeFileSync(sdf, 'title\n\n\n  0  0  0  0  0  0  0  0  0  0999 V2000\nM  END\n$$$$\n');
      assert.deepEqual(readStructureFile(sdf).columns, undefined);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
