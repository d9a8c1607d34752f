"""Production readiness: error tracking, structured logs, rate limits, security headers,
input validation, a health endpoint, schema migrations and an application cache.

A library rule passes only when the code imports the library and calls it (Sentry `init`, a
zod schema parsed in a route, a rate limiter applied to a route), with the file and line as
evidence (engine/usage.py reads the imports and calls, with comments and strings blanked;
tests do not count). A package that is only listed in a manifest is reported as "installed
but never used", one imported but never called as such. Rules about servers are not
applicable to a static front end with no server code of its own.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from ..content import CODE_SUFFIXES, CONFIG_SUFFIXES, JS_SUFFIXES, Signal, signal
from ..context import ScanContext
from ..manifests import Dependency, normalise_python_name
from ..model import Evidence, Finding
from ..registry import Outcome, failed, not_applicable, passed, rule
from ..usage import Import, Source, Use, analyse, dotted_strings, is_test_path, normalise_specifier
from .helpers import dep_hint, missing

# --- what counts as use ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Tool:
    """A library and the calls that show the code really uses it.

    `calls`: "" is a call of the imported name itself (`pino()`, `new Ratelimit(`), any other
    entry a member call (`Sentry.init(`), or a direct call when that member was imported by
    name (`import { init } from "@sentry/node"`). `applied` further checks a call (a limiter
    created must also be applied). `config`: dotted paths that load the module from Django-style
    settings. `side_effect`: importing these modules alone starts the library.
    """

    label: str
    modules: tuple[str, ...]
    calls: tuple[str, ...] = ("",)
    npm: tuple[str, ...] = ()
    pypi: tuple[str, ...] = ()
    config: tuple[str, ...] = ()
    side_effect: tuple[str, ...] = ()
    applied: Callable[[Source, Use], bool] | None = None
    expect: str = ""  # what a person should find, for messages: "Sentry.init(...)"
    report_unused: bool = True  # False for packages with other uses (posthog: analytics)
    server_only: bool = False  # a use in browser code does not count when there is server code
    needs: tuple[str, ...] = ()  # words a using file must hold; default: the member calls


@dataclass(slots=True)
class Verdict:
    used: list[Evidence] = field(default_factory=list)
    client_only: list[Finding] = field(default_factory=list)
    unused: list[Finding] = field(default_factory=list)  # imported, never called
    unlisted: list[Finding] = field(default_factory=list)  # listed, never imported
    listed: list[Evidence] = field(default_factory=list)


# A schema handed to a form library's resolver runs in the browser, wherever the file sits.
_RESOLVER = re.compile(r"\b(?:zod|yup|joi|valibot|superstruct|class[vV]alidator)Resolver\s*\(")


def _names(tools: Iterable[Tool]) -> tuple[str, str, tuple[str, ...]]:
    """Regular-expression alternatives for the modules the tools are imported as, and the
    dotted settings paths (with those, lower-cased, as keywords)."""
    modules = {m.removesuffix("/*") for t in tools for m in (*t.modules, *t.side_effect)}
    config = {m for t in tools for m in t.config}
    longest_first = sorted(modules, key=len, reverse=True)
    alt = "|".join(re.escape(m) for m in longest_first)
    config_alt = "|".join(re.escape(m) for m in sorted(config, key=len, reverse=True))
    return alt, config_alt, tuple(sorted(m.lower() for m in config))


def import_signals(tools: Iterable[Tool]) -> tuple[Signal, ...]:
    """Signals that find the files worth analysing: the ones that name a tracked module in an
    import (JS `from "m"`, `require("m")`, `import("m")`, Deno's `npm:` and CDN forms; Python
    `import m`, `from m import`) or a dotted settings path. Each starts with a literal, so the
    pass over 10,000 files stays at substring-search speed; usage.py then reads the few files
    found, with comments and strings told apart."""
    alt, config_alt, config_keywords = _names(tools)
    spec = rf"\s*[\"'`](?:npm:|jsr:|https?://[^\"'`\s]{{0,80}}?/)?(?P<value>(?:{alt})(?=[@/\"'`])[^\"'`\s]*)"
    py_module = rf"(?P<value>(?:{alt})(?![\w])[\w.]*)"
    return (
        signal("production-js-from", "from" + spec, keywords=("from",), suffixes=JS_SUFFIXES,
               max_hits=5000),
        signal("production-js-require", r"require\(" + spec, keywords=("require(",),
               suffixes=JS_SUFFIXES, max_hits=5000),
        signal("production-js-import", r"import\s*\(?" + spec, keywords=("import",),
               suffixes=JS_SUFFIXES, max_hits=5000),
        signal("production-py-import", r"import[ \t]+" + py_module, keywords=("import",),
               suffixes={".py"}, max_hits=5000),
        signal("production-py-from", r"from[ \t]+" + py_module + r"[ \t]+import",
               keywords=("from",), suffixes={".py"}, max_hits=5000),
        signal("production-py-settings", rf"[\"'](?P<value>(?:{config_alt})\.?[\w.]*)[\"']",
               keywords=config_keywords, suffixes={".py"}, max_hits=2000),
    )  # fmt: skip


def _uses_module(value: str, module: str) -> bool:
    module = module.removesuffix("/*")
    return value == module or value.startswith((module + "/", module + "."))


class Usage:
    """Sources analysed once per scan and shared by the rules (ctx.shared)."""

    def __init__(self, ctx: ScanContext) -> None:
        self.ctx = ctx
        self._sources: dict[str, Source | None] = {}

    @classmethod
    def of(cls, ctx: ScanContext) -> Usage:
        found = ctx.shared.get("production.usage")
        if not isinstance(found, Usage):
            found = ctx.shared["production.usage"] = cls(ctx)
        return found

    def source(self, path: str) -> Source | None:
        """The file's analysis; None for tests, unreadable files and other languages."""
        if path not in self._sources:
            text = None if is_test_path(path) else self.ctx.read(path)
            self._sources[path] = analyse(path, text) if text is not None else None
        return self._sources[path]

    def paths(self, signals: Iterable[Signal], modules: Iterable[str]) -> list[str]:
        """Files (tests left out) whose signal hits name one of `modules`."""
        wanted = tuple(modules)
        if not wanted:
            return []
        paths: dict[str, None] = {}
        for sig in signals:
            for hit in self.ctx.signal(sig.name):
                value = normalise_specifier(hit.value or "")
                if any(_uses_module(value, m) for m in wanted) and not is_test_path(hit.path):
                    paths.setdefault(hit.path, None)
        return list(paths)

    def sources(self, *signals: Signal, modules: Iterable[str] = ()) -> Iterator[Source]:
        """The analysed files whose signal hits name one of `modules`, read as they are asked
        for: a rule that has seen enough stops reading."""
        for path in self.paths(signals, modules):
            source = self.source(path)
            if source is not None:
                yield source

    def mentions(self, path: str, words: tuple[str, ...]) -> bool:
        """Whether the file's text holds one of `words`: a call of them is possible at all."""
        text = self.ctx.read(path) or ""
        return any(word in text for word in words)


