"""Production readiness: error tracking, structured logs, rate limits, security headers,
input validation, a health endpoint, schema migrations and an application cache.

Each rule looks for a library that does the job (in package.json, requirements or pyproject)
or for the code and configuration that wire one up. Rules about servers are not applicable
to a static front end with no server code of its own.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ..content import CODE_SUFFIXES, CONFIG_SUFFIXES, Signal, signal
from ..context import ScanContext
from ..model import Evidence, Finding
from ..registry import Outcome, RuleFunc, failed, not_applicable, passed, rule
from .helpers import dep_hint, missing


def _evidence(
    ctx: ScanContext,
    *,
    npm: tuple[str, ...] = (),
    pypi: tuple[str, ...] = (),
    signals: tuple[Signal, ...] = (),
) -> list[Evidence]:
    found = [h.evidence for h in dep_hint(ctx.manifests.npm(*npm))] if npm else []
    if pypi:
        found += [h.evidence for h in dep_hint(ctx.manifests.pypi(*pypi))]
    for sig in signals:
        found += [
            Evidence(f"{sig.name}: {hit.value or 'match'}", hit.path, hit.line)
            for hit in ctx.signal(sig.name)[:3]
        ]
    return found


def _verdict(found: list[Evidence], *, ok: str, gap: str, advice: str) -> Outcome:
    if found:
        return passed(ok, found)
    return failed(gap, [missing(advice)])


# What a library rule needs in the repository to apply, and what it says when that is missing.
_NEEDS: dict[str, tuple[Callable[[ScanContext], bool], str]] = {
    "code": (lambda ctx: ctx.has_code, "No code."),
    "backend": (lambda ctx: ctx.has_backend, "No server code of its own."),
    "server": (lambda ctx: ctx.has_server, "No web server of its own."),
}


def _library_rule(
    *,
    id: str,
    title: str,
    severity: str,
    checklist_key: str,
    sig: Signal,
    needs: str,
    doc: str,
    npm: tuple[str, ...],
    pypi: tuple[str, ...],
    ok: str,
    gap: str,
    advice: str,
) -> RuleFunc:
    """Register a rule that passes when a library doing the job is a dependency (npm or PyPI)
    or when `sig` finds the code that wires one up."""
    applies, reason = _NEEDS[needs]

    def check(ctx: ScanContext) -> Outcome:
        if not applies(ctx):
            return not_applicable(reason)
        found = _evidence(ctx, npm=npm, pypi=pypi, signals=(sig,))
        return _verdict(found, ok=ok, gap=gap, advice=advice)

    check.__doc__ = doc
    check.__name__ = check.__qualname__ = id.rsplit(".", 1)[-1].replace("-", "_")
    return rule(
        id=id,
        title=title,
        category="production",
        severity=severity,
        checklist_keys=(checklist_key,),
        signals=(sig,),
    )(check)


ERROR_TRACKING = signal(
    "error-tracking",
    r"(?P<value>Sentry\.init|sentry_sdk\.init|sentry-cdn\.com|Bugsnag\.start|Rollbar\.init"
    r"|rollbar\.init|LogRocket\.init)\(?",
    keywords=("sentry", "bugsnag", "rollbar", "logrocket"),
    suffixes=CODE_SUFFIXES | {".html"},
    max_hits=3,
)


error_tracking = _library_rule(
    id="production.error-tracking",
    title="Errors are reported to an error tracker",
    severity="medium",
    checklist_key="observability.error-tracking",
    sig=ERROR_TRACKING,
    needs="code",
    doc="""Sentry, Bugsnag, Rollbar, Honeybadger, Datadog, New Relic, LogRocket or similar, as a
    dependency or initialised in code (a CDN script counts).""",
    npm=("@sentry/*", "@bugsnag/*", "bugsnag", "rollbar", "@rollbar/*", "@honeybadger-io/*",
         "@datadog/browser-rum", "dd-trace", "newrelic", "@newrelic/*", "@highlight-run/*",
         "highlight.run", "logrocket", "@appsignal/*", "@airbrake/*", "raygun4js", "trackjs"),
    pypi=("sentry-sdk", "raven", "bugsnag", "rollbar", "honeybadger", "newrelic", "ddtrace",
          "elastic-apm", "appsignal", "pybrake"),
    ok="Errors go to an error tracker.",
    gap="No error tracking.",
    advice="No error tracker (Sentry, Bugsnag, Rollbar...): production errors go unseen.",
)  # fmt: skip


STRUCTURED_LOGGING = signal(
    "structured-logging",
    r"(?P<value>pythonjsonlogger|JsonFormatter|JSONFormatter|json_log_formatter|structlog"
    r"|JSONRenderer|winston\.createLogger|pino\(|serialize\s*=\s*True)",
    keywords=(
        "jsonformatter",
        "jsonlogger",
        "json_log",
        "structlog",
        "jsonrenderer",
        "createlogger",
        "pino(",
        "serialize",
    ),
    suffixes=CODE_SUFFIXES | {".json", ".yaml", ".yml", ".ini", ".cfg", ".toml"},
    max_hits=3,
)


structured_logging = _library_rule(
    id="production.structured-logging",
    title="Logs are structured",
    severity="low",
    checklist_key="observability.structured-logging",
    sig=STRUCTURED_LOGGING,
    needs="backend",
    doc="""Server logs as JSON or key-value records (pino, winston, bunyan, structlog,
    python-json-logger, loguru...) that a log service can search, not bare print/console.log.""",
    npm=("pino", "winston", "bunyan", "log4js", "roarr", "tslog", "@logtail/*", "@axiomhq/*",
         "pino-http", "@google-cloud/logging-winston", "nestjs-pino"),
    pypi=("structlog", "python-json-logger", "loguru", "json-log-formatter", "ecs-logging",
          "django-structlog", "logfire", "google-cloud-logging"),
    ok="Logs are structured.",
    gap="No structured logging.",
    advice="No structured logging (pino, winston, structlog, JSON formatter): logs cannot be "
    "searched or correlated.",
)  # fmt: skip


RATE_LIMITING = signal(
    "rate-limiting",
    r"(?P<value>DEFAULT_THROTTLE_RATES|throttle_classes|limit_req_zone|new\s+Ratelimit\("
    r"|Ratelimit\.(?:slidingWindow|fixedWindow|tokenBucket)|\brateLimit\(|RateLimiter\w*\("
    r"|@limiter\.limit|@ratelimit\(|\bslowDown\(|ThrottlerModule|create\s+table[^;(]*rate_?limit)",
    flags=re.IGNORECASE,
    keywords=("throttle", "ratelimit", "rate_limit", "limiter", "limit_req", "slowdown"),
    suffixes=CODE_SUFFIXES | {".conf", ".sql"},
    names=("nginx.conf",),
    max_hits=3,
)


rate_limiting = _library_rule(
    id="production.rate-limiting",
    title="Requests are rate limited",
    severity="medium",
    checklist_key="security.rate-limiting",
    sig=RATE_LIMITING,
    needs="backend",
    doc="""A rate limiter in front of the server's endpoints (express-rate-limit,
    rate-limiter-flexible, @upstash/ratelimit, slowapi, Flask-Limiter, django-ratelimit, DRF
    throttling, nginx limit_req): without one, an API that calls a paid LLM can be run up.""",
    npm=("express-rate-limit", "rate-limiter-flexible", "@upstash/ratelimit",
         "express-slow-down",
         "@nestjs/throttler", "hono-rate-limiter", "koa-ratelimit", "@fastify/rate-limit",
         "next-rate-limit", "@arcjet/next", "@arcjet/node", "limiter"),
    pypi=("slowapi", "flask-limiter", "django-ratelimit", "django-axes", "fastapi-limiter",
          "limits"),
    ok="Requests are rate limited.",
    gap="No rate limiting.",
    advice="No rate limiting on the server: endpoints (and the paid APIs behind them) can be "
    "flooded.",
)  # fmt: skip


SECURITY_HEADERS = signal(
    "security-headers",
    r"(?P<value>Content-Security-Policy|Strict-Transport-Security|X-Frame-Options"
    r"|X-Content-Type-Options|SECURE_HSTS_SECONDS|SECURE_CONTENT_TYPE_NOSNIFF"
    r"|CONTENT_SECURITY_POLICY|helmet\(|secureHeaders\(|Talisman\()",
    flags=re.IGNORECASE,
    keywords=("secur", "x-frame", "x-content", "helmet", "talisman"),
    suffixes=CODE_SUFFIXES | CONFIG_SUFFIXES,
    names=("_headers", "caddyfile", ".htaccess", "nginx.conf"),
    max_hits=3,
)  # fmt: skip


security_headers = _library_rule(
    id="production.security-headers",
    title="Security headers are set",
    severity="medium",
    checklist_key="security.security-headers",
    sig=SECURITY_HEADERS,
    needs="code",
    doc="""Content-Security-Policy, HSTS, X-Frame-Options and friends: set by helmet, django-csp /
    SECURE_* settings, Flask-Talisman, Next.js `headers()`, vercel.json, netlify.toml or a
    `_headers` file.""",
    npm=("helmet", "@fastify/helmet", "koa-helmet", "next-secure-headers",
         "@next-safe/middleware",
         "lusca"),
    pypi=("django-csp", "flask-talisman", "secure", "django-permissions-policy"),
    ok="Security headers are configured.",
    gap="No security headers.",
    advice="No Content-Security-Policy, HSTS or X-Frame-Options configured anywhere.",
)  # fmt: skip


INPUT_VALIDATION = signal(
    "input-validation",
    r"(?P<value>from\s+pydantic|serializers\.(?:Model)?Serializer|forms\.(?:Model)?Form\b)",
    keywords=("pydantic", "serializer", "forms."),
    suffixes=CODE_SUFFIXES,
    max_hits=3,
)


input_validation = _library_rule(
    id="production.input-validation",
    title="Input is validated with a schema library",
    severity="medium",
    checklist_key="security.input-validation",
    sig=INPUT_VALIDATION,
    needs="code",
    doc="""A validation library (zod, yup, joi, valibot, class-validator, ajv, pydantic,
    marshmallow, Django forms or DRF serializers) rather than hand-written checks.""",
    npm=("zod", "yup", "joi", "@hapi/joi", "valibot", "superstruct", "class-validator", "ajv",
         "@sinclair/typebox", "express-validator", "io-ts", "arktype", "@vinejs/vine",
         "runtypes", "@effect/schema", "vest"),
    pypi=("pydantic", "marshmallow", "cerberus", "voluptuous", "jsonschema",
          "djangorestframework", "fastapi", "wtforms", "flask-wtf", "msgspec"),
    ok="Input validation library in use.",
    gap="No input validation library.",
    advice="No schema validation library (zod, yup, pydantic...): request data is trusted.",
)  # fmt: skip


HEALTH_ROUTE = signal(
    "health-route",
    r"[\"'`]\^?/?(?:api/(?:v\d+/)?)?(?P<value>health(?:z|check|-check|_check)?|readyz|livez"
    r"|readiness|liveness|ping|_health)/?\$?[\"'`]",
    flags=re.IGNORECASE,
    keywords=("health", "readyz", "livez", "ping"),
    suffixes=CODE_SUFFIXES,
    max_hits=3,
)
HEALTH_CONFIG = signal(
    "health-config",
    r"(?im)(?P<value>health_?check_?path|healthcheck(?:Path|Timeout)?\s*[=:]|\[\[(?:http_service\.)?checks\]\]"
    r"|\[\[services\.(?:http_)?checks\]\]|livenessProbe|readinessProbe|^\s*HEALTHCHECK\s+(?!NONE))",
    keywords=("health", "checks", "probe"),
    path_test=lambda e: (
        e.suffix in {".yml", ".yaml", ".toml", ".json"}
        or e.lname == "dockerfile"
        or e.lname.startswith("dockerfile.")
    ),
    max_hits=3,
)
_HEALTH_FILE = re.compile(
    r"(?:^|/)(?:app|pages|src/app|src/pages|src/routes|routes)/(?:api/)?"
    r"(?:health|healthz|healthcheck|ping|readyz|livez)(?:/route|/\+server|/index)?\.[cm]?[jt]sx?$"
    r"|^supabase/functions/health[\w-]*/"
)


@rule(
    id="production.health-endpoint",
    title="A health endpoint lets the platform check the app",
    category="production",
    severity="low",
    checklist_keys=("deployment.health-check",),
    signals=(HEALTH_ROUTE, HEALTH_CONFIG),
)
def health_endpoint(ctx: ScanContext) -> Outcome:
    """A route like /health, /healthz or /api/health (in code or as a file route), or a health
    check configured for the platform: Dockerfile HEALTHCHECK, Kubernetes probes,
    healthCheckPath (Render, Railway), fly.toml checks."""
    if not ctx.has_server:
        return not_applicable("No web server of its own.")
    found = [
        Evidence(f"route {hit.value}", hit.path, hit.line) for hit in ctx.signal(HEALTH_ROUTE.name)
    ]
    found += [
        Evidence("health check config", hit.path, hit.line)
        for hit in ctx.signal(HEALTH_CONFIG.name)
    ]
    found += [Evidence("health route file", e.path) for e in ctx.files_matching(_HEALTH_FILE)[:3]]
    return _verdict(
        found,
        ok="A health check exists.",
        gap="No health endpoint.",
        advice="No /health endpoint or platform health check: a broken deploy stays in service.",
    )


_MIGRATION_FILE = re.compile(
    r"^supabase/migrations/[^/]+\.sql$|(?:^|/)prisma/migrations/[^/]+/migration\.sql$"
    r"|(?:^|/)migrations/\d{4}_\w+\.py$|(?:^|/)(?:alembic|migrations)/versions/[^/]+\.py$"
    r"|(?:^|/)alembic\.ini$|(?:^|/)drizzle/(?:[^/]+\.sql|meta/_journal\.json)$"
    r"|(?:^|/)(?:db/)?migrations?/[^/]+\.(?:sql|[cm]?[jt]s|rb)$|(?:^|/)db/migrate/[^/]+\.rb$"
    r"|(?:^|/)V\d+(?:[._]\d+)*__[^/]+\.sql$|\.up\.sql$"
)
_SQL_DB_NPM = (
    "prisma", "@prisma/client", "drizzle-orm", "typeorm", "sequelize", "knex", "pg", "postgres",
    "mysql2", "mysql", "better-sqlite3", "sqlite3", "@supabase/supabase-js", "@supabase/ssr",
    "kysely", "@neondatabase/serverless", "@planetscale/database", "@vercel/postgres",
    "@libsql/client", "@mikro-orm/core", "objection", "slonik",
)  # fmt: skip
_SQL_DB_PYPI = (
    "django", "sqlalchemy", "flask-sqlalchemy", "psycopg2", "psycopg2-binary", "psycopg",
    "asyncpg", "sqlmodel", "peewee", "tortoise-orm", "pymysql", "mysqlclient", "databases",
    "supabase", "alembic",
)  # fmt: skip


@rule(
    id="production.db-migrations",
    title="Database schema changes are migrations in the repository",
    category="production",
    severity="medium",
    checklist_keys=("database.schema-migrations",),
)
def db_migrations(ctx: ScanContext) -> Outcome:
    """An app with a SQL database keeps its schema as migrations (supabase/migrations, Prisma,
    Drizzle, Django, Alembic, Knex, Rails...). Without them the schema lives only in a
    dashboard, and staging, production and a new developer's machine drift apart."""
    snap = ctx.snapshot
    schema_prisma = next(iter(snap.named("schema.prisma")), None)
    database = ctx.manifests.find(npm=_SQL_DB_NPM, pypi=_SQL_DB_PYPI)
    if database is None and schema_prisma is None and not snap.is_dir("supabase"):
        return not_applicable("No SQL database in use.")
    found = ctx.files_matching(_MIGRATION_FILE)
    if found:
        return passed(
            f"{len(found)} migration file(s).", [Evidence("migration", e.path) for e in found[:5]]
        )
    if schema_prisma is not None:
        finding = Finding(
            "schema.prisma but no prisma/migrations: the database is changed with `db push`.",
            schema_prisma.path,
        )
    elif database is not None:
        finding = Finding(
            f"Uses {database.name} but the repository holds no schema migrations.",
            database.path,
            database.line,
        )
    else:
        finding = missing("A supabase/ folder but no supabase/migrations.")
    return failed("No schema migrations.", [finding])


