/**
 * The drawing surface of the molecule editor: OpenChemLib's CanvasEditor (BSD-3-Clause, no
 * dependencies, no WebAssembly, its own shadow DOM), imported on first use so its 1.1 MB of
 * JavaScript never loads with JupyterLab's page.
 */
export interface IStructureCanvas {
  /** Draw a SMILES or MOL block; false when OpenChemLib cannot read it (the canvas keeps what it had). */
  show(structure: string): boolean;
  clear(): void;
  /** Called after each edit by the user, with the drawing as isomeric SMILES and as a MOL block. */
  onEdit(callback: (smiles: string, molblock: string) => void): void;
  dispose(): void;
  /** Milliseconds from the import of OpenChemLib to a ready editor. */
  readonly loadMs: number;
}

/** Build an OpenChemLib editor in `host`, which must have a definite size (the editor fills it). */
export async function createCanvas(host: HTMLElement): Promise<IStructureCanvas> {
  const started = performance.now();
  const OCL = await import('openchemlib');
  const editor = new OCL.CanvasEditor(host, { initialMode: 'molecule' });
  const loadMs = performance.now() - started;
  let callback: ((smiles: string, molblock: string) => void) | null = null;
  editor.setOnChangeListener(event => {
    if (!event.isUserEvent || event.type !== 'molecule' || !callback) {
      return;
    }
    const molecule = editor.getMolecule();
    callback(
      molecule.getAllAtoms() === 0 ? '' : molecule.toIsomericSmiles(),
      molecule.getAllAtoms() === 0 ? '' : molecule.toMolfile()
    );
  });
  return {
    loadMs,
    show(structure: string): boolean {
      try {
        const molecule = /M\s+END/.test(structure)
          ? OCL.Molecule.fromMolfile(structure)
          : OCL.Molecule.fromSmiles(structure);
        editor.setMolecule(molecule);
        return true;
      } catch {
        return false;
      }
    },
    clear(): void {
      editor.clearAll();
    },
    onEdit(next): void {
      callback = next;
    },
    dispose(): void {
      if (!editor.isDestroyed) {
        editor.destroy();
      }
    }
  };
}
