/**
 * Exit codes of `cryoprotect run` and `reproduce`, one per kind of outcome, so CI can tell them
 * apart. Apart from run.ts so that the command line's help needs no TypeScript compiler loaded.
 */
export const EXIT = {
  ok: 0,
  /** A cell raised an error (or the kernel died). */
  cellFailed: 1,
  /** Bad arguments: an unknown parameter, a bad value, a missing file, no expected outputs. */
  usage: 2,
  /** A cell or the whole run passed its time limit. */
  timeout: 3,
  /** --check or reproduce found outputs that differ. */
  differences: 4,
  /** reproduce refused: the environment cannot give identical outputs. */
  refused: 5
} as const;
