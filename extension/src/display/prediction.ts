import type { PredictionPayload } from '@cryoprotect/kernel';
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { dataTable, h } from './dom';
import {
  formatInterval,
  formatLevel,
  formatNumber,
  titleWithUnit
} from '@cryoprotect/kernel/display';
import { modelFacts, modelName } from './model-ref';
import { PayloadRenderer } from './renderer';

/**
 * Predictions of one property by one model: each value to the model's significant figures, its
 * interval with the interval's nominal level, a warning where the model is less to be trusted,
 * and the model and dataset snapshot that produced them.
 */
export class PredictionRenderer extends PayloadRenderer<PredictionPayload> {
  constructor(options: IRenderMime.IRendererOptions) {
    super('prediction', options);
  }

  protected render(payload: PredictionPayload): Node[] {
    const { property, digits } = payload;
    const warned = payload.items.filter(item => item.warning !== null).length;
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
        { label: 'Warning' }
      ],
      payload.items.map(item => [
        item.name ?? '—',
        item.smiles ? h('code', {}, item.smiles) : '—',
        { text: formatNumber(item.value, digits), title: String(item.value) },
        formatInterval(item.lower, item.upper, null, digits) ?? '—',
        item.warning ? h('span', { className: 'jp-cryoprotect-Warning' }, item.warning) : ''
      ])
    );
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
