import { createHash, randomBytes } from 'node:crypto';

/**
 * API tokens as the database keeps them: a token is shown once to its owner and only its SHA-256
 * is stored (api_tokens.token_hash). Issued by accounts and the local user, checked by
 * http/auth.ts.
 */

const TOKEN_PREFIX = 'cpt_';

/** A new API token: shown once to its owner; only its SHA-256 is stored. */
export function newToken(): { token: string; hash: string } {
  const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  return { token, hash: hashToken(token) };
}

/** The shape newToken gives: the prefix and 32 random bytes in base64url (43 characters). */
export function isTokenShaped(token: string): boolean {
  return /^cpt_[A-Za-z0-9_-]{43}$/.test(token);
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
