"""Supabase faults, judged by what they expose: tables reachable through the public API without
row-level security, permissive policies (rated by role, command and the columns the table
holds), role columns a user may set on their own row, SECURITY DEFINER functions without a
fixed search_path, views that bypass RLS, public storage buckets, and edge functions that
accept calls without a valid JWT (`verify_jwt = false`).

The migrations are replayed by `supabase_sql.py`; every rule here reads that one result.
"""

from __future__ import annotations

import re

from ..context import ScanContext
from ..model import Evidence, Finding, Severity
from ..registry import Outcome, failed, not_applicable, passed, rule
from .supabase_sql import Bucket, Policy, SchemaState, Table, replay, supabase_sql_files

RLS_KEYS = ("security.database-row-level-security",)
_OPEN_ROLES = frozenset({"public", "anon", "authenticated"})
_ANON_ROLES = frozenset({"public", "anon"})
# Supabase exposes these schemas through its REST API; RLS matters there.
_EXPOSED_SCHEMAS = frozenset({"public"})

# Column names that hold personal or payment data, matched on the name's words
# (snake_case or camelCase): finding one makes a table's exposure a breach, not a leak.
_PERSONAL_COLUMN = re.compile(
    r"(?:^|_)(?:e_?mail|phone|mobile|telephone|phone_number|address|street|postcode|postal_code"
    r"|zip|zip_code|date_of_birth|dob|birth_?date|birthday|ssn|social_security\w*|national_id"
    r"|tax_id|passport\w*|drivers?_licen[cs]e\w*|iban|bic|swift|account_number|routing_number"
    r"|card_number|credit_card\w*|card_last4|cvv|cvc|payment\w*|stripe_customer_id|health\w*"
    r"|medical\w*|diagnos[ie]s|allerg(?:y|ies)|medications?|prescriptions?|blood_type"
    r"|insurance\w*|salary|income|ip_address|password\w*|api_key|access_token|refresh_token"
    r"|secret)(?:_|$)"
)
_OWNER_COLUMN = re.compile(r"^(?:user_id|owner_id|profile_id|author_id|created_by|account_id)$")
# Lookup data a public read policy is usually right to expose.
_REFERENCE_TABLE = re.compile(
    r"^(?:countr(?:y|ies)|currenc(?:y|ies)|languages?|locales?|categor(?:y|ies)|tags?|plans?"
    r"|pricing(?:_plans?)?|products?|faqs?|regions?|states|provinces?|cities|timezones?|units?"
    r"|features?|industries|skills|genres?|holidays)$"
    r"|_(?:types?|categor(?:y|ies)|statuses|kinds|lookup|options)$|^(?:lookup|ref)_"
)
_PRIVILEGE_COLUMN = re.compile(
    r"^(?:(?:user_|app_|account_|member_)?roles?|(?:is_)?(?:admin|superuser|super_admin|staff"
    r"|moderator)|permissions|plan|plan_id|tier|subscription_(?:tier|status|plan)|is_(?:pro"
    r"|premium|paid|verified)|premium|verified|credits?|credit_balance|credits_remaining"
    r"|balance|quota|usage_limit|account_type|user_type|access_level)$"
)


