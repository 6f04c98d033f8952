import { expect, test } from '@jupyterlab/galata';
import { acceptKernel } from './kernel';

// The tutorials, run in a real JupyterLab with the tslab kernel, the way a researcher meets them.
// The server's root is a scratch copy of the repository's notebooks (tests/ui.test.mjs), so
// nothing here writes to the repository.

const TUTORIALS = ['01-tutorial.ipynb', '02-structures-and-mixtures.ipynb', '03-models.ipynb'];

for (const name of TUTORIALS) {
  test(`${name} runs in JupyterLab and shows no error`, async ({ page }) => {
    // Galata starts in a per-test folder; the tutorials sit in notebooks/ at the server's root.
    expect(await page.notebook.openByPath(`notebooks/${name}`)).toBe(true);
    await acceptKernel(page);
    expect(await page.notebook.run()).toBe(true);
    const errors = page.locator(
      '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'
    );
    await expect(errors).toHaveCount(0);
    const outputs = page.locator('.jp-OutputArea-output');
    expect(await outputs.count()).toBeGreaterThan(0);
    await page.screenshot({ path: test.info().outputPath(`${name}.png`), fullPage: false });
  });
}