def _listed(ctx: ScanContext, tool: Tool) -> list[Dependency]:
    found: list[Dependency] = []
    for name in tool.npm:
        if name.endswith("/*"):
            found += [
                d
                for key, deps in ctx.manifests.npm_index.items()
                if key.startswith(name[:-1])
                for d in deps
            ]
        else:
            found += ctx.manifests.npm_index.get(name, [])
    for name in tool.pypi:
        found += ctx.manifests.python_index.get(normalise_python_name(name), [])
    return found


def _snippet(ctx: ScanContext, path: str, line: int) -> str:
    return " ".join(ctx.line_text(path, line).split())[:120]


def _tool_uses(source: Source, imp: Import, tool: Tool) -> list[Use]:
    if any(imp.module == m or imp.module.startswith(m + "/") for m in tool.side_effect):
        return [Use(imp.line, f"import {imp.module}")]
    members = [m for m in tool.calls if m]
    uses = source.calls(imp) if "" in tool.calls else []
    if members:
        uses += source.calls(imp, *members)
    if tool.applied is None:
        return uses[:2]
    kept = []
    for use in uses:
        if tool.applied(source, use):
            kept.append(use)
            if len(kept) == 2:  # enough evidence; a schema file calls z.string() hundreds of times
                break
    return kept


_ENOUGH = 4  # evidence items past which the rest of a big repository need not be read
_IDLE_ANALYSED = 5  # files that cannot call a tool, analysed for their "never used" finding


def check_tools(
    ctx: ScanContext, tools: Iterable[Tool], signals: tuple[Signal, ...], *, has_server: bool
) -> Verdict:
    """Which of `tools` the code uses, imports without using, or only lists."""
    usage = Usage.of(ctx)
    verdict = Verdict()
    for tool in tools:
        imported = False
        # A file that never spells the calls that count cannot use the tool: it is analysed
        # only while a few "imported but never used" findings are still wanted. In a repository
        # with thousands of files importing zod, that keeps the rule to the files that parse.
        words = tool.needs or tuple(m for m in tool.calls if m)
        idle = 0
        for path in usage.paths(signals, (*tool.modules, *tool.side_effect)):
            if len(verdict.used) >= _ENOUGH:
                imported = True  # the rule passes: the remaining files need not be read
                break
            if (
                words
                and not tool.side_effect
                and "" not in tool.calls
                and not usage.mentions(path, words)
            ):
                idle += 1
                if idle > _IDLE_ANALYSED:
                    imported = True
                    continue
            if (
                tool.server_only
                and len(verdict.client_only) >= _ENOUGH
                and ctx.is_client_path(path)
            ):
                imported = True  # browser code: a few such findings say it; servers still read
                continue
            source = usage.source(path)
            if source is None:
                continue
            imports = source.imports_of(*tool.modules, *tool.side_effect)
            if not imports:
                continue
            imported = True
            client = ctx.is_client_path(source.path) or bool(source.first(_RESOLVER))
            uses = [u for imp in imports for u in _tool_uses(source, imp, tool)]
            first = imports[0]
            if uses and tool.server_only and client and has_server:
                verdict.client_only.append(
                    Finding(
                        f"{tool.label} is used only in browser code ({source.path}): that is "
                        "client-side validation, which a caller can skip.",
                        source.path,
                        uses[0].line,
                        snippet=uses[0].text,
                        reason=f"{uses[0].text} at {source.path}:{uses[0].line} runs in the "
                        "browser; no server route or action validates the same input",
                    )
                )
            elif uses:
                verdict.used += [
                    Evidence(f"{tool.label}: {u.text}", source.path, u.line) for u in uses[:2]
                ]
            else:
                # A framework (pydantic, DRF) is used for more than this: say what is missing.
                said = "is imported but never used" if tool.calls else "is imported, but"
                verdict.unused.append(
                    Finding(
                        f"{tool.label} {said}: {tool.expect or 'no call of it'} not found in "
                        f"{source.path}.",
                        source.path,
                        first.line,
                        snippet=_snippet(ctx, source.path, first.line),
                        reason=f"{first.module} imported as {first.local or '(side effect)'} at "
                        f"{source.path}:{first.line}, never called "
                        f"({tool.expect or 'a call'} not found outside comments and strings)",
                    )
                )
        for source in usage.sources(*signals, modules=tool.config):
            if source.language != "py":
                continue
            for use in dotted_strings(source, *tool.config):
                imported = True
                verdict.used.append(Evidence(f"{tool.label}: {use.text}", source.path, use.line))
        if imported:
            continue
        for dep in _listed(ctx, tool):
            verdict.listed += [h.evidence for h in dep_hint(dep)]
            if not tool.report_unused:
                continue
            modules = ", ".join(m.removesuffix("/*") for m in tool.modules)
            verdict.unlisted.append(
                Finding(
                    f"{dep.name} is installed but never used: no file imports it.",
                    dep.path,
                    dep.line,
                    snippet=f"{dep.name} in {dep.path.rsplit('/', 1)[-1]}",
                    reason=f"listed in {dep.path}"
                    + (f":{dep.line}" if dep.line else "")
                    + f"; no import of {modules} in the code (comments, strings and tests "
                    "do not count)",
                )
            )
    return verdict


def config_hits(ctx: ScanContext, sig: Signal, detail: str = "") -> list[Evidence]:
    """A configuration signal's hits, minus those on commented-out lines (and, in code, lines
    that are only a comment or inside a string once comments and strings are blanked)."""
    usage = Usage.of(ctx)
    found = []
    for hit in ctx.signal(sig.name):
        if is_test_path(hit.path):
            continue
        text = ctx.line_text(hit.path, hit.line).lstrip()
        if text.startswith(("#", "//", "<!--", ";", "/*", "*")):
            continue
        source = usage.source(hit.path)
        if source is not None and not _code_on_line(source, hit.line):
            continue
        found.append(Evidence(detail or f"{sig.name}: {hit.value or 'match'}", hit.path, hit.line))
    return found


def _code_on_line(source: Source, line: int) -> bool:
    return bool(source.code_line(line).strip(" \t\r'\"`"))


def _outcome(
    verdict: Verdict, extra: list[Evidence], *, ok: str, gap: str, advice: str, note: str = ""
) -> Outcome:
    if verdict.used or extra:
        return passed(ok, [*verdict.used, *extra])
    findings = [*verdict.client_only, *verdict.unused, *verdict.unlisted]
    if findings:
        return failed(gap, findings, evidence=verdict.listed)
    return failed(gap, [Finding(advice, reason=note or "no library for it is listed or imported")])


_NEEDS: dict[str, tuple[Callable[[ScanContext], bool], str]] = {
    "code": (lambda ctx: ctx.has_code, "No code."),
    "backend": (lambda ctx: ctx.has_backend, "No server code of its own."),
    "server": (lambda ctx: ctx.has_server, "No web server of its own."),
}


