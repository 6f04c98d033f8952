import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  AccountSchema,
  ApiTokenListSchema,
  ChangePasswordSchema,
  CreateTokenSchema,
  CreateUserSchema,
  CreatedTokenSchema,
  LoginSchema,
  ProblemSchema,
  UpdateAccountSchema,
  UserQuerySchema,
  UserSummaryPageSchema,
  type Account,
  type ApiToken,
  type Scope
} from '@cryoprotect/kernel';
import {
  UsernameTakenError,
  audit,
  createAccount,
  insertToken,
  loadAccount,
  storePassword
} from '../accounts/accounts.js';
import { verifyAgainstDecoy, verifyPassword } from '../accounts/passwords.js';
import type { Queryable } from '../db/database.js';
import { requireScope } from '../http/auth.js';
import { Cursor, LISTS, containsPattern, keysetPage } from '../http/pagination.js';
import { ProblemError, notFound } from '../http/problem.js';
import { IdParams, TOKEN_REQUIRED, problems as standardProblems } from '../http/route-schemas.js';

const problems = { ...standardProblems, 429: ProblemSchema };

namespace Private {
  export const badCredentials = (): ProblemError =>
    new ProblemError(401, 'bad-credentials', 'Sign-in failed', 'wrong username or password');

  export function signedIn(request: FastifyRequest): string {
    const { userId } = request.actor;
    if (!userId) {
      throw new ProblemError(
        401,
        'unauthenticated',
        'Not authenticated',
        'this needs an API token'
      );
    }
    return userId;
  }

  /** Site administration needs both: a token with the admin scope, and an active site admin. */
  export async function requireSiteAdmin(tx: Queryable, userId: string): Promise<void> {
    const { rows } = await tx.query(
      'SELECT 1 FROM users WHERE id = $1 AND is_admin AND deactivated_at IS NULL',
      [userId]
    );
    if (rows.length === 0) {
      throw new ProblemError(
        403,
        'forbidden',
        'Forbidden',
        'only site administrators manage accounts'
      );
    }
  }

  /**
   * A token never carries a scope its account does not hold: `admin` is site administration, so
   * only an active site administrator's token may have it (whatever the token asking has, and
   * at sign-in). Refused with 403 naming body.scopes before anything is written.
   */
  export async function refuseUnheldScopes(
    tx: Queryable,
    userId: string,
    scopes: readonly Scope[]
  ): Promise<void> {
    if (!scopes.includes('admin')) {
      return;
    }
    const { rows } = await tx.query(
      'SELECT 1 FROM users WHERE id = $1 AND is_admin AND deactivated_at IS NULL',
      [userId]
    );
    if (rows.length === 0) {
      throw scopeProblem(
        'the admin scope is for site administrators; this account is not one (ask for read and write)'
      );
    }
  }

  /** A scope the caller may not hand out: 403 naming body.scopes. */
  export function scopeProblem(message: string): ProblemError {
    return new ProblemError(
      403,
      'insufficient-scope',
      'Insufficient scope',
      `body.scopes: ${message}`,
      [{ path: 'body.scopes', message }]
    );
  }

  export function isUniqueViolation(error: unknown, constraint: string): boolean {
    const pg = error as { code?: string; constraint?: string };
    return pg.code === '23505' && pg.constraint === constraint;
  }

  export const emailTaken = (): ProblemError =>
    new ProblemError(409, 'conflict', 'Conflict', 'body.email: another account uses this address', [
      { path: 'body.email', message: 'another account uses this address' }
    ]);

  export interface TokenRow {
    id: string;
    name: string;
    scopes: Scope[];
    created_at: Date | string;
    last_used_at: Date | string | null;
    expires_at: Date | string | null;
    revoked_at: Date | string | null;
  }

  const iso = (v: Date | string | null): string | null =>
    v === null ? null : new Date(v).toISOString();

  export const toToken = (row: TokenRow): ApiToken => ({
    id: row.id,
    name: row.name,
    scopes: row.scopes,
    createdAt: iso(row.created_at)!,
    lastUsedAt: iso(row.last_used_at),
    expiresAt: iso(row.expires_at),
    revokedAt: iso(row.revoked_at)
  });
}

