import { createHash } from 'node:crypto';
import {
  getIdentityWith,
  getReferenceData,
  liquidDensity,
  loadRDKit,
  type LiquidDensityCorrelation
} from '@cryoprotect/kernel';
import type { Database, Queryable } from './database.js';

/** Owner of the public reference rows; it never logs in. */
export const REFERENCE_USERNAME = 'cryoprotect-reference';

/** Density is stored at 20 degC, where every correlation's source range allows it. */
const DENSITY_KELVIN = 293.15;

const EQUATION_NAMES: Record<LiquidDensityCorrelation['equation'], string> = {
  DIPPR105: 'DIPPR equation 105 correlation',
  PPDS: 'PPDS correlation',
  Kell1975: 'Kell (1975) equation'
};

export interface ReferenceLoadResult {
  /** True when this exact reference data was loaded before and nothing was written. */
  skipped: boolean;
  checksum: string;
  molecules: number;
  measurements: number;
}

export class ReferenceDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReferenceDataError';
  }
}

/**
 * Load the reference cryoprotectants (kernel-lib) into the database, in one transaction on the
 * service path. Refuses to load a molecule whose SMILES does not give its published InChIKey.
 */
export async function loadReferenceData(db: Database): Promise<ReferenceLoadResult> {
  const data = getReferenceData();
  const rdkit = await loadRDKit();
  const checksum = createHash('sha256')
    .update(JSON.stringify(data))
    .update(rdkit.version())
    .digest('hex');

  return db.serviceTransaction(async tx => {
    const loaded = await tx.query('SELECT 1 FROM reference_data_loads WHERE checksum = $1', [
      checksum
    ]);
    if (loaded.rows.length > 0) {
      return { skipped: true, checksum, molecules: 0, measurements: 0 };
    }
    const systemUser = await upsertReferenceUser(tx);
    const referenceIds = new Map<string, string>();
    for (const [key, source] of Object.entries(data.sources)) {
      const { rows } = await tx.query<{ id: string }>(
        `INSERT INTO literature_references (key, citation, doi, url, licence, owner_id, visibility)
         VALUES ($1, $2, $3, $4, $5, $6, 'public')
         ON CONFLICT (key) DO UPDATE SET citation = EXCLUDED.citation, doi = EXCLUDED.doi,
           url = EXCLUDED.url, licence = EXCLUDED.licence
         RETURNING id`,
        [
          key,
          source.citation,
          source.doi ?? null,
          source.url ?? null,
          source.licence ?? null,
          systemUser
        ]
      );
      referenceIds.set(key, rows[0].id);
    }

    const types = await tx.query<{ id: string; key: string }>('SELECT id, key FROM property_types');
    const typeId = (key: string): string => {
      const found = types.rows.find(t => t.key === key);
      if (!found) {
        throw new ReferenceDataError(`property type ${key} is missing: run the migrations first`);
      }
      return found.id;
    };

    let measurements = 0;
    for (const molecule of data.molecules) {
      const identity = getIdentityWith(rdkit, molecule.smiles);
      if (identity.inchikey !== molecule.inchikey) {
        throw new ReferenceDataError(
          `${molecule.name}: RDKit ${identity.rdkitVersion} computes ${identity.inchikey} from ${molecule.smiles}, but the published InChIKey is ${molecule.inchikey}`
        );
      }
      const { rows } = await tx.query<{ id: string }>(
        `INSERT INTO molecules (inchikey, inchi, smiles, input_structure, name, synonyms, owner_id, visibility)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'public')
         ON CONFLICT (inchikey) DO UPDATE SET inchi = EXCLUDED.inchi, smiles = EXCLUDED.smiles,
           name = EXCLUDED.name, synonyms = EXCLUDED.synonyms
         RETURNING id, owner_id`,
        [
          identity.inchikey,
          identity.inchi,
          identity.canonicalSmiles,
          molecule.smiles,
          molecule.name,
          molecule.synonyms,
          systemUser
        ]
      );
      const moleculeId = rows[0].id;
      await tx.query(
        `INSERT INTO molecule_properties (molecule_id, name, value, unit, rdkit_version)
         VALUES ($1, 'molar_mass', $2, 'g/mol', $3)
         ON CONFLICT (molecule_id, name, rdkit_version) DO UPDATE SET value = EXCLUDED.value, computed_at = now()`,
        [moleculeId, identity.molarMass, identity.rdkitVersion]
      );
      // Reference measurements are replaced as a whole, so a corrected data file leaves no stale value.
      await tx.query(
        'DELETE FROM measurements WHERE molecule_id = $1 AND owner_id = $2 AND experiment_id IS NULL',
        [moleculeId, systemUser]
      );
      for (const tg of molecule.glassTransition) {
        await insertMeasurement(tx, {
          typeId: typeId('glass_transition'),
          unit: 'K',
          moleculeId,
          value: tg.kelvin,
          conditions: {},
          method: 'as reported by the source',
          note: [tg.note, `data/science-data/${tg.dataRow.file}, line ${tg.dataRow.line}`]
            .filter(Boolean)
            .join('; '),
          referenceId: referenceIds.get(tg.source)!,
          ownerId: systemUser
        });
        measurements++;
      }
      const correlation = molecule.liquidDensity;
      if (correlation && inRange(correlation, DENSITY_KELVIN)) {
        const density = liquidDensity(correlation, DENSITY_KELVIN, identity.molarMass);
        await insertMeasurement(tx, {
          typeId: typeId('density'),
          unit: 'g/cm3',
          moleculeId,
          value: density.value,
          conditions: { temperatureKelvin: DENSITY_KELVIN },
          method: `${EQUATION_NAMES[correlation.equation]} evaluated at ${DENSITY_KELVIN} K`,
          note: 'pure liquid',
          referenceId: referenceIds.get(correlation.source)!,
          ownerId: systemUser
        });
        measurements++;
      }
    }
    await tx.query(
      'INSERT INTO reference_data_loads (checksum, molecule_count, measurement_count) VALUES ($1, $2, $3)',
      [checksum, data.molecules.length, measurements]
    );
    return { skipped: false, checksum, molecules: data.molecules.length, measurements };
  });
}

function inRange(correlation: LiquidDensityCorrelation, kelvin: number): boolean {
  if (correlation.equation === 'PPDS') {
    return kelvin < correlation.criticalKelvin;
  }
  return kelvin >= correlation.minKelvin && kelvin <= correlation.maxKelvin;
}

async function upsertReferenceUser(tx: Queryable): Promise<string> {
  const { rows } = await tx.query<{ id: string }>(
    `INSERT INTO users (username, display_name, is_system) VALUES ($1, 'CryoProtect reference data', true)
     ON CONFLICT (username) DO UPDATE SET is_system = true
     RETURNING id`,
    [REFERENCE_USERNAME]
  );
  return rows[0].id;
}

async function insertMeasurement(
  tx: Queryable,
  m: {
    typeId: string;
    unit: string;
    moleculeId: string;
    value: number;
    conditions: Record<string, unknown>;
    method: string;
    note: string;
    referenceId: string;
    ownerId: string;
  }
): Promise<void> {
  await tx.query(
    `INSERT INTO measurements (property_type_id, unit, molecule_id, value, conditions, method, note, reference_id, owner_id, visibility, verified)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'public', true)`,
    [
      m.typeId,
      m.unit,
      m.moleculeId,
      m.value,
      JSON.stringify(m.conditions),
      m.method,
      m.note,
      m.referenceId,
      m.ownerId
    ]
  );
}
