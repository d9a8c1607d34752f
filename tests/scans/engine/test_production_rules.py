"""Production-readiness rules: each passes on an app whose code uses the thing (with the file and
line as evidence), fails on a bare one or one that only lists the package, and is not
applicable where it cannot matter (no code, or no server of its own)."""

from __future__ import annotations

import json

import pytest

from apps.scans.engine import Status


def pkg(*deps: str) -> str:
    return json.dumps({"name": "app", "dependencies": dict.fromkeys(deps, "^1.0.0")}, indent=2)


EXPRESS = pkg("express")
STATIC_SPA = json.dumps({"dependencies": {"react": "^18"}, "devDependencies": {"vite": "^5"}})
SENTRY_INIT = 'import * as Sentry from "@sentry/react";\n\nSentry.init({ dsn: "x" });\n'
EXPRESS_SERVER = "import express from 'express';\nconst app = express();\n"


@pytest.mark.parametrize(
    ("rule_id", "files", "where"),
    [
        (
            "production.error-tracking",
            {"package.json": pkg("react", "@sentry/react"), "src/main.tsx": SENTRY_INIT},
            ("src/main.tsx", 3),
        ),
        (
            "production.error-tracking",
            {
                "requirements.txt": "sentry-sdk==2.3\n",
                "app.py": "import sentry_sdk\nsentry_sdk.init(dsn=DSN)\n",
            },
            ("app.py", 2),
        ),
        (
            "production.error-tracking",
            {
                "package.json": pkg("next", "@sentry/nextjs"),
                "sentry.server.config.ts": (
                    'import { init } from "@sentry/nextjs";\ninit({ dsn: process.env.DSN });\n'
                ),
            },
            ("sentry.server.config.ts", 2),
        ),
        (
            "production.error-tracking",
            {
                "index.html": '<script src="https://js.sentry-cdn.com/abc.min.js"></script>',
                "a.js": "",
            },
            ("index.html", 1),
        ),
        (
            "production.error-tracking",
            {
                "package.json": pkg("react", "logrocket"),
                "src/main.ts": "import LogRocket from 'logrocket';\nLogRocket.init('app/id');\n",
            },
            ("src/main.ts", 2),
        ),
        (
            "production.structured-logging",
            {
                "package.json": pkg("express", "pino"),
                "server.js": (
                    "const pino = require('pino');\nconst logger = pino();\n"
                    "logger.info({ port }, 'listening');\n"
                ),
            },
            ("server.js", 2),
        ),
        (
            "production.structured-logging",
            {
                "package.json": pkg("express", "winston"),
                "server/log.ts": (
                    "import winston from 'winston';\n"
                    "export const log = winston.createLogger({ format: winston.format.json() });\n"
                ),
            },
            ("server/log.ts", 2),
        ),
        (
            "production.structured-logging",
            {
                "requirements.txt": "django==5.0\npython-json-logger==2\n",
                "settings.py": "LOGGING = {'()': 'pythonjsonlogger.jsonlogger.JsonFormatter'}",
            },
            ("settings.py", 1),
        ),
        (
            "production.structured-logging",
            {
                "requirements.txt": "fastapi\nstructlog\n",
                "app.py": "import structlog\nlog = structlog.get_logger()\nlog.info('start')\n",
            },
            ("app.py", 2),
        ),
        (
            "production.rate-limiting",
            {
                "package.json": pkg("express", "express-rate-limit"),
                "server.js": (
                    EXPRESS_SERVER + "import rateLimit from 'express-rate-limit';\n"
                    "const limiter = rateLimit({ windowMs: 60000, limit: 100 });\n"
                    "app.use('/api', limiter);\n"
                ),
            },
            ("server.js", 4),
        ),
        (
            "production.rate-limiting",
            {
                "requirements.txt": "django==5.0\n",
                "settings.py": "REST_FRAMEWORK = {'DEFAULT_THROTTLE_RATES': {'anon': '10/min'}}\n",
            },
            ("settings.py", 1),
        ),
        (
            "production.rate-limiting",
            {
                "supabase/functions/chat/index.ts": (
                    'import { Ratelimit } from "https://esm.sh/@upstash/ratelimit@1.0.0";\n'
                    "const ratelimit = new Ratelimit({\n"
                    "  redis, limiter: Ratelimit.slidingWindow(10, '10 s') });\n"
                    "Deno.serve(async (req) => {\n"
                    "  const { success } = await ratelimit.limit(ip);\n});\n"
                )
            },
            ("supabase/functions/chat/index.ts", 2),
        ),
        (
            "production.rate-limiting",
            {
                "requirements.txt": "fastapi\nslowapi\n",
                "main.py": (
                    "from slowapi import Limiter\nlimiter = Limiter(key_func=get_remote_address)\n"
                    "@app.get('/')\n@limiter.limit('5/minute')\ndef home(request): ...\n"
                ),
            },
            ("main.py", 2),
        ),
        (
            "production.security-headers",
            {
                "package.json": pkg("express", "helmet"),
                "server.js": EXPRESS_SERVER + "import helmet from 'helmet';\napp.use(helmet());\n",
            },
            ("server.js", 4),
        ),
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
                    },
                    indent=1,
                ),
            },
            ("vercel.json", 7),
        ),
        (
            "production.security-headers",
            {"package.json": STATIC_SPA, "public/_headers": "/*\n  X-Frame-Options: DENY\n"},
            ("public/_headers", 2),
        ),
        (
            "production.security-headers",
            {
                "package.json": pkg("next"),
                "next.config.js": (
                    "module.exports = { async headers() { return [{ source: '/(.*)', headers: [\n"
                    "  { key: 'Strict-Transport-Security', value: 'max-age=63072000' }] }] } };\n"
                ),
            },
            ("next.config.js", 2),
        ),
        (
            "production.input-validation",
            {
                "package.json": pkg("next", "zod"),
                "app/api/signup/route.ts": (
                    "import { z } from 'zod';\nconst Signup = z.object({ email: z.string() });\n"
                    "export async function POST(req: Request) {\n"
                    "  const body = Signup.parse(await req.json());\n}\n"
                ),
            },
            ("app/api/signup/route.ts", 2),
        ),
        (
            "production.input-validation",
            {
                "requirements.txt": "fastapi==0.111\n",
                "main.py": (
                    "from pydantic import BaseModel\n\nclass Item(BaseModel):\n    name: str\n\n"
                    "@app.post('/items')\ndef create(item: Item):\n    return item\n"
                ),
            },
            ("main.py", 7),
        ),
        (
            "production.input-validation",
            {
                "shop/forms.py": "from django import forms\nclass F(forms.Form):\n    pass\n",
                "shop/views.py": "def v(request):\n    form = F(request.POST)\n"
                "    if form.is_valid():\n        pass\n",
            },
            ("shop/views.py", 3),
        ),
        (
            "production.health-endpoint",
            {
                "package.json": EXPRESS,
                "server.js": "app.get('/health', (req, res) => res.send('ok'));\n",
            },
            ("server.js", 1),
        ),
        (
            "production.health-endpoint",
            {"package.json": pkg("next"), "app/api/health/route.ts": "export function GET() {}"},
            ("app/api/health/route.ts", 1),
        ),
        (
            "production.health-endpoint",
            {
                "package.json": EXPRESS,
                "Dockerfile": "FROM node:20\nHEALTHCHECK CMD curl -f http://localhost/ || exit 1\n",
            },
            ("Dockerfile", 2),
        ),
        (
            "production.health-endpoint",
            {"requirements.txt": "django==5\n", "urls.py": 'path("healthz/", views.health)\n'},
            ("urls.py", 1),
        ),
        (
            "production.db-migrations",
            {
                "package.json": pkg("@supabase/supabase-js"),
                "supabase/migrations/20240101_init.sql": "create table a (id int);",
            },
            ("supabase/migrations/20240101_init.sql", None),
        ),
        (
            "production.db-migrations",
            {"requirements.txt": "django==5\n", "shop/migrations/0001_initial.py": "# migration\n"},
            ("shop/migrations/0001_initial.py", None),
        ),
        (
            "production.db-migrations",
            {
                "package.json": pkg("@prisma/client"),
                "prisma/schema.prisma": "model A {}",
                "prisma/migrations/2024_init/migration.sql": "CREATE TABLE",
            },
            ("prisma/migrations/2024_init/migration.sql", None),
        ),
        (
            "production.caching",
            {
                "package.json": pkg("express", "ioredis"),
                "server/cache.ts": (
                    "import Redis from 'ioredis';\nexport const redis = new Redis();\n"
                ),
            },
            ("server/cache.ts", 2),
        ),
        (
            "production.caching",
            {
                "requirements.txt": "django==5\n",
                "settings.py": (
                    "CACHES = {'default': {\n"
                    "    'BACKEND': 'django.core.cache.backends.redis.RedisCache'}}\n"
                ),
            },
            ("settings.py", 2),
        ),
        (
            "production.caching",
            {
                "package.json": pkg("next"),
                "app/posts/page.tsx": (
                    "export const revalidate = 3600;\nexport default function P() {}\n"
                ),
            },
            ("app/posts/page.tsx", 1),
        ),
    ],
)
def test_production_rule_passes_with_the_use_as_evidence(rule, rule_id, files, where):
    result = rule(rule_id, files)
    assert result.status is Status.PASSED, result.summary
    assert (result.evidence[0].path, result.evidence[0].line) == where


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
    assert result.findings[0].reason


