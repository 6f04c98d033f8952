import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { Widget } from '@lumino/widgets';
import { clearDepictionCache } from '../display/depict';
import { createRendererFactories } from '../display/factories';
import { DISPLAY_MIME, RENDERER_RANK } from '../display/mime';
import {
  glycerol,
  mixture,
  prediction,
  predictionWithDomain,
  report,
  table
} from './display-fixtures';
import { mimeModel, rendererOptions, svgOf, waitFor } from './display-harness';

type Kind = keyof typeof DISPLAY_MIME;

/** Render `data` as JupyterLab would: the factory's renderer, attached to the page. */
async function render(kind: Kind, data: unknown, services = {}): Promise<IRenderMime.IRenderer> {
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

/** Time for a redraw that must not happen (RDKit is loaded by then: a redraw takes milliseconds). */
function pause(ms = 300): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms));
}

afterEach(() => {
  setDark(false);
  document.body.replaceChildren();
});

describe('renderer factories', () => {
  it('are safe, ranked below text/html, one per vendor type', () => {
    const factories = createRendererFactories();
    expect(factories.flatMap(factory => factory.mimeTypes).sort()).toEqual(
      Object.values(DISPLAY_MIME).sort()
    );
    for (const factory of factories) {
      expect(factory.safe).toBe(true);
      expect(factory.defaultRank).toBe(RENDERER_RANK);
      expect(RENDERER_RANK).toBeLessThan(50);
    }
  });
});

describe('molecule renderer', () => {
  it('shows the depiction, name, SMILES with a copy button, InChIKey and properties with units', async () => {
    const renderer = await render('molecule', glycerol);
    const node = renderer.node;
    expect(node.querySelector('h3')!.textContent).toBe('glycerol');
    expect(node.querySelector('.jp-cryoprotect-Smiles code')!.textContent).toBe('OCC(O)CO');
    expect(node.querySelector('.jp-cryoprotect-Smiles button')!.textContent).toBe('Copy');
    expect(node.textContent).toContain('PEDCQBHIVMGVHV-UHFFFAOYSA-N');
    const cells = [...node.querySelectorAll('table td')].map(cell => cell.textContent);
    expect(cells).toEqual(
      expect.arrayContaining(['92.094 g/mol', '−1.76 — Crippen (RDKit)', 'yes'])
    );
    const svg = svgOf(node.querySelector('.jp-cryoprotect-Structure img'));
    expect(svg).toContain('<svg');
    // Light theme: RDKit's black bonds on a transparent background.
    expect(svg).toContain('stroke:#000000');
    expect(svg).toContain('fill:#00000000');
    renderer.dispose();
  });

  it('highlights the matches of the payload SMARTS and says which', async () => {
    clearDepictionCache();
    const plain = svgOf(
      (await render('molecule', glycerol)).node.querySelector('.jp-cryoprotect-Structure img')
    );
    const renderer = await render('molecule', { ...glycerol, highlight: '[OX2H]' });
    const svg = svgOf(renderer.node.querySelector('.jp-cryoprotect-Structure img'));
    expect(svg).not.toEqual(plain);
    // RDKit draws highlighted atoms as filled ellipses; three hydroxyl oxygens.
    expect(svg.match(/<ellipse/g)).toHaveLength(3);
    expect(renderer.node.textContent).toContain('Highlightedmatches of [OX2H]');
    renderer.dispose();
  });

  it('accepts the payload as a JSON string (tslab display.raw)', async () => {
    const renderer = await render('molecule', JSON.stringify(glycerol));
    expect(renderer.node.querySelector('h3')!.textContent).toBe('glycerol');
    renderer.dispose();
  });

  it('draws light bonds in the dark theme and redraws when the theme switches', async () => {
    clearDepictionCache();
    setDark(true);
    const renderer = await render('molecule', glycerol);
    const dark = svgOf(renderer.node.querySelector('.jp-cryoprotect-Structure img'));
    expect(dark).toContain('stroke:#E0E0E0');
    expect(dark).not.toContain('stroke:#000000');
    setDark(false);
    await waitFor(() =>
      svgOf(renderer.node.querySelector('.jp-cryoprotect-Structure img')).includes('stroke:#000000')
    );
    renderer.dispose();
  });

  it('shows a message naming the field of an invalid payload instead of throwing', async () => {
    const renderer = await render('molecule', {
      ...glycerol,
      properties: [{ name: 'x', value: {} }]
    });
    const problem = renderer.node.querySelector('.jp-cryoprotect-Problem')!;
    expect(problem.getAttribute('role')).toBe('alert');
    expect(problem.textContent).toContain('This CryoProtect molecule output cannot be shown');
    expect(problem.textContent).toContain('properties[0].value');
    renderer.dispose();
  });

  it('says so when RDKit cannot read the structure, and still shows the rest', async () => {
    const renderer = await render('molecule', { ...glycerol, smiles: 'C1CC' });
    expect(renderer.node.querySelector('.jp-cryoprotect-DepictionError')!.textContent).toMatch(
      /could not parse/
    );
    expect(renderer.node.querySelector('h3')!.textContent).toBe('glycerol');
    renderer.dispose();
  });

  it('disconnects its theme observer when disposed', async () => {
    const disconnect = jest.spyOn(MutationObserver.prototype, 'disconnect');
    const renderer = await render('molecule', glycerol);
    const image = renderer.node.querySelector('.jp-cryoprotect-Structure img');
    renderer.dispose();
    expect(disconnect).toHaveBeenCalled();
    disconnect.mockRestore();
    // A theme switch after disposal redraws nothing and throws nothing.
    setDark(true);
    await pause();
    expect(svgOf(image as HTMLImageElement)).toContain('stroke:#000000');
  });
});

