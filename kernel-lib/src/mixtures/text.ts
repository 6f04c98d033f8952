import { ChemistryError, loadRDKit, type RDKitModule } from '../chemistry';
import { getIdentityWith } from '../chemistry/identity';
import { findReferenceMolecule } from '../reference/cryoprotectants';
import { moleculeFromReferenceWith, ROOM_TEMPERATURE_KELVIN } from './molecule';
import {
  CONCENTRATION_UNITS,
  MixtureError,
  parseMixture,
  type ConcentrationUnit,
  type Mixture,
  type MixtureComponent
} from './types';

/**
 * A mixture written as one line of text, for CSV cells and command lines:
 *
 *   dimethyl sulfoxide: 10 % w/w; ethylene glycol: 1.5 mol/kg; OCC(O)CO: 5 %w/w
 *
 * Components are separated by ";"; each is `<component>: <amount> <unit>`. The component is a
 * reference cryoprotectant's name, key or synonym (e.g. "DMSO"; molar mass and pure density then
 * come from moleculeFromReference) or else a SMILES (molar mass from RDKit, no density). The last
 * ":" of a part separates component and amount, so a SMILES keeps its own colons. The unit is one of
 * CONCENTRATION_UNITS, case and spaces free ("%w/w", "MOL/KG"). Water is the balance and is not
 * written. The result is validated by parseMixture (water not listed, no molecule twice, % w/w
 * below 100 in total). Throws MixtureError naming the part (`components[1]`) and the reason.
 */
export function parseMixtureTextWith(
  rdkit: RDKitModule,
  text: string,
  temperatureKelvin: number = ROOM_TEMPERATURE_KELVIN
): Mixture {
  if (typeof text !== 'string' || text.trim() === '') {
    throw new MixtureError({
      field: 'text',
      message: 'the mixture is empty; write it as "<component>: <amount> <unit>; ..."'
    });
  }
  const parts = text
    .split(';')
    .map(part => part.trim())
    .filter(part => part !== '');
  const components = parts.map((part, i) =>
    Private.component(rdkit, part, `components[${i}]`, temperatureKelvin)
  );
  return parseMixture({ components });
}

/** parseMixtureTextWith with RDKit loaded. */
export async function parseMixtureText(
  text: string,
  temperatureKelvin: number = ROOM_TEMPERATURE_KELVIN
): Promise<Mixture> {
  return parseMixtureTextWith(await loadRDKit(), text, temperatureKelvin);
}

/** The text form of a mixture (inverse of parseMixtureTextWith for reference names and SMILES). */
export function mixtureText(mixture: Mixture): string {
  return mixture.components.map(c => `${c.molecule.name}: ${c.amount} ${c.unit}`).join('; ');
}

namespace Private {
  const AMOUNT = /^([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*(.*)$/;

  export function component(
    rdkit: RDKitModule,
    part: string,
    field: string,
    temperatureKelvin: number
  ): MixtureComponent {
    const colon = part.lastIndexOf(':');
    if (colon < 0) {
      throw new MixtureError({
        field,
        message: `"${part}" has no ":" between the component and its amount (write e.g. "glycerol: 10 % w/w")`
      });
    }
    const name = part.slice(0, colon).trim();
    const quantity = part.slice(colon + 1).trim();
    if (name === '') {
      throw new MixtureError({ field, message: `"${part}" names no component before the ":"` });
    }
    const match = AMOUNT.exec(quantity);
    if (!match) {
      throw new MixtureError({
        field,
        label: name,
        message: `"${quantity}" is not an amount with a unit (write e.g. "10 % w/w")`
      });
    }
    const amount = Number(match[1]);
    const unit = unitOf(match[2]);
    if (unit === undefined) {
      throw new MixtureError({
        field: `${field}.unit`,
        label: name,
        message: `unknown unit "${match[2]}" (use one of ${CONCENTRATION_UNITS.map(u => `"${u}"`).join(', ')})`
      });
    }
    const reference = findReferenceMolecule(name);
    if (reference !== undefined) {
      return {
        molecule: moleculeFromReferenceWith(rdkit, name, temperatureKelvin),
        amount,
        unit,
        role: reference.role
      };
    }
    try {
      const identity = getIdentityWith(rdkit, name);
      return {
        molecule: { name, smiles: identity.canonicalSmiles, molarMass: identity.molarMass },
        amount,
        unit,
        role: 'other'
      };
    } catch (error) {
      if (error instanceof ChemistryError) {
        throw new MixtureError({
          field: `${field}.molecule`,
          label: name,
          message: `"${name}" is neither a reference cryoprotectant nor a SMILES RDKit can read (${error.message})`
        });
      }
      throw error;
    }
  }

  function unitOf(text: string): ConcentrationUnit | undefined {
    const wanted = text.trim().replace(/\s+/g, ' ').replace(/^%\s*/, '% ').toLowerCase();
    return CONCENTRATION_UNITS.find(u => u.toLowerCase() === wanted);
  }
}
