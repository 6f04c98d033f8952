import { expect, type IJupyterLabPageFixture } from '@jupyterlab/galata';

/**
 * Under Galata JupyterLab sometimes asks which kernel to start although the notebook names
 * tslab (its kernel list is still loading when the notebook opens); answer as a researcher would.
 */
export async function acceptKernel(page: IJupyterLabPageFixture): Promise<void> {
  const dialog = page.locator('.jp-Dialog', { hasText: 'Select Kernel' });
  try {
    await dialog.waitFor({ state: 'visible', timeout: 5000 });
  } catch {
    return;
  }
  await dialog.locator('select').selectOption({ label: 'TypeScript' });
  await dialog.getByRole('button', { name: 'Select Kernel' }).click();
  await expect(dialog).toHaveCount(0);
}

const pageErrors = new WeakMap<object, string[]>();

/** Collect the page's uncaught exceptions (a renderer throwing into JupyterLab lands here). */
export function watchErrors(page: IJupyterLabPageFixture): void {
  const errors: string[] = [];
  pageErrors.set(page, errors);
  page.on('pageerror', error => errors.push(error.message));
}

export function expectNoPageErrors(page: IJupyterLabPageFixture): void {
  expect(pageErrors.get(page) ?? []).toEqual([]);
}

/** The embedded CryoProtect server and its local token, as the page config hands them to the extension. */
export async function cryoprotectServer(
  page: IJupyterLabPageFixture
): Promise<{ url: string; token: string }> {
  const config = await page.evaluate(
    () =>
      JSON.parse(document.getElementById('jupyter-config-data')?.textContent ?? '{}') as Record<
        string,
        string | undefined
      >
  );
  expect(config.cryoprotectServerPort, 'cryoprotectServerPort in the page config').toBeTruthy();
  return {
    url: `http://127.0.0.1:${config.cryoprotectServerPort}`,
    token: config.cryoprotectToken ?? ''
  };
}
