#!/bin/sh
# First start of the compose PostgreSQL: passwords for the two roles, and the database handed
# to the owner role so that migrations (run as that role) may create tables in it.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<SQL
ALTER ROLE launchpad_app PASSWORD '${APP_DB_PASSWORD}';
ALTER ROLE launchpad_owner PASSWORD '${OWNER_DB_PASSWORD}';
ALTER DATABASE "$POSTGRES_DB" OWNER TO launchpad_owner;
ALTER SCHEMA public OWNER TO launchpad_owner;
SQL
