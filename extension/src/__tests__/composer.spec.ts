import { RenderMimeRegistry, standardRendererFactories } from '@jupyterlab/rendermime';
import { Widget } from '@lumino/widgets';
import { loadKernel } from '../chemistry';
import { evaluate } from '../composer/evaluate';
import { ComposerModel, messagesOfIssues } from '../composer/model';
import { MixtureComposer } from '../composer/widget';
import { createRendererFactories } from '../display/factories';
import { waitFor } from './display-harness';

describe('composer model', () => {
  it('names the row and input of every entry it can judge without chemistry', () => {
    const model = new ComposerModel([
      { component: '', amount: '10' },
      { component: 'DMSO', amount: 'ten' },
      { component: 'glycerol', amount: '-1' },
      { component: 'OCCO; DMSO', amount: '' },
      { component: 'water', amount: '1e' }
    ]);
    expect(model.localMessages()).toEqual([
      { row: 0, field: 'component', message: 'name a component or give a SMILES' },
      { row: 1, field: 'amount', message: '"ten" is not a number' },
      { row: 2, field: 'amount', message: 'must not be negative' },
      {
        row: 3,
        field: 'component',
        message: 'a component cannot contain ";" or a line break (it separates components)'
      },
      { row: 3, field: 'amount', message: 'give an amount' },
      { row: 4, field: 'amount', message: '"1e" is not a number' }
    ]);
    expect(new ComposerModel().localMessages()).toEqual([
      { row: null, field: 'mixture', message: 'add at least one component' }
    ]);
  });

  it('writes the one-line text form and the cell that recreates the mixture', () => {
    const model = new ComposerModel([
      { component: ' DMSO ', amount: '3.1', unit: 'mol/kg' },
      { component: 'sucrose', amount: '0.5', unit: 'mol/L', role: 'non-penetrating' }
    ]);
    expect(model.text()).toBe('DMSO: 3.1 mol/kg; sucrose: 0.5 mol/L');
    expect(model.code()).toBe(
      [
        "import { mixtureDisplay, parseMixtureText } from '@cryoprotect/kernel';",
        "import { tslabDisplay } from '@cryoprotect/kernel/node';",
        '',
        'const mixture = await parseMixtureText("DMSO: 3.1 mol/kg; sucrose: 0.5 mol/L");',
        "mixture.components[1].role = 'non-penetrating';",
        'await tslabDisplay(await mixtureDisplay(mixture));'
      ].join('\n')
    );
    model.name = 'my "VS"';
    expect(model.code()).toContain(
      'const mixture = { ...(await parseMixtureText("DMSO: 3.1 mol/kg; sucrose: 0.5 mol/L")), name: "my \\"VS\\"" };'
    );
  });

  it("files the kernel's issues under the row and input they name", () => {
    expect(
      messagesOfIssues([
        { field: 'components[1].unit', message: 'unknown unit' },
        { field: 'components[0].molecule', message: 'not a SMILES' },
        { field: 'components[2]', message: 'no ":"' },
        { field: 'components', message: '% w/w add up to 120' }
      ])
    ).toEqual([
      { row: 1, field: 'unit', message: 'unknown unit' },
      { row: 0, field: 'component', message: 'not a SMILES' },
      { row: 2, field: 'component', message: 'no ":"' },
      { row: null, field: 'mixture', message: '% w/w add up to 120' }
    ]);
  });
});

