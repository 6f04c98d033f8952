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
 * A model's validation report: the model and dataset snapshot, the validation scheme, how the
 * learner was chosen (when it was chosen among candidates), metrics with their intervals, the
 * prediction intervals (constant against adaptive, the applicability domain) or their coverage,
 * feature importance, the plots and the notes.
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
    const { validation, selection, intervals } = payload;
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
          `Predicts ${titleWithUnit(payload.property.name, payload.property.unit)}.`
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
        selection ? Private.selectionSection(payload, selection) : null,
        section(
          'Metrics',
          selection ? h('p', { className: 'jp-cryoprotect-Nested' }, selection.nested) : null,
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
          intervals
            ? null
            : payload.coverage
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
        intervals ? Private.intervalsSection(payload, intervals) : null,
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
  type Selection = NonNullable<ModelReportPayload['selection']>;
  type Intervals = NonNullable<ModelReportPayload['intervals']>;

  /** Figures of a candidate's cross-validated RMSE, as the kernel's fallbacks give them. */
  const CANDIDATE_DIGITS = 4;
  /** Figures of interval widths and distances. */
  const WIDTH_DIGITS = 3;

  /** How the learner was chosen: the choice, why, and every candidate, best first. */
  export function selectionSection(payload: ModelReportPayload, selection: Selection): HTMLElement {
    const counted = selection.candidates.some(c => c.innerChoices !== null);
    const table = dataTable(
      'jp-cryoprotect-Candidates',
      [
        { label: 'Candidate' },
        { label: 'Features' },
        {
          label: titleWithUnit('CV RMSE', payload.property.unit),
          numeric: true,
          title: `RMSE of a ${selection.outerFolds}-fold cross-validation on all rows: what chose the model`
        },
        ...(counted
          ? [
              {
                label: 'Chosen by inner loops',
                numeric: true,
                title: 'Outer folds of the nested cross-validation whose inner loop chose it'
              }
            ]
          : [])
      ],
      selection.candidates.map(c => [
        c.chosen
          ? h(
              'span',
              {},
              c.learner,
              ' ',
              h('span', { className: 'jp-cryoprotect-Badge' }, 'chosen')
            )
          : c.learner,
        c.features,
        c.rmse === null ? '—' : formatNumber(c.rmse, CANDIDATE_DIGITS),
        ...(counted
          ? [c.innerChoices === null ? '—' : `${c.innerChoices} of ${selection.outerFolds}`]
          : [])
      ])
    );
    selection.candidates.forEach((c, i) => {
      if (c.chosen) {
        table.tBodies[0].rows[i].classList.add('jp-mod-chosen');
      }
    });
    return section(
      'Learner',
      h('p', { className: 'jp-cryoprotect-Choice' }, selection.summary),
      selection.why ? h('p', { className: 'jp-cryoprotect-Muted' }, selection.why) : null,
      table
    );
  }

  /** Adaptive prediction intervals: how, constant against adaptive by novelty, the domain. */
  export function intervalsSection(payload: ModelReportPayload, intervals: Intervals): HTMLElement {
    const unit = payload.property.unit;
    const { overall } = intervals;
    const width = (value: number) => formatNumber(value, WIDTH_DIGITS);
    const range = (min: number, max: number) =>
      `${formatNumber(min, WIDTH_DIGITS)} – ${formatNumber(max, WIDTH_DIGITS)}`;
    const groups = intervals.byNovelty;
    let check: HTMLElement | null = null;
    if (overall !== null && overall.constant !== null) {
      const row = (
        group: string,
        count: number,
        distance: string,
        constant: { coverage: number; meanWidth: number },
        adaptive: { coverage: number; meanWidth: number }
      ) => [
        group,
        String(count),
        distance,
        formatLevel(constant.coverage),
        width(constant.meanWidth),
        formatLevel(adaptive.coverage),
        width(adaptive.meanWidth)
      ];
      const table = dataTable(
        'jp-cryoprotect-IntervalCheck',
        [
          { label: 'Held-out molecules' },
          { label: 'n', numeric: true },
          {
            label: 'Distance d',
            numeric: true,
            title:
              "Mean distance to the nearest rows of the fold's training data (standardized features)"
          },
          { label: 'Coverage', numeric: true },
          { label: titleWithUnit('Mean width', unit), numeric: true },
          { label: 'Coverage', numeric: true },
          { label: titleWithUnit('Mean width', unit), numeric: true }
        ],
        [
          row(
            'all',
            overall.count,
            groups.length === 0
              ? ''
              : range(
                  Math.min(...groups.map(g => g.distance.min)),
                  Math.max(...groups.map(g => g.distance.max))
                ),
            overall.constant,
            overall.adaptive
          ),
          ...groups.map(g =>
            row(g.group, g.count, range(g.distance.min, g.distance.max), g.constant, g.adaptive)
          )
        ],
        `Constant against adaptive ${formatLevel(intervals.level)} intervals on the out-of-fold predictions`
      );
      // Which intervals the coverage and width columns are of, above them.
      table.tHead!.prepend(
        h(
          'tr',
          {},
          h('th', { attrs: { colspan: '3' } }),
          h(
            'th',
            { className: 'jp-cryoprotect-ColumnGroup', attrs: { colspan: '2', scope: 'colgroup' } },
            'Constant intervals'
          ),
          h(
            'th',
            { className: 'jp-cryoprotect-ColumnGroup', attrs: { colspan: '2', scope: 'colgroup' } },
            'Adaptive intervals'
          )
        )
      );
      check = table;
    } else if (overall !== null) {
      check = h(
        'p',
        {},
        `Out-of-fold coverage of the ${formatLevel(intervals.level)} adaptive intervals: ${formatLevel(overall.adaptive.coverage)} of ${overall.count} held-out molecules, mean width ${formatQuantity(overall.adaptive.meanWidth, unit, WIDTH_DIGITS)}.`
      );
    }
    return section(
      'Prediction intervals',
      h('p', {}, intervals.method),
      check,
      h('p', { className: 'jp-cryoprotect-Domain' }, intervals.domainRule)
    );
  }

  export function bar(fraction: number): HTMLElement {
    const bar = h('span', { className: 'jp-cryoprotect-Bar', attrs: { 'aria-hidden': 'true' } });
    bar.style.width = `${Math.round(fraction * 100)}%`;
    return h('span', { className: 'jp-cryoprotect-BarTrack' }, bar);
  }
}