/**
 * Accounts: password sign-in (a new API token per login), your own account, the user directory,
 * site administration of accounts, and your API tokens.
 */
export const accountsRoutes: FastifyPluginAsync = async fastify => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();

  app.post(
    '/api/auth/login',
    {
      // Guessing passwords costs an argon2 hash each; this also bounds guesses per address.
      config: { rateLimit: { max: 30, timeWindow: 60_000 } },
      schema: {
        tags: ['accounts'],
        summary:
          'Sign in with username and password: creates and returns a new API token (shown once)',
        security: [],
        body: LoginSchema,
        response: { 201: CreatedTokenSchema, ...problems }
      }
    },
    async (request, reply) => {
      const body = request.body;
      const username = body.username.trim().toLowerCase();
      // The service path: the application role can never read password hashes (user_credentials
      // has no policy), and before sign-in there is no user to act as.
      const found = await app.db.serviceTransaction(tx =>
        tx.query<{ id: string; password_hash: string | null; deactivated_at: Date | null }>(
          `SELECT u.id, c.password_hash, u.deactivated_at
           FROM users u LEFT JOIN user_credentials c ON c.user_id = u.id
           WHERE u.username = $1`,
          [username]
        )
      );
      const user = found.rows[0];
      // An unknown username costs the same time as a wrong password and gets the same answer.
      const ok = user?.password_hash
        ? await verifyPassword(user.password_hash, body.password)
        : await verifyAgainstDecoy(body.password);
      if (!ok || !user || user.deactivated_at !== null) {
        const reason = !user
          ? 'unknown username'
          : !ok
            ? user.password_hash
              ? 'wrong password'
              : 'no password set'
            : 'account deactivated';
        // The service path again: the audit_log policy wants actor_id = the acting user, and a
        // failed sign-in has none. The row names the account (when it exists) so its owner and
        // site administrators see the attempts; the typed username is not kept (it may be a
        // password typed in the wrong field).
        await app.db.serviceTransaction(tx =>
          audit(tx, user?.id ?? null, 'auth.login_failed', 'users', user?.id ?? null, {
            reason,
            ip: request.ip
          })
        );
        if (ok && user) {
          // Only someone who knows the password learns that the account is deactivated.
          throw new ProblemError(
            403,
            'account-deactivated',
            'Account deactivated',
            'this account is deactivated; ask a site administrator'
          );
        }
        throw Private.badCredentials();
      }
      const created = await app.db.userTransaction(user.id, async tx => {
        await Private.refuseUnheldScopes(tx, user.id, body.scopes);
        const token = await insertToken(tx, user.id, {
          name: body.tokenName,
          scopes: body.scopes,
          expiresInDays: body.expiresInDays,
          via: 'login'
        });
        await audit(tx, user.id, 'auth.login', 'api_tokens', token.id, { ip: request.ip });
        return token;
      });
      return reply.code(201).send(created);
    }
  );

  app.get(
    '/api/users/me',
    {
      schema: {
        tags: ['accounts'],
        summary: 'Your account',
        security: TOKEN_REQUIRED,
        response: { 200: AccountSchema, ...problems }
      }
    },
    async request => {
      const userId = Private.signedIn(request);
      const account = await app.db.userTransaction(userId, tx => loadAccount(tx, userId, false));
      return account!;
    }
  );

  app.patch(
    '/api/users/me',
    {
      schema: {
        tags: ['accounts'],
        summary: 'Change your display name or e-mail address',
        body: UpdateAccountSchema,
        response: { 200: AccountSchema, ...problems }
      }
    },
    async request => {
      const userId = requireScope(request, 'write');
      const body = request.body;
      try {
        return await app.db.userTransaction(userId, async tx => {
          await tx.query(
            `UPDATE users SET display_name = coalesce($2, display_name),
                              email = CASE WHEN $3 THEN $4 ELSE email END
             WHERE id = $1`,
            [userId, body.displayName ?? null, body.email !== undefined, body.email ?? null]
          );
          await audit(tx, userId, 'user.update', 'users', userId, {
            fields: Object.keys(body).filter(k => body[k as keyof typeof body] !== undefined)
          });
          return (await loadAccount(tx, userId, false))!;
        });
      } catch (error) {
        throw Private.isUniqueViolation(error, 'users_email_key') ? Private.emailTaken() : error;
      }
    }
  );

  app.put(
    '/api/users/me/password',
    {
      schema: {
        tags: ['accounts'],
        summary: 'Change your password (give the current one)',
        body: ChangePasswordSchema,
        response: { 204: z.null(), ...problems }
      }
    },
    async (request, reply) => {
      const userId = requireScope(request, 'write');
      const { currentPassword, newPassword } = request.body;
      // Service path: checking and storing a password needs user_credentials, which the
      // application role cannot read or write at all.
      const { rows } = await app.db.serviceTransaction(tx =>
        tx.query<{ password_hash: string }>(
          'SELECT password_hash FROM user_credentials WHERE user_id = $1',
          [userId]
        )
      );
      const ok = rows[0]
        ? await verifyPassword(rows[0].password_hash, currentPassword)
        : await verifyAgainstDecoy(currentPassword);
      if (!ok) {
        await app.db.userTransaction(userId, tx =>
          audit(tx, userId, 'user.password_change_refused', 'users', userId, { ip: request.ip })
        );
        throw new ProblemError(
          403,
          'wrong-password',
          'Wrong password',
          'body.currentPassword: is not your current password',
          [{ path: 'body.currentPassword', message: 'is not your current password' }]
        );
      }
      await app.db.serviceTransaction(tx => storePassword(tx, userId, newPassword, userId, 'api'));
      return reply.code(204).send(null);
    }
  );

  app.get(
    '/api/users',
    {
      schema: {
        tags: ['accounts'],
        summary:
          'The user directory (signed-in callers), by username; system accounts (the owner of the reference data), which nobody signs in as, are not listed',
        security: TOKEN_REQUIRED,
        querystring: UserQuerySchema,
        response: { 200: UserSummaryPageSchema, ...problems }
      }
    },
    async request => {
      const userId = Private.signedIn(request);
      const { q, limit, cursor } = request.query;
      const { rows } = await app.db.userTransaction(userId, async tx => {
        const after = cursor
          ? await Cursor.resume(tx, cursor, LISTS.users, {
              from: 'users u',
              id: 'u.id',
              key: 'u.username'
            })
          : null;
        return tx.query<{
          sort_name: string;
          id: string;
          username: string;
          display_name: string;
          is_admin: boolean;
          deactivated_at: Date | null;
        }>(
          `SELECT u.username AS sort_name, u.id, u.username, u.display_name, u.is_admin, u.deactivated_at
           FROM users u
           WHERE NOT u.is_system
             AND ($1::text IS NULL OR u.username LIKE $1 OR lower(u.display_name) LIKE $1)
             AND ($2::text IS NULL OR (u.username, u.id) > ($2::text, $3::uuid))
           ORDER BY u.username, u.id LIMIT $4`,
          [containsPattern(q), after?.[0] ?? null, after?.[1] ?? null, limit + 1]
        );
      });
      const { page, nextCursor } = keysetPage(rows, limit, LISTS.users);
      return {
        items: page.map(r => ({
          id: r.id,
          username: r.username,
          displayName: r.display_name,
          isAdmin: r.is_admin,
          active: r.deactivated_at === null
        })),
        nextCursor
      };
    }
  );

  app.post(
    '/api/users',
    {
      schema: {
        tags: ['accounts'],
        summary: 'Create an account with an initial password (site administrators)',
        body: CreateUserSchema,
        response: { 201: AccountSchema, ...problems }
      }
    },
    async (request, reply) => {
      const userId = requireScope(request, 'admin');
      const body = request.body;
      let account: Account;
      try {
        // Service path: the application role may not insert users or credentials (003).
        account = await app.db.serviceTransaction(async tx => {
          await Private.requireSiteAdmin(tx, userId);
          return createAccount(tx, body, userId, 'api');
        });
      } catch (error) {
        if (
          error instanceof UsernameTakenError ||
          Private.isUniqueViolation(error, 'users_username_key')
        ) {
          throw new ProblemError(409, 'conflict', 'Conflict', 'body.username: is taken', [
            { path: 'body.username', message: 'is taken' }
          ]);
        }
        throw Private.isUniqueViolation(error, 'users_email_key') ? Private.emailTaken() : error;
      }
      return reply.code(201).send(account);
    }
  );

  for (const [action, deactivate] of [
    ['deactivate', true],
    ['reactivate', false]
  ] as const) {
    app.post(
      `/api/users/:id/${action}`,
      {
        schema: {
          tags: ['accounts'],
          summary: deactivate
            ? 'Deactivate an account: its tokens and password stop working (site administrators)'
            : 'Reactivate a deactivated account (site administrators)',
          params: IdParams,
          response: { 200: AccountSchema, ...problems }
        }
      },
      async request => {
        const userId = requireScope(request, 'admin');
        const target = request.params.id;
        // Service path: deactivated_at is not among the columns users may update (007).
        return app.db.serviceTransaction(async tx => {
          await Private.requireSiteAdmin(tx, userId);
          if (deactivate && target === userId) {
            throw new ProblemError(
              409,
              'conflict',
              'Conflict',
              'params.id: you cannot deactivate your own account',
              [{ path: 'params.id', message: 'you cannot deactivate your own account' }]
            );
          }
          const { rows } = await tx.query<{ id: string }>(
            `UPDATE users SET deactivated_at = CASE WHEN $2 THEN coalesce(deactivated_at, now()) ELSE NULL END
             WHERE id = $1 RETURNING id`,
            [target, deactivate]
          );
          if (!rows[0]) {
            throw notFound(`user ${target}`);
          }
          await audit(tx, userId, `user.${action}`, 'users', target);
          return (await loadAccount(tx, target, true))!;
        });
      }
    );
  }

  app.get(
    '/api/tokens',
    {
      schema: {
        tags: ['accounts'],
        summary: 'Your API tokens, newest first (never the secret)',
        security: TOKEN_REQUIRED,
        response: { 200: ApiTokenListSchema, ...problems }
      }
    },
    async request => {
      const userId = Private.signedIn(request);
      const { rows } = await app.db.userTransaction(userId, tx =>
        tx.query<Private.TokenRow>(
          `SELECT id, name, scopes, created_at, last_used_at, expires_at, revoked_at
           FROM api_tokens ORDER BY created_at DESC, id`
        )
      );
      return { items: rows.map(Private.toToken), nextCursor: null };
    }
  );

  app.post(
    '/api/tokens',
    {
      schema: {
        tags: ['accounts'],
        summary:
          'Create an API token (shown once); without the admin scope, only with scopes your token has',
        body: CreateTokenSchema,
        response: { 201: CreatedTokenSchema, ...problems }
      }
    },
    async (request, reply) => {
      // A token that cannot write cannot mint tokens either: a leaked read-only token must not be
      // able to outlive its own revocation through children.
      const userId = requireScope(request, 'write');
      const held = request.actor.scopes;
      const missing = held.includes('admin')
        ? []
        : request.body.scopes.filter(scope => !held.includes(scope));
      if (missing.length > 0) {
        throw Private.scopeProblem(
          `your token lacks ${missing.join(', ')}; a token can only grant scopes it has (or any with admin)`
        );
      }
      const created = await app.db.userTransaction(userId, async tx => {
        await Private.refuseUnheldScopes(tx, userId, request.body.scopes);
        return insertToken(tx, userId, { ...request.body, via: 'api' });
      });
      return reply.code(201).send(created);
    }
  );

  app.delete(
    '/api/tokens/:id',
    {
      schema: {
        tags: ['accounts'],
        summary: 'Revoke one of your API tokens (at once, for good)',
        params: IdParams,
        response: { 204: z.null(), ...problems }
      }
    },
    async (request, reply) => {
      const userId = requireScope(request, 'write');
      await app.db.userTransaction(userId, async tx => {
        const { rows } = await tx.query<{ revoked_at: Date | null }>(
          'SELECT revoked_at FROM api_tokens WHERE id = $1 FOR UPDATE',
          [request.params.id]
        );
        if (!rows[0]) {
          throw notFound(`API token ${request.params.id}`);
        }
        if (rows[0].revoked_at === null) {
          await tx.query('UPDATE api_tokens SET revoked_at = now() WHERE id = $1', [
            request.params.id
          ]);
          await audit(tx, userId, 'token.revoke', 'api_tokens', request.params.id);
        }
      });
      return reply.code(204).send(null);
    }
  );
};