describe('composer evaluation (the kernel, as a notebook computes it)', () => {
  // The kernel as the extension loads it (RDKit.js told where its WebAssembly is, once).
  let kernel: Awaited<ReturnType<typeof loadKernel>>;
  beforeAll(async () => {
    kernel = await loadKernel();
  });

  it('shows what mixtureDisplay shows for the same text', async () => {
    const model = new ComposerModel([{ component: 'glycerol', amount: '40', unit: '% w/w' }]);
    const { payload, messages } = await evaluate(kernel, model);
    expect(messages).toEqual([]);
    const direct = await kernel.mixtureDisplay(await kernel.parseMixtureText('glycerol: 40 % w/w'));
    expect(payload).toEqual(direct.payload);
    expect(payload!.properties.map(p => p.name)).toContain('glass transition temperature');
  });

  it('round-trips every unit: each amount shown, typed back in its unit, gives the same mixture', async () => {
    const first = await evaluate(
      kernel,
      new ComposerModel([{ component: 'DMSO', amount: '10', unit: '% w/w' }])
    );
    const amounts = first.payload!.components[0].amounts!;
    expect(amounts.map(a => a.unit)).toEqual([...kernel.CONCENTRATION_UNITS]);
    for (const amount of amounts) {
      const again = await evaluate(
        kernel,
        new ComposerModel([
          { component: 'DMSO', amount: String(amount.value), unit: amount.unit as never }
        ])
      );
      expect(again.messages).toEqual([]);
      expect(again.payload!.components[0].massFraction).toBeCloseTo(0.1, 9);
    }
  });

  it('puts the reason next to the input: unknown structure, unit needing a density, too much solute', async () => {
    const unknown = await evaluate(
      kernel,
      new ComposerModel([{ component: 'not-a-molecule', amount: '1', unit: 'mol/kg' }])
    );
    expect(unknown.payload).toBeNull();
    expect(unknown.messages).toHaveLength(1);
    expect(unknown.messages[0]).toMatchObject({ row: 0, field: 'component' });
    expect(unknown.messages[0].message).toMatch(/neither a reference cryoprotectant nor a SMILES/);

    const over = await evaluate(
      kernel,
      new ComposerModel([
        { component: 'glycerol', amount: '70', unit: '% w/w' },
        { component: 'DMSO', amount: '40', unit: '% w/w' }
      ])
    );
    expect(over.payload).toBeNull();
    expect(over.messages.map(m => m.message).join(' ')).toMatch(/100/);
  });

  it('three solutes: every unit and osmolality, and the library refusal for Tg instead of a guess', async () => {
    const { payload, messages } = await evaluate(
      kernel,
      new ComposerModel([
        { component: 'DMSO', amount: '3.1', unit: 'mol/kg' },
        { component: 'ethylene glycol', amount: '2.7', unit: 'mol/kg' },
        { component: 'OCC(O)CO', amount: '1', unit: 'mol/kg' }
      ])
    );
    expect(messages).toEqual([]);
    expect(payload!.components).toHaveLength(3);
    expect(payload!.properties.map(p => p.name)).toEqual(['osmolality']);
    expect(payload!.notes.join(' ')).toMatch(/Tg not estimated: .*3 solutes/);
  });
});