def _words(name: str) -> str:
    """`dateOfBirth` -> `date_of_birth`, so one pattern reads both spellings."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def personal_columns(table: Table | None) -> list[str]:
    if table is None:
        return []
    return [
        c.name
        for c in table.columns.values()
        if c.type not in {"boolean", "bool"} and _PERSONAL_COLUMN.search(_words(c.name))
    ]


def _is_reference(table: Table | None, name: str) -> bool:
    if not _REFERENCE_TABLE.search(name.lower()):
        return False
    if table is None:
        return True
    return not personal_columns(table) and not any(
        _OWNER_COLUMN.match(_words(c)) for c in table.columns
    )


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
            [_rls_missing_finding(t) for t in open_tables],
        )
    return passed(
        f"All {len(exposed)} public table(s) have row-level security.",
        [Evidence(f"RLS on {t.name}", t.path, t.line) for t in exposed[:10]],
    )


def _rls_missing_finding(table: Table) -> Finding:
    personal = personal_columns(table)
    holds = f"; it holds {', '.join(personal)}" if personal else ""
    return Finding(
        f"Table public.{table.name} is created without ENABLE ROW LEVEL SECURITY: the "
        "anon key can read and change every row.",
        table.path,
        table.line,
        reason=f"no ENABLE ROW LEVEL SECURITY for public.{table.name} in any later "
        f"migration{holds}",
    )


def _permissive_severity(policy: Policy, data: str) -> Severity:
    """Reads are rated by what the rows hold; writes by who may make them and what they hit."""
    anon = bool(policy.roles & _ANON_ROLES)
    if policy.command == "select":
        return {"reference": Severity.INFO, "ordinary": Severity.MEDIUM}.get(data, Severity.HIGH)
    if policy.command == "insert":
        return Severity.HIGH if anon else Severity.MEDIUM
    if data == "personal":
        return Severity.CRITICAL if anon else Severity.HIGH
    return Severity.HIGH


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
    name only. The severity follows what is exposed: reading a table with personal or payment
    columns (email, phone, address, date of birth, health, card, IBAN...) is high, reading an
    ordinary table medium, and reading lookup data (countries, categories, plans, with no
    personal or owner column) only a note; inserting is high for anyone and medium for
    signed-in users; changing or deleting every row is high, critical when anyone may do it
    to personal data."""
    files = supabase_sql_files(ctx)
    if not files:
        return not_applicable("No Supabase SQL migrations.")
    state = replay(ctx, files)
    if not state.policies:
        return not_applicable("The migrations define no policy.")
    findings = [
        _permissive_finding(state, p)
        for p in state.policies.values()
        if not p.restrictive and p.roles & _OPEN_ROLES and (p.using_true or p.check_true)
    ]
    real = [f for f in findings if f.severity is not Severity.INFO]
    if real:
        return failed(f"{len(real)} policy(ies) allow everything.", findings)
    return passed(
        f"{len(state.policies)} policy(ies), none open to everyone on data that matters.",
        [Evidence(f"{f.message} ({f.reason})", f.path, f.line) for f in findings],
    )


def _permissive_finding(state: SchemaState, policy: Policy) -> Finding:
    table = state.tables.get(policy.table)
    name = ".".join(policy.table)
    personal = personal_columns(table)
    data = (
        "personal"
        if personal
        else "reference"
        if _is_reference(table, policy.table[1])
        else "ordinary"
    )
    severity = _permissive_severity(policy, data)
    who = "anyone" if policy.roles & _ANON_ROLES else "any signed-in user"
    if policy.command == "select":
        message = f'Policy "{policy.name}" lets {who} read every row of {name}.'
    else:
        action = "change" if policy.command == "all" else policy.command
        message = f'Policy "{policy.name}" lets {who} {action} any row of {name}.'
    roles = ", ".join(sorted(policy.roles))
    if data == "personal":
        what = f"the table holds personal data ({', '.join(personal[:6])})"
    elif data == "reference":
        what = "the table looks like public lookup data (no personal or owner column)"
    elif table is None:
        what = "the table's columns are not in the migrations"
    else:
        what = "no personal column among " + ", ".join(list(table.columns)[:8])
    return Finding(
        message,
        policy.path,
        policy.line,
        severity,
        snippet=policy.snippet,
        reason=f"{policy.command.upper()} to {roles} with "
        f"{'USING (true)' if policy.using_true else 'WITH CHECK (true)'}; {what}",
    )


