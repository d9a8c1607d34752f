"""engine/usage.py: imports and calls read from code, never from comments or strings."""

from __future__ import annotations

import re

import pytest

from apps.scans.engine.usage import (
    Import,
    analyse,
    dotted_strings,
    is_test_path,
    normalise_specifier,
)


def js(text: str, path: str = "src/a.ts"):
    source = analyse(path, text)
    assert source is not None
    return source


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ('import * as Sentry from "@sentry/react";', [("@sentry/react", "*", "Sentry")]),
        ("import pino from 'pino'", [("pino", "default", "pino")]),
        (
            "import React, { useState as useS, type FC } from 'react'",
            [("react", "default", "React"), ("react", "useState", "useS")],
        ),
        ("import './styles.css'", [("./styles.css", "*", "")]),
        ("const winston = require('winston')", [("winston", "*", "winston")]),
        ("const { z } = require('zod')", [("zod", "z", "z")]),
        ("const { a: b } = require('m')", [("m", "a", "b")]),
        ('import { Ratelimit } from "npm:@upstash/ratelimit@1.0.0"', [
            ("@upstash/ratelimit", "Ratelimit", "Ratelimit")
        ]),
        ("import { z } from 'https://esm.sh/zod@3.22.4'", [("zod", "z", "z")]),
        ("import type { Schema } from 'zod'", []),
    ],
)  # fmt: skip
def test_js_imports(code, expected):
    assert [(i.module, i.name, i.local) for i in js(code).imports] == expected


def test_commented_and_quoted_imports_are_not_imports():
    source = js(
        "// import * as Sentry from '@sentry/react'\n"
        "/* import pino from 'pino' */\n"
        "const s = \"import zod from 'zod'\";\n"
        "const t = `import x from 'y'`;\n"
    )
    assert source.imports == []


def test_calls_of_an_imported_name():
    source = js(
        'import * as Sentry from "@sentry/react";\n'
        "// Sentry.init({})\n"
        "const s = 'Sentry.init(';\n"
        "const re = /Sentry.init(/g;\n"
        "Sentry.init({ dsn });\n"
        "Sentry . captureException(err);\n"
    )
    imp = source.imports[0]
    assert [(u.line, u.text) for u in source.calls(imp, "init")] == [(5, "Sentry.init(")]
    assert [u.line for u in source.calls(imp, "captureException")] == [6]


def test_named_and_default_imports_are_called_directly():
    source = js(
        "import { init } from '@sentry/node';\nimport Redis from 'ioredis';\n"
        "init({});\nconst r = new Redis();\nconst s = new Redis<string>();\n"
    )
    init, redis = source.imports
    assert [u.line for u in source.calls(init, "init")] == [3]
    assert [u.line for u in source.calls(redis)] == [4, 5]


def test_a_member_call_through_a_longer_path():
    source = js("import winston from 'winston';\nconst l = winston.default.createLogger({});\n")
    assert [u.line for u in source.calls(source.imports[0], "createLogger")] == [2]


def test_division_is_not_a_regex_literal():
    source = js("import x from 'x';\nconst a = b / 2; x.init(); const c = d / 3;\n")
    assert [u.line for u in source.calls(source.imports[0], "init")] == [2]


def test_python_imports_and_calls():
    source = analyse(
        "app/main.py",
        "import sentry_sdk\n"
        "import newrelic.agent as nr\n"
        "from pythonjsonlogger import jsonlogger\n"
        "from pydantic import (\n    BaseModel,\n    Field as F,\n)\n"
        "# sentry_sdk.init(dsn)\n"
        '"""sentry_sdk.init(dsn) in a docstring"""\n'
        "sentry_sdk.init(dsn=DSN)\n"
        "fmt = jsonlogger.JsonFormatter()\n",
    )
    assert source is not None
    by_local = {i.local: i for i in source.imports if i.name == "*"}
    assert [u.line for u in source.calls(by_local["sentry_sdk"], "init")] == [10]
    assert by_local["nr"].module == "newrelic.agent"
    assert [u.line for u in source.calls(by_local["jsonlogger"], "JsonFormatter")] == [11]
    named = {(i.module, i.name, i.local) for i in source.imports if i.name != "*"}
    assert ("pydantic", "Field", "F") in named


def test_python_dotted_strings_are_configuration_not_prose():
    source = analyse(
        "settings.py",
        '"""We use pythonjsonlogger.jsonlogger for logs."""\n'
        "LOGGING = {'()': 'pythonjsonlogger.jsonlogger.JsonFormatter'}\n"
        "# 'django_redis.cache.RedisCache'\n",
    )
    assert source is not None
    assert [u.line for u in dotted_strings(source, "pythonjsonlogger")] == [2]
    assert dotted_strings(source, "django_redis") == []


def test_find_ignores_comments_and_strings():
    source = js("// app.use(helmet())\nconst a = 'app.use(helmet())';\napp.use(helmet());\n")
    assert [u.line for u in source.find(re.compile(r"helmet\("))] == [3]


@pytest.mark.parametrize(
    ("spec", "package"),
    [
        ("npm:@upstash/ratelimit@1.0.0", "@upstash/ratelimit"),
        ("https://esm.sh/@supabase/supabase-js@2.39.0", "@supabase/supabase-js"),
        ("https://esm.sh/zod@3.22.4", "zod"),
        ("pino/file", "pino/file"),
        ("@sentry/nextjs", "@sentry/nextjs"),
        ("jsr:@std/http@1/server", "@std/http/server"),
    ],
)
def test_normalise_specifier(spec, package):
    assert normalise_specifier(spec) == package


@pytest.mark.parametrize(
    ("path", "is_test"),
    [
        ("src/App.test.tsx", True),
        ("src/__tests__/a.ts", True),
        ("tests/test_app.py", True),
        ("app/conftest.py", True),
        ("e2e/login.spec.ts", True),
        ("src/components/Button.stories.tsx", True),
        ("src/main.tsx", False),
        ("app/api/health/route.ts", False),
        ("app/latest/page.tsx", False),
    ],
)
def test_is_test_path(path, is_test):
    assert is_test_path(path) is is_test


def test_other_languages_are_not_analysed():
    assert analyse("README.md", "import x from 'y'") is None
    assert analyse("Makefile", "x") is None


def test_imports_of_matches_submodules_and_scopes():
    source = js("import * as S from '@sentry/nextjs/client';\nimport z from 'zodiac';\n")
    assert source.imports_of("@sentry/*") == [Import("@sentry/nextjs/client", "*", "S", 1)]
    assert source.imports_of("zod") == []
