#!/bin/sh
# First start of the PostgreSQL volume only (docker-entrypoint-initdb.d): the server's login
# role. cryoprotect_app is the role every request runs as (migration 001 creates it when it is
# missing; creating it here first, with the same attributes, lets the login role join it now).
# The login role has no BYPASSRLS, so Row Level Security applies to everything it does.
set -eu
# psql reads the login role's credential from the environment itself (\getenv), so it never
# appears on a command line (visible in ps) or in this file.
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<'SQL'
\getenv login_credential CRYOPROTECT_SERVER_PASSWORD
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'cryoprotect_app') THEN
    CREATE ROLE cryoprotect_app NOLOGIN NOSUPERUSER NOBYPASSRLS;
  END IF;
END
$$;
CREATE ROLE cryoprotect_server LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE
  IN ROLE cryoprotect_app PASSWORD :'login_credential';
SQL
