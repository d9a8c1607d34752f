"""Production-readiness rules: each passes on a wired-up app, fails on a bare one, and is not
applicable where it cannot matter (no code, or no server of its own)."""

from __future__ import annotations

import json

import pytest

from apps.scans.engine import Status


def pkg(*deps: str) -> str:
    return json.dumps({"name": "app", "dependencies": dict.fromkeys(deps, "^1.0.0")}, indent=2)


EXPRESS = pkg("express")
STATIC_SPA = json.dumps({"dependencies": {"react": "^18"}, "devDependencies": {"vite": "^5"}})


@pytest.mark.parametrize(
    ("rule_id", "files"),
    [
        ("production.error-tracking", {"package.json": pkg("react", "@sentry/react")}),
        ("production.error-tracking", {"requirements.txt": "sentry-sdk==2.3\n"}),
        (
            "production.error-tracking",
            {
                "index.html": '<script src="https://js.sentry-cdn.com/abc.min.js"></script>',
                "a.js": "",
            },
        ),
        ("production.structured-logging", {"package.json": pkg("express", "pino")}),
        (
            "production.structured-logging",
            {
                "requirements.txt": "django==5.0\n",
                "settings.py": "LOGGING = {'()': 'pythonjsonlogger.jsonlogger.JsonFormatter'}",
            },
        ),
        ("production.rate-limiting", {"package.json": pkg("express", "express-rate-limit")}),
        (
            "production.rate-limiting",
            {
                "requirements.txt": "django==5.0\n",
                "settings.py": "REST_FRAMEWORK = {'DEFAULT_THROTTLE_RATES': {'anon': '10/min'}}\n",
            },
        ),
        (
            "production.rate-limiting",
            {
                "supabase/functions/chat/index.ts": (
                    "const ratelimit = new Ratelimit({\n"
                    "  redis, limiter: Ratelimit.slidingWindow(10, '10 s') });\n"
                )
            },
        ),
        ("production.security-headers", {"package.json": pkg("express", "helmet")}),
        (
            "production.security-headers",
            {
                "package.json": STATIC_SPA,
                "vercel.json": json.dumps(
                    {
                        "headers": [
                            {
                                "source": "/(.*)",
                                "headers": [
                                    {
                                        "key": "Content-Security-Policy",
                                        "value": "default-src 'self'",
                                    }
                                ],
                            }
                        ]
                    }
                ),
            },
        ),
        (
            "production.security-headers",
            {"package.json": STATIC_SPA, "public/_headers": "/*\n  X-Frame-Options: DENY\n"},
        ),
        ("production.input-validation", {"package.json": pkg("react", "zod")}),
        ("production.input-validation", {"requirements.txt": "fastapi==0.111\n"}),
        (
            "production.input-validation",
            {"shop/forms.py": "from django import forms\nclass F(forms.Form):\n    pass\n"},
        ),
        (
            "production.health-endpoint",
            {
                "package.json": EXPRESS,
                "server.js": "app.get('/health', (req, res) => res.send('ok'));\n",
            },
        ),
        (
            "production.health-endpoint",
            {"package.json": pkg("next"), "app/api/health/route.ts": "export function GET() {}"},
        ),
        (
            "production.health-endpoint",
            {
                "package.json": EXPRESS,
                "Dockerfile": "FROM node:20\nHEALTHCHECK CMD curl -f http://localhost/ || exit 1\n",
            },
        ),
        (
            "production.health-endpoint",
            {"requirements.txt": "django==5\n", "urls.py": 'path("healthz/", views.health)\n'},
        ),
        (
            "production.db-migrations",
            {
                "package.json": pkg("@supabase/supabase-js"),
                "supabase/migrations/20240101_init.sql": "create table a (id int);",
            },
        ),
        (
            "production.db-migrations",
            {"requirements.txt": "django==5\n", "shop/migrations/0001_initial.py": "# migration\n"},
        ),
        (
            "production.db-migrations",
            {
                "package.json": pkg("@prisma/client"),
                "prisma/schema.prisma": "model A {}",
                "prisma/migrations/2024_init/migration.sql": "CREATE TABLE",
            },
        ),
        ("production.caching", {"package.json": pkg("express", "ioredis")}),
        (
            "production.caching",
            {
                "requirements.txt": "django==5\n",
                "settings.py": (
                    "CACHES = {'default': {\n"
                    "    'BACKEND': 'django.core.cache.backends.redis.RedisCache'}}\n"
                ),
            },
        ),
    ],
)
def test_production_rule_passes(rule, rule_id, files):
    result = rule(rule_id, files)
    assert result.status is Status.PASSED, result.summary
    assert result.evidence


