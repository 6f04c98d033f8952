import type { Database } from '../db/database.js';
import { createAccount } from '../accounts/accounts.js';

/** An account with a password (and optionally site administrator), on the service path (tests only). */
export async function createUserWithPassword(
  db: Database,
  username: string,
  password: string,
  isAdmin = false
): Promise<string> {
  const account = await db.serviceTransaction(tx =>
    createAccount(tx, { username, displayName: username, password, isAdmin }, null, 'test')
  );
  return account.id;
}

/** Make an existing user a site administrator (tests only). */
export async function makeSiteAdmin(db: Database, userId: string): Promise<void> {
  await db.serviceTransaction(tx =>
    tx.query('UPDATE users SET is_admin = true WHERE id = $1', [userId])
  );
}
