import { cited } from '../provenance';
import { z } from 'zod';
import { getIdentityWith } from '../chemistry/identity';
import { loadRDKit, type RDKitModule } from '../chemistry/rdkit';
import {
  findReferenceMolecule,
  getReferenceData,
  type ReferenceMolecule
} from '../reference/cryoprotectants';
import { composition } from './composition';
import { citationOf, referenceDensity, ROOM_TEMPERATURE_KELVIN, waterDensity } from './molecule';
import type { Citation, MixtureProperty } from './properties';
import {
  MixtureError,
  parseMixture,
  toMixtureIssues,
  type CompositionOptions,
  type Mixture,
  type PureDensity
} from './types';

/** A temperature with its source. */
export interface SourcedTemperature {
  kelvin: number;
  source: string;
  note?: string;
}

/** A value with its source (e.g. a fitted Gordon-Taylor k). */
export interface SourcedValue {
  value: number;
  source: string;
}

/**
 * A binary solute-water solution: a reference solute by name with its mass fraction (0 to 1
 * inclusive), or a one-component mixture (any units; water is the balance).
 */
export type BinarySolution =
  | { solute: string; soluteMassFraction: number }
  | { mixture: Mixture; compositionOptions?: CompositionOptions };

export interface GlassTransitionOptions {
  /** Tg of the pure solute; default: mean of the reference molecule's published values. */
  soluteTg?: SourcedTemperature;
  /** Tg of pure water; default 135 K (Inaba & Andersson 2007). */
  waterTg?: SourcedTemperature;
}

export interface GordonTaylorOptions extends GlassTransitionOptions {
  /** Gordon-Taylor constant with its source; default: Simha-Boyer estimate. */
  k?: SourcedValue;
}

/** A published pure-component Tg from the reference data. */
export interface PublishedTg {
  kelvin: number;
  sourceId: string;
  citation: string;
  dataRow: { file: string; line: number };
  note?: string;
}

/** The Tg used for a pure component and how it was chosen. */
export interface ChosenTg {
  kelvin: number;
  choice: 'given by the caller' | 'mean of published values' | 'default (Inaba & Andersson 2007)';
  source: string;
  /** Every published value in the reference data, whether used or not. */
  published: PublishedTg[];
}

export interface GlassTransitionParameters {
  solute: string;
  soluteMassFraction: number;
  waterMassFraction: number;
  soluteTg: ChosenTg;
  waterTg: ChosenTg;
}

export type GordonTaylorKMethod = 'Simha–Boyer estimate' | 'given';

export interface GordonTaylorParameters extends GlassTransitionParameters {
  k: number;
  kMethod: GordonTaylorKMethod;
  kSource: string;
  /** Pure-liquid densities at 293.15 K used by the Simha-Boyer estimate. */
  soluteDensity?: PureDensity;
  waterDensity?: PureDensity;
}

export type GlassTransitionResult<P extends GlassTransitionParameters = GlassTransitionParameters> =
  MixtureProperty<P>;

export const GORDON_TAYLOR_1952: Citation = {
  citation:
    'Gordon M, Taylor JS, Ideal copolymers and the second-order transitions of synthetic rubbers. I. Non-crystalline copolymers, J. Appl. Chem. 2 (1952) 493-500',
  doi: '10.1002/jctb.5010020901',
  usedFor: 'Gordon-Taylor equation'
};

export const SIMHA_BOYER_1962: Citation = {
  citation:
    'Simha R, Boyer RF, On a general relation involving the glass temperature and coefficients of expansion of polymers, J. Chem. Phys. 37 (1962) 1003-1007',
  doi: '10.1063/1.1733201',
  usedFor: 'Simha-Boyer rule k = rho_s Tg_s / (rho_w Tg_w)'
};

export const FOX_1956: Citation = {
  citation:
    'Fox TG, Influence of diluent and of copolymer composition on the glass temperature of a polymer system, Bull. Am. Phys. Soc. 1 (1956) 123',
  usedFor: 'Fox equation'
};

const SIMHA_BOYER_TEMPERATURE = ROOM_TEMPERATURE_KELVIN;

const SourcedTemperatureSchema = z.object({
  kelvin: z
    .number({ error: 'must be a number of kelvin' })
    .refine(v => v > 0, { error: iss => `must be positive (got ${String(iss.input)})` }),
  source: z.string({ error: 'source is required' }).min(1, { error: 'source is required' }),
  note: z.string().optional()
});

const OptionsSchema = z.object({
  soluteTg: SourcedTemperatureSchema.optional(),
  waterTg: SourcedTemperatureSchema.optional(),
  k: z
    .object({
      value: z
        .number({ error: 'must be a number' })
        .refine(v => v > 0, { error: iss => `must be positive (got ${String(iss.input)})` }),
      source: z.string({ error: 'source is required' }).min(1, { error: 'source is required' })
    })
    .optional()
});

