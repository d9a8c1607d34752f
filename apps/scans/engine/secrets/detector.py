"""The scan of one file's text: provider patterns first, then private keys and database
URLs, then values assigned to secret-like names; a span one pass claimed is not reported again."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from ..model import Severity
from ..textutil import LineIndex
from .allow import (
    database_url_kind,
    generic_value_ok,
    is_firebase_web_key,
    is_placeholder,
    is_repetitive,
    shannon_entropy,
)
from .credentials import CREDENTIAL_SUFFIXES, find_credentials
from .match import SecretMatch, fingerprint, redact
from .names import (
    AWS_SECRET_NAME,
    AWS_SECRET_VALUE,
    NAME_KEYWORDS,
    SIGNING_SECRET_NAME,
    is_password_name,
    is_secret_name,
    normalise_name,
)
from .notebooks import notebook_text
from .paths import (
    DOC_SUFFIXES,
    NOTEBOOK_SUFFIX,
    is_bare_value_file,
    is_example_file,
    is_test_path,
)
from .patterns import (
    DB_URL,
    JWT_SIGN_CALL,
    NOT_BASE64,
    PATTERNS,
    PEM_ESCAPES,
    PEM_HEADER_LINE,
    PEM_INNER,
    PRIVATE_KEY,
    stripe_severity,
)

_ASCII_LOWER = str.maketrans({chr(c): chr(c + 32) for c in range(65, 91)})
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_$.-")
_IDENT_FORWARD = re.compile(r"[\w$.\-]{0,200}")
_AFTER_NAME_FIRST = frozenset("\"']:= \t")
# After a secret-like name: closing quote or bracket, an optional type annotation, the
# assignment operator, then a quoted or bare value.
_AFTER_NAME = re.compile(
    r"[\"']?\]?"
    r"(?:\s*:\s*[A-Za-z_][\w.\[\]| ]{0,60}?(?=\s*=[^=]))?"
    r"\s*(?::=|=>|(?<![=!<>])=(?!=)|:(?![:/]))"
    r"\s*(?P<value>\"[^\"\n]{0,400}\"|'[^'\n]{0,400}'|`[^`\n]{0,400}`|[^\s,;#'\"`)}\]]{1,400})"
)
_ENV_STYLE_NAME = re.compile(r"[A-Z][A-Z0-9_]*")
_PRE_ASSIGNED_NAME = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)[\"']?\]?\s*(?::=|=>|=|:)\s*[\"'`]?$")


def lower_same_length(text: str) -> str:
    """Lower-cased text whose offsets still match `text` (str.lower can lengthen a few
    non-ASCII characters, so those files are lowered for ASCII only)."""
    lowered = text.lower()
    return lowered if len(lowered) == len(text) else text.translate(_ASCII_LOWER)


@dataclass(slots=True)
class SecretDetector:
    """Scans one file's text at a time; holds no state between files."""

    max_matches_per_file: int = 50

    def scan(
        self, path: str, lname: str, suffix: str, text: str, lowered: str | None = None
    ) -> list[SecretMatch]:
        if suffix == NOTEBOOK_SUFFIX:
            notebook = notebook_text(text)
            if notebook is not None:
                # Scanned as the code a person sees in the cells; each match is moved back
                # to the notebook file's own line, with its cell named.
                return [
                    replace(
                        m,
                        line=notebook.file_lines[m.line - 1],
                        reason=f"{m.reason} (notebook cell {notebook.cells[m.line - 1]})",
                    )
                    for m in self.scan(path, lname, ".py", notebook.text)
                ]
        example = is_example_file(lname)
        scan = _FileScan(self.max_matches_per_file, path, text)

        present: dict[str, bool] = {}  # marker -> in this text; patterns share some markers
        for pattern in PATTERNS:
            if pattern.markers and not any(
                present[m] if m in present else present.setdefault(m, m in text)
                for m in pattern.markers
            ):
                continue
            for m in pattern.regex.finditer(text):
                value = m.group(pattern.group)
                description = pattern.description
                # Claimed even when dropped below: a placeholder or a public key recognised by
                # its format must not come back through the generic high-entropy pass.
                scan.taken.append(m.span(pattern.group))
                if pattern.check is not None:
                    refined = pattern.check(value, description)
                    if refined is None:
                        continue
                    description = refined
                elif is_placeholder(value):
                    continue
                start, end = m.span(pattern.group)
                variable = _assigned_name(text, start)
                if pattern.rule_id == "secrets.google-api-key" and is_firebase_web_key(
                    lname, text, variable
                ):
                    continue
                severity = pattern.severity
                shown = pattern.prefix(value)
                reason = f"matches the {description} format" + (
                    f" ({shown} followed by {len(value) - len(shown)} random characters)"
                    if shown
                    else f" ({len(value)} characters)"
                )
                if pattern.rule_id == "secrets.stripe-key":
                    severity = stripe_severity(value)
                    if variable and "clerk" in variable.lower():
                        # Clerk's secret keys share Stripe's sk_live_/sk_test_ prefixes.
                        description = description.replace("Stripe", "Clerk")
                scan.add(
                    pattern.rule_id,
                    description,
                    start,
                    end,
                    redact(value, shown),
                    fingerprint(value),
                    severity,
                    variable=variable,
                    example=example,
                    reason=reason,
                )

        if "PRIVATE KEY" in text:
            for m in PRIVATE_KEY.finditer(text):
                body = _pem_body(text, m.end())
                if body is None:
                    continue
                kind = m.group("kind").strip()
                label = f"{kind} private key" if kind else "private key"
                scan.add(
                    "secrets.private-key",
                    label[0].upper() + label[1:],
                    m.start(),
                    m.end(),
                    f"-----BEGIN {kind + ' ' if kind else ''}PRIVATE KEY-----…",
                    fingerprint(body),
                    Severity.CRITICAL,
                    variable=_assigned_name(text, m.start()),
                    example=example,
                    reason=f"a PEM {label.lower()} block with {len(body)} characters of key "
                    "material",
                )

        if "://" in text and "@" in text:
            for m in DB_URL.finditer(text):
                _add_database_url(scan, m, text, example=example)

        if not example:
            if lowered is None:
                lowered = lower_same_length(text)
            # Before the name-based pass, which would drop "demo123" as a placeholder: used
            # to sign in, it is a working credential.
            if suffix in CREDENTIAL_SUFFIXES and not is_test_path(path):
                _scan_credentials(scan, text, lowered)
            _scan_assignments(scan, lname, suffix, text, lowered)
        return scan.found


