import { expect, type IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import type { Locator } from '@playwright/test';
import { acceptKernel, expectNoPageErrors, watchErrors } from './kernel';

// The tutorials, run in a real JupyterLab with the tslab kernel, the way a researcher meets them:
// open, run all, then check that every output the notebook's code displays is drawn by its
// CryoProtect renderer (structures, grids, mixtures, predictions, model reports, tables) or by
// JupyterLab's Vega renderer (plots), with no error anywhere. The server's root is a scratch copy
// of the repository's notebooks (tests/ui.test.mjs), so nothing here writes to the repository.

/** The vendor MIME types of kernel-lib/src/display/payloads.ts (DISPLAY_MIME) and Vega-Lite's. */
const MIME = {
  molecule: 'application/vnd.cryoprotect.molecule.v1+json',
  molecules: 'application/vnd.cryoprotect.molecules.v1+json',
  mixture: 'application/vnd.cryoprotect.mixture.v1+json',
  prediction: 'application/vnd.cryoprotect.prediction.v1+json',
  modelReport: 'application/vnd.cryoprotect.model-report.v1+json',
  table: 'application/vnd.cryoprotect.table.v1+json',
  vegaLite: 'application/vnd.vegalite.v5+json'
} as const;
type Kind = keyof typeof MIME;
const KINDS = Object.keys(MIME) as Kind[];

/**
 * The output element each renderer draws. Ours are not RenderedCommon widgets, so JupyterLab gives
 * them no data-mime-type; each carries jp-cryoprotect-Output-<kind> and its factory handles exactly
 * one vendor type (extension/src/display/factories.ts). The plot is JupyterLab's Vega 5 renderer.
 */
const OUTPUT: Record<Kind, string> = {
  molecule: '.jp-OutputArea-output.jp-cryoprotect-Output-molecule',
  molecules: '.jp-OutputArea-output.jp-cryoprotect-Output-molecules',
  mixture: '.jp-OutputArea-output.jp-cryoprotect-Output-mixture',
  prediction: '.jp-OutputArea-output.jp-cryoprotect-Output-prediction',
  modelReport: '.jp-OutputArea-output.jp-cryoprotect-Output-modelReport',
  table: '.jp-OutputArea-output.jp-cryoprotect-Output-table',
  vegaLite: '.jp-OutputArea-output.jp-RenderedVegaCommon5'
};

/** What one tutorial displays, read from its code cells (the cell index is given with each). */
interface ITutorial {
  /** Outputs of each kind: one per tslabDisplay(...) call. */
  counts: Record<Kind, number>;
  /** Cards on the first page of each molecule grid, and its summary (24 per page). */
  grids: { cards: number; summary: string; title: string }[];
  /** Titles of the molecule outputs. */
  molecules: string[];
  /** Mixtures: their title and components (water, the balance, is always the last row). */
  mixtures: { title: string; components: string[] }[];
  /** Body rows of each table; null where the data, not the code, decide. */
  tableRows: (number | null)[];
  /** Rows of each prediction. */
  predictionRows: number[];
  /** Plots inside each model report. */
  reportPlots: number[];
  /** Outputs that are plain text/html on purpose (tslab.display.html). */
  html: number;
}

const NONE: Record<Kind, number> = {
  molecule: 0,
  molecules: 0,
  mixture: 0,
  prediction: 0,
  modelReport: 0,
  table: 0,
  vegaLite: 0
};

const TUTORIALS: Record<string, ITutorial> = {
  '01-tutorial.ipynb': {
    // [3] moleculesDisplay of the reference set; [5] moleculeDisplay + tableDisplay (identity);
    // [7] tableDisplay (glycerol's Tg); [9] tableDisplay (densities).
    counts: { ...NONE, molecules: 1, molecule: 1, table: 3 },
    grids: [
      {
        cards: 24,
        summary: '1–24 of 25 molecules',
        title: '25 reference cryoprotectants (structures and properties computed by RDKit)'
      }
    ],
    molecules: ['dimethyl sulfoxide'],
    mixtures: [],
    // [5] seven identity fields; [7] one row per published Tg of glycerol; [9] four liquids.
    tableRows: [7, null, 4],
    predictionRows: [],
    reportPlots: [],
    html: 0
  },
  '02-structures-and-mixtures.ipynb': {
    // [3] moleculesDisplay (input and parent); [7] moleculeDisplay (hydroxyls highlighted) +
    // tableDisplay (descriptors); [9] mixtureDisplay; [11] mixtureDisplay + tableDisplay (Tg
    // estimates).
    counts: { ...NONE, molecules: 1, molecule: 1, mixture: 2, table: 2 },
    grids: [
      {
        cards: 2,
        summary: '1–2 of 2 molecules',
        title: 'Registration form of L-alanine hydrochloride'
      }
    ],
    molecules: ['glycerol'],
    mixtures: [
      { title: '40 % w/w glycerol', components: ['glycerol'] },
      { title: 'maximally freeze-concentrated glycerol (76 % w/w)', components: ['glycerol'] }
    ],
    // [7] five descriptors; [11] Gordon–Taylor, Fox, measured.
    tableRows: [5, 3],
    predictionRows: [],
    reportPlots: [],
    html: 0
  },
  '03-models.ipynb': {
    // [4] tableDisplay (metrics); [6] modelReportDisplay; [8] tableDisplay (rejected rows) +
    // tableDisplay (metrics) + plotDisplay (importance); [10] modelReportDisplay (auto);
    // [12] predictionDisplay + moleculesDisplay.
    counts: { ...NONE, table: 3, modelReport: 2, vegaLite: 1, prediction: 1, molecules: 1 },
    grids: [
      {
        cards: 3,
        summary: '1–3 of 3 molecules',
        title: 'Predicted against published Tg (published values with their sources in tutorial 1)'
      }
    ],
    molecules: [],
    mixtures: [],
    // [4] two models; [8] the first (up to) five rejected rows, then two models.
    tableRows: [2, null, 2],
    // [10] glycerol, ethylene glycol, DMSO.
    predictionRows: [3],
    // kernel-lib trainingPlotSpecs: predicted vs measured, residuals, learning curve, importance
    // (permutation importance is on by default) and coverage (the 90 % conformal intervals).
    reportPlots: [5, 5],
    // The training progress of each trainFromCsv (five), drawn by its HTML: "training finished ...".
    html: 5
  }
};

/**
 * The tutorials also run on the dark theme: those with structures (a grid, single molecules, the
 * mixtures). 03 is left out: its structures are one grid of three, and training its models takes
 * about a minute of the kernel's time each run.
 */
const DARK = ['01-tutorial.ipynb', '02-structures-and-mixtures.ipynb'];

test.describe('tutorials', () => {
  test.beforeEach(({ page }) => watchErrors(page));
  test.afterEach(({ page }) => expectNoPageErrors(page));

  for (const [name, expected] of Object.entries(TUTORIALS)) {
    test(`${name} runs and every output is drawn by its renderer`, async ({ page }) => {
      await Private.runTutorial(page, name);
      const depictions = await Private.expectRendered(page, expected);
      // The light theme draws RDKit's black carbon skeleton (water alone has no bond).
      expect(depictions.some(svg => /stroke:#000000/i.test(svg))).toBe(true);
      await Private.screenshotWholeNotebook(page, test.info().outputPath(`${name}.png`));
    });
  }

  for (const name of DARK) {
    test(`${name} on the dark theme draws its structures in dark-theme colours`, async ({
      page
    }) => {
      await page.theme.setDarkTheme();
      try {
        expect(await page.evaluate(() => document.body.dataset.jpThemeLight)).toBe('false');
        await Private.runTutorial(page, name);
        const depictions = await Private.expectRendered(page, TUTORIALS[name]);
        // RDKit's default carbon skeleton is black (#000000); on the dark theme it is #E0E0E0.
        expect(depictions.length).toBeGreaterThan(0);
        for (const svg of depictions) {
          expect(svg).not.toMatch(/stroke:#000000/i);
        }
        expect(depictions.some(svg => /stroke:#E0E0E0/i.test(svg))).toBe(true);
        await Private.screenshotWholeNotebook(page, test.info().outputPath(`${name}-dark.png`));
      } finally {
        await page.theme.setLightTheme();
      }
      expect(await page.evaluate(() => document.body.dataset.jpThemeLight)).toBe('true');
    });
  }
});

namespace Private {
  export async function runTutorial(page: IJupyterLabPageFixture, name: string): Promise<void> {
    // Galata starts in a per-test folder; the tutorials sit in notebooks/ at the server's root.
    expect(await page.notebook.openByPath(`notebooks/${name}`)).toBe(true);
    await acceptKernel(page);
    expect(await page.notebook.run()).toBe(true);
  }

  /**
   * Every output of the tutorial, by kind, drawn by its renderer; returns the SVG text of every
   * structure depiction (molecule outputs and grid cards) for the theme checks.
   */
  export async function expectRendered(
    page: IJupyterLabPageFixture,
    expected: ITutorial
  ): Promise<string[]> {
    // No error: no stderr, traceback or renderer exception (JupyterLab shows all three as stderr).
    await expect(
      page.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
    ).toHaveCount(0);
    // The notebook model holds each vendor type in as many outputs as the code displays.
    expect(await mimeCounts(page)).toEqual(
      Object.fromEntries(KINDS.map(kind => [MIME[kind], expected.counts[kind]]))
    );
    // Each is drawn by its renderer: none fell back to the bundle's HTML or static SVG.
    for (const kind of KINDS) {
      await expect(page.locator(OUTPUT[kind]), kind).toHaveCount(expected.counts[kind]);
    }
    await expect(page.locator('.jp-OutputArea-output[data-mime-type="text/html"]')).toHaveCount(
      expected.html
    );
    await expect(page.locator('.jp-OutputArea-output[data-mime-type="image/svg+xml"]')).toHaveCount(
      0
    );
    // None shows the renderers' own error state (an invalid payload, a failed drawing).
    await expect(page.locator('.jp-cryoprotect-Output .jp-cryoprotect-Problem')).toHaveCount(0);

    const depictions: string[] = [];
    const molecules = page.locator(OUTPUT.molecule);
    for (const [i, title] of expected.molecules.entries()) {
      const molecule = molecules.nth(i);
      await molecule.scrollIntoViewIfNeeded();
      await expect(molecule.locator('.jp-cryoprotect-Title')).toHaveText(title);
      await expect(molecule.locator('.jp-cryoprotect-Smiles code')).not.toBeEmpty();
      depictions.push(await expectDrawn(molecule.locator('.jp-cryoprotect-Structure')));
    }

    const grids = page.locator(`${OUTPUT.molecules} .jp-cryoprotect-Grid`);
    await expect(grids).toHaveCount(expected.grids.length);
    for (const [i, grid] of expected.grids.entries()) {
      const host = grids.nth(i);
      await host.scrollIntoViewIfNeeded();
      await expect(host.locator('.jp-cryoprotect-Grid-header .jp-cryoprotect-Title')).toHaveText(
        grid.title
      );
      await expect(host.locator('.jp-cryoprotect-Grid-summary')).toHaveText(grid.summary);
      const cards = host.locator('.jp-cryoprotect-Grid-card');
      await expect(cards).toHaveCount(grid.cards);
      // Cards draw their structure when they scroll into view: every card on the page is drawn.
      for (let card = 0; card < grid.cards; card++) {
        depictions.push(await expectDrawn(cards.nth(card)));
      }
      await expect(host.locator('.jp-cryoprotect-DepictionError')).toHaveCount(0);
    }

    const mixtures = page.locator(OUTPUT.mixture);
    for (const [i, mixture] of expected.mixtures.entries()) {
      const output = mixtures.nth(i);
      await output.scrollIntoViewIfNeeded();
      await expect(output.locator('.jp-cryoprotect-Title')).toHaveText(mixture.title);
      const composition = output.locator('table.jp-cryoprotect-Components');
      await expect(composition).toBeVisible();
      await expect(composition.locator('caption')).toHaveText('Composition');
      await expect(composition.locator('thead th')).toHaveText([
        'Structure',
        'Component',
        'Role',
        'As given',
        'Molar mass',
        'Mass fraction (% w/w)',
        'Mole fraction',
        'Molality',
        'Molarity'
      ]);
      const rows = composition.locator('tbody tr');
      await expect(rows.locator('td:nth-child(2)')).toHaveText([...mixture.components, 'water']);
      // Every component, water too, is drawn and has a mass and a mole fraction.
      for (let row = 0; row < mixture.components.length + 1; row++) {
        const picture = rows.nth(row).locator('td').nth(0).locator('img');
        await expect(picture).toHaveAttribute('src', /^data:image\/svg\+xml/);
        await expect(rows.nth(row).locator('td').nth(5)).toHaveText(/^\d/);
        await expect(rows.nth(row).locator('td').nth(6)).toHaveText(/^\d/);
      }
    }

    const predictions = page.locator(OUTPUT.prediction);
    for (const [i, count] of expected.predictionRows.entries()) {
      const output = predictions.nth(i);
      await output.scrollIntoViewIfNeeded();
      await expect(output.locator('.jp-cryoprotect-Title')).toHaveText(/^Predicted /);
      const rows = output.locator('table.jp-cryoprotect-Predictions tbody tr');
      await expect(rows).toHaveCount(count);
      for (let row = 0; row < count; row++) {
        const cells = rows.nth(row).locator('td');
        await expect(cells.nth(1)).not.toHaveText('—');
        // The value, and its interval around it: [lower, upper].
        await expect(cells.nth(2)).toHaveText(/^[-−]?\d[\d.,]*$/);
        await expect(cells.nth(3)).toHaveText(/^\[[-−]?\d[\d.,]*, [-−]?\d[\d.,]*\]$/);
        const value = parseNumber(await cells.nth(2).textContent());
        const [lower, upper] = ((await cells.nth(3).textContent()) ?? '')
          .slice(1, -1)
          .split(', ')
          .map(text => parseNumber(text));
        expect(lower).toBeLessThanOrEqual(value);
        expect(value).toBeLessThanOrEqual(upper);
      }
      await expect(output).toContainText('prediction intervals (nominal coverage)');
    }

    const reports = page.locator(OUTPUT.modelReport);
    for (const [i, plots] of expected.reportPlots.entries()) {
      const output = reports.nth(i);
      await output.scrollIntoViewIfNeeded();
      await expect(output.locator('.jp-cryoprotect-Title')).toHaveText(/^Model report: /);
      await expect(output.locator('table.jp-cryoprotect-Metrics tbody tr')).not.toHaveCount(0);
      // Each plot titled once, by Vega inside the plot, not again by a heading above it.
      await expect(output.locator('.jp-cryoprotect-PlotTitle')).toHaveCount(0);
      // Drawn by JupyterLab's Vega renderer, not the report's table fallback.
      await expect(output.locator('.jp-cryoprotect-PlotFallback')).toHaveCount(0);
      const drawn = output.locator('.jp-RenderedVegaCommon5');
      await expect(drawn).toHaveCount(plots);
      for (let plot = 0; plot < plots; plot++) {
        await expectPlot(drawn.nth(plot));
      }
    }

    const plots = page.locator(OUTPUT.vegaLite);
    for (let plot = 0; plot < expected.counts.vegaLite; plot++) {
      await expectPlot(plots.nth(plot));
    }

    const tables = page.locator(OUTPUT.table);
    for (const [i, count] of expected.tableRows.entries()) {
      const table = tables.nth(i).locator('table.jp-cryoprotect-DataTable');
      await expect(table.locator('thead th')).not.toHaveCount(0);
      if (count !== null) {
        await expect(table.locator('tbody tr')).toHaveCount(count);
      }
    }
    return depictions;
  }

  /** How many outputs of the open notebook's model carry each MIME type of MIME. */
  async function mimeCounts(page: IJupyterLabPageFixture): Promise<Record<string, number>> {
    return page.evaluate(types => {
      interface IOutputs {
        length: number;
        get(index: number): { data: Record<string, unknown> };
      }
      interface IPanel {
        content: { model: { cells: Iterable<{ outputs?: IOutputs }> } };
      }
      const panel = window.jupyterapp.shell.currentWidget as unknown as IPanel;
      const counts: Record<string, number> = Object.fromEntries(types.map(type => [type, 0]));
      for (const cell of panel.content.model.cells) {
        for (let i = 0; i < (cell.outputs?.length ?? 0); i++) {
          for (const type of Object.keys(cell.outputs!.get(i).data)) {
            if (type in counts) {
              counts[type]++;
            }
          }
        }
      }
      return counts;
    }, Object.values(MIME));
  }

  /**
   * A structure host (grid cards draw theirs when they scroll into view, so it is scrolled there
   * first) holding an <img> of RDKit's SVG that has loaded and has a size; returns the SVG text.
   */
  async function expectDrawn(host: Locator): Promise<string> {
    await host.scrollIntoViewIfNeeded();
    const image = host.locator('img').first();
    await expect(image).toBeVisible();
    await expect(image).toHaveAttribute('src', /^data:image\/svg\+xml/);
    await expect
      .poll(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth))
      .toBeGreaterThan(0);
    const src = (await image.getAttribute('src')) ?? '';
    const svg = decodeURIComponent(src.replace(/^data:image\/svg\+xml;charset=utf-8,/, ''));
    // RDKit's depiction: an SVG document with its drawing class and the bonds as paths.
    expect(svg).toMatch(/<svg[\s\S]*<path[\s\S]*<\/svg>/);
    expect(svg).toMatch(/class=['"](bond|atom)-\d+/);
    return svg;
  }

  /** A Vega output drawn on a canvas (vega-embed's default) or as SVG, with a size. */
  async function expectPlot(plot: Locator): Promise<void> {
    await plot.scrollIntoViewIfNeeded();
    const drawing = plot.locator('canvas, svg.marks').first();
    await expect(drawing).toBeVisible();
    await expect.poll(async () => (await drawing.boundingBox())?.width ?? 0).toBeGreaterThan(100);
  }

  function parseNumber(text: string | null): number {
    return Number((text ?? '').replace(/,/g, '').replace('−', '-'));
  }

  /**
   * The whole notebook in one picture: JupyterLab scrolls the notebook inside its own panel, so a
   * full-page screenshot holds only the viewport; the viewport is made as tall as the notebook
   * (within limits) for the picture, then restored.
   */
  export async function screenshotWholeNotebook(
    page: IJupyterLabPageFixture,
    path: string
  ): Promise<void> {
    const viewport = page.viewportSize();
    // The notebook's scrolling element (JupyterLab 4's windowed list).
    const panel = page.locator('.jp-NotebookPanel-notebook .jp-WindowedPanel-outer').first();
    const { scrollHeight, clientHeight } = await panel.evaluate(node => ({
      scrollHeight: node.scrollHeight,
      clientHeight: node.clientHeight
    }));
    await page.mouse.move(0, 0);
    if (viewport) {
      const height = Math.min(viewport.height + scrollHeight - clientHeight + 40, 12_000);
      await page.setViewportSize({ width: viewport.width, height });
    }
    try {
      await panel.evaluate(node => node.scrollTo(0, 0));
      // Grid cards brought into view by the taller viewport draw themselves; let them settle.
      await page.waitForTimeout(500);
      await page.screenshot({ path, fullPage: true });
    } finally {
      if (viewport) {
        await page.setViewportSize(viewport);
      }
    }
  }
}