const NamedSolutionSchema = z.object({
  solute: z.string().min(1, { error: 'solute is required' }),
  soluteMassFraction: z
    .number({ error: 'must be a number between 0 and 1' })
    .refine(v => v >= 0 && v <= 1, {
      error: iss => `must be between 0 and 1 (got ${String(iss.input)})`
    })
});

interface Resolved {
  solute: string;
  reference?: ReferenceMolecule;
  smiles?: string;
  molarMass?: number;
  soluteMassFraction: number;
  notes: string[];
}

function resolveSolution(solution: BinarySolution): Resolved {
  if (typeof solution === 'object' && solution !== null && 'mixture' in solution) {
    const mixture = parseMixture(solution.mixture);
    if (mixture.components.length !== 1) {
      throw new MixtureError({
        field: 'mixture.components',
        message: `these glass-transition equations are for a binary solute-water solution; the mixture has ${mixture.components.length} components besides water`
      });
    }
    const result = composition(mixture, solution.compositionOptions);
    const molecule = mixture.components[0].molecule;
    const reference =
      findReferenceMolecule(molecule.name) ??
      getReferenceData().molecules.find(m => m.smiles === molecule.smiles);
    return {
      solute: molecule.name,
      reference,
      smiles: molecule.smiles,
      molarMass: molecule.molarMass,
      soluteMassFraction: result.components[0].massFraction,
      notes: result.notes
    };
  }
  const parsed = NamedSolutionSchema.safeParse(solution);
  if (!parsed.success) {
    throw new MixtureError(toMixtureIssues(parsed.error));
  }
  const reference = findReferenceMolecule(parsed.data.solute);
  if (reference?.key === 'water') {
    throw new MixtureError({
      field: 'solute',
      message: 'the solute must not be water; water is the other component'
    });
  }
  return {
    solute: reference?.name ?? parsed.data.solute,
    reference,
    smiles: reference?.smiles,
    soluteMassFraction: parsed.data.soluteMassFraction,
    notes: []
  };
}

function published(molecule: ReferenceMolecule | undefined): PublishedTg[] {
  return (molecule?.glassTransition ?? []).map(t => ({
    kelvin: t.kelvin,
    sourceId: t.source,
    citation: citationOf(t.source),
    dataRow: t.dataRow,
    ...(t.note === undefined ? {} : { note: t.note })
  }));
}

function chooseSoluteTg(resolved: Resolved, given: SourcedTemperature | undefined): ChosenTg {
  const values = published(resolved.reference);
  if (given !== undefined) {
    return {
      kelvin: given.kelvin,
      choice: 'given by the caller',
      source: given.source,
      published: values
    };
  }
  if (values.length === 0) {
    throw new MixtureError({
      field: 'solute',
      label: resolved.solute,
      message:
        resolved.reference === undefined
          ? `not a reference cryoprotectant, so no published glass transition temperature is known; give options.soluteTg with its source`
          : `the reference data has no published glass transition temperature for ${resolved.solute}; give options.soluteTg with its source`
    });
  }
  const mean = values.reduce((sum, v) => sum + v.kelvin, 0) / values.length;
  return {
    kelvin: mean,
    choice: 'mean of published values',
    source: values.map(v => `${v.kelvin} K (${v.citation})`).join('; '),
    published: values
  };
}

function chooseWaterTg(given: SourcedTemperature | undefined): ChosenTg {
  const values = published(findReferenceMolecule('water'));
  if (given !== undefined) {
    return {
      kelvin: given.kelvin,
      choice: 'given by the caller',
      source: given.source,
      published: values
    };
  }
  const inaba = values.find(v => v.sourceId === 'inaba-2007');
  if (inaba === undefined) {
    throw new Error('reference data lacks the Inaba & Andersson 2007 water Tg');
  }
  return {
    kelvin: inaba.kelvin,
    choice: 'default (Inaba & Andersson 2007)',
    source: inaba.citation,
    published: values
  };
}

function tgCitations(soluteTg: ChosenTg, waterTg: ChosenTg): Citation[] {
  const out: Citation[] = [];
  if (soluteTg.choice === 'given by the caller') {
    out.push({ citation: soluteTg.source, usedFor: 'pure-solute Tg (given by the caller)' });
  } else {
    for (const value of soluteTg.published) {
      out.push({
        citation: value.citation,
        id: value.sourceId,
        usedFor: `pure-solute Tg ${value.kelvin} K (data/science-data/${value.dataRow.file} line ${value.dataRow.line}), averaged`
      });
    }
  }
  if (waterTg.choice === 'given by the caller') {
    out.push({ citation: waterTg.source, usedFor: 'pure-water Tg (given by the caller)' });
  } else {
    const used = waterTg.published.find(v => v.kelvin === waterTg.kelvin);
    out.push({
      citation: waterTg.source,
      id: used?.sourceId,
      usedFor: `pure-water Tg ${waterTg.kelvin} K (data/science-data/${used?.dataRow.file} line ${used?.dataRow.line})`
    });
  }
  return out;
}

