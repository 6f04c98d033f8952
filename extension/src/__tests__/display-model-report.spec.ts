import type { ModelReportPayload } from '@cryoprotect/kernel';
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { Widget } from '@lumino/widgets';
import { createRendererFactories } from '../display/factories';
import { DISPLAY_MIME } from '../display/mime';
import { report } from './display-fixtures';
import { mimeModel, rendererOptions } from './display-harness';

/**
 * A report of a learner chosen automatically, with adaptive intervals, as the kernel writes it for
 * a training result (numbers from a run on the IRI amino-acid data, rounded by hand).
 */
const chosen: ModelReportPayload = {
  ...report,
  property: { name: 'IRI', unit: '% MGS' },
  validation: {
    scheme: '5-fold nested cross-validation (3-fold inner loops) grouped by inchikey, seed 1',
    folds: 5,
    rows: 50
  },
  coverage: { nominal: 0.9, observed: 0.9 },
  selection: {
    kind: 'auto',
    summary:
      'Chosen automatically: random forest (100 trees, 33 % of columns per split) on descriptors only',
    why: "Lowest cross-validated RMSE of 3 candidates on all rows (24.64; next best extra trees (100 trees, 50 % of columns per split) on descriptors + Morgan counts at 26.26); the nested cross-validation's inner loops chose it in 4 of 5 outer folds.",
    nested:
      'Nested cross-validation: the choice made again inside each outer fold (3-fold inner loops on its training rows), so the metrics are the error of choosing and fitting, measured on rows neither saw.',
    outerFolds: 5,
    innerFolds: 3,
    candidates: [
      {
        learner: 'random forest (100 trees, 33 % of columns per split)',
        features: 'descriptors only',
        rmse: 24.642644,
        chosen: true,
        innerChoices: 4
      },
      {
        learner: 'extra trees (100 trees, 50 % of columns per split)',
        features: 'descriptors + Morgan counts',
        rmse: 26.259262,
        chosen: false,
        innerChoices: 1
      },
      {
        learner: 'ridge regression (α = 100)',
        features: 'descriptors + Morgan counts',
        rmse: null,
        chosen: false,
        innerChoices: 0
      }
    ]
  },
  intervals: {
    level: 0.9,
    method:
      'The 90 % prediction intervals adapt to each molecule: wider the farther it is from the training rows.',
    overall: {
      count: 50,
      constant: { coverage: 0.9, meanWidth: 90.60984 },
      adaptive: { coverage: 0.9, meanWidth: 93.254594 }
    },
    byNovelty: [
      {
        group: 'nearest third',
        count: 17,
        distance: { min: 0.317217, max: 0.557847 },
        constant: { coverage: 0.882353, meanWidth: 90.276471 },
        adaptive: { coverage: 0.882353, meanWidth: 78.953464 }
      },
      {
        group: 'middle third',
        count: 16,
        distance: { min: 0.567557, max: 0.752956 },
        constant: { coverage: 0.875, meanWidth: 93.247875 },
        adaptive: { coverage: 0.875, meanWidth: 90.294408 }
      },
      {
        group: 'farthest third',
        count: 17,
        distance: { min: 0.763209, max: 1.809831 },
        constant: { coverage: 0.941176, meanWidth: 88.460353 },
        adaptive: { coverage: 0.941176, meanWidth: 110.341783 }
      }
    ],
    domain: { threshold: 1.681784, percentile: 0.99 },
    domainRule:
      'Applicability domain: a molecule is outside when d > 1.68, farther from the training rows than 99 % of the held-out molecules were from theirs in cross-validation; each prediction says whether its molecule is inside.'
  }
};

async function render(data: unknown): Promise<IRenderMime.IRenderer> {
  const mimeType = DISPLAY_MIME.modelReport;
  const factory = createRendererFactories({}).find(candidate =>
    candidate.mimeTypes.includes(mimeType)
  )!;
  const renderer = factory.createRenderer(rendererOptions(mimeType));
  Widget.attach(renderer, document.body);
  await renderer.renderModel(mimeModel(mimeType, data));
  return renderer;
}

/** A section of the report by its heading, or null. */
function sectionOf(node: HTMLElement, title: string): HTMLElement | null {
  const heading = [...node.querySelectorAll('.jp-cryoprotect-Section > h4')].find(
    h => h.textContent === title
  );
  return (heading?.parentElement as HTMLElement | undefined) ?? null;
}

const cells = (row: Element) => [...row.querySelectorAll('td')].map(cell => cell.textContent);

afterEach(() => {
  document.body.replaceChildren();
});

