// The grid benchmark's page: the extension's MoleculeGrid mounted alone (no JupyterLab), plus the
// anchor — the same first page's structures drawn eagerly, one <img> after another, with the
// same depiction function: what any grid pays at least to show a page.
import type { MoleculesPayload } from '@cryoprotect/kernel';
import { Widget } from '@lumino/widgets';
import { depict, svgImage } from '../../extension/src/display/depict';
import { MoleculeGrid } from '../../extension/src/display/grid/widget';
import '../../extension/style/base.css';

declare global {
  interface Window {
    mountGrid(smiles: string[], pageSize: number): Promise<number>;
    showPage(page: number): Promise<number>;
    eager(smiles: string[]): Promise<number>;
    heap(): number;
  }
}

let grid: MoleculeGrid | null = null;

/**
 * Resolves when every structure of the current page that is in view shows its drawing (or its
 * reason): what a reader sees first. Structures below the fold draw when scrolled to.
 */
function drawn(host: HTMLElement): Promise<void> {
  return new Promise(resolve => {
    const check = () => {
      const structures = Array.from(host.querySelectorAll('.jp-cryoprotect-Grid-structure')).filter(
        node => node.getBoundingClientRect().top < window.innerHeight
      );
      const done = structures.filter(node => node.childElementCount > 0);
      if (structures.length > 0 && done.length === structures.length) {
        resolve();
      } else {
        requestAnimationFrame(check);
      }
    };
    check();
  });
}

window.mountGrid = async (smiles, pageSize) => {
  grid?.dispose();
  const payload: MoleculesPayload = {
    title: `${smiles.length} molecules`,
    columns: [{ key: 'n', title: 'row', kind: 'number' }],
    rows: smiles.map((s, i) => ({ smiles: s, id: null, name: `m${i}`, values: { n: i } })),
    totalRows: smiles.length
  };
  const started = performance.now();
  grid = new MoleculeGrid(payload, { dark: false });
  grid.setPageSize(pageSize);
  Widget.attach(grid, document.body);
  await drawn(grid.node);
  return performance.now() - started;
};

window.showPage = async page => {
  const started = performance.now();
  grid!.setPage(page);
  await drawn(grid!.node);
  return performance.now() - started;
};

window.eager = async smiles => {
  const host = document.createElement('div');
  document.body.appendChild(host);
  const started = performance.now();
  for (const s of smiles) {
    const svg = await depict({
      smiles: s,
      width: 160,
      height: 120,
      dark: false,
      bondLength: 160 / 7
    });
    host.appendChild(svgImage(svg, s));
  }
  const elapsed = performance.now() - started;
  host.remove();
  return elapsed;
};

window.heap = () =>
  (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? 0;