@rule(
    id="ai.supabase-privilege-escalation",
    title="Users cannot change their own role, plan or credits",
    category="ai-faults",
    severity="high",
    checklist_keys=RLS_KEYS,
)
def supabase_privilege_escalation(ctx: ScanContext) -> Outcome:
    """A policy such as `FOR UPDATE USING (auth.uid() = id)` lets a user update every column of
    their own row, so a `role`, `is_admin`, `plan` or `credits` column there is one API call
    from an admin account or free credits. It is guarded when the WITH CHECK (or USING)
    expression pins the column, when UPDATE is granted on other columns only (a table-wide
    REVOKE then a column GRANT: revoking one column alone changes nothing in PostgreSQL), or
    when a BEFORE UPDATE trigger's function looks at `new.<column>`."""
    files = supabase_sql_files(ctx)
    if not files:
        return not_applicable("No Supabase SQL migrations.")
    state = replay(ctx, files)
    guarded: list[Evidence] = []
    findings: list[Finding] = []
    candidates = 0
    for policy in state.policies.values():
        table = state.tables.get(policy.table)
        if (
            table is None
            or table.schema not in _EXPOSED_SCHEMAS
            or policy.restrictive
            or policy.command not in {"update", "all"}
            or not policy.roles & _OPEN_ROLES
        ):
            continue
        for column in table.columns.values():
            if not _PRIVILEGE_COLUMN.match(_words(column.name)):
                continue
            candidates += 1
            guard = _escalation_guard(state, policy, column.name)
            if guard:
                guarded.append(
                    Evidence(f"{table.name}.{column.name}: {guard}", policy.path, policy.line)
                )
                continue
            findings.append(
                Finding(
                    f'Policy "{policy.name}" lets a user update {table.name}.{column.name} '
                    "on rows they may change: they can raise their own privileges.",
                    policy.path,
                    policy.line,
                    snippet=policy.snippet,
                    reason=f"{policy.command.upper()} to {', '.join(sorted(policy.roles))} "
                    f"using ({_short(policy.using)}); no WITH CHECK on {column.name}, no "
                    f"column-level UPDATE grant leaving it out, no BEFORE UPDATE trigger "
                    f"reading new.{column.name} (column at {column.path}:{column.line})",
                )
            )
    if findings:
        return failed(
            f"{len(findings)} privilege column(s) users can set themselves.", findings, guarded
        )
    if not candidates:
        return not_applicable("No update policy on a table with a role, plan or credits column.")
    return passed(f"{candidates} privilege column(s), all guarded.", guarded)


def _short(expression: str | None) -> str:
    text = " ".join((expression or "").split())
    return text if len(text) <= 60 else text[:57] + "..."


def _escalation_guard(state: SchemaState, policy: Policy, column: str) -> str | None:
    mentions = re.compile(rf'(?<![\w.])"?{re.escape(column.lower())}"?(?!\w)')
    pinned = policy.check if policy.check is not None else policy.using
    if pinned and mentions.search(pinned):
        return "the policy's check pins it"
    for other in state.policies.values():
        if (
            other.table == policy.table
            and other.restrictive
            and other.command in {"update", "all"}
            and mentions.search(other.check or other.using or "")
        ):
            return f'restrictive policy "{other.name}" pins it'
    roles = policy.roles & _OPEN_ROLES
    if "public" in roles:
        roles = (roles - {"public"}) | {"anon", "authenticated"}
    if not any(state.updatable(policy.table, role, column) for role in roles):
        return "UPDATE is granted on other columns only"
    trigger = state.trigger_guards(policy.table, column)
    return f"trigger function {trigger} checks it" if trigger else None


@rule(
    id="ai.supabase-security-definer-search-path",
    title="SECURITY DEFINER functions fix their search_path",
    category="ai-faults",
    severity="high",
    checklist_keys=RLS_KEYS,
)
def supabase_security_definer_search_path(ctx: ScanContext) -> Outcome:
    """A SECURITY DEFINER function runs with its owner's rights (usually `postgres`, which
    bypasses RLS). Without `SET search_path = ''` (or a fixed list), a caller who can create
    an object in a schema on the path can make it call their own `now()` or table instead."""
    files = supabase_sql_files(ctx)
    if not files:
        return not_applicable("No Supabase SQL migrations.")
    definers = [f for f in replay(ctx, files).functions.values() if f.definer]
    if not definers:
        return not_applicable("No SECURITY DEFINER function.")
    findings = [
        Finding(
            f"Function {'.'.join(f.name)} is SECURITY DEFINER without SET search_path.",
            f.path,
            f.line,
            snippet=f.snippet,
            reason="SECURITY DEFINER in the function's options, no SET search_path there "
            "nor in a later ALTER FUNCTION",
        )
        for f in definers
        if not f.search_path
    ]
    if findings:
        return failed(
            f"{len(findings)} of {len(definers)} SECURITY DEFINER function(s) have no fixed "
            "search_path.",
            findings,
        )
    return passed(
        f"All {len(definers)} SECURITY DEFINER function(s) set search_path.",
        [Evidence(f"{'.'.join(f.name)} sets search_path", f.path, f.line) for f in definers[:10]],
    )


