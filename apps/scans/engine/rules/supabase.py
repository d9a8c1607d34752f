"""Supabase faults: tables reachable through the public API without row-level security,
policies that let anyone do anything (`USING (true)`), and edge functions that accept calls
without a valid JWT (`verify_jwt = false`).

The SQL is read in migration order and replayed statement by statement, so a table created in
one migration and protected in a later one counts as protected, and one dropped is forgotten.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..context import ScanContext
from ..model import Evidence, Finding, Severity
from ..registry import Outcome, failed, not_applicable, passed, rule
from ..snapshot import FileEntry
from ..textutil import LineIndex, blank_sql_comments, blank_sql_strings

RLS_KEYS = ("security.database-row-level-security",)
MAX_SQL_FILES = 500
_IDENT = r'(?:"[^"]+"|[A-Za-z_][\w$]*)'
_NAME = rf"(?P<name>{_IDENT}(?:\s*\.\s*{_IDENT})?)"
_CREATE_TABLE = re.compile(
    rf"\bcreate\s+(?:or\s+replace\s+)?(?P<temp>(?:global\s+|local\s+)?(?:temp|temporary)\s+|unlogged\s+)?"
    rf"table\s+(?:if\s+not\s+exists\s+)?{_NAME}",
    re.IGNORECASE,
)
_ALTER_RLS = re.compile(
    rf"\balter\s+table\s+(?:if\s+exists\s+)?(?:only\s+)?{_NAME}\s+"
    r"(?P<action>enable|disable|force|no\s+force)\s+row\s+level\s+security",
    re.IGNORECASE,
)
_RENAME = re.compile(
    rf"\balter\s+table\s+(?:if\s+exists\s+)?(?:only\s+)?{_NAME}\s+rename\s+to\s+(?P<new>{_IDENT})",
    re.IGNORECASE,
)
_DROP_TABLE = re.compile(
    rf"\bdrop\s+table\s+(?:if\s+exists\s+)?(?P<names>{_IDENT}(?:\s*\.\s*{_IDENT})?"
    rf"(?:\s*,\s*{_IDENT}(?:\s*\.\s*{_IDENT})?)*)",
    re.IGNORECASE,
)
_CREATE_POLICY = re.compile(
    rf"\bcreate\s+policy\s+(?P<policy>{_IDENT})\s+on\s+{_NAME}(?P<body>[^;]*)", re.IGNORECASE
)
_DROP_POLICY = re.compile(
    rf"\bdrop\s+policy\s+(?:if\s+exists\s+)?(?P<policy>{_IDENT})\s+on\s+{_NAME}", re.IGNORECASE
)
_ALWAYS_TRUE = r"\(\s*(?:true|1\s*=\s*1|\(\s*true\s*\))\s*\)"
_USING_TRUE = re.compile(rf"\busing\s*{_ALWAYS_TRUE}", re.IGNORECASE)
_CHECK_TRUE = re.compile(rf"\bwith\s+check\s*{_ALWAYS_TRUE}", re.IGNORECASE)
_POLICY_FOR = re.compile(r"\bfor\s+(all|select|insert|update|delete)\b", re.IGNORECASE)
_POLICY_TO = re.compile(r"\bto\s+(.+?)(?=\busing\b|\bwith\b|$)", re.IGNORECASE | re.DOTALL)
_RESTRICTIVE = re.compile(r"\bas\s+restrictive\b", re.IGNORECASE)
_OPEN_ROLES = frozenset({"public", "anon", "authenticated"})
# Supabase exposes these schemas through its REST API; RLS matters there.
_EXPOSED_SCHEMAS = frozenset({"public"})


def _split_name(raw: str) -> tuple[str, str]:
    """("public", "todos") from `todos`, `public.todos` or `"public"."Todos"`."""
    parts = re.findall(_IDENT, raw)
    names = [p[1:-1] if p.startswith('"') else p.lower() for p in parts]
    return ("public", names[0]) if len(names) == 1 else (names[0], names[1])


def supabase_sql_files(ctx: ScanContext) -> list[FileEntry]:
    files = [
        e
        for p, e in ctx.snapshot.files.items()
        if p.startswith("supabase/") and e.suffix == ".sql" and not p.endswith("/seed.sql")
    ]
    # Migrations are named by timestamp: path order is the order they run in.
    return sorted(files, key=lambda e: e.path)[:MAX_SQL_FILES]


@dataclass(slots=True)
class Table:
    schema: str
    name: str
    path: str
    line: int
    rls: bool = False


@dataclass(slots=True)
class Policy:
    name: str
    table: tuple[str, str]
    path: str
    line: int
    command: str
    roles: frozenset[str]
    using_true: bool
    check_true: bool
    restrictive: bool


@dataclass(slots=True)
class SchemaState:
    tables: dict[tuple[str, str], Table] = field(default_factory=dict)
    policies: dict[tuple[tuple[str, str], str], Policy] = field(default_factory=dict)


def replay(ctx: ScanContext, files: list[FileEntry]) -> SchemaState:
    """Apply the DDL that matters for RLS, file by file and statement by statement (once per
    scan: both RLS rules use the result)."""
    if "supabase.replay" in ctx.shared:
        replayed: SchemaState = ctx.shared["supabase.replay"]
        return replayed
    state = ctx.shared["supabase.replay"] = SchemaState()
    for entry in files:
        raw = ctx.read(entry.path)
        if raw is None:
            continue
        sql = blank_sql_strings(blank_sql_comments(raw))
        index = LineIndex(sql)
        events = []
        for regex, kind in (
            (_CREATE_TABLE, "create"),
            (_ALTER_RLS, "rls"),
            (_RENAME, "rename"),
            (_DROP_TABLE, "drop"),
            (_CREATE_POLICY, "policy"),
            (_DROP_POLICY, "drop-policy"),
        ):
            events += [(m.start(), kind, m) for m in regex.finditer(sql)]
        for start, kind, m in sorted(events, key=lambda e: e[0]):
            _apply(state, kind, m, entry.path, index.line(start))
    return state


def _apply(state: SchemaState, kind: str, m: re.Match[str], path: str, line: int) -> None:
    if kind == "drop":
        for raw in re.split(r"\s*,\s*", m.group("names")):
            key = _split_name(raw)
            state.tables.pop(key, None)
            for policy_key in [k for k in state.policies if k[0] == key]:
                del state.policies[policy_key]
        return
    key = _split_name(m.group("name"))
    if kind == "create":
        if not m.group("temp") and key not in state.tables:
            state.tables[key] = Table(key[0], key[1], path, line)
    elif kind == "rls":
        table = state.tables.get(key)
        action = m.group("action").lower()
        if table is not None and action in {"enable", "disable"}:
            table.rls = action == "enable"
    elif kind == "rename":
        table = state.tables.pop(key, None)
        if table is not None:
            new_key = (key[0], _split_name(m.group("new"))[1])
            table.name = new_key[1]
            state.tables[new_key] = table
    elif kind == "policy":
        body = m.group("body")
        command = _POLICY_FOR.search(body)
        to = _POLICY_TO.search(body)
        roles = (
            frozenset(r.strip().strip('"').lower() for r in to.group(1).split(","))
            if to
            else frozenset({"public"})
        )
        name = m.group("policy").strip('"')
        state.policies[(key, name)] = Policy(
            name=name,
            table=key,
            path=path,
            line=line,
            command=command.group(1).lower() if command else "all",
            roles=roles,
            using_true=bool(_USING_TRUE.search(body)),
            check_true=bool(_CHECK_TRUE.search(body)),
            restrictive=bool(_RESTRICTIVE.search(body)),
        )
    elif kind == "drop-policy":
        state.policies.pop((key, m.group("policy").strip('"')), None)


@rule(
    id="ai.supabase-rls-missing",
    title="Every public Supabase table has row-level security",
    category="ai-faults",
    severity="critical",
    checklist_keys=RLS_KEYS,
)
def supabase_rls_missing(ctx: ScanContext) -> Outcome:
    """Tables created in the `public` schema by supabase/migrations/*.sql must get `ALTER TABLE
    … ENABLE ROW LEVEL SECURITY` (in the same or a later migration): without it, anyone with
    the anon key, which ships in the front end, can read and write every row."""
    files = supabase_sql_files(ctx)
    if not files:
        return not_applicable("No Supabase SQL migrations.")
    state = replay(ctx, files)
    exposed = [t for t in state.tables.values() if t.schema in _EXPOSED_SCHEMAS]
    if not exposed:
        return not_applicable("The migrations create no table in the public schema.")
    open_tables = [t for t in exposed if not t.rls]
    if open_tables:
        return failed(
            f"{len(open_tables)} of {len(exposed)} public table(s) have no row-level security.",
            [
                Finding(
                    f"Table public.{t.name} is created without ENABLE ROW LEVEL SECURITY: the "
                    "anon key can read and change every row.",
                    t.path,
                    t.line,
                )
                for t in open_tables
            ],
        )
    return passed(
        f"All {len(exposed)} public table(s) have row-level security.",
        [Evidence(f"RLS on {t.name}", t.path, t.line) for t in exposed[:10]],
    )


@rule(
    id="ai.supabase-permissive-policy",
    title="Row-level security policies actually restrict access",
    category="ai-faults",
    severity="high",
    checklist_keys=RLS_KEYS,
)
def supabase_permissive_policy(ctx: ScanContext) -> Outcome:
    """A permissive policy `USING (true)` or `WITH CHECK (true)` for anon, authenticated or
    public lets every visitor (or every signed-in user) reach every row: RLS switched on in
    name only. Writes open to all are high severity; reads open to all are medium, since
    some tables (a product catalogue) are public on purpose."""
    files = supabase_sql_files(ctx)
    if not files:
        return not_applicable("No Supabase SQL migrations.")
    state = replay(ctx, files)
    if not state.policies:
        return not_applicable("The migrations define no policy.")
    findings = []
    for policy in state.policies.values():
        if policy.restrictive or not (policy.roles & _OPEN_ROLES):
            continue
        if not (policy.using_true or policy.check_true):
            continue
        who = "anyone" if policy.roles & {"public", "anon"} else "any signed-in user"
        table = ".".join(policy.table)
        if policy.command == "select":
            severity = Severity.MEDIUM
            message = f'Policy "{policy.name}" lets {who} read every row of {table}.'
        else:
            severity = Severity.HIGH
            action = "change" if policy.command == "all" else policy.command
            message = f'Policy "{policy.name}" lets {who} {action} any row of {table}.'
        findings.append(Finding(message, policy.path, policy.line, severity))
    if findings:
        return failed(f"{len(findings)} policy(ies) allow everything.", findings)
    return passed(f"{len(state.policies)} policy(ies), none open to everyone.")


_SECTION = re.compile(r"^\s*\[(?P<section>[^\]]+)\]\s*(?:#.*)?$")
_VERIFY_JWT_OFF = re.compile(r"^\s*verify_jwt\s*=\s*false\b", re.IGNORECASE)
_OWN_CHECK = re.compile(
    r"constructEvent(?:Async)?\(|webhooks?\.verify\(|verifySignature|createHmac|subtle\.verify"
    r"|auth\.getUser\(|getClaims\(|jwtVerify\(|timingSafeEqual|new\s+Webhook\(|verifyWebhook",
)


@rule(
    id="ai.supabase-verify-jwt-disabled",
    title="Edge functions require a valid JWT",
    category="ai-faults",
    severity="high",
    checklist_keys=("security.jwt-verification",),
)
def supabase_verify_jwt_disabled(ctx: ScanContext) -> Outcome:
    """`verify_jwt = false` under `[functions.<name>]` in supabase/config.toml lets anyone on
    the internet call the function. Webhook receivers legitimately turn it off, so a function
    whose code checks a signature or the user itself (Stripe's constructEvent, an HMAC,
    auth.getUser) is noted, not failed."""
    config = ctx.snapshot.file("supabase/config.toml")
    if config is None:
        return not_applicable("No supabase/config.toml.")
    text = ctx.read(config.path) or ""
    findings = []
    section = ""
    for number, line in enumerate(text.splitlines(), start=1):
        header = _SECTION.match(line)
        if header:
            section = header.group("section").strip()
            continue
        if not _VERIFY_JWT_OFF.match(line):
            continue
        function = section.split(".", 1)[1].strip('"') if section.startswith("functions.") else ""
        check = _function_checks_caller(ctx, function) if function else None
        if check:
            findings.append(
                Finding(
                    f"Function {function} skips JWT verification but checks callers itself "
                    f"({check}).",
                    config.path,
                    number,
                    Severity.INFO,
                )
            )
        else:
            label = f"Function {function}" if function else "A function"
            findings.append(
                Finding(
                    f"{label} has verify_jwt = false and no signature or user check: anyone "
                    "can call it.",
                    config.path,
                    number,
                )
            )
    real = [f for f in findings if f.severity is not Severity.INFO]
    if real:
        return failed(f"{len(real)} edge function(s) accept unauthenticated calls.", findings)
    return passed(
        "Edge functions verify JWTs (or check callers themselves).",
        [Evidence(f.message, f.path, f.line) for f in findings],
    )


def _function_checks_caller(ctx: ScanContext, function: str) -> str | None:
    for entry in ctx.snapshot.under(f"supabase/functions/{function}")[:20]:
        m = _OWN_CHECK.search(ctx.read(entry.path) or "")
        if m:
            return m.group().rstrip("(")
    return None
