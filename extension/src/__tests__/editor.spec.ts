import { RenderMimeRegistry, standardRendererFactories } from '@jupyterlab/rendermime';
import { Signal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';
import { loadKernel } from '../chemistry';
import type { ICryoProtectConnection } from '../connection';
import { createRendererFactories } from '../display/factories';
import type { IStructureCanvas } from '../editor/canvas';
import {
  cleanStructure,
  editorCode,
  fieldOfPath,
  formProblems,
  formatOf,
  registerBody,
  registrationOutcome,
  registrationStatus
} from '../editor/model';
import { MoleculeEditor } from '../editor/widget';
import { waitFor } from './display-harness';

const ME = { id: '00000000-0000-4000-8000-000000000001', username: 'local' };
const OTHER = '00000000-0000-4000-8000-000000000002';
const MOLBLOCK = `
     RDKit          2D

  3  2  0  0  0  0  0  0  0  0999 V2000
    0.0000    0.0000    0.0000 C   0  0
    1.2990    0.7500    0.0000 C   0  0
    2.5981   -0.0000    0.0000 O   0  0
  1  2  1  0
  2  3  1  0
M  END
`;

function molecule(overrides: Record<string, unknown> = {}) {
  return {
    id: '11111111-1111-4111-8111-111111111111',
    inchikey: 'LFQSCWFLJHTTHZ-UHFFFAOYSA-N',
    inchi: 'InChI=1S/C2H6O/c1-2-3/h3H,2H2,1H3',
    smiles: 'CCO',
    inputStructure: 'CCO',
    strippedFragments: [],
    name: 'ethanol',
    synonyms: [],
    molarMass: 46.069,
    visibility: 'private' as const,
    projectId: null,
    ownerId: ME.id,
    createdAt: '2026-12-07T00:00:00Z',
    ...overrides
  };
}

describe('molecule editor model', () => {
  it('tells SMILES, MOL blocks and InChI apart and keeps a MOL block line for line', () => {
    expect(formatOf(' OCC(O)CO ')).toBe('smiles');
    expect(formatOf('InChI=1S/CH4/h1H4')).toBe('inchi');
    expect(formatOf(MOLBLOCK)).toBe('molblock');
    expect(cleanStructure('  CCO \n')).toBe('CCO');
    // The first (blank) header line survives: trimming would shift the counts line.
    expect(cleanStructure(MOLBLOCK).split('\n')[0]).toBe('');
    expect(cleanStructure(MOLBLOCK).split('\n')[3]).toContain('V2000');
  });

  it('names the field of every problem before anything is sent', () => {
    const form = {
      structure: '',
      name: 'x'.repeat(501),
      visibility: 'project' as const,
      projectId: ''
    };
    expect(Object.fromEntries(formProblems(form, { state: 'empty' }))).toEqual({
      structure: 'draw a structure or type a SMILES, MOL block or InChI',
      name: 'at most 500 characters (501 given)',
      projectId: 'choose the project to share with (visibility "project")'
    });
    expect(
      Object.fromEntries(
        formProblems(
          { structure: 'C1CC', name: '', visibility: 'private', projectId: '' },
          { state: 'invalid', message: 'unclosed ring' }
        )
      )
    ).toEqual({ structure: 'unclosed ring' });
    expect(fieldOfPath('body.projectId')).toBe('projectId');
    expect(fieldOfPath('body.structure')).toBe('structure');
    expect(fieldOfPath('body')).toBe('form');
  });

  it('sends only what the form says', () => {
    expect(
      registerBody({ structure: ' CCO ', name: ' ', visibility: 'private', projectId: 'p' })
    ).toEqual({
      structure: 'CCO',
      visibility: 'private'
    });
    expect(
      registerBody({ structure: 'CCO', name: 'ethanol', visibility: 'project', projectId: 'p1' })
    ).toEqual({ structure: 'CCO', name: 'ethanol', visibility: 'project', projectId: 'p1' });
  });

  it('says whether a structure is registered and who may see it', () => {
    expect(registrationStatus({ inchikey: 'K', registered: false, molecule: null }, ME)).toBe(
      'Not registered yet.'
    );
    expect(registrationStatus({ inchikey: 'K', registered: true, molecule: null }, ME)).toMatch(
      /by someone else, who has not shared it with you/
    );
    expect(registrationStatus({ inchikey: 'K', registered: true, molecule: molecule() }, ME)).toBe(
      'Already registered as ethanol (11111111-1111-4111-8111-111111111111), owned by you; private: only its owner may see it.'
    );
    expect(
      registrationStatus(
        {
          inchikey: 'K',
          registered: true,
          molecule: molecule({ ownerId: OTHER, visibility: 'project', projectId: 'p1' })
        },
        ME,
        'Vitrification'
      )
    ).toMatch(/owned by another user; shared with the members of project Vitrification/);
    expect(
      registrationOutcome({
        molecule: molecule({ strippedFragments: ['Cl'] }),
        duplicate: true,
        neutralized: true,
        nameOutcome: {
          name: 'EtOH',
          outcome: 'added-as-synonym',
          reason: 'kept "EtOH" as a synonym'
        }
      })
    ).toBe(
      'Already registered as ethanol (11111111-1111-4111-8111-111111111111); nothing new was written. kept "EtOH" as a synonym Charges were neutralized. Stripped: Cl.'
    );
  });

  it('writes code that re-does the editor: the structure, and the record when registered', () => {
    const code = editorCode(' OCC(O)CO ', 'glycerol');
    expect(code).toContain('const structure = "OCC(O)CO";');
    expect(code).toContain(
      'await tslabDisplay(await moleculeDisplay(structure, { name: "glycerol" }));'
    );
    expect(code).not.toContain('getMolecule');
    const registered = editorCode(MOLBLOCK, '', 'abc');
    expect(registered).toContain('const structure = "\\n     RDKit          2D\\n');
    expect(registered).toContain('clientFromEnvironment().getMolecule("abc")');
    // A name cannot break out of its string.
    expect(editorCode('CCO', 'a"); evil("')).toContain('{ name: "a\\"); evil(\\"" }');
  });
});

describe('molecule editor widget', () => {
  class FakeCanvas implements IStructureCanvas {
    shown: string[] = [];
    edit: ((smiles: string, molblock: string) => void) | null = null;
    loadMs = 12;
    show(structure: string): boolean {
      this.shown.push(structure);
      return true;
    }
    clear(): void {
      this.shown.push('');
    }
    onEdit(callback: (smiles: string, molblock: string) => void): void {
      this.edit = callback;
    }
    dispose(): void {
      // nothing to free
    }
  }

  function fakeConnection(client: Record<string, unknown> | (() => never)) {
    const changed = new Signal<ICryoProtectConnection, void>({} as ICryoProtectConnection);
    const connection: ICryoProtectConnection = {
      serverUrl: 'http://127.0.0.1:8787/',
      tokenSource: 'embedded',
      changed,
      client: async () => (typeof client === 'function' ? client() : (client as never)),
      signIn: async () => ({ username: 'local', expiresAt: null }),
      signOut: async () => undefined,
      explain: (error: unknown) =>
        error instanceof TypeError
          ? 'No CryoProtect server answers at http://127.0.0.1:8787/'
          : (error as Error).message
    };
    return connection;
  }

  function editor(client: Record<string, unknown> | (() => never), inserted: string[] = []) {
    const rendermime = new RenderMimeRegistry({
      initialFactories: [...standardRendererFactories, ...createRendererFactories()]
    });
    const canvas = new FakeCanvas();
    const widget = new MoleculeEditor({
      rendermime,
      connection: fakeConnection(client),
      createCanvas: async () => canvas,
      insertCode: code => {
        inserted.push(code);
        return true;
      }
    });
    Widget.attach(widget, document.body);
    return { widget, canvas };
  }

  const q = <T extends Element>(widget: Widget, selector: string) =>
    widget.node.querySelector<T>(selector)!;
  const type = (input: HTMLTextAreaElement | HTMLInputElement, value: string) => {
    input.value = value;
    input.dispatchEvent(new Event('input'));
  };

  it("shows RDKit's reason next to the field and allows nothing for an invalid structure", async () => {
    const { widget } = editor({ users: { me: async () => ME } });
    type(q(widget, '.jp-cryoprotect-Editor-structure'), 'C1CC');
    expect(await widget.settled()).toMatchObject({ state: 'invalid' });
    const error = q(widget, '[data-field="structure"]');
    expect(error.textContent).toMatch(/unclosed ring/);
    expect(q(widget, '.jp-cryoprotect-Editor-structure').getAttribute('aria-invalid')).toBe('true');
    expect(q<HTMLButtonElement>(widget, '.jp-cryoprotect-Editor-register').disabled).toBe(true);
    expect(q<HTMLButtonElement>(widget, '.jp-cryoprotect-Editor-insert').disabled).toBe(true);
    widget.dispose();
  });

  it('standardizes as you type, draws it, checks the database, registers and inserts code', async () => {
    const registered: unknown[] = [];
    const inserted: string[] = [];
    const alanine = molecule({
      name: 'L-alanine',
      smiles: 'C[C@H](N)C(=O)O',
      inchikey: 'QNAYBMKLOCPYGJ-REOHCLBHSA-N',
      strippedFragments: ['Cl']
    });
    const client = {
      users: { me: async () => ME },
      moleculeRegistration: async (inchikey: string) => ({
        inchikey,
        registered: registered.length > 0,
        molecule: registered.length > 0 ? alanine : null
      }),
      registerMolecule: async (body: unknown) => {
        registered.push(body);
        return { molecule: alanine, duplicate: false, neutralized: false, nameOutcome: null };
      }
    };
    const { widget, canvas } = editor(client, inserted);
    await waitFor(() => canvas.edit !== null);
    type(q(widget, '.jp-cryoprotect-Editor-structure'), 'Cl.N[C@@H](C)C(=O)O');
    await widget.settled();
    expect(q(widget, '.jp-cryoprotect-Editor-smiles').textContent).toBe('C[C@H](N)C(=O)O');
    expect(q(widget, '.jp-cryoprotect-Editor-inchikey').textContent).toBe(
      'QNAYBMKLOCPYGJ-REOHCLBHSA-N'
    );
    expect(widget.node.textContent).toContain('Stripped fragmentsCl');
    expect(canvas.shown).toContain('Cl.N[C@@H](C)C(=O)O');
    expect(q(widget, '.jp-cryoprotect-Editor-registration').textContent).toBe(
      'Not registered yet.'
    );
    // The molecule renderer shows the properties with their units.
    await waitFor(() => widget.node.textContent!.includes('g/mol'));

    type(q(widget, '.jp-cryoprotect-Editor-name'), 'L-alanine');
    const register = q<HTMLButtonElement>(widget, '.jp-cryoprotect-Editor-register');
    expect(register.disabled).toBe(false);
    register.click();
    const status = q(widget, '.jp-cryoprotect-Editor-status');
    await waitFor(() => status.textContent!.startsWith('Registered'));
    expect(registered).toEqual([
      { structure: 'Cl.N[C@@H](C)C(=O)O', name: 'L-alanine', visibility: 'private' }
    ]);
    expect(q(widget, '.jp-cryoprotect-Editor-registration').textContent).toMatch(
      /^Already registered as L-alanine .*owned by you/
    );
    q<HTMLButtonElement>(widget, '.jp-cryoprotect-Editor-insert').click();
    await waitFor(() => inserted.length === 1);
    expect(inserted[0]).toContain(`getMolecule("${alanine.id}")`);

    // A drawing edit fills the field and is checked, without being redrawn from its own SMILES.
    const before = canvas.shown.length;
    canvas.edit!('OCC(O)CO', '');
    expect(q<HTMLTextAreaElement>(widget, '.jp-cryoprotect-Editor-structure').value).toBe(
      'OCC(O)CO'
    );
    await widget.settled();
    expect(q(widget, '.jp-cryoprotect-Editor-smiles').textContent).toBe('OCC(O)CO');
    expect(canvas.shown.length).toBe(before);
    widget.dispose();
  });

  it("puts the server's field errors next to the fields, and says when no server answers", async () => {
    const { ApiError } = await loadKernel();
    const client = {
      users: { me: async () => ME },
      moleculeRegistration: async (inchikey: string) => ({
        inchikey,
        registered: false,
        molecule: null
      }),
      registerMolecule: async () => {
        throw new ApiError({
          type: 'https://cryoprotect.dev/problems/validation',
          title: 'Invalid request',
          status: 422,
          detail: 'body.name: too long',
          errors: [{ path: 'body.name', message: 'String must contain at most 500 character(s)' }]
        });
      }
    };
    const { widget } = editor(client);
    type(q(widget, '.jp-cryoprotect-Editor-structure'), 'CCO');
    await widget.settled();
    q<HTMLButtonElement>(widget, '.jp-cryoprotect-Editor-register').click();
    await waitFor(() => q(widget, '[data-field="name"]').textContent !== '');
    expect(q(widget, '[data-field="name"]').textContent).toBe(
      'String must contain at most 500 character(s)'
    );
    expect(q(widget, '.jp-cryoprotect-Editor-status').textContent).toBe(
      'Not registered: see the marked fields.'
    );
    widget.dispose();

    const offline = editor(() => {
      throw new TypeError('Failed to fetch');
    });
    type(q(offline.widget, '.jp-cryoprotect-Editor-structure'), 'CCO');
    await offline.widget.settled();
    expect(q(offline.widget, '.jp-cryoprotect-Editor-registration').textContent).toBe(
      'Registration not checked: No CryoProtect server answers at http://127.0.0.1:8787/'
    );
    // The chemistry does not need the server.
    expect(q(offline.widget, '.jp-cryoprotect-Editor-smiles').textContent).toBe('CCO');
    offline.widget.dispose();
  });

  it('hands a structure to the widget that asked for one, or null when closed first', async () => {
    const { widget } = editor({ users: { me: async () => ME } });
    const use = q<HTMLButtonElement>(widget, '.jp-cryoprotect-Editor-use');
    expect(use.hidden).toBe(true);
    const picked = widget.pickStructure('Use in composer');
    expect(use.hidden).toBe(false);
    expect(use.textContent).toBe('Use in composer');
    type(q(widget, '.jp-cryoprotect-Editor-structure'), 'C1CC');
    await widget.settled();
    expect(use.disabled).toBe(true);
    type(q(widget, '.jp-cryoprotect-Editor-structure'), 'InChI=1S/C3H8O2/c1-3(5)2-4/h3-5H,2H2,1H3');
    await widget.settled();
    use.click();
    // An InChI is handed over as the standardized parent's SMILES.
    await expect(picked).resolves.toBe('CC(O)CO');
    expect(use.hidden).toBe(true);
    const abandoned = widget.pickStructure('Use in composer');
    widget.dispose();
    await expect(abandoned).resolves.toBeNull();
  });
});