def _assigned_name(source: Source, use: Use) -> str | None:
    line = source.code_line(use.line)
    m = re.search(
        r"(?:const|let|var|export\s+const)\s+([\w$]+)\s*(?::[^=]+)?=|^\s*(?:self\.)?(\w+)\s*=", line
    )
    return (m.group(1) or m.group(2)) if m else None


def _then_called(*methods: str) -> Callable[[Source, Use], bool]:
    """The created object is kept and one of `methods` is called on it (or it is exported, or
    handed straight to a framework on the same line)."""
    names = "|".join(methods)

    def check(source: Source, use: Use) -> bool:
        line = source.code_line(use.line)
        if re.search(r"\bexport\b|module\.exports|\.use\(|\.register\(", line):
            return True
        name = _assigned_name(source, use)
        if name is None:
            return True  # passed on directly: `app.use(pinoHttp())`, `@limiter.limit(...)`
        pattern = re.compile(rf"(?<![\w$.]){re.escape(name)}\s*\.\s*(?:{names})\s*\(")
        return source.first(pattern) is not None

    return check


_ROUTE_CALL = r"\.(?:use|get|post|put|patch|delete|all|route|options|head)\s*\("


def _applied_to_routes(source: Source, use: Use) -> bool:
    """A middleware created and handed to `app.use(...)` or to a route, directly or by name."""
    line = source.code_line(use.line)
    if re.search(_ROUTE_CALL, line):
        return True
    name = _assigned_name(source, use)
    if name is None:
        return False
    pattern = re.compile(rf"{_ROUTE_CALL}[^;]*?(?<![\w$.]){re.escape(name)}(?![\w$])")
    if source.first(pattern) is not None:
        return True
    return bool(re.search(r"\bexport\b", line))  # a middleware module others apply


# --- the libraries each rule credits, and what counts as their use ---------------------------

ERROR_TRACKERS = (
    Tool("Sentry", ("@sentry/*",), ("init",), npm=("@sentry/*",), expect="Sentry.init(...)"),
    Tool("Sentry", ("sentry_sdk",), ("init",), pypi=("sentry-sdk",), expect="sentry_sdk.init(...)"),
    Tool("Raven", ("raven",), ("Client",), pypi=("raven",), config=("raven.contrib",)),
    Tool("Bugsnag", ("@bugsnag/*", "bugsnag"), ("start", "register", "init", "configure"),
         npm=("@bugsnag/*", "bugsnag"), pypi=("bugsnag",), config=("bugsnag.django",),
         expect="Bugsnag.start(...)"),
    Tool("Rollbar", ("rollbar", "@rollbar/*"), ("", "init"), npm=("rollbar", "@rollbar/*"),
         pypi=("rollbar",), config=("rollbar.contrib",),
         expect="new Rollbar(...) or rollbar.init(...)"),
    Tool("Honeybadger", ("@honeybadger-io/*", "honeybadger"), ("configure",),
         npm=("@honeybadger-io/*",), pypi=("honeybadger",), config=("honeybadger.contrib",),
         expect="Honeybadger.configure(...)"),
    Tool("Datadog", ("@datadog/browser-rum", "@datadog/browser-logs", "dd-trace", "ddtrace"),
         ("init", "patch_all"), npm=("@datadog/browser-rum", "@datadog/browser-logs", "dd-trace"),
         pypi=("ddtrace",), side_effect=("dd-trace/init", "ddtrace.auto"),
         expect="datadogRum.init(...) or tracer.init()"),
    Tool("New Relic", ("newrelic",), ("initialize",), npm=("newrelic", "@newrelic/*"),
         pypi=("newrelic",), expect="require('newrelic') or newrelic.agent.initialize()"),
    Tool("Highlight", ("highlight.run", "@highlight-run/*"), ("init", "H"),
         npm=("highlight.run", "@highlight-run/*"), expect="H.init(...)"),
    Tool("LogRocket", ("logrocket",), ("init",), npm=("logrocket",), expect="LogRocket.init(...)"),
    Tool("Elastic APM", ("elasticapm", "elastic-apm-node"), ("", "start", "Client", "instrument"),
         npm=("elastic-apm-node",), pypi=("elastic-apm",), config=("elasticapm.contrib",)),
    Tool("AppSignal", ("@appsignal/*", "appsignal"), ("", "start"), npm=("@appsignal/*",),
         pypi=("appsignal",)),
    Tool("Airbrake", ("@airbrake/*", "pybrake"), ("", "notify"), npm=("@airbrake/*",),
         pypi=("pybrake",)),
    Tool("PostHog", ("posthog-js", "posthog-node", "posthog"), ("captureException",
         "capture_exception"), npm=("posthog-js", "posthog-node"), report_unused=False,
         expect="posthog.captureException(...)"),
)  # fmt: skip

_LOGS = ("info", "warn", "error", "debug", "fatal", "trace", "log", "child", "msg", "exception",
         "warning", "critical", "bind")  # fmt: skip
_LOGGER_USED = _then_called(*_LOGS)

LOGGERS = (
    Tool("pino", ("pino", "pino-http", "nestjs-pino"), ("", "default", "forRoot", "forRootAsync"),
         npm=("pino", "pino-http", "nestjs-pino"), applied=_LOGGER_USED,
         expect="pino() with the logger used"),
    Tool("winston", ("winston",), ("createLogger",), npm=("winston",), applied=_LOGGER_USED,
         expect="winston.createLogger(...) with the logger used"),
    Tool("bunyan", ("bunyan",), ("createLogger",), npm=("bunyan",), applied=_LOGGER_USED,
         expect="bunyan.createLogger(...) with the logger used"),
    Tool("log4js", ("log4js",), ("configure", "getLogger"), npm=("log4js",), applied=_LOGGER_USED),
    Tool("tslog", ("tslog",), ("Logger",), npm=("tslog",), applied=_LOGGER_USED),
    Tool("Logtail", ("@logtail/*",), ("", "Logtail"), npm=("@logtail/*",), applied=_LOGGER_USED),
    Tool("Axiom", ("@axiomhq/*",), ("", "Logger", "Axiom"), npm=("@axiomhq/*",)),
    Tool("structlog", ("structlog", "django_structlog"), ("configure", "get_logger", "getLogger",
         "wrap_logger"), pypi=("structlog", "django-structlog"), config=("django_structlog",),
         applied=_LOGGER_USED, expect="structlog.configure(...) or structlog.get_logger()"),
    Tool("python-json-logger", ("pythonjsonlogger",), ("JsonFormatter",),
         pypi=("python-json-logger",), config=("pythonjsonlogger",),
         expect="a JsonFormatter in the logging configuration"),
    Tool("json-log-formatter", ("json_log_formatter",), ("JSONFormatter",),
         pypi=("json-log-formatter",), config=("json_log_formatter",)),
    Tool("loguru", ("loguru",), (*_LOGS, "add"), pypi=("loguru",), expect="logger.info(...)"),
    Tool("ECS logging", ("ecs_logging",), ("StdlibFormatter", "StructlogFormatter"),
         pypi=("ecs-logging",), config=("ecs_logging",)),
    Tool("Logfire", ("logfire",), ("configure",), pypi=("logfire",)),
)  # fmt: skip


