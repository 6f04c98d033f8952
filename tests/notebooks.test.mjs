import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  CLI,
  ROOT,
  VENV_BIN,
  embeddedServer,
  runCommand,
  tempDir,
  tslabNotebook
} from './helpers.mjs';

const JUPYTER = join(VENV_BIN, 'jupyter');
const EXECUTED = join(ROOT, '.cryoprotect', 'executed');

/**
 * What each tutorial's static HTML export (nbconvert, JavaScript off) must show from the displays'
 * fallbacks: `svg`, the least number of inline <svg> elements in its output areas (structures,
 * and the plots inside a model report); `vendor`, the number of outputs carrying a CryoProtect
 * vendor MIME type (each must put its text/html in the page); `plots`, the number of Vega-Lite
 * outputs (each must put its static SVG in the page, which nbconvert writes as an <img>). A
 * tutorial without an entry here fails: say what it shows.
 */
const PROGRESS_MIME = 'application/vnd.cryoprotect.progress.v1+json';

const EXPORT_EXPECTATIONS = {
  // 25 reference structures in a grid, DMSO; 5 displays (grid, molecule, 3 tables).
  '01-tutorial.ipynb': { svg: 26, vendor: 5, plots: 0 },
  // alanine salt and parent, glycerol with its OH groups highlighted, each mixture's glycerol and
  // water; 6 displays (grid, molecule, 2 tables, 2 mixtures).
  '02-structures-and-mixtures.ipynb': { svg: 7, vendor: 6, plots: 0 },
  // two model reports' 5 plots each, 3 predicted cryoprotectants; 7 displays (3 tables, the two
  // reports, predictions, a grid) and 1 Vega-Lite plot (importance with the melting point).
  '03-models.ipynb': { svg: 13, vendor: 7, plots: 1 },
  // the coverage plot, and again in the model report's real coverage section; 8 displays (5
  // tables: accounts, project, requests, measurements, verified; predictions, coverage, the report).
  '04-lab-loop.ipynb': { svg: 2, vendor: 8, plots: 0 },
  // Tg of pure compounds: the best model's report with its 5 plots, the 8 largest errors as
  // structures; 10 displays (8 tables, the report, the grid) and 1 Vega-Lite plot (importance of
  // single descriptors).
  '05-tg-pure-compounds.ipynb': { svg: 13, vendor: 10, plots: 1 },
  // IRI of amino acids and carbohydrates: two model reports with 5 plots each; 14 displays (12
  // tables, 2 reports) and 2 Vega-Lite plots (importance of single descriptors, one per set).
  '06-iri-small-molecules.ipynb': { svg: 10, vendor: 14, plots: 2 },
  // Tg of aqueous solutions, estimated against measured: no structure or report; 9 tables and 2
  // Vega-Lite plots (residuals per compound, estimated Tg against composition).
  '07-tg-aqueous-solutions.ipynb': { svg: 0, vendor: 9, plots: 2 }
};

/**
 * Notebooks that work on a CryoProtect server: each runs with an embedded one of its own (PGlite
 * in a scratch folder), as `npm start` gives, its kernel told the server's address and the token
 * of a site administrator (who creates the notebook's accounts), and where to keep their passwords.
 */
const SERVER_NOTEBOOKS = new Set(['04-lab-loop.ipynb']);

/**
 * Each notebook's outputs are checked against notebooks/expected/NAME.json. After a deliberate
 * change of results, CRYOPROTECT_UPDATE_EXPECTED=1 records the new ones instead (review their diff).
 */
const UPDATE = process.env.CRYOPROTECT_UPDATE_EXPECTED === '1';
const CHECK = UPDATE ? '--update-expected' : '--check';

/**
 * A notebook's kernel environment on an embedded server of its own (see embeddedServer): its
 * address, a site administrator's token (who creates the notebook's accounts), and where to keep
 * their passwords.
 */
async function serverFor(scratch) {
  const server = await embeddedServer();
  return {
    env: {
      CRYOPROTECT_SERVER_URL: server.url,
      CRYOPROTECT_TOKEN: server.token,
      CRYOPROTECT_LAB_LOOP_ACCOUNTS: join(scratch, 'lab-loop-accounts.json')
    },
    stop: server.stop
  };
}

const VENDOR_MIME = /^application\/vnd\.cryoprotect\./;
const VEGA_LITE_MIME = 'application/vnd.vegalite.v5+json';

