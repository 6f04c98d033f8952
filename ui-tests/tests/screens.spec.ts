import { expect, test, type IJupyterLabPageFixture } from '@jupyterlab/galata';
import type { Locator } from '@playwright/test';
import { readFileSync } from 'fs';
import * as path from 'path';
import {
  ApiError,
  CryoProtectClient,
  readStructureCsv,
  submitScreen,
  waitForScreen,
  type ModelVersion,
  type Screen
} from '@cryoprotect/kernel';
import { acceptKernel, cryoprotectServer, expectNoPageErrors, watchErrors } from './kernel';
import { predictInNode, registerSmallTgModel } from './models';

// A virtual screen as a researcher runs one: a library submitted (from this Node process, with
// the kernel library, as a script or the CLI does) against a registered model, scored by the
// embedded server in its own process; its best hits shown in a tslab notebook with
// screenHitsDisplay; the first hit opened in the prediction panel with the screen's model.

/** A tslab notebook with one empty code cell (the database test's). */
const EMPTY_NOTEBOOK = path.resolve(__dirname, '..', 'notebooks', 'database.ipynb');
const TG = path.resolve(__dirname, '..', '..', 'data', 'science-data', 'tg_pure_compounds.csv');
const MODEL = 'galata-screen-tg';
const SOURCE = 'tg_pure_compounds.csv';
/** The library: the first 30 compounds of the Tg data set and one line no one can read. */
const VALID = 30;
const TOP = 5;
const OUTPUT = '.jp-OutputArea-output.jp-cryoprotect-Output-molecules';

// As in predict.spec.ts: Galata's /api/me mock also catches the server's /api/measurements,
// which the prediction panel asks for.
test.use({ mockUser: false });
// About 25 s here (the server's scoring and the kernel's start overlap): a hang fails in
// minutes, not in the configuration's 10.
test.setTimeout(240_000);

test('screen a library, show its best hits in a notebook and open one in the prediction panel', async ({
  page,
  tmpPath
}) => {
  watchErrors(page);
  const { url, token } = await cryoprotectServer(page);
  const client = new CryoProtectClient({ serverUrl: url, token });

  // The library is screened on the server while the notebook opens and its kernel starts.
  await page.setViewportSize({ width: 1280, height: 1000 });
  const [{ version, screen }] = await Promise.all([
    Private.screenLibrary(client),
    (async () => {
      await Private.openNotebook(page, `${tmpPath}/screen.ipynb`);
      await acceptKernel(page);
    })()
  ]);
  expect(screen.state).toBe('done');
  expect(screen.chunks.done).toBe(4);
  expect(screen.molecules).toMatchObject({ scored: VALID, invalid: 1, finished: VALID + 1 });
  const hits = await client.screens.top(screen.id, TOP);
  expect(hits).toHaveLength(TOP);
  const names = hits.map(h => h.inputId!);
  const best = hits[0];

  // The hits in the notebook, from the cell a researcher writes.
  // One statement a line: typed into the editor, nothing is re-indented.
  const code = [
    "import { screenHitsDisplay } from '@cryoprotect/kernel';",
    "import { clientFromEnvironment, tslabDisplay } from '@cryoprotect/kernel/node';",
    'const client = clientFromEnvironment();',
    `await tslabDisplay(await screenHitsDisplay(client, '${screen.id}', { top: ${TOP} }));`
  ].join('\n');
  expect(await page.notebook.setCell(0, 'code', code)).toBe(true);
  expect(await page.notebook.getCellTextInput(0)).toBe(code);
  expect(await page.notebook.runCell(0)).toBe(true);
  await expect(
    page.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
  ).toHaveCount(0);

  const output = page.locator(OUTPUT);
  await expect(output).toHaveCount(1);
  const grid = output.locator('.jp-cryoprotect-Grid');
  await expect(grid.locator('.jp-cryoprotect-Title')).toHaveText(
    `Screen of ${SOURCE}: ${TOP} best by prediction (highest first) of ${VALID} scored`
  );
  await expect(grid.locator('.jp-cryoprotect-Grid-model')).toHaveText(
    `scored by ${MODEL}@${version.version}`
  );
  await expect(grid.locator('.jp-cryoprotect-Grid-summary')).toHaveText(
    `1–${TOP} of ${TOP} molecules`
  );
  const cards = grid.locator('.jp-cryoprotect-Grid-card');
  await expect(cards).toHaveCount(TOP);
  await expect(cards.locator('.jp-cryoprotect-Grid-name')).toHaveText(names);
  // Each row's button, named for its molecule.
  await expect(grid.getByRole('button', { name: /^Open in prediction panel: / })).toHaveCount(TOP);
  for (const [i, name] of names.entries()) {
    await expect(
      cards.nth(i).getByRole('button', { name: `Open in prediction panel: ${name}` })
    ).toBeVisible();
  }
  await expect(grid.locator('.jp-cryoprotect-DepictionError')).toHaveCount(0);

  // Pictures of the output, light (copied to docs/images/screen-hits.png) and dark, for review.
  await Private.picture(page, output, 'screen-hits.png');
  await Private.switchTheme(page, cards, 'dark');
  await Private.picture(page, output, 'screen-hits-dark.png');
  await Private.switchTheme(page, cards, 'light');

  // The best hit in the prediction panel: the screen's model version, its SMILES, a prediction.
  await cards
    .first()
    .getByRole('button', { name: `Open in prediction panel: ${best.inputId}` })
    .click();
  const panel = page.locator('.jp-cryoprotect-Predict');
  await expect(panel).toHaveCount(1);
  await expect(panel).toBeVisible();
  const chooser = panel.locator('.jp-cryoprotect-Predict-version');
  await expect(chooser).toHaveValue(version.id);
  await expect(chooser.locator('option:checked')).toHaveText(
    new RegExp(`^${MODEL}@${version.version} `)
  );
  await expect(panel.locator('.jp-cryoprotect-Predict-subject')).toHaveValue(best.smiles!);
  await expect(panel.locator('.jp-cryoprotect-Predict-facts')).toContainText(
    `${MODEL}@${version.version}`
  );
  // The browser's prediction is the kernel's in Node, and the screen's for that molecule.
  const expected = await predictInNode(version, best.smiles!);
  const value = panel.locator('.jp-cryoprotect-Predict-value');
  await expect(value).toHaveAttribute('data-value', String(expected.prediction));
  expect(expected.prediction).toBeCloseTo(best.prediction!, 6);
  await expect(panel.locator('[data-field="subject"]')).toHaveText('');

  // The notebook, now narrower beside the panel: each card still holds its whole button (its
  // label wraps rather than running past the card). A picture of both, for review.
  await page.mouse.move(0, 0);
  await page.screenshot({ path: test.info().outputPath('screen-hits-with-panel.png') });
  for (const card of await cards.all()) {
    const box = (await card.boundingBox())!;
    const button = card.locator('.jp-cryoprotect-Grid-predict');
    const inner = (await button.boundingBox())!;
    expect(inner.x + inner.width).toBeLessThanOrEqual(box.x + box.width);
    expect(await button.evaluate(b => b.scrollWidth <= b.clientWidth + 1)).toBe(true);
  }
  expectNoPageErrors(page);
});

