import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { DISPLAY_MIME } from '../display/payloads';
import { tableDisplay } from '../display/table';
import { findTslabJupyter, sendBundle, tslabDisplay, type DisplayDataContent } from './tslab';

describe('tslab display adapter', () => {
  it('sends the whole bundle as one display_data message through the writer', () => {
    const sent: { content: DisplayDataContent; update: boolean }[] = [];
    const fake = {
      lastWriteDisplayData: (content: DisplayDataContent, update: boolean) =>
        void sent.push({ content, update })
    };
    const bundle = tableDisplay([{ a: 1 }]).bundle();
    sendBundle(bundle, fake);
    assert.equal(sent.length, 1);
    assert.equal(sent[0].update, false);
    assert.deepEqual(
      Object.keys(sent[0].content.data).sort(),
      [DISPLAY_MIME.table, 'text/html', 'text/plain'].sort()
    );
    assert.deepEqual(sent[0].content.metadata, {});
  });

  it('fails with code no_kernel outside a tslab kernel, and when no cell runs', () => {
    const bundle = tableDisplay([{ a: 1 }]).bundle();
    assert.throws(() => sendBundle(bundle, undefined), {
      name: 'DisplayError',
      code: 'no_kernel',
      field: 'tslab'
    });
    assert.throws(() => sendBundle(bundle, { lastWriteDisplayData: null }), /no cell is running/);
    // This test process is plain node: nothing of tslab is loaded.
    assert.equal(findTslabJupyter(), undefined);
  });

  it('finds the loaded copy of tslab/dist/jupyter in the module cache, preferring the one with a writer', () => {
    const writer = () => undefined;
    const found = findTslabJupyter({
      '/a/node_modules/tslab/dist/jupyter.js': { exports: { lastWriteDisplayData: null } },
      '/b/node_modules/tslab/dist/jupyter.js': { exports: { lastWriteDisplayData: writer } },
      '/b/node_modules/other/dist/jupyter.js': { exports: { lastWriteDisplayData: writer } }
    });
    assert.equal(found?.lastWriteDisplayData, writer);
  });

  it('the pinned tslab exports lastWriteDisplayData from dist/jupyter, null until a cell runs', () => {
    const require = createRequire(__filename);
    const version = (require('tslab/package.json') as { version: string }).version;
    assert.equal(
      version,
      '1.0.22',
      'the adapter reads tslab internals: check them when tslab changes'
    );
    const file = require.resolve('tslab/dist/jupyter');
    const jupyter = require(file) as Record<string, unknown>;
    assert.ok('lastWriteDisplayData' in jupyter);
    assert.equal(jupyter.lastWriteDisplayData, null);
    // Now loaded in this process, the adapter finds exactly this copy.
    assert.equal(findTslabJupyter(), jupyter);
    delete require.cache[file];
  });

  it('tslabDisplay sends through the loaded tslab module once a cell has set its writer', async () => {
    const require = createRequire(__filename);
    const file = require.resolve('tslab/dist/jupyter');
    const jupyter = require(file) as { lastWriteDisplayData: unknown };
    const sent: DisplayDataContent[] = [];
    // What tslab's handleExecuteImpl does at the start of every cell.
    jupyter.lastWriteDisplayData = (content: DisplayDataContent) => void sent.push(content);
    try {
      assert.equal(await tslabDisplay([{ a: 1 }]), undefined);
      assert.equal(sent.length, 1);
      assert.ok(DISPLAY_MIME.table in sent[0].data);
    } finally {
      jupyter.lastWriteDisplayData = null;
      delete require.cache[file];
    }
  });
});