@pytest.mark.parametrize(
    ("rule_id", "files", "key"),
    [
        ("production.error-tracking", {"package.json": STATIC_SPA}, "observability.error-tracking"),
        (
            "production.structured-logging",
            {"package.json": EXPRESS},
            "observability.structured-logging",
        ),
        ("production.rate-limiting", {"package.json": EXPRESS}, "security.rate-limiting"),
        ("production.security-headers", {"package.json": STATIC_SPA}, "security.security-headers"),
        ("production.input-validation", {"package.json": EXPRESS}, "security.input-validation"),
        (
            "production.health-endpoint",
            {"package.json": EXPRESS, "server.js": "app.get('/healthy-food')"},
            "deployment.health-check",
        ),
        ("production.caching", {"package.json": EXPRESS}, "caching.application-cache"),
    ],
)
def test_production_rule_fails(rule, rule_id, files, key):
    result = rule(rule_id, files)
    assert result.status is Status.FAILED
    assert result.checklist_keys == (key,)
    assert result.findings[0].message


@pytest.mark.parametrize(
    "rule_id",
    [
        "production.structured-logging",
        "production.rate-limiting",
        "production.health-endpoint",
        "production.caching",
    ],
)
def test_server_rules_not_applicable_to_a_static_front_end(rule, rule_id):
    result = rule(rule_id, {"package.json": STATIC_SPA, "src/App.tsx": "export {}"})
    assert result.status is Status.NOT_APPLICABLE


@pytest.mark.parametrize(
    "rule_id",
    ["production.error-tracking", "production.security-headers", "production.input-validation"],
)
def test_code_rules_not_applicable_without_code(rule, rule_id):
    assert rule(rule_id, {"notes.txt": "hello"}).status is Status.NOT_APPLICABLE


def test_prisma_schema_without_migrations_fails(rule):
    files = {
        "package.json": pkg("@prisma/client"),
        "prisma/schema.prisma": "model User { id Int @id }",
    }
    result = rule("production.db-migrations", files)
    assert result.status is Status.FAILED
    assert result.findings[0].path == "prisma/schema.prisma"
    assert "db push" in result.findings[0].message


def test_database_client_without_migrations_fails_at_the_dependency(rule):
    result = rule("production.db-migrations", {"package.json": pkg("express", "pg")})
    assert result.status is Status.FAILED
    assert (result.findings[0].path, result.findings[0].line) == ("package.json", 5)


def test_migrations_not_applicable_without_sql_database(rule):
    result = rule("production.db-migrations", {"package.json": pkg("express", "mongoose")})
    assert result.status is Status.NOT_APPLICABLE


def test_edge_functions_need_rate_limits_but_no_health_endpoint(rule):
    files = {
        "package.json": STATIC_SPA,
        "supabase/functions/chat/index.ts": "const r = await fetch(OPENAI_URL, opts);\n",
    }
    assert rule("production.rate-limiting", files).status is Status.FAILED
    assert rule("production.health-endpoint", files).status is Status.NOT_APPLICABLE
    assert rule("production.caching", files).status is Status.NOT_APPLICABLE
