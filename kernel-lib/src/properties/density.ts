/**
 * Pure-liquid density from published temperature correlations.
 *
 * Two equation forms are supported, each exactly as its source defines it:
 * - DIPPR equation 105 (Perry's Chemical Engineers' Handbook, 8th ed., Table 2-32):
 *   molar density = C1 / C2^(1 + (1 - T/C3)^C4), in mol/m3, valid between the tabulated limits.
 * - PPDS equation (VDI Heat Atlas, 2nd ed.): mass density =
 *   rho_c + A tau^0.35 + B tau^(2/3) + C tau + D tau^(4/3), tau = 1 - T/Tc, in kg/m3, valid below Tc.
 * - Kell (1975) for liquid water at atmospheric pressure, 0-150 degC; the PPDS form misses water's
 *   density maximum and is 0.1 % high at 20 degC, while Kell agrees with IAPWS-95 within a few ppm.
 */

/** DIPPR-105 coefficients; c1 in mol/m3. */
export interface Dippr105Correlation {
  equation: 'DIPPR105';
  c1: number;
  c2: number;
  c3: number;
  c4: number;
  minKelvin: number;
  maxKelvin: number;
  source: string;
}

/** PPDS coefficients; criticalDensity, a, b, c, d in kg/m3. */
export interface PpdsCorrelation {
  equation: 'PPDS';
  criticalKelvin: number;
  criticalDensity: number;
  a: number;
  b: number;
  c: number;
  d: number;
  source: string;
}

/** Kell's equation for liquid water; its coefficients are fixed by the source. */
export interface Kell1975Correlation {
  equation: 'Kell1975';
  minKelvin: number;
  maxKelvin: number;
  source: string;
}

export type LiquidDensityCorrelation = Dippr105Correlation | PpdsCorrelation | Kell1975Correlation;

/** Kell, J. Chem. Eng. Data 20 (1975) 97, eq. 16: kg/m3 with t in degC (IPTS-68). */
const KELL_NUMERATOR = [
  999.83952, 16.945176, -7.9870401e-3, -46.170461e-6, 105.56302e-9, -280.54253e-12
];
const KELL_DENOMINATOR = 16.87985e-3;

/** A density in g/cm3 (numerically equal to g/mL and kg/L). */
export interface Density {
  value: number;
  unit: 'g/cm3';
}

/** Raised when a correlation is asked for a temperature outside the range its source gives. */
export class OutOfRangeError extends Error {
  constructor(
    readonly field: string,
    message: string
  ) {
    super(message);
    this.name = 'OutOfRangeError';
  }
}

/**
 * Density of the pure liquid at `temperatureKelvin`.
 *
 * @param molarMass - g/mol; needed because DIPPR-105 gives a molar density.
 */
export function liquidDensity(
  correlation: LiquidDensityCorrelation,
  temperatureKelvin: number,
  molarMass: number
): Density {
  if (!Number.isFinite(temperatureKelvin) || temperatureKelvin <= 0) {
    throw new OutOfRangeError(
      'temperatureKelvin',
      `temperature must be a positive number of kelvin, got ${temperatureKelvin}`
    );
  }
  if (correlation.equation === 'DIPPR105') {
    const { c1, c2, c3, c4, minKelvin, maxKelvin } = correlation;
    checkRange(minKelvin, maxKelvin, temperatureKelvin, 'DIPPR-105');
    if (!(molarMass > 0)) {
      throw new OutOfRangeError('molarMass', `molar mass must be positive, got ${molarMass}`);
    }
    const molPerCubicMetre = c1 / Math.pow(c2, 1 + Math.pow(1 - temperatureKelvin / c3, c4));
    // mol/m3 * g/mol = g/m3; 1 g/cm3 = 1e6 g/m3.
    return { value: (molPerCubicMetre * molarMass) / 1e6, unit: 'g/cm3' };
  }
  if (correlation.equation === 'Kell1975') {
    checkRange(correlation.minKelvin, correlation.maxKelvin, temperatureKelvin, 'Kell (1975)');
    const t = temperatureKelvin - 273.15;
    const numerator = KELL_NUMERATOR.reduceRight((sum, coefficient) => sum * t + coefficient, 0);
    return { value: numerator / (1 + KELL_DENOMINATOR * t) / 1000, unit: 'g/cm3' };
  }
  const { criticalKelvin, criticalDensity, a, b, c, d } = correlation;
  if (temperatureKelvin >= criticalKelvin) {
    throw new OutOfRangeError(
      'temperatureKelvin',
      `the PPDS correlation is valid below the critical temperature ${criticalKelvin} K; ${temperatureKelvin} K is not`
    );
  }
  const tau = 1 - temperatureKelvin / criticalKelvin;
  const kgPerCubicMetre =
    criticalDensity +
    a * Math.pow(tau, 0.35) +
    b * Math.pow(tau, 2 / 3) +
    c * tau +
    d * Math.pow(tau, 4 / 3);
  return { value: kgPerCubicMetre / 1000, unit: 'g/cm3' };
}

function checkRange(minKelvin: number, maxKelvin: number, kelvin: number, name: string): void {
  if (kelvin < minKelvin || kelvin > maxKelvin) {
    throw new OutOfRangeError(
      'temperatureKelvin',
      `the ${name} correlation is valid from ${minKelvin} K to ${maxKelvin} K (its source's range); ${kelvin} K is outside it`
    );
  }
}
