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

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
