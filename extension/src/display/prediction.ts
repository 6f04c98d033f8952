import type { PredictionPayload } from '@cryoprotect/kernel';
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { dataTable, h } from './dom';
import {
  DOMAIN_SIGN,
  NOVELTY_DIGITS,
  OUTSIDE_DOMAIN,
  formatInterval,
  formatLevel,
  formatNumber,
  noveltyDescription,
  outsideDomainExplanation,
  outsideDomainNote,
  titleWithUnit
} from '@cryoprotect/kernel/display';
import { modelFacts, modelName } from './model-ref';
import { PayloadRenderer } from './renderer';

type Item = PredictionPayload['items'][number];

/**
 * Predictions of one property by one model: each value to the model's significant figures, its
 * interval with the interval's nominal level, a warning where the model is less to be trusted,
 * and the model and dataset snapshot that produced them. A prediction outside the model's
 * applicability domain (inDomain false) gets a badge explaining it and a tinted row, and a line
 * under the table counts them; rows inside the domain show nothing extra. Each prediction's
 * novelty is a column when the model gives it.
 */
export class PredictionRenderer extends PayloadRenderer<PredictionPayload> {
  constructor(options: IRenderMime.IRendererOptions) {
    super('prediction', options);
  }

  protected render(payload: PredictionPayload): Node[] {
    const { property, digits } = payload;
    const threshold = payload.domainThreshold ?? null;
    const outside = (item: Item) => item.inDomain === false;
    const warned = payload.items.filter(item => item.warning !== null).length;
    const outsideCount = payload.items.filter(outside).length;
    const withNovelty = payload.items.some(item => typeof item.novelty === 'number');
    const level =
      payload.intervalLevel === null
        ? 'The model gives no prediction intervals.'
        : `Intervals are ${formatLevel(payload.intervalLevel)} prediction intervals (nominal coverage).`;
    const table = dataTable(
      'jp-cryoprotect-Predictions',
      [
        { label: 'Name' },
        { label: 'SMILES' },
        { label: titleWithUnit(property.name, property.unit), numeric: true },
        { label: 'Interval', numeric: true },
        ...(withNovelty
          ? [{ label: 'Novelty', numeric: true, title: noveltyDescription(threshold) }]
          : []),
        { label: 'Warning' }
      ],
      payload.items.map(item => [
        item.name ?? '—',
        item.smiles ? h('code', {}, item.smiles) : '—',
        { text: formatNumber(item.value, digits), title: String(item.value) },
        formatInterval(item.lower, item.upper, null, digits) ?? '—',
        ...(withNovelty
          ? [
              typeof item.novelty === 'number'
                ? { text: formatNumber(item.novelty, NOVELTY_DIGITS), title: String(item.novelty) }
                : '—'
            ]
          : []),
        Private.warningCell(item, threshold)
      ])
    );
    // Tint the rows outside the domain (dataTable draws rows in the order of the items).
    table.querySelectorAll('tbody tr').forEach((row, index) => {
      if (outside(payload.items[index])) {
        row.classList.add('jp-cryoprotect-mod-outsideDomain');
      }
    });
    return [
      h(
        'div',
        { className: 'jp-cryoprotect-Report' },
        h(
          'h3',
          { className: 'jp-cryoprotect-Title' },
          `Predicted ${property.name} (${property.unit}) — ${modelName(payload.model)}`
        ),
        modelFacts(payload.model),
        table,
        outsideCount > 0
          ? h(
              'p',
              { className: 'jp-cryoprotect-DomainNote', attrs: { role: 'note' } },
              outsideDomainNote(outsideCount, payload.items.length)
            )
          : null,
        h(
          'p',
          { className: 'jp-cryoprotect-Muted' },
          level,
          digits
            ? ` Values to ${digits} significant figures (hover for the unrounded value).`
            : ' Hover a value for its unrounded form.',
          warned > 0 ? ` ${warned} of ${payload.items.length} predictions carry a warning.` : ''
        )
      )
    ];
  }
}

namespace Private {
  /** The domain badge (with its explanation on hover) and the item's own warning, if any. */
  export function warningCell(item: Item, threshold: number | null): Node | string {
    const badge =
      item.inDomain === false
        ? h(
            'span',
            {
              className: 'jp-cryoprotect-DomainBadge',
              title: outsideDomainExplanation(item.novelty, threshold)
            },
            `${DOMAIN_SIGN} ${OUTSIDE_DOMAIN}`
          )
        : null;
    const warning = item.warning
      ? h('span', { className: 'jp-cryoprotect-Warning' }, item.warning)
      : null;
    if (badge === null && warning === null) {
      return '';
    }
    return h('span', { className: 'jp-cryoprotect-WarningCell' }, badge, warning);
  }
}
