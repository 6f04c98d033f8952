import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { before, describe, it } from 'node:test';
import { describeTrainedModel, type SavedModel } from '../models/artifact';
import { candidateName } from '../models/pipeline';
import { trainFromCsvText, type TrainResult } from '../models/training';
import { modelReportHtml } from './document';
import { formatLevel, formatNumber } from './format';
import { modelReportDisplay } from './model-report';
import { DISPLAY_MIME, PAYLOAD_SCHEMAS, type ModelReportPayload } from './payloads';

// The shared Tg data set (data/science-data, source and licence beside it): the first 48 rows,
// enough for 4 folds with out-of-fold and adaptive intervals, few enough for a quick search.
const TG = resolve(__dirname, '..', '..', '..', 'data', 'science-data', 'tg_pure_compounds.csv');
const ROWS = 48;

const csv = () =>
  readFileSync(TG, 'utf8')
    .split('\n')
    .slice(0, ROWS + 1)
    .join('\n');

/** Every surface of a report: the payload as the extension gets it, the text and the HTML. */
async function surfaces(
  input: TrainResult | SavedModel,
  options: Parameters<typeof modelReportDisplay>[1] = {}
): Promise<{ payload: ModelReportPayload; text: string; html: string }> {
  const shown = await modelReportDisplay(input, options);
  const bundle = shown.bundle();
  const parsed = PAYLOAD_SCHEMAS[DISPLAY_MIME.modelReport].safeParse(
    bundle[DISPLAY_MIME.modelReport]
  );
  assert.ok(parsed.success, parsed.success ? '' : parsed.error.message);
  return {
    payload: parsed.data,
    text: bundle['text/plain'] as string,
    html: bundle['text/html'] as string
  };
}

/** The HTML's text as a reader sees it: tags gone, entities read, spaces collapsed. */
function readable(html: string): string {
  return html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
}

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

