import { visibilityProblem } from '@cryoprotect/kernel';
import type { Queryable } from './database.js';
import { ConflictError, ForbiddenError, InvalidFieldsError, NotFoundError } from '../errors.js';

/**
 * Update and delete of rows that carry owner_id, project_id and visibility (references,
 * experiments, measurements), as the acting user: RLS decides, and these helpers turn its silent
 * filtering into refusals (errors.ts) the API answers with (not visible: 404 NotFoundError;
 * visible but not writable: 403 ForbiddenError).
 */
export interface OwnedTable {
  /** Table name (a constant of the caller, never user input). */
  table:
    'literature_references' | 'experiments' | 'measurements' | 'molecules' | 'mixtures' | 'screens';
  /** What a scientist calls one row, for messages: "reference", "experiment", "measurement". */
  what: string;
  /** Audit a change of visibility or project as `<what>.share` with {from, to}. */
  auditSharing?: boolean;
}

/**
 * Apply `changes` (column -> value; column names are the caller's constants) to one visible row.
 * Visibility and project are checked together, as they will be after the update.
 */
export async function updateOwned(
  tx: Queryable,
  owned: OwnedTable,
  id: string,
  changes: Record<string, unknown>,
  sharing: { visibility?: string; projectId?: string | null }
): Promise<void> {
  const current = await tx.query<{ visibility: string; project_id: string | null }>(
    `SELECT visibility, project_id FROM ${owned.table} WHERE id = $1`,
    [id]
  );
  if (!current.rows[0]) {
    throw new NotFoundError(`${owned.what} ${id}`);
  }
  const before = current.rows[0];
  const visibility = sharing.visibility ?? before.visibility;
  const projectId = sharing.projectId === undefined ? before.project_id : sharing.projectId;
  const problem = visibilityProblem(visibility, projectId);
  if (problem) {
    throw new InvalidFieldsError('validation', 'Invalid request', [problem]);
  }
  const all: Record<string, unknown> = { ...changes };
  if (sharing.visibility !== undefined) {
    all.visibility = sharing.visibility;
  }
  if (sharing.projectId !== undefined) {
    all.project_id = sharing.projectId;
  }
  const columns = Object.keys(all);
  // An empty change still asks the write policy, so a reader learns it may not write.
  const set =
    columns.length > 0
      ? columns.map((column, i) => `${column} = $${i + 2}`).join(', ')
      : 'visibility = visibility';
  const updated = await tx.query(`UPDATE ${owned.table} SET ${set} WHERE id = $1 RETURNING id`, [
    id,
    ...columns.map(c => all[c])
  ]);
  if (updated.rows.length === 0) {
    throw new ForbiddenError(`only the owner or a project editor may change this ${owned.what}`);
  }
  if (owned.auditSharing && (visibility !== before.visibility || projectId !== before.project_id)) {
    await tx.query(
      `INSERT INTO audit_log (actor_id, action, entity, entity_id, details)
       VALUES (app.current_user_id(), $1, $2, $3, $4)`,
      [
        `${owned.what}.share`,
        owned.table,
        id,
        {
          from: { visibility: before.visibility, projectId: before.project_id },
          to: { visibility, projectId }
        }
      ]
    );
  }
}

/**
 * Delete one visible row (owner or project admin) and audit it. `inUse` explains a refusal by a
 * RESTRICT foreign key: the rows that depend on it may be invisible to the caller, so the
 * message names the kind of dependant, never the rows.
 */
export async function deleteOwned(
  tx: Queryable,
  owned: OwnedTable,
  id: string,
  userId: string,
  inUse: string,
  details: Record<string, unknown> = {}
): Promise<void> {
  const visible = await tx.query(`SELECT 1 FROM ${owned.table} WHERE id = $1`, [id]);
  if (visible.rows.length === 0) {
    throw new NotFoundError(`${owned.what} ${id}`);
  }
  let deleted;
  try {
    deleted = await tx.query(`DELETE FROM ${owned.table} WHERE id = $1 RETURNING id`, [id]);
  } catch (error) {
    // 23001 restrict_violation (PostgreSQL 16+, PGlite), 23503 foreign_key_violation (15).
    const code = (error as { code?: string }).code;
    if (code === '23001' || code === '23503') {
      throw new ConflictError('in-use', `The ${owned.what} is in use`, inUse);
    }
    throw error;
  }
  if (deleted.rows.length === 0) {
    throw new ForbiddenError(`only the owner or a project admin may delete this ${owned.what}`);
  }
  await tx.query(
    `INSERT INTO audit_log (actor_id, action, entity, entity_id, details) VALUES ($1, $2, $3, $4, $5)`,
    [userId, `${owned.what}.delete`, owned.table, id, details]
  );
}
