-- Last use of an API token at minute resolution. Recording it on every request made every request
-- of one token (a notebook, a load test) queue on that token's row lock and write WAL; the
-- audit question "is this token still in use, and since when not" needs minutes, not requests.
CREATE OR REPLACE FUNCTION app.authenticate_token(p_token_hash text)
  RETURNS TABLE (user_id uuid, scopes text[])
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
BEGIN
  RETURN QUERY
    SELECT t.user_id, t.scopes
    FROM api_tokens t
    JOIN users u ON u.id = t.user_id
    WHERE t.token_hash = p_token_hash
      AND u.deactivated_at IS NULL
      AND t.revoked_at IS NULL
      AND (t.expires_at IS NULL OR t.expires_at > now());
  -- Rows already used within the minute do not match, so they are neither locked nor written.
  UPDATE api_tokens t SET last_used_at = now()
  WHERE t.token_hash = p_token_hash
    AND t.revoked_at IS NULL
    AND (t.last_used_at IS NULL OR t.last_used_at < now() - interval '1 minute');
END
$$;
REVOKE ALL ON FUNCTION app.authenticate_token(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app.authenticate_token(text) TO cryoprotect_app;
