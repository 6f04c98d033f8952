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