# --- issue 14: credited to packages listed in package.json but never imported -----------------


@pytest.mark.parametrize(
    ("rule_id", "package", "extra"),
    [
        ("production.error-tracking", "@sentry/react", {}),
        ("production.input-validation", "zod", {"server.js": EXPRESS_SERVER}),
        ("production.input-validation", "yup", {"server.js": EXPRESS_SERVER}),
        ("production.structured-logging", "pino", {"server.js": EXPRESS_SERVER}),
        ("production.rate-limiting", "express-rate-limit", {"server.js": EXPRESS_SERVER}),
        ("production.security-headers", "helmet", {"server.js": EXPRESS_SERVER}),
        ("production.caching", "ioredis", {"server.js": EXPRESS_SERVER}),
    ],
)
def test_a_package_only_listed_is_installed_but_never_used(rule, rule_id, package, extra):
    files = {
        "package.json": pkg("express", package),
        "src/App.tsx": "export const App = () => null;\n",
        **extra,
    }
    result = rule(rule_id, files)
    assert result.status is Status.FAILED, result.summary
    finding = result.findings[0]
    assert finding.message == f"{package} is installed but never used: no file imports it."
    assert (finding.path, finding.line) == ("package.json", 5)
    assert "listed in package.json:5" in finding.reason


def test_a_python_package_only_listed_is_installed_but_never_used(rule):
    files = {"requirements.txt": "flask==3\nsentry-sdk==2.5\n", "app.py": "app = Flask(__name__)\n"}
    result = rule("production.error-tracking", files)
    assert result.status is Status.FAILED
    assert (result.findings[0].path, result.findings[0].line) == ("requirements.txt", 2)
    assert result.findings[0].message.startswith("sentry-sdk is installed but never used")