/**
 * The output areas of nbconvert's HTML (lab template): each cell's part from its output wrapper
 * to the next cell (the last one to the end of the notebook's <main>).
 */
function outputAreas(html) {
  const end = html.lastIndexOf('</main>');
  return (end < 0 ? html : html.slice(0, end))
    .split(/<div\b[^>]*\bclass="jp-Cell[\s"]/)
    .slice(1)
    .map(cell => {
      const at = cell.indexOf('jp-Cell-outputWrapper');
      return at < 0 ? '' : cell.slice(at);
    })
    .filter(area => area !== '');
}

const joined = text => (Array.isArray(text) ? text.join('') : text);
const count = (text, pattern) => (text.match(pattern) ?? []).length;

const ENTITIES = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/**
 * The text a reader sees in some HTML: tags dropped, entities decoded, white space collapsed.
 * nbconvert re-serializes an output's HTML (attribute order and quotes, <br/>, entities), so the
 * export is compared with an output by what it shows, and its drawings by counting <svg>.
 */
function visibleText(html) {
  return html
    .replace(/<[^>]*>/g, ' ')
    .replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (entity, name) =>
      name[0] === '#'
        ? String.fromCodePoint(
            Number(name[1] === 'x' || name[1] === 'X' ? `0${name.slice(1)}` : name.slice(1))
          )
        : (ENTITIES[name.toLowerCase()] ?? entity)
    )
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * Check an executed notebook's HTML export against `expected` (see EXPORT_EXPECTATIONS); throws
 * an AssertionError naming what is missing.
 */
function checkExport(executed, html, expected, name) {
  const areas = outputAreas(html);
  const outputsHtml = areas.join('\n');
  const svgs = count(outputsHtml, /<svg\b/g);
  assert.ok(
    svgs >= expected.svg,
    `${name}: ${svgs} inline <svg> in output areas, expected at least ${expected.svg}`
  );
  const scripts = areas.filter(area => /<script\b/i.test(area));
  assert.equal(
    scripts.length,
    0,
    `${name}: an output area holds a <script>: ${scripts[0]?.slice(0, 300)}`
  );
  const outputs = executed.cells.flatMap(c => c.outputs ?? []).filter(o => o.data !== undefined);
  // Training progress (its last state: "training finished ...") is not one of the displays.
  const vendor = outputs.filter(
    o => Object.keys(o.data).some(k => VENDOR_MIME.test(k)) && !(PROGRESS_MIME in o.data)
  );
  assert.equal(vendor.length, expected.vendor, `${name}: vendor-typed outputs`);
  // Each vendor output is shown by its text/html (not its text/plain): as many HTML renderings,
  // each output's visible text and drawings in the page.
  assert.ok(
    count(outputsHtml, /data-mime-type="text\/html"/g) >= expected.vendor,
    `${name}: fewer text/html renderings than vendor-typed outputs`
  );
  const page = visibleText(outputsHtml);
  let drawn = 0;
  for (const output of vendor) {
    const type = Object.keys(output.data).find(k => VENDOR_MIME.test(k));
    const fallback = joined(output.data['text/html'] ?? '');
    assert.ok(fallback.length > 0, `${name}: a ${type} output has no text/html`);
    const shown = visibleText(fallback);
    assert.ok(
      page.includes(shown),
      `${name}: the text/html of a ${type} output is not in the export: ${shown.slice(0, 200)}`
    );
    drawn += count(fallback, /<svg\b/g);
  }
  assert.ok(
    svgs >= drawn,
    `${name}: ${drawn} drawings in the vendor outputs' HTML, ${svgs} <svg> in the export`
  );
  // A Vega-Lite output is exported by its image/svg+xml, which nbconvert writes as an <img> with
  // the SVG as a data: URI (static, no script); the renderings must be those very SVGs.
  const plots = outputs.filter(o => VEGA_LITE_MIME in o.data);
  assert.equal(plots.length, expected.plots, `${name}: Vega-Lite outputs`);
  const images = [
    ...outputsHtml.matchAll(/<img\b[^>]*\bsrc="data:image\/svg\+xml;base64,([^"]+)"/g)
  ].map(m => Buffer.from(m[1], 'base64').toString('utf8'));
  for (const output of plots) {
    const svg = joined(output.data['image/svg+xml'] ?? '');
    assert.match(svg, /<svg\b/, `${name}: a Vega-Lite output has no static SVG`);
    assert.ok(images.includes(svg), `${name}: a plot's static SVG is not in the export`);
  }
}

