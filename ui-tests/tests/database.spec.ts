import { expect, test, type IJupyterLabPageFixture } from '@jupyterlab/galata';
import { acceptKernel, expectNoPageErrors, watchErrors } from './kernel';

// The database browser of the left panel as a researcher meets it: a molecule registered on the
// embedded server (through its REST API, as a script would), found by a SMARTS in the browser,
// its loading code inserted into a new TypeScript notebook and run there; and the answers to a
// search that finds nothing and to a SMARTS the server cannot read.

/** A structure no reference molecule shares: a trimethylsilyl ether of glycerol. */
const STRUCTURE = 'OCC(O)CO[Si](C)(C)C';
const SMARTS = '[Si](C)(C)(C)O';
const NAME = 'glycerol 1-TMS ether (database browser test)';

/** The embedded server's token, from the page config JupyterLab was started with. */
async function serverToken(page: IJupyterLabPageFixture): Promise<string> {
  const config = await page.evaluate(
    () => document.getElementById('jupyter-config-data')?.textContent ?? '{}'
  );
  return (JSON.parse(config) as { cryoprotectToken?: string }).cryoprotectToken ?? '';
}

async function registerMolecule(page: IJupyterLabPageFixture): Promise<string> {
  const port = process.env.CRYOPROTECT_UI_SERVER_PORT;
  expect(port, 'CRYOPROTECT_UI_SERVER_PORT (set by tests/ui.test.mjs)').toBeTruthy();
  const response = await fetch(`http://127.0.0.1:${port}/api/molecules`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${await serverToken(page)}`,
      'content-type': 'application/json'
    },
    body: JSON.stringify({ structure: STRUCTURE, name: NAME })
  });
  expect(response.status, await response.clone().text()).toBeLessThan(300);
  const body = (await response.json()) as { molecule: { id: string } };
  return body.molecule.id;
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
  page
}) => {
  watchErrors(page);
  const id = await registerMolecule(page);
  await page.notebook.createNew('database.ipynb', { kernel: 'tslab' });
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
  await page.screenshot({ path: test.info().outputPath('database-sidebar.png') });

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
  await expect(
    page.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
  ).toHaveCount(0);
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
  await expect(status).toContainText('smarts');
  expectNoPageErrors(page);
});