describe('model report of a learner chosen automatically', () => {
  let auto: TrainResult;
  before(async () => {
    auto = await trainFromCsvText(csv(), {
      target: 'Tg (K)',
      smilesColumn: 'SMILES',
      folds: 4,
      seed: 3,
      featurizer: { descriptors: true, morgan: { radius: 2, nBits: 256 } }
    });
  });

  it('says what was chosen, why, among which candidates, and that the metrics are nested', async () => {
    const search = auto.model.search!;
    assert.ok(search, 'auto chose among candidates');
    const { payload, text, html } = await surfaces(auto);
    const selection = payload.selection!;
    assert.equal(selection.kind, 'auto');
    assert.match(selection.summary, /^Chosen automatically: .+ on /);
    // The why sentence as training wrote it, candidates named in words rather than JSON.
    assert.ok(selection.why !== null && !selection.why.includes('{'), selection.why ?? '');
    assert.match(selection.why!, /inner loops chose it in \d of 4 outer folds/);
    // Best first, one chosen: the search's choice, with the RMSE training computed.
    const rmses = selection.candidates.map(c => c.rmse!);
    assert.deepEqual(
      rmses,
      [...search.candidates.map(c => c.rmse)].sort((a, b) => a - b)
    );
    assert.equal(selection.candidates.filter(c => c.chosen).length, 1);
    const chosen = search.candidates.find(
      c => candidateName(c) === candidateName(search.chosenLearner)
    )!;
    assert.equal(selection.candidates.find(c => c.chosen)!.rmse, chosen.rmse);
    // Each outer fold's inner loop chose one candidate.
    assert.equal(
      selection.candidates.reduce((sum, c) => sum + c.innerChoices!, 0),
      4
    );
    assert.equal(
      selection.candidates.find(c => c.chosen)!.innerChoices,
      search.nested.choices.filter(c => c.chosen === candidateName(search.chosenLearner)).length
    );
    // The headline metrics are the nested estimate, with its bootstrap intervals; no second,
    // interval-less "nested" row and no word of optimism.
    const rmse = payload.metrics.find(m => m.name === 'RMSE')!;
    assert.equal(rmse.value, search.nested.rmse);
    assert.equal(rmse.lower, auto.model.validation.metrics.rmse.lower);
    assert.ok(rmse.lower !== null && rmse.upper !== null && rmse.lower < rmse.upper);
    assert.ok(payload.metrics.every(m => !m.name.startsWith('nested')));
    assert.match(
      payload.validation.scheme,
      /^4-fold nested cross-validation \(3-fold inner loops\)/
    );
    const page = readable(html);
    for (const surface of [text, page]) {
      assert.ok(surface.includes(selection.summary), 'summary');
      assert.ok(surface.includes(selection.why!), 'why');
      assert.equal(surface.match(/Nested cross-validation: the choice made again/g)?.length, 1);
      assert.doesNotMatch(surface, /optimistic/);
      assert.ok(surface.includes(formatNumber(chosen.rmse, 4)), 'the chosen RMSE to 4 figures');
    }
    assert.match(page, /Candidates, by RMSE .* cross-validated RMSE \(K\)/);
    assert.match(page, /\(chosen\) .* \d of 4 folds/);
    assert.match(page, /Nested cross-validation metrics/);
  });

  it('shows constant against adaptive intervals, by novelty, and the applicability domain', async () => {
    const comparison = auto.model.intervals!;
    const adaptive = auto.model.conformal.adaptive!;
    assert.ok(comparison && adaptive, 'the folds are large enough for adaptive intervals');
    const { payload, text, html } = await surfaces(auto);
    const intervals = payload.intervals!;
    assert.equal(intervals.overall!.adaptive.coverage, comparison.adaptive.coverage);
    assert.equal(intervals.overall!.constant!.meanWidth, comparison.constant.meanWidth);
    assert.deepEqual(
      intervals.byNovelty.map(g => [g.group, g.count, g.adaptive.meanWidth]),
      comparison.byNovelty.map(g => [g.group, g.count, g.adaptive.meanWidth])
    );
    assert.equal(intervals.domain.threshold, adaptive.domainThreshold);
    const page = readable(html);
    assert.match(page, /Prediction intervals The 90 %/);
    for (const surface of [text, page]) {
      assert.match(
        surface,
        /prediction intervals adapt to each molecule: wider the farther it is from the training rows/
      );
      assert.match(
        surface,
        new RegExp(
          `outside when d > ${formatNumber(adaptive.domainThreshold, 3).replace('.', '\\.')}, farther from the training rows than 99 % of the held-out molecules`
        )
      );
      for (const g of comparison.byNovelty) {
        assert.ok(surface.includes(g.group), g.group);
        assert.ok(surface.includes(formatNumber(g.adaptive.meanWidth, 3)), 'adaptive width');
        assert.ok(surface.includes(formatNumber(g.constant.meanWidth, 3)), 'constant width');
        assert.ok(surface.includes(formatLevel(g.adaptive.coverage)), 'adaptive coverage');
      }
    }
    assert.match(page, /mean width \(K\)/);
    // The intervals section says the coverage; the single line of older reports goes.
    assert.doesNotMatch(page, /Observed coverage of the 90 % out-of-fold intervals/);
  });

  it('a saved model keeps the choice (without the per-fold choices) and the adaptive coverage', async () => {
    const saved = await describeTrainedModel(auto);
    const { payload, html } = await surfaces(saved);
    const fresh = (await surfaces(auto)).payload;
    assert.equal(payload.selection!.summary, fresh.selection!.summary);
    assert.equal(payload.selection!.why, fresh.selection!.why);
    assert.deepEqual(
      payload.selection!.candidates.map(c => [c.learner, c.rmse, c.chosen, c.innerChoices]),
      fresh.selection!.candidates.map(c => [c.learner, c.rmse, c.chosen, null])
    );
    assert.deepEqual(payload.metrics, fresh.metrics);
    // model.json has no constant-width comparison: the coverage in a sentence, where to find it.
    assert.equal(payload.intervals!.overall!.constant, null);
    assert.deepEqual(payload.intervals!.byNovelty, []);
    const page = readable(html);
    assert.match(
      page,
      new RegExp(
        `Out-of-fold coverage of the 90 % adaptive intervals: ${formatLevel(saved.coverage!.coverage)} of ${ROWS} held-out molecules, mean width ${formatNumber(saved.coverage!.meanWidth, 3)} K\\.`
      )
    );
    assert.match(page, /nor the comparison of its intervals with constant-width ones/);
    assert.doesNotMatch(page, /chosen by inner loops/);
    // report.json's comparison, when given, restores the table.
    const withTable = await surfaces(saved, { intervals: auto.model.intervals });
    assert.deepEqual(withTable.payload.intervals, fresh.intervals);
    const report = await modelReportHtml(saved, { intervals: auto.model.intervals });
    assert.match(readable(report), /farthest third/);
  });
});

