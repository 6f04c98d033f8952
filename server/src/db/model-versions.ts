import type { z } from 'zod';
import type { ModelVersion, RegisterModelSchema } from '@cryoprotect/kernel';
import type { Queryable } from './database.js';
import { coverageSummary, verifiedResults } from './coverage.js';

/**
 * Model versions as stored: the registration route and the retrain worker insert them, the
 * models routes and the worker read them, always as the acting user (RLS applies).
 */

const iso = (value: Date | string): string => new Date(value).toISOString();

/**
 * Insert a model version numbered max + 1 for (owner, name), as `userId` (RLS applies): the
 * registration route and the retrain worker. The advisory lock makes concurrent registrations of
 * one name wait for each other instead of colliding on the unique key.
 */
export async function insertModelVersion(
  tx: Queryable,
  userId: string,
  body: z.infer<typeof RegisterModelSchema>,
  targetPropertyTypeId: string
): Promise<string> {
  await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [
    `model_versions:${userId}:${body.name}`
  ]);
  const { rows } = await tx.query<{ id: string }>(
    `INSERT INTO model_versions (name, version, snapshot_id, target_property_type_id, learner,
       featurizer_version, kernel_version, rdkit_version, tfjs_version, backend, params, seed,
       metrics, code_commit, artifact, owner_id, project_id, visibility)
     SELECT $1, coalesce(max(version), 0) + 1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17
     FROM model_versions WHERE owner_id = $15 AND name = $1
     RETURNING id`,
    [
      body.name,
      body.snapshotId,
      targetPropertyTypeId,
      body.learner,
      body.featurizerVersion,
      body.kernelVersion,
      body.rdkitVersion,
      body.tfjsVersion ?? null,
      body.backend ?? null,
      JSON.stringify(body.params),
      body.seed,
      JSON.stringify(body.metrics),
      body.codeCommit ?? null,
      body.artifact === undefined ? null : JSON.stringify(body.artifact),
      userId,
      body.projectId ?? null,
      body.visibility
    ]
  );
  return rows[0].id;
}

/** Visible model versions matching `where` (over model_versions x and property_types t). */
export function loadModelVersions(
  tx: Queryable,
  where: string,
  params: unknown[],
  tail?: string
): Promise<ModelVersion[]> {
  return selectModelVersions(tx, where, params, tail).then(rows =>
    rows.map(({ sort_name: _, ...model }) => model)
  );
}

interface ModelVersionRow {
  id: string;
  name: string;
  version: number;
  snapshot_id: string;
  content_hash: string;
  dataset_id: string;
  target: string;
  target_unit: string;
  learner: string;
  featurizer_version: string;
  kernel_version: string;
  rdkit_version: string;
  tfjs_version: string | null;
  backend: string | null;
  params: Record<string, unknown>;
  seed: string | number;
  metrics: Record<string, unknown>;
  code_commit: string | null;
  artifact: unknown;
  owner_id: string;
  project_id: string | null;
  visibility: ModelVersion['visibility'];
  created_at: Date | string;
  sort_name: string;
}

/**
 * Visible model versions matching `where` (over model_versions x and property_types t), each with
 * the column `extra` as sort_name (the keyset list's sort key; empty unless asked for). The
 * training snapshot's hash and dataset come from app.snapshot_identity, so a model shared more
 * widely than its training data still names that data (the hash, not the rows).
 */
export async function selectModelVersions(
  tx: Queryable,
  where: string,
  params: unknown[],
  tail = 'ORDER BY x.created_at',
  extra = `''::text AS sort_name`
): Promise<(ModelVersion & { sort_name: string; id: string })[]> {
  const { rows } = await tx.query<ModelVersionRow>(
    `SELECT x.*, t.key AS target, t.canonical_unit AS target_unit,
            h.content_hash, h.dataset_id, ${extra}
     FROM model_versions x
     JOIN property_types t ON t.id = x.target_property_type_id
     CROSS JOIN LATERAL app.snapshot_identity(x.id) h
     WHERE ${where} ${tail}`,
    params
  );
  // What the lab found of each version's intervals (one query for the page).
  const results = await verifiedResults(
    tx,
    rows.map(row => row.id)
  );
  return rows.map(row => ({
    id: row.id,
    name: row.name,
    version: row.version,
    snapshotId: row.snapshot_id,
    snapshotHash: row.content_hash,
    datasetId: row.dataset_id,
    targetPropertyType: row.target,
    targetUnit: row.target_unit,
    learner: row.learner,
    featurizerVersion: row.featurizer_version,
    kernelVersion: row.kernel_version,
    rdkitVersion: row.rdkit_version,
    tfjsVersion: row.tfjs_version,
    backend: row.backend,
    params: row.params,
    seed: Number(row.seed),
    metrics: row.metrics,
    codeCommit: row.code_commit,
    artifact: row.artifact,
    visibility: row.visibility,
    projectId: row.project_id,
    ownerId: row.owner_id,
    createdAt: iso(row.created_at),
    realCoverage: coverageSummary(results.get(row.id)!),
    sort_name: row.sort_name
  }));
}
