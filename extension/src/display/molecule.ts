import type { MoleculePayload } from '@cryoprotect/kernel';
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { copyButton } from './copy';
import { depictInto } from './depict';
import { factTable, h } from './dom';
import { displayUnit, formatCell, formatValue } from '@cryoprotect/kernel/display';
import { PayloadRenderer, type IRenderContext } from './renderer';

/** One molecule: depiction, name, copyable SMILES, InChIKey, and its properties with units. */
export class MoleculeRenderer extends PayloadRenderer<MoleculePayload> {
  constructor(options: IRenderMime.IRendererOptions) {
    super('molecule', options);
  }

  protected async render(payload: MoleculePayload, context: IRenderContext): Promise<Node[]> {
    const picture = h('div', { className: 'jp-cryoprotect-Structure' });
    await depictInto(picture, {
      smiles: payload.smiles,
      width: 280,
      height: 200,
      bondLength: 36,
      dark: context.dark,
      highlight: payload.highlight
    });
    const properties = payload.properties.map(
      property =>
        [
          property.name,
          h(
            'span',
            {},
            formatValue(property.value, property.unit, property.digits),
            property.source
              ? h('span', { className: 'jp-cryoprotect-Muted' }, ` — ${property.source}`)
              : null
          ),
          Private.tooltip(property)
        ] as const
    );
    const details = h(
      'div',
      { className: 'jp-cryoprotect-Molecule-details' },
      h('h3', { className: 'jp-cryoprotect-Title' }, payload.name ?? 'Unnamed molecule'),
      h(
        'div',
        { className: 'jp-cryoprotect-Smiles' },
        h('span', { className: 'jp-cryoprotect-Label' }, 'SMILES '),
        h('code', {}, payload.smiles),
        copyButton('Copy', () => payload.smiles, 'Copy the SMILES to the clipboard')
      ),
      factTable(null, [
        ['InChIKey', h('code', {}, payload.inchikey ?? 'not computed')],
        ...(payload.id ? ([['Record id', h('code', {}, payload.id)]] as const) : []),
        ...(payload.highlight
          ? ([
              ['Highlighted', h('span', {}, 'matches of ', h('code', {}, payload.highlight))]
            ] as const)
          : [])
      ]),
      factTable('Properties', properties)
    );
    return [h('div', { className: 'jp-cryoprotect-Molecule' }, picture, details)];
  }
}

namespace Private {
  /** The unrounded value and where it came from, for hover. */
  export function tooltip(property: MoleculePayload['properties'][number]): string {
    const parts = [
      `${property.name} = ${typeof property.value === 'number' ? [String(property.value), displayUnit(property.unit)].filter(Boolean).join(' ') : formatCell(property.value)}`
    ];
    if (property.source) {
      parts.push(`Source: ${property.source}`);
    }
    return parts.join('\n');
  }
}
