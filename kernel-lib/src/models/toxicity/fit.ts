// @ts-expect-error TS1479: ml-levenberg-marquardt 5 is ESM-only and TypeScript cannot mark a
// type-only import from this CommonJS package as ESM; the types still resolve (checked by the build).
import type * as LevenbergMarquardt from 'ml-levenberg-marquardt';
import { Matrix, SingularValueDecomposition, solve } from 'ml-matrix';
import {
  arrheniusSlope,
  checkNonNegative,
  checkPositive,
  defaultReference,
  normalizedShares,
  ToxicityInputError,
  TOXICITY_MODEL_DESCRIPTION,
  type CryoprotectantShare,
  type ExposureConditions,
  type ToxicityParameters,
  type ToxicityReference
} from './kinetics';

/** One measured (or simulated) exposure: solution, constant conditions and the viability after it. */
export interface ViabilityObservation extends ExposureConditions {
  cryoprotectants: readonly CryoprotectantShare[];
  /** Fraction of cells alive after the exposure, in [0, 1]. */
  viability: number;
}

/** A fitted value with its asymptotic standard error. */
export interface Estimate {
  value: number;
  standardError: number;
}

export interface ToxicityFit {
  model: string;
  method: string;
  reference: ToxicityReference;
  /** Per cryoprotectant: the estimates and the number of rows it appears in. */
  cryoprotectants: Record<
    string,
    { k0: Estimate; alpha: Estimate; activationEnergy: Estimate; rows: number }
  >;
  /** The point estimates, ready for predictViability. */
  parameters: Record<string, ToxicityParameters>;
  rows: number;
  /** sqrt(SSE / (rows - parameters)), in viability units. */
  residualStandardError: number;
  iterations: number;
}

export interface FitOptions {
  reference?: ToxicityReference;
  /** Levenberg-Marquardt iterations (default 500). */
  maxIterations?: number;
}

/**
 * Fit the toxicity-kinetics model (kinetics.ts) to viability rows: k0, alpha and Ea of every
 * cryoprotectant that appears, by nonlinear least squares on the viability scale with
 * ml-levenberg-marquardt and the model's analytical Jacobian. The start comes from a linear fit of
 * ln(-ln(viability)/t) on ln(C/C_ref) and the Arrhenius term over rows with viability strictly
 * between 0.02 and 0.98 (all cryoprotectants alike), so no guess is asked of the caller.
 *
 * Refuses, naming the field: rows that are not numbers or out of range (negative time,
 * concentration <= 0, viability outside [0, 1]); fewer rows than parameters + 1; a cryoprotectant
 * seen at one concentration or one temperature only (its alpha or Ea is then not identifiable);
 * and a fit whose parameters the rows cannot separate (singular Jacobian).
 */
export async function fitToxicityKinetics(
  rows: readonly ViabilityObservation[],
  options: FitOptions = {}
): Promise<ToxicityFit> {
  const reference = options.reference ?? defaultReference();
  checkPositive(reference.concentration, 'reference.concentration');
  checkPositive(reference.temperatureKelvin, 'reference.temperatureKelvin');
  const prepared = Private.prepare(rows, reference);
  const { names } = prepared;
  const p = 3 * names.length;
  if (prepared.rows.length < p + 1) {
    throw new ToxicityInputError(
      'rows',
      `${prepared.rows.length} rows for ${p} parameters (k0, alpha, Ea of ${names.join(', ')}); at least ${p + 1} are needed`
    );
  }
  Private.checkIdentifiable(prepared);
  const { levenbergMarquardt } = await Private.loadLevenbergMarquardt();
  const start = Private.linearStart(prepared.rows);
  const initialValues = names.flatMap(() => start);
  const result = levenbergMarquardt(
    {
      x: prepared.rows.map((_, i) => i),
      y: prepared.rows.map(r => r.viability)
    },
    (theta: number[]) => (i: number) => Private.viability(prepared.rows[i], theta),
    {
      initialValues,
      jacobianFunction: (theta: number[]) => (i: number) =>
        Private.gradient(prepared.rows[i], theta),
      minValues: names.flatMap(() => Private.LOWER),
      maxValues: names.flatMap(() => Private.UPPER),
      maxIterations: options.maxIterations ?? 500,
      damping: 1e-2,
      errorTolerance: 1e-12
    }
  );
  const theta = result.parameterValues;
  const n = prepared.rows.length;
  const sse = result.parameterError;
  const s2 = sse / (n - p);
  const covariance = Private.covariance(prepared.rows, theta, names);
  const cryoprotectants: ToxicityFit['cryoprotectants'] = {};
  const parameters: ToxicityFit['parameters'] = {};
  names.forEach((name, j) => {
    const [u, alpha, e] = theta.slice(3 * j, 3 * j + 3);
    const se = (k: number) => Math.sqrt(Math.max(0, covariance[3 * j + k][3 * j + k]));
    const k0 = Math.exp(u);
    cryoprotectants[name] = {
      // Delta method: se(k0) = k0 se(ln k0).
      k0: { value: k0, standardError: k0 * se(0) },
      alpha: { value: alpha, standardError: se(1) },
      activationEnergy: {
        value: e * Private.ENERGY_UNIT,
        standardError: se(2) * Private.ENERGY_UNIT
      },
      rows: prepared.rows.filter(r => r.shares[j] > 0).length
    };
    parameters[name] = { k0, alpha, activationEnergy: e * Private.ENERGY_UNIT };
  });
  return {
    model: TOXICITY_MODEL_DESCRIPTION,
    method:
      'nonlinear least squares on viability (ml-levenberg-marquardt, analytical Jacobian); standard errors from the heteroscedasticity-consistent sandwich covariance (HC0) at the optimum, asymptotic',
    reference,
    cryoprotectants,
    parameters,
    rows: n,
    residualStandardError: Math.sqrt(s2),
    iterations: result.iterations
  };
}

