import { expect, test, type IJupyterLabPageFixture } from '@jupyterlab/galata';
import * as path from 'path';
import { acceptKernel, cryoprotectServer, expectNoPageErrors, watchErrors } from './kernel';

// The database browser of the left panel as a researcher meets it: a molecule registered on the
// embedded server (through its REST API, as a script would), found by a SMARTS in the browser,
// its loading code inserted into a new TypeScript notebook and run there; and the answers to a
// search that finds nothing and to a SMARTS the server cannot read.

/** A structure no reference molecule shares: a trimethylsilyl ether of glycerol. */
const STRUCTURE = 'OCC(O)CO[Si](C)(C)C';
const SMARTS = '[Si](C)(C)(C)O';
const NAME = 'glycerol 1-TMS ether (database browser test)';

/** A tslab notebook with one empty code cell, uploaded into each test's own Galata folder. */
const EMPTY_NOTEBOOK = path.resolve(__dirname, '..', 'notebooks', 'database.ipynb');

/**
 * Open a copy of the empty notebook as `name` in the test's folder. Uploading it (as the composer
 * and editor tests do) rather than File → New keeps the file browser in a folder that exists.
 */
async function openEmptyNotebook(
  page: IJupyterLabPageFixture,
  tmpPath: string,
  name: string
): Promise<void> {
  expect(await page.contents.uploadFile(EMPTY_NOTEBOOK, `${tmpPath}/${name}`)).toBe(true);
  expect(await page.notebook.openByPath(`${tmpPath}/${name}`)).toBe(true);
}

/** POST to the embedded CryoProtect server as its local user; the created record. */
async function post<T>(page: IJupyterLabPageFixture, path: string, body: unknown): Promise<T> {
  const port = process.env.CRYOPROTECT_UI_SERVER_PORT;
  expect(port, 'CRYOPROTECT_UI_SERVER_PORT (set by tests/ui.test.mjs)').toBeTruthy();
  const response = await fetch(`http://127.0.0.1:${port}${path}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${(await cryoprotectServer(page)).token}`,
      'content-type': 'application/json'
    },
    body: JSON.stringify(body)
  });
  expect(response.status, await response.clone().text()).toBeLessThan(300);
  return (await response.json()) as T;
}

async function registerMolecule(page: IJupyterLabPageFixture): Promise<string> {
  const created = await post<{ molecule: { id: string } }>(page, '/api/molecules', {
    structure: STRUCTURE,
    name: NAME
  });
  return created.molecule.id;
}

/** Insert the code of the record at `index` of the list into cell `cell`, run it, return its output. */
async function insertAndRun(page: IJupyterLabPageFixture, title: string, cell: number) {
  const browser = page.locator('.jp-cryoprotect-Database');
  const item = browser.locator('.jp-cryoprotect-Database-item', { hasText: title });
  await item.getByRole('button', { name: 'Insert code' }).click();
  await expect(browser.locator('.jp-cryoprotect-Database-status')).toHaveText(
    /^Code inserted (into the empty active cell|below the active cell) of database-records\.ipynb/
  );
  await expect.poll(() => page.notebook.getCellCount()).toBe(cell + 1);
  expect(await page.notebook.runCell(cell)).toBe(true);
  return (await page.notebook.getCellLocator(cell))!.locator('.jp-OutputArea-output');
}

async function openBrowser(page: IJupyterLabPageFixture) {
  await page.keyboard.press('Control+Shift+C');
  const palette = page.locator('#modal-command-palette');
  await palette.locator('.lm-CommandPalette-input').fill('Database Browser');
  await palette
    .locator('.lm-CommandPalette-item', { hasText: 'CryoProtect: Open Database Browser' })
    .click();
  const browser = page.locator('.jp-cryoprotect-Database');
  await expect(browser).toBeVisible();
  return browser;
}

