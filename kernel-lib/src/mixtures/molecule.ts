import { getIdentityWith } from '../chemistry/identity';
import { loadRDKit, type RDKitModule } from '../chemistry/rdkit';
import { liquidDensity, OutOfRangeError } from '../properties/density';
import {
  findReferenceMolecule,
  getReferenceData,
  type ReferenceMolecule
} from '../reference/cryoprotectants';
import { MixtureError, type MixtureMolecule, type PureDensity } from './types';

/** 20 degC, the temperature most concentrations in the cryobiology literature refer to. */
export const ROOM_TEMPERATURE_KELVIN = 293.15;

/**
 * Molar mass of water, g/mol, from IUPAC conventional atomic weights (2 x 1.008 + 15.999); the
 * value RDKit computes for "O", so that water and solutes use the same atomic weights.
 */
export const WATER_MOLAR_MASS = 18.015;

/** Citation text of a reference-data source id. */
export function citationOf(sourceId: string): string {
  const source = getReferenceData().sources[sourceId];
  if (source === undefined) {
    return sourceId;
  }
  const link = source.doi !== undefined ? `, doi:${source.doi}` : '';
  return `${source.citation}${link}`;
}

/**
 * Pure-liquid density of a reference molecule from its correlation, or undefined when the
 * reference data has no correlation or the temperature is outside the correlation's range.
 * `molarMass` is only called for correlations that give a molar density (DIPPR-105).
 */
export function referenceDensity(
  molecule: ReferenceMolecule,
  temperatureKelvin: number,
  molarMass: () => number
): PureDensity | undefined {
  const correlation = molecule.liquidDensity;
  if (correlation === undefined) {
    return undefined;
  }
  try {
    const mass = correlation.equation === 'DIPPR105' ? molarMass() : 0;
    const { value } = liquidDensity(correlation, temperatureKelvin, mass);
    return {
      value,
      source: `${correlation.equation} correlation from ${citationOf(correlation.source)}`,
      temperatureKelvin
    };
  } catch (error) {
    if (error instanceof OutOfRangeError) {
      return undefined;
    }
    throw error;
  }
}

/** Density of liquid water (Kell 1975 in the reference data) at a temperature, or undefined. */
export function waterDensity(temperatureKelvin: number): PureDensity | undefined {
  const water = findReferenceMolecule('water');
  return water === undefined
    ? undefined
    : referenceDensity(water, temperatureKelvin, () => WATER_MOLAR_MASS);
}

/**
 * A mixture molecule from the reference cryoprotectants: SMILES, molar mass computed by RDKit,
 * and the pure-liquid density from the reference correlation when it is valid at
 * `temperatureKelvin` (otherwise no density: e.g. acetamide and the sugars at 20 degC).
 */
export function moleculeFromReferenceWith(
  rdkit: RDKitModule,
  nameOrKey: string,
  temperatureKelvin: number = ROOM_TEMPERATURE_KELVIN
): MixtureMolecule {
  const reference = findReferenceMolecule(nameOrKey);
  if (reference === undefined) {
    throw new MixtureError({
      field: 'molecule',
      message: `"${nameOrKey}" is not a reference cryoprotectant (known: ${getReferenceData()
        .molecules.map(m => m.name)
        .join(', ')})`
    });
  }
  const { molarMass } = getIdentityWith(rdkit, reference.smiles);
  const density = referenceDensity(reference, temperatureKelvin, () => molarMass);
  const molecule: MixtureMolecule = { name: reference.name, smiles: reference.smiles, molarMass };
  if (density !== undefined) {
    molecule.density = density;
  }
  return molecule;
}

/** Async variant of `moleculeFromReferenceWith` that loads RDKit itself. */
export async function moleculeFromReference(
  nameOrKey: string,
  temperatureKelvin: number = ROOM_TEMPERATURE_KELVIN
): Promise<MixtureMolecule> {
  return moleculeFromReferenceWith(await loadRDKit(), nameOrKey, temperatureKelvin);
}
