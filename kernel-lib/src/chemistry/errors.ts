export type ChemistryErrorCode =
  | 'invalid_structure'
  | 'empty_structure'
  | 'invalid_smarts'
  | 'unsupported_input'
  /** Above a bound of structure-limits.ts (the message names it). */
  | 'too_complex'
  /** The WebAssembly engine failed on this input and was replaced. */
  | 'engine_failure';

/** An error about a chemical structure: names the input and, where RDKit gave one, its reason. */
export class ChemistryError extends Error {
  constructor(
    readonly code: ChemistryErrorCode,
    message: string,
    readonly input: string,
    readonly reason?: string
  ) {
    super(message);
    this.name = 'ChemistryError';
  }
}