@rule(
    id="ai.supabase-view-bypasses-rls",
    title="Views over protected tables respect row-level security",
    category="ai-faults",
    severity="medium",
    checklist_keys=RLS_KEYS,
)
def supabase_view_bypasses_rls(ctx: ScanContext) -> Outcome:
    """A view runs with its owner's rights unless it is created `WITH (security_invoker =
    true)` (PostgreSQL 15+): a view in the public schema over a table with RLS shows every
    row to anon and signed-in users, whatever the table's policies say. Medium; high when the
    view reads auth.users or a table with personal columns. A view whose SELECT is revoked
    from anon and authenticated is not exposed."""
    files = supabase_sql_files(ctx)
    if not files:
        return not_applicable("No Supabase SQL migrations.")
    state = replay(ctx, files)
    views = [v for v in state.views.values() if v.name[0] in _EXPOSED_SCHEMAS]
    findings: list[Finding] = []
    evidence: list[Evidence] = []
    for view in views:
        protected = [
            s
            for s in view.sources
            if s == ("auth", "users") or (s in state.tables and state.tables[s].rls)
        ]
        if not protected:
            continue
        exposed_to = [
            r for r in ("anon", "authenticated") if (view.name, r) not in state.select_revoked
        ]
        label = ".".join(view.name)
        if (view.invoker and not view.materialized) or not exposed_to:
            evidence.append(
                Evidence(f"{label}: security_invoker or not granted", view.path, view.line)
            )
            continue
        personal = [c for s in protected for c in personal_columns(state.tables.get(s))]
        high = ("auth", "users") in protected or bool(personal)
        why = ", ".join(".".join(s) for s in protected)
        findings.append(
            Finding(
                f"View {label} reads {why} with its owner's rights: row-level security does "
                f"not apply to {' and '.join(exposed_to)}.",
                view.path,
                view.line,
                Severity.HIGH if high else None,
                snippet=view.snippet,
                reason=(
                    "materialized view (never subject to RLS)"
                    if view.materialized
                    else "no security_invoker = true"
                )
                + f"; sources with RLS: {why}"
                + (f"; personal columns: {', '.join(personal[:6])}" if personal else ""),
            )
        )
    if findings:
        return failed(f"{len(findings)} view(s) bypass row-level security.", findings, evidence)
    if not evidence:
        return not_applicable("No public view over a table with row-level security.")
    return passed("Views over RLS tables run as the caller.", evidence)


# Bucket names that say what they hold: private papers make a public bucket a breach; media
# (avatars, logos) are public by design in most apps and only noted.
_PRIVATE_BUCKET = re.compile(
    r"doc|invoice|receipt|contract|private|kyc|identit|passport|medical|health|record|statement"
    r"|attachment|resume|cv\b|backup|export|report|payslip|tax|secret|license|licence",
    re.IGNORECASE,
)
_MEDIA_BUCKET = re.compile(
    r"^(?:avatars?|images?|img|public|assets?|logos?|thumbnails?|media|banners?|covers?|icons?"
    r"|static|og|product[-_]images|blog[-_]images)$",
    re.IGNORECASE,
)
_AUTH_CHECK = re.compile(r"\bauth\s*\.\s*(?:uid|role|jwt)\b|\bowner\b|current_user|foldername")


_BUCKET_KIND = {
    Severity.HIGH: "the name suggests private documents",
    Severity.INFO: "the name suggests public media",
    Severity.MEDIUM: "the name does not say what it holds",
}


def _bucket_severity(name: str) -> Severity:
    if _PRIVATE_BUCKET.search(name):
        return Severity.HIGH
    if _MEDIA_BUCKET.match(name):
        return Severity.INFO
    return Severity.MEDIUM


