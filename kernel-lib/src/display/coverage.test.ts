import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import type { ModelCoverage } from '../api/models';
import { parseSavedModel } from '../models/artifact';
import {
  clopperPearson,
  realCoverage,
  realCoverageByMonth,
  type VerifiedResult
} from '../models/validation';
import { coverageDisplay, type CoverageResultInput } from './coverage';
import { DisplayError } from './errors';
import { modelReportDisplay } from './model-report';
import { DISPLAY_MIME, PAYLOAD_SCHEMAS } from './payloads';
import { display } from './show';
import { coverageVerdict } from './verdict';

const HOSTILE = '<img src=x onerror=alert(1)>';
const MODEL_JSON = resolve(
  __dirname,
  '..',
  '..',
  'src',
  'node',
  'fixtures',
  'model-0.1.0-9c39d6d',
  'model.json'
);

/**
 * `n` results with 90 % intervals of ±10 around 200, `inside` of them measured inside, spread over
 * the months given (round robin). Made up for the tests: not lab data.
 */
function results(n: number, inside: number, months: string[]): CoverageResultInput[] {
  return Array.from({ length: n }, (_, i) => ({
    subjectName: `compound ${i + 1}`,
    predicted: 200,
    lower: 190,
    upper: 210,
    level: 0.9,
    measured: i < inside ? 200 + (i % 5) : 230 + i,
    verifiedAt: `${months[i % months.length]}-15T12:00:00Z`,
    verificationId: null
  }));
}

/** The server's answer for these results, computed as the server does. */
function serverCoverage(list: CoverageResultInput[], confidence = 0.95): ModelCoverage {
  return {
    modelVersionId: '00000000-0000-4000-8000-0000000000aa',
    name: 'tg-extra-trees',
    version: 2,
    targetPropertyType: 'glass_transition',
    unit: 'K',
    confidence,
    overall: realCoverage(list, { confidence }),
    byMonth: realCoverageByMonth(list, { confidence }),
    results: list.map((r, i) => ({
      verificationId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      predictionId: '00000000-0000-4000-8000-0000000000bb',
      measurementId: '00000000-0000-4000-8000-0000000000cc',
      moleculeId: null,
      mixtureId: null,
      subjectName: r.subjectName ?? null,
      predicted: r.predicted,
      lower: r.lower,
      upper: r.upper,
      level: r.level,
      measured: r.measured,
      verifiedAt: r.verifiedAt
    }))
  };
}

/** No script, no element from user text: names arrive escaped. */
function checkStatic(html: string): void {
  assert.doesNotMatch(html, /<script|<img|<iframe/i);
  assert.doesNotMatch(html, /<[^>]*\son\w+=/i);
}

