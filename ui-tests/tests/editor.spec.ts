import { expect, test } from '@jupyterlab/galata';
import * as path from 'path';
import { acceptKernel, cryoprotectServer, expectNoPageErrors, watchErrors } from './kernel';

// The molecule editor as a researcher meets it, against the embedded CryoProtect server that
// tests/ui.test.mjs started: draw, type, see RDKit's reason for a broken structure, see a salt
// standardized, register it, find it through the REST API, insert its code and run it.

const NOTEBOOK = path.resolve(__dirname, '..', 'notebooks', 'editor.ipynb');

test('draw and type structures, see them standardized, register one, insert its code and run it', async ({
  page,
  tmpPath
}) => {
  watchErrors(page);
  // Wide enough for the editor beside the notebook, as on a laptop (the user guide's picture).
  await page.setViewportSize({ width: 1400, height: 1000 });
  expect(await page.contents.uploadFile(NOTEBOOK, `${tmpPath}/editor.ipynb`)).toBe(true);
  expect(await page.notebook.openByPath(`${tmpPath}/editor.ipynb`)).toBe(true);
  await acceptKernel(page);

  await page.keyboard.press('Control+Shift+C');
  const palette = page.locator('#modal-command-palette');
  await palette.locator('.lm-CommandPalette-input').fill('Molecule Editor');
  await palette
    .locator('.lm-CommandPalette-item', { hasText: 'CryoProtect: New Molecule Editor' })
    .click();
  const editor = page.locator('.jp-cryoprotect-Editor');
  await expect(editor).toBeVisible();
  // OpenChemLib loads on first use; the host records how long it took.
  const canvas = editor.locator('.jp-cryoprotect-Editor-canvas');
  await expect(canvas).toHaveAttribute('data-load-ms', /^\d+$/);
  const loadMs = Number(await canvas.getAttribute('data-load-ms'));
  test.info().annotations.push({ type: 'editor-load-ms', description: String(loadMs) });
  console.log(`# OpenChemLib editor ready in ${loadMs} ms`);

  // Draw: a click on the empty drawing puts a bond there (OpenChemLib's default tool).
  const field = editor.locator('.jp-cryoprotect-Editor-structure');
  const box = (await canvas.boundingBox())!;
  await page.mouse.click(box.x + box.width * 0.6, box.y + box.height * 0.5);
  await expect(field).toHaveValue('CC');
  await expect(editor.locator('.jp-cryoprotect-Editor-smiles')).toHaveText('CC');

  // A broken structure: RDKit's reason next to the field, nothing to register or insert.
  await field.fill('C1CC');
  await expect(editor.locator('[data-field="structure"]')).toContainText('unclosed ring');
  await expect(field).toHaveAttribute('aria-invalid', 'true');
  await expect(editor.locator('.jp-cryoprotect-Editor-register')).toBeDisabled();
  await expect(editor.locator('.jp-cryoprotect-Editor-insert')).toBeDisabled();

  // A hydrochloride salt of an amino alcohol no other test registers (length varies per run).
  const chain = 'C'.repeat(4 + (Date.now() % 17));
  const salt = `Cl.NC${chain}O`;
  await field.fill(salt);
  // The parent is the amino alcohol without its counter-ion, written from either end.
  const carbons = `C${chain}`;
  await expect(editor.locator('.jp-cryoprotect-Editor-smiles')).toHaveText(
    new RegExp(`^(N${carbons}O|O${carbons}N)$`)
  );
  const parent = (await editor.locator('.jp-cryoprotect-Editor-smiles').innerText()).trim();
  await expect(editor.locator('.jp-cryoprotect-Editor-facts')).toContainText(
    'Stripped fragmentsCl'
  );
  const inchikey = (await editor.locator('.jp-cryoprotect-Editor-inchikey').innerText()).trim();
  expect(inchikey).toMatch(/^[A-Z]{14}-[A-Z]{10}-N$/);
  await expect(editor.locator('.jp-cryoprotect-Editor-registration')).toHaveText(
    'Not registered yet.'
  );
  // The molecule renderer: the structure drawn, properties with units.
  const result = editor.locator('.jp-cryoprotect-Editor-result');
  await expect(result).toContainText('g/mol');
  await expect(result.locator('img, svg').first()).toBeVisible();

  // Register it: the answer says what happened; the REST API has it.
  const name = `aminoalkanol C${chain.length + 1}`;
  await editor.locator('.jp-cryoprotect-Editor-name').fill(name);
  await editor.locator('.jp-cryoprotect-Editor-register').click();
  await expect(editor.locator('.jp-cryoprotect-Editor-status')).toContainText(
    `Registered ${name} as `
  );
  await expect(editor.locator('.jp-cryoprotect-Editor-registration')).toContainText(
    `Already registered as ${name}`
  );
  await expect(editor.locator('.jp-cryoprotect-Editor-registration')).toContainText(
    'owned by you; private'
  );
  const { url, token } = await cryoprotectServer(page);
  const answer = await page.request.get(`${url}/api/molecules/registered?inchikey=${inchikey}`, {
    headers: { authorization: `Bearer ${token}` }
  });
  expect(answer.ok()).toBe(true);
  const registration = await answer.json();
  expect(registration.registered).toBe(true);
  expect(registration.molecule.name).toBe(name);
  expect(registration.molecule.strippedFragments).toEqual(['Cl']);
  await editor.evaluate(node => node.scrollTo(0, 0));
  await page.screenshot({ path: test.info().outputPath('molecule-editor.png') });

  // Find it in the database browser by substructure: the SMARTS of this chain, both ends.
  await page.menu.clickMenuItem('CryoProtect>Open Database Browser');
  const browser = page.locator('.jp-cryoprotect-Database');
  await browser.locator('.jp-cryoprotect-Database-mode').selectOption('substructure');
  await browser.locator('.jp-cryoprotect-Database-text').fill(`[NH2]${carbons}[OH]`);
  await browser.locator('.jp-cryoprotect-Database-text').press('Enter');
  await expect(browser.locator('.jp-cryoprotect-Database-status')).toHaveText(
    /^Page 1: 1 molecule\./
  );
  await expect(browser.locator('.jp-cryoprotect-Grid-card .jp-cryoprotect-Grid-name')).toHaveText(
    name
  );

  // Insert its code and run it in the notebook: the same parent, and the registered record.
  await editor.locator('.jp-cryoprotect-Editor-insert').click();
  await expect(editor.locator('.jp-cryoprotect-Editor-status')).toHaveText(
    'code inserted below the active cell'
  );
  await page.activity.activateTab('editor.ipynb');
  await expect.poll(() => page.notebook.getCellCount()).toBe(2);
  const code = await page.notebook.getCellTextInput(1);
  expect(code).toContain(`const structure = "${salt}";`);
  expect(code).toContain(`getMolecule("${registration.molecule.id}")`);
  expect(await page.notebook.runCell(1)).toBe(true);
  const cell = (await page.notebook.getCellLocator(1))!;
  await expect(cell.locator('.jp-OutputArea-output').first()).toHaveText(
    `parent ${parent}  InChIKey ${(await answer.json()).molecule.inchikey}`
  );
  await expect(cell.locator('.jp-cryoprotect-Output-molecule')).toHaveCount(2);
  await expect(cell.locator('.jp-cryoprotect-Output-molecule').nth(1)).toContainText(name);
  // Three outputs: the line, the structure as drawn, the registered record; no stray value.
  await expect(cell.locator('.jp-OutputArea-output')).toHaveCount(3);
  await expect(
    page.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
  ).toHaveCount(0);
  expectNoPageErrors(page);
});

