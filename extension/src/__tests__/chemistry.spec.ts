import { chemistryInfo, depictMolecule } from '../chemistry';

/** RDKit.js's highlight colour (RGB 1, 0.5, 0.5). */
const HIGHLIGHT = '#FF7F7F';

function parseSvg(text: string): Document {
  const document = new DOMParser().parseFromString(text, 'image/svg+xml');
  expect(document.querySelector('parsererror')).toBeNull();
  return document;
}

describe('chemistry', () => {
  it('draws glycerol with the kernel depiction, loading RDKit through the configured location', async () => {
    const svg = parseSvg(await depictMolecule('OCC(O)CO', { width: 320, height: 200 }));
    const root = svg.documentElement;
    expect(root.tagName).toBe('svg');
    expect(root.getAttribute('width')).toBe('320px');
    expect(root.getAttribute('height')).toBe('200px');
    // Six heavy atoms and five bonds, each bond drawn as one path classed bond-<n>.
    const bonds = new Set(
      [...svg.querySelectorAll('path')]
        .flatMap(path => (path.getAttribute('class') ?? '').split(' '))
        .filter(name => /^bond-\d+$/.test(name))
    );
    expect(bonds.size).toBe(5);
    expect(svg.querySelectorAll('ellipse')).toHaveLength(0);
  });

  it('highlights the three hydroxyl oxygens of glycerol in RDKit.js colour', async () => {
    const svg = parseSvg(await depictMolecule('OCC(O)CO', { highlight: '[OX2H]' }));
    const highlighted = [...svg.querySelectorAll('ellipse')];
    expect(highlighted.map(ellipse => ellipse.getAttribute('class')?.trim()).sort()).toEqual([
      'atom-0',
      'atom-3',
      'atom-5'
    ]);
    for (const ellipse of highlighted) {
      expect(ellipse.getAttribute('style')).toContain(`fill:${HIGHLIGHT}`);
    }
  });

  it('names the RDKit.js version and where its WebAssembly came from', async () => {
    const info = await chemistryInfo();
    expect(info.rdkitVersion).toMatch(/^\d{4}\.\d{2}\.\d+/);
    expect(info.wasmUrl).toMatch(/RDKit_minimal\.wasm$/);
  });

  it('fetches the WebAssembly from where the bundle put it, not from beside RDKit.js', async () => {
    const missing = '/nonexistent/static/RDKit_minimal.0123.wasm';
    const quiet = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      await jest.isolateModulesAsync(async () => {
        jest.doMock('@rdkit/rdkit/RDKit_minimal.wasm', () => missing);
        const fresh = await import('../chemistry');
        await expect(fresh.depictMolecule('OCC(O)CO')).rejects.toThrow(/nonexistent\/static/);
      });
    } finally {
      quiet.mockRestore();
      warn.mockRestore();
    }
  });

  it('rejects a structure RDKit cannot parse, with the reason', async () => {
    await expect(depictMolecule('C1CC')).rejects.toThrow(/could not parse the SMILES "C1CC"/);
  });
});
