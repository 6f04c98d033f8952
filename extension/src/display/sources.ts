import { h } from './dom';

export interface ISource {
  citation: string;
  doi?: string;
  url?: string;
  usedFor?: string;
}

/** A citation as a reference list prints it, the DOI as a link (opened in a new tab, no referrer). */
export function sourceItem(source: ISource): HTMLElement {
  const item = h('span', { className: 'jp-cryoprotect-Source' }, source.citation);
  const href = source.doi ? `https://doi.org/${source.doi}` : source.url;
  if (href && /^https?:\/\//.test(href)) {
    item.append(
      ' ',
      h(
        'a',
        { attrs: { href, target: '_blank', rel: 'noopener noreferrer' } },
        source.doi ? `doi:${source.doi}` : href
      )
    );
  }
  if (source.usedFor) {
    item.append(h('span', { className: 'jp-cryoprotect-Muted' }, ` (used for ${source.usedFor})`));
  }
  return item;
}
