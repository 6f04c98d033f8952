import type { Account, CreatedToken, Scope } from '@cryoprotect/kernel';
import type { Database, Queryable } from '../db/database.js';
import { newToken } from '../db/tokens.js';
import { hashPassword } from './passwords.js';

export interface AccountRow {
  id: string;
  username: string;
  display_name: string;
  email: string | null;
  is_admin: boolean;
  created_at: Date | string;
  deactivated_at: Date | string | null;
  has_password: boolean;
}

const iso = (value: Date | string | null): string | null =>
  value === null ? null : new Date(value).toISOString();

export function toAccount(row: AccountRow): Account {
  return {
    id: row.id,
    username: row.username,
    displayName: row.display_name,
    isAdmin: row.is_admin,
    active: row.deactivated_at === null,
    email: row.email,
    createdAt: iso(row.created_at)!,
    deactivatedAt: iso(row.deactivated_at),
    hasPassword: row.has_password
  };
}

/**
 * The account columns; `hasPassword` comes from app.has_password under RLS (the application role
 * cannot read user_credentials) and straight from user_credentials on the service path.
 */
export function accountColumns(service: boolean): string {
  const hasPassword = service
    ? 'EXISTS (SELECT 1 FROM user_credentials c WHERE c.user_id = u.id)'
    : 'app.has_password(u.id)';
  return `u.id, u.username, u.display_name, u.email, u.is_admin, u.created_at, u.deactivated_at, ${hasPassword} AS has_password`;
}

export async function audit(
  tx: Queryable,
  actorId: string | null,
  action: string,
  entity: string | null,
  entityId: string | null,
  details: Record<string, unknown> = {}
): Promise<void> {
  await tx.query(
    'INSERT INTO audit_log (actor_id, action, entity, entity_id, details) VALUES ($1, $2, $3, $4, $5)',
    [actorId, action, entity, entityId, JSON.stringify(details)]
  );
}

/**
 * A new API token of `userId`, audited. Runs in the caller's transaction: a user transaction for
 * the user themself (the api_tokens policy admits their own rows) or the service path.
 */
export async function insertToken(
  tx: Queryable,
  userId: string,
  token: { name: string; scopes: Scope[]; expiresInDays?: number; via: string }
): Promise<CreatedToken> {
  const { token: secret, hash } = newToken();
  const scopes = [...new Set(token.scopes)];
  const { rows } = await tx.query<{
    id: string;
    created_at: Date | string;
    expires_at: Date | string | null;
  }>(
    `INSERT INTO api_tokens (user_id, name, token_hash, scopes, expires_at)
     VALUES ($1, $2, $3, $4, CASE WHEN $5::int IS NULL THEN NULL ELSE now() + make_interval(days => $5::int) END)
     RETURNING id, created_at, expires_at`,
    [userId, token.name, hash, scopes, token.expiresInDays ?? null]
  );
  const row = rows[0];
  await audit(tx, userId, 'token.create', 'api_tokens', row.id, {
    name: token.name,
    scopes,
    via: token.via
  });
  return {
    id: row.id,
    name: token.name,
    scopes,
    token: secret,
    createdAt: iso(row.created_at)!,
    expiresAt: iso(row.expires_at),
    userId
  };
}

export class UsernameTakenError extends Error {
  constructor(readonly username: string) {
    super(`the username ${username} is taken`);
    this.name = 'UsernameTakenError';
  }
}

/**
 * Create an account on the service path: neither users nor user_credentials admit inserts by the
 * application role (003), so accounts are made only here, by a site administrator's request or by
 * the operator's command line (actorId null).
 */
export async function createAccount(
  tx: Queryable,
  user: {
    username: string;
    displayName: string;
    email?: string | null;
    password?: string;
    isAdmin: boolean;
  },
  actorId: string | null,
  via: string
): Promise<Account> {
  const taken = await tx.query('SELECT 1 FROM users WHERE username = $1', [user.username]);
  if (taken.rows.length > 0) {
    throw new UsernameTakenError(user.username);
  }
  const passwordHash = user.password === undefined ? null : await hashPassword(user.password);
  const { rows } = await tx.query<{ id: string }>(
    'INSERT INTO users (username, display_name, email, is_admin) VALUES ($1, $2, $3, $4) RETURNING id',
    [user.username, user.displayName, user.email ?? null, user.isAdmin]
  );
  const id = rows[0].id;
  if (passwordHash !== null) {
    await tx.query('INSERT INTO user_credentials (user_id, password_hash) VALUES ($1, $2)', [
      id,
      passwordHash
    ]);
  }
  await audit(tx, actorId, 'user.create', 'users', id, {
    username: user.username,
    isAdmin: user.isAdmin,
    via
  });
  return loadAccount(tx, id, true) as Promise<Account>;
}

/** Set (or replace) a password on the service path; user_credentials has no policy (003). */
export async function storePassword(
  tx: Queryable,
  userId: string,
  password: string,
  actorId: string | null,
  via: string
): Promise<void> {
  const passwordHash = await hashPassword(password);
  await tx.query(
    `INSERT INTO user_credentials (user_id, password_hash) VALUES ($1, $2)
     ON CONFLICT (user_id) DO UPDATE SET password_hash = EXCLUDED.password_hash, updated_at = now()`,
    [userId, passwordHash]
  );
  await audit(tx, actorId, 'user.password_set', 'users', userId, { via });
}

export async function loadAccount(
  tx: Queryable,
  userId: string,
  service: boolean
): Promise<Account | undefined> {
  const { rows } = await tx.query<AccountRow>(
    `SELECT ${accountColumns(service)} FROM users u WHERE u.id = $1`,
    [userId]
  );
  return rows[0] ? toAccount(rows[0]) : undefined;
}

/** `cryoprotect user create`: the first site administrator of a shared deployment, and others. */
export async function createAccountFromCli(
  db: Database,
  user: {
    username: string;
    displayName?: string;
    email?: string;
    password?: string;
    isAdmin: boolean;
  }
): Promise<Account> {
  return db.serviceTransaction(tx =>
    createAccount(tx, { ...user, displayName: user.displayName ?? user.username }, null, 'cli')
  );
}

/** `cryoprotect user set-password`: false when there is no such user. */
export async function setPasswordFromCli(
  db: Database,
  username: string,
  password: string
): Promise<boolean> {
  return db.serviceTransaction(async tx => {
    const { rows } = await tx.query<{ id: string }>('SELECT id FROM users WHERE username = $1', [
      username
    ]);
    if (!rows[0]) {
      return false;
    }
    await storePassword(tx, rows[0].id, password, null, 'cli');
    return true;
  });
}
