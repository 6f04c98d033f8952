import {
  MAX_SNAPSHOT_ROWS,
  MEASUREMENT_SNAPSHOT_COLUMNS,
  type MeasurementFilters,
  type SnapshotTable
} from '@cryoprotect/kernel';
import { InvalidFieldsError, TooLargeError } from '../errors.js';
import type { Queryable } from './database.js';

/** A snapshot of more rows than it may hold; `path` names the request field that asked for them. */
export function snapshotTooLarge(path: string, count: string): TooLargeError {
  return new TooLargeError(
    'Snapshot too large',
    `${path}: ${count} rows; a snapshot holds at most ${MAX_SNAPSHOT_ROWS} (split the data or narrow the filters)`,
    [{ path, message: `at most ${MAX_SNAPSHOT_ROWS} rows` }]
  );
}

/**
 * The measurements of one property that `userId` may put in a snapshot of `datasetId`, as a
 * table: the fromMeasurements snapshots of the datasets routes, and the retrain worker's fresh
 * ones. Measurements someone else shared with the caller (privately or through another project)
 * are left out when the dataset has a wider audience, so taking a snapshot never shows a row to
 * a reader who could not read the measurement itself.
 */
export async function selectMeasurements(
  tx: Queryable,
  userId: string,
  datasetId: string,
  filters: MeasurementFilters
): Promise<SnapshotTable> {
  const type = await tx.query('SELECT 1 FROM property_types WHERE key = $1', [
    filters.propertyType
  ]);
  if (type.rows.length === 0) {
    const { rows: known } = await tx.query<{ key: string }>(
      'SELECT key FROM property_types ORDER BY key'
    );
    throw new InvalidFieldsError('unknown-property-type', 'Unknown property type', [
      {
        path: 'body.fromMeasurements.propertyType',
        message: `"${filters.propertyType}" is not a property type; known: ${known.map(k => k.key).join(', ')}`
      }
    ]);
  }
  const { rows } = await tx.query<Record<string, unknown>>(
    `SELECT m.id::text AS measurement_id, t.key AS property_type, m.molecule_id::text AS molecule_id,
            mo.inchikey, mo.smiles, m.mixture_id::text AS mixture_id,
            CASE WHEN mx.id IS NULL THEN NULL ELSE (
              SELECT coalesce(jsonb_agg(jsonb_build_object('inchikey', cm.inchikey, 'smiles', cm.smiles,
                       'amount', c.amount, 'unit', c.unit, 'role', c.role) ORDER BY cm.inchikey), '[]'::jsonb)
              FROM mixture_components c JOIN molecules cm ON cm.id = c.molecule_id
              WHERE c.mixture_id = mx.id) END AS components,
            m.value, m.unit, m.uncertainty, m.conditions, m.method, m.verified,
            m.reference_id::text AS reference_id, m.experiment_id::text AS experiment_id
     FROM measurements m
     JOIN property_types t ON t.id = m.property_type_id
     JOIN datasets d ON d.id = $9
     LEFT JOIN molecules mo ON mo.id = m.molecule_id
     LEFT JOIN mixtures mx ON mx.id = m.mixture_id
     WHERE t.key = $1
       AND (NOT $2::boolean OR m.verified)
       AND ($3::text = 'any' OR ($3 = 'molecule' AND m.molecule_id IS NOT NULL) OR ($3 = 'mixture' AND m.mixture_id IS NOT NULL))
       AND ($4::uuid[] IS NULL OR m.molecule_id = ANY($4::uuid[]))
       AND ($5::uuid[] IS NULL OR m.mixture_id = ANY($5::uuid[]))
       AND ($6::uuid IS NULL OR m.project_id = $6::uuid)
       AND ($7::uuid IS NULL OR m.reference_id = $7::uuid)
       AND ($8::uuid IS NULL OR m.experiment_id = $8::uuid)
       AND (m.visibility = 'public' OR m.owner_id = $10::uuid OR d.visibility = 'private'
            OR (d.visibility = 'project' AND m.visibility = 'project' AND m.project_id = d.project_id))
     ORDER BY m.id
     LIMIT $11`,
    [
      filters.propertyType,
      filters.verifiedOnly ?? false,
      filters.subject ?? 'any',
      filters.moleculeIds ?? null,
      filters.mixtureIds ?? null,
      filters.projectId ?? null,
      filters.referenceId ?? null,
      filters.experimentId ?? null,
      datasetId,
      userId,
      MAX_SNAPSHOT_ROWS + 1
    ]
  );
  if (rows.length > MAX_SNAPSHOT_ROWS) {
    throw snapshotTooLarge('body.fromMeasurements', `more than ${MAX_SNAPSHOT_ROWS}`);
  }
  return {
    columns: MEASUREMENT_SNAPSHOT_COLUMNS.map(c => ({ ...c })),
    rows: rows.map(row => MEASUREMENT_SNAPSHOT_COLUMNS.map(c => row[c.name] ?? null))
  };
}