describe('model report renderer: a learner chosen automatically', () => {
  it('shows the choice, why, and the candidates best first with the chosen one marked', async () => {
    const renderer = await render(chosen);
    expect(renderer.node.querySelector('.jp-cryoprotect-Problem')).toBeNull();
    const learner = sectionOf(renderer.node, 'Learner')!;
    expect(learner).not.toBeNull();
    expect(learner.querySelector('.jp-cryoprotect-Choice')!.textContent).toBe(
      chosen.selection!.summary
    );
    expect(learner.textContent).toContain('inner loops chose it in 4 of 5 outer folds');
    const headers = [...learner.querySelectorAll('thead th')].map(th => th.textContent);
    expect(headers).toEqual(['Candidate', 'Features', 'CV RMSE (% MGS)', 'Chosen by inner loops']);
    const rows = [...learner.querySelectorAll('tbody tr')];
    expect(rows.map(cells)).toEqual([
      [
        'random forest (100 trees, 33 % of columns per split) chosen',
        'descriptors only',
        '24.64',
        '4 of 5'
      ],
      [
        'extra trees (100 trees, 50 % of columns per split)',
        'descriptors + Morgan counts',
        '26.26',
        '1 of 5'
      ],
      ['ridge regression (α = 100)', 'descriptors + Morgan counts', '—', '0 of 5']
    ]);
    expect(rows.map(row => row.classList.contains('jp-mod-chosen'))).toEqual([true, false, false]);
    expect(rows[0].querySelector('.jp-cryoprotect-Badge')!.textContent).toBe('chosen');
    renderer.dispose();
  });

  it('says once, in the metrics, that they are the nested estimate; nothing optimistic', async () => {
    const renderer = await render(chosen);
    const metrics = sectionOf(renderer.node, 'Metrics')!;
    expect(metrics.querySelector('.jp-cryoprotect-Nested')!.textContent).toBe(
      chosen.selection!.nested
    );
    const text = renderer.node.textContent!;
    expect(text.match(/Nested cross-validation: the choice made again/g)).toHaveLength(1);
    expect(text).not.toContain('optimistic');
    // The intervals section says the coverage; the metrics' single line goes.
    expect(text).not.toContain('Interval coverage:');
    renderer.dispose();
  });

  it('compares constant and adaptive intervals overall and by novelty, and states the domain', async () => {
    const renderer = await render(chosen);
    const intervals = sectionOf(renderer.node, 'Prediction intervals')!;
    expect(intervals).not.toBeNull();
    expect(intervals.textContent).toContain('wider the farther it is from the training rows');
    const [groups, columns] = [...intervals.querySelectorAll('thead tr')].map(row =>
      [...row.querySelectorAll('th')].map(th => [th.textContent, th.getAttribute('colspan')])
    );
    expect(groups).toEqual([
      ['', '3'],
      ['Constant intervals', '2'],
      ['Adaptive intervals', '2']
    ]);
    expect(columns.map(([label]) => label)).toEqual([
      'Held-out molecules',
      'n',
      'Distance d',
      'Coverage',
      'Mean width (% MGS)',
      'Coverage',
      'Mean width (% MGS)'
    ]);
    expect([...intervals.querySelectorAll('tbody tr')].map(cells)).toEqual([
      ['all', '50', '0.317 – 1.81', '90 %', '90.6', '90 %', '93.3'],
      ['nearest third', '17', '0.317 – 0.558', '88.2 %', '90.3', '88.2 %', '79.0'],
      ['middle third', '16', '0.568 – 0.753', '87.5 %', '93.2', '87.5 %', '90.3'],
      ['farthest third', '17', '0.763 – 1.81', '94.1 %', '88.5', '94.1 %', '110']
    ]);
    expect(intervals.querySelector('.jp-cryoprotect-Domain')!.textContent).toBe(
      chosen.intervals!.domainRule
    );
    renderer.dispose();
  });

  it('a saved model: no inner-loop column, the adaptive coverage in a sentence', async () => {
    const saved: ModelReportPayload = {
      ...chosen,
      selection: {
        ...chosen.selection!,
        candidates: chosen.selection!.candidates.map(c => ({ ...c, innerChoices: null }))
      },
      intervals: {
        ...chosen.intervals!,
        overall: { ...chosen.intervals!.overall!, constant: null },
        byNovelty: []
      }
    };
    const renderer = await render(saved);
    const learner = sectionOf(renderer.node, 'Learner')!;
    expect([...learner.querySelectorAll('thead th')].map(th => th.textContent)).not.toContain(
      'Chosen by inner loops'
    );
    const intervals = sectionOf(renderer.node, 'Prediction intervals')!;
    expect(intervals.querySelector('table')).toBeNull();
    expect(intervals.textContent).toContain(
      'Out-of-fold coverage of the 90 % adaptive intervals: 90 % of 50 held-out molecules, mean width 93.3 % MGS.'
    );
    renderer.dispose();
  });
});

describe('model report renderer: a named learner with constant intervals', () => {
  it('has no learner or prediction-intervals section, and keeps the coverage line', async () => {
    const renderer = await render(report);
    expect(sectionOf(renderer.node, 'Learner')).toBeNull();
    expect(sectionOf(renderer.node, 'Prediction intervals')).toBeNull();
    const text = renderer.node.textContent!;
    expect(text).not.toContain('Nested cross-validation');
    expect(text).toContain('Interval coverage: 87.4 % observed for 90 % nominal.');
    renderer.dispose();
  });
});