describe('composer widget', () => {
  function composer(insertCode: (code: string) => boolean = () => true) {
    const rendermime = new RenderMimeRegistry({
      initialFactories: [...standardRendererFactories, ...createRendererFactories()]
    });
    const widget = new MixtureComposer({
      rendermime,
      insertCode,
      model: new ComposerModel([{ component: 'glycerol', amount: '40', unit: '% w/w' }])
    });
    Widget.attach(widget, document.body);
    return widget;
  }

  const type = (input: HTMLInputElement | HTMLSelectElement, value: string) => {
    input.value = value;
    input.dispatchEvent(new Event(input instanceof HTMLSelectElement ? 'change' : 'input'));
  };

  it('computes as you type, shows messages next to inputs, and inserts the code only when valid', async () => {
    const inserted: string[] = [];
    const widget = composer(code => {
      inserted.push(code);
      return true;
    });
    await widget.settled();
    await waitFor(() => widget.node.querySelector('.jp-cryoprotect-Components'));
    expect(widget.node.textContent).toContain('40.00');
    const insert = widget.node.querySelector<HTMLButtonElement>('.jp-cryoprotect-Composer-insert')!;
    expect(insert.disabled).toBe(false);

    const amount = widget.node.querySelector<HTMLInputElement>('.jp-cryoprotect-Composer-amount')!;
    type(amount, 'forty');
    await widget.settled();
    const slot = widget.node.querySelector('tr[data-row="0"] [data-field="amount"]')!;
    expect(slot.textContent).toBe('"forty" is not a number');
    expect(amount.getAttribute('aria-invalid')).toBe('true');
    expect(insert.disabled).toBe(true);
    insert.click();
    expect(inserted).toEqual([]);

    type(amount, '7.239');
    type(widget.node.querySelector<HTMLSelectElement>('.jp-cryoprotect-Composer-unit')!, 'mol/kg');
    await widget.settled();
    expect(slot.textContent).toBe('');
    expect(widget.node.querySelector('.jp-cryoprotect-Composer-text')!.textContent).toBe(
      'glycerol: 7.239 mol/kg'
    );
    expect(insert.disabled).toBe(false);
    insert.click();
    await waitFor(() => inserted.length > 0);
    expect(inserted).toHaveLength(1);
    expect(inserted[0]).toContain('parseMixtureText("glycerol: 7.239 mol/kg")');
    // Clicked before a new entry is checked (the button is still on): nothing unchecked goes in.
    type(amount, 'x');
    expect(insert.disabled).toBe(false);
    insert.click();
    await widget.settled();
    await new Promise(resolve => setTimeout(resolve, 50));
    expect(inserted).toHaveLength(1);
    expect(insert.disabled).toBe(true);
    widget.dispose();
  });

  it('adds and removes components; says so when no notebook takes the code', async () => {
    const widget = composer(() => false);
    widget.node.querySelector<HTMLButtonElement>('.jp-cryoprotect-Composer-add')!.click();
    const rows = () => widget.node.querySelectorAll('.jp-cryoprotect-Composer-rows tbody tr');
    expect(rows()).toHaveLength(2);
    await widget.settled();
    expect(
      widget.node.querySelector('tr[data-row="1"] [data-field="component"]')!.textContent
    ).toBe('name a component or give a SMILES');
    widget.node.querySelectorAll<HTMLButtonElement>('.jp-cryoprotect-Composer-remove')[1].click();
    expect(rows()).toHaveLength(1);
    await widget.settled();
    widget.node.querySelector<HTMLButtonElement>('.jp-cryoprotect-Composer-insert')!.click();
    const status = widget.node.querySelector('.jp-cryoprotect-Composer-status')!;
    await waitFor(() => status.textContent === 'open a notebook to insert the code into');
    widget.dispose();
  });

  it('takes a component drawn in the molecule editor, starting from a reference name', async () => {
    const asked: string[] = [];
    const widget = new MixtureComposer({
      rendermime: new RenderMimeRegistry({
        initialFactories: [...standardRendererFactories, ...createRendererFactories()]
      }),
      insertCode: () => true,
      model: new ComposerModel([{ component: 'glycerol', amount: '10', unit: '% w/w' }]),
      drawStructure: async initial => {
        asked.push(initial);
        return 'CC(O)CO';
      }
    });
    Widget.attach(widget, document.body);
    await widget.settled();
    widget.node.querySelector<HTMLButtonElement>('.jp-cryoprotect-Composer-draw')!.click();
    await waitFor(
      () =>
        widget.node.querySelector<HTMLInputElement>('.jp-cryoprotect-Composer-component')!.value ===
        'CC(O)CO'
    );
    expect(asked).toEqual(['OCC(O)CO']);
    await widget.settled();
    expect(widget.node.querySelector('.jp-cryoprotect-Composer-text')!.textContent).toBe(
      'CC(O)CO: 10 % w/w'
    );
    widget.dispose();
    // Without an editor to draw in, the button is off.
    const plain = composer();
    expect(
      plain.node.querySelector<HTMLButtonElement>('.jp-cryoprotect-Composer-draw')!.disabled
    ).toBe(true);
    plain.dispose();
  });
});
