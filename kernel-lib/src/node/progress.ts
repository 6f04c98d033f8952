import { escapeHtml } from '../display/format';
import type { TrainingProgress } from '../models/pipeline';
import { findTslabJupyter, type TslabJupyterModule } from './tslab';

/**
 * Training progress in a notebook: one output that redraws itself (Jupyter's update_display_data
 * on a display id) with a progress bar, the stage and the step, at most four times a second. It is
 * marked with its own MIME type so `cryoprotect run --check` leaves it out of the comparison: the
 * steps are the same every run, but how long they took is not. Its last state says the training
 * finished and in how many steps, with no time, so a saved notebook does not change from run to
 * run.
 */

/** The MIME type of the progress output (a vendor JSON beside text/plain and text/html). */
export const PROGRESS_MIME = 'application/vnd.cryoprotect.progress.v1+json';

export interface NotebookProgress {
  update(progress: TrainingProgress): void;
  /** The final state: finished, or stopped by an error. */
  done(error?: unknown): void;
}

/**
 * A progress output in the running notebook cell, or undefined outside a tslab kernel (the CLI
 * draws its own bar on the terminal).
 */
export function notebookProgress(
  jupyter: TslabJupyterModule | undefined = findTslabJupyter(),
  now: () => number = Date.now
): NotebookProgress | undefined {
  const write = jupyter?.lastWriteDisplayData ?? null;
  if (write === null) {
    return undefined;
  }
  const id = `cryoprotect-progress-${Math.random().toString(36).slice(2)}`;
  const start = now();
  let last: TrainingProgress | undefined;
  let drawn = -Infinity;
  let shown = false;
  const send = (state: Private.State) => {
    write({ ...Private.bundle(state), transient: { display_id: id } }, shown);
    shown = true;
  };
  return {
    update(progress) {
      last = progress;
      const t = now();
      if (t - drawn >= 250) {
        drawn = t;
        send({ ...progress, elapsedMs: t - start, finished: false });
      }
    },
    done(error) {
      if (last === undefined) {
        return;
      }
      send({
        ...last,
        done: error === undefined ? last.total : last.done,
        elapsedMs: null,
        finished: true,
        ...(error !== undefined ? { stopped: String((error as Error)?.message ?? error) } : {})
      });
    }
  };
}

namespace Private {
  export type State = TrainingProgress & {
    elapsedMs: number | null;
    finished: boolean;
    stopped?: string;
  };

  export function bundle(state: State): {
    data: Record<string, unknown>;
    metadata: Record<string, unknown>;
  } {
    const text = line(state);
    const bar = `<progress max="${state.total}" value="${state.done}" style="width: 16em; vertical-align: middle"></progress>`;
    return {
      data: {
        [PROGRESS_MIME]: state,
        'text/plain': text,
        'text/html': `<div class="jp-cryoprotect-progress">${state.finished && !state.stopped ? '' : `${bar} `}${escapeHtml(text)}</div>`
      },
      metadata: {}
    };
  }

  function line(state: State): string {
    if (state.stopped) {
      return `training stopped at step ${state.done + 1} of ${state.total} (${state.stage}): ${state.stopped}`;
    }
    if (state.finished) {
      return `training finished: ${state.total} steps (cross-validation, importance, learning curve, final fit)`;
    }
    const seconds = Math.round((state.elapsedMs ?? 0) / 1000);
    return `training: step ${state.done + 1} of ${state.total}, ${state.stage}: ${state.detail} (${seconds} s)`;
  }
}