describe('mixture renderer', () => {
  it('reads like a methods section: composition, temperature, method, sources, limits, notes', async () => {
    const renderer = await render('mixture', mixture);
    const text = renderer.node.textContent!;
    expect(text).toContain(
      '10 % w/w glycerol in water; water the balance; volumes and densities at 293.15 K'
    );
    expect(text).toContain('1.23 osmol/kg');
    expect(text).toContain('Method: ideal van ’t Hoff');
    expect(text).toContain('Equation: Σ νᵢ mᵢ');
    expect(text).toContain('Weng et al. 2011');
    expect(renderer.node.querySelector('a')!.getAttribute('href')).toBe(
      'https://doi.org/10.1016/j.cryobiol.2011.01.001'
    );
    expect(text).toContain('dilute solutions');
    expect(text).toContain('computed, not measured');
    expect(text).toContain('1.022 g/mL — ideal mixing of pure densities');
    const glycerolRow = [
      ...renderer.node.querySelectorAll('.jp-cryoprotect-Components tbody tr')
    ][0];
    // Each component is drawn, water too, at one small scale.
    const structures = [
      ...renderer.node.querySelectorAll('.jp-cryoprotect-Components tbody tr')
    ].map(row => svgOf(row.querySelector('td:first-child img')));
    expect(structures).toHaveLength(2);
    structures.forEach(svg => expect(svg).toContain('<svg'));
    expect([...glycerolRow.querySelectorAll('td')].map(cell => cell.textContent)).toEqual([
      '',
      'glycerol',
      'permeating',
      '10 % w/w',
      '92.0938 g/mol',
      '10.00',
      '0.02128',
      '1.206 mol/kg',
      '—'
    ]);
    renderer.dispose();
  });
});

