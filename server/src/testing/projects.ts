import type { Database } from '../db/database.js';

/**
 * A project created by `adminId` (who becomes its admin by the trigger) with the given members,
 * on the service path (tests only).
 */
export async function createProject(
  db: Database,
  name: string,
  adminId: string,
  members: { userId: string; role: 'viewer' | 'editor' | 'admin' }[] = []
): Promise<string> {
  return db.serviceTransaction(async tx => {
    const { rows } = await tx.query<{ id: string }>(
      'INSERT INTO projects (name, created_by) VALUES ($1, $2) RETURNING id',
      [name, adminId]
    );
    for (const member of members) {
      await tx.query(
        'INSERT INTO project_members (project_id, user_id, role) VALUES ($1, $2, $3)',
        [rows[0].id, member.userId, member.role]
      );
    }
    return rows[0].id;
  });
}