namespace Private {
  /**
   * Upload the empty notebook as `file` and open it with JupyterLab's own command: Galata's
   * openByPath double-clicks the file browser's item and waits for its tab without a time limit,
   * and once in six runs here the double-click landed while the listing was redrawn after the
   * upload, and the test waited out its 10 minutes.
   */
  export async function openNotebook(page: IJupyterLabPageFixture, file: string): Promise<void> {
    expect(await page.contents.uploadFile(EMPTY_NOTEBOOK, file)).toBe(true);
    await page.evaluate(async file => {
      const app = (
        window as unknown as {
          jupyterapp: { commands: { execute(...a: unknown[]): Promise<unknown> } };
        }
      ).jupyterapp;
      // The command returns the notebook panel, which is not for the test process.
      await app.commands.execute('docmanager:open', { path: file, factory: 'Notebook' });
    }, file);
    const name = path.basename(file);
    await expect(page.activity.getTabLocator(name)).toBeVisible();
    expect(await page.notebook.activate(name)).toBe(true);
  }

  /**
   * Register the model if this server has not got it yet, submit the library with the kernel
   * library as a researcher's script does (the first 30 compounds of the Tg data set by name, then
   * an unclosed ring on line 32, in chunks of 10) and wait until the server has scored it.
   */
  export async function screenLibrary(
    client: CryoProtectClient
  ): Promise<{ version: ModelVersion; screen: Screen }> {
    const version = await model(client);
    const rows = readStructureCsv(readFileSync(TG, 'utf8'), SOURCE, {
      idColumn: 'Species'
    }).slice(0, VALID);
    rows.push({ line: rows[rows.length - 1].line + 1, id: 'unreadable', structure: 'C1CC' });
    const submitted = await submitScreen(client, rows, {
      model: `${MODEL}@${version.version}`,
      source: SOURCE,
      chunkSize: 10
    });
    expect(submitted.chunks.total).toBe(4);
    const screen = await waitForScreen(client, submitted.id, {
      intervalMs: 250,
      timeoutMs: 120_000
    });
    return { version, screen };
  }

  /** The model the screens are scored by: registered once on this server, then reused. */
  export async function model(client: CryoProtectClient): Promise<ModelVersion> {
    try {
      return await client.models.getVersion(MODEL, 1);
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 404)) {
        throw error;
      }
      return registerSmallTgModel(client, MODEL);
    }
  }

  /** Every card's structure drawn: an <img> whose SVG has loaded. */
  export async function expectDrawn(cards: Locator): Promise<void> {
    const images = cards.locator('.jp-cryoprotect-Structure img');
    await expect(images).toHaveCount(await cards.count());
    for (const image of await images.all()) {
      await expect(image).toHaveAttribute('src', /^data:image\/svg\+xml/);
      await expect
        .poll(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth))
        .toBeGreaterThan(0);
    }
  }

  /** The structures' pictures (data URLs), card by card. */
  async function depictions(cards: Locator): Promise<string[]> {
    return cards
      .locator('.jp-cryoprotect-Structure img')
      .evaluateAll(images => images.map(img => (img as HTMLImageElement).src));
  }

  /** Switch JupyterLab's theme and wait until every card is drawn again in its colours. */
  export async function switchTheme(
    page: IJupyterLabPageFixture,
    cards: Locator,
    theme: 'light' | 'dark'
  ): Promise<void> {
    const before = await depictions(cards);
    await (theme === 'dark' ? page.theme.setDarkTheme() : page.theme.setLightTheme());
    await expect
      .poll(async () => {
        const after = await depictions(cards);
        return after.length === before.length && after.every((src, i) => src !== before[i]);
      })
      .toBe(true);
    await expectDrawn(cards);
  }

  /**
   * The whole output once its structures are drawn (the theme redraws them), without hover or
   * caret, saved in the results folder and attached to the test.
   */
  export async function picture(
    page: IJupyterLabPageFixture,
    output: Locator,
    name: string
  ): Promise<void> {
    await output.scrollIntoViewIfNeeded();
    await page.mouse.move(0, 0);
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await expectDrawn(output.locator('.jp-cryoprotect-Grid-card'));
    const file = test.info().outputPath(name);
    await output.screenshot({ path: file });
    await test.info().attach(name, { path: file, contentType: 'image/png' });
  }
}
