"""API exposure: HTTP routes that read or write data with no authentication check on their path
(Express, Next.js route handlers and pages/api, FastAPI, Flask), and CORS that lets any origin
call the API with the visitor's cookies."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..content import CODE_SUFFIXES, JS_SUFFIXES, signal
from ..context import ScanContext
from ..model import Evidence, Finding, Severity
from ..registry import Outcome, failed, not_applicable, passed, rule
from ..textutil import LineIndex

MAX_ROUTE_FILES = 400
_PY_JS = JS_SUFFIXES | {".py"}

# A route declared with a literal path ("/..."): the rule reads only the files this finds,
# plus Next.js route files, which it knows by name.
ROUTE_DECLARATION = signal(
    "api-route-declaration",
    r"\.(?:get|post|put|patch|delete|all|route|api_route)\(\s*[\"'`]/",
    keywords=(".get(", ".post(", ".put(", ".patch(", ".delete(", ".all(", ".route(", "api_route"),
    suffixes=_PY_JS,
    max_hits=5000,
)
CORS_MENTION = signal(
    "cors-mention",
    r"(?i)(?:cors|access-control-allow-credentials)",
    keywords=("cors", "access-control-allow-credentials"),
    suffixes=CODE_SUFFIXES,
    max_hits=200,
)

_EXPRESS_ROUTE = re.compile(
    r"\b(?P<obj>[A-Za-z_$][\w$]*)\.(?P<method>get|post|put|patch|delete|all)\(\s*"
    r"(?P<q>[\"'`])(?P<path>/[^\"'`]*)(?P=q)"
)
_PY_ROUTE = re.compile(
    r"^[ \t]*@(?P<obj>\w+)\.(?P<method>get|post|put|patch|delete|route|api_route)\(\s*"
    r"[\"'](?P<path>/[^\"']*)[\"'](?P<args>[^\n]*)",
    re.MULTILINE,
)
_NEXT_HANDLER = re.compile(
    r"^export\s+(?:async\s+function\s+|function\s+|const\s+)(?P<method>GET|POST|PUT|PATCH|DELETE)\b",
    re.MULTILINE,
)
_DATA_CALL = re.compile(
    r"\bprisma\.\w+\.\w+\(|\bdb\.(?:query|select|insert|update|delete|execute|collection|\w+\.find)"
    r"|\.from\(\s*[\"'`]\w+[\"'`]\s*\)|\bknex\(|\b(?:pool|client|conn|connection)\.query\("
    r"|\bsql`|\.find(?:One|Many|ById|Unique|First)?\(|\.(?:insertOne|insertMany|updateOne"
    r"|updateMany|deleteOne|deleteMany|findOneAndUpdate|aggregate)\(|\.create\(\s*\{"
    r"|\bcursor\.execute\(|\bsession\.(?:query|add|execute|get|delete)\(|\.objects\.\w+\("
    r"|\.query\.filter|\bdb\.session\.|\bcollection\(|\bgetDocs?\(|\bsetDoc\(|\baddDoc\("
)
_AUTH_CHECK = re.compile(
    r"getServerSession|\bauth\(\s*\)|currentUser\(|getAuth\(|auth\.getUser\(|getUser\("
    r"|getSession\(|verifyToken|verifyJWT|jwt\.verify|jwtVerify|jwt\.decode\(|\breq\.user\b"
    r"|\brequest\.user\b|Depends\(\s*\w*(?:current_user|user|auth|token|verify)\w*"
    r"|Security\(|HTTPBearer|OAuth2PasswordBearer|current_user|login_required|jwt_required"
    r"|requires?_auth|auth_required|verify_id_token|verifyIdToken|withAuth|requireAuth"
    r"|isAuthenticated|ensureAuth\w*|authenticate\w*\b|passport\.authenticate|checkJwt"
    r"|requireUser|\bprotect\b|getToken\(|validateRequest\(|clerkClient|\bauthorize\w*\(",
    re.IGNORECASE,
)
_SIGNATURE_CHECK = re.compile(
    r"constructEvent|webhooks?\.verify|verifySignature|verify_signature|createHmac|hmac\."
    r"|timingSafeEqual|compare_digest|new\s+Webhook\(|svix|stripe-signature|x-hub-signature",
    re.IGNORECASE,
)
_PUBLIC_PATH = re.compile(
    r"/(?:health\w*|ready\w*|live\w*|ping|status|version|metrics|robots\.txt|sitemap\w*"
    r"|favicon\w*)(?:/|$)|/auth/|/auth$|callback|/login|/signup|/sign-up|/register|/logout"
    r"|/oauth|/forgot|/reset-password|/verify-email|nextauth|/\.well-known/",
    re.IGNORECASE,
)
_WEBHOOK_PATH = re.compile(r"webhook|/hooks?/", re.IGNORECASE)
_USE_AUTH = re.compile(
    r"\.use\(\s*(?:[\"'`][^\"'`]*[\"'`]\s*,\s*)?[^)]*?(?:auth|jwt|passport|clerk|protect"
    r"|requireUser|isAuthenticated)",
    re.IGNORECASE,
)
_BEFORE_REQUEST_AUTH = re.compile(r"@\w+\.before_(?:app_)?request", re.IGNORECASE)
_ROUTER_DEPENDENCIES = re.compile(
    r"APIRouter\([^)]*dependencies\s*=\s*\[[^\]]*(?:user|auth|token|verify)", re.IGNORECASE
)
_MATCHER = re.compile(r"matcher\s*:\s*(?P<value>\[[^\]]*\]|[\"'`][^\"'`]*[\"'`])")
_WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE", "ANY"})


@dataclass(frozen=True, slots=True)
class Route:
    method: str
    path: str
    file: str
    line: int
    body: str  # the handler's text, as far as the next route
    guarded_by: str | None = None  # middleware or router-level check covering it

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"


def _routes(ctx: ScanContext) -> list[Route]:
    files = list(dict.fromkeys(h.path for h in ctx.signal(ROUTE_DECLARATION.name)))
    next_files = [
        p
        for p, e in ctx.snapshot.files.items()
        if e.suffix in JS_SUFFIXES
        and (
            re.search(r"(?:^|/)app/(?:.*/)?route\.[jt]sx?$", p)
            or re.search(r"(?:^|/)pages/api/", p)
        )
    ]
    routes: list[Route] = []
    middleware = _next_middleware(ctx)
    for path in (next_files + [f for f in files if f not in next_files])[:MAX_ROUTE_FILES]:
        text = ctx.read(path)
        if not text:
            continue
        if path in next_files:
            routes += _next_routes(path, text, middleware)
        elif path.endswith(".py"):
            routes += _python_routes(path, text)
        else:
            routes += _express_routes(path, text)
    return routes


def _cut(text: str, starts: list[int]) -> list[str]:
    ends = [*starts[1:], len(text)]
    return [text[s:e] for s, e in zip(starts, ends, strict=True)]


def _express_routes(path: str, text: str) -> list[Route]:
    index = LineIndex(text)
    matches = list(_EXPRESS_ROUTE.finditer(text))
    uses = [m.start() for m in _USE_AUTH.finditer(text)]
    routes = []
    for m, body in zip(matches, _cut(text, [m.start() for m in matches]), strict=True):
        guard = next((text[u : u + 60].split("\n", 1)[0] for u in uses if u < m.start()), None)
        routes.append(
            Route(
                m.group("method").upper().replace("ALL", "ANY"),
                m.group("path"),
                path,
                index.line(m.start()),
                body[:4000],
                guard,
            )
        )
    return routes


def _python_routes(path: str, text: str) -> list[Route]:
    index = LineIndex(text)
    matches = list(_PY_ROUTE.finditer(text))
    guard = None
    if _BEFORE_REQUEST_AUTH.search(text) and _AUTH_CHECK.search(text):
        guard = "a before_request hook checks the user"
    if _ROUTER_DEPENDENCIES.search(text):
        guard = "the router's dependencies check the user"
    routes = []
    for m, body in zip(matches, _cut(text, [m.start() for m in matches]), strict=True):
        method = m.group("method").upper()
        if method in {"ROUTE", "API_ROUTE"}:
            methods = re.search(r"methods\s*=\s*\[([^\]]*)\]", m.group("args"))
            names = re.findall(r"\w+", methods.group(1).upper()) if methods else ["GET"]
            method = "/".join(names)
        routes.append(
            Route(method, m.group("path"), path, index.line(m.start()), body[:4000], guard)
        )
    return routes


def _next_path(file: str) -> str:
    if "pages/api/" in file:
        rest = file.split("pages/api/", 1)[1].rsplit(".", 1)[0]
        rest = re.sub(r"(?:^|/)index$", "", rest)
        return "/api/" + rest if rest else "/api"
    rest = file.split("app/", 1)[1].rsplit("/", 1)[0] if "/" in file.split("app/", 1)[1] else ""
    parts = [p for p in rest.split("/") if p and not (p.startswith("(") and p.endswith(")"))]
    return "/" + "/".join(parts)


def _next_routes(
    path: str, text: str, middleware: tuple[str, list[str] | None] | None
) -> list[Route]:
    index = LineIndex(text)
    url = _next_path(path)
    guard = _middleware_covers(middleware, url)
    if "pages/api/" in path:
        methods = sorted(set(re.findall(r"method\s*===?\s*[\"'](GET|POST|PUT|PATCH|DELETE)", text)))
        return [Route("/".join(methods) or "ANY", url, path, 1, text[:8000], guard)]
    matches = list(_NEXT_HANDLER.finditer(text))
    return [
        Route(m.group("method"), url, path, index.line(m.start()), body[:4000], guard)
        for m, body in zip(matches, _cut(text, [m.start() for m in matches]), strict=True)
    ]


def _next_middleware(ctx: ScanContext) -> tuple[str, list[str] | None] | None:
    """The Next.js middleware that checks users, with its matcher patterns (None: all paths)."""
    for candidate in ("middleware.ts", "middleware.js", "src/middleware.ts", "src/middleware.js"):
        text = ctx.read(candidate) if ctx.snapshot.file(candidate) else None
        if not text or not re.search(
            r"clerkMiddleware|authMiddleware|withAuth|auth\(|getToken\(|updateSession|auth\.getUser"
            r"|getSession|jwtVerify|NextAuth",
            text,
        ):
            continue
        m = _MATCHER.search(text)
        patterns = re.findall(r"[\"'`]([^\"'`]+)[\"'`]", m.group("value")) if m else None
        return candidate, patterns
    return None


def _middleware_covers(middleware: tuple[str, list[str] | None] | None, url: str) -> str | None:
    if middleware is None:
        return None
    file, patterns = middleware
    if patterns is None:
        return f"{file} (no matcher: every path)"
    for pattern in patterns:
        regex = re.sub(r":\w+\*", ".*", pattern)
        regex = re.sub(r":\w+\+", ".+", regex)
        regex = re.sub(r":\w+", "[^/]+", regex)
        try:
            if re.fullmatch(regex, url) or re.fullmatch(regex, url + "/"):
                return f"{file} (matcher {pattern})"
        except re.error:
            return f"{file} (matcher {pattern})"
    return None


def _public_by_design(route: Route) -> str | None:
    if _WEBHOOK_PATH.search(route.path) or _WEBHOOK_PATH.search(route.file):
        return "webhook with a signature check" if _SIGNATURE_CHECK.search(route.body) else None
    return "public by design" if _PUBLIC_PATH.search(route.path) else None


@rule(
    id="api.routes-without-auth",
    title="API routes that touch data check who is calling",
    category="production",
    severity="high",
    checklist_keys=("security.jwt-verification",),
    signals=(ROUTE_DECLARATION,),
)
def api_routes_without_auth(ctx: ScanContext) -> Outcome:
    """Express (`app.get`, `router.post`), Next.js route handlers (`app/**/route.ts`) and
    `pages/api`, FastAPI and Flask routes whose handler reads or writes data (Prisma, Supabase,
    an SQL or ORM call) must check the caller: in the handler (`getServerSession`, `auth()`,
    `supabase.auth.getUser()`, `Depends(get_current_user)`, `@login_required`, a JWT verify),
    through middleware applied before the route, or a Next.js middleware whose matcher covers
    the path. Health checks, auth callbacks and webhooks that verify a signature are public
    by design. High for routes that write, medium for reads."""
    routes = _routes(ctx)
    if not routes:
        return not_applicable("No API route found.")
    touching = [r for r in routes if _DATA_CALL.search(r.body)]
    if not touching:
        return not_applicable(f"{len(routes)} route(s), none reads or writes data.")
    findings: list[Finding] = []
    evidence: list[Evidence] = []
    for route in touching:
        check = _AUTH_CHECK.search(route.body)
        why_public = _public_by_design(route)
        if route.guarded_by or check or why_public:
            how = route.guarded_by or (check.group() if check else why_public)
            evidence.append(Evidence(f"{route.label}: {how}", route.file, route.line))
            continue
        data = _DATA_CALL.search(route.body)
        writes = any(m in _WRITE_METHODS for m in route.method.split("/"))
        findings.append(
            Finding(
                f"{route.label} reads or writes data with no authentication check.",
                route.file,
                route.line,
                Severity.HIGH if writes else Severity.MEDIUM,
                snippet=route.body.split("\n", 1)[0].strip()[:160],
                reason=f"the handler calls {data.group().strip() if data else 'the database'}; "
                "no session, token or user check in it, no auth middleware before it"
                + (
                    ", no Next.js middleware matching the path"
                    if "route." in route.file or "pages/api" in route.file
                    else ""
                ),
            )
        )
    summary = (
        f"{len(findings)} of {len(touching)} routes that touch data have no authentication check."
    )
    if findings:
        return failed(summary, findings, evidence)
    return passed(summary, evidence)


_CORS_CALL = re.compile(r"\bcors\(\s*\{(?P<opts>[^)]{0,600})\}", re.IGNORECASE)
_ANY_ORIGIN_JS = re.compile(
    r"origin\s*:\s*(?:true\b|[\"'`]\*[\"'`]|\([^)]*\)\s*=>\s*\w+\(\s*null\s*,\s*true)"
)
_CREDENTIALS_JS = re.compile(r"credentials\s*:\s*true\b")
_STARLETTE = re.compile(r"CORSMiddleware(?P<opts>[^)]{0,600})\)")
_FLASK_CORS = re.compile(r"\bCORS\(\s*\w+(?P<opts>[^)]{0,400})\)")
_HEADER_ANY = re.compile(
    r"Access-Control-Allow-Origin[\"'`]?\s*[,:=]\s*(?:[\"'`]\*[\"'`]|req(?:uest)?\.headers"
    r"(?:\.get\(\s*[\"'`]origin|\.origin|\[\s*[\"'`]origin)|origin\b)",
    re.IGNORECASE,
)
_HEADER_CREDENTIALS = re.compile(
    r"Access-Control-Allow-Credentials[\"'`]?\s*[,:=]\s*[\"'`]?true", re.IGNORECASE
)


def _cors_problems(text: str) -> list[tuple[int, str]]:
    found = []
    for m in _CORS_CALL.finditer(text):
        opts = m.group("opts")
        any_origin = _ANY_ORIGIN_JS.search(opts)
        if any_origin and _CREDENTIALS_JS.search(opts):
            allowed = any_origin.group().split(":", 1)[1].strip()
            found.append((m.start(), f"cors() with origin {allowed} and credentials: true"))
    for m in _STARLETTE.finditer(text):
        opts = m.group("opts")
        if re.search(r"allow_credentials\s*=\s*True", opts) and re.search(
            r"allow_origins\s*=\s*\[\s*[\"']\*[\"']|allow_origin_regex\s*=\s*[\"']\.\*", opts
        ):
            found.append((m.start(), "CORSMiddleware with every origin and allow_credentials=True"))
    for m in _FLASK_CORS.finditer(text):
        opts = m.group("opts")
        if re.search(r"supports_credentials\s*=\s*True", opts) and (
            not re.search(r"origins\s*=", opts) or re.search(r"origins\s*=\s*[\"']\*", opts)
        ):
            found.append((m.start(), "flask-cors with every origin and supports_credentials=True"))
    origin = _HEADER_ANY.search(text)
    if origin and _HEADER_CREDENTIALS.search(text):
        found.append(
            (
                origin.start(),
                (
                    "Access-Control-Allow-Origin set to * or the request's Origin, with "
                    "Allow-Credentials: true"
                ),
            )
        )
    return found


@rule(
    id="api.cors-any-origin-with-credentials",
    title="CORS does not let any origin call the API with cookies",
    category="production",
    severity="high",
    checklist_keys=("security.security-headers",),
    signals=(CORS_MENTION,),
)
def cors_any_origin_with_credentials(ctx: ScanContext) -> Outcome:
    """Allowing every origin (`origin: true`, `'*'`, the request's own Origin echoed back,
    `allow_origins=["*"]`) together with credentials lets any web page a signed-in user visits
    call the API as that user and read the answers. Browsers refuse a literal `*` with
    credentials, which is why such code is usually "fixed" by reflecting the Origin: both are
    reported."""
    files = list(dict.fromkeys(h.path for h in ctx.signal(CORS_MENTION.name)))[:100]
    if not files:
        return not_applicable("No CORS configuration found.")
    findings = []
    for path in files:
        text = ctx.read(path) or ""
        index = LineIndex(text)
        for start, what in _cors_problems(text):
            line = index.line(start)
            findings.append(
                Finding(
                    "CORS lets any origin call the API with the visitor's credentials.",
                    path,
                    line,
                    snippet=ctx.line_text(path, line).strip()[:160],
                    reason=what,
                )
            )
    if findings:
        return failed(
            f"{len(findings)} CORS setting(s) allow any origin with credentials.", findings
        )
    return passed(
        "CORS is configured without credentials for every origin.",
        [Evidence("CORS configured", p) for p in files[:5]],
    )