_LIMITER_CHECKED = _then_called("limit", "consume", "protect", "check", "removeTokens", "hit")


def _slowapi_applied(source: Source, use: Use) -> bool:
    line = source.code_line(use.line)
    return "default_limits" in line or "application_limits" in line or _LIMITER_CHECKED(source, use)


RATE_LIMITERS = (
    Tool("express-rate-limit", ("express-rate-limit", "express-slow-down"),
         ("", "rateLimit", "slowDown"), npm=("express-rate-limit", "express-slow-down"),
         applied=_applied_to_routes, expect="a limiter passed to app.use(...) or a route"),
    Tool("rate-limiter-flexible", ("rate-limiter-flexible",), ("",),
         npm=("rate-limiter-flexible",), applied=_then_called("consume"),
         expect="a limiter whose .consume(...) is called"),
    Tool("@upstash/ratelimit", ("@upstash/ratelimit", "upstash_ratelimit"), ("", "Ratelimit"),
         npm=("@upstash/ratelimit",), applied=_then_called("limit"),
         expect="new Ratelimit(...) with .limit(...) called"),
    Tool("@nestjs/throttler", ("@nestjs/throttler",), ("forRoot", "forRootAsync", "Throttle"),
         npm=("@nestjs/throttler",), expect="ThrottlerModule.forRoot(...)"),
    Tool("hono-rate-limiter", ("hono-rate-limiter",), ("",), npm=("hono-rate-limiter",),
         applied=_applied_to_routes),
    Tool("koa-ratelimit", ("koa-ratelimit",), ("",), npm=("koa-ratelimit",),
         applied=_applied_to_routes),
    Tool("@fastify/rate-limit", ("@fastify/rate-limit",), ("",), npm=("@fastify/rate-limit",)),
    Tool("next-rate-limit", ("next-rate-limit",), ("",), npm=("next-rate-limit",),
         applied=_LIMITER_CHECKED),
    Tool("Arcjet", ("@arcjet/*",), ("",), npm=("@arcjet/*",), applied=_then_called("protect"),
         expect="arcjet(...) with .protect(...) called"),
    Tool("limiter", ("limiter",), ("",), npm=("limiter",), applied=_LIMITER_CHECKED),
    Tool("slowapi", ("slowapi", "flask_limiter"), ("", "Limiter"),
         pypi=("slowapi", "flask-limiter"),
         applied=_slowapi_applied, expect="a Limiter with @limiter.limit(...) or default_limits"),
    Tool("django-ratelimit", ("django_ratelimit", "ratelimit"), ("", "ratelimit"),
         pypi=("django-ratelimit",), expect="@ratelimit(...) on a view"),
    Tool("django-axes", ("axes",), ("",), pypi=("django-axes",), config=("axes.middleware",
         "axes.backends")),
    Tool("fastapi-limiter", ("fastapi_limiter",), ("", "init", "RateLimiter"),
         pypi=("fastapi-limiter",), expect="Depends(RateLimiter(...))"),
    Tool("limits", ("limits",), ("", "hit"), pypi=("limits",), report_unused=False),
)  # fmt: skip

HEADER_LIBRARIES = (
    Tool("helmet", ("helmet", "@fastify/helmet", "koa-helmet"), ("",),
         npm=("helmet", "@fastify/helmet", "koa-helmet"), expect="app.use(helmet())"),
    Tool("next-secure-headers", ("next-secure-headers",), ("", "createSecureHeaders"),
         npm=("next-secure-headers",)),
    Tool("@next-safe/middleware", ("@next-safe/middleware",), ("",),
         npm=("@next-safe/middleware",)),
    Tool("lusca", ("lusca",), ("", "csp", "hsts", "xframe"), npm=("lusca",)),
    Tool("hono secureHeaders", ("hono/secure-headers",), ("secureHeaders",)),
    Tool("Flask-Talisman", ("flask_talisman",), ("", "Talisman"), pypi=("flask-talisman",),
         expect="Talisman(app)"),
    Tool("django-csp", ("csp",), ("csp", "csp_update", "csp_replace"), pypi=("django-csp",),
         config=("csp.middleware", "csp.contrib"),
         expect="csp.middleware.CSPMiddleware in MIDDLEWARE"),
    Tool("secure", ("secure",), ("", "Secure"), pypi=("secure",)),
    Tool("django-permissions-policy", ("django_permissions_policy",), ("",),
         pypi=("django-permissions-policy",), config=("django_permissions_policy",)),
)  # fmt: skip

_PARSE = ("parse", "safeParse", "parseAsync", "safeParseAsync", "validate", "validateSync",
          "validateAsync", "isValid", "assert", "create", "cast", "is", "decode")  # fmt: skip
# A schema built from the library and parsed: `z.object({...}).parse(body)`, `schema.safeParse(`.
_SCHEMA_PARSED = re.compile(
    r"\.\s*(?:" + "|".join(_PARSE) + r")\s*\(|\b(?:safeParse|parse|validate|assert|is)\s*\("
)
_HANDLER_DECORATOR = re.compile(
    r"@\s*\w+\.(?:get|post|put|patch|delete|api_route|route|websocket)\s*\("
)


def _parsed_in_file(source: Source, use: Use) -> bool:
    """A schema library counts when something in the same file is parsed or validated, or
    handed to a form library's resolver (browser validation, which the rule tells apart)."""
    return bool(source.first(_SCHEMA_PARSED) or source.first(_RESOLVER))


