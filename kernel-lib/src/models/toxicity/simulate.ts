import { findReferenceMolecule } from '../../reference/cryoprotectants';
import { deriveSeed, SeededRandom } from '../random';
import {
  checkParameters,
  checkPositive,
  defaultReference,
  predictViability,
  ToxicityInputError,
  TOXICITY_MODEL_DESCRIPTION,
  type CryoprotectantShare,
  type ToxicityParameters,
  type ToxicityReference
} from './kinetics';

/**
 * SIMULATED cell-viability data from the assumed toxicity-kinetics model (kinetics.ts). No public
 * dataset of viability after cryoprotectant exposure is in this project, so the fitting and the
 * model pipeline are tested on data made here; every row and table says so (`simulated: true` and
 * a provenance text) and nothing simulated is ever a result.
 */

/** A cryoprotectant of the simulation with the rate-law parameters the simulation gives it. */
export interface SimulatedCryoprotectant extends ToxicityParameters {
  name: string;
  smiles: string;
}

/**
 * SIMULATION PARAMETERS, chosen by us for tests: round numbers of a plausible order of magnitude
 * (rates of 1e-3 to 1e-2 per minute at 10 % w/w and 20 degC, exponents 1 to 2, activation
 * energies 45 to 75 kJ/mol) so that simulated viabilities span 0 to 1 over minutes to an hour.
 * They are NOT measured values for these cryoprotectants and must never be quoted as such; the
 * names are real only so that mixtures have real structures to featurize.
 */
export const SIMULATION_PARAMETERS: Readonly<Record<string, ToxicityParameters>> = Object.freeze({
  'dimethyl sulfoxide': { k0: 0.003, alpha: 1.6, activationEnergy: 60 },
  'ethylene glycol': { k0: 0.002, alpha: 1.3, activationEnergy: 45 },
  glycerol: { k0: 0.001, alpha: 1.0, activationEnergy: 75 },
  '1,2-propanediol': { k0: 0.004, alpha: 1.9, activationEnergy: 55 }
});

export interface SimulationOptions {
  seed: number;
  /** Number of rows (exposures) to simulate. */
  rows: number;
  /** Cryoprotectants and their rate-law parameters (default: SIMULATION_PARAMETERS, SMILES from the reference data). */
  cryoprotectants?: readonly SimulatedCryoprotectant[];
  /** Largest number of cryoprotectants in one solution (default 3); each row draws 1..this many. */
  maxComponents?: number;
  /** Range of the total concentration, % w/w (default [5, 40]); drawn in steps of 0.5. */
  concentrationRange?: readonly [number, number];
  /** Exposure temperatures to draw from, K (default 277.15, 295.15, 310.15: 4, 22 and 37 degC). */
  temperaturesKelvin?: readonly number[];
  /** Range of exposure times, min (default [1, 60]); drawn in steps of 0.5. */
  exposureRangeMinutes?: readonly [number, number];
  /** Cells counted per sample (default 200): the observed viability is live/counted, binomial noise. */
  cellsCounted?: number;
  reference?: ToxicityReference;
}

/** One simulated exposure: conditions, the model's viability and the counted (noisy) viability. */
export interface SimulatedViabilityRow {
  simulated: true;
  /** The cryoprotectants with their SMILES and their share of the total cryoprotectant mass. */
  cryoprotectants: (CryoprotectantShare & { smiles: string; percentWw: number })[];
  /** Total cryoprotectant concentration, % w/w: the sum of the components' percentWw. */
  concentration: number;
  temperatureKelvin: number;
  exposureMinutes: number;
  /** live / cellsCounted: what an assay would report. */
  viability: number;
  /** The model's viability before counting noise. */
  trueViability: number;
  cellsCounted: number;
  liveCells: number;
}

export interface SimulatedViabilityData {
  simulated: true;
  /** Says what the data are, for anyone who meets them out of context. */
  provenance: string;
  seed: number;
  model: string;
  reference: ToxicityReference;
  /** The parameters the data were simulated with (simulation parameters, not measurements). */
  parameters: Record<string, ToxicityParameters>;
  rows: SimulatedViabilityRow[];
}

