export type DisplayErrorCode =
  /** display()/show() got something it has no display for. */
  | 'not_displayable'
  /** A builder's input is missing a value or has one it cannot show (the field is named). */
  | 'invalid_input'
  /** A built payload does not match its schema in payloads.ts (a bug in a builder). */
  | 'invalid_payload'
  /** A Vega-Lite spec could not be compiled or rendered to SVG. */
  | 'plot_failed'
  /** An SVG to inline holds script, an event handler or an external link. */
  | 'unsafe_svg'
  /** Sending to the notebook kernel is impossible here (not running under tslab). */
  | 'no_kernel';

/** Why something cannot be displayed: a code, a message, and the offending field. */
export class DisplayError extends Error {
  constructor(
    readonly code: DisplayErrorCode,
    message: string,
    readonly field: string
  ) {
    super(field === '' ? message : `${field}: ${message}`);
    this.name = 'DisplayError';
  }
}
