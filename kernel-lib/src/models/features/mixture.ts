import { DESCRIPTORS, loadRDKit, withMol, type RDKitModule } from '../../chemistry';
import { composition, type CompositionOptions, type Mixture } from '../../mixtures';
import type { FeatureSet } from '../types';
import { rowLabel, type Featurizer } from './featurizer';
import { descriptorVector, namedError, withParsed } from './molecules';

export const MIXTURE_FEATURIZER_VERSION = '1';

/** One component of a mixture; water is a component like any other (SMILES "O"). */
export interface MixtureSampleComponent {
  smiles: string;
  /** Mole or mass fraction (see MixtureFeaturizerOptions.basis); fractions are normalized to sum 1. */
  fraction: number;
}

export type MixtureCondition = 'concentration' | 'temperatureKelvin' | 'exposureMinutes';

/** A mixture and the conditions it was measured under. */
export interface MixtureSample {
  components: readonly MixtureSampleComponent[];
  /**
   * concentration: total cryoprotectant concentration in the dataset's own unit (one unit per
   * dataset); temperatureKelvin: exposure temperature in K; exposureMinutes: exposure time in min.
   */
  conditions?: Partial<Record<MixtureCondition, number>>;
}

export interface MixtureFeaturizerOptions {
  /** What the component fractions are: mole fractions (default) or mass fractions. */
  basis?: 'mole' | 'mass';
  /** Conditions every sample must give, as columns "condition:<name>" (default: all three). */
  conditions?: readonly MixtureCondition[];
}

const ALL_CONDITIONS: readonly MixtureCondition[] = [
  'concentration',
  'temperatureKelvin',
  'exposureMinutes'
];

/**
 * Permutation-invariant features of a mixture: for every descriptor of DESCRIPTORS, the
 * mole-fraction-weighted mean and variance over the components, water included
 * ("composition:mean:<d>", "composition:variance:<d>"); the water mole and mass fractions
 * ("composition:waterMoleFraction", "composition:waterMassFraction"); family "composition".
 * Then the requested conditions, family "conditions". Components are put in a canonical order
 * (canonical SMILES, then fraction) before any sum, so listing them in another order gives the same
 * numbers to the last bit. Water is recognized by its canonical SMILES "O". Mass fractions are
 * converted with RDKit's average molar masses.
 */
export function mixtureFeaturizer(
  options: MixtureFeaturizerOptions = {}
): Featurizer<MixtureSample> {
  const basis = options.basis ?? 'mole';
  const conditions = [...(options.conditions ?? ALL_CONDITIONS)];
  for (const c of conditions) {
    if (!ALL_CONDITIONS.includes(c)) {
      throw new RangeError(`unknown condition "${String(c)}"; known: ${ALL_CONDITIONS.join(', ')}`);
    }
  }
  if (basis !== 'mole' && basis !== 'mass') {
    throw new RangeError(`basis must be "mole" or "mass", got ${String(basis)}`);
  }
  const descriptorNames = DESCRIPTORS.map(d => d.name);
  const molarMassIndex = descriptorNames.indexOf('molarMass');
  const names = [
    ...descriptorNames.map(d => `composition:mean:${d}`),
    ...descriptorNames.map(d => `composition:variance:${d}`),
    'composition:waterMoleFraction',
    'composition:waterMassFraction',
    ...conditions.map(c => `condition:${c}`)
  ];
  const families = names.map(n => (n.startsWith('condition:') ? 'conditions' : 'composition'));
  return {
    name: 'mixture',
    version: `mixture@${MIXTURE_FEATURIZER_VERSION}(basis=${basis},conditions=${conditions.join('|')})`,
    async featurize(samples, featurizeOptions): Promise<FeatureSet> {
      const rdkit = await loadRDKit();
      const molecules = new Map<string, { canonical: string; descriptors: number[] }>();
      const molecule = (smiles: string) => {
        let entry = molecules.get(smiles);
        if (!entry) {
          entry = withParsed(rdkit, smiles, mol => ({
            canonical: mol.get_smiles(),
            descriptors: descriptorVector(rdkit, mol, smiles)
          }));
          molecules.set(smiles, entry);
        }
        return entry;
      };
      const X = samples.map((sample, i) => {
        const label = rowLabel(featurizeOptions, i);
        try {
          return Private.row(sample, molecule, basis, conditions, molarMassIndex);
        } catch (error) {
          throw namedError(error, label);
        }
      });
      return { names, families, X, version: this.version };
    }
  };
}

