import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ROOT, VENV_BIN, runCommand, tempDir } from './helpers.mjs';

const RUNNER = join(ROOT, 'scripts', 'run_notebooks.py');
const PYTHON = join(VENV_BIN, 'python');

function notebook(cells) {
  return JSON.stringify({
    cells: cells.map((source, i) => ({
      cell_type: 'code',
      id: `c${i}`,
      metadata: {},
      outputs: [],
      execution_count: null,
      source
    })),
    metadata: { kernelspec: { name: 'tslab', display_name: 'TypeScript', language: 'typescript' } },
    nbformat: 4,
    nbformat_minor: 5
  });
}

describe('notebooks under notebooks/ on the tslab kernel', () => {
  const scratch = tempDir();
  after(() => rmSync(scratch, { recursive: true, force: true }));

  const notebooks = readdirSync(join(ROOT, 'notebooks')).filter(
    f => f.endsWith('.ipynb') && !f.endsWith('.executed.ipynb')
  );

  it('include the tutorial', () => {
    assert.ok(notebooks.includes('01-tutorial.ipynb'));
  });

  for (const name of notebooks) {
    it(`${name} runs top to bottom headless`, async () => {
      const result = await runCommand(PYTHON, [RUNNER, join('notebooks', name)]);
      assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
    });
  }

  it('a failing cell makes the run fail and is named', async () => {
    const path = join(scratch, 'broken.ipynb');
    writeFileSync(
      path,
      notebook([
        'const ok: number = 1;',
        "throw new Error('deliberate failure');",
        'console.log(ok);'
      ])
    );
    const result = await runCommand(PYTHON, [RUNNER, path]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /FAILED .*broken\.ipynb: cell 1 \(c1\)/);
    assert.match(result.stderr, /deliberate failure/);
  });

  it('a type error fails the run too (tslab type-checks every cell)', async () => {
    const path = join(scratch, 'typed.ipynb');
    writeFileSync(path, notebook(["const n: number = 'not a number';"]));
    const result = await runCommand(PYTHON, [RUNNER, path]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /cell 0/);
  });

  it('tslabDisplay sends one output with the vendor payload, text/html and text/plain', async () => {
    // Under the repository, so the cell imports @cryoprotect/kernel as a notebook in notebooks/ does.
    const folder = join(ROOT, '.cryoprotect', 'test-notebooks');
    mkdirSync(folder, { recursive: true });
    const path = join(folder, 'display.ipynb');
    writeFileSync(
      path,
      notebook([
        "import { moleculeDisplay } from '@cryoprotect/kernel';\n" +
          "import { tslabDisplay } from '@cryoprotect/kernel/node';\n" +
          "await tslabDisplay(await moleculeDisplay('OCC(O)CO', { name: 'glycerol' }));"
      ])
    );
    const result = await runCommand(PYTHON, [RUNNER, path, '--output-dir', scratch]);
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
    const executed = JSON.parse(readFileSync(join(scratch, 'display.ipynb'), 'utf8'));
    const outputs = executed.cells[0].outputs;
    assert.equal(outputs.length, 1, JSON.stringify(outputs).slice(0, 500));
    assert.equal(outputs[0].output_type, 'display_data');
    const data = outputs[0].data;
    assert.deepEqual(Object.keys(data).sort(), [
      'application/vnd.cryoprotect.molecule.v1+json',
      'text/html',
      'text/plain'
    ]);
    // JSON arrives as JSON, not as a string (tslab's display.raw would send a string).
    assert.equal(data['application/vnd.cryoprotect.molecule.v1+json'].smiles, 'OCC(O)CO');
    rmSync(path);
  });
});