VALIDATORS = (
    Tool("zod", ("zod",), ("object", "string", "array", "number", "enum", "union", "coerce"),
         npm=("zod",), applied=_parsed_in_file, server_only=True, needs=("parse", "Resolver"),
         expect="a schema's .parse(...) or .safeParse(...)"),
    Tool("valibot", ("valibot",), ("parse", "safeParse", "parseAsync", "safeParseAsync", "is"),
         npm=("valibot",), server_only=True, expect="v.parse(schema, input)"),
    Tool("yup", ("yup",), ("object", "string", "array", "number"), npm=("yup",),
         applied=_parsed_in_file, server_only=True, expect="schema.validate(...)",
         needs=("validate", "isValid", "cast", "Resolver")),
    Tool("joi", ("joi", "@hapi/joi"), ("object", "string", "array", "number", "assert",
         "attempt"), npm=("joi", "@hapi/joi"), applied=_parsed_in_file, server_only=True,
         expect="schema.validate(...)", needs=("validate", "assert", "attempt", "Resolver")),
    Tool("superstruct", ("superstruct",), ("assert", "create", "validate", "is", "mask"),
         npm=("superstruct",), server_only=True),
    Tool("class-validator", ("class-validator",), ("validate", "validateOrReject", "validateSync"),
         npm=("class-validator",), server_only=True),
    Tool("NestJS ValidationPipe", ("@nestjs/common",), ("ValidationPipe",)),
    Tool("ajv", ("ajv",), ("compile", "validate"), npm=("ajv",), server_only=True,
         expect="ajv.compile(schema)"),
    Tool("express-validator", ("express-validator",), ("body", "check", "query", "param",
         "checkSchema", "validationResult"), npm=("express-validator",), server_only=True),
    Tool("TypeBox", ("@sinclair/typebox",), ("Check", "Decode", "Parse", "Compile"),
         npm=("@sinclair/typebox",), server_only=True),
    Tool("io-ts", ("io-ts",), ("decode", "is"), npm=("io-ts",), server_only=True),
    Tool("arktype", ("arktype",), ("", "type"), npm=("arktype",), server_only=True),
    Tool("VineJS", ("@vinejs/vine",), ("validate", "compile"), npm=("@vinejs/vine",)),
    Tool("runtypes", ("runtypes",), ("check", "guard", "validate"), npm=("runtypes",)),
    Tool("Effect Schema", ("@effect/schema", "effect"), ("decodeUnknown", "decodeUnknownSync",
         "decode"), npm=("@effect/schema",)),
    Tool("vest", ("vest",), ("create",), npm=("vest",)),
    Tool("marshmallow", ("marshmallow",), ("load", "loads", "validate"), pypi=("marshmallow",)),
    Tool("cerberus", ("cerberus",), ("Validator", "validate"), pypi=("cerberus",)),
    Tool("voluptuous", ("voluptuous",), ("Schema",), pypi=("voluptuous",)),
    Tool("jsonschema", ("jsonschema",), ("validate", "Draft7Validator", "Draft202012Validator"),
         pypi=("jsonschema",)),
    Tool("msgspec", ("msgspec",), ("decode", "convert"), pypi=("msgspec",)),
    # Listed-only packages of frameworks that validate through the models below: named when
    # nothing uses them, never counted by being listed.
    Tool("pydantic", ("pydantic", "sqlmodel"), (), pypi=("pydantic", "sqlmodel"),
         expect="a model used by a route handler"),
    Tool("Django REST framework", ("rest_framework",), (), pypi=("djangorestframework",),
         expect="a serializer whose is_valid() is called"),
    Tool("WTForms", ("wtforms", "flask_wtf"), (), pypi=("wtforms", "flask-wtf"),
         expect="a form whose validate_on_submit() is called"),
)  # fmt: skip

# React Hook Form with a resolver validates in the browser only.
CLIENT_VALIDATION = (
    Tool("react-hook-form resolver", ("@hookform/resolvers",), ("", "zodResolver", "yupResolver",
         "joiResolver", "valibotResolver"), npm=("@hookform/resolvers",), report_unused=False),
)  # fmt: skip

CACHES = (
    Tool("redis", ("redis",), ("createClient", "Redis", "StrictRedis", "from_url", "createCluster"),
         npm=("redis",), pypi=("redis",), expect="a Redis client created"),
    Tool("ioredis", ("ioredis",), ("", "Redis", "Cluster"), npm=("ioredis",)),
    Tool("@upstash/redis", ("@upstash/redis",), ("", "Redis", "fromEnv"), npm=("@upstash/redis",)),
    Tool("Vercel KV", ("@vercel/kv",), ("get", "set", "hget", "hset", "createClient"),
         npm=("@vercel/kv",)),
    Tool("Memcached", ("memcached", "memjs", "pymemcache", "memcache"), ("", "Client", "create"),
         npm=("memcached", "memjs"), pypi=("pymemcache", "python-memcached")),
    Tool("node-cache", ("node-cache", "lru-cache", "keyv", "@keyv/redis", "cache-manager"),
         ("", "LRUCache", "Keyv", "caching", "createCache"),
         npm=("node-cache", "lru-cache", "keyv", "@keyv/redis", "cache-manager")),
    Tool("apicache", ("apicache",), ("middleware",), npm=("apicache",)),
    Tool("@nestjs/cache-manager", ("@nestjs/cache-manager",), ("register", "registerAsync"),
         npm=("@nestjs/cache-manager",)),
    Tool("Next.js data cache", ("next/cache",), ("unstable_cache", "cacheLife", "cacheTag")),
    Tool("django-redis", ("django_redis",), ("get_redis_connection",), pypi=("django-redis",),
         config=("django_redis", "django.core.cache.backends.redis",
                 "django.core.cache.backends.memcached", "django.core.cache.backends.db")),
    Tool("Django cache", ("django.core.cache", "django.views.decorators.cache"),
         ("get", "set", "get_or_set", "cache_page", "get_many", "set_many")),
    Tool("Flask-Caching", ("flask_caching",), ("", "Cache"), pypi=("flask-caching",)),
    Tool("cachetools", ("cachetools",), ("cached", "TTLCache", "LRUCache"), pypi=("cachetools",)),
    Tool("aiocache", ("aiocache",), ("cached", "Cache"), pypi=("aiocache",)),
    Tool("fastapi-cache", ("fastapi_cache",), ("init", "cache"), pypi=("fastapi-cache2",)),
    Tool("diskcache", ("diskcache",), ("Cache", "FanoutCache"), pypi=("diskcache",)),
    Tool("django-cacheops", ("cacheops",), ("cached", "cached_as"), pypi=("django-cacheops",),
         config=("cacheops",)),
    Tool("hiredis", ("hiredis",), ("",), pypi=("hiredis",), report_unused=False),
)  # fmt: skip

# One pass over the code finds every file that names one of these libraries.
TOOLS = (*ERROR_TRACKERS, *LOGGERS, *RATE_LIMITERS, *HEADER_LIBRARIES, *VALIDATORS,
         *CLIENT_VALIDATION, *CACHES)  # fmt: skip
IMPORTS = import_signals(TOOLS)


def _library_rule(
    *,
    id: str,
    title: str,
    severity: str,
    checklist_key: str,
    tools: tuple[Tool, ...],
    needs: str,
    doc: str,
    ok: str,
    gap: str,
    advice: str,
    extra: Callable[[ScanContext], list[Evidence]] = lambda ctx: [],
    extra_signals: tuple[Signal, ...] = (),
) -> Callable[[ScanContext], Outcome]:
    """Register a rule that passes when the code uses one of `tools` (or `extra` finds the
    configuration that does the job), and names what is only listed or only imported."""
    applies, reason = _NEEDS[needs]

    def check(ctx: ScanContext) -> Outcome:
        if not applies(ctx):
            return not_applicable(reason)
        verdict = check_tools(ctx, tools, IMPORTS, has_server=ctx.has_backend)
        return _outcome(verdict, extra(ctx), ok=ok, gap=gap, advice=advice)

    check.__doc__ = doc
    check.__name__ = check.__qualname__ = id.rsplit(".", 1)[-1].replace("-", "_")
    rule(
        id=id,
        title=title,
        category="production",
        severity=severity,
        checklist_keys=(checklist_key,),
        signals=(*IMPORTS, *extra_signals),
    )(check)
    return check


