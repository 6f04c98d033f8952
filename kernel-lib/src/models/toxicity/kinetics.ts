/**
 * A toxicity-kinetics model of cell viability in cryoprotectant (CPA) solutions: what fraction of
 * cells is still alive after an exposure at a concentration and temperature.
 *
 * What the literature gives (checked against the papers' abstracts and figure legends):
 * - Benson JD, Kearsley AJ, Higgins AZ, "Mathematical optimization of procedures for cryoprotectant
 *   equilibration using a toxicity cost function", Cryobiology 64 (2012) 144-151: toxicity damage
 *   accumulates over the exposure as a cost function of the CPA concentration over time.
 * - Davidson AF, Glasscock C, McClanahan DR, Benson JD, Higgins AZ, "Toxicity minimized
 *   cryoprotectant addition and removal procedures for adherent endothelial cells", PLoS ONE 10(11)
 *   (2015) e0142828, doi:10.1371/journal.pone.0142828: cell yield falls with exposure time as an
 *   exponential decay (first-order kinetics), with a rate constant k that depends on concentration
 *   and temperature.
 * - Warner RM et al., "Multiple cryoprotectant toxicity model for vitrification solution
 *   optimization", Cryobiology 108 (2022) 1-9: in mixtures, specific and non-specific toxicity and
 *   interactions between CPAs all matter.
 *
 * What is ASSUMED here (we could not read the exact equations of those papers, so these forms are
 * ours, chosen to have that shape; none of their fitted parameter values is used):
 *   viability = exp(-integral of k dt) = exp(-k t) at constant conditions        (first order)
 *   k = sum_i s_i k0_i (C / C_ref)^alpha_i exp(-Ea_i/R (1/T - 1/T_ref))
 * with s_i the share of CPA i in the total CPA mass (shares sum to 1), C the total CPA
 * concentration in % w/w, T the temperature in K, k0_i the rate (1/min) of CPA i alone at C_ref and
 * T_ref, alpha_i its concentration exponent and Ea_i its apparent activation energy (Arrhenius).
 * The mixture rule, a composition-weighted sum of each CPA's rate at the total concentration, is
 * the simplest one that reduces to the single-CPA law; it ignores the interactions Warner et al.
 * report, so it is a device for simulation and fitting tests, not a claim about real mixtures.
 */

/** The model in one line, stored with every simulation and fit. */
export const TOXICITY_MODEL_DESCRIPTION =
  'first-order toxicity kinetics, viability = exp(-k t), with k = sum_i s_i k0_i (C/C_ref)^alpha_i exp(-Ea_i/R (1/T - 1/T_ref)) (assumed form, see kernel-lib README)';

/** Gas constant, J/(mol K) (CODATA 2018, exact since the 2019 SI redefinition). */
export const GAS_CONSTANT = 8.314462618;

/** Default reference concentration C_ref of the rate law, % w/w (a choice of scale, not a datum). */
export const DEFAULT_REFERENCE_CONCENTRATION = 10;

/** Default reference temperature T_ref of the rate law, K (20 degC; a choice of scale). */
export const DEFAULT_REFERENCE_TEMPERATURE_KELVIN = 293.15;

/** The rate law of one cryoprotectant. */
export interface ToxicityParameters {
  /** Toxicity rate of this cryoprotectant alone at C_ref and T_ref, 1/min; > 0. */
  k0: number;
  /** Concentration exponent alpha (dimensionless). */
  alpha: number;
  /** Apparent activation energy Ea, kJ/mol. */
  activationEnergy: number;
}

/** One cryoprotectant of a solution (water is the balance and not listed). */
export interface CryoprotectantShare {
  /** Name that keys the parameters, e.g. "dimethyl sulfoxide". */
  name: string;
  /** Share of this cryoprotectant in the total cryoprotectant mass; shares are normalised to sum 1. */
  massShare: number;
}

/** Constant exposure conditions. */
export interface ExposureConditions {
  /** Total cryoprotectant concentration, % w/w (g per 100 g of solution); > 0. */
  concentration: number;
  /** K; > 0. */
  temperatureKelvin: number;
  /** Exposure time, min; >= 0. */
  exposureMinutes: number;
}

/** Reference point of the rate law. */
export interface ToxicityReference {
  /** % w/w */
  concentration: number;
  /** K */
  temperatureKelvin: number;
}

/** Bad input to the toxicity model or its fit; `field` names the place, e.g. `rows[3].viability`. */
export class ToxicityInputError extends Error {
  constructor(
    readonly field: string,
    readonly reason: string
  ) {
    super(`${field}: ${reason}`);
    this.name = 'ToxicityInputError';
  }
}

/**
 * The toxicity rate k (1/min) of a solution: the share-weighted sum of each cryoprotectant's rate
 * at the total concentration and the temperature (see the module comment for the assumed form).
 */
