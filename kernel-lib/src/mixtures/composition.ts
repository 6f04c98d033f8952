/**
 * Canonical composition of a mixture and unit conversions.
 *
 * Solve: the unknowns are the component mass fractions w_1..w_n (water w_w = 1 - sum w_j).
 * Every unit gives one equation that is LINEAR in the w_j once the solution density is expressed
 * in the w_j, so the composition is a closed-form linear solve (Gaussian elimination with partial
 * pivoting), with no iteration:
 *
 * - `% w/w`:          w_i = a/100
 * - `mol/kg`:         1000 w_i/M_i = a w_w
 * - `mole fraction`:  w_i/M_i = a (sum_j w_j/M_j + w_w/M_w)
 * - per volume (`% w/v`, `g/L`, `mg/mL`, `mol/L`, `% v/v`): w_i rho = c_i with c_i in g/mL
 *   (a/100, a/1000, a/1000, a M_i/1000, a rho_i/100 respectively), i.e. w_i = c_i / rho, where
 *   - rho given: 1/rho is a number;
 *   - ideal mixing (additive volumes): 1/rho = sum_j w_j/rho_j + w_w/rho_w, linear in the w_j.
 *
 * Components are solved in a canonical order (by name, then SMILES) and reported in the caller's
 * order, so the order in which components are listed never changes any result, bit for bit.
 */
import { LuDecomposition, Matrix } from 'ml-matrix';
import type { ComponentRole } from '../reference/cryoprotectants';
import {
  ConcentrationUnitSchema,
  identityKey,
  MixtureError,
  parseCompositionOptions,
  parseMixture,
  toMixtureIssues
} from './types';
import type {
  CompositionOptions,
  ConcentrationUnit,
  Mixture,
  MixtureComponent,
  PureDensity
} from './types';
import { PER_VOLUME_UNITS } from './types';
import { ROOM_TEMPERATURE_KELVIN, WATER_MOLAR_MASS, waterDensity } from './molecule';
import { findReferenceMolecule } from '../reference/cryoprotectants';

export type SolutionDensityMethod = 'given' | 'ideal-mixing (additive volumes)';

/** Density of the solution, with the method that produced it. */
export interface SolutionDensity {
  /** g/cm3 */
  value: number;
  unit: 'g/cm3';
  method: SolutionDensityMethod;
  /** Sources of the pure densities used (ideal mixing), or 'given by the caller'. */
  sources: string[];
}

/** One component of a composition (caller's order). */
export interface ComponentComposition {
  /** Position in the mixture as given. */
  index: number;
  name: string;
  smiles: string;
  role: ComponentRole;
  /** g/mol */
  molarMass: number;
  massFraction: number;
  moleFraction: number;
  /** mol per kg of water */
  molality: number;
  /** mol per L of solution; null when no solution density is available (see notes). */
  molarity: number | null;
}

/** Water, the balance of the mixture. */
export interface WaterComposition {
  massFraction: number;
  moleFraction: number;
  /** g/mol */
  molarMass: number;
  /** Pure-water density at the temperature (Kell 1975), or null outside its range. */
  density: PureDensity | null;
}

/** Mass and mole fractions of every component and water (each set sums to 1), molalities, molarities. */
export interface Composition {
  temperatureKelvin: number;
  components: ComponentComposition[];
  water: WaterComposition;
  /** null when neither given nor estimable by ideal mixing (a component has no pure density). */
  solutionDensity: SolutionDensity | null;
  notes: string[];
}

/** A value with its unit. */
export interface Quantity<U extends string = string> {
  value: number;
  unit: U;
}

/** Molarity with the solution density it relies on. */
export interface MolarityQuantity extends Quantity<'mol/L'> {
  solutionDensity: SolutionDensity;
}

const IDEAL: SolutionDensityMethod = 'ideal-mixing (additive volumes)';

function isPerVolume(unit: ConcentrationUnit): boolean {
  return PER_VOLUME_UNITS.includes(unit);
}