describe('model report without a choice or adaptive intervals', () => {
  let ridge: TrainResult;
  before(async () => {
    ridge = await trainFromCsvText(csv(), {
      target: 'Tg (K)',
      smilesColumn: 'SMILES',
      learner: 'ridge',
      learnerParams: { alpha: 10 },
      folds: 4,
      seed: 7,
      featurizer: { descriptors: true, morgan: null }
    });
  });

  it('a named learner: no learner section, out-of-fold metrics as before', async () => {
    const { payload, text, html } = await surfaces(ridge);
    assert.equal(payload.selection, undefined);
    assert.match(payload.validation.scheme, /^4-fold cross-validation grouped/);
    for (const surface of [text, readable(html)]) {
      assert.doesNotMatch(surface, /Chosen automatically|Nested cross-validation|Candidates/);
    }
    assert.match(html, /Out-of-fold metrics/);
  });

  it('a model saved before adaptive intervals: no intervals section, the coverage line', async () => {
    const saved = clone(await describeTrainedModel(ridge));
    delete saved.conformal.adaptive;
    saved.conformal.method = 'split conformal on out-of-fold absolute residuals (Lei et al. 2018)';
    const { payload, text, html } = await surfaces(saved, { intervals: ridge.model.intervals });
    assert.equal(payload.intervals, undefined);
    for (const surface of [text, readable(html)]) {
      assert.doesNotMatch(surface, /Prediction intervals:? .*adapt|Applicability domain/);
    }
    assert.match(text, /coverage of 90 % intervals: /);
  });

  it('a model saved before this change with a search grid keeps its note and nested rows', async () => {
    const saved = clone(await describeTrainedModel(ridge));
    saved.search = {
      grid: { alpha: [1, 10] },
      chosen: { alpha: 10 },
      nested: { mae: 30.5, rmse: 40.25, r2: 0.5, innerFolds: 3 }
    };
    const { payload, text, html } = await surfaces(saved);
    assert.equal(payload.selection, undefined);
    assert.deepEqual(
      payload.metrics.filter(m => m.name.startsWith('nested')).map(m => [m.name, m.value]),
      [
        ['nested MAE', 30.5],
        ['nested RMSE', 40.25],
        ['nested R²', 0.5]
      ]
    );
    assert.ok(
      payload.notes.includes(
        'A hyperparameter search chose {"alpha":10}: the cross-validated metrics score the chosen parameters on the folds that chose them (optimistic); the nested cross-validation metrics (3 inner folds) are the estimate to report.'
      )
    );
    assert.match(text, /nested RMSE\s+40\.3/);
    assert.doesNotMatch(readable(html), /Chosen automatically|Nested cross-validation:/);
  });

  it('a search grid of this kernel: the search wording, nested metrics, no optimism', async () => {
    const grid = await trainFromCsvText(csv(), {
      target: 'Tg (K)',
      smilesColumn: 'SMILES',
      learner: 'ridge',
      search: { alpha: [1, 100] },
      folds: 4,
      seed: 7,
      featurizer: { descriptors: true, morgan: null }
    });
    for (const input of [grid, await describeTrainedModel(grid)]) {
      const { payload, html } = await surfaces(input);
      const selection = payload.selection!;
      assert.equal(selection.kind, 'grid');
      assert.equal(
        selection.summary,
        `A hyperparameter search chose ${JSON.stringify(grid.model.search!.chosen)}: ridge regression (α = ${grid.model.search!.chosen.alpha as number}) on descriptors`
      );
      assert.deepEqual(selection.candidates.map(c => c.learner).sort(), [
        'ridge regression (α = 1)',
        'ridge regression (α = 100)'
      ]);
      assert.equal(
        payload.metrics.find(m => m.name === 'MAE')!.value,
        grid.model.search!.nested.mae
      );
      assert.doesNotMatch(html, /optimistic|Chosen automatically/);
      assert.match(readable(html), /Nested cross-validation: the choice made again/);
    }
  });
});