@dataclass(slots=True)
class _FileScan:
    """The matches of one file, with the spans already claimed (so the name-based pass does
    not report again what a provider pattern found) and lazily computed line numbers."""

    limit: int
    path: str
    text: str
    found: list[SecretMatch] = field(default_factory=list)
    taken: list[tuple[int, int]] = field(default_factory=list)
    _index: LineIndex | None = None

    def overlaps(self, start: int, end: int) -> bool:
        return any(a < end and start < b for a, b in self.taken)

    def add(
        self,
        rule_id: str,
        description: str,
        start: int,
        end: int,
        redacted: str,
        digest: str,
        severity: Severity,
        *,
        variable: str | None = None,
        example: bool = False,
        reason: str = "",
        usage: str = "",
    ) -> None:
        self.taken.append((start, end))
        if len(self.found) >= self.limit:
            return
        if self._index is None:
            self._index = LineIndex(self.text)
        self.found.append(
            SecretMatch(
                rule_id=rule_id,
                description=description,
                path=self.path,
                line=self._index.line(start),
                redacted=redacted,
                fingerprint=digest,
                severity=severity,
                variable=variable,
                in_example=example,
                reason=reason,
                usage=usage,
            )
        )


def _scan_assignments(scan: _FileScan, lname: str, suffix: str, text: str, lowered: str) -> None:
    """Values assigned to secret-like names: signing secrets, AWS secret keys, and anything
    random-looking (by Shannon entropy) under a name such as api_key, token or password."""
    bare_file = is_bare_value_file(lname, suffix)
    doc_file = suffix in DOC_SUFFIXES
    test_file = is_test_path(scan.path)
    seen: set[int] = set()
    for keyword in NAME_KEYWORDS:
        pos = lowered.find(keyword)
        while pos != -1:
            start = pos
            while start > 0 and text[start - 1] in _NAME_CHARS and pos - start < 100:
                start -= 1
            if start not in seen:
                seen.add(start)
                _check_assignment(
                    scan, text, start, bare_file=bare_file, doc_file=doc_file, test_file=test_file
                )
            pos = lowered.find(keyword, pos + len(keyword))
    if "jwt." in lowered:
        for m in JWT_SIGN_CALL.finditer(text):
            value = m.group("value")
            start, end = m.span("value")
            if len(value) < 8 or is_placeholder(value) or scan.overlaps(start, end):
                continue
            scan.add(
                "secrets.jwt-secret",
                "JWT signed or verified with a literal secret",
                start,
                end,
                redact(value),
                fingerprint(value),
                Severity.HIGH,
                reason="a string literal passed as the secret of a jwt call",
            )