def test_imported_but_never_initialised_is_its_own_finding(rule):
    files = {
        "package.json": pkg("react", "@sentry/react"),
        "src/main.tsx": 'import * as Sentry from "@sentry/react";\nexport const S = 1;\n',
    }
    result = rule("production.error-tracking", files)
    assert result.status is Status.FAILED
    finding = result.findings[0]
    assert finding.message == (
        "Sentry is imported but never used: Sentry.init(...) not found in src/main.tsx."
    )
    assert (finding.path, finding.line) == ("src/main.tsx", 1)
    assert "imported as Sentry at src/main.tsx:1" in finding.reason
    assert finding.snippet == 'import * as Sentry from "@sentry/react";'


def test_comments_and_strings_are_not_use(rule):
    files = {
        "package.json": pkg("react", "@sentry/react"),
        "src/main.tsx": (
            'import * as Sentry from "@sentry/react";\n'
            "// Sentry.init({ dsn })\n"
            "/* Sentry.init({ dsn }) */\n"
            'const help = "call Sentry.init( to start";\n'
            "const tpl = `Sentry.init(${dsn})`;\n"
        ),
        "README.md": "Call `Sentry.init(...)` in main.tsx and `import * as Sentry`.\n",
    }
    result = rule("production.error-tracking", files)
    assert result.status is Status.FAILED
    assert "imported but never used" in result.findings[0].message


def test_a_commented_out_import_is_no_import(rule):
    files = {
        "package.json": pkg("react", "@sentry/react"),
        "src/main.tsx": '// import * as Sentry from "@sentry/react";\n// Sentry.init({})\n',
    }
    result = rule("production.error-tracking", files)
    assert result.findings[0].message.startswith("@sentry/react is installed but never used")


def test_python_comments_and_docstrings_are_not_use(rule):
    files = {
        "requirements.txt": "sentry-sdk\n",
        "app.py": (
            'import sentry_sdk\n"""Start with sentry_sdk.init(dsn)."""\n# sentry_sdk.init(dsn)\n'
        ),
    }
    result = rule("production.error-tracking", files)
    assert result.status is Status.FAILED
    assert "imported but never used" in result.findings[0].message


def test_test_files_are_not_production_use(rule):
    files = {
        "package.json": pkg("react", "@sentry/react"),
        "src/main.test.tsx": SENTRY_INIT,
        "tests/setup.ts": SENTRY_INIT,
        "src/__tests__/a.tsx": SENTRY_INIT,
    }
    result = rule("production.error-tracking", files)
    assert result.status is Status.FAILED
    assert "installed but never used" in result.findings[0].message


