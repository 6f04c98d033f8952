// Galata's Playwright defaults, with Debian's Chromium (no browser download) and the Jupyter
// server that tests/ui.test.mjs starts on a free port.
import baseConfig from '@jupyterlab/galata/lib/playwright-config';

const port = process.env.CRYOPROTECT_UI_PORT ?? '8888';

export default {
  ...baseConfig,
  // One worker: one tslab kernel at a time on a two-core machine.
  workers: 1,
  retries: 0,
  timeout: 600_000,
  expect: { timeout: 60_000, toHaveScreenshot: { maxDiffPixelRatio: 0.02 } },
  reporter: [['list']],
  outputDir: process.env.CRYOPROTECT_UI_RESULTS ?? 'test-results',
  use: {
    ...baseConfig.use,
    baseURL: `http://127.0.0.1:${port}`,
    // A click or scroll that cannot happen fails in 30 s, not at the test's 10-minute timeout.
    actionTimeout: 30_000,
    trace: 'off',
    video: 'off',
    launchOptions: {
      executablePath: process.env.CRYOPROTECT_CHROMIUM ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run'
      ]
    }
  }
};
