-- The two PostgreSQL roles of docs/security.md, "Row-level security". Run once per server
-- as a superuser (`make db-roles`); safe to run again. Production sets passwords with
-- ALTER ROLE ... PASSWORD after this, and its DATABASE_URL / DATABASE_OWNER_URL carry them.
DO $$
BEGIN
  -- Owns the tables and runs migrations; never used by the running app.
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'launchpad_owner') THEN
    CREATE ROLE launchpad_owner LOGIN CREATEDB;
  END IF;
  -- The app, its workers and its tests: owns nothing, and row-level security binds it.
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'launchpad_app') THEN
    CREATE ROLE launchpad_app LOGIN;
  END IF;
  ALTER ROLE launchpad_app NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT;
  ALTER ROLE launchpad_owner NOSUPERUSER NOBYPASSRLS;
END
$$;
