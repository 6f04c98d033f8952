import { cited } from '../provenance';
import type { ComponentRole } from '../reference/cryoprotectants';
import { composition, findComponent, type Composition, type SolutionDensity } from './composition';
import { MixtureError, PER_VOLUME_UNITS, type CompositionOptions, type Mixture } from './types';

/** A cited source and what the result used it for. */
export interface Citation {
  citation: string;
  /** Key in the reference data's `sources` table, when it comes from there. */
  id?: string;
  doi?: string;
  url?: string;
  usedFor: string;
}

/** A computed mixture property: never a bare number. */
export interface MixtureProperty<P> {
  property: string;
  value: number;
  unit: string;
  method: string;
  equation: string;
  parameters: P;
  sources: Citation[];
  /** Where the method does not apply or what it leaves out. */
  limits: string[];
  notes: string[];
}

export const GREEN_BOOK: Citation = {
  citation:
    'Cohen ER et al., Quantities, Units and Symbols in Physical Chemistry (IUPAC Green Book), 3rd ed., RSC Publishing (2007)',
  usedFor:
    'definitions of molality (per kg of solvent) and amount concentration (per L of solution)'
};

/** Per-component contribution to a total. */
export interface ComponentContribution {
  index: number;
  name: string;
  role: ComponentRole;
  /** mol/kg of water, or mol/L of solution for molarity */
  amount: number;
}

export interface TotalParameters {
  components: ComponentContribution[];
  solutionDensity: SolutionDensity | null;
  temperatureKelvin: number;
}

export interface OsmolalityContribution extends ComponentContribution {
  /** Osmotically active particles per formula unit (van 't Hoff factor). */
  particles: number;
  particlesSource: 'non-electrolyte (1)' | 'given by the caller';
  /** osmol per kg of water */
  osmolality: number;
}

export interface OsmolalityParameters {
  osmoticCoefficient: 1;
  components: OsmolalityContribution[];
  solutionDensity: SolutionDensity | null;
  temperatureKelvin: number;
}

export interface OsmolalityOptions extends CompositionOptions {
  /**
   * Particles per formula unit for electrolytes, keyed by component name (or index as text),
   * e.g. `{ 'sodium chloride': 2 }`: assumes complete dissociation.
   */
  particlesPerFormulaUnit?: Record<string, number>;
}

function densityCitations(mixture: Mixture, result: Composition): Citation[] {
  const perVolume = mixture.components.some(c => PER_VOLUME_UNITS.includes(c.unit));
  if (!perVolume || result.solutionDensity === null) {
    return [];
  }
  return result.solutionDensity.sources.map(citation => ({
    citation,
    usedFor: `solution density (${result.solutionDensity?.method}) for per-volume amounts`
  }));
}

const COMPOSITION_LIMIT =
  'Per-volume amounts are converted with the solution density in parameters.solutionDensity; ideal mixing neglects the volume contraction of aqueous CPA solutions.';

/** Total solute molality: sum of the molalities of all components, mol per kg of water. */
export function totalSoluteMolality(
  mixture: Mixture,
  options: CompositionOptions = {}
): MixtureProperty<TotalParameters> {
  const result = composition(mixture, options);
  const components = result.components.map(c => ({
    index: c.index,
    name: c.name,
    role: c.role,
    amount: c.molality
  }));
  return cited({
    property: 'total solute molality',
    value: sumCanonical(result, c => c.molality),
    unit: 'mol/kg',
    method: 'sum of component molalities (mol per kg of water)',
    equation: 'm_total = sum_i n_i / m_water',
    parameters: {
      components,
      solutionDensity: result.solutionDensity,
      temperatureKelvin: result.temperatureKelvin
    },
    sources: [GREEN_BOOK, ...densityCitations(mixture, result)],
    limits: [
      'Counts every listed component as a solute whatever its role; salts count as formula units, not ions (see osmolality).',
      COMPOSITION_LIMIT
    ],
    notes: result.notes
  });
}

/** Total solute molarity: sum of the molarities of all components, mol per L of solution. */
export function totalSoluteMolarity(
  mixture: Mixture,
  options: CompositionOptions = {}
): MixtureProperty<TotalParameters> {
  const result = composition(mixture, options);
  if (result.solutionDensity === null) {
    throw new MixtureError({
      field: 'options.solutionDensity',
      message: `molarity needs the solution density; ${result.notes.join(' ')}`
    });
  }
  const components = result.components.map(c => ({
    index: c.index,
    name: c.name,
    role: c.role,
    amount: c.molarity as number
  }));
  return cited({
    property: 'total solute molarity',
    value: sumCanonical(result, c => c.molarity as number),
    unit: 'mol/L',
    method: `sum of component molarities; solution density ${result.solutionDensity.method}`,
    equation: 'c_total = sum_i n_i / V_solution, V_solution = m_solution / rho_solution',
    parameters: {
      components,
      solutionDensity: result.solutionDensity,
      temperatureKelvin: result.temperatureKelvin
    },
    sources: [
      GREEN_BOOK,
      ...result.solutionDensity.sources.map(citation => ({
        citation,
        usedFor: `solution density (${result.solutionDensity?.method})`
      }))
    ],
    limits: [
      'Counts every listed component as a solute whatever its role; salts count as formula units, not ions.',
      COMPOSITION_LIMIT,
      'Molarity depends on temperature through the solution density.'
    ],
    notes: result.notes
  });
}