test('draw a mixture component in the molecule editor and use it in the composer', async ({
  page
}) => {
  watchErrors(page);
  await page.menu.clickMenuItem('CryoProtect>New Mixture Composer');
  const composer = page.locator('.jp-cryoprotect-Composer');
  const row = composer.locator('.jp-cryoprotect-Composer-rows tr[data-row="0"]');
  await row.locator('.jp-cryoprotect-Composer-component').fill('glycerol');
  await row.locator('.jp-cryoprotect-Composer-amount').fill('10');
  await row.locator('.jp-cryoprotect-Composer-draw').click();

  // The editor opens on glycerol's structure; the researcher changes it to propylene glycol.
  const editor = page.locator('.jp-cryoprotect-Editor');
  const field = editor.locator('.jp-cryoprotect-Editor-structure');
  await expect(field).toHaveValue('OCC(O)CO');
  await field.fill('CC(O)CO');
  await expect(editor.locator('.jp-cryoprotect-Editor-smiles')).toHaveText('CC(O)CO');
  await editor.locator('.jp-cryoprotect-Editor-use').click();

  // Back in the composer: the drawn component, and the mixture computed for it.
  await expect(editor).toHaveCount(0);
  await expect(row.locator('.jp-cryoprotect-Composer-component')).toHaveValue('CC(O)CO');
  await expect(composer.locator('.jp-cryoprotect-Composer-text')).toHaveText('CC(O)CO: 10 % w/w');
  await expect(
    composer.locator('.jp-cryoprotect-Composer-result .jp-cryoprotect-Components tbody tr')
  ).toHaveCount(2);
  expectNoPageErrors(page);
});
