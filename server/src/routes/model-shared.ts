import { ProblemSchema } from '@cryoprotect/kernel';
import type { Queryable } from '../db/database.js';
import { problems as standardProblems } from '../http/route-schemas.js';
import { ProblemError, notFound } from '../http/problem.js';

/** Pieces shared by the model-side routes (datasets, snapshots, models, predictions, verifications). */

export { IdParams } from '../http/route-schemas.js';

/** Model artifacts and batches may exceed the body limit: 413 as well. */
export const problems = { ...standardProblems, 413: ProblemSchema };

export const iso = (value: Date | string): string => new Date(value).toISOString();

/** A 422 naming each offending field. */
export function invalid(
  type: string,
  title: string,
  errors: { path: string; message: string }[]
): ProblemError {
  return new ProblemError(
    422,
    type,
    title,
    errors.map(e => `${e.path}: ${e.message}`).join('; '),
    errors
  );
}

export function forbidden(detail: string): ProblemError {
  return new ProblemError(403, 'forbidden', 'Forbidden', detail);
}

/**
 * Take the write lock on a row the caller can see: 404 when it is not visible, 403 when it is
 * visible but not writable (SELECT ... FOR UPDATE only returns rows the UPDATE policy allows).
 */
export async function lockWritable(
  tx: Queryable,
  table: 'datasets' | 'verifications',
  id: string,
  what: string
): Promise<void> {
  const visible = await tx.query(`SELECT 1 FROM ${table} WHERE id = $1`, [id]);
  if (visible.rows.length === 0) {
    throw notFound(`${what} ${id}`);
  }
  const writable = await tx.query(`SELECT 1 FROM ${table} WHERE id = $1 FOR UPDATE`, [id]);
  if (writable.rows.length === 0) {
    throw forbidden(`you may read ${what} ${id} but not change it (owner or project editor only)`);
  }
}

/** Audit a deletion as the acting user (the policy requires actor_id to be them). */
export async function auditDeletion(
  tx: Queryable,
  userId: string,
  action: string,
  table: string,
  id: string,
  details: object = {}
): Promise<void> {
  await tx.query(
    `INSERT INTO audit_log (actor_id, action, entity, entity_id, details) VALUES ($1, $2, $3, $4, $5)`,
    [userId, action, table, id, JSON.stringify(details)]
  );
}
