"""Login credentials written into code: a password literal that the code itself uses to sign in
(a login call, an email and password pair, a login form filled in advance) or to create a user
(a seed or demo script, a password hashed into the database).

Such a literal is a working credential whatever it looks like: "demo123" and "password" are
what attackers try first, so the placeholder words that quiet the other passes ("demo",
"test", "123456") do not quiet this one. Only template syntax and obvious stand-ins do.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from .allow import is_credential_stand_in
from .names import is_password_name, is_secret_name, normalise_name
from .paths import is_seed_path

# Files whose code can sign in or create users (not prose: a README's "demo login" is there to
# be read, and is reported, if at all, by the other passes).
CREDENTIAL_SUFFIXES = frozenset(
    {".js", ".jsx", ".ts", ".tsx", ".mjs", ".cjs", ".mts", ".cts", ".vue", ".svelte", ".astro",
     ".py", ".rb", ".php", ".go", ".java", ".kt", ".cs", ".dart", ".swift", ".ex", ".exs",
     ".sql", ".html", ".htm", ".json", ".yml", ".yaml"}
)  # fmt: skip

_STRING = r"(?P<q>[\"'`])(?P<value>[^\"'`\n]{0,200})(?P=q)"
# A password-named key or variable given a literal: `password: 'x'`, `adminPassword = "x"`.
# `===` and `!=` comparisons are not assignments: the `=` must not be followed by another.
_PASSWORD_FIELD = re.compile(
    r"(?P<name>[A-Za-z_$][\w$]{0,60})[\"']?\s*(?::|=(?!=)|=>)\s*" + _STRING
)
_EMAIL_LITERAL = re.compile(r"[\"'`][\w.+\-]{1,64}@[\w\-]{1,63}(?:\.[\w\-]{1,63})+[\"'`]")
# `signInWithEmailAndPassword(auth, 'a@b.co', 'pw')`, `login('admin', 'admin123')`.
_POSITIONAL = re.compile(
    r"\(\s*(?:[\w$.]+\s*,\s*)?(?P<q1>[\"'`])[^\"'`\n]{1,120}(?P=q1)\s*,\s*" + _STRING
)
_USE_STATE = re.compile(r"useState(?:<[^<>()\n]{0,40}>)?\(\s*" + _STRING + r"\s*\)")
_STATE_NAME = re.compile(r"\[\s*(?P<name>[\w$]+)\s*,\s*[\w$]+\s*\]\s*=\s*$")
_INPUT_VALUE = re.compile(r"(?:defaultValue|value)\s*=\s*\{?\s*" + _STRING)
_HASH_CALL = re.compile(
    r"(?P<call>crypt|hash|hashSync|hashpw|make_password|generate_password_hash|password_hash"
    r"|set_password|setPassword|argon2\.hash)\(\s*(?:b)?" + _STRING
)

# Calls that sign a user in or create one, lower-cased (the keyword search is on lowered text).
_LOGIN_CALLS = (
    "signinwithpassword(",
    "signinwithemailandpassword(",
    "createuserwithemailandpassword(",
    "signin(",
    "signup(",
    "login(",
    "authenticate(",
    "createuser(",
)


@dataclass(frozen=True, slots=True)
class CredentialUse:
    start: int
    end: int
    value: str
    usage: str  # "login call", "email and password pair", "prefilled login form", "seed script"
    reason: str


def find_credentials(path: str, text: str, lowered: str) -> Iterator[CredentialUse]:
    """Every literal password this file uses to sign in or create a user (tests excluded by
    the caller: a test's login is meant to be there)."""
    if "pass" not in lowered and "pwd" not in lowered and "login(" not in lowered:
        return  # every form below names a password, or is a login call
    seed = is_seed_path(path)
    for call in _LOGIN_CALLS:
        pos = lowered.find(call)
        while pos != -1:
            open_paren = pos + len(call) - 1
            args_end = _call_end(text, open_paren)
            name = text[pos:open_paren].rsplit(".", 1)[-1] or call
            for m in _password_fields(text, open_paren, args_end):
                yield _use(
                    m,
                    "seed script" if seed else "login call",
                    f"password literal passed to {text[pos:open_paren]}()",
                )
            positional = _POSITIONAL.match(text, open_paren, args_end)
            # Two literals: a password only when the call says so or the first is an email
            # (`login('Sign in', 'primary')` is a label and a variant).
            if (
                positional
                and ("password" in call or "@" in positional.group(0).split(",", 1)[0])
                and not is_credential_stand_in(positional["value"])
            ):
                yield _use(
                    positional,
                    "seed script" if seed else "login call",
                    f"password literal passed to {name}()",
                )
            pos = lowered.find(call, pos + len(call))
    if "@" in text:
        for email in _EMAIL_LITERAL.finditer(text):
            for m in _password_fields(text, email.end(), min(len(text), email.end() + 200)):
                yield _use(
                    m,
                    "seed script" if seed else "email and password pair",
                    "password literal next to a literal email address",
                )
                break
    if "usestate" in lowered:
        for m in _USE_STATE.finditer(text):
            before = _STATE_NAME.search(text, max(0, m.start() - 80), m.start())
            if (
                before
                and is_password_name(normalise_name(before["name"]))
                and not is_credential_stand_in(m["value"])
            ):
                reason = f"{before['name']} state starts with a literal password"
                yield _use(m, "prefilled login form", reason)
    for marker in ('type="password"', "type='password'", 'type={"password"}'):
        pos = text.find(marker)
        while pos != -1:
            tag_start = text.rfind("<", max(0, pos - 400), pos)
            tag_end = text.find(">", pos)
            if tag_start != -1 and tag_end != -1:
                for m in _INPUT_VALUE.finditer(text, tag_start, tag_end):
                    if not is_credential_stand_in(m["value"]):
                        yield _use(
                            m, "prefilled login form", "a password input filled in with a literal"
                        )
            pos = text.find(marker, pos + len(marker))
    if "defaultvalues" in lowered:
        pos = lowered.find("defaultvalues")
        while pos != -1:
            for m in _password_fields(text, pos, min(len(text), pos + 400)):
                yield _use(
                    m,
                    "prefilled login form",
                    "the login form's default values hold a literal password",
                )
            pos = lowered.find("defaultvalues", pos + 13)
    if "hash" in lowered or "crypt(" in lowered or "password(" in lowered:
        for m in _HASH_CALL.finditer(text):
            if is_credential_stand_in(m["value"]):
                continue
            if m["call"] == "setPassword" and not seed:
                # React's state setter: a button that fills the login form in.
                yield _use(m, "prefilled login form", "setPassword() called with a literal")
            else:
                yield _use(m, "seed script", f"literal password given to {m['call']}() for a user")
    if seed:
        for m in _password_fields(text, 0, len(text)):
            yield _use(m, "seed script", "password literal in a seed or demo script")


def _use(m: re.Match[str], usage: str, reason: str) -> CredentialUse:
    start, end = m.span("value")
    return CredentialUse(start, end, m["value"], usage, reason)


def _password_fields(text: str, start: int, end: int) -> Iterator[re.Match[str]]:
    for m in _PASSWORD_FIELD.finditer(text, start, end):
        name = m["name"]
        if "pass" not in name.lower() and "pwd" not in name.lower():
            continue
        normalised = normalise_name(name)
        if not (is_password_name(normalised) and is_secret_name(name)):
            continue
        if not is_credential_stand_in(m["value"]):
            yield m


def _call_end(text: str, open_paren: int, limit: int = 600) -> int:
    """Where the call opened at `open_paren` closes (or `limit` characters on)."""
    depth = 0
    stop = min(len(text), open_paren + limit)
    for i in range(open_paren, stop):
        char = text[i]
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
            if depth == 0:
                return i + 1
    return stop
