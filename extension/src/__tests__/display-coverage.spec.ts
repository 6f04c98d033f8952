import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { Widget } from '@lumino/widgets';
import { createRendererFactories } from '../display/factories';
import { DISPLAY_MIME } from '../display/mime';
import type { IRendererServices } from '../display/factories';
import { coverage, coverageBelow, report } from './display-fixtures';
import { mimeModel, rendererOptions, waitFor } from './display-harness';

type Kind = keyof typeof DISPLAY_MIME;

async function render(
  kind: Kind,
  data: unknown,
  services: IRendererServices = {}
): Promise<IRenderMime.IRenderer> {
  const mimeType = DISPLAY_MIME[kind];
  const factory = createRendererFactories(services).find(candidate =>
    candidate.mimeTypes.includes(mimeType)
  )!;
  const renderer = factory.createRenderer(rendererOptions(mimeType));
  Widget.attach(renderer, document.body);
  await renderer.renderModel(mimeModel(mimeType, data));
  return renderer;
}

function setDark(dark: boolean): void {
  document.body.dataset.jpThemeLight = dark ? 'false' : 'true';
}

const cells = (node: HTMLElement, selector: string) =>
  [...node.querySelectorAll(selector)].map(cell => cell.textContent);

afterEach(() => {
  setDark(false);
  document.body.replaceChildren();
});