# --- error tracking ----------------------------------------------------------------------------

# Sentry's loader script initialises itself; an HTML comment around it does not count.
SENTRY_LOADER = signal(
    "sentry-loader",
    r"<script[^>]*src=[\"'][^\"']*(?P<value>sentry-cdn\.com)",
    keywords=("sentry-cdn",),
    suffixes={".html", ".htm"},
    max_hits=3,
)


def _sentry_loader(ctx: ScanContext) -> list[Evidence]:
    return config_hits(ctx, SENTRY_LOADER, "Sentry loader script")


error_tracking = _library_rule(
    id="production.error-tracking",
    title="Errors are reported to an error tracker",
    severity="medium",
    checklist_key="observability.error-tracking",
    tools=ERROR_TRACKERS,
    needs="code",
    doc="""An error tracker the code starts: `Sentry.init(...)` / `sentry_sdk.init(...)` (in
    @sentry/nextjs's sentry.*.config files too), Bugsnag, Rollbar, Honeybadger, Datadog, New
    Relic, Highlight, LogRocket, PostHog exception capture, or Sentry's loader script. A package
    that is only installed, or imported and never initialised, reports nothing.""",
    ok="Errors go to an error tracker.",
    gap="No error tracking.",
    advice="No error tracker (Sentry, Bugsnag, Rollbar...): production errors go unseen.",
    extra=_sentry_loader,
    extra_signals=(SENTRY_LOADER,),
)


# --- structured logging ------------------------------------------------------------------------

structured_logging = _library_rule(
    id="production.structured-logging",
    title="Logs are structured",
    severity="low",
    checklist_key="observability.structured-logging",
    tools=LOGGERS,
    needs="backend",
    doc="""A structured logger (pino, winston, bunyan, structlog, python-json-logger, loguru...)
    created and used in server code, or named in the logging settings, so that a log service
    can search the records; bare print/console.log does not count, nor a logger only
    installed.""",
    ok="Logs are structured.",
    gap="No structured logging.",
    advice="No structured logging (pino, winston, structlog, JSON formatter): logs cannot be "
    "searched or correlated.",
)


# --- rate limiting -----------------------------------------------------------------------------

RATE_LIMIT_CONFIG = signal(
    "rate-limit-config",
    r"(?P<value>DEFAULT_THROTTLE_RATES|DEFAULT_THROTTLE_CLASSES|throttle_classes|limit_req_zone"
    r"|limit_req\s)",
    keywords=("throttle", "limit_req"),
    suffixes=CODE_SUFFIXES | {".conf"},
    names=("nginx.conf",),
    max_hits=3,
)
# A limiter written by hand against a table or function in the database (Supabase edge
# functions often do this): the call from server code is the use.
RATE_LIMIT_CALL = signal(
    "rate-limit-call",
    r"\.(?:rpc|from)\(\s*[\"'](?P<value>[\w.]*rate_?limit\w*)",
    flags=re.IGNORECASE,
    keywords=("rate_limit", "ratelimit"),
    suffixes=JS_SUFFIXES | {".py"},
    max_hits=3,
)


def _rate_limit_config(ctx: ScanContext) -> list[Evidence]:
    found = config_hits(ctx, RATE_LIMIT_CONFIG)
    found += [
        e
        for e in config_hits(ctx, RATE_LIMIT_CALL, "database rate limit")
        if not ctx.is_client_path(e.path or "")
    ]
    return found


rate_limiting = _library_rule(
    id="production.rate-limiting",
    title="Requests are rate limited",
    severity="medium",
    checklist_key="security.rate-limiting",
    tools=RATE_LIMITERS,
    needs="backend",
    doc="""A rate limiter applied to the server's endpoints: express-rate-limit passed to
    `app.use` or a route, @upstash/ratelimit's `.limit(...)` called (in Supabase edge functions
    too), rate-limiter-flexible's `.consume`, slowapi / Flask-Limiter decorators,
    django-ratelimit, DRF throttling, nginx limit_req. Without one, an API that calls a paid LLM
    can be run up.""",
    ok="Requests are rate limited.",
    gap="No rate limiting.",
    advice="No rate limiting on the server: endpoints (and the paid APIs behind them) can be "
    "flooded.",
    extra=_rate_limit_config,
    extra_signals=(RATE_LIMIT_CONFIG, RATE_LIMIT_CALL),
)


# --- security headers --------------------------------------------------------------------------

SECURITY_HEADERS = signal(
    "security-headers",
    r"(?P<value>Content-Security-Policy|Strict-Transport-Security|X-Frame-Options"
    r"|X-Content-Type-Options|SECURE_HSTS_SECONDS|SECURE_CONTENT_TYPE_NOSNIFF"
    r"|CONTENT_SECURITY_POLICY|secureHeaders\()",
    flags=re.IGNORECASE,
    keywords=("secur", "x-frame", "x-content"),
    suffixes=CODE_SUFFIXES | CONFIG_SUFFIXES,
    names=("_headers", "caddyfile", ".htaccess", "nginx.conf"),
    max_hits=3,
)  # fmt: skip


security_headers = _library_rule(
    id="production.security-headers",
    title="Security headers are set",
    severity="medium",
    checklist_key="security.security-headers",
    tools=HEADER_LIBRARIES,
    needs="code",
    doc="""Content-Security-Policy, HSTS, X-Frame-Options and friends: `helmet()` applied,
    Flask-Talisman, django-csp's middleware or SECURE_* settings, Next.js `headers()`,
    vercel.json, netlify.toml or a `_headers` file (commented-out lines do not count).""",
    ok="Security headers are configured.",
    gap="No security headers.",
    advice="No Content-Security-Policy, HSTS or X-Frame-Options configured anywhere.",
    extra=lambda ctx: config_hits(ctx, SECURITY_HEADERS),
    extra_signals=(SECURITY_HEADERS,),
)


# --- input validation --------------------------------------------------------------------------

# Python schema classes: pydantic models, DRF serializers, Django and WTForms forms.
PY_SCHEMA_CLASS = signal(
    "python-schema-class",
    r"(?m)^[ \t]*class[ \t]+(?P<value>\w+)[ \t]*\([^)]*?(?:BaseModel|SQLModel|Schema|Serializer"
    r"|forms\.(?:Model)?Form|ModelForm|FlaskForm|\bForm)\b",
    keywords=("basemodel", "sqlmodel", "schema", "serializer", "form"),
    suffixes={".py"},
    max_hits=200,
)
_PY_VALIDATES = re.compile(
    r"\.\s*(?:is_valid|validate_on_submit|model_validate|model_validate_json|parse_obj"
    r"|parse_raw|validate)\s*\(|\b(?:form_class|serializer_class)\s*="
)