def test_a_sentry_loader_inside_an_html_comment_does_not_count(rule):
    files = {
        "index.html": '<!-- <script src="https://js.sentry-cdn.com/abc.min.js"></script> -->',
        "a.js": "",
    }
    assert rule("production.error-tracking", files).status is Status.FAILED


def test_a_logger_created_but_never_used_does_not_count(rule):
    files = {
        "package.json": pkg("express", "pino"),
        "server.js": "const pino = require('pino');\nconst logger = pino();\nconsole.log('hi');\n",
    }
    result = rule("production.structured-logging", files)
    assert result.status is Status.FAILED
    assert "pino is imported but never used" in result.findings[0].message


def test_a_rate_limiter_created_but_not_applied_does_not_count(rule):
    files = {
        "package.json": pkg("express", "express-rate-limit"),
        "server.js": (
            EXPRESS_SERVER + "import rateLimit from 'express-rate-limit';\n"
            "const limiter = rateLimit({ limit: 100 });\napp.get('/', home);\n"
        ),
    }
    result = rule("production.rate-limiting", files)
    assert result.status is Status.FAILED
    assert "express-rate-limit is imported but never used" in result.findings[0].message


def test_upstash_ratelimit_without_limit_call_does_not_count(rule):
    files = {
        "supabase/functions/chat/index.ts": (
            'import { Ratelimit } from "npm:@upstash/ratelimit";\n'
            "const ratelimit = new Ratelimit({ redis });\nDeno.serve(() => new Response('ok'));\n"
        )
    }
    assert rule("production.rate-limiting", files).status is Status.FAILED


def test_commented_out_throttle_settings_do_not_count(rule):
    files = {
        "requirements.txt": "django==5.0\n",
        "settings.py": "# REST_FRAMEWORK = {'DEFAULT_THROTTLE_RATES': {'anon': '10/min'}}\n",
    }
    assert rule("production.rate-limiting", files).status is Status.FAILED


def test_zod_used_only_with_react_hook_form_is_client_side_validation(rule):
    files = {
        "package.json": pkg("react", "zod", "react-hook-form", "@hookform/resolvers"),
        "src/pages/Signup.tsx": (
            "import { z } from 'zod';\nimport { zodResolver } from '@hookform/resolvers/zod';\n"
            "const schema = z.object({ email: z.string().email() });\n"
            "export function Signup() { useForm({ resolver: zodResolver(schema) }); }\n"
        ),
        "supabase/functions/signup/index.ts": (
            "Deno.serve(async (req) => { const body = await req.json(); });\n"
        ),
    }
    result = rule("production.input-validation", files)
    assert result.status is Status.FAILED
    finding = result.findings[0]
    assert "browser" in finding.message
    assert finding.path == "src/pages/Signup.tsx"
    assert "client-side" in finding.reason or "runs in the browser" in finding.reason


def test_client_validation_passes_when_there_is_no_server_code(rule):
    files = {
        "package.json": json.dumps(
            {
                "dependencies": {"react": "^18", "zod": "^3", "@hookform/resolvers": "^3"},
                "devDependencies": {"vite": "^5"},
            }
        ),
        "src/pages/Signup.tsx": (
            "import { z } from 'zod';\nimport { zodResolver } from '@hookform/resolvers/zod';\n"
            "const schema = z.object({ email: z.string().email() });\n"
            "export function Signup() { useForm({ resolver: zodResolver(schema) }); }\n"
        ),
    }
    result = rule("production.input-validation", files)
    assert result.status is Status.PASSED, result.findings
    assert result.evidence[0].path == "src/pages/Signup.tsx"


def test_a_schema_from_a_shared_module_parsed_in_a_route_counts(rule):
    files = {
        "package.json": pkg("next", "zod"),
        "lib/schemas.ts": "import { z } from 'zod';\nexport const Order = z.object({});\n",
        "app/api/orders/route.ts": (
            "import { Order } from '@/lib/schemas';\n"
            "export async function POST(req: Request) {\n"
            "  const parsed = Order.safeParse(await req.json());\n}\n"
        ),
    }
    result = rule("production.input-validation", files)
    assert result.status is Status.PASSED, result.findings
    assert any(e.path == "app/api/orders/route.ts" and e.line == 3 for e in result.evidence)


