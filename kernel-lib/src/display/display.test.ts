import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { inspect } from 'node:util';
import { parseMixtureText } from '../mixtures';
import { loadArquero } from '../models/data/arquero';
import { describeTrainedModel } from '../models/artifact';
import { predictCsvText, predictMolecules } from '../models/predict';
import { trainFromCsvText } from '../models/training';
import { JUPYTER_DISPLAY, VEGA_LITE_MIME, type MimeBundle } from './bundle';
import { htmlDocument, modelReportHtml } from './document';
import { DisplayError } from './errors';
import {
  displayUnit,
  escapeHtml,
  formatCell,
  formatInterval,
  formatLevel,
  formatNumber,
  formatPercent,
  formatQuantity,
  formatValue,
  titleWithUnit
} from './format';
import { inlineSvg } from './html';
import { mixtureDisplay } from './mixture';
import { modelReportDisplay } from './model-report';
import {
  moleculeDisplay,
  moleculesDisplay,
  moleculesFromTable,
  similarityHitsDisplay
} from './molecule';
import { DISPLAY_MIME, PAYLOAD_SCHEMAS } from './payloads';
import { predictionDisplay, propertyOfColumn } from './prediction';
import { display, show } from './show';
import { tableDisplay } from './table';
import { plotDisplay } from './vega';

const HOSTILE = '<img src=x onerror=alert(1)>';
const TRAINING_CSV = resolve(
  __dirname,
  '..',
  '..',
  'src',
  'node',
  'fixtures',
  'model-0.1.0-9c39d6d',
  'training-rows.csv'
);

const GLYCEROL_RECORD = {
  id: '00000000-0000-4000-8000-000000000001',
  inchikey: 'PEDCQBHIVMGVHV-UHFFFAOYSA-N',
  inchi: 'InChI=1S/C3H8O3/c4-1-3(6)2-5/h3-6H,1-2H2',
  smiles: 'OCC(O)CO',
  inputStructure: 'OCC(O)CO',
  strippedFragments: [],
  name: 'glycerol',
  synonyms: [],
  molarMass: 92.094,
  visibility: 'public' as const,
  projectId: null,
  ownerId: '00000000-0000-4000-8000-000000000002',
  createdAt: '2026-01-01T00:00:00Z'
};

/** The bundle's vendor payload parses with its schema; the HTML is static and self-contained. */
function checkBundle(bundle: MimeBundle, mime: keyof typeof PAYLOAD_SCHEMAS): void {
  const parsed = PAYLOAD_SCHEMAS[mime].safeParse(bundle[mime]);
  assert.ok(parsed.success, parsed.success ? '' : parsed.error.message);
  assert.equal(typeof bundle['text/plain'], 'string');
  const html = bundle['text/html'];
  assert.equal(typeof html, 'string');
  checkStaticHtml(html as string);
}