def _python_schemas(ctx: ScanContext) -> list[Evidence]:
    """Schema classes used on the way in: a pydantic model typing a FastAPI handler's
    parameter, a serializer or form whose is_valid() is called or that a view names as its
    form_class / serializer_class, a model_validate() call."""
    usage = Usage.of(ctx)
    classes: dict[str, tuple[str, int]] = {}
    for hit in ctx.signal(PY_SCHEMA_CLASS.name):
        source = usage.source(hit.path)
        if source is not None and hit.value and _code_on_line(source, hit.line):
            classes.setdefault(hit.value, (hit.path, hit.line))
    if not classes:
        return []
    names = "|".join(re.escape(n) for n in classes)
    annotated = re.compile(rf":\s*(?:list\[|List\[|Optional\[)?(?:{names})\b")
    found: list[Evidence] = []
    paths = {p for p, _ in classes.values()}
    paths |= {
        h.path for h in (*ctx.signal(HANDLER_ROUTES.name), *ctx.signal(PY_VALIDATE_CALL.name))
    }
    for path in sorted(paths):
        source = usage.source(path)
        if source is None or source.language != "py":
            continue
        if source.first(_HANDLER_DECORATOR):
            found += [
                Evidence(f"request model in a route handler: {u.text}", path, u.line)
                for u in source.find(annotated)[:2]
            ]
        for use in source.find(_PY_VALIDATES)[:2]:
            found.append(Evidence(f"input validated: {use.text}", path, use.line))
    return found


HANDLER_ROUTES = signal(
    "python-route-handlers",
    r"@[ \t]*\w+\.(?P<value>get|post|put|patch|delete|api_route|route)[ \t]*\(",
    keywords=("@",),
    suffixes={".py"},
    max_hits=200,
)
PY_VALIDATE_CALL = signal(
    "python-validate-call",
    r"(?P<value>is_valid|validate_on_submit|model_validate|parse_obj|form_class|serializer_class)\b",
    keywords=("is_valid", "validate_on_submit", "model_validate", "parse_obj", "_class"),
    suffixes={".py"},
    max_hits=200,
)
# Files that parse with a schema defined elsewhere (`import { signupSchema } from "@/lib/schemas"`).
SCHEMA_CALL = signal(
    "schema-parse-call",
    r"\.(?P<value>safeParse|safeParseAsync|parseAsync|validateSync|validateAsync)\(",
    keywords=("safeparse", "parseasync", "validatesync", "validateasync"),
    suffixes=JS_SUFFIXES,
    max_hits=200,
)
_LOCAL_SPEC = re.compile(r"^(?:\.{1,2}/|@/|~/|#/|src/)")


def _schema_modules(ctx: ScanContext) -> list[Evidence]:
    """Server files that parse input with a schema imported from a local module that itself
    imports a validation library."""
    usage = Usage.of(ctx)
    libraries = {
        path.rsplit(".", 1)[0] for path in usage.paths(IMPORTS, ("zod", "yup", "joi", "valibot"))
    }
    if not libraries:
        return []
    found = []
    for hit in ctx.signal(SCHEMA_CALL.name):
        source = usage.source(hit.path)
        if source is None or ctx.is_client_path(hit.path):
            continue
        local = [i for i in source.imports if _LOCAL_SPEC.match(i.module)]
        for imp in local:
            stem = re.sub(r"^(?:\.{1,2}/)+|^[@~#]/", "", imp.module).removesuffix("/index")
            if any(p.endswith((stem, stem + "/index")) for p in libraries):
                found.append(Evidence(f"schema from {imp.module} parsed", hit.path, hit.line))
                break
    return found[:3]


_VALIDATION_SIGNALS_EXTRA = (PY_SCHEMA_CLASS, HANDLER_ROUTES, PY_VALIDATE_CALL, SCHEMA_CALL)


@rule(
    id="production.input-validation",
    title="Input is validated with a schema library",
    category="production",
    severity="medium",
    checklist_keys=("security.input-validation",),
    signals=(*IMPORTS, *_VALIDATION_SIGNALS_EXTRA),
)
def input_validation(ctx: ScanContext) -> Outcome:
    """A schema that server code uses on incoming data: a zod/yup/joi/valibot schema parsed in a
    route handler, server action or edge function (`.parse`, `.safeParse`), a pydantic model
    typing a FastAPI handler, a DRF serializer or Django form whose `is_valid()` is called. A
    library only listed in package.json does not count; react-hook-form with a resolver
    validates in the browser only, which a caller skips, so it does not count when the
    repository has server code (in a static front end it is all there is, and it passes)."""
    if not ctx.has_code:
        return not_applicable("No code.")
    server = ctx.has_backend
    verdict = check_tools(ctx, VALIDATORS, IMPORTS, has_server=server)
    # Schemas used across files cost a wider read: only when no direct use was found.
    extra = [] if verdict.used else _python_schemas(ctx) + _schema_modules(ctx)
    client = check_tools(ctx, CLIENT_VALIDATION, IMPORTS, has_server=False)
    if client.used and not verdict.used and not extra:
        first = client.used[0]
        if not server:
            return passed("Input is validated in the browser (no server code of its own).",
                          client.used)  # fmt: skip
        verdict.client_only.append(
            Finding(
                "Forms are validated in the browser only (react-hook-form resolver): the "
                "server accepts whatever a caller sends.",
                first.path,
                first.line,
                snippet=first.detail,
                reason=f"{first.detail} at {first.path}:{first.line} is client-side; no schema is "
                "parsed in a route handler, server action or function",
            )
        )
    if verdict.client_only and not server:
        verdict.used += [Evidence(f.message, f.path, f.line) for f in verdict.client_only]
        verdict.client_only = []
    return _outcome(
        verdict,
        extra,
        ok="Input is validated with a schema.",
        gap="No input validation.",
        advice="No schema validation (zod, yup, pydantic...): request data is trusted.",
    )


# --- health endpoint ---------------------------------------------------------------------------

