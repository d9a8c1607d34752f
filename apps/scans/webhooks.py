"""Incoming repository push webhooks (GitHub and GitLab): who sent a delivery, whether its
signature or token holds, and what a push says (branch, commit, repository). Pure functions
over headers and bytes: no database, so the receiver view and the service stay small and the
tests can feed them hostile input directly."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from apps.core.textinput import find_forbidden

GITHUB = "github"
GITLAB = "gitlab"

# What a delivery's id may look like: GitHub's is a GUID, GitLab's a UUID (Idempotency-Key
# or X-Gitlab-Event-UUID). Anything else is refused rather than stored.
_DELIVERY_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$")
_SHA = re.compile(r"^[0-9a-f]{40}$|^[0-9a-f]{64}$")
_BRANCH_PREFIX = "refs/heads/"


class Refused(Exception):  # noqa: N818 - a refusal, not a bug
    """A delivery that is not taken. `reason` is for the log only: the sender is told no
    more than `status` and a generic message, so a prober learns nothing about which check
    failed (an unknown engagement, a bad signature and a replay look alike)."""

    def __init__(self, reason: str, *, status: int = 403) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


class Malformed(Exception):  # noqa: N818 - a refusal, not a bug
    """An authenticated delivery whose body cannot be read: the sender may be told why."""


def new_secret() -> str:
    # 256 bits; URL-safe so it pastes into GitHub's and GitLab's forms as it is.
    return "lpwh_" + secrets.token_urlsafe(32)


def new_public_id() -> str:
    # The receiver's address names the engagement by this, never by its primary key.
    return secrets.token_urlsafe(18)


@dataclass(frozen=True)
class Envelope:
    """What the headers say about a delivery: the provider, the event and its id."""

    provider: str
    event: str
    delivery_id: str


def read_envelope(headers: Mapping[str, str]) -> Envelope:
    """The provider, event and delivery id from the request's headers (case-insensitive
    names, as Django's `request.headers`). Refused without a provider's event header or a
    well-formed delivery id: a delivery that cannot be told apart from a replay is not taken."""
    if "X-GitHub-Event" in headers:
        provider, event = GITHUB, headers["X-GitHub-Event"]
        delivery = headers.get("X-GitHub-Delivery", "")
    elif "X-Gitlab-Event" in headers:
        provider, event = GITLAB, headers["X-Gitlab-Event"]
        # Idempotency-Key stays the same across GitLab's retries; the event UUID is what
        # older GitLab versions send.
        delivery = headers.get("Idempotency-Key") or headers.get("X-Gitlab-Event-UUID", "")
    else:
        raise Refused("no X-GitHub-Event or X-Gitlab-Event header")
    if not _DELIVERY_ID.match(delivery):
        raise Refused(f"{provider}: missing or malformed delivery id")
    return Envelope(provider=provider, event=event.strip()[:40], delivery_id=delivery)


def verify(envelope: Envelope, headers: Mapping[str, str], body: bytes, *, secret: str) -> bool:
    """GitHub: X-Hub-Signature-256 is `sha256=` and the hex HMAC-SHA256 of the raw body,
    keyed with the secret. GitLab: X-Gitlab-Token is the secret itself. Both compared in
    constant time; header text is compared as bytes, so no character makes the comparison
    raise."""
    if envelope.provider == GITHUB:
        given = headers.get("X-Hub-Signature-256", "")
        expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    else:
        given = headers.get("X-Gitlab-Token", "")
        expected = secret
    return hmac.compare_digest(expected.encode(), given.encode("utf-8", "surrogateescape"))


def parse_json(body: bytes) -> dict[str, Any]:
    """The body as a JSON object, or Malformed saying why."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Malformed("The body is not valid UTF-8.") from None
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except ValueError as exc:
        raise Malformed(f"The body is not JSON: {exc}") from None
    except RecursionError:
        # The C decoder recurses per level of nesting; no push nests more than a few.
        raise Malformed("The body's JSON nests too deep.") from None
    if not isinstance(data, dict):
        raise Malformed("The body is not a JSON object.")
    forbidden = find_forbidden(data)
    if forbidden:
        # NUL and unpaired surrogates cannot be stored (PostgreSQL) or shown (UTF-8).
        raise Malformed(f"The body holds a character that is not accepted in {forbidden[0]}.")
    return data


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


