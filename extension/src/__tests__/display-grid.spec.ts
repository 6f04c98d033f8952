import type { MoleculesPayload } from '@cryoprotect/kernel';
import { matchSmarts } from '../display/depict';
import type { MoleculeGrid } from '../display/grid/widget';
import { screen } from './display-fixtures';
import { renderGrid, svgOf, waitFor } from './display-harness';

const cards = (grid: MoleculeGrid) => [
  ...grid.node.querySelectorAll<HTMLElement>('.jp-cryoprotect-Grid-card')
];
const cardNames = (grid: MoleculeGrid) =>
  cards(grid).map(card => card.querySelector('.jp-cryoprotect-Grid-name')!.textContent);

/**
 * @jupyterlab/testing's IntersectionObserver never reports; this one reports every observed
 * element as visible, as a page would for cells on screen.
 */
class VisibleIntersectionObserver {
  constructor(private readonly callback: IntersectionObserverCallback) {}
  observe(target: Element): void {
    queueMicrotask(() =>
      this.callback(
        [{ isIntersecting: true, target } as unknown as IntersectionObserverEntry],
        this as never
      )
    );
  }
  unobserve(): void {}
  disconnect(): void {}
}

const shimmed = (globalThis as { IntersectionObserver?: unknown }).IntersectionObserver;

beforeEach(() => {
  (globalThis as { IntersectionObserver?: unknown }).IntersectionObserver =
    VisibleIntersectionObserver;
});

afterEach(() => {
  (globalThis as { IntersectionObserver?: unknown }).IntersectionObserver = shimmed;
  document.body.replaceChildren();
});

