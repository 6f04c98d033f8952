import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  checkSettings,
  comparableCells,
  compareCells,
  formatDifference,
  type CheckSettings
} from './compare.js';
import type { Notebook, NotebookOutput } from './notebook.js';

const nb = (
  cells: { outputs: NotebookOutput[]; metadata?: Record<string, unknown>; id?: string }[],
  metadata: Record<string, unknown> = {}
): Notebook => ({
  cells: cells.map((c, i) => ({
    cell_type: 'code',
    id: c.id ?? `c${i}`,
    source: `cell ${i}`,
    metadata: c.metadata ?? {},
    outputs: c.outputs,
    execution_count: i + 1
  })),
  metadata,
  nbformat: 4,
  nbformat_minor: 5
});
const stdout = (text: string): NotebookOutput => ({ output_type: 'stream', name: 'stdout', text });
const display = (data: Record<string, unknown>): NotebookOutput => ({
  output_type: 'display_data',
  data,
  metadata: {}
});

/** The differences between two notebooks, as --check reports them. */
function diff(
  expected: Notebook,
  actual: Notebook,
  settings: CheckSettings = checkSettings(expected)
) {
  return compareCells(
    comparableCells(expected, settings),
    comparableCells(actual, settings),
    settings
  ).map(formatDifference);
}