@dataclass(frozen=True)
class Push:
    """A push as both providers describe it."""

    ref: str
    after: str  # the new head commit; all zeros when the branch was deleted
    default_branch: str
    repository_urls: tuple[str, ...]  # every address the payload gives for the repository

    @property
    def branch(self) -> str | None:
        return self.ref[len(_BRANCH_PREFIX) :] if self.ref.startswith(_BRANCH_PREFIX) else None

    @property
    def deleted(self) -> bool:
        return bool(self.after) and set(self.after) == {"0"}

    @property
    def to_default_branch(self) -> bool:
        return bool(self.default_branch) and self.branch == self.default_branch

    @property
    def commit_sha(self) -> str:
        return self.after if _SHA.match(self.after) and not self.deleted else ""


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


_URL_KEYS = {
    GITHUB: ("clone_url", "html_url", "ssh_url", "git_url", "url"),
    GITLAB: ("git_http_url", "web_url", "git_ssh_url", "http_url", "ssh_url", "url"),
}


def _section(envelope: Envelope, data: dict[str, Any]) -> dict[str, Any] | None:
    section = data.get("repository" if envelope.provider == GITHUB else "project")
    return section if isinstance(section, dict) else None


def repository_urls(envelope: Envelope, data: dict[str, Any]) -> tuple[str, ...]:
    """Every address the payload gives for its repository (a ping's too); () for none."""
    section = _section(envelope, data) or {}
    return tuple(
        _text(section.get(key)) for key in _URL_KEYS[envelope.provider] if section.get(key)
    )


def parse_push(envelope: Envelope, data: dict[str, Any]) -> Push:
    """The push in `data`, a push event's payload; Malformed when it lacks what a push has."""
    section = _section(envelope, data)
    if section is None:
        raise Malformed("The push names no repository.")
    ref, after = _text(data.get("ref")), _text(data.get("after")).lower()
    if not ref or not after:
        raise Malformed("The push has no ref or no after commit.")
    if envelope.provider == GITHUB and data.get("deleted") is True:
        after = "0" * 40
    return Push(
        ref=ref[:255],
        after=after[:64],
        default_branch=_text(section.get("default_branch"))[:255],
        repository_urls=repository_urls(envelope, data),
    )


_SCP_LIKE = re.compile(r"^[\w.-]+@(?P<host>[^:/]+):(?P<path>.+)$")


def normalise_repository_url(url: str) -> str:
    """host/path of a clone or web address, lowercased, without credentials, port, a
    trailing slash or `.git`: https://GitHub.com/Acme/App.git, git@github.com:acme/app.git
    and ssh://git@github.com/acme/app all read github.com/acme/app. "" when it is not one."""
    url = url.strip()
    scp = _SCP_LIKE.match(url)
    if scp and "://" not in url:
        host, path = scp.group("host"), scp.group("path")
    else:
        try:
            parts = urlsplit(url)
            host = parts.hostname or ""
        except ValueError:
            return ""
        path = parts.path
    path = path.strip("/")
    if path.endswith(".git"):
        path = path[:-4]
    path = path.strip("/")
    if not host or not path:
        return ""
    # GitHub and GitLab treat owner and repository names case-insensitively.
    return f"{host.lower()}/{path.lower()}"


def same_repository(project_url: str, payload_urls: tuple[str, ...]) -> bool:
    mine = normalise_repository_url(project_url)
    return bool(mine) and any(normalise_repository_url(url) == mine for url in payload_urls)


def is_push(envelope: Envelope) -> bool:
    return (envelope.provider, envelope.event) in {(GITHUB, "push"), (GITLAB, "Push Hook")}


def is_ping(envelope: Envelope) -> bool:
    return envelope.provider == GITHUB and envelope.event == "ping"