CACHING = signal(
    "caching",
    r"(?P<value>django\.core\.cache\.backends\.(?:redis|memcached)|django_redis|@cache_page|cache_page\("
    r"|unstable_cache\(|[\"']use cache[\"']|export\s+const\s+revalidate\s*="
    r"|@cache\.cached|@cached\("
    r"|Cache-Control[\"']?\s*[:,]\s*[\"'][^\"']*(?:max-age|s-maxage))",
    keywords=("cache", "revalidate"),
    suffixes=CODE_SUFFIXES,
    max_hits=3,
)


caching = _library_rule(
    id="production.caching",
    title="An application cache is in place",
    severity="low",
    checklist_key="caching.application-cache",
    sig=CACHING,
    needs="server",
    doc="""A server-side cache: Redis or Memcached clients, Django's cache framework with a shared
    backend, Flask-Caching, cachetools, Next.js data cache (`unstable_cache`, `revalidate`) or
    HTTP caching headers set by the server.""",
    npm=("redis", "ioredis", "@upstash/redis", "@vercel/kv", "memcached", "memjs", "node-cache",
         "lru-cache", "keyv", "cache-manager", "apicache", "@keyv/redis",
         "@nestjs/cache-manager"),
    pypi=("redis", "django-redis", "flask-caching", "cachetools", "aiocache", "fastapi-cache2",
          "pymemcache", "python-memcached", "diskcache", "django-cacheops", "hiredis"),
    ok="An application cache is in place.",
    gap="No application cache.",
    advice="No server-side cache (Redis, Memcached, framework cache): every request hits the "
    "database.",
)  # fmt: skip
