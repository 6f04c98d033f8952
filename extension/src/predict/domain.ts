import { DOMAIN_SIGN, OUTSIDE_DOMAIN, outsideDomainExplanation } from '@cryoprotect/kernel/display';
import { h } from '../display/dom';

/*
 * The marker of a prediction outside its model's applicability domain, in the words and the
 * look of the notebook's prediction table (extension/src/display/prediction.ts, the
 * jp-cryoprotect-DomainBadge and jp-cryoprotect-DomainNote classes of style/display.css): the
 * prediction panel and the verification queue show it the same way.
 */

/**
 * Whether a prediction is marked: only when it is known to lie outside the domain (inDomain
 * false). A prediction inside it, or one whose domain was not checked (null, a model without
 * adaptive intervals), shows nothing.
 */
export function outsideDomain(prediction: { inDomain?: boolean | null }): boolean {
  return prediction.inDomain === false;
}

/** "⚠ outside the applicability domain", its explanation (novelty, threshold) on hover. */
export function domainBadge(
  novelty: number | null | undefined,
  threshold: number | null | undefined
): HTMLElement {
  return h(
    'span',
    {
      className: 'jp-cryoprotect-DomainBadge',
      title: outsideDomainExplanation(novelty, threshold)
    },
    `${DOMAIN_SIGN} ${OUTSIDE_DOMAIN}`
  );
}

/** The explanation in full, under a prediction shown on its own (a tooltip is easily missed). */
export function domainNote(
  novelty: number | null | undefined,
  threshold: number | null | undefined
): HTMLElement {
  return h(
    'p',
    { className: 'jp-cryoprotect-DomainNote', attrs: { role: 'note' } },
    outsideDomainExplanation(novelty, threshold)
  );
}

/**
 * The domain threshold recorded in a registered version's artifact (conformal.adaptive), read
 * without the kernel; null when the version has none or is not at hand.
 */
export function artifactDomainThreshold(artifact: unknown): number | null {
  const threshold = (
    artifact as { conformal?: { adaptive?: { domainThreshold?: unknown } } } | null | undefined
  )?.conformal?.adaptive?.domainThreshold;
  return typeof threshold === 'number' && Number.isFinite(threshold) ? threshold : null;
}