describe('coverage renderer', () => {
  it('shows the verdict, the figures, the months, each result and the notes', async () => {
    const renderer = await render('coverage', coverage);
    const node = renderer.node;
    expect(node.classList).toContain('jp-cryoprotect-Output-coverage');
    expect(node.querySelector('.jp-cryoprotect-Title')!.textContent).toBe('Real coverage: tg-rf@3');
    expect(node.textContent).toContain(
      'Tg (K): 10 verified results; binomial intervals Clopper–Pearson exact, 95 %.'
    );
    const verdict = node.querySelector('.jp-cryoprotect-Verdict')!;
    expect(verdict.classList).toContain('jp-cryoprotect-Verdict-consistent');
    expect(verdict.getAttribute('role')).toBe('status');
    expect(verdict.textContent).toBe(
      '9 of 10 measured values inside their predicted intervals (90 %), 95 % Clopper–Pearson interval 55.5 % to 99.8 %: consistent with the promised 90 %.'
    );
    expect(node.querySelector('.jp-cryoprotect-Verdict-below')).toBeNull();
    expect(cells(node, '.jp-cryoprotect-Facts td')).toEqual([
      '10',
      '9 of 10',
      '90 % (95 % interval 55.5 % to 99.8 %)',
      '90 %',
      '6.54 K',
      '8.12 K'
    ]);
    expect(cells(node, '.jp-cryoprotect-CoverageMonths thead th')).toEqual([
      'Up to',
      'Verified',
      'Inside / with interval',
      'Coverage',
      '95 % interval',
      'MAE (K)',
      'RMSE (K)',
      'Flag'
    ]);
    expect(cells(node, '.jp-cryoprotect-CoverageMonths tbody tr:first-child td')).toEqual([
      '2026-11',
      '4',
      '4 / 4',
      '100 %',
      '39.8 % to 100 %',
      '5.50',
      '6.25',
      ''
    ]);
    expect(cells(node, '.jp-cryoprotect-CoverageResults tbody tr:nth-child(2) td')).toEqual([
      'DMSO',
      '170.2',
      '160.0 to 180.0 (90 %)',
      '137',
      'no',
      '2026-12-02 09:30'
    ]);
    expect(node.textContent).toContain(
      'Showing 2 of 10 results; the figures above count them all.'
    );
    expect(node.textContent).toContain('Flag rule:');
    // No Vega renderer here: the plot's data as a table, with its title.
    expect(node.querySelector('.jp-cryoprotect-PlotTitle')!.textContent).toBe(
      'Real coverage of tg-rf@3 by month (cumulative)'
    );
    expect(node.querySelectorAll('.jp-cryoprotect-PlotData tbody tr')).toHaveLength(2);
    renderer.dispose();
  });

  it('flags a version below its promise as an alert, and the month that is', async () => {
    const renderer = await render('coverage', coverageBelow);
    const flag = renderer.node.querySelector('.jp-cryoprotect-Verdict-below')!;
    expect(flag).not.toBeNull();
    expect(flag.getAttribute('role')).toBe('alert');
    expect(flag.querySelector('strong')!.textContent).toBe('⚠ Below its promise');
    expect(flag.textContent).toContain(
      '12 of 30 measured values inside their predicted intervals (40 %); even the upper bound of the 95 % Clopper–Pearson interval 22.7 % to 59.4 % is below the promised 90 %.'
    );
    expect(
      renderer.node.querySelector('.jp-cryoprotect-CoverageMonths tbody td:last-child')!.textContent
    ).toBe('below promise');
    renderer.dispose();
  });

  it("draws the plot with JupyterLab's Vega renderer, again when the theme switches", async () => {
    const plotted: { spec: unknown; dark: boolean }[] = [];
    const plot = async (spec: Record<string, unknown>) => {
      plotted.push({ spec, dark: document.body.dataset.jpThemeLight === 'false' });
      const widget = new Widget();
      widget.addClass('fake-vega');
      return widget;
    };
    const renderer = await render('coverage', coverage, { plot });
    expect(plotted).toEqual([{ spec: coverage.plot!.spec, dark: false }]);
    expect(renderer.node.querySelector('.fake-vega')).not.toBeNull();
    expect(renderer.node.querySelector('.jp-cryoprotect-PlotFallback')).toBeNull();
    // Vega's title is drawn in the plot: no heading repeats it.
    expect(renderer.node.querySelector('.jp-cryoprotect-PlotTitle')).toBeNull();
    setDark(true);
    await waitFor(() => plotted.length === 2);
    expect(plotted[1].dark).toBe(true);
    await waitFor(() => renderer.node.querySelectorAll('.fake-vega').length === 1);
    renderer.dispose();
  });

  it('before any verified result: says so, and draws no table or plot', async () => {
    const empty = {
      ...coverage,
      overall: {
        ...coverage.overall,
        count: 0,
        mae: null,
        rmse: null,
        withInterval: 0,
        covered: 0,
        coverage: null,
        coverageInterval: null,
        promisedLevel: null
      },
      byMonth: [],
      results: [],
      totalResults: 0,
      plot: null
    };
    const renderer = await render('coverage', empty);
    expect(renderer.node.querySelector('.jp-cryoprotect-Verdict')!.textContent).toBe(
      'No verified results yet.'
    );
    expect(renderer.node.querySelector('table')).toBeNull();
    expect(renderer.node.querySelector('.jp-cryoprotect-PlotTitle')).toBeNull();
    renderer.dispose();
  });

  it('names the field of an invalid payload instead of throwing', async () => {
    const renderer = await render('coverage', {
      ...coverage,
      overall: { ...coverage.overall, covered: 'nine' }
    });
    const problem = renderer.node.querySelector('.jp-cryoprotect-Problem')!;
    expect(problem.textContent).toContain('This CryoProtect real coverage output cannot be shown');
    expect(problem.textContent).toContain('overall.covered');
    renderer.dispose();
  });
});

describe('model report renderer, real coverage section', () => {
  it('draws the coverage in the report when it has it', async () => {
    const renderer = await render('modelReport', { ...report, realCoverage: coverageBelow });
    const node = renderer.node;
    const titles = cells(node, '.jp-cryoprotect-SectionTitle');
    expect(titles).toEqual(['Real coverage']);
    expect(node.querySelector('.jp-cryoprotect-Verdict-below')).not.toBeNull();
    // The report names the model: the section has no title of its own.
    expect(cells(node, '.jp-cryoprotect-Title')).toEqual(['Model report: tg-rf@3']);
    // Its notes are told apart from the report's own.
    expect(cells(node, '.jp-cryoprotect-Section > h4')).toContain('Notes on real coverage');
    renderer.dispose();
  });

  it('says "no verified results yet" when asked before any, and nothing when not asked', async () => {
    const asked = await render('modelReport', { ...report, realCoverage: null });
    expect(asked.node.textContent).toContain('Real coverage');
    expect(asked.node.textContent).toContain('No verified results yet');
    asked.dispose();
    const plain = await render('modelReport', report);
    expect(plain.node.textContent).not.toContain('Real coverage');
    plain.dispose();
  });
});
