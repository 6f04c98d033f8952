/**
 * The vocabulary of a mixture, without the code that computes with it: the extension's forms read
 * these through the light `@cryoprotect/kernel/display` entry.
 */

/** The concentration units a component amount may be given in. */
export const CONCENTRATION_UNITS = [
  '% w/w',
  '% w/v',
  '% v/v',
  'mol/L',
  'mol/kg',
  'mole fraction',
  'mg/mL',
  'g/L'
] as const;

/**
 * - `% w/w`: g of component per 100 g of solution.
 * - `% w/v`: g of component per 100 mL of solution.
 * - `% v/v`: mL of the pure component (before mixing) per 100 mL of solution.
 * - `mol/L`: molarity, mol of component per litre of solution.
 * - `mol/kg`: molality, mol of component per kg of water (not of solvent mixture).
 * - `mole fraction`: mol of component per mol of all species, water included.
 * - `mg/mL` and `g/L`: mass concentration per volume of solution (numerically equal).
 */
export type ConcentrationUnit = (typeof CONCENTRATION_UNITS)[number];

/** Units that need the solution density to be turned into mass fractions. */
export const PER_VOLUME_UNITS: readonly ConcentrationUnit[] = [
  '% w/v',
  '% v/v',
  'mol/L',
  'mg/mL',
  'g/L'
];

/** What a component does in a cryoprotectant solution. */
export const COMPONENT_ROLES = [
  'solvent',
  'penetrating',
  'non-penetrating',
  'buffer-salt',
  'other'
] as const;
