import type { MixturePayload } from '@cryoprotect/kernel';
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { dataTable, h, list, section } from './dom';
import { formatNumber, formatQuantity } from '@cryoprotect/kernel/display';
import { depictInto } from './depict';
import { PayloadRenderer, type IRenderContext } from './renderer';
import { sourceItem } from './sources';

type Quantity = MixturePayload['temperature'];

/**
 * A mixture as a methods section reads: what it is and at which temperature, each component's
 * concentration in every common measure (units in the cells, since they may differ per row), and
 * each computed property with its method, equation, sources, limits and notes.
 */
export class MixtureRenderer extends PayloadRenderer<MixturePayload> {
  constructor(options: IRenderMime.IRendererOptions) {
    super('mixture', options);
  }

  protected async render(payload: MixturePayload, context: IRenderContext): Promise<Node[]> {
    // Each component drawn small, at one scale, so a reader sees what was mixed.
    const structures = [...payload.components.map(c => c.smiles), 'O'];
    const pictures = structures.map(() =>
      h('div', { className: 'jp-cryoprotect-Structure jp-cryoprotect-ComponentStructure' })
    );
    await Promise.all(
      pictures.map((host, i) =>
        depictInto(host, {
          smiles: structures[i],
          width: 120,
          height: 80,
          bondLength: 18,
          dark: context.dark
        })
      )
    );
    const q = (quantity: Quantity | null) =>
      quantity === null
        ? '—'
        : {
            text: formatQuantity(quantity.value, quantity.unit, quantity.digits),
            title: `${quantity.value} ${quantity.unit}`
          };
    // The payload gives no significant figures for fractions: four, the unrounded value on hover.
    const fraction = (value: number) => ({ text: formatNumber(value, 4), title: String(value) });
    const percent = (value: number) => ({
      text: formatNumber(value * 100, 4),
      title: String(value)
    });
    const components = dataTable(
      'jp-cryoprotect-Components',
      [
        { label: 'Structure' },
        { label: 'Component' },
        { label: 'Role' },
        { label: 'As given', numeric: true },
        { label: 'Molar mass', numeric: true },
        { label: 'Mass fraction (% w/w)', numeric: true },
        { label: 'Mole fraction', numeric: true },
        { label: 'Molality', numeric: true },
        { label: 'Molarity', numeric: true }
      ],
      [
        ...payload.components.map((component, i) => [
          pictures[i],
          h('span', { title: component.smiles }, component.name),
          component.role,
          q(component.given),
          q(component.molarMass),
          percent(component.massFraction),
          fraction(component.moleFraction),
          q(component.molality),
          q(component.molarity)
        ]),
        [
          pictures[payload.components.length],
          'water',
          'solvent',
          '—',
          '—',
          percent(payload.water.massFraction),
          fraction(payload.water.moleFraction),
          '—',
          '—'
        ]
      ],
      'Composition'
    );
    const density = payload.solutionDensity;
    return [
      h(
        'div',
        { className: 'jp-cryoprotect-Report' },
        h('h3', { className: 'jp-cryoprotect-Title' }, payload.name ?? 'Mixture'),
        h(
          'p',
          { className: 'jp-cryoprotect-Lead' },
          payload.text,
          h(
            'span',
            { className: 'jp-cryoprotect-Muted' },
            `; water the balance; volumes and densities at ${formatQuantity(payload.temperature.value, payload.temperature.unit, payload.temperature.digits)}`
          )
        ),
        components,
        density
          ? section(
              'Solution density',
              h(
                'p',
                {},
                h('strong', {}, formatQuantity(density.value, density.unit, 4)),
                ` — ${density.method}`
              ),
              list('jp-cryoprotect-Sources', density.sources)
            )
          : null,
        payload.properties.length > 0
          ? section(
              'Computed properties',
              ...payload.properties.map(property => Private.property(property))
            )
          : null,
        payload.notes.length > 0
          ? section('Notes', list('jp-cryoprotect-Notes', payload.notes))
          : null
      )
    ];
  }
}

namespace Private {
  export function property(property: MixturePayload['properties'][number]): HTMLElement {
    return h(
      'div',
      { className: 'jp-cryoprotect-Property' },
      h(
        'p',
        {},
        h('strong', {}, `${property.name}: `),
        h(
          'span',
          { className: 'jp-cryoprotect-Value', title: `${property.value} ${property.unit}` },
          formatQuantity(property.value, property.unit, property.digits)
        )
      ),
      h('p', {}, h('span', { className: 'jp-cryoprotect-Label' }, 'Method: '), property.method),
      property.equation
        ? h(
            'p',
            {},
            h('span', { className: 'jp-cryoprotect-Label' }, 'Equation: '),
            h('code', {}, property.equation)
          )
        : null,
      property.sources.length > 0
        ? h(
            'div',
            {},
            h('span', { className: 'jp-cryoprotect-Label' }, 'Sources:'),
            list('jp-cryoprotect-Sources', property.sources.map(sourceItem))
          )
        : null,
      property.limits.length > 0
        ? h(
            'div',
            {},
            h('span', { className: 'jp-cryoprotect-Label' }, 'Limits:'),
            list('jp-cryoprotect-Limits', property.limits)
          )
        : null,
      property.notes.length > 0
        ? h(
            'div',
            {},
            h('span', { className: 'jp-cryoprotect-Label' }, 'Notes:'),
            list('jp-cryoprotect-Notes', property.notes)
          )
        : null
    );
  }
}
