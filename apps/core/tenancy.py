"""The tenant context: the one place that says which agency the current work is done for.

Requests open a scope in `TenantScopeMiddleware` and the agency-scoped views fill it with
`activate_agency` once they have checked the membership; Celery tasks and commands wrap their
work in `tenant_context(agency)`. Selectors cross-check it (`TenantQuerySet.for_agency`), and
on PostgreSQL the database enforces it a second time: `database_scope()` is what the
connection (`apps/core/db/postgresql`) writes into transaction-local settings before each
query, and the row-level security policies (`apps/core/rls.py`) read them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import NamedTuple, TypeVar

from django.db.models import Model

# The tenant is agencies.Agency; core names no app, so it is typed as the model it is.
A = TypeVar("A", bound=Model)


class _Outside:
    """Marks code running outside any tenant scope (shell, migrations, management commands)."""

    def __repr__(self) -> str:
        return "<outside tenant scope>"


OUTSIDE = _Outside()


class CrossAgency:
    """Marks work that reads every agency's rows on purpose; `reason` names it in the logs."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def __repr__(self) -> str:
        return f"<cross-agency: {self.reason}>"


_current: ContextVar[Model | _Outside | CrossAgency | None] = ContextVar(
    "current_agency", default=OUTSIDE
)


# The signed-in person, so that their own memberships across agencies can be listed before
# any one agency is chosen (the agency switcher, the sign-in redirect).
_acting_user: ContextVar[str] = ContextVar("acting_user", default="")

logger = logging.getLogger(__name__)


class TenantScopeError(RuntimeError):
    """Tenant-owned data was reached for an agency other than the active one."""


@contextmanager
def tenant_context(agency: A | None) -> Iterator[A | None]:
    """Run the enclosed block for `agency` (None: a scope whose agency is not known yet)."""
    token = _current.set(agency)
    try:
        yield agency
    finally:
        _current.reset(token)


@contextmanager
def cross_agency(reason: str) -> Iterator[None]:
    """The one explicit path for work that spans agencies: the scan sweeper, scheduled rescans,
    retention, metrics, the operators' admin, a person's own data export. Everything else
    runs inside `tenant_context(agency)`; on PostgreSQL row-level security shows no agency's
    rows outside one of the two. `reason` is a short fixed name, logged each time."""
    if not reason or not reason.strip():
        raise ValueError("cross_agency() needs a reason.")
    logger.info("cross-agency scope opened: %s", reason)
    token = _current.set(CrossAgency(reason))
    try:
        yield
    finally:
        _current.reset(token)


def activate_agency(agency: Model) -> None:
    """Fill the scope opened for this request; refuses to switch agencies mid-request."""
    active = _current.get()
    if isinstance(active, _Outside | CrossAgency):
        raise TenantScopeError("activate_agency() needs a scope opened by tenant_context().")
    if active is not None and active.pk != agency.pk:
        raise TenantScopeError("This scope already belongs to another agency.")
    _current.set(agency)


def current_agency() -> Model | None:
    active = _current.get()
    return None if isinstance(active, _Outside | CrossAgency) else active


def current_cross_agency_reason() -> str | None:
    active = _current.get()
    return active.reason if isinstance(active, CrossAgency) else None


def check_agency(agency: Model) -> None:
    """Fail loudly when code reads one agency's rows while working for another."""
    active = current_agency()
    if active is not None and active.pk != agency.pk:
        raise TenantScopeError(
            f"Tenant data for agency {agency.pk} requested inside the scope of {active.pk}."
        )


@contextmanager
def acting_user(user_pk: object) -> Iterator[None]:
    """The person this request acts for; their own membership rows stay readable."""
    token = _acting_user.set(str(user_pk) if user_pk else "")
    try:
        yield
    finally:
        _acting_user.reset(token)


class DatabaseScope(NamedTuple):
    """What the database is told about the current work: each value is '' when unset, and
    the row-level security policies treat '' as "nothing visible"."""

    agency: str
    user: str
    cross_agency: str


NO_SCOPE = DatabaseScope("", "", "")


def database_scope() -> DatabaseScope:
    active = _current.get()
    if isinstance(active, CrossAgency):
        return DatabaseScope("", _acting_user.get(), active.reason)
    if isinstance(active, Model):
        return DatabaseScope(str(active.pk), _acting_user.get(), "")
    return DatabaseScope("", _acting_user.get(), "")
