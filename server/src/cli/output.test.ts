import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createOutput } from './output.js';

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
