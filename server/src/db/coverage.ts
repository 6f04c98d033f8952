import {
  realCoverage,
  realCoverageByMonth,
  type RealCoverageSummary,
  type VerifiedPrediction
} from '@cryoprotect/kernel';
import type { Queryable } from './database.js';

const iso = (value: Date | string): string => new Date(value).toISOString();

/**
 * The verified results of model versions' predictions that the acting user can read: each
 * prediction (value and interval) with the measurement its verification accepted, oldest
 * verification first. A prediction verified twice counts once, with its latest result: two
 * measurements of one prediction are not independent trials of its interval, and counting both
 * would narrow the binomial interval on evidence that is not there. Real coverage is computed over these, so it is the coverage a user can
 * check row by row; rows hidden from them by Row Level Security are not counted.
 */
export async function verifiedResults(
  tx: Queryable,
  modelVersionIds: readonly string[]
): Promise<Map<string, VerifiedPrediction[]>> {
  const byVersion = new Map<string, VerifiedPrediction[]>(modelVersionIds.map(id => [id, []]));
  if (modelVersionIds.length === 0) {
    return byVersion;
  }
  const { rows } = await tx.query<{
    model_version_id: string;
    verification_id: string;
    prediction_id: string;
    measurement_id: string;
    molecule_id: string | null;
    mixture_id: string | null;
    subject_name: string | null;
    predicted: number;
    lower: number | null;
    upper: number | null;
    level: number | null;
    measured: number;
    verified_at: Date | string;
  }>(
    `SELECT * FROM (
     SELECT DISTINCT ON (p.id)
            p.model_version_id, v.id AS verification_id, p.id AS prediction_id, m.id AS measurement_id,
            p.molecule_id, p.mixture_id, coalesce(mol.name, mix.name) AS subject_name,
            p.value AS predicted, p.lower, p.upper, p.interval_level AS level, m.value AS measured,
            verified.at AS verified_at
     FROM verifications v
     JOIN predictions p ON p.id = v.prediction_id
     JOIN measurements m ON m.id = v.measurement_id
     LEFT JOIN molecules mol ON mol.id = p.molecule_id
     LEFT JOIN mixtures mix ON mix.id = p.mixture_id
     CROSS JOIN LATERAL (
       SELECT max(e.at) AS at FROM verification_events e
       WHERE e.verification_id = v.id AND e.to_state = 'verified') verified
     WHERE v.state = 'verified' AND p.model_version_id = ANY($1::uuid[])
     ORDER BY p.id, verified.at DESC, v.id DESC) latest
     ORDER BY verified_at, verification_id`,
    [modelVersionIds]
  );
  for (const r of rows) {
    byVersion.get(r.model_version_id)!.push({
      verificationId: r.verification_id,
      predictionId: r.prediction_id,
      measurementId: r.measurement_id,
      moleculeId: r.molecule_id,
      mixtureId: r.mixture_id,
      subjectName: r.subject_name,
      predicted: r.predicted,
      lower: r.lower,
      upper: r.upper,
      level: r.level,
      measured: r.measured,
      verifiedAt: iso(r.verified_at)
    });
  }
  return byVersion;
}

/** Real coverage of the results, or null when there are none yet. */
export function coverageSummary(
  results: readonly VerifiedPrediction[],
  confidence = 0.95
): RealCoverageSummary | null {
  return results.length === 0 ? null : realCoverage(results, { confidence });
}

/** Cumulative real coverage by month (UTC). */
export function coverageByMonth(results: readonly VerifiedPrediction[], confidence = 0.95) {
  return realCoverageByMonth(results, { confidence });
}
