#!/bin/sh
# Waits for the database, runs migrations when asked (the web service only), then execs the
# command (gunicorn, celery worker or celery beat).
set -eu

python - <<'PY'
import sys, time
import django
django.setup()
from django.db import OperationalError, connection
for attempt in range(60):
    try:
        connection.ensure_connection()
        break
    except OperationalError as exc:  # the database may still be starting
        print(f"waiting for the database: {exc}", file=sys.stderr)
        time.sleep(1)
else:
    sys.exit("database not reachable after 60 s")
PY

if [ "${MIGRATE_ON_START:-0}" = "1" ]; then
  # Migrations run as the role that owns the tables; the app itself never does (docs/security.md).
  DATABASE_URL="${DATABASE_OWNER_URL:-$DATABASE_URL}" python manage.py migrate --noinput
  # Safe to repeat: loads a new catalog release, changes nothing otherwise.
  python manage.py load_catalog
fi

exec "$@"
