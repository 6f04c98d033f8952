import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { checkoutState, codeCommit } from './code-commit.js';

describe('the code commit recorded with a model version', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cryoprotect-commit-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const git = (...args: string[]) =>
    execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8' }).trim();

  it('is HEAD of a clean checkout, none when tracked files changed, and the deployment may name it', () => {
    assert.match(
      (codeCommit(dir, {}) as { reason: string }).reason,
      /not a git checkout and CRYOPROTECT_CODE_COMMIT is not set/
    );
    git('init', '-q');
    writeFileSync(join(dir, 'train.ts'), 'export const version = 1;\n');
    git('add', 'train.ts');
    git('-c', 'user.name=t', '-c', 'user.email=t@t.invalid', 'commit', '-qm', 'one');
    const head = git('rev-parse', 'HEAD');
    assert.deepEqual(codeCommit(dir, {}), { commit: head });
    // Untracked files (outputs, model directories) do not change what the code is.
    writeFileSync(join(dir, 'model.json'), '{}\n');
    assert.deepEqual(codeCommit(dir, {}), { commit: head });
    writeFileSync(join(dir, 'train.ts'), 'export const version = 2;\n');
    const dirty = codeCommit(dir, {});
    assert.equal(dirty.commit, undefined);
    assert.match((dirty as { reason: string }).reason, /uncommitted changes/);
    // Which tracked files changed, by path (untracked ones are not code).
    assert.deepEqual(checkoutState(dir, {}), {
      commit: head,
      modified: true,
      changed: ['train.ts']
    });
    assert.deepEqual(codeCommit(dir, { CRYOPROTECT_CODE_COMMIT: 'abcdef1' }), {
      commit: 'abcdef1'
    });
    assert.match(
      (codeCommit(dir, { CRYOPROTECT_CODE_COMMIT: 'v1.2' }) as { reason: string }).reason,
      /not a commit hash/
    );
  });
});
