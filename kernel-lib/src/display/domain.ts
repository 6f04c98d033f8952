import { formatNumber } from './format';

/**
 * How a prediction outside its model's applicability domain is told, in the same words on every
 * surface: the kernel's text/plain and text/html fallbacks and the extension's renderer (which
 * imports this through the light `@cryoprotect/kernel/display` entry). The definitions are those
 * of models/validation/adaptive.ts: novelty is the mean standardized distance to the model's 5
 * nearest training rows; a prediction is outside the domain when its novelty exceeds the 99th
 * percentile of the out-of-fold distances of cross-validation.
 */

/** Significant figures of a novelty: a distance on a standardized scale, compared with a threshold. */
export const NOVELTY_DIGITS = 3;

/** The marker of a prediction outside the domain. */
export const OUTSIDE_DOMAIN = 'outside the applicability domain';

/** The sign shown before the marker and the note. */
export const DOMAIN_SIGN = '⚠';

const FARTHER = "farther from the model's training molecules than cross-validation ever tested it";

/** What the marker means for one prediction (a tooltip), with its novelty and the threshold when known. */
export function outsideDomainExplanation(
  novelty: number | null | undefined,
  threshold: number | null | undefined
): string {
  const figures =
    typeof novelty === 'number' && typeof threshold === 'number'
      ? ` (novelty ${formatNumber(novelty, NOVELTY_DIGITS)}, above ${formatNumber(threshold, NOVELTY_DIGITS)}, the 99th percentile of the molecules held out in cross-validation)`
      : typeof novelty === 'number'
        ? ` (novelty ${formatNumber(novelty, NOVELTY_DIGITS)})`
        : '';
  return `Outside the applicability domain: ${FARTHER}${figures}. The interval is wider here, but less trustworthy.`;
}

/** The one line under a table where `outside` of `total` predictions are outside the domain. */
export function outsideDomainNote(outside: number, total: number): string {
  const one = outside === 1;
  return (
    `${DOMAIN_SIGN} ${outside} of ${total} predictions ${one ? 'is' : 'are'} ${OUTSIDE_DOMAIN}: ` +
    `farther from the training molecules than cross-validation ever tested the model. ` +
    `${one ? 'Its interval is' : 'Their intervals are'} wider but less trustworthy; treat ${one ? 'it' : 'them'} as extrapolation.`
  );
}

/** What the novelty column holds (a header tooltip). */
export function noveltyDescription(threshold: number | null | undefined): string {
  return (
    "Mean standardized distance to the model's 5 nearest training molecules (0: on one of them)" +
    (typeof threshold === 'number'
      ? `; above ${formatNumber(threshold, NOVELTY_DIGITS)} a prediction is ${OUTSIDE_DOMAIN}.`
      : '.')
  );
}