describe('molecule grid', () => {
  it('shows a card per row with its structure, values with units, and a tooltip of every property', async () => {
    const { renderer, grid } = await renderGrid(JSON.stringify(screen));
    await waitFor(() => grid.node.querySelectorAll('.jp-cryoprotect-Grid-card img').length === 5);
    expect(cardNames(grid)).toEqual([
      'glycerol',
      'DMSO',
      'ethylene glycol',
      'propylene glycol',
      'betaine'
    ]);
    const first = cards(grid)[0];
    expect(svgOf(first.querySelector('img'))).toContain('<svg');
    expect(first.textContent).toContain('Molar mass: 92.09 g/mol');
    expect(first.title).toBe(
      'glycerol\nOCC(O)CO\nid: mol_1\nMolar mass: 92.09 g/mol\nClass: polyol'
    );
    // The kernel capped the rows: the grid says so.
    expect(grid.node.querySelector('.jp-cryoprotect-Grid-summary')!.textContent).toContain(
      '1–5 of 5 molecules (the kernel sent 5 of 7)'
    );
    renderer.dispose();
  });

  it('sorts, filters by text, switches to the list view and pages', async () => {
    const { renderer, grid } = await renderGrid(screen);
    grid.setSort({ column: 'mw', direction: 'descending' });
    expect(cardNames(grid)).toEqual([
      'betaine',
      'glycerol',
      'DMSO',
      'propylene glycol',
      'ethylene glycol'
    ]);
    grid.setTextFilter('glycol');
    expect(cardNames(grid)).toEqual(['propylene glycol', 'ethylene glycol']);
    grid.setTextFilter('');
    grid.setView('list');
    const headers = [
      ...grid.node.querySelectorAll<HTMLElement>('.jp-cryoprotect-Grid-list thead th')
    ];
    expect(headers.map(cell => cell.textContent)).toEqual([
      'Structure',
      'Name',
      'Id',
      'SMILES',
      'Molar mass (g/mol) ↓',
      'Class'
    ]);
    headers[1].click(); // sort by name
    const toolbarSort = grid.node.querySelector<HTMLSelectElement>('select[aria-label="Sort by"]')!;
    expect(toolbarSort.value).toBe('name');
    const listed = () =>
      [...grid.node.querySelectorAll('.jp-cryoprotect-Grid-list tbody tr td:nth-child(2)')].map(
        cell => cell.textContent
      );
    expect(listed()).toEqual([
      'betaine',
      'DMSO',
      'ethylene glycol',
      'glycerol',
      'propylene glycol'
    ]);
    grid.setPageSize(24);
    const many: MoleculesPayload = {
      ...screen,
      rows: Array.from({ length: 60 }, (_, index) => ({
        smiles: 'C',
        id: `m${index}`,
        name: `n${index}`,
        values: {}
      })),
      totalRows: 60
    };
    const { renderer: second, grid: paged } = await renderGrid(many);
    expect(cards(paged)).toHaveLength(24);
    expect(paged.node.querySelector('.jp-cryoprotect-Grid-page')!.textContent).toBe('Page 1 of 3');
    paged.setPage(2);
    expect(cardNames(paged)).toEqual(Array.from({ length: 12 }, (_, index) => `n${48 + index}`));
    renderer.dispose();
    second.dispose();
  });

  it('filters by SMARTS and highlights the matched atoms; an invalid SMARTS says why', async () => {
    const { renderer, grid } = await renderGrid(screen);
    await grid.setSmartsFilter('[CX4][OX2H]');
    await waitFor(() => cards(grid)[0]?.querySelector('img'));
    expect(cardNames(grid)).toEqual(['glycerol', 'ethylene glycol', 'propylene glycol']);
    expect(grid.node.querySelector('.jp-cryoprotect-Grid-status')!.textContent).toBe(
      '3 of 5 structures contain [CX4][OX2H] (matched atoms highlighted).'
    );
    const svg = svgOf(cards(grid)[0].querySelector('img'));
    expect(svg).toMatch(/<ellipse[^>]*class='atom-0'/);
    await grid.setSmartsFilter('[C');
    expect(grid.node.querySelector('.jp-cryoprotect-Grid-status')!.textContent).toMatch(
      /^SMARTS filter not applied: .*\[C/
    );
    expect(cards(grid)).toHaveLength(5);
    renderer.dispose();
  });

  it('selects with click and shift-click, and turns the selection into an inserted cell', async () => {
    const inserted: string[] = [];
    const { renderer, grid } = await renderGrid(screen, {
      onInsert: target => inserted.push(target.selectionCode())
    });
    const insert = [...grid.node.querySelectorAll('button')].find(
      button => button.textContent === 'Insert cell with selection'
    )!;
    expect(insert.disabled).toBe(true);
    cards(grid)[1].dispatchEvent(new MouseEvent('click', { bubbles: true }));
    cards(grid)[3].dispatchEvent(new MouseEvent('click', { bubbles: true, shiftKey: true }));
    expect(grid.selectedRows().map(row => row.name)).toEqual([
      'DMSO',
      'ethylene glycol',
      'propylene glycol'
    ]);
    expect(cards(grid).map(card => card.getAttribute('aria-selected'))).toEqual([
      'false',
      'true',
      'true',
      'true',
      'false'
    ]);
    expect(grid.node.querySelector('.jp-cryoprotect-Grid-selected')!.textContent).toBe(
      '3 selected'
    );
    expect(insert.disabled).toBe(false);
    insert.click();
    expect(inserted).toHaveLength(1);
    expect(inserted[0]).toContain('{ id: "mol_2", smiles: "CS(C)=O", name: "DMSO" },');
    expect(inserted[0]).toContain('(3 of 5 rows)');
    renderer.dispose();
  });

  it('draws structures only when they scroll into view, and disconnects the observer on disposal', async () => {
    const observers: FakeIntersectionObserver[] = [];
    class FakeIntersectionObserver {
      observed = new Set<Element>();
      disconnected = false;
      constructor(readonly callback: IntersectionObserverCallback) {
        observers.push(this);
      }
      observe(target: Element) {
        this.observed.add(target);
      }
      unobserve(target: Element) {
        this.observed.delete(target);
      }
      disconnect() {
        this.disconnected = true;
        this.observed.clear();
      }
    }
    (globalThis as { IntersectionObserver?: unknown }).IntersectionObserver =
      FakeIntersectionObserver;
    const { renderer, grid } = await renderGrid(screen);
    const observer = observers.at(-1)!;
    expect(observer.observed.size).toBe(5);
    expect(grid.node.querySelectorAll('img')).toHaveLength(0);
    const target = cards(grid)[0].querySelector('.jp-cryoprotect-Grid-structure')!;
    observer.callback(
      [{ isIntersecting: true, target } as unknown as IntersectionObserverEntry],
      observer as never
    );
    await waitFor(() => grid.node.querySelector('img'));
    expect(grid.node.querySelectorAll('img')).toHaveLength(1);
    expect(observer.observed.size).toBe(4);
    renderer.dispose();
    expect(grid.isDisposed).toBe(true);
    expect(observer.disconnected).toBe(true);
  });

  it('counts rows RDKit cannot read instead of matching them, and stops when cancelled', async () => {
    const quiet = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const error = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const smiles = ['OCCO', 'C1CC', 'OCCO', '{"atoms":[]}', 'CC', 'InChI=1S/CH4/h1H4'];
      const result = await matchSmarts(smiles, '[OX2H]', { isCancelled: () => false });
      expect(result).toEqual({ matches: new Set([0, 2]), unreadable: 3 });
      expect(await matchSmarts(smiles, '[OX2H]', { isCancelled: () => true })).toBeNull();
    } finally {
      quiet.mockRestore();
      error.mockRestore();
    }
  });
});
