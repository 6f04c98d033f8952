import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { VENV_BIN, runCommand } from './helpers.mjs';

describe('JupyterLab extension', () => {
  it('is installed as a prebuilt extension and enabled', async () => {
    const { code, stdout, stderr } = await runCommand(
      join(VENV_BIN, 'jupyter'),
      ['labextension', 'list'],
      {
        env: { NO_COLOR: '1' }
      }
    );
    assert.equal(code, 0);
    // jupyter labextension list writes to stderr; strip colour codes before matching.
    // eslint-disable-next-line no-control-regex -- ANSI colour codes are control characters
    const text = (stdout + stderr).replace(/\u001b\[[0-9;]*m/g, '');
    assert.match(
      text,
      /@cryoprotect\/jupyterlab v0\.1\.0 enabled OK \(python, cryoprotect_jupyterlab\)/
    );
  });
});
