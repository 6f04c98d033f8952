import { expect, test } from '@jupyterlab/galata';
import * as path from 'path';
import { acceptKernel, expectNoPageErrors, watchErrors } from './kernel';

// The mixture composer as a researcher meets it: opened from the command palette beside a
// notebook, filled in, changed, broken and mended, and its code inserted into the notebook and run.
// Each test uploads its own copy of ui-tests/notebooks/composer.ipynb into Galata's per-test folder.

const NOTEBOOK = path.resolve(__dirname, '..', 'notebooks', 'composer.ipynb');

test('compose a mixture, see every unit and the Tg change, insert its code and run it', async ({
  page,
  tmpPath
}) => {
  watchErrors(page);
  expect(await page.contents.uploadFile(NOTEBOOK, `${tmpPath}/composer.ipynb`)).toBe(true);
  expect(await page.notebook.openByPath(`${tmpPath}/composer.ipynb`)).toBe(true);
  await acceptKernel(page);

  await page.keyboard.press('Control+Shift+C');
  const palette = page.locator('#modal-command-palette');
  await palette.locator('.lm-CommandPalette-input').fill('Mixture Composer');
  await palette
    .locator('.lm-CommandPalette-item', { hasText: 'CryoProtect: New Mixture Composer' })
    .click();
  const composer = page.locator('.jp-cryoprotect-Composer');
  await expect(composer).toBeVisible();

  // One solute: glycerol at 40 % w/w.
  const row = (i: number) => composer.locator(`.jp-cryoprotect-Composer-rows tr[data-row="${i}"]`);
  await row(0).locator('.jp-cryoprotect-Composer-component').fill('glycerol');
  await row(0).locator('.jp-cryoprotect-Composer-amount').fill('40');
  const result = composer.locator('.jp-cryoprotect-Composer-result');
  const glycerolRow = result.locator('.jp-cryoprotect-Components tbody tr').first();
  // Columns: structure, component, role, as given, molar mass, % w/w, mole fraction, ...
  await expect(glycerolRow.locator('td').nth(5)).toHaveText('40.00');
  await expect(glycerolRow.locator('td').nth(6)).toHaveText('0.1154');
  await expect(glycerolRow.locator('td img')).toHaveAttribute('src', /^data:image\/svg\+xml/);
  const tg = result.locator('.jp-cryoprotect-Property', { hasText: 'glass transition' }).first();
  await expect(tg).toContainText('149.3 K');

  // The same number in another unit is another mixture: every unit and the Tg follow.
  await row(0).locator('.jp-cryoprotect-Composer-unit').selectOption('mol/kg');
  await expect(glycerolRow.locator('td').nth(3)).toHaveText('40 mol/kg');
  await expect(glycerolRow.locator('td').nth(5)).toHaveText('78.65');
  await expect(tg).not.toContainText('149.3 K');

  // Two more solutes: the glass transition is refused with the library's reason, not guessed.
  const add = composer.locator('.jp-cryoprotect-Composer-add');
  for (const [i, component] of ['DMSO', 'OCCO'].entries()) {
    await add.click();
    await row(i + 1)
      .locator('.jp-cryoprotect-Composer-component')
      .fill(component);
    await row(i + 1)
      .locator('.jp-cryoprotect-Composer-amount')
      .fill('1');
    await row(i + 1)
      .locator('.jp-cryoprotect-Composer-unit')
      .selectOption('mol/kg');
  }
  await expect(result.locator('.jp-cryoprotect-Components tbody tr')).toHaveCount(4);
  await expect(result).toContainText('Tg not estimated');
  await expect(result).toContainText('3 solutes');
  await expect(
    result.locator('.jp-cryoprotect-Property', { hasText: 'glass transition' })
  ).toHaveCount(0);

  // A bad entry: its message beside it, nothing to insert until it is mended.
  const insert = composer.locator('.jp-cryoprotect-Composer-insert');
  await row(2).locator('.jp-cryoprotect-Composer-amount').fill('one');
  await expect(row(2).locator('[data-field="amount"]')).toHaveText('"one" is not a number');
  await expect(insert).toBeDisabled();
  await row(2).locator('.jp-cryoprotect-Composer-amount').fill('1');
  await expect(row(2).locator('[data-field="amount"]')).toHaveText('');
  await expect(insert).toBeEnabled();
  await composer.screenshot({ path: test.info().outputPath('composer.png') });

  // Insert its code into the notebook, run it: the same mixture, drawn by the notebook's renderer.
  await insert.click();
  await expect(composer.locator('.jp-cryoprotect-Composer-status')).toHaveText(
    'code inserted below the active cell'
  );
  // Back to the notebook (Galata's notebook helpers act on the active tab).
  await page.activity.activateTab('composer.ipynb');
  await expect.poll(() => page.notebook.getCellCount()).toBe(2);
  const code = await page.notebook.getCellTextInput(1);
  expect(code).toContain(
    'await parseMixtureText("glycerol: 40 mol/kg; DMSO: 1 mol/kg; OCCO: 1 mol/kg")'
  );
  expect(await page.notebook.runCell(1)).toBe(true);
  const cell = (await page.notebook.getCellLocator(1))!;
  const output = cell.locator('.jp-OutputArea-output.jp-cryoprotect-Output-mixture');
  await expect(output.locator('.jp-cryoprotect-Components tbody tr')).toHaveCount(4);
  await expect(
    output.locator('.jp-cryoprotect-Components tbody tr').first().locator('td').nth(5)
  ).toHaveText(
    await result
      .locator('.jp-cryoprotect-Components tbody tr')
      .first()
      .locator('td')
      .nth(5)
      .innerText()
  );
  await expect(
    page.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
  ).toHaveCount(0);
  expectNoPageErrors(page);
});

test('the CryoProtect launcher cards and menu open the tutorial and the composer', async ({
  page
}) => {
  // Galata opens JupyterLab on its launcher.
  const section = page.locator('.jp-Launcher-section:visible', { hasText: 'CryoProtect' });
  await expect(section.locator('.jp-LauncherCard')).toHaveText([
    'Tutorial',
    'Mixture composer',
    'Molecule editor'
  ]);
  await section.locator('.jp-LauncherCard', { hasText: 'Mixture composer' }).click();
  await expect(page.locator('.jp-cryoprotect-Composer')).toHaveCount(1);

  await page.menu.clickMenuItem('CryoProtect>New Mixture Composer');
  await expect(page.locator('.jp-cryoprotect-Composer')).toHaveCount(2);

  await page.menu.clickMenuItem('CryoProtect>Open the Tutorial');
  await expect(page.locator('.lm-TabBar-tab', { hasText: '01-tutorial.ipynb' })).toHaveCount(1);
  await acceptKernel(page);
});