function commonLimits(soluteTg: ChosenTg): string[] {
  const kelvins = soluteTg.published.map(v => v.kelvin);
  const spread =
    kelvins.length > 1
      ? ` (the published solute values here span ${(Math.max(...kelvins) - Math.min(...kelvins)).toFixed(1)} K)`
      : '';
  return [
    'Binary solute-water solutions only: salts, buffers or a second cryoprotectant are not accounted for.',
    "Valid for a homogeneous glass of the stated composition; not for freeze-concentrated phases away from Cg' (in a partly frozen sample the glass has the Cg' composition, not the overall one).",
    `Published pure-component Tg values typically scatter by 5-30 K (thermal history, heating rate, onset vs midpoint); the result inherits that uncertainty${spread}.`
  ];
}

function commonNotes(resolved: Resolved, soluteTg: ChosenTg, waterTg: ChosenTg): string[] {
  const alternatives = waterTg.published
    .filter(v => v.kelvin !== waterTg.kelvin)
    .map(v => `${v.kelvin} K (${v.citation}${v.note === undefined ? '' : `; ${v.note}`})`);
  const notes = [
    `Water Tg used: ${waterTg.kelvin} K, ${waterTg.choice}. Published alternatives: ${alternatives.join('; ')}; and about 165 K extrapolated from propylene glycol solutions (J. Chem. Phys. 124 (2006) 194501, data/science-data/gordon_taylor_parameters.csv line 5). Pass options.waterTg to use another.`,
    soluteTg.choice === 'mean of published values'
      ? `Solute Tg used: ${soluteTg.kelvin.toFixed(2)} K, the mean of ${soluteTg.published.map(v => `${v.kelvin} K`).join(', ')}. Pass options.soluteTg to choose one.`
      : `Solute Tg used: ${soluteTg.kelvin} K, given by the caller (${soluteTg.source}).`,
    ...resolved.notes
  ];
  return notes;
}

function prepare(solution: BinarySolution, options: GordonTaylorOptions | undefined) {
  const parsed = OptionsSchema.safeParse(options ?? {});
  if (!parsed.success) {
    throw new MixtureError(toMixtureIssues(parsed.error, 'options'));
  }
  const resolved = resolveSolution(solution);
  const soluteTg = chooseSoluteTg(resolved, parsed.data.soluteTg);
  const waterTg = chooseWaterTg(parsed.data.waterTg);
  const ws = resolved.soluteMassFraction;
  const parameters: GlassTransitionParameters = {
    solute: resolved.solute,
    soluteMassFraction: ws,
    waterMassFraction: 1 - ws,
    soluteTg,
    waterTg
  };
  return { resolved, parameters, k: parsed.data.k };
}

/**
 * Glass transition of a binary solute-water solution by the Fox equation,
 * 1/Tg = w_s/Tg_s + w_w/Tg_w (mass fractions). Needs no density and no fitted constant; it is
 * Gordon-Taylor with k = Tg_s/Tg_w.
 *
 * @throws MixtureError when the solute has no published Tg and none is given.
 */
export function glassTransitionFox(
  solution: BinarySolution,
  options: GlassTransitionOptions = {}
): GlassTransitionResult {
  const { resolved, parameters } = prepare(solution, {
    soluteTg: options.soluteTg,
    waterTg: options.waterTg
  });
  const { soluteMassFraction: ws, waterMassFraction: ww, soluteTg, waterTg } = parameters;
  const value = 1 / (ws / soluteTg.kelvin + ww / waterTg.kelvin);
  return cited({
    property: 'glass transition temperature',
    value,
    unit: 'K',
    method: 'Fox equation',
    equation: '1/Tg = w_s/Tg_s + w_w/Tg_w',
    parameters,
    sources: [FOX_1956, ...tgCitations(soluteTg, waterTg)],
    limits: [
      ...commonLimits(soluteTg),
      'The Fox equation has no adjustable constant (it is Gordon-Taylor with k = Tg_s/Tg_w); it ignores the densities and specific interactions of the components.'
    ],
    notes: commonNotes(resolved, soluteTg, waterTg)
  });
}

