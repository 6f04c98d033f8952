// The embedded default of virtual screens: `cryoprotect start` on PGlite scores submitted screens
// in its own process (one machine, no worker to start), and the commands a researcher types work
// against it from a second terminal.
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CryoProtectClient, screenHitsDisplay } from '@cryoprotect/kernel';
import { CLI, ROOT, embeddedServer, runCommand, tempDir } from './helpers.mjs';

describe('virtual screens on the embedded database', { timeout: 600_000 }, () => {
  let server;
  let dir;
  let env;

  before(async () => {
    server = await embeddedServer();
    dir = tempDir('cryoprotect-screen-');
    env = { CRYOPROTECT_SERVER_URL: server.url, CRYOPROTECT_TOKEN: server.token };
  });

  after(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('submits, scores in the server, reports status and the top hits, and shows them as a grid', async () => {
    const trained = await runCommand(
      process.execPath,
      [
        CLI,
        'model',
        'train',
        '--data',
        join(ROOT, 'data', 'science-data', 'tg_pure_compounds.csv'),
        '--target',
        'Tg (K)',
        '--learner',
        'ridge',
        '--features',
        'descriptors',
        '--out',
        join(dir, 'model'),
        '--register',
        '--name',
        'tg-embedded'
      ],
      { env, timeoutMs: 300_000 }
    );
    assert.equal(trained.code, 0, trained.stderr);
    // A .smi library: a few cryoprotectants by name, and one line RDKit cannot read.
    const library = join(dir, 'library.smi');
    writeFileSync(
      library,
      [
        '# a small screen',
        'OCC(O)CO glycerol',
        'CS(C)=O dmso',
        'OCCO ethylene-glycol',
        'C1CC broken',
        'OC(CO)C(O)C(O)CO xylitol',
        'NC(=O)N urea',
        ''
      ].join('\n')
    );
    const submitted = await runCommand(
      process.execPath,
      [
        CLI,
        'screen',
        'submit',
        '--model',
        'tg-embedded@1',
        '--input',
        library,
        '--chunk',
        '2',
        '--wait'
      ],
      { env, timeoutMs: 180_000 }
    );
    assert.equal(submitted.code, 0, submitted.stderr);
    const [id] = submitted.stdout.trim().split('\n');
    assert.match(id, /^[0-9a-f-]{36}$/);
    assert.match(submitted.stdout, /done: 3\/3 chunks \(3 done, 0 failed\); 5 scored, 1 invalid/);

    const results = await runCommand(
      process.execPath,
      [CLI, 'screen', 'results', id, '--out', join(dir, 'all.csv')],
      { env }
    );
    assert.equal(results.code, 0, results.stderr);
    const lines = readFileSync(join(dir, 'all.csv'), 'utf8').trim().split('\n');
    assert.equal(lines.length, 7);
    // The file's own line numbers, the comment counted: "C1CC broken" is line 5.
    assert.match(lines[4], /^5,broken,C1CC,,,,,,,,.*(ring|unclosed)/i);

    const top = await runCommand(
      process.execPath,
      [CLI, 'screen', 'results', id, '--top', '2', '--by', 'upper', '--order', 'asc'],
      { env }
    );
    assert.equal(top.code, 0, top.stderr);
    assert.equal(top.stdout.trim().split('\n').length, 3);
    // Numbers to 6 significant figures, not 17.
    for (const row of top.stdout.trim().split('\n').slice(1)) {
      for (const cell of row.split(',').slice(5, 9)) {
        const digits = cell.replace(/^-/, '').replace('.', '').replace(/^0+/, '');
        assert.ok(digits.length >= 1 && digits.length <= 6, `${cell} in ${row}`);
      }
    }

    const client = new CryoProtectClient({ serverUrl: server.url, token: server.token });
    const grid = await screenHitsDisplay(client, id, { top: 3 });
    assert.deepEqual(grid.payload.model, { name: 'tg-embedded', version: 1 });
    assert.equal(grid.payload.rows.length, 3);
    assert.match(grid.payload.title, /Screen of library\.smi: 3 best by prediction/);
    const lost = await runCommand(process.execPath, [CLI, 'screen', 'list'], {
      env: { CRYOPROTECT_SERVER_URL: '', CRYOPROTECT_TOKEN: '' }
    });
    assert.equal(lost.code, 1);
    assert.match(lost.stderr, /CRYOPROTECT_SERVER_URL is not set: .*\.cryoprotect\/token/);
    const listed = await runCommand(process.execPath, [CLI, 'screen', 'list'], { env });
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(
      listed.stdout,
      new RegExp(`screen ${id} of library\\.smi \\(6 molecules\\) with tg-embedded@1: done`)
    );
    const cancelled = await runCommand(process.execPath, [CLI, 'screen', 'cancel', id], { env });
    assert.equal(cancelled.code, 1);
    assert.match(cancelled.stderr, /is done: every chunk is finished, nothing is left to cancel/);
  });
});