function label(component: MixtureComponent): string {
  return component.molecule.name;
}

function listNames(names: string[]): string {
  return names.length <= 1
    ? names.join('')
    : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/** Names of the components without a pure density, in canonical order. */
function missingDensities(components: readonly MixtureComponent[]): string[] {
  return canonicalOrder(components)
    .filter(i => components[i].molecule.density === undefined)
    .map(i => label(components[i]));
}

/** Canonical solve order: by name (lower case), then SMILES; names are unique after validation. */
function canonicalOrder(components: readonly MixtureComponent[]): number[] {
  const keyOf = (c: MixtureComponent) => `${identityKey(c.molecule)}\u0000${c.molecule.smiles}`;
  return components
    .map((_, i) => i)
    .sort((a, b) => {
      const ka = keyOf(components[a]);
      const kb = keyOf(components[b]);
      return ka < kb ? -1 : ka > kb ? 1 : 0;
    });
}

/** Solve a x = b by LU decomposition with partial pivoting (ml-matrix); null when singular. */
function solveLinear(a: number[][], b: number[]): number[] | null {
  const lu = new LuDecomposition(new Matrix(a));
  if (lu.isSingular()) {
    return null;
  }
  return lu.solve(Matrix.columnVector(b)).getColumn(0);
}

/** Mass concentration (g/mL of solution) that a per-volume amount stands for. */
function gramsPerMillilitre(component: MixtureComponent, index: number): number {
  const { amount, unit, molecule } = component;
  switch (unit) {
    case '% w/v':
      return amount / 100;
    case 'g/L':
    case 'mg/mL':
      return amount / 1000;
    case 'mol/L':
      return (amount * molecule.molarMass) / 1000;
    case '% v/v':
      return (amount / 100) * pureDensityFor(component, index, '% v/v').value;
    default:
      throw new Error(`${unit} is not a per-volume unit`);
  }
}

function pureDensityFor(
  component: MixtureComponent,
  index: number,
  unit: ConcentrationUnit
): PureDensity {
  const density = component.molecule.density;
  if (density === undefined) {
    throw new MixtureError({
      field: `components[${index}]`,
      label: label(component),
      message: `${unit} needs the density of pure ${label(component)} (the volume of the pure component), and it has none; give molecule.density`
    });
  }
  return density;
}

interface DensityPlan {
  /** 1/rho when given; undefined for ideal mixing. */
  givenSpecificVolume?: number;
  /** 1/rho_j for each component (canonical order) and water, for ideal mixing. */
  specificVolumes?: { components: number[]; water: number };
}

/**
 * Composition of a mixture: mass and mole fractions of every component and water, molality and
 * molarity of every component, and the solution density with its method.
 *
 * @throws MixtureError for an invalid mixture, or when a quantity needed by a unit is missing.
 */
export function composition(mixture: Mixture, options: CompositionOptions = {}): Composition {
  const valid = parseMixture(mixture);
  const opts = parseCompositionOptions(options);
  const temperatureKelvin = opts.temperatureKelvin ?? ROOM_TEMPERATURE_KELVIN;
  const components = valid.components;
  const order = canonicalOrder(components);
  const n = components.length;
  const water = waterDensity(temperatureKelvin) ?? null;
  const notes: string[] = [];

  const missingDensity = missingDensities(components);
  const idealAvailable = water !== null && missingDensity.length === 0;
  const needsVolume = components.some(c => isPerVolume(c.unit));

  const plan: DensityPlan = {};
  if (opts.solutionDensity !== undefined) {
    plan.givenSpecificVolume = 1 / opts.solutionDensity;
  } else if (needsVolume) {
    if (!idealAvailable) {
      const index = order.find(i => isPerVolume(components[i].unit)) as number;
      const component = components[index];
      const why =
        missingDensity.length > 0
          ? `(${listNames(missingDensity)} ${missingDensity.length === 1 ? 'has' : 'have'} none)`
          : `(no water density at ${temperatureKelvin} K: the Kell 1975 correlation covers 273.15-423.15 K)`;
      throw new MixtureError({
        field: `components[${index}]`,
        label: label(component),
        message: `${component.unit} needs the solution density; give solutionDensity, or pure densities of every component for ideal mixing ${why}`
      });
    }
  }
  if (idealAvailable) {
    plan.specificVolumes = {
      components: order.map(i => 1 / (components[i].molecule.density as PureDensity).value),
      water: 1 / (water as PureDensity).value
    };
  }

  // Build the linear system in canonical order: row r, column c refer to components[order[r|c]].
  const a: number[][] = [];
  const b: number[] = [];
  order.forEach((i, r) => {
    const component = components[i];
    const { amount, unit, molecule } = component;
    const row = new Array<number>(n).fill(0);
    let rhs = 0;
    if (unit === '% w/w') {
      row[r] = 1;
      rhs = amount / 100;
    } else if (unit === 'mol/kg') {
      // 1000 w_i/M_i = m (1 - sum_j w_j)
      for (let c = 0; c < n; c++) {
        row[c] = amount;
      }
      row[r] += 1000 / molecule.molarMass;
      rhs = amount;
    } else if (unit === 'mole fraction') {
      // w_i/M_i - x sum_j w_j (1/M_j - 1/M_w) = x/M_w
      order.forEach((j, c) => {
        row[c] = -amount * (1 / components[j].molecule.molarMass - 1 / WATER_MOLAR_MASS);
      });
      row[r] += 1 / molecule.molarMass;
      rhs = amount / WATER_MOLAR_MASS;
    } else {
      const concentration = gramsPerMillilitre(component, i);
      if (plan.givenSpecificVolume !== undefined) {
        row[r] = 1;
        rhs = concentration * plan.givenSpecificVolume;
      } else {
        // w_i - c sum_j w_j (1/rho_j - 1/rho_w) = c/rho_w
        const volumes = plan.specificVolumes as NonNullable<DensityPlan['specificVolumes']>;
        for (let c = 0; c < n; c++) {
          row[c] = -concentration * (volumes.components[c] - volumes.water);
        }
        row[r] += 1;
        rhs = concentration * volumes.water;
      }
    }
    a.push(row);
    b.push(rhs);
  });

  const solved = n === 0 ? [] : solveLinear(a, b);
  if (solved === null || solved.some(w => !Number.isFinite(w))) {
    throw new MixtureError({
      field: 'components',
      message: 'these amounts do not determine a composition (the equations are singular)'
    });
  }
  const massFractions = new Array<number>(n).fill(0);
  order.forEach((i, r) => {
    massFractions[i] = solved[r];
  });
  const waterMassFraction = 1 - order.reduce((sum, i) => sum + massFractions[i], 0);
  const negative = order.filter(i => !(massFractions[i] > 0));
  if (negative.length > 0) {
    const i = negative[0];
    throw new MixtureError({
      field: `components[${i}]`,
      label: label(components[i]),
      message: `these amounts give a mass fraction of ${massFractions[i]} for ${label(components[i])}; no physical mixture has them`
    });
  }
  if (!(waterMassFraction > 0)) {
    throw new MixtureError({
      field: 'components',
      message: `these amounts leave no water (water mass fraction ${waterMassFraction.toPrecision(4)}); water is the balance and must be present`
    });
  }

  let solutionDensity: SolutionDensity | null = null;
  if (opts.solutionDensity !== undefined) {
    solutionDensity = {
      value: opts.solutionDensity,
      unit: 'g/cm3',
      method: 'given',
      sources: ['given by the caller']
    };
  } else if (idealAvailable) {
    const volumes = plan.specificVolumes as NonNullable<DensityPlan['specificVolumes']>;
    const specificVolume = order.reduce(
      (sum, i, r) => sum + massFractions[i] * volumes.components[r],
      waterMassFraction * volumes.water
    );
    solutionDensity = {
      value: 1 / specificVolume,
      unit: 'g/cm3',
      method: IDEAL,
      sources: [
        `water: ${(water as PureDensity).source}`,
        ...order.map(i => {
          const d = components[i].molecule.density as PureDensity;
          return `${label(components[i])}: ${d.source}`;
        })
      ]
    };
  } else {
    const why =
      missingDensity.length > 0
        ? `${listNames(missingDensity)} ${missingDensity.length === 1 ? 'has' : 'have'} no pure density`
        : `there is no water density at ${temperatureKelvin} K (Kell 1975 covers 273.15-423.15 K)`;
    notes.push(
      `No solution density: none was given and ideal mixing is not possible because ${why}; molarities and per-volume units are unavailable.`
    );
  }
  if (solutionDensity?.method === IDEAL) {
    notes.push(
      'Solution density estimated by ideal mixing (additive volumes of the pure components); real aqueous CPA solutions contract on mixing, so the true density is usually somewhat higher.'
    );
    for (const i of order) {
      const component = components[i];
      const t = component.molecule.density?.temperatureKelvin;
      if (t !== undefined && Math.abs(t - temperatureKelvin) > 0.005) {
        notes.push(
          `The density of ${label(component)} is for ${t} K but the mixture temperature is ${temperatureKelvin} K.`
        );
      }
    }
  }

  // Moles per gram of solution.
  const moles = massFractions.map((w, i) => w / components[i].molecule.molarMass);
  const waterMoles = waterMassFraction / WATER_MOLAR_MASS;
  const totalMoles = order.reduce((sum, i) => sum + moles[i], waterMoles);

  return {
    temperatureKelvin,
    components: components.map((component, i) => ({
      index: i,
      name: component.molecule.name,
      smiles: component.molecule.smiles,
      role: component.role,
      molarMass: component.molecule.molarMass,
      massFraction: massFractions[i],
      moleFraction: moles[i] / totalMoles,
      molality: (1000 * moles[i]) / waterMassFraction,
      // mol/g solution x g/mL x 1000 mL/L
      molarity: solutionDensity === null ? null : moles[i] * solutionDensity.value * 1000
    })),
    water: {
      massFraction: waterMassFraction,
      moleFraction: waterMoles / totalMoles,
      molarMass: WATER_MOLAR_MASS,
      density: water
    },
    solutionDensity,
    notes
  };
}

/**
 * Index of a component given by index, by name (case-insensitive), by a reference synonym
 * (`'DMSO'` finds `dimethyl sulfoxide`) or by SMILES; 'water' when it names water.
 */
export function findComponent(mixture: Mixture, component: number | string): number | 'water' {
  const components = mixture.components;
  if (typeof component === 'number') {
    if (!Number.isInteger(component) || component < 0 || component >= components.length) {
      throw new MixtureError({
        field: 'component',
        message: `no component at index ${component} (the mixture has ${components.length})`
      });
    }
    return component;
  }
  const wanted = component.trim().toLowerCase();
  const byName = components.findIndex(c => c.molecule.name.trim().toLowerCase() === wanted);
  if (byName >= 0) {
    return byName;
  }
  const reference = findReferenceMolecule(component);
  if (reference?.key === 'water') {
    return 'water';
  }
  const byKey =
    reference === undefined
      ? -1
      : components.findIndex(c => identityKey(c.molecule) === reference.key);
  if (byKey >= 0) {
    return byKey;
  }
  const bySmiles = components.findIndex(c => c.molecule.smiles === component.trim());
  if (bySmiles >= 0) {
    return bySmiles;
  }
  throw new MixtureError({
    field: 'component',
    message: `no component "${component}" in the mixture (it has ${components.map(c => c.molecule.name).join(', ') || 'no components'})`
  });
}

function soluteIndex(mixture: Mixture, component: number | string, what: string): number {
  const index = findComponent(mixture, component);
  if (index === 'water') {
    throw new MixtureError({
      field: 'component',
      message: `${what} of water is not defined here; water is the balance (use massFraction or moleFraction)`
    });
  }
  return index;
}

/** Express one component of a composition in a unit. */
function express(
  mixture: Mixture,
  result: Composition,
  index: number,
  unit: ConcentrationUnit
): number {
  const component = mixture.components[index];
  const c = result.components[index];
  switch (unit) {
    case '% w/w':
      return 100 * c.massFraction;
    case 'mole fraction':
      return c.moleFraction;
    case 'mol/kg':
      return c.molality;
  }
  const density = result.solutionDensity;
  if (density === null) {
    const missing = missingDensities(mixture.components);
    const why =
      missing.length > 0
        ? `(${listNames(missing)} ${missing.length === 1 ? 'has' : 'have'} none)`
        : `(no water density at ${result.temperatureKelvin} K)`;
    throw new MixtureError({
      field: `components[${index}]`,
      label: label(component),
      message: `${unit} needs the solution density; give solutionDensity, or pure densities of every component for ideal mixing ${why}`
    });
  }
  const gramsPerMl = c.massFraction * density.value;
  switch (unit) {
    case '% w/v':
      return 100 * gramsPerMl;
    case 'g/L':
    case 'mg/mL':
      return 1000 * gramsPerMl;
    case 'mol/L':
      return (1000 * gramsPerMl) / c.molarMass;
    case '% v/v':
      return (100 * gramsPerMl) / pureDensityFor(component, index, '% v/v').value;
  }
  throw new MixtureError({ field: 'unit', message: `unknown unit "${String(unit)}"` });
}

/**
 * Amount of one component in another unit, e.g. `convert(m, 'glycerol', 'mol/kg')`.
 * Per-volume units use the given solution density or ideal mixing (see `composition`).
 */
export function convert(
  mixture: Mixture,
  component: number | string,
  toUnit: ConcentrationUnit,
  options: CompositionOptions = {}
): Quantity<ConcentrationUnit> {
  const unit = ConcentrationUnitSchema.safeParse(toUnit);
  if (!unit.success) {
    throw new MixtureError(toMixtureIssues(unit.error, 'toUnit'));
  }
  const result = composition(mixture, options);
  const index = soluteIndex(mixture, component, 'Conversion');
  return { value: express(mixture, result, index, unit.data), unit: unit.data };
}

/** Mass fraction (g per g of solution) of a component, or of 'water'. */
export function massFraction(
  mixture: Mixture,
  component: number | string,
  options: CompositionOptions = {}
): Quantity<'mass fraction'> {
  const result = composition(mixture, options);
  const index = findComponent(mixture, component);
  const value =
    index === 'water' ? result.water.massFraction : result.components[index].massFraction;
  return { value, unit: 'mass fraction' };
}

/** Mole fraction of a component, or of 'water'. */
export function moleFraction(
  mixture: Mixture,
  component: number | string,
  options: CompositionOptions = {}
): Quantity<'mole fraction'> {
  const result = composition(mixture, options);
  const index = findComponent(mixture, component);
  const value =
    index === 'water' ? result.water.moleFraction : result.components[index].moleFraction;
  return { value, unit: 'mole fraction' };
}

/** Molality of a component: mol per kg of water. */
export function molality(
  mixture: Mixture,
  component: number | string,
  options: CompositionOptions = {}
): Quantity<'mol/kg'> {
  const result = composition(mixture, options);
  const index = soluteIndex(mixture, component, 'Molality');
  return { value: result.components[index].molality, unit: 'mol/kg' };
}

/** Molarity of a component: mol per L of solution, with the solution density used. */
export function molarity(
  mixture: Mixture,
  component: number | string,
  options: CompositionOptions = {}
): MolarityQuantity {
  const result = composition(mixture, options);
  const index = soluteIndex(mixture, component, 'Molarity');
  const value = express(mixture, result, index, 'mol/L');
  return { value, unit: 'mol/L', solutionDensity: result.solutionDensity as SolutionDensity };
}
