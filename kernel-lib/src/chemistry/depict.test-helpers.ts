import { getSvg } from './depict';

/** Depiction at a fixed size, as the tests compare two drawings. */
export function getDepiction(input: string, highlight?: string): Promise<string> {
  return getSvg(input, { width: 250, height: 180, highlight });
}