namespace Private {
  /** Activation energies are fitted in units of 10 kJ/mol so all parameters have similar scales. */
  export const ENERGY_UNIT = 10;
  /** Bounds per cryoprotectant on [ln k0 (1/min), alpha, Ea / 10 kJ/mol]: wide, only against overflow. */
  export const LOWER = [-40, -10, -50];
  export const UPPER = [10, 10, 50];

  export interface PreparedRow {
    /** Shares in the order of `names`. */
    shares: number[];
    logConcentration: number;
    arrhenius: number;
    minutes: number;
    viability: number;
    concentration: number;
    temperatureKelvin: number;
  }

  let loaded: Promise<typeof LevenbergMarquardt> | undefined;

  /** ESM-only from this CommonJS package: a real dynamic import, cached. */
  export function loadLevenbergMarquardt(): Promise<typeof LevenbergMarquardt> {
    loaded ??= import('ml-levenberg-marquardt').catch((error: unknown) => {
      loaded = undefined;
      throw error;
    });
    return loaded;
  }

  export function prepare(
    rows: readonly ViabilityObservation[],
    reference: ToxicityReference
  ): { names: string[]; rows: PreparedRow[] } {
    if (!Array.isArray(rows)) {
      throw new ToxicityInputError('rows', 'must be a list of observations');
    }
    const normalized = rows.map((row, i) => {
      const field = `rows[${i}]`;
      if (row === null || typeof row !== 'object') {
        throw new ToxicityInputError(field, 'must be an observation object');
      }
      const shares = normalizedShares(row.cryoprotectants, `${field}.cryoprotectants`);
      checkPositive(row.concentration, `${field}.concentration`);
      checkPositive(row.temperatureKelvin, `${field}.temperatureKelvin`);
      checkNonNegative(row.exposureMinutes, `${field}.exposureMinutes`);
      const v = row.viability;
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 1) {
        throw new ToxicityInputError(
          `${field}.viability`,
          `must be a fraction in [0, 1], got ${String(v)}`
        );
      }
      return { row, shares };
    });
    const names = [...new Set(normalized.flatMap(r => r.shares.map(s => s.name)))].sort();
    return {
      names,
      rows: normalized.map(({ row, shares }) => ({
        shares: names.map(name => shares.find(s => s.name === name)?.share ?? 0),
        logConcentration: Math.log(row.concentration / reference.concentration),
        arrhenius: arrheniusSlope(row.temperatureKelvin, reference),
        minutes: row.exposureMinutes,
        viability: row.viability,
        concentration: row.concentration,
        temperatureKelvin: row.temperatureKelvin
      }))
    };
  }

  /** Each cryoprotectant must be seen at two concentrations and two temperatures, for some time. */
  export function checkIdentifiable(prepared: { names: string[]; rows: PreparedRow[] }): void {
    prepared.names.forEach((name, j) => {
      const seen = prepared.rows.filter(r => r.shares[j] > 0 && r.minutes > 0);
      if (seen.length === 0) {
        throw new ToxicityInputError(
          'rows',
          `"${name}" has no row with an exposure time > 0, so its toxicity cannot be fitted`
        );
      }
      const concentrations = new Set(seen.map(r => r.concentration));
      if (concentrations.size < 2) {
        throw new ToxicityInputError(
          'rows',
          `"${name}" is seen at one concentration only (${[...concentrations][0]} % w/w), so its concentration exponent alpha cannot be fitted`
        );
      }
      const temperatures = new Set(seen.map(r => r.temperatureKelvin));
      if (temperatures.size < 2) {
        throw new ToxicityInputError(
          'rows',
          `"${name}" is seen at one temperature only (${[...temperatures][0]} K), so its activation energy cannot be fitted`
        );
      }
    });
  }

  /** Rate terms r_j = s_j exp(u_j + alpha_j lnC - 10 e_j arrhenius) of one row. */
  function terms(row: PreparedRow, theta: number[]): number[] {
    return row.shares.map((share, j) =>
      share === 0
        ? 0
        : share *
          Math.exp(
            theta[3 * j] +
              theta[3 * j + 1] * row.logConcentration -
              theta[3 * j + 2] * ENERGY_UNIT * row.arrhenius
          )
    );
  }

  export function viability(row: PreparedRow, theta: number[]): number {
    const k = terms(row, theta).reduce((s, r) => s + r, 0);
    return Math.exp(-k * row.minutes);
  }

  /** d viability / d [u_j, alpha_j, e_j] for every cryoprotectant j. */
  export function gradient(row: PreparedRow, theta: number[]): number[] {
    const r = terms(row, theta);
    const k = r.reduce((s, v) => s + v, 0);
    const tv = row.minutes * Math.exp(-k * row.minutes);
    return r.flatMap(rj => [
      -tv * rj,
      -tv * rj * row.logConcentration,
      tv * rj * ENERGY_UNIT * row.arrhenius
    ]);
  }

  /**
   * [ln k0, alpha, Ea/10] from ordinary least squares of ln(-ln V / t) on [1, ln(C/C_ref), -10
   * arrhenius] over informative rows; a neutral start when too few rows are informative.
   */
  export function linearStart(rows: PreparedRow[]): number[] {
    const fallback = [Math.log(0.01), 1, 5];
    const usable = rows.filter(r => r.minutes > 0 && r.viability > 0.02 && r.viability < 0.98);
    if (usable.length < 4) {
      return fallback;
    }
    try {
      const A = new Matrix(usable.map(r => [1, r.logConcentration, -ENERGY_UNIT * r.arrhenius]));
      const b = Matrix.columnVector(usable.map(r => Math.log(-Math.log(r.viability) / r.minutes)));
      const start = solve(A, b, true).getColumn(0);
      return start.every(Number.isFinite)
        ? start.map((v, k) => Math.min(UPPER[k], Math.max(LOWER[k], v)))
        : fallback;
    } catch {
      return fallback;
    }
  }

  /**
   * Heteroscedasticity-consistent ("sandwich", HC0: White H, Econometrica 48 (1980) 817-838)
   * covariance (J^T J)^-1 J^T diag(e^2) J (J^T J)^-1: counted viabilities have binomial noise, whose
   * variance V(1-V)/n differs from row to row, so the equal-variance s^2 (J^T J)^-1 would
   * misstate the uncertainty. Refuses when J^T J is (numerically) singular, naming the
   * cryoprotectants.
   */
  export function covariance(rows: PreparedRow[], theta: number[], names: string[]): number[][] {
    const J = new Matrix(rows.map(r => gradient(r, theta)));
    const information = J.transpose().mmul(J);
    const svd = new SingularValueDecomposition(information);
    const values = svd.diagonal;
    const largest = Math.max(...values);
    if (!(largest > 0) || Math.min(...values) <= 1e-12 * largest) {
      throw new ToxicityInputError(
        'rows',
        `these rows cannot separate the parameters of ${names.join(', ')} (singular Jacobian at the fit): add rows where they vary independently (concentration, temperature, time, mixture make-up)`
      );
    }
    const bread = svd.inverse();
    const scaled = new Matrix(
      rows.map((r, i) => J.getRow(i).map(v => v * (r.viability - viability(r, theta))))
    );
    const meat = scaled.transpose().mmul(scaled);
    return bread.mmul(meat).mmul(bread).to2DArray();
  }
}