/**
 * The featurizer's sample of a mixture from the mixtures module (e.g. parsed by parseMixtureText):
 * the mole fraction of every component and of water, the balance, from `composition` (so any
 * concentration unit works, per-volume units with the solution density it documents).
 */
export function mixtureSample(
  mixture: Mixture,
  conditions?: MixtureSample['conditions'],
  options: CompositionOptions = {}
): MixtureSample {
  const solved = composition(mixture, options);
  const components: MixtureSampleComponent[] = solved.components.map(c => ({
    smiles: c.smiles,
    fraction: c.moleFraction
  }));
  if (solved.water.moleFraction > 0) {
    components.push({ smiles: 'O', fraction: solved.water.moleFraction });
  }
  return conditions === undefined ? { components } : { components, conditions };
}

/**
 * The group of a mixture for grouped cross-validation: the canonical SMILES of its components
 * (water, the balance, aside), sorted and joined by " + ", whatever their amounts. Rows of the same
 * cryoprotectants at other concentrations share the group, so a model is scored on combinations of
 * cryoprotectants it has not seen.
 */
export function mixtureGroupKeyWith(rdkit: RDKitModule, mixture: Mixture): string {
  return mixture.components
    .map(c => withMol(rdkit, c.molecule.smiles, mol => mol.get_smiles()))
    .sort()
    .join(' + ');
}

namespace Private {
  interface Resolved {
    canonical: string;
    descriptors: number[];
    fraction: number;
  }

  export function row(
    sample: MixtureSample,
    molecule: (smiles: string) => { canonical: string; descriptors: number[] },
    basis: 'mole' | 'mass',
    conditions: MixtureCondition[],
    molarMassIndex: number
  ): number[] {
    if (!sample || !Array.isArray(sample.components) || sample.components.length === 0) {
      throw new RangeError('the mixture has no components');
    }
    const resolved: Resolved[] = sample.components.map((component, c) => {
      const fraction = component?.fraction;
      if (typeof fraction !== 'number' || !Number.isFinite(fraction) || fraction < 0) {
        throw new RangeError(
          `component ${c} (${String(component?.smiles)}) has fraction ${String(fraction)}; fractions are finite and >= 0`
        );
      }
      return { ...molecule(component.smiles), fraction };
    });
    // A canonical order before any floating-point sum: the features cannot depend on listing order.
    resolved.sort((a, b) =>
      a.canonical < b.canonical ? -1 : a.canonical > b.canonical ? 1 : a.fraction - b.fraction
    );
    const massOf = (r: Resolved) => r.descriptors[molarMassIndex];
    const given = normalize(resolved.map(r => r.fraction));
    const mole = basis === 'mole' ? given : normalize(resolved.map((r, k) => given[k] / massOf(r)));
    const mass = basis === 'mass' ? given : normalize(resolved.map((r, k) => mole[k] * massOf(r)));
    const width = resolved[0].descriptors.length;
    const mean = new Array<number>(width).fill(0);
    const variance = new Array<number>(width).fill(0);
    for (let d = 0; d < width; d++) {
      for (let k = 0; k < resolved.length; k++) {
        mean[d] += mole[k] * resolved[k].descriptors[d];
      }
      for (let k = 0; k < resolved.length; k++) {
        const deviation = resolved[k].descriptors[d] - mean[d];
        variance[d] += mole[k] * deviation * deviation;
      }
    }
    let waterMole = 0;
    let waterMass = 0;
    resolved.forEach((r, k) => {
      if (r.canonical === 'O') {
        waterMole += mole[k];
        waterMass += mass[k];
      }
    });
    const conditionValues = conditions.map(name => {
      const value = sample.conditions?.[name];
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw new RangeError(
          `the condition ${name} is ${String(value)}; a finite number is needed`
        );
      }
      return value;
    });
    return [...mean, ...variance, waterMole, waterMass, ...conditionValues];
  }

  function normalize(values: number[]): number[] {
    let total = 0;
    for (const v of values) {
      total += v;
    }
    if (!(total > 0) || !Number.isFinite(total)) {
      throw new RangeError(`the fractions sum to ${total}; at least one must be positive`);
    }
    return values.map(v => v / total);
  }
}
