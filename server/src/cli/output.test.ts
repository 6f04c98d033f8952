import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createOutput, failureOf, writeOutputFile } from './output.js';

describe('the command line writer', () => {
  it('says on stdout, warns on stderr, prints as given and lists rejected rows as file:line: column: reason', () => {
    let stdout = '';
    let stderr = '';
    const out = createOutput({ write: t => (stdout += t) }, { write: t => (stderr += t) });
    const { say, warn } = out;
    say('3 migrations applied');
    out.print('  001_roles  applied\n');
    warn('unreadable backup metadata x.json');
    out.reportRejected('input.csv', [
      { line: 3, column: 'SMILES', reason: 'RDKit could not parse the SMILES "C1CC"' },
      { line: 5, reason: 'the structure is empty' }
    ]);
    assert.equal(stdout, 'cryoprotect: 3 migrations applied\n  001_roles  applied\n');
    assert.equal(
      stderr,
      'cryoprotect: unreadable backup metadata x.json\n' +
        'input.csv:3: SMILES: RDKit could not parse the SMILES "C1CC"\n' +
        'input.csv:5: the structure is empty\n'
    );
  });
});

describe('a failed command as a person reads it', () => {
  it('names a file that cannot be read or written, with exit code 2, whatever wraps the error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cryoprotect-output-'));
    try {
      const absent = join(dir, 'nope.csv');
      let raw: unknown;
      try {
        readFileSync(absent);
      } catch (error) {
        raw = error;
      }
      assert.match(String(raw), /ENOENT/);
      assert.deepEqual(failureOf(raw), {
        message: `cannot read ${absent}: no such file`,
        exitCode: 2
      });
      assert.deepEqual(failureOf(new Error('could not train', { cause: raw })), {
        message: `cannot read ${absent}: no such file`,
        exitCode: 2
      });
      const errno = (code: string, syscall: string) =>
        Object.assign(new Error(`${code}: ...`), { code, syscall, path: 'data.csv' });
      assert.equal(
        failureOf(errno('EACCES', 'open')).message,
        'cannot read data.csv: permission denied'
      );
      assert.equal(
        failureOf(errno('EISDIR', 'open')).message,
        'cannot read data.csv: is a directory'
      );
      assert.equal(
        failureOf(errno('ENOTDIR', 'open')).message,
        'cannot read data.csv: not a directory'
      );
      assert.equal(
        failureOf(errno('EPERM', 'mkdir')).message,
        'cannot write data.csv: permission denied'
      );

      // Output files: a folder that is not there is the folder's fault.
      const out = join(dir, 'missing', 'out.csv');
      assert.throws(() => writeOutputFile(out, 'x\n'), {
        message: `cannot write ${out}: no such directory`
      });
      assert.throws(() => writeOutputFile(dir, 'x\n'), {
        message: `cannot write ${dir}: is a directory`
      });
      writeOutputFile(join(dir, 'ok.csv'), 'x\n');
      assert.equal(readFileSync(join(dir, 'ok.csv'), 'utf8'), 'x\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('gives any other error its message and exit code 1', () => {
    assert.deepEqual(failureOf(new Error('give either --data <file> or --from-measurements')), {
      message: 'give either --data <file> or --from-measurements',
      exitCode: 1
    });
    assert.deepEqual(failureOf(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })), {
      message: 'refused',
      exitCode: 1
    });
    assert.deepEqual(failureOf('a string'), { message: 'a string', exitCode: 1 });
  });
});