describe('prediction renderer', () => {
  it('shows values to the given digits, intervals with their level, warnings and the model', async () => {
    const renderer = await render('prediction', JSON.stringify(prediction));
    const node = renderer.node;
    expect(node.querySelector('h3')!.textContent).toBe('Predicted Tg (K) — tg-rf@3');
    const rows = [...node.querySelectorAll('.jp-cryoprotect-Predictions tbody tr')].map(row =>
      [...row.querySelectorAll('td')].map(cell => cell.textContent)
    );
    expect(rows).toEqual([
      ['glycerol', 'OCC(O)CO', '190', '[180, 201]', ''],
      ['—', 'CCCCCCCCCCCCO', '150', '—', 'outside the training domain']
    ]);
    expect(node.textContent).toContain(
      'Intervals are 90 % prediction intervals (nominal coverage).'
    );
    expect(node.textContent).toContain('sha256:ab12cd34ef56…');
    expect(node.textContent).toContain('random forest');
    expect(node.textContent).toContain('1 of 2 predictions carry a warning');
    renderer.dispose();
  });
});

describe('prediction renderer and the applicability domain', () => {
  it('marks a row outside the domain with a badge and a note; rows inside show nothing extra', async () => {
    const renderer = await render('prediction', predictionWithDomain);
    const node = renderer.node;
    const headers = [...node.querySelectorAll('.jp-cryoprotect-Predictions thead th')];
    expect(headers.map(th => th.textContent)).toEqual([
      'Name',
      'SMILES',
      'Tg (K)',
      'Interval',
      'Novelty',
      'Warning'
    ]);
    expect(headers[4].getAttribute('title')).toBe(
      "Mean standardized distance to the model's 5 nearest training molecules (0: on one of them); above 2.05 a prediction is outside the applicability domain."
    );
    const rows = [...node.querySelectorAll('.jp-cryoprotect-Predictions tbody tr')];
    expect(rows.map(row => [...row.querySelectorAll('td')].map(cell => cell.textContent))).toEqual([
      ['glycerol', 'OCC(O)CO', '190.5', '[180.1, 200.9]', '0.412', ''],
      [
        'perfluorodecalin',
        predictionWithDomain.items[1].smiles,
        '251.2',
        '[201.7, 300.7]',
        '3.42',
        '⚠ outside the applicability domain'
      ],
      ['DMSO', 'CS(C)=O', '137.9', '[128.2, 147.6]', '0.873', '']
    ]);
    // Only the row outside is marked, and its badge explains why on hover.
    expect(rows.map(row => row.classList.contains('jp-cryoprotect-mod-outsideDomain'))).toEqual([
      false,
      true,
      false
    ]);
    const badges = node.querySelectorAll('.jp-cryoprotect-DomainBadge');
    expect(badges).toHaveLength(1);
    expect(rows[1].contains(badges[0])).toBe(true);
    expect(badges[0].getAttribute('title')).toBe(
      "Outside the applicability domain: farther from the model's training molecules than cross-validation ever tested it (novelty 3.42, above 2.05, the 99th percentile of the molecules held out in cross-validation). The interval is wider here, but less trustworthy."
    );
    // One line under the table.
    const note = node.querySelector('.jp-cryoprotect-DomainNote')!;
    expect(note.textContent).toBe(
      '⚠ 1 of 3 predictions is outside the applicability domain: farther from the training molecules than cross-validation ever tested the model. Its interval is wider but less trustworthy; treat it as extrapolation.'
    );
    expect(note.previousElementSibling).toBe(node.querySelector('.jp-cryoprotect-Predictions'));
    renderer.dispose();
  });

  it('shows no badge, note or novelty column when every row is inside or the domain is unknown', async () => {
    const inside = await render('prediction', {
      ...predictionWithDomain,
      items: [predictionWithDomain.items[0], predictionWithDomain.items[2]]
    });
    expect(inside.node.querySelector('.jp-cryoprotect-DomainBadge')).toBeNull();
    expect(inside.node.querySelector('.jp-cryoprotect-DomainNote')).toBeNull();
    expect(inside.node.querySelector('.jp-cryoprotect-mod-outsideDomain')).toBeNull();
    expect(inside.node.textContent).not.toContain('applicability');
    inside.dispose();
    // A payload of before the domain (no novelty, no inDomain): as it always was.
    const older = await render('prediction', prediction);
    expect(older.node.querySelector('.jp-cryoprotect-DomainBadge')).toBeNull();
    expect(older.node.querySelector('.jp-cryoprotect-DomainNote')).toBeNull();
    expect(
      [...older.node.querySelectorAll('.jp-cryoprotect-Predictions thead th')].map(
        th => th.textContent
      )
    ).not.toContain('Novelty');
    older.dispose();
  });

  it('refuses a negative novelty, naming the field', async () => {
    const bad = {
      ...predictionWithDomain,
      items: [{ ...predictionWithDomain.items[0], novelty: -1 }]
    };
    const renderer = await render('prediction', bad);
    expect(renderer.node.textContent).toContain('items[0].novelty');
    renderer.dispose();
  });
});

