-- Roles and helper functions used by every Row Level Security policy.
--
-- The server runs each request as the role cryoprotect_app (no BYPASSRLS) and names the acting
-- user with set_config('app.user_id', <uuid>, true) inside the request's transaction.
-- Migrations must run as a superuser or a role with BYPASSRLS: the SECURITY DEFINER helpers
-- below read project memberships on behalf of the policies, which would otherwise recurse.
DO $$
BEGIN
  IF NOT EXISTS (
    SELECT 1 FROM pg_roles WHERE rolname = current_user AND (rolsuper OR rolbypassrls)
  ) THEN
    RAISE EXCEPTION 'migrations must run as a superuser or a role with BYPASSRLS (connected as %)', current_user;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'cryoprotect_app') THEN
    CREATE ROLE cryoprotect_app NOLOGIN NOSUPERUSER NOBYPASSRLS;
  END IF;
END
$$;

CREATE SCHEMA app;
GRANT USAGE ON SCHEMA app TO cryoprotect_app;
GRANT USAGE ON SCHEMA public TO cryoprotect_app;

-- The acting user of the current transaction, or NULL for an anonymous request.
CREATE FUNCTION app.current_user_id() RETURNS uuid
  LANGUAGE sql STABLE
  AS $$ SELECT nullif(current_setting('app.user_id', true), '')::uuid $$;

CREATE FUNCTION app.role_rank(role text) RETURNS integer
  LANGUAGE sql IMMUTABLE
  AS $$ SELECT CASE role WHEN 'viewer' THEN 1 WHEN 'editor' THEN 2 WHEN 'admin' THEN 3 ELSE 0 END $$;

-- True when NULL-or-finite: CHECK constraints use it to keep NaN and infinities out of numbers.
CREATE FUNCTION app.is_finite(value double precision) RETURNS boolean
  LANGUAGE sql IMMUTABLE
  AS $$ SELECT value IS NULL OR value NOT IN ('NaN'::float8, 'Infinity'::float8, '-Infinity'::float8) $$;
