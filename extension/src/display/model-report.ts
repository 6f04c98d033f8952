import type { ModelReportPayload } from '@cryoprotect/kernel';
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import type { Widget } from '@lumino/widgets';
import { coverageParts } from './coverage';
import { dataTable, h, list, section } from './dom';
import {
  formatInterval,
  formatLevel,
  formatNumber,
  formatQuantity,
  titleWithUnit
} from '@cryoprotect/kernel/display';
import { modelFacts, modelName } from './model-ref';
import { plotParts, type PlotRenderer } from './plot';
import { PayloadRenderer, type IRenderContext } from './renderer';

/**
 * A model's validation report: the model and dataset snapshot, the validation scheme, metrics with
 * their intervals, interval coverage, feature importance, the plots and the notes.
 */
export class ModelReportRenderer extends PayloadRenderer<ModelReportPayload> {
  constructor(
    options: IRenderMime.IRendererOptions,
    private readonly plot: PlotRenderer | null
  ) {
    super('modelReport', options);
  }

  protected async render(
    payload: ModelReportPayload,
    context: IRenderContext
  ): Promise<(Node | Widget)[]> {
    const { validation } = payload;
    const importance = [...payload.importance].sort((a, b) => b.mean - a.mean);
    const top =
      importance.length > 0 ? Math.max(...importance.map(item => Math.abs(item.mean))) : 0;
    const parts: (Node | Widget)[] = [
      h(
        'div',
        { className: 'jp-cryoprotect-Report' },
        h('h3', { className: 'jp-cryoprotect-Title' }, `Model report: ${modelName(payload.model)}`),
        h(
          'p',
          { className: 'jp-cryoprotect-Lead' },
          `Predicts ${payload.property.name} (${payload.property.unit}).`
        ),
        modelFacts(payload.model),
        section(
          'Validation',
          h(
            'p',
            {},
            `${validation.scheme}: ${validation.folds} fold${validation.folds === 1 ? '' : 's'} over ${validation.rows} rows.`
          )
        ),
        section(
          'Metrics',
          dataTable(
            'jp-cryoprotect-Metrics',
            [
              { label: 'Metric' },
              { label: 'Value', numeric: true },
              { label: 'Interval', numeric: true }
            ],
            payload.metrics.map(metric => [
              metric.name,
              {
                text: formatQuantity(metric.value, metric.unit, metric.digits),
                title: String(metric.value)
              },
              {
                text:
                  formatInterval(
                    metric.lower,
                    metric.upper,
                    metric.intervalLevel ?? null,
                    metric.digits
                  ) ?? '—',
                title: metric.intervalMethod ?? ''
              }
            ])
          ),
          payload.coverage
            ? h(
                'p',
                {},
                `Interval coverage: ${formatLevel(payload.coverage.observed)} observed for ${formatLevel(payload.coverage.nominal)} nominal.`
              )
            : h(
                'p',
                { className: 'jp-cryoprotect-Muted' },
                'The model gives no intervals, so no coverage is reported.'
              )
        ),
        importance.length > 0
          ? section(
              'Feature importance',
              dataTable(
                'jp-cryoprotect-Importance',
                [
                  { label: 'Feature family' },
                  {
                    label: titleWithUnit('Mean increase of RMSE', payload.property.unit),
                    numeric: true
                  },
                  { label: 'SD', numeric: true },
                  { label: '' }
                ],
                importance.map(item => [
                  item.feature,
                  formatNumber(item.mean, 3),
                  formatNumber(item.std, 2),
                  Private.bar(top === 0 ? 0 : Math.abs(item.mean) / top)
                ])
              ),
              payload.importanceMethod
                ? h('p', { className: 'jp-cryoprotect-Muted' }, `${payload.importanceMethod}.`)
                : null
            )
          : null
      )
    ];
    for (const plot of payload.plots) {
      parts.push(...(await plotParts(plot, this.plot, context.trusted)));
    }
    if (payload.realCoverage !== undefined) {
      parts.push(
        h('h4', { className: 'jp-cryoprotect-SectionTitle' }, 'Real coverage'),
        ...(payload.realCoverage === null || payload.realCoverage.overall.count === 0
          ? [
              h(
                'p',
                { className: 'jp-cryoprotect-Muted' },
                'No verified results yet: the lab has verified no measurement of a prediction of this version.'
              )
            ]
          : await coverageParts(payload.realCoverage, this.plot, context.trusted, false))
      );
    }
    if (payload.notes.length > 0) {
      parts.push(section('Notes', list('jp-cryoprotect-Notes', payload.notes)));
    }
    return parts;
  }
}

namespace Private {
  export function bar(fraction: number): HTMLElement {
    const bar = h('span', { className: 'jp-cryoprotect-Bar', attrs: { 'aria-hidden': 'true' } });
    bar.style.width = `${Math.round(fraction * 100)}%`;
    return h('span', { className: 'jp-cryoprotect-BarTrack' }, bar);
  }
}
