import {
  ChemistryError,
  DESCRIPTORS,
  getDescriptorsOf,
  getMorganFingerprintOf,
  loadRDKit,
  parseWith,
  type RDKitModule,
  type RDKitMol
} from '../../chemistry';
import { rowLabel, type FeaturizeOptions, type Featurizer } from './featurizer';

export const DESCRIPTOR_FEATURIZER_VERSION = '1';
export const MORGAN_FEATURIZER_VERSION = '1';

/**
 * The 47 descriptors of kernel-lib's DESCRIPTORS (43 from RDKit's Properties calculator, 4 defined
 * by CryoProtect), computed on each SMILES as given (every fragment, salts included), one column
 * "descriptor:<name>" each, family "descriptors".
 */
export function descriptorFeaturizer(): Featurizer<string> {
  const names = DESCRIPTORS.map(d => `descriptor:${d.name}`);
  return {
    name: 'descriptors',
    version: `descriptors@${DESCRIPTOR_FEATURIZER_VERSION}`,
    async featurize(smiles, options) {
      const rdkit = await loadRDKit();
      const X = featurizeEach(smiles, options, input =>
        withParsed(rdkit, input, mol => descriptorVector(rdkit, mol, input))
      );
      return { names, families: names.map(() => 'descriptors'), X, version: this.version };
    }
  };
}

export interface MorganCountOptions {
  /** Radius in bonds (2 = ECFP4-like). */
  radius?: number;
  /** Length of RDKit's count-simulation fingerprint in bits; a multiple of 32 (and so of 4). */
  nBits?: number;
  /**
   * "levels" (default): nBits/4 columns "morgan:<k>", each 0-4, the number of set bits among bits
   * 4k..4k+3, i.e. how many of the thresholds count >= 1, 2, 4, 8 the environments hashed to slot
   * k reach. "bits": nBits columns "morgan:bit<i>" of 0/1, RDKit's bits unchanged.
   */
  encoding?: 'levels' | 'bits';
}

/**
 * Morgan counts as RDKit.js can give them. RDKit.js has no count-vector API; with
 * useCountSimulation RDKit hashes each circular environment to one of nBits/4 slots and sets, in
 * that slot's 4 consecutive bits, a thermometer code of the environment count: bit 0 for >= 1,
 * bit 1 for >= 2, bit 2 for >= 4, bit 3 for >= 8 (RDKit's default countBounds; native RDKit
 * GetMorganGenerator(countSimulation=True) gives the same bits). The "levels" encoding reads that
 * code back as one ordinal count level per slot; colliding environments add into one slot before
 * the thresholds, as in RDKit. Chirality is not used. Family "morgan".
 */
export function morganCountFeaturizer(options: MorganCountOptions = {}): Featurizer<string> {
  const radius = options.radius ?? 2;
  const nBits = options.nBits ?? 2048;
  const encoding = options.encoding ?? 'levels';
  if (!Number.isInteger(radius) || radius < 0 || radius > 6) {
    throw new RangeError(`radius must be a whole number from 0 to 6, got ${radius}`);
  }
  if (!Number.isInteger(nBits) || nBits <= 0 || nBits % 32 !== 0) {
    throw new RangeError(`nBits must be a positive multiple of 32, got ${nBits}`);
  }
  if (encoding !== 'levels' && encoding !== 'bits') {
    throw new RangeError(`encoding must be "levels" or "bits", got ${String(encoding)}`);
  }
  const width = encoding === 'levels' ? nBits / 4 : nBits;
  const names = Array.from({ length: width }, (_, i) =>
    encoding === 'levels' ? `morgan:${i}` : `morgan:bit${i}`
  );
  return {
    name: 'morgan-counts',
    version: `morgan-counts@${MORGAN_FEATURIZER_VERSION}(radius=${radius},nBits=${nBits},encoding=${encoding})`,
    async featurize(smiles, featurizeOptions) {
      const rdkit = await loadRDKit();
      const X = featurizeEach(smiles, featurizeOptions, input =>
        withParsed(rdkit, input, mol => {
          const fp = getMorganFingerprintOf(mol, { radius, nBits, counts: true });
          return encoding === 'levels' ? Private.levels(fp, nBits) : Private.bits(fp, nBits);
        })
      );
      return { names, families: names.map(() => 'morgan'), X, version: this.version };
    }
  };
}

/**
 * Featurize each input once (the same SMILES recurs many times in Tg data) and copy the cached row
 * for repeats; a failure names the row.
 */
export function featurizeEach(
  inputs: readonly string[],
  options: FeaturizeOptions | undefined,
  compute: (input: string) => number[]
): number[][] {
  const cache = new Map<string, number[]>();
  return inputs.map((input, i) => {
    let row = cache.get(input);
    if (!row) {
      try {
        row = compute(input);
      } catch (error) {
        throw namedError(error, rowLabel(options, i));
      }
      cache.set(input, row);
    }
    return row.slice();
  });
}

/** Parse, run, and free the molecule. */
export function withParsed<T>(rdkit: RDKitModule, input: string, fn: (mol: RDKitMol) => T): T {
  if (typeof input !== 'string') {
    throw new ChemistryError(
      'invalid_structure',
      `the structure is not text: ${String(input)}`,
      String(input)
    );
  }
  const mol = parseWith(rdkit, input);
  try {
    return fn(mol);
  } finally {
    mol.delete();
  }
}

/** DESCRIPTORS values of a molecule in DESCRIPTORS order; any non-finite value is an error. */
export function descriptorVector(rdkit: RDKitModule, mol: RDKitMol, input: string): number[] {
  const values = getDescriptorsOf(rdkit, mol);
  return DESCRIPTORS.map(d => {
    const value = values[d.name];
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new ChemistryError(
        'invalid_structure',
        `the descriptor ${d.name} of "${input}" is ${String(value)}, not a finite number`,
        input
      );
    }
    return value;
  });
}

/** The error with the row's label in front; ChemistryError stays a ChemistryError. */
export function namedError(error: unknown, label: string): Error {
  if (error instanceof ChemistryError) {
    return new ChemistryError(error.code, `${label}: ${error.message}`, error.input, error.reason);
  }
  const message = error instanceof Error ? error.message : String(error);
  const Kind = error instanceof RangeError ? RangeError : Error;
  return new Kind(`${label}: ${message}`, { cause: error });
}

namespace Private {
  export function bit(fp: Uint8Array, i: number): number {
    return (fp[i >> 3] >> (i & 7)) & 1;
  }

  export function bits(fp: Uint8Array, nBits: number): number[] {
    return Array.from({ length: nBits }, (_, i) => bit(fp, i));
  }

  export function levels(fp: Uint8Array, nBits: number): number[] {
    return Array.from(
      { length: nBits / 4 },
      (_, k) => bit(fp, 4 * k) + bit(fp, 4 * k + 1) + bit(fp, 4 * k + 2) + bit(fp, 4 * k + 3)
    );
  }
}
