import { expect, type IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import * as path from 'path';
import { acceptKernel, expectNoPageErrors, watchErrors } from './kernel';

// The real coverage renderer in JupyterLab with the tslab kernel: ui-tests/notebooks/coverage.ipynb
// displays two versions' coverage on simulated verified results, one whose 90 % intervals hold
// and one flagged below its promise. Pictures of both themes go to the results folder for review.

const NOTEBOOK = path.resolve(__dirname, '..', 'notebooks', 'coverage.ipynb');
const OUTPUT = '.jp-OutputArea-output.jp-cryoprotect-Output-coverage';

test.describe('Real coverage renderer', () => {
  test.beforeEach(async ({ page, tmpPath }) => {
    watchErrors(page);
    expect(await page.contents.uploadFile(NOTEBOOK, `${tmpPath}/coverage.ipynb`)).toBe(true);
    expect(await page.notebook.openByPath(`${tmpPath}/coverage.ipynb`)).toBe(true);
    await acceptKernel(page);
    expect(await page.notebook.run()).toBe(true);
    await expect(
      page.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
    ).toHaveCount(0);
  });

  test.afterEach(async ({ page }) => {
    expectNoPageErrors(page);
  });

  test('shows the verdict, the months and the plot against the promise, and flags the version below it', async ({
    page
  }) => {
    await page.setViewportSize({ width: 1280, height: 1100 });
    const outputs = page.locator(OUTPUT);
    await expect(outputs).toHaveCount(2);
    const [holds, below] = [outputs.nth(0), outputs.nth(1)];

    await expect(holds.locator('.jp-cryoprotect-Title')).toHaveText('Real coverage: tg-demo@1');
    await expect(holds.locator('.jp-cryoprotect-Verdict-consistent')).toContainText(
      '22 of 24 measured values inside their predicted intervals (91.7 %)'
    );
    await expect(holds.locator('.jp-cryoprotect-Verdict-below')).toHaveCount(0);
    await expect(holds.locator('.jp-cryoprotect-CoverageMonths tbody tr')).toHaveCount(4);
    await expect(holds.locator('.jp-cryoprotect-CoverageResults tbody tr')).toHaveCount(24);

    const flag = below.locator('.jp-cryoprotect-Verdict-below');
    await expect(flag).toHaveAttribute('role', 'alert');
    await expect(flag).toContainText('⚠ Below its promise');
    await expect(flag).toContainText(
      '18 of 30 measured values inside their predicted intervals (60 %)'
    );
    await expect(below.locator('.jp-cryoprotect-CoverageMonths tbody tr').last()).toContainText(
      'below promise'
    );

    // The plot: JupyterLab's own Vega renderer inside the output, not the data-table fallback.
    for (const output of [holds, below]) {
      await expect(output.locator('.jp-cryoprotect-PlotFallback')).toHaveCount(0);
      const drawing = output.locator('.jp-RenderedVegaCommon5').locator('canvas, svg').first();
      await drawing.scrollIntoViewIfNeeded();
      await expect(drawing).toBeVisible();
      expect((await drawing.boundingBox())!.width).toBeGreaterThan(300);
    }
    await Private.picture(page, below, 'coverage-light.png');

    // Dark theme: the outputs are drawn again, the plot in Vega's dark colours.
    await page.theme.setDarkTheme();
    await expect(below.locator('.jp-cryoprotect-Verdict-below')).toBeVisible();
    await expect(
      below.locator('.jp-RenderedVegaCommon5').locator('canvas, svg').first()
    ).toBeVisible();
    await Private.picture(page, below, 'coverage-dark.png');
    await page.theme.setLightTheme();
  });
});

namespace Private {
  /**
   * A picture of the page from the top of one output, for review (the results folder), not
   * compared with a reference: the output is taller than the window.
   */
  export async function picture(
    page: IJupyterLabPageFixture,
    output: ReturnType<IJupyterLabPageFixture['locator']>,
    name: string
  ): Promise<void> {
    await output.locator('.jp-cryoprotect-Title').evaluate(node => node.scrollIntoView());
    // Vega draws after layout; let it settle.
    await page.waitForTimeout(500);
    await page.screenshot({ path: test.info().outputPath(name) });
  }
}