def _check_assignment(
    scan: _FileScan, text: str, start: int, *, bare_file: bool, doc_file: bool, test_file: bool
) -> None:
    ident = _IDENT_FORWARD.match(text, start)  # {0,200}: it always matches
    name_end = ident.end() if ident else start
    # Cheapest tests first: most names holding "key" or "token" are not being assigned to.
    if name_end >= len(text) or text[name_end] not in _AFTER_NAME_FIRST:
        return
    m = _AFTER_NAME.match(text, name_end)
    if m is None:
        return
    raw = m.group("value")
    quoted = raw[:1] in "\"'`"
    name = text[start:name_end].strip(".-")
    if not quoted and not bare_file:
        # Documentation pastes terminal and .env lines (`export OPENAI_API_KEY=...`): bare
        # values count there only in that form, never after a word in a sentence.
        env_line = text[name_end : name_end + 1] == "=" and _ENV_STYLE_NAME.fullmatch(name)
        if not (doc_file and env_line):
            return
    if not name or not is_secret_name(name):
        return
    value = raw[1:-1] if quoted else raw
    value_start, value_end = m.span("value")
    if scan.overlaps(value_start, value_end) or is_placeholder(value):
        return
    normalised = normalise_name(name)
    variable = name.rsplit(".", 1)[-1]
    if AWS_SECRET_NAME.search(normalised) and AWS_SECRET_VALUE.fullmatch(value):
        if shannon_entropy(value) < 3.5:
            return
        rule_id, description, severity = (
            "secrets.aws-secret-key",
            "AWS secret access key",
            Severity.CRITICAL,
        )
    elif SIGNING_SECRET_NAME.search(normalised):
        if len(value) < 8 or (test_file and shannon_entropy(value) < 3.5):
            return
        rule_id, description, severity = (
            "secrets.jwt-secret",
            "Hard-coded JWT or session signing secret",
            Severity.HIGH,
        )
    elif test_file or not generic_value_ok(value, normalised):
        return
    elif is_password_name(normalised):
        rule_id, description, severity = (
            "secrets.generic-secret",
            "Literal password",
            Severity.HIGH,
        )
    else:
        rule_id, description, severity = (
            "secrets.generic-secret",
            "High-entropy value assigned to a secret-like name",
            Severity.HIGH,
        )
    entropy = shannon_entropy(value)
    scan.add(
        rule_id,
        description,
        value_start,
        value_end,
        redact(value),
        fingerprint(value),
        severity,
        variable=variable,
        reason=f"a {len(value)}-character literal ({entropy:.1f} bits of entropy per character) "
        f"assigned to {variable}, a name that holds secrets",
    )


def _scan_credentials(scan: _FileScan, text: str, lowered: str) -> None:
    for use in find_credentials(scan.path, text, lowered):
        if scan.overlaps(use.start, use.end):
            continue
        scan.add(
            "secrets.hardcoded-credential",
            "Hard-coded login credential",
            use.start,
            use.end,
            redact(use.value),
            fingerprint(use.value),
            Severity.MEDIUM if use.usage == "seed script" else Severity.HIGH,
            variable=_assigned_name(text, use.start),
            reason=use.reason,
            usage=use.usage,
        )


# What each kind of connection-string password is reported as (see allow.database_url_kind).
_DATABASE_URL_KINDS = {
    "secret": ("secrets.database-url", "Connection string with a password", Severity.HIGH),
    "weak-remote": (
        "secrets.database-url",
        "Connection string with a default password for a remote host",
        Severity.MEDIUM,
    ),
    "local-default": (
        "secrets.dev-default-credentials",
        "Local development connection string with a password",
        Severity.LOW,
    ),
}


def _add_database_url(scan: _FileScan, m: re.Match[str], text: str, *, example: bool) -> None:
    user, password, host = m.group("user"), m.group("password"), m.group("host")
    kind = database_url_kind(user, password, host)
    start, end = m.span("password")
    if kind == "placeholder":
        scan.taken.append((start, end))
        return
    rule_id, description, severity = _DATABASE_URL_KINDS[kind]
    scheme = m.group("scheme")
    why = {
        "secret": "an inline password",
        "weak-remote": "a well-known default password",
        "local-default": "a password, for a local or compose-internal host",
    }[kind]
    scan.add(
        rule_id,
        description,
        start,
        end,
        f"{scheme}://{user}:…@{host}",
        fingerprint(password),
        severity,
        variable=_assigned_name(text, m.start()),
        example=example,
        reason=f"a {scheme}:// URL with {why} ({host})",
    )


def _assigned_name(text: str, pos: int) -> str | None:
    """The variable a value is assigned to on its own line (`VITE_KEY=` before it), if any."""
    line_start = text.rfind("\n", 0, pos) + 1
    prefix = text[max(line_start, pos - 200) : pos]
    m = _PRE_ASSIGNED_NAME.search(prefix)
    return m.group(1) if m else None


def _pem_body(text: str, start: int) -> str | None:
    """The base64 body between a BEGIN marker and its END marker, if it is real key material:
    nothing but base64 lines (possibly inside string literals, with escaped newlines), long
    and close to random. Code or prose after a marker, `...` or "<your key>" are not keys."""
    window = text[start : start + 8000]
    end = window.find("-----END")
    if end == -1:
        return None
    inner = PEM_ESCAPES.sub(" ", PEM_HEADER_LINE.sub("", window[:end]))
    if not PEM_INNER.fullmatch(inner):
        return None
    body = NOT_BASE64.sub("", inner)
    if len(body) < 64 or shannon_entropy(body) < 4.5 or is_repetitive(body[:64]):
        return None
    return body