/** Simulate a labelled viability dataset (see the module comment: simulation, never a result). */
export function simulateViability(options: SimulationOptions): SimulatedViabilityData {
  const n = options.rows;
  if (!Number.isInteger(n) || n < 1) {
    throw new ToxicityInputError('rows', `must be a whole number >= 1, got ${String(n)}`);
  }
  const cryoprotectants = options.cryoprotectants ?? Private.defaultCryoprotectants();
  if (cryoprotectants.length === 0) {
    throw new ToxicityInputError('cryoprotectants', 'give at least one');
  }
  cryoprotectants.forEach((c, i) => checkParameters(c, `cryoprotectants[${i}]`));
  const maxComponents = Math.min(options.maxComponents ?? 3, cryoprotectants.length);
  if (!Number.isInteger(maxComponents) || maxComponents < 1) {
    throw new ToxicityInputError(
      'maxComponents',
      `must be a whole number >= 1, got ${String(options.maxComponents)}`
    );
  }
  const [cLow, cHigh] = Private.range(options.concentrationRange ?? [5, 40], 'concentrationRange');
  const [tLow, tHigh] = Private.range(
    options.exposureRangeMinutes ?? [1, 60],
    'exposureRangeMinutes'
  );
  const temperatures = options.temperaturesKelvin ?? [277.15, 295.15, 310.15];
  temperatures.forEach((t, i) => checkPositive(t, `temperaturesKelvin[${i}]`));
  const cellsCounted = options.cellsCounted ?? 200;
  if (!Number.isInteger(cellsCounted) || cellsCounted < 1) {
    throw new ToxicityInputError(
      'cellsCounted',
      `must be a whole number >= 1, got ${String(cellsCounted)}`
    );
  }
  const reference = options.reference ?? defaultReference();
  const parameters = Object.fromEntries(
    cryoprotectants.map(c => [
      c.name,
      { k0: c.k0, alpha: c.alpha, activationEnergy: c.activationEnergy }
    ])
  );
  const random = new SeededRandom(deriveSeed(options.seed, 'simulate-viability'));
  const rows: SimulatedViabilityRow[] = [];
  for (let r = 0; r < n; r++) {
    const count = 1 + random.nextInt(maxComponents);
    const chosen = random.shuffle([...cryoprotectants]).slice(0, count);
    const target = Private.step(cLow + random.nextFloat() * (cHigh - cLow), 0.5);
    const weights = chosen.map(() => 0.2 + 0.8 * random.nextFloat());
    const totalWeight = weights.reduce((s, w) => s + w, 0);
    // Amounts in steps of 0.5 % w/w, as a lab would make them up; the total is their sum.
    const amounts = weights.map(w => Math.max(0.5, Private.step((target * w) / totalWeight, 0.5)));
    const concentration = amounts.reduce((s, a) => s + a, 0);
    const temperatureKelvin = temperatures[random.nextInt(temperatures.length)];
    const exposureMinutes = Private.step(tLow + random.nextFloat() * (tHigh - tLow), 0.5);
    const shares = chosen.map((c, i) => ({
      name: c.name,
      smiles: c.smiles,
      massShare: amounts[i] / concentration,
      percentWw: amounts[i]
    }));
    const trueViability = predictViability(
      parameters,
      shares,
      [{ concentration, temperatureKelvin, exposureMinutes }],
      reference
    );
    let liveCells = 0;
    for (let k = 0; k < cellsCounted; k++) {
      if (random.nextFloat() < trueViability) {
        liveCells++;
      }
    }
    rows.push({
      simulated: true,
      cryoprotectants: shares,
      concentration,
      temperatureKelvin,
      exposureMinutes,
      viability: liveCells / cellsCounted,
      trueViability,
      cellsCounted,
      liveCells
    });
  }
  return {
    simulated: true,
    provenance: `SIMULATED by simulateViability (seed ${options.seed}, ${n} rows, ${cellsCounted} cells counted per row) from an assumed toxicity-kinetics model with simulation parameters; not a measurement, never a result`,
    seed: options.seed,
    model: TOXICITY_MODEL_DESCRIPTION,
    reference,
    parameters,
    rows
  };
}

/** Column names of simulatedViabilityCsv. */
export const SIMULATED_VIABILITY_COLUMNS = {
  mixture: 'Mixture',
  concentration: 'Concentration (% w/w)',
  temperature: 'Temperature (K)',
  exposure: 'Exposure (min)',
  viability: 'Viability',
  provenance: 'Provenance'
} as const;

/**
 * The data as CSV text with a mixture column in the text form parseMixtureText reads
 * ("dimethyl sulfoxide: 10 % w/w; glycerol: 5 % w/w"), the conditions, the counted viability, and a
 * Provenance column that says "simulated" on every row, so the file cannot pass for measurements.
 */
export function simulatedViabilityCsv(data: SimulatedViabilityData): string {
  const c = SIMULATED_VIABILITY_COLUMNS;
  const quote = (text: string) => `"${text.replace(/"/g, '""')}"`;
  const provenance = quote(`simulated (seed ${data.seed}); not a measurement`);
  const lines = [
    [c.mixture, c.concentration, c.temperature, c.exposure, c.viability, c.provenance]
      .map(quote)
      .join(','),
    ...data.rows.map(row =>
      [
        quote(row.cryoprotectants.map(p => `${p.name}: ${p.percentWw} % w/w`).join('; ')),
        row.concentration,
        row.temperatureKelvin,
        row.exposureMinutes,
        row.viability,
        provenance
      ].join(',')
    )
  ];
  return lines.join('\n') + '\n';
}

namespace Private {
  export function defaultCryoprotectants(): SimulatedCryoprotectant[] {
    return Object.entries(SIMULATION_PARAMETERS).map(([name, p]) => {
      const reference = findReferenceMolecule(name);
      if (!reference) {
        throw new Error(`simulation: "${name}" is not a reference cryoprotectant`);
      }
      return { name: reference.name, smiles: reference.smiles, ...p };
    });
  }

  export function range(value: readonly [number, number], field: string): [number, number] {
    const [low, high] = value;
    checkPositive(low, `${field}[0]`);
    checkPositive(high, `${field}[1]`);
    if (high < low) {
      throw new ToxicityInputError(field, `the upper end ${high} is below the lower end ${low}`);
    }
    return [low, high];
  }

  /** Round to the nearest multiple of `step`, at least one step. */
  export function step(value: number, size: number): number {
    return Math.max(size, Math.round(value / size) * size);
  }
}