HEALTH_ROUTE = signal(
    "health-route",
    r"[\"'`]\^?/?(?:api/(?:v\d+/)?)?(?P<value>health(?:z|check|-check|_check)?|readyz|livez"
    r"|readiness|liveness|ping|_health)/?\$?[\"'`]",
    flags=re.IGNORECASE,
    keywords=("health", "readyz", "livez", "ping"),
    suffixes=CODE_SUFFIXES,
    max_hits=20,
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
# The path is the first argument of a route registration: app.get('/health', ...),
# path("healthz/", ...), @app.get("/health"); a string anywhere else is not a route.
_ROUTE_REGISTRATION = re.compile(
    r"(?:\.(?:get|head|all|route|use|api_route|add_api_route|add_url_rule|on)|\b(?:path|re_path"
    r"|url|Route|HttpGet|Get))\s*\(\s*(?:[\"'`]|$)"
)
_ANSWERS = re.compile(
    r"\bexport\s+(?:async\s+)?function\s+(?:GET|HEAD|handler)\b|\bexport\s+const\s+(?:GET|HEAD)\b"
    r"|\bexport\s+default\b|\bDeno\.serve\s*\(|\bserve\s*\("
)


def _health_routes(ctx: ScanContext) -> list[Evidence]:
    usage = Usage.of(ctx)
    found = []
    for hit in ctx.signal(HEALTH_ROUTE.name):
        source = usage.source(hit.path)
        if source is None:
            continue
        line = source.code_line(hit.line)
        if _ROUTE_REGISTRATION.search(line):
            found.append(Evidence(f"route {hit.value}", hit.path, hit.line))
    for entry in ctx.files_matching(_HEALTH_FILE)[:3]:
        source = usage.source(entry.path)
        answers = source.first(_ANSWERS) if source is not None else None
        if answers is not None:
            found.append(Evidence("health route file", entry.path, answers.line))
    return found


@rule(
    id="production.health-endpoint",
    title="A health endpoint lets the platform check the app",
    category="production",
    severity="low",
    checklist_keys=("deployment.health-check",),
    signals=(HEALTH_ROUTE, HEALTH_CONFIG),
)
def health_endpoint(ctx: ScanContext) -> Outcome:
    """A route that answers at /health, /healthz or /api/health (registered in code, or a file
    route that exports a handler), or a health check configured for the platform: Dockerfile
    HEALTHCHECK, Kubernetes probes, healthCheckPath (Render, Railway), fly.toml checks. A path
    in a comment or a string that no route registers does not count."""
    if not ctx.has_server:
        return not_applicable("No web server of its own.")
    found = _health_routes(ctx) + config_hits(ctx, HEALTH_CONFIG, "health check config")
    if found:
        return passed("A health check exists.", found)
    return failed(
        "No health endpoint.",
        [
            Finding(
                "No /health endpoint or platform health check: a broken deploy stays in service.",
                reason="no route registered for /health, /healthz, /readyz or /api/health, no "
                "health route file that exports a handler, no platform health check",
            )
        ],
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


# --- caching -----------------------------------------------------------------------------------

# Next.js route segment and fetch settings: whether they turn the data cache on or off.
NEXT_CACHE = signal(
    "next-cache",
    r"(?P<value>revalidate\s*[=:]\s*(?:\d+|false)|cache\s*:\s*[\"'](?:no-store|force-cache)[\"']"
    r"|dynamic\s*=\s*[\"']force-(?:dynamic|static)[\"']|[\"']use cache(?::\s*\w+)?[\"'])",
    keywords=(
        "revalidate",
        "no-store",
        "force-cache",
        "force-dynamic",
        "force-static",
        "use cache",
    ),
    suffixes=JS_SUFFIXES,
    max_hits=200,
)
HTTP_CACHE_HEADER = signal(
    "http-cache-header",
    r"(?P<value>Cache-Control)[\"']?\s*[:,]\s*[\"'][^\"']*(?:max-age=[1-9]|s-maxage=[1-9])",
    flags=re.IGNORECASE,
    keywords=("cache-control",),
    suffixes=CODE_SUFFIXES,
    max_hits=3,
)
_CACHE_OFF = re.compile(r"revalidate\s*[=:]\s*0\b|no-store|force-dynamic")
CLIENT_CACHES = ("@tanstack/react-query", "react-query", "swr", "@apollo/client", "@urql/*")


def _next_cache(ctx: ScanContext) -> tuple[list[Evidence], list[Finding]]:
    """Next.js caching that is on (a positive revalidate, force-cache, force-static, `"use
    cache"`), and the settings that turn it off (`revalidate = 0`, `cache: 'no-store'`,
    `dynamic = 'force-dynamic'`), which never count."""
    on: list[Evidence] = []
    off: list[Finding] = []
    usage = Usage.of(ctx)
    for hit in ctx.signal(NEXT_CACHE.name):
        source = usage.source(hit.path)
        value = " ".join((hit.value or "").split())
        if source is None or ctx.is_client_path(hit.path):
            continue
        code = source.code_line(hit.line)
        text = ctx.line_text(hit.path, hit.line)
        if value.startswith(("'use cache", '"use cache')):
            if text.strip().strip(";").strip() == value:  # a directive, not a string in code
                on.append(Evidence(f"directive {value}", hit.path, hit.line))
            continue
        if not _code_on_line(source, hit.line) or value.split()[0].rstrip("=:") not in code:
            continue
        if _CACHE_OFF.search(value):
            off.append(
                Finding(
                    f"Caching turned off: {value}.",
                    hit.path,
                    hit.line,
                    snippet=_snippet(ctx, hit.path, hit.line),
                    reason=f"{value} at {hit.path}:{hit.line} disables the Next.js data cache; "
                    "it does not count as caching",
                )
            )
        else:
            on.append(Evidence(f"Next.js cache: {value}", hit.path, hit.line))
    return on, off


def _client_cache_note(ctx: ScanContext) -> str:
    dep = ctx.manifests.npm(*CLIENT_CACHES)
    if dep is None:
        return ""
    return (
        f"{dep.name} caches in the browser only (one user's tab); it does not count as a "
        "server-side cache"
    )


@rule(
    id="production.caching",
    title="An application cache is in place",
    category="production",
    severity="low",
    checklist_keys=("caching.application-cache",),
    signals=(*IMPORTS, NEXT_CACHE, HTTP_CACHE_HEADER),
)
def caching(ctx: ScanContext) -> Outcome:
    """A server-side cache the code uses: a Redis or Memcached client created, Django's cache
    framework with a shared backend (CACHES) or `cache_page`, Flask-Caching, cachetools, the
    Next.js data cache (`unstable_cache`, a positive `revalidate`, `"use cache"`) or HTTP
    caching headers set by the server. Settings that turn caching off (`revalidate = 0`,
    `cache: 'no-store'`, `dynamic = 'force-dynamic'`) do not count, and React Query, SWR or
    Apollo cache in the browser only, so they do not count either."""
    if not ctx.has_server:
        return not_applicable("No web server of its own.")
    verdict = check_tools(ctx, CACHES, IMPORTS, has_server=True)
    on, off = _next_cache(ctx)
    extra = on + config_hits(ctx, HTTP_CACHE_HEADER, "Cache-Control max-age set")
    if not (verdict.used or extra) and off:
        verdict.unused = off + verdict.unused
    note = _client_cache_note(ctx)
    outcome = _outcome(
        verdict,
        extra,
        ok="An application cache is in place.",
        gap="No application cache.",
        advice="No server-side cache (Redis, Memcached, framework cache): every request hits "
        "the database.",
        note=note,
    )
    if note and outcome.findings:
        first = outcome.findings[0]
        reason = f"{first.reason}; {note}" if first.reason and note not in first.reason else note
        outcome.findings[0] = Finding(
            first.message, first.path, first.line, first.severity, first.snippet,
            first.fingerprint, reason,
        )  # fmt: skip
    return outcome