export function toxicityRate(
  parameters: Readonly<Record<string, ToxicityParameters>>,
  cryoprotectants: readonly CryoprotectantShare[],
  conditions: Pick<ExposureConditions, 'concentration' | 'temperatureKelvin'>,
  reference: ToxicityReference = defaultReference()
): number {
  const shares = normalizedShares(cryoprotectants, 'cryoprotectants');
  checkPositive(conditions.concentration, 'concentration');
  checkPositive(conditions.temperatureKelvin, 'temperatureKelvin');
  let rate = 0;
  shares.forEach(({ name, share }) => {
    const p = parameters[name];
    if (p === undefined) {
      throw new ToxicityInputError(
        'cryoprotectants',
        `no toxicity parameters for "${name}" (have: ${Object.keys(parameters).join(', ')})`
      );
    }
    checkParameters(p, `parameters["${name}"]`);
    rate +=
      share * componentRate(p, conditions.concentration, conditions.temperatureKelvin, reference);
  });
  return rate;
}

/** The rate of one cryoprotectant alone at concentration C (% w/w) and temperature T (K), 1/min. */
export function componentRate(
  p: ToxicityParameters,
  concentration: number,
  temperatureKelvin: number,
  reference: ToxicityReference = defaultReference()
): number {
  return Math.exp(
    Math.log(p.k0) +
      p.alpha * Math.log(concentration / reference.concentration) -
      arrheniusSlope(temperatureKelvin, reference) * p.activationEnergy
  );
}

/**
 * (1000/R)(1/T - 1/T_ref), in mol/kJ: the Arrhenius exponent per kJ/mol of activation energy, so
 * that the factor is exp(-Ea * arrheniusSlope).
 */
export function arrheniusSlope(temperatureKelvin: number, reference: ToxicityReference): number {
  return (1000 / GAS_CONSTANT) * (1 / temperatureKelvin - 1 / reference.temperatureKelvin);
}

/**
 * Viability after a protocol of steps at constant conditions, in order: exp(-sum k_j t_j), the
 * integral of a piecewise-constant rate. One step gives exp(-k t).
 */
export function predictViability(
  parameters: Readonly<Record<string, ToxicityParameters>>,
  cryoprotectants: readonly CryoprotectantShare[],
  steps: readonly ExposureConditions[],
  reference: ToxicityReference = defaultReference()
): number {
  let cumulative = 0;
  steps.forEach((step, j) => {
    checkNonNegative(step.exposureMinutes, `steps[${j}].exposureMinutes`);
    cumulative += toxicityRate(parameters, cryoprotectants, step, reference) * step.exposureMinutes;
  });
  return Math.exp(-cumulative);
}

export function defaultReference(): ToxicityReference {
  return {
    concentration: DEFAULT_REFERENCE_CONCENTRATION,
    temperatureKelvin: DEFAULT_REFERENCE_TEMPERATURE_KELVIN
  };
}

/** Shares normalised to sum 1, each name once (a name listed twice adds its shares). */
export function normalizedShares(
  cryoprotectants: readonly CryoprotectantShare[],
  field: string
): { name: string; share: number }[] {
  if (!Array.isArray(cryoprotectants) || cryoprotectants.length === 0) {
    throw new ToxicityInputError(field, 'list at least one cryoprotectant');
  }
  const byName = new Map<string, number>();
  cryoprotectants.forEach((c, i) => {
    if (typeof c?.name !== 'string' || c.name.trim() === '') {
      throw new ToxicityInputError(`${field}[${i}].name`, 'must be a non-empty name');
    }
    checkNonNegative(c.massShare, `${field}[${i}].massShare`);
    byName.set(c.name, (byName.get(c.name) ?? 0) + c.massShare);
  });
  const total = [...byName.values()].reduce((s, v) => s + v, 0);
  if (!(total > 0)) {
    throw new ToxicityInputError(field, 'the mass shares sum to 0; at least one must be positive');
  }
  return [...byName.entries()].map(([name, share]) => ({ name, share: share / total }));
}

/** k0 > 0, alpha and Ea finite. */
export function checkParameters(p: ToxicityParameters, field: string): void {
  checkPositive(p?.k0, `${field}.k0`);
  checkFinite(p.alpha, `${field}.alpha`);
  checkFinite(p.activationEnergy, `${field}.activationEnergy`);
}

export function checkFinite(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new ToxicityInputError(field, `must be a finite number, got ${String(value)}`);
  }
  return value;
}

export function checkPositive(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new ToxicityInputError(field, `must be a finite number > 0, got ${String(value)}`);
  }
  return value;
}

export function checkNonNegative(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new ToxicityInputError(field, `must be a finite number >= 0, got ${String(value)}`);
  }
  return value;
}