/**
 * Glass transition of a binary solute-water solution by the Gordon-Taylor equation,
 * Tg = (w_s Tg_s + k w_w Tg_w) / (w_s + k w_w). k is the caller's (with its source) or, since no
 * measured k is in the reference data, the Simha-Boyer estimate k = rho_s Tg_s / (rho_w Tg_w) with
 * pure-liquid densities at 293.15 K from the reference correlations.
 *
 * @param rdkit - used only for the molar mass a DIPPR-105 density correlation needs.
 * @throws MixtureError when the solute has no published Tg, or no density for Simha-Boyer.
 */
export function glassTransitionGordonTaylorWith(
  rdkit: RDKitModule | undefined,
  solution: BinarySolution,
  options: GordonTaylorOptions = {}
): GlassTransitionResult<GordonTaylorParameters> {
  const { resolved, parameters, k: givenK } = prepare(solution, options);
  const { soluteMassFraction: ws, waterMassFraction: ww, soluteTg, waterTg } = parameters;
  const sources: Citation[] = [GORDON_TAYLOR_1952];
  const limits = commonLimits(soluteTg);
  let gt: GordonTaylorParameters;
  if (givenK !== undefined) {
    gt = { ...parameters, k: givenK.value, kMethod: 'given', kSource: givenK.source };
    sources.push({ citation: givenK.source, usedFor: 'Gordon-Taylor k (given by the caller)' });
  } else {
    const soluteDensity =
      resolved.reference === undefined
        ? undefined
        : referenceDensity(resolved.reference, SIMHA_BOYER_TEMPERATURE, () => {
            if (resolved.molarMass !== undefined) {
              return resolved.molarMass;
            }
            if (rdkit === undefined) {
              throw new Error('RDKit is needed for the molar mass of a DIPPR-105 density');
            }
            return getIdentityWith(rdkit, resolved.smiles as string).molarMass;
          });
    if (soluteDensity === undefined) {
      throw new MixtureError({
        field: 'solute',
        label: resolved.solute,
        message: `Gordon-Taylor needs k; no measured k is available, and its Simha-Boyer estimate needs the pure-liquid density of ${resolved.solute} at ${SIMHA_BOYER_TEMPERATURE} K, which the reference data does not have. Give options.k with its source, or use glassTransitionFox (which needs no density)`
      });
    }
    const water = waterDensity(SIMHA_BOYER_TEMPERATURE) as PureDensity;
    const k = (soluteDensity.value * soluteTg.kelvin) / (water.value * waterTg.kelvin);
    gt = {
      ...parameters,
      k,
      kMethod: 'Simha–Boyer estimate',
      kSource: `Simha-Boyer rule with ${resolved.solute} density ${soluteDensity.value.toFixed(4)} g/cm3 and water density ${water.value.toFixed(4)} g/cm3 at ${SIMHA_BOYER_TEMPERATURE} K`,
      soluteDensity,
      waterDensity: water
    };
    sources.push(
      SIMHA_BOYER_1962,
      {
        citation: soluteDensity.source,
        usedFor: `density of liquid ${resolved.solute} at 293.15 K`
      },
      { citation: water.source, usedFor: 'density of liquid water at 293.15 K' }
    );
    limits.push(
      'k is a Simha-Boyer estimate, not a fit: no measured Gordon-Taylor k is in the reference data (data/science-data/gordon_taylor_parameters.csv has none). It uses pure-liquid densities at 293.15 K from the reference correlations as an approximation; the rule calls for the densities of the amorphous components.'
    );
  }
  const value = (ws * soluteTg.kelvin + gt.k * ww * waterTg.kelvin) / (ws + gt.k * ww);
  return cited({
    property: 'glass transition temperature',
    value,
    unit: 'K',
    method: `Gordon-Taylor equation, k: ${gt.kMethod}`,
    equation: 'Tg = (w_s Tg_s + k w_w Tg_w) / (w_s + k w_w)',
    parameters: gt,
    sources: [...sources, ...tgCitations(soluteTg, waterTg)],
    limits,
    notes: commonNotes(resolved, soluteTg, waterTg)
  });
}

/** Async variant of `glassTransitionGordonTaylorWith` that loads RDKit when it is needed. */
export async function glassTransitionGordonTaylor(
  solution: BinarySolution,
  options: GordonTaylorOptions = {}
): Promise<GlassTransitionResult<GordonTaylorParameters>> {
  const needsRDKit =
    options.k === undefined &&
    !(typeof solution === 'object' && solution !== null && 'mixture' in solution) &&
    findReferenceMolecule(String(solution?.solute))?.liquidDensity?.equation === 'DIPPR105';
  return glassTransitionGordonTaylorWith(
    needsRDKit ? await loadRDKit() : undefined,
    solution,
    options
  );
}