/** Net formal charge written in a SMILES string (bracket atoms only carry charges). */
export function netCharge(smiles: string): number {
  let charge = 0;
  for (const match of smiles.matchAll(/\[([^\]]+)\]/g)) {
    const atom = match[1].replace(/:\d+$/, '');
    const sign = /([+-]+)(\d*)$/.exec(atom);
    if (sign !== null) {
      const magnitude = sign[2] === '' ? sign[1].length : Number(sign[2]);
      charge += sign[1][0] === '+' ? magnitude : -magnitude;
    }
  }
  return charge;
}

/** Why a component cannot be counted as one particle per formula unit, or undefined. */
function electrolyteReason(smiles: string, role: ComponentRole): string | undefined {
  const fragments = smiles.split('.').length;
  const charge = netCharge(smiles);
  if (fragments > 1) {
    return `its SMILES has ${fragments} fragments (a salt dissociates into ions)`;
  }
  if (charge !== 0) {
    return `its SMILES has a net charge of ${charge > 0 ? '+' : ''}${charge}`;
  }
  if (role === 'buffer-salt') {
    return 'its role is buffer-salt (buffer salts dissociate into ions)';
  }
  return undefined;
}

/**
 * Ideal osmolality, osmol per kg of water: sum_i nu_i m_i with osmotic coefficient 1.
 * Non-electrolytes count nu = 1. Components that are ions or salts (net charge, several SMILES
 * fragments, or role 'buffer-salt') are REFUSED unless `particlesPerFormulaUnit` gives their nu,
 * because ions count separately and the kernel does not guess degrees of dissociation.
 */
export function osmolality(
  mixture: Mixture,
  options: OsmolalityOptions = {}
): MixtureProperty<OsmolalityParameters> {
  const { particlesPerFormulaUnit = {}, ...compositionOptions } = options;
  const result = composition(mixture, compositionOptions);
  const given = new Map<number, number>();
  for (const [key, nu] of Object.entries(particlesPerFormulaUnit)) {
    const index = findComponent(mixture, /^\d+$/.test(key) ? Number(key) : key);
    if (index === 'water' || !(Number.isInteger(nu) && nu >= 1)) {
      throw new MixtureError({
        field: `options.particlesPerFormulaUnit["${key}"]`,
        message: `must name a component and be a whole number of particles >= 1 (got ${nu})`
      });
    }
    given.set(index, nu);
  }
  const components = result.components.map((c): OsmolalityContribution => {
    const nu = given.get(c.index);
    if (nu === undefined) {
      const reason = electrolyteReason(c.smiles, c.role);
      if (reason !== undefined) {
        throw new MixtureError({
          field: `components[${c.index}]`,
          label: c.name,
          message: `ideal osmolality counts ions separately and ${c.name} looks like an electrolyte: ${reason}; give options.particlesPerFormulaUnit["${c.name}"] (e.g. 2 for NaCl, assuming complete dissociation)`
        });
      }
    }
    const particles = nu ?? 1;
    return {
      index: c.index,
      name: c.name,
      role: c.role,
      amount: c.molality,
      particles,
      particlesSource: nu === undefined ? 'non-electrolyte (1)' : 'given by the caller',
      osmolality: particles * c.molality
    };
  });
  const byIndex = new Map(components.map(c => [c.index, c.osmolality]));
  return cited({
    property: 'osmolality',
    value: sumCanonical(result, c => byIndex.get(c.index) as number),
    unit: 'osmol/kg',
    method: 'ideal osmolality (osmotic coefficient 1)',
    equation: 'Osm = phi sum_i nu_i m_i with phi = 1; nu_i = 1 for non-electrolytes',
    parameters: {
      osmoticCoefficient: 1,
      components,
      solutionDensity: result.solutionDensity,
      temperatureKelvin: result.temperatureKelvin
    },
    sources: [GREEN_BOOK, ...densityCitations(mixture, result)],
    limits: [
      'Ideal: the osmotic coefficient is taken as 1. Real CPA solutions at the multimolal concentrations used for vitrification can depart substantially from ideal; measure (freezing-point or vapour-pressure osmometry) where the number matters.',
      'Ions count separately: electrolytes need a caller-given number of particles per formula unit, which assumes complete dissociation and no ion pairing.',
      'Per kg of water (osmolality), not per L of solution (osmolarity).',
      COMPOSITION_LIMIT
    ],
    notes: result.notes
  });
}

/** Sum over components in a fixed (name) order, so that listing order never changes the total. */
function sumCanonical(
  result: Composition,
  value: (c: Composition['components'][number]) => number
): number {
  return [...result.components]
    .sort((a, b) =>
      a.name.toLowerCase() < b.name.toLowerCase()
        ? -1
        : a.name.toLowerCase() > b.name.toLowerCase()
          ? 1
          : a.smiles < b.smiles
            ? -1
            : a.smiles > b.smiles
              ? 1
              : 0
    )
    .reduce((sum, c) => sum + value(c), 0);
}
