import { expect, type IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import type { Locator } from '@playwright/test';
import * as path from 'path';
import { acceptKernel, expectNoPageErrors, watchErrors } from './kernel';

// The CryoProtect renderers in a real JupyterLab with the tslab kernel, driven the way a
// researcher uses them: ui-tests/notebooks/renderers.ipynb displays a molecule, the reference
// cryoprotectants as a grid, a mixture and a Vega-Lite plot through tslabDisplay. Each test
// uploads its own copy of that notebook into Galata's per-test folder (deleted afterwards), so the
// cell one test inserts is never seen by another and nothing is written to the repository.

const NOTEBOOK = path.resolve(__dirname, '..', 'notebooks', 'renderers.ipynb');
/**
 * The output element of each renderer: ours carry jp-cryoprotect-Output-<kind> (they are not
 * RenderedCommon widgets, so they have no data-mime-type), the plot is JupyterLab's Vega 5 one.
 */
const OUTPUT = {
  molecule: '.jp-OutputArea-output.jp-cryoprotect-Output-molecule',
  molecules: '.jp-OutputArea-output.jp-cryoprotect-Output-molecules',
  mixture: '.jp-OutputArea-output.jp-cryoprotect-Output-mixture',
  vegaLite: '.jp-OutputArea-output.jp-RenderedVegaCommon5'
};
/** The notebook's code cells, by index: imports, molecule, grid, mixture, plot. */
const GRID_CELL = 3;
const REFERENCE_COUNT = 25;

test.describe('CryoProtect renderers', () => {
  test.beforeEach(async ({ page, tmpPath }) => {
    watchErrors(page);
    expect(await page.contents.uploadFile(NOTEBOOK, `${tmpPath}/renderers.ipynb`)).toBe(true);
    expect(await page.notebook.openByPath(`${tmpPath}/renderers.ipynb`)).toBe(true);
    await acceptKernel(page);
    expect(await page.notebook.run()).toBe(true);
    await Private.expectNoErrorOutput(page);
  });

  test.afterEach(async ({ page }) => {
    expectNoPageErrors(page);
  });

  test('each output is drawn by its renderer, with its structures', async ({ page }) => {
    const molecule = Private.output(page, OUTPUT.molecule);
    await expect(molecule).toHaveCount(1);
    await expect(molecule).toBeVisible();
    await expect(molecule.locator('.jp-cryoprotect-Title')).toHaveText('Unnamed molecule');
    await expect(molecule.locator('.jp-cryoprotect-Smiles')).toContainText('OCC(O)CO');
    await Private.expectDrawn(molecule.locator('.jp-cryoprotect-Structure'));

    const grid = Private.grid(page);
    await expect(grid).toHaveCount(1);
    await expect(grid.locator('.jp-cryoprotect-Title')).toHaveText('Reference cryoprotectants');
    await expect(grid.locator('.jp-cryoprotect-Grid-summary')).toHaveText(
      `1–24 of ${REFERENCE_COUNT} molecules`
    );
    await expect(Private.cards(page)).toHaveCount(24);
    await Private.expectDrawn(Private.cards(page).first());
    await expect(grid.locator('.jp-cryoprotect-DepictionError')).toHaveCount(0);

    const mixture = Private.output(page, OUTPUT.mixture);
    await expect(mixture).toBeVisible();
    await expect(mixture.locator('.jp-cryoprotect-Title')).toBeVisible();
    await expect(mixture).toContainText('glycerol');

    // The plot keeps the Vega-Lite MIME type: JupyterLab's own Vega renderer draws it as SVG.
    const plot = Private.output(page, OUTPUT.vegaLite);
    await expect(plot).toHaveCount(1);
    // (JupyterLab's Vega renderer draws on a canvas.)
    const drawing = plot.locator('canvas, svg').first();
    await drawing.scrollIntoViewIfNeeded();
    await expect(drawing).toBeVisible();
    expect((await drawing.boundingBox())!.width).toBeGreaterThan(200);

    // Reference pictures, light theme: the molecule output and the first four cards of the grid.
    await Private.stabilize(page);
    await molecule.scrollIntoViewIfNeeded();
    await expect(molecule.locator('.jp-cryoprotect-Molecule')).toHaveScreenshot(
      'molecule-light.png'
    );
    await Private.expectGridScreenshot(page, 'grid-light.png');
  });

  test('the grid sorts, filters by SMARTS, and inserts a cell with the selection', async ({
    page
  }) => {
    const grid = Private.grid(page);
    await grid.scrollIntoViewIfNeeded();
    const cards = Private.cards(page);
    await expect(cards.first().locator('.jp-cryoprotect-Grid-name')).toHaveText('water');

    // Sort by molar mass, heaviest first: raffinose leads and the masses never increase.
    await grid.getByLabel('Sort by').selectOption('molarMass');
    await grid.getByTitle('Sort direction').click();
    await expect(cards.first().locator('.jp-cryoprotect-Grid-name')).toHaveText('raffinose');
    const masses = await Private.molarMasses(cards);
    expect(masses).toHaveLength(24);
    expect(masses).toEqual([...masses].sort((a, b) => b - a));

    // An alcohol (sp3 carbon bearing an OH): the count line, the summary and the highlighting.
    await grid.getByLabel('SMARTS filter').fill('[CX4][OX2H]');
    const status = grid.locator('.jp-cryoprotect-Grid-status');
    await expect(status).toHaveText(
      /^(\d+) of 25 structures contain \[CX4\]\[OX2H\] \(matched atoms highlighted\)\.$/
    );
    const matched = Number(/^(\d+)/.exec((await status.textContent()) ?? '')![1]);
    expect(matched).toBe(17);
    await expect(cards).toHaveCount(matched);
    await expect(grid.locator('.jp-cryoprotect-Grid-summary')).toHaveText(
      `1–${matched} of ${matched} matching, ${REFERENCE_COUNT} molecules`
    );
    const names = await cards.locator('.jp-cryoprotect-Grid-name').allTextContents();
    expect(names).not.toContain('water');
    expect(names).not.toContain('dimethyl sulfoxide');
    expect(names).toContain('glycerol');
    // The sort still holds over the matches.
    const matchedMasses = await Private.molarMasses(cards);
    expect(matchedMasses).toEqual([...matchedMasses].sort((a, b) => b - a));
    // RDKit draws highlighted atoms and bonds in its highlight colour (#FF7F7F).
    await Private.expectDrawn(cards.first());
    await expect
      .poll(() => Private.depiction(cards.first()), { timeout: 30_000 })
      .toMatch(/#FF7F7F/i);

    // Click one card, shift-click the next: two selected, in the order shown.
    await cards.nth(0).click();
    await cards.nth(1).click({ modifiers: ['Shift'] });
    await expect(grid.locator('.jp-cryoprotect-Grid-selected')).toHaveText('2 selected');
    await expect(grid.locator('.jp-cryoprotect-Grid-card.jp-mod-selected')).toHaveCount(2);
    const picked = names.slice(0, 2);

    // The command from the palette, as a researcher runs it.
    const before = await page.notebook.getCellCount();
    await page.keyboard.press('Control+Shift+C');
    const palette = page.locator('#modal-command-palette');
    await palette.locator('.lm-CommandPalette-input').fill('Insert Cell with Selection');
    await palette
      .locator('.lm-CommandPalette-item', { hasText: 'CryoProtect: Insert Cell with Selection' })
      .click();
    await expect.poll(() => page.notebook.getCellCount()).toBe(before + 1);
    const inserted = GRID_CELL + 1;
    const code = await page.notebook.getCellTextInput(inserted);
    expect(code).toContain(
      `// 2 molecules selected in the molecule grid "Reference cryoprotectants"`
    );
    expect(code).toContain('(2 of 25 rows), each by its database id.');
    const records = code.split('\n').filter(line => line.trim().startsWith('{ id:'));
    expect(records).toHaveLength(2);
    picked.forEach((name, i) => expect(records[i]).toContain(`name: "${name}"`));
    expect(await page.notebook.getCellType(inserted)).toBe('code');
    // Inserted, not run: no execution count yet.
    const insertedCell = (await page.notebook.getCellLocator(inserted))!;
    await expect(insertedCell.locator('.jp-InputPrompt')).toHaveText('[ ]:');

    // Run it as inserted, then use what it defined: the records are valid TypeScript for tslab.
    expect(await page.notebook.runCell(inserted)).toBe(true);
    await expect(insertedCell.locator('.jp-InputPrompt')).toHaveText(/\[\d+\]:/);
    await Private.expectNoErrorOutput(page);
    // (addCell appends at the end of the notebook.)
    expect(
      await page.notebook.addCell('code', "console.log(selection.map(s => s.name).join(', '));")
    ).toBe(true);
    const check = (await page.notebook.getCellCount()) - 1;
    expect(await page.notebook.runCell(check)).toBe(true);
    const checkCell = (await page.notebook.getCellLocator(check))!;
    await expect(checkCell.locator('.jp-OutputArea-output')).toHaveText(picked.join(', '));
    await Private.expectNoErrorOutput(page);
  });

  test('dark theme redraws the structures in its colours', async ({ page }) => {
    const cards = Private.cards(page);
    await Private.grid(page).scrollIntoViewIfNeeded();
    // Glycerol (the third card): carbon chains, drawn black on the light theme.
    const first = cards.nth(2);
    await expect(first.locator('.jp-cryoprotect-Grid-name')).toHaveText('glycerol');
    await Private.expectDrawn(first);
    const light = await Private.depiction(first);

    await page.theme.setDarkTheme();
    expect(await page.evaluate(() => document.body.dataset.jpThemeLight)).toBe('false');
    await expect.poll(() => Private.depiction(first), { timeout: 30_000 }).not.toBe(light);
    const dark = await Private.depiction(first);
    // The carbon skeleton is black on light and light grey on dark.
    expect(light).toMatch(/stroke:#000000/i);
    expect(dark).not.toMatch(/stroke:#000000/i);
    expect(dark).toMatch(/stroke:#E0E0E0/i);
    await Private.expectDrawn(first);
    await expect(Private.grid(page).locator('.jp-cryoprotect-DepictionError')).toHaveCount(0);

    const molecule = Private.output(page, OUTPUT.molecule);
    await Private.stabilize(page);
    await molecule.scrollIntoViewIfNeeded();
    await Private.expectDrawn(molecule.locator('.jp-cryoprotect-Structure'));
    await Private.expectGridScreenshot(page, 'grid-dark.png');
    await page.theme.setLightTheme();
  });
});

namespace Private {
  export async function expectNoErrorOutput(page: IJupyterLabPageFixture): Promise<void> {
    await expect(
      page.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
    ).toHaveCount(0);
    await expect(page.locator('.jp-cryoprotect-Output .jp-cryoprotect-Problem')).toHaveCount(0);
  }

  /** The output element of a renderer (see OUTPUT). */
  export function output(page: IJupyterLabPageFixture, selector: string): Locator {
    return page.locator(selector);
  }

  export function grid(page: IJupyterLabPageFixture): Locator {
    return output(page, OUTPUT.molecules).locator('.jp-cryoprotect-Grid');
  }

  export function cards(page: IJupyterLabPageFixture): Locator {
    return grid(page).locator('.jp-cryoprotect-Grid-card');
  }

  /**
   * A structure host (grid cards draw theirs when they scroll into view, so it is scrolled there
   * first) holding an <img> whose SVG has loaded and has a size.
   */
  export async function expectDrawn(host: Locator): Promise<void> {
    await host.scrollIntoViewIfNeeded();
    const image = host.locator('img').first();
    await expect(image).toBeVisible();
    await expect(image).toHaveAttribute('src', /^data:image\/svg\+xml/);
    await expect
      .poll(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth))
      .toBeGreaterThan(0);
    expect(await depictionOf(image)).toMatch(/<svg[\s\S]*<path[\s\S]*<\/svg>/);
  }

  /** The SVG text of a card's (or any host's) depiction. */
  export async function depiction(host: Locator): Promise<string> {
    return depictionOf(host.locator('img').first());
  }

  async function depictionOf(image: Locator): Promise<string> {
    const src = (await image.getAttribute('src')) ?? '';
    return decodeURIComponent(src.replace(/^data:image\/svg\+xml;charset=utf-8,/, ''));
  }

  export async function molarMasses(cards: Locator): Promise<number[]> {
    const values = await cards
      .locator('.jp-cryoprotect-Grid-value', { hasText: 'molar mass' })
      .allTextContents();
    return values.map(text => Number(/molar mass: ([\d.]+)/.exec(text)![1]));
  }

  /** No hover, no caret, no pending redraw: what the reference pictures need. */
  export async function stabilize(page: IJupyterLabPageFixture): Promise<void> {
    await page.mouse.move(0, 0);
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  }

  /** The first four cards of the grid, once their structures are drawn. */
  export async function expectGridScreenshot(
    page: IJupyterLabPageFixture,
    name: string
  ): Promise<void> {
    const cards = Private.cards(page);
    await cards.nth(3).scrollIntoViewIfNeeded();
    for (let i = 0; i < 4; i++) {
      await expectDrawn(cards.nth(i));
    }
    // The union of their boxes (at the fixed 1024 x 768 viewport they wrap onto two rows).
    const boxes = (await Promise.all([0, 1, 2, 3].map(i => cards.nth(i).boundingBox()))).map(
      box => box!
    );
    const left = Math.floor(Math.min(...boxes.map(box => box.x))) - 2;
    const top = Math.floor(Math.min(...boxes.map(box => box.y))) - 2;
    const right = Math.ceil(Math.max(...boxes.map(box => box.x + box.width))) + 2;
    const bottom = Math.ceil(Math.max(...boxes.map(box => box.y + box.height))) + 2;
    const clip = { x: left, y: top, width: right - left, height: bottom - top };
    await expect(page).toHaveScreenshot(name, { clip });
  }
}
