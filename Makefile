# Launchpad's commands. `make run` and `make test` are the two a new machine needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install install-dev lint typecheck imports format db-roles migrate migrations-check worker beat serve check-deploy clean

# The venv is rebuilt only when pyproject.toml changes; the stamp records what was installed.
$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Launchpad needs Python 3.11 or newer (set PYTHON=python3.x)")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## Set up, migrate, load demo data and serve on http://$(HOST):$(PORT)
run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py runserver $(HOST):$(PORT)

## Set up with the test tools and run the whole suite
test: install-dev
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## The layer contract of docs/architecture.md (import-linter)
imports: install-dev
	$(BIN)/lint-imports --no-cache

typecheck: install-dev
	$(BIN)/mypy

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## PostgreSQL's two roles (docs/security.md, "Row-level security"), as a superuser; once per server
PG_SUPERUSER_URL ?= postgres://postgres@127.0.0.1:5432/postgres
db-roles:
	psql "$(PG_SUPERUSER_URL)" -v ON_ERROR_STOP=1 -q -f deploy/postgres-roles.sql

## Migrations run as the owner role when DATABASE_OWNER_URL is set (the app role may not)
migrate: install
	DATABASE_URL="$${DATABASE_OWNER_URL:-$$DATABASE_URL}" $(PY) manage.py migrate --noinput

migrations-check: install
	$(PY) manage.py makemigrations --check --dry-run

## Production-style server (the compose file's web service runs the same command); its
## configuration gives the workers one metrics directory (docs/operations.md, "Metrics")
serve: install
	$(BIN)/gunicorn --config python:apps.ops.gunicorn_conf config.wsgi:application --bind $(HOST):$(PORT) --workers $${WEB_CONCURRENCY:-2} --access-logfile -

## Celery worker for both queues; run exactly one beat (see docs/operations.md)
worker: install
	$(BIN)/celery -A config worker --queues default,scans --concurrency $${WORKER_CONCURRENCY:-2} --loglevel INFO

beat: install
	$(BIN)/celery -A config beat --loglevel INFO

check-deploy: install
	DJANGO_SETTINGS_MODULE=config.settings.production SECRET_KEY=$${SECRET_KEY:-check-only-$$(date +%s)-0123456789abcdefghijklmnopqrstuvwxyz} ALLOWED_HOSTS=$${ALLOWED_HOSTS:-example.com} ENCRYPTION_KEYS=$${ENCRYPTION_KEYS:-Y2hlY2stZGVwbG95LW9ubHkta2V5LW5vdC1zZWNyZXQ=} $(PY) manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
