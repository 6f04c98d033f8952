import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CLI, runCommand, tempDir, tslabNotebook } from './helpers.mjs';

/**
 * `cryoprotect run` and `cryoprotect reproduce` as a reviewer or CI meets them: a small notebook
 * (no server, seconds to run) executed with parameters, checked against its expected outputs,
 * broken on purpose, and reproduced.
 */

const notebook = tslabNotebook;

const ANALYSIS = notebook([
  {
    source:
      '// How many glycerol molecules, and the label\nconst count = 2;\nconst label: string = "glycerol";',
    tags: ['parameters']
  },
  {
    source:
      'const massGramsPerMole = 92.094;\nconsole.log(`${count} × ${label}: ${(count * massGramsPerMole).toFixed(3)} g/mol`);'
  },
  { source: 'console.log(`run at ${new Date().toISOString()}`);' }
]);

const text = value => [value].flat().join('');

const cli = (args, options = {}) =>
  runCommand(process.execPath, [CLI, ...args], { timeoutMs: 300_000, ...options });

describe('cryoprotect run and reproduce', () => {
  const dir = tempDir('cryoprotect-run-');
  const out = join(dir, 'out');
  const file = join(dir, 'analysis.ipynb');
  writeFileSync(file, ANALYSIS);
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('runs with a parameter, a line per cell, and writes the executed notebook and its provenance', async () => {
    const result = await cli(['run', file, '-p', 'count=3', '--out', out, '--update-expected']);
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
    assert.match(result.stdout, /analysis\.ipynb \[1\/4\] cell 1 ok/);
    assert.match(result.stdout, /analysis\.ipynb \[4\/4\] cell 4 ok/);
    assert.match(result.stdout, /ok analysis\.ipynb \([\d.]+ s\)/);
    const executed = JSON.parse(readFileSync(join(out, 'analysis.ipynb'), 'utf8'));
    // The injected cell after the parameters, and the output it changed.
    assert.deepEqual(executed.cells[1].metadata.tags, ['injected-parameters']);
    // Numbered as Run All numbers them, so the notebook and its HTML show that it ran.
    assert.deepEqual(
      executed.cells.map(c => c.execution_count),
      [1, 2, 3, 4]
    );
    assert.equal(text(executed.cells[2].outputs[0].text), '3 × glycerol: 276.282 g/mol\n');
    const provenance = JSON.parse(readFileSync(join(out, 'analysis.provenance.json'), 'utf8'));
    assert.deepEqual(executed.metadata.cryoprotect.provenance, provenance);
    assert.deepEqual(provenance.parameters.given, { count: 3 });
    assert.equal(provenance.parameters.defaults.count, '2');
    assert.match(provenance.environment.packages['@rdkit/rdkit'], /^\d{4}\./);
    assert.match(provenance.environment.packages['@tensorflow/tfjs'], /^\d+\./);
    assert.match(provenance.environment.packages.tslab, /^\d+\./);
    assert.match(provenance.environment.lockfiles['package-lock.json'], /^[0-9a-f]{64}$/);
    assert.match(provenance.environment.lockfiles['python/requirements.txt'], /^[0-9a-f]{64}$/);
    assert.ok('commit' in provenance.environment.code);
    // What the kernel used, from the kernel itself.
    assert.match(provenance.kernel.rdkit, /^\d{4}\.\d{2}/);
    assert.equal(provenance.kernel.node, process.version);
    assert.deepEqual(provenance.kernel.session, {
      files: [],
      snapshots: [],
      models: [],
      seeds: [],
      citations: []
    });
    assert.ok(Date.parse(provenance.finished) >= Date.parse(provenance.started));
    assert.deepEqual(Object.keys(provenance.cellSeconds), ['1', '2', '3', '4']);
  });

  it('--check passes on the same run (times masked) and shows a planted change as cell, old → new', async () => {
    const same = await cli(['run', file, '-p', 'count=3', '--out', out, '--check']);
    assert.equal(same.code, 0, `${same.stdout}\n${same.stderr}`);
    assert.match(same.stdout, /analysis\.ipynb: outputs match/);
    const changed = await cli(['run', file, '-p', 'count=4', '--out', out, '--check']);
    assert.equal(changed.code, 4, `${changed.stdout}\n${changed.stderr}`);
    assert.match(changed.stderr, /analysis\.ipynb: 1 output differ/);
    assert.match(
      changed.stderr,
      /cell 3 \(id c1\) output 1: "3 × glycerol: 276\.282 g\/mol" → "4 × glycerol: 368\.376 g\/mol"/
    );
  });

  it('refuses an unknown parameter and a bad value by name (exit 2)', async () => {
    const unknown = await cli(['run', file, '-p', 'cuont=3', '--out', out]);
    assert.equal(unknown.code, 2);
    assert.match(
      unknown.stderr,
      /unknown parameter cuont: the parameters cell \(cell 1\) declares count, label/
    );
    const bad = await cli(['run', file, '-p', 'count=three', '--out', out]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /parameter count: expected a number, got "three"/);
    const file2 = join(dir, 'params.json');
    writeFileSync(file2, JSON.stringify({ count: '3' }));
    const typed = await cli(['run', file, '--params-file', file2, '--out', out]);
    assert.equal(typed.code, 2);
    assert.match(typed.stderr, /parameter count: expected a number, got "3"/);
    const badCheck = join(dir, 'bad-check.ipynb');
    writeFileSync(
      badCheck,
      JSON.stringify({
        ...JSON.parse(ANALYSIS),
        metadata: { cryoprotect: { check: { tolerance: { relative: 'loose' } } } }
      })
    );
    const refusedCheck = await cli(['run', badCheck, '--check', '--out', out]);
    assert.equal(refusedCheck.code, 2, refusedCheck.stderr);
    assert.match(
      refusedCheck.stderr,
      /metadata\.cryoprotect\.check\.tolerance\.relative: expected a number ≥ 0/
    );
    assert.doesNotMatch(refusedCheck.stdout, /cell 1 ok/);
    const missing = await cli(['run', join(dir, 'nope.ipynb'), '--out', out]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^cryoprotect: cannot read .*nope\.ipynb: no such file$/m);
  });

  it('names the notebook, cell, source and error of a failing cell (exit 1) and of a timeout (exit 3)', async () => {
    const broken = join(dir, 'broken.ipynb');
    writeFileSync(
      broken,
      notebook([
        { source: 'const ok: number = 1;' },
        { source: "// the second cell\nthrow new Error('deliberate failure');" },
        { source: 'console.log(ok);' }
      ])
    );
    const failed = await cli(['run', broken, '--out', out]);
    assert.equal(failed.code, 1, `${failed.stdout}\n${failed.stderr}`);
    assert.match(failed.stderr, /FAILED broken\.ipynb: cell 2 failed: Error: deliberate failure\n/);
    assert.match(failed.stderr, /\| throw new Error\('deliberate failure'\);/);
    // The executed notebook is written all the same, with the error in it.
    const executed = JSON.parse(readFileSync(join(out, 'broken.ipynb'), 'utf8'));
    // (tslab reports a thrown error as its stack on stderr.)
    assert.match(text(executed.cells[1].outputs.at(-1).text), /Error: deliberate failure/);

    const slow = join(dir, 'slow.ipynb');
    writeFileSync(
      slow,
      notebook([{ source: 'await new Promise(resolve => setTimeout(resolve, 60_000));' }])
    );
    const started = Date.now();
    const timedOut = await cli(['run', slow, '--out', out, '--timeout-cell', '3']);
    assert.equal(timedOut.code, 3, `${timedOut.stdout}\n${timedOut.stderr}`);
    assert.match(
      timedOut.stderr,
      /FAILED slow\.ipynb: cell 1 timed out: no result after 3 s \(the limit per cell\)/
    );
    assert.ok(Date.now() - started < 50_000, 'stopped at the limit, not at the end of the cell');
  });

  it('runs several notebooks at once (--jobs), and a cell tagged raises-exception does not stop the next', async () => {
    const expected = join(dir, 'expected-error.ipynb');
    writeFileSync(
      expected,
      notebook([
        { source: "throw new Error('shown on purpose');", tags: ['raises-exception'] },
        // tslab discards what arrives within 200 ms of an error: the runner waits, so this runs.
        { source: "console.log('after the error');" }
      ])
    );
    const both = await cli(['run', file, expected, '--jobs', '2', '--out', out]);
    assert.equal(both.code, 0, `${both.stdout}\n${both.stderr}`);
    assert.match(both.stdout, /ok analysis\.ipynb/);
    assert.match(both.stdout, /ok expected-error\.ipynb/);
    const executed = JSON.parse(readFileSync(join(out, 'expected-error.ipynb'), 'utf8'));
    assert.match(text(executed.cells[0].outputs.at(-1).text), /shown on purpose/);
    assert.equal(text(executed.cells[1].outputs[0].text), 'after the error\n');
    const bad = await cli(['run', file, '--jobs', '0']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /--jobs.*expected a whole number from 1 to 16/);
  });

  it('reproduce says identical on a faithful re-run, and names a tampered output and a changed environment', async () => {
    const executed = join(out, 'analysis.ipynb');
    const again = await cli(['run', file, '-p', 'count=3', '--out', out]);
    assert.equal(again.code, 0, again.stderr);
    const same = await cli(['reproduce', executed, '--out', join(dir, 'reproduced')]);
    assert.equal(same.code, 0, `${same.stdout}\n${same.stderr}`);
    assert.match(same.stdout, /analysis\.ipynb: identical/);

    const nb = JSON.parse(readFileSync(executed, 'utf8'));
    nb.cells[2].outputs[0].text = '3 × glycerol: 276.300 g/mol\n';
    const tampered = join(dir, 'tampered.ipynb');
    writeFileSync(tampered, JSON.stringify(nb));
    const differs = await cli(['reproduce', tampered, '--out', join(dir, 'reproduced')]);
    assert.equal(differs.code, 4, `${differs.stdout}\n${differs.stderr}`);
    assert.match(differs.stderr, /not identical, 1 difference/);
    assert.match(
      differs.stderr,
      /cell 3 \(id c1\) output 1: "3 × glycerol: 276\.300 g\/mol" → "3 × glycerol: 276\.282 g\/mol"/
    );

    const env = JSON.parse(readFileSync(executed, 'utf8'));
    env.metadata.cryoprotect.provenance.environment.packages['@rdkit/rdkit'] = '2019.3.1';
    const elsewhere = join(dir, 'elsewhere.ipynb');
    writeFileSync(elsewhere, JSON.stringify(env));
    const refused = await cli(['reproduce', elsewhere, '--out', join(dir, 'reproduced')]);
    assert.equal(refused.code, 5, `${refused.stdout}\n${refused.stderr}`);
    assert.match(refused.stderr, /cannot reproduce identically here/);
    assert.match(refused.stderr, /@rdkit\/rdkit 2019\.3\.1 recorded, \d{4}\.[\d.-]+ here/);

    const plain = await cli(['reproduce', file]);
    assert.equal(plain.code, 2);
    assert.match(plain.stderr, /no provenance in its metadata/);
  });
});
