-- The explicit service path for authentication: before a request knows its user, it may resolve
-- an API token (by its SHA-256) to a user and scopes, and nothing else. Revoked, expired and
-- deactivated tokens resolve to nothing. Recording last use happens here too, so the
-- application role never needs to see other users' tokens.
CREATE FUNCTION app.authenticate_token(p_token_hash text)
  RETURNS TABLE (user_id uuid, scopes text[])
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
BEGIN
  RETURN QUERY
    UPDATE api_tokens t SET last_used_at = now()
    FROM users u
    WHERE t.token_hash = p_token_hash
      AND u.id = t.user_id
      AND u.deactivated_at IS NULL
      AND t.revoked_at IS NULL
      AND (t.expires_at IS NULL OR t.expires_at > now())
    RETURNING t.user_id, t.scopes;
END
$$;
REVOKE ALL ON FUNCTION app.authenticate_token(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app.authenticate_token(text) TO cryoprotect_app;

-- Molecules are unique by InChIKey across all users. A registration must be able to tell "this
-- structure exists but is private to someone else" apart from "new", without seeing the row.
CREATE FUNCTION app.inchikey_registered(p_inchikey text) RETURNS boolean
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$ SELECT EXISTS (SELECT 1 FROM molecules WHERE inchikey = p_inchikey) $$;
REVOKE ALL ON FUNCTION app.inchikey_registered(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app.inchikey_registered(text) TO cryoprotect_app;