describe('model report renderer', () => {
  it('shows metrics, coverage, importance and, without a Vega renderer, the plot data as a table', async () => {
    const renderer = await render('modelReport', report);
    const text = renderer.node.textContent!;
    expect(text).toContain('Model report: tg-rf@3');
    expect(text).toContain('5-fold cross-validation grouped by scaffold: 5 folds over 412 rows.');
    expect(text).toContain('7.89 K');
    // The metric's interval says its level; its method is on hover.
    const interval = renderer.node.querySelector(
      '.jp-cryoprotect-Metrics tbody tr td:nth-child(3)'
    )!;
    expect(interval.textContent).toBe('[6.50, 9.20] (95 % interval)');
    expect(interval.getAttribute('title')).toBe('bootstrap percentile, 1000 resamples');
    expect(text).toContain('Interval coverage: 87.4 % observed for 90 % nominal.');
    expect(text).toContain('Mean increase of RMSE (K)');
    expect(text).toContain('permutation importance: increase of RMSE when a family is shuffled.');
    const features = [
      ...renderer.node.querySelectorAll('.jp-cryoprotect-Importance tbody tr td:first-child')
    ];
    expect(features.map(cell => cell.textContent)).toEqual(['MolWt', 'TPSA']);
    expect(text).toContain("JupyterLab's Vega renderer is not available here");
    expect(renderer.node.querySelectorAll('.jp-cryoprotect-PlotData tbody tr')).toHaveLength(2);
    expect(text).toContain('trained on public data only');
    renderer.dispose();
  });

  it("hands each plot's Vega-Lite spec to JupyterLab's renderer when there is one", async () => {
    const plotted: unknown[] = [];
    const plot = async (spec: Record<string, unknown>) => {
      plotted.push(spec);
      const widget = new Widget();
      widget.addClass('fake-vega');
      return widget;
    };
    const renderer = await render('modelReport', report, { plot });
    expect(plotted).toEqual([report.plots[0].spec]);
    expect(renderer.node.querySelector('.fake-vega')).not.toBeNull();
    expect(renderer.node.querySelector('.jp-cryoprotect-PlotFallback')).toBeNull();
    renderer.dispose();
  });
});

describe('table renderer', () => {
  it('puts units in the headers and rounds numbers to the column digits, saying when rows were capped', async () => {
    const renderer = await render('table', table);
    const node = renderer.node;
    expect([...node.querySelectorAll('thead th')].map(cell => cell.textContent)).toEqual([
      'Name',
      'Osmolality (osmol/kg)'
    ]);
    expect([...node.querySelectorAll('tbody td')].map(cell => cell.textContent)).toEqual([
      'glycerol',
      '1.23',
      'DMSO',
      '—'
    ]);
    expect(node.querySelector('caption')!.textContent).toBe('Osmolalities');
    expect(node.textContent).toContain('Showing 2 of 10 rows');
    renderer.dispose();
  });
});