describe('coverage display', () => {
  it('from verified results: the figures of realCoverage, by month, a plot against the promise, static fallbacks', async () => {
    const list = results(12, 11, ['2026-10', '2026-11', '2026-12']);
    const shown = await coverageDisplay({
      name: 'tg',
      version: 1,
      unit: 'K',
      property: 'Tg',
      results: list
    });
    const bundle = shown.bundle();
    assert.deepEqual(
      Object.keys(bundle).sort(),
      [DISPLAY_MIME.coverage, 'text/html', 'text/plain'].sort()
    );
    assert.ok(
      PAYLOAD_SCHEMAS[DISPLAY_MIME.coverage].safeParse(bundle[DISPLAY_MIME.coverage]).success
    );
    const p = shown.payload;
    const expected = realCoverage(list);
    assert.equal(p.overall.covered, 11);
    assert.equal(p.overall.withInterval, 12);
    assert.deepEqual(p.overall.coverageInterval, clopperPearson(11, 12, 0.95));
    assert.equal(p.overall.mae, expected.mae);
    assert.equal(p.overall.promisedLevel, 0.9);
    assert.equal(p.overall.belowPromise, false);
    assert.deepEqual(
      p.byMonth.map(m => [m.month, m.count]),
      [
        ['2026-10', 4],
        ['2026-11', 8],
        ['2026-12', 12]
      ]
    );
    // Results oldest first, each saying whether it fell inside.
    assert.equal(p.results.length, 12);
    assert.ok(p.results.every((r, i) => i === 0 || r.verifiedAt >= p.results[i - 1].verifiedAt));
    assert.equal(p.results.filter(r => r.inside === false).length, 1);
    assert.deepEqual(p.property, { name: 'Tg', unit: 'K' });
    // The plot: a point per month with its band, the promise as a dashed rule at 0.9.
    assert.ok(shown.plot !== null && shown.plot.svg.startsWith('<svg'));
    const spec = p.plot!.spec as { data: { values: { month: string }[] }; layer: object[] };
    assert.deepEqual(
      spec.data.values.map(v => v.month),
      ['2026-10', '2026-11', '2026-12']
    );
    assert.ok(
      JSON.stringify(spec.layer).includes('"strokeDash":[6,4]') &&
        JSON.stringify(spec.layer).includes('"datum":0.9')
    );
    const html = bundle['text/html'] as string;
    checkStatic(html);
    assert.equal((html.match(/<svg/g) ?? []).length, 1);
    assert.match(html, /Real coverage of tg@1/);
    assert.match(html, /11 of 12 measured values inside their predicted intervals \(91\.7 %\)/);
    assert.match(html, /Clopper–Pearson/);
    assert.doesNotMatch(html, /Below its promise/);
    assert.match(bundle['text/plain'], /^Real coverage of tg@1: Tg \(K\), 12 verified results/);
    assert.match(bundle['text/plain'], /consistent with the promised 90 %/);
    assert.match(bundle['text/plain'], /2026-12 +12 +11 \/ 12/);
  });

  it('flags a version whose intervals are too narrow with confidence, and says so in every representation', async () => {
    // 12 of 30 inside 90 % intervals: the 95 % upper bound is about 59 %.
    const list = results(30, 12, ['2026-11', '2026-12']);
    const shown = await coverageDisplay({ name: 'tg', version: 3, unit: 'K', results: list });
    assert.equal(shown.payload.overall.belowPromise, true);
    assert.ok(shown.payload.overall.coverageInterval!.upper < 0.9);
    assert.equal(shown.payload.byMonth.at(-1)!.belowPromise, true);
    const html = shown.bundle()['text/html'] as string;
    assert.match(html, /border-left:4px solid #d62728/);
    assert.match(html, /Below its promise/);
    assert.match(html, /below promise/);
    assert.match(shown.bundle()['text/plain'], /Below its promise: 12 of 30/);
    assert.equal(coverageVerdict(shown.payload.overall).status, 'below');
  });

  it("from the server's answer: its figures as they are; another confidence recomputes from its results", async () => {
    const list = results(8, 6, ['2026-12']);
    const answer = serverCoverage(list);
    const shown = await coverageDisplay(answer);
    assert.deepEqual(shown.payload.overall, answer.overall);
    assert.deepEqual(shown.payload.model, { name: 'tg-extra-trees', version: 2 });
    assert.deepEqual(shown.payload.property, { name: 'glass transition', unit: 'K' });
    assert.equal(shown.payload.results[0].verificationId, answer.results[0].verificationId);
    assert.equal(shown.payload.results[0].subject, 'compound 1');
    const wider = await coverageDisplay(answer, { confidence: 0.99 });
    assert.equal(wider.payload.confidence, 0.99);
    assert.deepEqual(wider.payload.overall.coverageInterval, clopperPearson(6, 8, 0.99));
    // display() knows the server's answer by its shape.
    const bundle = await display(answer);
    assert.ok(DISPLAY_MIME.coverage in bundle);
  });

  it('before any verified result: says so, no plot, no table', async () => {
    const shown = await coverageDisplay({ name: 'tg', version: 1, unit: 'K', results: [] });
    assert.equal(shown.payload.overall.count, 0);
    assert.equal(shown.payload.plot, null);
    assert.equal(shown.plot, null);
    const html = shown.bundle()['text/html'] as string;
    assert.match(html, /No verified results yet\./);
    assert.doesNotMatch(html, /<svg|<table/);
    assert.match(shown.bundle()['text/plain'], /No verified results yet\./);
  });

  it('results without intervals count in the errors only; mixed levels are not pooled nor flagged', async () => {
    const bare: VerifiedResult = {
      predicted: 150,
      lower: null,
      upper: null,
      level: null,
      measured: 160,
      verifiedAt: '2026-12-01T00:00:00Z'
    };
    const only = await coverageDisplay({ name: 'tg', version: 1, unit: 'K', results: [bare] });
    assert.equal(only.payload.plot, null);
    assert.match(
      only.bundle()['text/plain'],
      /None of the 1 verified predictions came with an interval/
    );
    const mixed = [
      ...results(25, 5, ['2026-12']),
      ...results(5, 5, ['2026-12']).map(r => ({ ...r, level: 0.8 })),
      bare
    ];
    const shown = await coverageDisplay({ name: 'tg', version: 1, unit: 'K', results: mixed });
    assert.equal(shown.payload.overall.promisedLevel, null);
    assert.equal(shown.payload.overall.belowPromise, false);
    assert.ok(shown.payload.notes.some(n => /different levels/.test(n)));
    assert.ok(shown.payload.notes.some(n => /1 verified result had no interval/.test(n)));
    assert.ok(!JSON.stringify(shown.payload.plot!.spec).includes('strokeDash'));
  });

  it('keeps `limit` results and counts the rest; escapes names', async () => {
    const list = results(5, 5, ['2026-12']).map(r => ({ ...r, subjectName: HOSTILE }));
    const shown = await coverageDisplay(
      { name: 'tg', version: 1, unit: 'K', results: list },
      { limit: 2 }
    );
    assert.equal(shown.payload.results.length, 2);
    assert.equal(shown.payload.totalResults, 5);
    assert.equal(shown.payload.overall.count, 5);
    const html = shown.bundle()['text/html'] as string;
    checkStatic(html);
    assert.ok(html.includes('&lt;img src=x onerror=alert(1)&gt;'));
    assert.match(html, /2 of 5 rows shown/);
  });

  it('refuses bad input naming the field', async () => {
    await assert.rejects(
      coverageDisplay({ name: 'tg', version: 1, unit: 'K' } as never),
      (e: unknown) =>
        e instanceof DisplayError && e.code === 'invalid_input' && e.field === 'coverage'
    );
    await assert.rejects(
      coverageDisplay({
        name: 'tg',
        version: 1,
        unit: 'K',
        results: [{ ...results(1, 1, ['2026-12'])[0], measured: Number.NaN }]
      }),
      /results\[0\]\.measured: must be a finite number/
    );
    await assert.rejects(
      coverageDisplay({ name: 'tg', version: 1, unit: 'K', results: [] }, { limit: 0 }),
      /limit: must be a whole number/
    );
  });
});

describe('model report with real coverage', () => {
  const saved = parseSavedModel(JSON.parse(readFileSync(MODEL_JSON, 'utf8')), 'fixture');

  it('has a "Real coverage" section when given the coverage, and none when not asked', async () => {
    const answer = serverCoverage(results(10, 9, ['2026-11', '2026-12']));
    const report = await modelReportDisplay(saved, {
      model: { name: 'tg-extra-trees', version: 2 },
      coverage: answer
    });
    const parsed = PAYLOAD_SCHEMAS[DISPLAY_MIME.modelReport].safeParse(report.payload);
    assert.ok(parsed.success);
    assert.deepEqual(report.payload.realCoverage?.overall, answer.overall);
    // The report names the property its way ("Tg"), not the server's key.
    assert.equal(report.payload.realCoverage?.property.name, report.payload.property.name);
    const html = report.bundle()['text/html'] as string;
    checkStatic(html);
    assert.match(html, /<h4>Real coverage<\/h4>/);
    assert.match(html, /9 of 10 measured values inside/);
    assert.match(html, /<b>Notes on real coverage<\/b>/);
    assert.equal((html.match(/<svg/g) ?? []).length, 1);
    assert.match(report.bundle()['text/plain'], /Real coverage of tg-extra-trees@2/);

    const plain = await modelReportDisplay(saved);
    assert.equal('realCoverage' in plain.payload, false);
    assert.doesNotMatch(plain.bundle()['text/html'] as string, /Real coverage/);
  });

  it('says "no verified results yet" when asked before any', async () => {
    for (const coverage of [null, serverCoverage([])]) {
      const report = await modelReportDisplay(saved, { coverage });
      const html = report.bundle()['text/html'] as string;
      assert.match(html, /<h4>Real coverage<\/h4><p>No verified results yet/);
      assert.match(report.bundle()['text/plain'], /no verified results yet/i);
    }
  });
});