function checkStaticHtml(html: string): void {
  assert.doesNotMatch(html, /<script/i);
  assert.doesNotMatch(html, /<(img|iframe|object|embed|link|style|foreignObject)\b/i);
  // Attributes of every tag, read pair by pair so that escaped user text inside a value (a
  // title or an aria-label saying "onerror=") is not taken for an attribute.
  const attributes = [...html.matchAll(/<[a-zA-Z][^\s>/]*((?:[^>"']|"[^"]*"|'[^']*')*)>/g)].flatMap(
    tag => [...tag[1].matchAll(/([^\s=/>]+)\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)/g)]
  );
  assert.deepEqual(
    attributes.filter(([, name]) => /^on/i.test(name)).map(a => a[0]),
    [],
    'no event handler attribute'
  );
  // Links: only #fragments (xmlns declarations are names, never fetched).
  assert.deepEqual(
    attributes
      .filter(([, name, value]) => /^(href|src|xlink:href)$/i.test(name) && !/^["']?#/.test(value))
      .map(a => a[0]),
    []
  );
}

describe('formatNumber and the units', () => {
  it('shows the significant figures asked for, trailing zeros kept', () => {
    assert.equal(formatNumber(0.1, 3), '0.100');
    assert.equal(formatNumber(1.25, 4), '1.250');
    assert.equal(formatNumber(92.0938, 4), '92.09');
    assert.equal(formatNumber(293.15, 5), '293.15');
    assert.equal(formatNumber(12345, 3), '12300');
    assert.equal(formatNumber(-0.045678, 2), '−0.046');
    assert.equal(formatNumber(0, 3), '0.00');
  });
  it('without digits keeps up to six figures and drops trailing zeros', () => {
    assert.equal(formatNumber(0.30000000000000004), '0.3');
    assert.equal(formatNumber(92.09400000000001), '92.094');
    assert.equal(formatNumber(153.15), '153.15');
    assert.equal(formatNumber(3), '3');
    assert.equal(formatNumber(0), '0');
  });
  it('uses scientific notation as a paper prints it for very large and small magnitudes', () => {
    assert.equal(formatNumber(1234567, 4), '1.235 × 10⁶');
    assert.equal(formatNumber(0.000123456, 3), '1.23 × 10⁻⁴');
    assert.equal(formatNumber(2e-7), '2 × 10⁻⁷');
    assert.equal(formatNumber(-6.02214076e23, 4), '−6.022 × 10²³');
  });
  it('never hides a non-finite value', () => {
    assert.equal(formatNumber(Number.NaN), 'NaN');
    assert.equal(formatNumber(Number.POSITIVE_INFINITY), '∞');
    assert.equal(formatNumber(Number.NEGATIVE_INFINITY), '−∞');
  });
  it('writes units as a reader does and never puts a unit after text', () => {
    assert.equal(displayUnit('1'), undefined);
    assert.equal(displayUnit('count'), undefined);
    assert.equal(displayUnit('A^2'), 'Å²');
    assert.equal(displayUnit('g/cm3'), 'g/cm³');
    assert.equal(formatQuantity(-1.67, '1', 3), '−1.67');
    assert.equal(formatQuantity(3, 'count'), '3');
    assert.equal(formatQuantity(1.261, 'g/cm3', 4), '1.261 g/cm³');
    assert.equal(formatValue('(no source)', 'K'), '(no source)');
    assert.equal(formatValue(null, 'K'), '—');
    assert.equal(formatValue(190, 'K', 3), '190 K');
    assert.equal(titleWithUnit('TPSA', 'A^2'), 'TPSA (Å²)');
    assert.equal(titleWithUnit('name', undefined), 'name');
  });
  it('joins percentages, intervals and cells', () => {
    assert.equal(formatPercent(0.1, 'w/w'), '10.0 % w/w');
    assert.equal(formatInterval(1.234, 5.678, 0.9, 3), '[1.23, 5.68] (90 % interval)');
    assert.equal(formatInterval(null, 2, null), '[−∞, 2]');
    assert.equal(formatInterval(null, null, 0.9), null);
    assert.equal(formatLevel(0.683), '68.3 %');
    assert.equal(formatLevel(0.95), '95 %');
    assert.equal(formatCell(true), 'yes');
    assert.equal(formatCell('DMSO'), 'DMSO');
  });
});

describe('inline SVG', () => {
  it('refuses script, event handlers and links, but not such words escaped in text', async () => {
    assert.throws(() => inlineSvg('<svg><script>alert(1)</script></svg>'), { code: 'unsafe_svg' });
    assert.throws(() => inlineSvg('<svg><rect onload="x()"/></svg>'), /event handler/);
    assert.throws(() => inlineSvg('<svg><image href="https://example.org/a.png"/></svg>'), /link/);
    assert.equal(
      inlineSvg('<?xml version="1.0"?>\n<svg><use href="#a"/></svg>'),
      '<svg><use href="#a"/></svg>'
    );
    // vega escapes a hostile title into text and aria-label; the plot is shown.
    const plot = await plotDisplay({
      $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
      title: `<script>alert(1)</script>${HOSTILE}`,
      data: { values: [{ a: 1 }] },
      mark: 'point',
      encoding: { x: { field: 'a', type: 'quantitative', title: HOSTILE } }
    });
    checkStaticHtml(plot.html());
  });
});

describe('molecule displays', () => {
  it('highlights the matches of a SMARTS, and names the option when RDKit cannot read it', async () => {
    const shown = await moleculeDisplay('OCC(O)CO', { name: 'glycerol', highlight: '[OX2H]' });
    assert.equal(shown.payload.highlight, '[OX2H]');
    assert.match(shown.bundle()['text/plain'], /highlighted: 3 atoms matching \[OX2H\]/);
    const plain = await moleculeDisplay('OCC(O)CO');
    assert.notEqual(shown.bundle()['text/html'], plain.bundle()['text/html']);
    assert.ok(PAYLOAD_SCHEMAS[DISPLAY_MIME.molecule].safeParse(shown.payload).success);
    await assert.rejects(moleculeDisplay('OCC(O)CO', { highlight: '[C' }), (error: unknown) => {
      assert.ok(error instanceof DisplayError);
      assert.equal((error as DisplayError).field, 'highlight');
      return true;
    });
  });

  it('draws every structure of a grid at one scale, so ethanol is not blown up to fill its box', async () => {
    const shown = await moleculesDisplay([
      'CCO',
      'OCC(O)CO',
      'OC[C@H]1OC(O)[C@H](O)[C@@H](O)[C@@H]1O'
    ]);
    const html = shown.bundle()['text/html'] as string;
    const svgs = html.match(/<svg\b[\s\S]*?<\/svg>/g) ?? [];
    assert.equal(svgs.length, 3);
    // The longest bond path of each (a C–C bond; bonds to O stop short of the label).
    const longestBond = (svg: string) =>
      Math.max(
        ...[...svg.matchAll(/d='M ([\d.]+),([\d.]+) L ([\d.]+),([\d.]+)'/g)].map(m =>
          Math.hypot(Number(m[3]) - Number(m[1]), Number(m[4]) - Number(m[2]))
        )
      );
    const [ethanol, glycerol] = svgs.map(longestBond);
    // Drawn to fill its box, ethanol's bond would be twice glycerol's (67.6 against 33.7 px).
    assert.ok(Math.abs(ethanol - glycerol) / glycerol < 0.1, `${ethanol} vs ${glycerol}`);
  });

  it('one molecule: canonical SMILES, InChIKey, properties with units, inline SVG', async () => {
    const shown = await moleculeDisplay('C(O)C(O)CO', { name: 'glycerol' });
    const bundle = shown.bundle();
    checkBundle(bundle, DISPLAY_MIME.molecule);
    assert.equal(shown.payload.smiles, 'OCC(O)CO');
    assert.equal(shown.payload.inchikey, 'PEDCQBHIVMGVHV-UHFFFAOYSA-N');
    const molar = shown.payload.properties.find(p => p.name === 'molar mass');
    assert.equal(molar?.unit, 'g/mol');
    assert.ok(Math.abs((molar?.value as number) - 92.094) < 1e-3);
    assert.match(molar?.source ?? '', /^RDKit \d{4}\.\d+\.\d+/);
    assert.match(bundle['text/html'] as string, /<svg/);
    assert.match(bundle['text/plain'], /molar mass: 92\.094 g\/mol/);
  });

  it('escapes a hostile name everywhere in the HTML', async () => {
    const bundle = (await moleculeDisplay({ smiles: 'CS(C)=O', name: HOSTILE })).bundle();
    const html = bundle['text/html'] as string;
    assert.ok(!html.includes(HOSTILE));
    assert.ok(html.includes(escapeHtml(HOSTILE)));
    checkStaticHtml(html);
  });

  it('refuses an unreadable structure with a coded error naming the field', async () => {
    await assert.rejects(moleculeDisplay('C1CC'), { code: 'invalid_input', field: 'molecule' });
  });

  it('a grid keeps unreadable rows, caps rows and counts the rest', async () => {
    const inputs = ['OCC(O)CO', 'C1CC', { smiles: 'CS(C)=O', name: HOSTILE, id: 'id-1' }, 'CCO'];
    const shown = await moleculesDisplay(inputs, {
      limit: 3,
      columns: [{ key: 'score', title: 'score', digits: 3, values: [0.9, 0.5, 0.25, 0.1] }]
    });
    const bundle = shown.bundle();
    checkBundle(bundle, DISPLAY_MIME.molecules);
    assert.equal(shown.payload.rows.length, 3);
    assert.equal(shown.payload.totalRows, 4);
    assert.deepEqual(shown.payload.rows[1].values.molarMass, null);
    assert.equal(shown.payload.rows[2].id, 'id-1');
    const html = bundle['text/html'] as string;
    assert.match(html, /3 of 4 rows shown; 1 more not shown\./);
    assert.match(html, /unreadable structure/);
    assert.ok(!html.includes(HOSTILE));
  });

  it('an arquero table with a SMILES column is a grid; its other columns become values', async () => {
    const aq = await loadArquero();
    const table = aq.table({
      SMILES: ['OCC(O)CO', 'CS(C)=O'],
      name: ['glycerol', 'DMSO'],
      'Tg (K)': [190, 150]
    });
    const shown = await moleculesFromTable(table, {
      columns: { 'Tg (K)': { title: 'Tg', unit: 'K' } }
    });
    checkBundle(shown.bundle(), DISPLAY_MIME.molecules);
    assert.deepEqual(
      shown.payload.rows.map(r => [r.name, r.smiles, r.values['Tg (K)']]),
      [
        ['glycerol', 'OCC(O)CO', 190],
        ['DMSO', 'CS(C)=O', 150]
      ]
    );
    assert.equal(shown.payload.columns[0].unit, 'K');
    assert.ok(DISPLAY_MIME.molecules in (await display(table)));
    assert.ok(DISPLAY_MIME.table in (await display(aq.table({ a: [1, 2] }))));
  });

  it('similarity hits carry the similarity with how it was computed', async () => {
    const molecule = GLYCEROL_RECORD;
    const shown = await similarityHitsDisplay({
      items: [{ molecule, similarity: 1 }],
      nextCursor: null,
      fingerprint: 'Morgan radius 2, 2048 bits',
      engine: 'in-process'
    });
    checkBundle(shown.bundle(), DISPLAY_MIME.molecules);
    const column = shown.payload.columns.find(c => c.key === 'similarity');
    assert.match(column?.description ?? '', /Morgan radius 2/);
    assert.equal(shown.payload.rows[0].values.similarity, 1);
  });

  it('substructure hits say when more match than the page holds', async () => {
    const bundle = await display({
      items: [{ ...GLYCEROL_RECORD }],
      nextCursor: 'abc',
      truncated: true,
      engine: 'in-process'
    });
    checkBundle(bundle, DISPLAY_MIME.molecules);
    const payload = bundle[DISPLAY_MIME.molecules] as { title: string };
    assert.equal(payload.title, 'Substructure search (first 1 matches; more match)');
  });
});

describe('mixture display', () => {
  it('a binary mixture: composition in every unit, osmolality and both Tg estimates with sources', async () => {
    const mixture = await parseMixtureText('glycerol: 40 % w/w');
    const shown = await mixtureDisplay({ ...mixture, name: HOSTILE });
    checkBundle(shown.bundle(), DISPLAY_MIME.mixture);
    const names = shown.payload.properties.map(p => `${p.name} (${p.method})`);
    assert.equal(names.length, 3);
    assert.match(names[0], /osmolality/);
    for (const p of shown.payload.properties) {
      assert.ok(p.sources.length > 0, `${p.name} has sources`);
    }
    const glycerol = shown.payload.components[0];
    assert.ok(Math.abs(glycerol.massFraction - 0.4) < 1e-12);
    assert.ok((glycerol.amounts ?? []).some(a => a.unit === 'mol/L'));
    const html = shown.bundle()['text/html'] as string;
    assert.ok(!html.includes(HOSTILE));
    assert.match(html, /Each component in every unit/);
    const items = html.match(/<li>[^<]*<\/li>/g) ?? [];
    assert.equal(new Set(items).size, items.length, 'each limit once');
  });

  it('leaves out Tg for a ternary mixture and says why', async () => {
    const mixture = await parseMixtureText('DMSO: 10 % w/w; ethylene glycol: 1.5 mol/kg');
    const shown = await mixtureDisplay(mixture);
    // Each solute and water drawn in the static HTML, inside the composition table.
    const composition = (shown.bundle()['text/html'] as string).split(
      'Each component in every unit'
    )[0];
    assert.equal(composition.match(/<svg\b/g)?.length, 3);
    checkBundle(shown.bundle(), DISPLAY_MIME.mixture);
    assert.deepEqual(
      shown.payload.properties.map(p => p.name),
      ['osmolality']
    );
    assert.ok(shown.payload.notes.some(n => /Tg not estimated: .*2 solutes/.test(n)));
  });
});

describe('table display', () => {
  it('caps rows at 200 with a note, units in headers, numbers to their figures', () => {
    const rows = Array.from({ length: 250 }, (_, i) => ({ name: `row ${i}`, tg: 150 + i / 3 }));
    const shown = tableDisplay(rows, {
      title: 'Tg',
      columns: { name: {}, tg: { title: 'Tg', unit: 'K', digits: 4 } }
    });
    const bundle = shown.bundle();
    checkBundle(bundle, DISPLAY_MIME.table);
    assert.equal(shown.payload.rows.length, 200);
    assert.equal(shown.payload.totalRows, 250);
    const html = bundle['text/html'] as string;
    assert.match(html, /<th[^>]*>Tg \(K\)<\/th>/);
    assert.match(html, /200 of 250 rows shown; 50 more not shown\./);
    assert.match(html, />150\.3</);
    assert.match(bundle['text/plain'], /240 more rows \(250 in all\)/);
  });

  it('refuses a cell that is not text, number, boolean or empty, naming it', () => {
    assert.throws(() => tableDisplay([{ a: { b: 1 } }]), {
      code: 'invalid_input',
      field: 'rows[0].a'
    });
  });
});

describe('prediction and model report displays', () => {
  it('reads a unit from a column header', () => {
    assert.deepEqual(propertyOfColumn('Tg (K)'), { name: 'Tg', unit: 'K' });
    assert.deepEqual(propertyOfColumn('viability'), { name: 'viability', unit: '' });
  });

  it('a prediction with its interval and model name@version', () => {
    const shown = predictionDisplay({
      property: { name: 'Tg', unit: 'K' },
      model: { name: 'tg-ridge', version: 3 },
      intervalLevel: 0.9,
      items: [
        {
          name: 'glycerol',
          smiles: 'OCC(O)CO',
          value: 190.1234,
          lower: 170.2,
          upper: 210.3,
          warning: null
        }
      ]
    });
    const bundle = shown.bundle();
    checkBundle(bundle, DISPLAY_MIME.prediction);
    assert.match(
      bundle['text/plain'],
      /Tg predicted by tg-ridge@3: 190\.1 K \(90 % interval 170\.2 to 210\.3 K\)/
    );
  });

  it('marks a prediction outside the applicability domain, with a note under the table', () => {
    const item = (
      name: string,
      value: number,
      novelty: number | null,
      inDomain: boolean | null
    ) => ({
      name,
      smiles: 'CCO',
      value,
      lower: value - 10,
      upper: value + 10,
      warning: null,
      novelty,
      inDomain
    });
    const shown = predictionDisplay({
      property: { name: 'Tg', unit: 'K' },
      model: { name: 'tg-ridge', version: 3 },
      intervalLevel: 0.9,
      domainThreshold: 2.05,
      items: [
        item('glycerol', 190, 0.41, true),
        { ...item('far away', 250, 3.42, false), warning: HOSTILE },
        item('unknown', 200, null, null)
      ]
    });
    const bundle = shown.bundle();
    checkBundle(bundle, DISPLAY_MIME.prediction);
    assert.deepEqual(
      shown.payload.items.map(i => [i.novelty, i.inDomain]),
      [
        [0.41, true],
        [3.42, false],
        [null, null]
      ]
    );
    assert.equal(shown.payload.domainThreshold, 2.05);
    const text = bundle['text/plain'];
    const lines = text.split('\n');
    assert.match(lines[1], /novelty\s+warning$/);
    assert.doesNotMatch(lines[2], /applicability/, 'a row inside the domain shows no marker');
    assert.match(lines[3], /3\.42\s+⚠ outside the applicability domain; <img/);
    assert.doesNotMatch(lines[4], /applicability/, 'nor does one whose domain is unknown');
    assert.equal(
      lines[5],
      '⚠ 1 of 3 predictions is outside the applicability domain: farther from the training molecules than cross-validation ever tested the model. Its interval is wider but less trustworthy; treat it as extrapolation.'
    );
    const html = bundle['text/html'] as string;
    const rows = html.split('</table>')[0].split('<tr>').slice(2);
    assert.equal(rows.length, 3);
    assert.doesNotMatch(rows[0], /applicability/);
    assert.match(
      rows[1],
      /<span style="[^"]*" title="Outside the applicability domain: farther from the model&#39;s training molecules than cross-validation ever tested it \(novelty 3\.42, above 2\.05, the 99th percentile of the molecules held out in cross-validation\)\. The interval is wider here, but less trustworthy\.">⚠ outside the applicability domain<\/span> &lt;img/
    );
    assert.doesNotMatch(rows[2], /applicability/);
    assert.match(
      html,
      /<th [^>]*title="Mean standardized distance[^"]*above 2\.05[^"]*">novelty<\/th>/
    );
    assert.match(html, /<\/table><p style="[^"]*">⚠ 1 of 3 predictions is outside/);

    // One prediction: the marker's explanation on its own line; none inside the domain.
    const one = predictionDisplay({ ...shown.payload, items: [shown.payload.items[1]] });
    assert.match(
      one.bundle()['text/plain'],
      /\n⚠ Outside the applicability domain: .*\(novelty 3\.42, above 2\.05.*less trustworthy\.\nwarning: /
    );
    const inside = predictionDisplay({ ...shown.payload, items: [shown.payload.items[0]] });
    assert.doesNotMatch(inside.bundle()['text/plain'], /applicability/);
    assert.doesNotMatch(inside.bundle()['text/html'] as string, /⚠|<span/);

    // Without novelty anywhere (an older model), no novelty column and no note.
    const older = predictionDisplay({
      ...shown.payload,
      domainThreshold: undefined,
      items: [item('glycerol', 190, null, null)].map(
        ({ novelty: _n, inDomain: _d, ...rest }) => rest
      )
    });
    checkBundle(older.bundle(), DISPLAY_MIME.prediction);
    assert.doesNotMatch(older.bundle()['text/html'] as string, /novelty|applicability/);
  });

  it('caps prediction items and says how many there were', () => {
    const items = Array.from({ length: 205 }, (_, i) => ({
      name: null,
      smiles: 'C'.repeat(1 + (i % 5)),
      value: i,
      lower: null,
      upper: null,
      warning: null
    }));
    const shown = predictionDisplay({
      property: { name: 'Tg', unit: 'K' },
      model: { name: 'm', version: 1 },
      intervalLevel: null,
      items
    });
    checkBundle(shown.bundle(), DISPLAY_MIME.prediction);
    assert.equal(shown.payload.items.length, 200);
    assert.equal(shown.payload.totalItems, 205);
    assert.match(
      shown.bundle()['text/html'] as string,
      /200 of 205 rows shown; 5 more not shown\./
    );
  });

  it('a training run: metrics with intervals, folds, coverage, importance, plots as Vega-Lite and SVG', async () => {
    const result = await trainFromCsvText(readFileSync(TRAINING_CSV, 'utf8'), {
      target: 'Tg (K)',
      smilesColumn: 'SMILES',
      learner: 'ridge',
      learnerParams: { alpha: 10 },
      folds: 4,
      seed: 7,
      featurizer: { descriptors: true, morgan: null }
    });
    const shown = await modelReportDisplay(result, { model: { name: 'tg-ridge', version: null } });
    const bundle = shown.bundle();
    checkBundle(bundle, DISPLAY_MIME.modelReport);
    const mae = shown.payload.metrics.find(m => m.name === 'MAE');
    assert.equal(mae?.value, result.model.validation.metrics.mae.value);
    assert.equal(mae?.unit, 'K');
    // Every interval says its level and how it was made; importance says what it measures.
    assert.equal(mae?.intervalLevel, result.model.validation.metrics.mae.level);
    assert.match(mae?.intervalMethod ?? '', /bootstrap.*\d+ resamples/);
    assert.match(
      shown.payload.importanceMethod ?? '',
      /^permutation importance: increase of RMSE \(K\)/
    );
    assert.match(bundle['text/plain'], /\[\d[\d.]*, \d[\d.]*\] \(95 % .*bootstrap/);
    assert.equal(shown.payload.validation.folds, 4);
    assert.ok(shown.payload.plots.length >= 3);
    assert.ok(shown.plots.every(p => p.svg.startsWith('<svg')));
    const html = bundle['text/html'] as string;
    assert.equal((html.match(/<svg/g) ?? []).length, shown.plots.length);
    const saved = await modelReportDisplay(await describeTrainedModel(result));
    checkBundle(saved.bundle(), DISPLAY_MIME.modelReport);
    assert.deepEqual(saved.payload.metrics, shown.payload.metrics);
    assert.equal(saved.payload.validation.rows, shown.payload.validation.rows);
    assert.ok(saved.payload.notes.some(n => /keeps no per-fold scores/.test(n)));
    const page = await modelReportHtml(result, { model: { name: 'tg-ridge', version: 2 } });
    assert.match(page, /^<!DOCTYPE html>/);
    assert.match(page, /<title>Model report: tg-ridge@2 \(Tg\)<\/title>/);
    checkStaticHtml(page);
    assert.equal((page.match(/<svg/g) ?? []).length, shown.plots.length);
    assert.match(htmlDocument(HOSTILE, ''), /<title>&lt;img/);
    // Molecules in memory, named, predicted without a file; a bad one is reported, not fatal.
    const predicted = await predictMolecules(await describeTrainedModel(result), [
      { smiles: 'OCC(O)CO', name: 'glycerol' },
      'C1CC',
      { smiles: 'CS(C)=O', name: 'DMSO' }
    ]);
    assert.deepEqual(
      predicted.rows.map(r => r.name),
      ['glycerol', 'DMSO']
    );
    assert.deepEqual(
      predicted.rejected.map(r => r.line),
      [3]
    );
    const fromFile = await predictCsvText(
      await describeTrainedModel(result),
      'SMILES\nOCC(O)CO\nCS(C)=O'
    );
    assert.deepEqual(
      predicted.rows.map(r => r.prediction),
      fromFile.rows.map(r => r.prediction)
    );
    const table = predictionDisplay(predicted, { model: { name: 'tg-ridge', version: null } });
    assert.deepEqual(
      table.payload.items.map(i => i.name),
      ['glycerol', 'DMSO']
    );
    // Each item carries the row's novelty and domain, the payload the model's threshold.
    assert.deepEqual(
      table.payload.items.map(i => [i.novelty, i.inDomain]),
      predicted.rows.map(r => [r.novelty, r.novelty === null ? null : r.inDomain])
    );
    assert.equal(
      table.payload.domainThreshold,
      predicted.model.conformal.adaptive?.domainThreshold ?? null
    );
    const plot = shown.plots[0].bundle();
    assert.deepEqual(
      Object.keys(plot).sort(),
      [VEGA_LITE_MIME, 'image/svg+xml', 'text/plain'].sort()
    );
  });
});

describe('display() and Symbol.for("Jupyter.display")', () => {
  it('every display object gives its bundle through the symbol Deno calls', async () => {
    const shown = tableDisplay([{ a: 1 }]);
    const viaSymbol = (shown as unknown as Record<symbol, () => MimeBundle>)[
      Symbol.for('Jupyter.display')
    ]();
    assert.deepEqual(viaSymbol, shown.bundle());
    assert.equal(JUPYTER_DISPLAY, Symbol.for('Jupyter.display'));
    // tslab console.logs a cell's last value: it prints as the short text.
    assert.equal(inspect(shown), shown.bundle()['text/plain']);
  });

  it('picks the builder by shape', async () => {
    assert.ok(DISPLAY_MIME.molecule in (await display('OCC(O)CO')));
    assert.ok(DISPLAY_MIME.molecules in (await show(['OCC(O)CO', 'CCO'])));
    assert.ok(DISPLAY_MIME.table in (await display([{ a: 1, b: 'x' }])));
    assert.ok(DISPLAY_MIME.mixture in (await display(await parseMixtureText('DMSO: 10 % w/w'))));
    const spec = {
      $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
      data: { values: [{ a: 1 }] },
      mark: 'point',
      encoding: { x: { field: 'a', type: 'quantitative' } }
    };
    const plot = await display(spec);
    assert.match(plot['image/svg+xml'] as string, /^<svg/);
    await assert.rejects(display({ nothing: 1 } as never), { code: 'not_displayable' });
  });
});