test('find a molecule by SMARTS, insert the code that loads it into a notebook and run it', async ({
  page,
  tmpPath
}) => {
  watchErrors(page);
  await page.setViewportSize({ width: 1280, height: 800 });
  const id = await registerMolecule(page);
  await openEmptyNotebook(page, tmpPath, 'database.ipynb');
  await acceptKernel(page);

  const browser = await openBrowser(page);
  const status = browser.locator('.jp-cryoprotect-Database-status');
  await browser.locator('.jp-cryoprotect-Database-mode').selectOption('substructure');
  const text = browser.locator('.jp-cryoprotect-Database-text');
  await text.fill(SMARTS);
  await text.press('Enter');
  await expect(status).toHaveText(/^Page 1: 1 molecule\./);
  const card = browser.locator('.jp-cryoprotect-Grid-card').first();
  await expect(card.locator('.jp-cryoprotect-Grid-name')).toHaveText(NAME);
  await expect(
    card.locator('.jp-cryoprotect-Structure svg, .jp-cryoprotect-Structure img')
  ).toHaveCount(1);

  await card.click();
  await browser.locator('.jp-cryoprotect-Database-insertSelected').click();
  await expect(status).toHaveText(
    'Code inserted into the empty active cell of database.ipynb; run it there.'
  );
  const code = await page.notebook.getCellTextInput(0);
  expect(code).toContain(`const molecule = await client.getMolecule("${id}");`);
  expect(await page.notebook.runCell(0)).toBe(true);
  const cell = (await page.notebook.getCellLocator(0))!;
  const output = cell.locator('.jp-OutputArea-output.jp-cryoprotect-Output-molecule');
  await expect(output.locator('.jp-cryoprotect-Title')).toHaveText(NAME);
  await expect(output.locator('.jp-cryoprotect-Smiles')).toContainText('[Si]');
  await page.screenshot({ path: test.info().outputPath('database-sidebar-run.png') });

  // Open: the record in the main area, drawn by the molecule renderer.
  await browser.locator('.jp-cryoprotect-Database-openSelected').click();
  const view = page.locator('.jp-cryoprotect-RecordView');
  await expect(view.locator('.jp-cryoprotect-Output-molecule .jp-cryoprotect-Title')).toHaveText(
    NAME
  );
  await expect(view.locator('.jp-cryoprotect-RecordView-code')).toContainText(
    `client.getMolecule("${id}")`
  );

  await expect(
    page.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
  ).toHaveCount(0);

  // Drag: a card dropped on a cell's editor pastes the same code there.
  await page.activity.activateTab('database.ipynb');
  await page.notebook.addCell('code', '');
  const target = (await page.notebook.getCellLocator(1))!.locator('.cm-content');
  await card.dragTo(target);
  await expect
    .poll(() => page.notebook.getCellTextInput(1))
    .toContain(`const molecule = await client.getMolecule("${id}");`);
  expectNoPageErrors(page);
});

test('the database browser says when a search finds nothing and when the server refuses a SMARTS', async ({
  page
}) => {
  watchErrors(page);
  const browser = await openBrowser(page);
  const status = browser.locator('.jp-cryoprotect-Database-status');
  const text = browser.locator('.jp-cryoprotect-Database-text');

  await text.fill('no molecule is called this');
  await text.press('Enter');
  await expect(status).toHaveText('No visible molecule matches "no molecule is called this".');
  await expect(browser.locator('.jp-cryoprotect-Grid')).toHaveCount(0);

  await browser.locator('.jp-cryoprotect-Database-mode').selectOption('substructure');
  await text.fill('[C');
  await browser.locator('.jp-cryoprotect-Database-search').click();
  await expect(status).toHaveAttribute('data-state', 'error');
  // The server's own words, naming the SMARTS it could not read.
  await expect(status).toHaveText(/^Invalid SMARTS: RDKit could not parse the SMARTS "\[C"/);
  await expect(browser.locator('.jp-cryoprotect-Grid')).toHaveCount(0);

  // Dark theme: the panel follows JupyterLab's colours (a picture for review, not compared).
  await page.theme.setDarkTheme();
  await text.fill('OCC(O)CO');
  await browser.locator('.jp-cryoprotect-Database-mode').selectOption('similar');
  await text.press('Enter');
  await expect(status).toHaveText(/^Page 1: \d+ molecules?\./);
  await browser.screenshot({ path: test.info().outputPath('database-sidebar-dark.png') });
  await page.theme.setLightTheme();
  expectNoPageErrors(page);
});

test('references and mixtures: their code inserted from the list runs in the notebook', async ({
  page,
  tmpPath
}) => {
  watchErrors(page);
  const moleculeId = await registerMolecule(page);
  const citation = `Database browser test reference ${Date.now()}`;
  await post(page, '/api/references', { citation });
  const mixtureName = `database browser test mixture ${Date.now()}`;
  await post(page, '/api/mixtures', {
    name: mixtureName,
    components: [{ moleculeId, amount: 10, unit: '% w/w', role: 'penetrating' }]
  });
  await openEmptyNotebook(page, tmpPath, 'database-records.ipynb');
  await acceptKernel(page);

  const browser = await openBrowser(page);
  const status = browser.locator('.jp-cryoprotect-Database-status');
  const text = browser.locator('.jp-cryoprotect-Database-text');
  await browser.locator('.jp-cryoprotect-Database-kind').selectOption('references');
  await text.fill(citation);
  await text.press('Enter');
  await expect(status).toHaveText('Page 1: 1 reference.');
  const reference = await insertAndRun(page, citation, 0);
  await expect(reference.locator('.jp-cryoprotect-DataTable')).toContainText(citation);

  await browser.locator('.jp-cryoprotect-Database-kind').selectOption('mixtures');
  await text.fill(mixtureName);
  await text.press('Enter');
  await expect(status).toHaveText('Page 1: 1 mixture.');
  const mixture = await insertAndRun(page, mixtureName, 1);
  await expect(
    mixture.locator('.jp-cryoprotect-Components tbody tr').first().locator('td').nth(5)
  ).toHaveText('10.00');

  await expect(
    page.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
  ).toHaveCount(0);
  expectNoPageErrors(page);
});
