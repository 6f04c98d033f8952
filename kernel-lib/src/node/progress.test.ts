import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PROGRESS_MIME, notebookProgress } from './progress';
import type { DisplayDataContent } from './tslab';

describe('training progress in a notebook', () => {
  it('draws one output and redraws it in place, at most four times a second, ending without times', () => {
    const sent: { content: DisplayDataContent; update: boolean }[] = [];
    let clock = 0;
    const progress = notebookProgress(
      { lastWriteDisplayData: (content, update) => sent.push({ content, update }) },
      () => clock
    )!;
    const step = (done: number) =>
      progress.update({ stage: 'nested', done, total: 10, detail: `fit ${done}` });
    step(0);
    clock = 100;
    step(1); // too soon: not drawn
    clock = 300;
    step(2);
    progress.done();
    assert.deepEqual(
      sent.map(s => s.update),
      [false, true, true]
    );
    const ids = new Set(sent.map(s => s.content.transient?.display_id));
    assert.equal(ids.size, 1);
    assert.match(String(sent[1].content.data['text/plain']), /step 3 of 10, nested: fit 2 \(0 s\)/);
    const last = sent[2].content.data;
    assert.equal(
      last['text/plain'],
      'training finished: 10 steps (cross-validation, importance, learning curve, final fit)'
    );
    assert.equal((last[PROGRESS_MIME] as { elapsedMs: unknown }).elapsedMs, null);
    assert.doesNotMatch(String(last['text/html']), /<progress/);
  });

  it('says where a training stopped, and is absent outside a notebook', () => {
    const sent: DisplayDataContent[] = [];
    const progress = notebookProgress({ lastWriteDisplayData: content => sent.push(content) })!;
    progress.update({ stage: 'choosing', done: 4, total: 9, detail: 'ridge, fold 5 of 5' });
    progress.done(new Error('interrupted'));
    assert.match(
      String(sent.at(-1)!.data['text/plain']),
      /training stopped at step 5 of 9 \(choosing\): interrupted/
    );
    assert.equal(notebookProgress({ lastWriteDisplayData: null }), undefined);
    assert.equal(notebookProgress(undefined), undefined);
  });
});