describe('comparing notebook outputs', () => {
  it('finds nothing between equal outputs, and names the cell, output and line of a change', () => {
    const a = nb([{ outputs: [stdout('MAE 13.8 K\nRMSE 17.2 K\n')] }]);
    assert.deepEqual(diff(a, a), []);
    const b = nb([{ outputs: [stdout('MAE 13.8 K\nRMSE 17.9 K\n')] }]);
    assert.deepEqual(diff(a, b), ['cell 1 (id c0) output 1: line 2 "RMSE 17.2 K" → "RMSE 17.9 K"']);
  });

  it('leaves training progress outputs out: they say how a run went, not what it computed', () => {
    const progress = (text: string) =>
      display({ 'application/vnd.cryoprotect.progress.v1+json': {}, 'text/plain': text });
    const a = nb([{ outputs: [progress('training: step 3 of 9 (2 s)'), stdout('MAE 13.8 K')] }]);
    const b = nb([{ outputs: [stdout('MAE 13.8 K')] }]);
    assert.deepEqual(diff(a, b), []);
    const c = nb([{ outputs: [progress('training finished'), stdout('MAE 13.9 K')] }]);
    assert.equal(diff(a, c).length, 1);
  });

  it('compares text exactly unless a tolerance is stated, for the notebook or one cell', () => {
    const a = nb([{ outputs: [stdout('Tg = 190.0001 K')] }, { outputs: [stdout('n = 1.0')] }]);
    const b = nb([{ outputs: [stdout('Tg = 190.0002 K')] }, { outputs: [stdout('n = 1')] }]);
    assert.equal(diff(a, b).length, 2);
    const tolerant = { cryoprotect: { check: { tolerance: { relative: 1e-5 } } } };
    const a2 = { ...a, metadata: tolerant };
    assert.deepEqual(diff(a2, b), []);
    // Beyond the tolerance, and words that change, still differ.
    assert.equal(
      diff(a2, nb([{ outputs: [stdout('Tg = 191 K')] }, { outputs: [stdout('n = 1')] }])).length,
      1
    );
    assert.equal(
      diff(a2, nb([{ outputs: [stdout('Tm = 190.0001 K')] }, { outputs: [stdout('n = 1')] }]))
        .length,
      1
    );
    // A cell's own tolerance wins over the notebook's.
    const cellTolerance = nb([
      {
        outputs: [stdout('Tg = 190.0001 K')],
        metadata: { cryoprotect: { check: { tolerance: { absolute: 0.01 } } } }
      },
      { outputs: [stdout('n = 1')] }
    ]);
    assert.deepEqual(diff(cellTolerance, b), []);
  });

  it('masks volatile text on both sides, built in and named by the notebook', () => {
    const at = (time: string, id: string, path: string, took: string) =>
      stdout(`stored at ${time} as ${id} in ${path}; took ${took}`);
    const a = nb([
      {
        outputs: [
          at(
            '2026-12-07T13:06:01.123Z',
            'bda1a7e2-8924-44f7-9c92-3dd6eeee00d1',
            '/tmp/x-1/run.json',
            '12.5 s'
          )
        ]
      }
    ]);
    const b = nb([
      {
        outputs: [
          at(
            '2027-01-02T01:00:00Z',
            '0260eb3f-fc65-4575-9f78-28a2a8018310',
            '/tmp/y-2/run.json',
            '9 s'
          )
        ]
      }
    ]);
    assert.deepEqual(diff(a, b), []);
    assert.deepEqual(
      diff(
        nb([{ outputs: [stdout('Signed in to http://127.0.0.1:38389 as ada')] }]),
        nb([{ outputs: [stdout('Signed in to http://127.0.0.1:40575 as ada')] }])
      ),
      []
    );
    const named = {
      cryoprotect: {
        check: { volatile: [{ name: 'epochs', pattern: 'stopped after \\d+ epochs' }] }
      }
    };
    const c = nb([{ outputs: [stdout('stopped after 40 epochs')] }], named);
    const d = nb([{ outputs: [stdout('stopped after 41 epochs')] }], named);
    assert.deepEqual(diff(c, d), []);
    assert.equal(diff(c, d, checkSettings(nb([]))).length, 1);
    assert.throws(
      () =>
        checkSettings(
          nb([], { cryoprotect: { check: { volatile: [{ name: 'bad', pattern: '(' }] } } })
        ),
      /metadata\.cryoprotect\.check\.volatile\[0\] \(bad\)/
    );
    assert.throws(
      () => checkSettings(nb([], { cryoprotect: { check: { tolerance: { relative: -1 } } } })),
      /tolerance\.relative: expected a number ≥ 0/
    );
  });

  it('compares drawings by structure, skips raster images, and payloads value by value', () => {
    const svg = (x: number, paths: number) =>
      `<svg width="200"><rect x="${x}"/>${'<path d="M 1 2"/>'.repeat(paths)}</svg>`;
    const a = nb([
      {
        outputs: [
          display({ 'image/svg+xml': svg(1, 3), 'image/png': 'AAAA', 'text/plain': 'glycerol' })
        ]
      }
    ]);
    const moved = nb([
      {
        outputs: [
          display({ 'image/svg+xml': svg(2, 3), 'image/png': 'BBBB', 'text/plain': 'glycerol' })
        ]
      }
    ]);
    assert.deepEqual(diff(a, moved), []);
    const more = nb([
      {
        outputs: [
          display({ 'image/svg+xml': svg(1, 4), 'image/png': 'AAAA', 'text/plain': 'glycerol' })
        ]
      }
    ]);
    assert.deepEqual(diff(a, more), [
      'cell 1 (id c0) output 1 image/svg+xml structure: path×3 rect×1 svg×1 → path×4 rect×1 svg×1'
    ]);
    const payload = (mae: number) =>
      nb([
        {
          outputs: [
            display({
              'application/vnd.cryoprotect.model-report.v1+json': {
                metrics: { mae, unit: 'K' },
                depiction: svg(mae, 1)
              }
            })
          ]
        }
      ]);
    assert.deepEqual(diff(payload(13.8), payload(13.8)), []);
    assert.deepEqual(diff(payload(13.8), payload(14.1)), [
      'cell 1 (id c0) output 1 application/vnd.cryoprotect.model-report.v1+json $.metrics.mae: 13.8 → 14.1'
    ]);
    const html = (rows: number, text: string) =>
      nb([
        {
          outputs: [
            display({ 'text/html': `<table>${`<tr><td>${text}</td></tr>`.repeat(rows)}</table>` })
          ]
        }
      ]);
    assert.deepEqual(diff(html(2, 'a &amp; b'), html(2, 'a &amp; b')), []);
    assert.equal(diff(html(2, 'a'), html(3, 'a')).length, 2);
  });

  it('reports outputs and cells that appear or vanish, and leaves cells marked skip alone', () => {
    const a = nb([{ outputs: [stdout('x')] }, { outputs: [] }]);
    assert.deepEqual(diff(a, nb([{ outputs: [stdout('x'), stdout('y')] }, { outputs: [] }])), [
      'cell 1 (id c0) outputs: 1 (stream:stdout) → 2 (stream:stdout, stream:stdout)'
    ]);
    assert.deepEqual(diff(a, nb([{ outputs: [stdout('x')] }])), [
      'cell 2 (id c1) cell: present → missing'
    ]);
    const error = nb([
      { outputs: [{ output_type: 'error', ename: 'Error', evalue: 'deliberate', traceback: [] }] },
      { outputs: [] }
    ]);
    assert.deepEqual(diff(a, error), ['cell 1 (id c0) output 1: stream:stdout → error']);
    const skipped = nb([
      {
        outputs: [stdout('took 3 min on this laptop')],
        metadata: { cryoprotect: { check: { skip: 'prints the wall-clock time' } } }
      }
    ]);
    assert.deepEqual(diff(skipped, nb([{ outputs: [stdout('took 9 min on this laptop')] }])), []);
    assert.throws(
      () =>
        comparableCells(
          nb([{ outputs: [], metadata: { cryoprotect: { check: { skip: '' } } } }]),
          checkSettings(nb([]))
        ),
      /cell 1 metadata\.cryoprotect\.check\.skip: expected the reason/
    );
  });
});