def test_fastapi_listed_without_models_is_not_validation(rule):
    files = {
        "requirements.txt": "fastapi\npydantic\n",
        "main.py": "from fastapi import FastAPI\napp = FastAPI()\n@app.get('/')\ndef home(): ...\n",
    }
    result = rule("production.input-validation", files)
    assert result.status is Status.FAILED
    assert result.findings[0].message.startswith("pydantic is installed but never used")


def test_caching_turned_off_everywhere_does_not_count(rule):
    files = {
        "package.json": pkg("next"),
        "app/page.tsx": (
            "export const revalidate = 0;\nexport const dynamic = 'force-dynamic';\n"
            "const r = await fetch(url, { cache: 'no-store' });\n"
        ),
    }
    result = rule("production.caching", files)
    assert result.status is Status.FAILED
    messages = [f.message for f in result.findings]
    assert "Caching turned off: revalidate = 0." in messages
    assert {f.line for f in result.findings} == {1, 2, 3}


def test_react_query_alone_is_browser_caching(rule):
    files = {
        "package.json": pkg("next", "@tanstack/react-query"),
        "app/providers.tsx": (
            "'use client';\nimport { QueryClient } from '@tanstack/react-query';\n"
            "export const client = new QueryClient();\n"
        ),
    }
    result = rule("production.caching", files)
    assert result.status is Status.FAILED
    assert "browser only" in result.findings[0].reason


def test_a_health_path_in_a_comment_or_string_is_no_route(rule):
    files = {
        "package.json": EXPRESS,
        "server.js": (
            "// app.get('/health', ok)\nconst docs = 'see /health';\nconst x = ['/health'];\n"
        ),
    }
    assert rule("production.health-endpoint", files).status is Status.FAILED


def test_a_health_route_file_that_exports_nothing_does_not_answer(rule):
    files = {"package.json": pkg("next"), "app/api/health/route.ts": "// TODO\n"}
    assert rule("production.health-endpoint", files).status is Status.FAILED


def test_helmet_in_a_comment_is_no_security_header(rule):
    files = {
        "package.json": pkg("express", "helmet"),
        "server.js": EXPRESS_SERVER + "import helmet from 'helmet';\n// app.use(helmet());\n",
    }
    result = rule("production.security-headers", files)
    assert result.status is Status.FAILED
    assert "helmet is imported but never used" in result.findings[0].message


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


def test_a_server_route_is_found_behind_many_browser_schemas(rule):
    browser = "import { z } from 'zod';\nexport const S = z.object({});\nS.parse(x);\n"
    files = {
        "package.json": json.dumps(
            {"dependencies": {"react": "^18", "zod": "^3"}, "devDependencies": {"vite": "^5"}}
        ),
        **{f"src/forms/f{i}.ts": browser for i in range(8)},
        "supabase/functions/order/index.ts": (
            "import { z } from 'npm:zod@3';\nconst Order = z.object({ id: z.string() });\n"
            "Deno.serve(async (req) => Order.parse(await req.json()));\n"
        ),
    }
    result = rule("production.input-validation", files)
    assert result.status is Status.PASSED, result.findings
    assert result.evidence[0].path == "supabase/functions/order/index.ts"


def test_a_side_effect_import_starts_the_tracer(rule):
    files = {"package.json": pkg("express", "dd-trace"), "server.js": "import 'dd-trace/init';\n"}
    result = rule("production.error-tracking", files)
    assert result.status is Status.PASSED
    assert (result.evidence[0].path, result.evidence[0].line) == ("server.js", 1)


def test_a_named_class_with_a_factory_method_is_a_call(rule):
    files = {
        "package.json": pkg("next", "@upstash/redis"),
        "lib/redis.ts": (
            "import { Redis } from '@upstash/redis';\nexport const r = Redis.fromEnv();\n"
        ),
    }
    result = rule("production.caching", files)
    assert result.status is Status.PASSED
    assert result.evidence[0].line == 2


def test_posthog_counts_only_for_exception_capture(rule):
    code = "import posthog from 'posthog-js';\nposthog.init('key');\n"
    files = {"package.json": pkg("react", "posthog-js"), "src/main.ts": code}
    assert rule("production.error-tracking", files).status is Status.FAILED
    files["src/main.ts"] = code + "window.onerror = (e) => posthog.captureException(e);\n"
    assert rule("production.error-tracking", files).status is Status.PASSED


def test_a_fastapi_health_route(rule):
    files = {
        "requirements.txt": "fastapi\n",
        "main.py": "@app.get('/healthz')\ndef health():\n    return {'ok': True}\n",
    }
    result = rule("production.health-endpoint", files)
    assert result.status is Status.PASSED
    assert (result.evidence[0].path, result.evidence[0].line) == ("main.py", 1)