/** nbconvert `path` to HTML in `dir`; resolves with the page's text. */
async function exportHtml(path, dir) {
  const result = await runCommand(JUPYTER, [
    'nbconvert',
    '--to',
    'html',
    '--output-dir',
    dir,
    path
  ]);
  assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
  return readFileSync(join(dir, basename(path).replace(/\.ipynb$/, '.html')), 'utf8');
}

const notebook = tslabNotebook;

describe('notebooks under notebooks/ on the tslab kernel', () => {
  const scratch = tempDir();
  after(() => rmSync(scratch, { recursive: true, force: true }));

  const notebooks = readdirSync(join(ROOT, 'notebooks')).filter(
    f => f.endsWith('.ipynb') && !f.endsWith('.executed.ipynb')
  );

  it('include the tutorial', () => {
    assert.ok(notebooks.includes('01-tutorial.ipynb'));
  });

  it('include the lab loop, run with a server', () => {
    assert.ok(notebooks.includes('04-lab-loop.ipynb'));
  });

  const ran = new Set();
  for (const name of notebooks) {
    it(`${name} runs top to bottom headless with the outputs it is expected to give (cryoprotect run --check)`, async () => {
      const server = SERVER_NOTEBOOKS.has(name) ? await serverFor(scratch) : null;
      try {
        const result = await runCommand(
          process.execPath,
          [CLI, 'run', join('notebooks', name), CHECK, '--out', EXECUTED],
          {
            env: server?.env ?? {},
            // Training, the server's answers and two kernels' worth of work on a shared machine.
            timeoutMs: 900_000
          }
        );
        assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
        assert.match(result.stdout, UPDATE ? /expected outputs written/ : /outputs match/);
      } finally {
        await server?.stop();
      }
      ran.add(name);
    });

    it(`${name} exported to HTML shows its structures, tables and plots without JavaScript`, async () => {
      assert.ok(ran.has(name), 'the notebook did not run, so there is no executed copy to export');
      const expected = EXPORT_EXPECTATIONS[name];
      assert.ok(expected !== undefined, `${name} has no entry in EXPORT_EXPECTATIONS`);
      const path = join(EXECUTED, name);
      const html = await exportHtml(path, scratch);
      checkExport(JSON.parse(readFileSync(path, 'utf8')), html, expected, name);
    });
  }

  it('03-models.ipynb records beside its executed copy the snapshot, seeds and versions it ran with', () => {
    assert.ok(ran.has('03-models.ipynb'), 'the notebook did not run');
    const provenance = JSON.parse(
      readFileSync(join(EXECUTED, '03-models.provenance.json'), 'utf8')
    );
    const { snapshots, seeds, models } = provenance.kernel.session;
    // Three trainings on one CSV: one snapshot (the rows with a melting point may differ: a second).
    assert.ok(snapshots.length >= 1 && snapshots.length <= 2, JSON.stringify(snapshots));
    for (const snapshot of snapshots) {
      assert.match(snapshot.hash, /^[0-9a-f]{64}$/);
      assert.match(snapshot.source, /tg_pure_compounds\.csv$/);
      assert.ok(snapshot.rows > 50);
    }
    assert.ok(seeds.length >= 1 && seeds.every(s => s.seed === 1), JSON.stringify(seeds));
    assert.deepEqual(models, []);
    // The one file it read, by its path in the project and its content, and what it computed with.
    const csv = readFileSync(join(ROOT, 'data', 'science-data', 'tg_pure_compounds.csv'));
    assert.deepEqual(provenance.kernel.session.files, [
      {
        path: 'data/science-data/tg_pure_compounds.csv',
        sha256: createHash('sha256').update(csv).digest('hex'),
        bytes: csv.length
      }
    ]);
    const cited = provenance.kernel.session.citations.map(c => c.doi ?? c.url);
    for (const doi of ['10.1007/s10994-006-6226-1', '10.1214/20-AOS1965']) {
      assert.ok(cited.includes(doi), `no citation ${doi}: ${JSON.stringify(cited)}`);
    }
    assert.deepEqual(provenance.parameters.given, {});
    assert.deepEqual(Object.keys(provenance.parameters.defaults), ['tgCsv', 'seed', 'folds']);
    assert.match(provenance.kernel.rdkit, /^\d{4}\.\d{2}/);
  });

  it('the export check fails a notebook that prints console text instead of displays', async () => {
    const path = join(scratch, 'console.ipynb');
    writeFileSync(
      path,
      notebook([
        "console.table([{ name: 'glycerol', smiles: 'OCC(O)CO', 'Tg / K': 190.123456 }]);",
        "console.log({ value: 1.2612345, unit: 'g/cm3' });"
      ])
    );
    const out = join(scratch, 'console-executed');
    const result = await runCommand(process.execPath, [CLI, 'run', path, '--out', out]);
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
    const executed = join(out, 'console.ipynb');
    const html = await exportHtml(executed, out);
    const parsed = JSON.parse(readFileSync(executed, 'utf8'));
    // The notebook has output areas (console text), but no structure, vendor output or plot.
    assert.ok(outputAreas(html).length >= 2);
    for (const expected of Object.values(EXPORT_EXPECTATIONS)) {
      assert.throws(
        () => checkExport(parsed, html, expected, 'console.ipynb'),
        assert.AssertionError
      );
    }
  });

  it('a type error fails the run too (tslab type-checks every cell)', async () => {
    const path = join(scratch, 'typed.ipynb');
    writeFileSync(path, notebook(["const n: number = 'not a number';"]));
    const result = await runCommand(process.execPath, [CLI, 'run', path, '--out', scratch]);
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /FAILED typed\.ipynb: cell 1 failed: .*not assignable to type 'number'/
    );
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
    const result = await runCommand(process.execPath, [CLI, 'run', path, '--out', scratch]);
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

  /**
   * What each published analysis must carry in its bundle: its data files with their licences,
   * and among its citations these DOIs (a data source, and a method it computed with).
   */
  const PUBLISHED = {
    '05-tg-pure-compounds.ipynb': {
      licences: { 'data/science-data/tg_pure_compounds.csv': 'BSD-3-Clause' },
      dois: ['10.1039/D1EA00090J', '10.1007/s10994-006-6226-1']
    },
    '06-iri-small-molecules.ipynb': {
      licences: {
        'data/science-data/iri_amino.csv': 'GPL-3.0',
        'data/science-data/iri_glyco.csv': 'GPL-3.0'
      },
      dois: ['10.1038/s41467-024-52266-w', '10.1038/srep26403', '10.1214/20-AOS1965']
    },
    '07-tg-aqueous-solutions.ipynb': {
      licences: {
        'data/science-data/tg_aqueous_solutions.csv': 'BSD-3-Clause',
        'data/science-data/gordon_taylor_parameters.csv': 'BSD-3-Clause'
      },
      dois: ['10.1038/srep15714', '10.1002/jctb.5010020901']
    }
  };
  for (const [name, { licences, dois }] of Object.entries(PUBLISHED)) {
    it(`${name} exports as a bundle carrying its data files with their licences and citations`, async () => {
      assert.ok(ran.has(name), 'the notebook did not run');
      const out = join(scratch, `${name}.bundle`);
      const result = await runCommand(process.execPath, [
        CLI,
        'export',
        join(EXECUTED, name),
        '--out',
        out
      ]);
      assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
      const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
      const carried = manifest.files.map(f => f.path);
      const table = readFileSync(join(out, 'LICENCES.md'), 'utf8');
      for (const [file, licence] of Object.entries(licences)) {
        assert.ok(carried.includes(file), `${file} not in the bundle: ${carried.join(', ')}`);
        assert.ok(table.includes(`| \`${file}\` | ${licence} |`), `${file}: ${licence} not stated`);
      }
      const citations = JSON.parse(readFileSync(join(out, 'CITATIONS.json'), 'utf8'));
      const bib = readFileSync(join(out, 'CITATIONS.bib'), 'utf8');
      for (const doi of dois) {
        assert.ok(
          citations.some(c => c.DOI === doi),
          `${doi} not cited: ${JSON.stringify(citations.map(c => c.DOI ?? c.title))}`
        );
        assert.ok(bib.includes(`doi = {${doi}}`), `${doi} not in CITATIONS.bib`);
      }
    });
  }
});