@rule(
    id="ai.supabase-public-bucket",
    title="Storage buckets are private unless they hold public media",
    category="ai-faults",
    severity="medium",
    checklist_keys=RLS_KEYS,
)
def supabase_public_bucket(ctx: ScanContext) -> Outcome:
    """A public bucket serves every file to anyone with its URL, no policy asked. Made public by
    `insert into storage.buckets (..., public) values (..., true)`, `update storage.buckets
    set public = true`, `[storage.buckets.<name>] public = true` in supabase/config.toml, or a
    storage.objects policy for anon/public whose only condition is the bucket id. Medium;
    high when the name suggests private papers (documents, invoices, kyc...); a note only for
    media buckets (avatars, images, logos), public by design in most apps."""
    files = supabase_sql_files(ctx)
    config = ctx.snapshot.file("supabase/config.toml")
    if not files and config is None:
        return not_applicable("No Supabase SQL migrations or config.")
    state = replay(ctx, files)
    buckets: dict[str, Bucket] = dict(state.buckets)
    if config is not None:
        buckets.update(_config_buckets(ctx, config.path))
    findings = [
        Finding(
            f"Storage bucket {b.name!r} is public: anyone with a file's URL can download it.",
            b.path,
            b.line,
            _bucket_severity(b.name),
            snippet=b.snippet,
            reason=f"public = true; {_BUCKET_KIND[_bucket_severity(b.name)]}",
        )
        for b in buckets.values()
        if b.public
    ]
    findings += _open_object_policies(state)
    real = [f for f in findings if f.severity is not Severity.INFO]
    if real:
        return failed(f"{len(real)} storage bucket exposure(s).", findings)
    if not buckets and not findings:
        return not_applicable("No storage bucket is defined.")
    return passed(
        f"{len(buckets)} bucket(s), none exposing private files.",
        [Evidence(f.message, f.path, f.line) for f in findings]
        or [Evidence(f"bucket {b.name} is private", b.path, b.line) for b in buckets.values()],
    )


def _open_object_policies(state: SchemaState) -> list[Finding]:
    findings = []
    for policy in state.policies.values():
        if policy.table != ("storage", "objects") or policy.restrictive:
            continue
        if not policy.roles & _ANON_ROLES or policy.using_true or policy.check_true:
            continue  # `true` is the permissive-policy rule's
        expression = (policy.using or "") + " " + (policy.check or "")
        raw = policy.raw_using or ""
        bucket = re.search(r"bucket_id\s*=\s*'([^']+)'", raw)
        if bucket is None or _AUTH_CHECK.search(expression):
            continue
        name = bucket.group(1)
        reading = policy.command == "select"
        severity = _bucket_severity(name) if reading else Severity.HIGH
        verb = "list and download" if reading else f"{policy.command} (upload, replace or delete)"
        findings.append(
            Finding(
                f'Policy "{policy.name}" lets anyone {verb} files in bucket {name!r}.',
                policy.path,
                policy.line,
                severity,
                snippet=policy.snippet,
                reason=f"{policy.command.upper()} on storage.objects to "
                f"{', '.join(sorted(policy.roles))}; the only condition is bucket_id = '{name}'",
            )
        )
    return findings


_BUCKET_SECTION = re.compile(r"^\s*\[storage\.buckets\.(?P<name>[^\]]+)\]\s*(?:#.*)?$")
_ANY_SECTION = re.compile(r"^\s*\[")
_PUBLIC_TRUE = re.compile(r"^\s*public\s*=\s*(?P<value>true|false)\b")


def _config_buckets(ctx: ScanContext, path: str) -> dict[str, Bucket]:
    buckets: dict[str, Bucket] = {}
    current: str | None = None
    for number, line in enumerate((ctx.read(path) or "").splitlines(), start=1):
        header = _BUCKET_SECTION.match(line)
        if header:
            current = header.group("name").strip().strip('"')
            continue
        if _ANY_SECTION.match(line):
            current = None
            continue
        m = _PUBLIC_TRUE.match(line)
        if current and m:
            buckets[current] = Bucket(
                current, m.group("value") == "true", path, number, line.strip()
            )
    return buckets


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
