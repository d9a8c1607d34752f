"""PostgreSQL, with the tenant scope handed to the database before every statement.

Row-level security (`apps/core/rls.py`) reads three transaction-local settings. This
connection keeps them equal to `tenancy.database_scope()`: inside a transaction it writes them
once, and again whenever the scope changes or a savepoint rollback may have undone them;
outside one (autocommit) it runs the statement in a short transaction of its own so that the
setting and the statement share it. Being transaction-local (`set_config(..., true)`), a
setting ends with its transaction and never reaches the next user of a pooled connection,
PgBouncer in transaction mode included.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.backends.postgresql import base

from apps.core.tenancy import NO_SCOPE, DatabaseScope, database_scope

SET_SCOPE_SQL = (
    "SELECT set_config('launchpad.agency', %s, true), "
    "set_config('launchpad.user', %s, true), "
    "set_config('launchpad.cross_agency', %s, true)"
)


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # What this transaction has been told; None: unknown (after a savepoint rollback).
        self.scope_applied: DatabaseScope | None = NO_SCOPE
        # First in the list, so outermost: it runs before any wrapper a test adds.
        self.execute_wrappers.insert(0, self._scoped_execute)

    def _scoped_execute(self, execute, sql, params, many, context):
        wanted = database_scope()
        if not self.get_autocommit():
            if wanted != self.scope_applied:
                self._apply_scope(wanted)
            return execute(sql, params, many, context)
        if wanted == NO_SCOPE:
            # A new transaction starts with every setting empty: nothing to say.
            return execute(sql, params, many, context)
        with transaction.atomic(using=self.alias):
            self._apply_scope(wanted)
            return execute(sql, params, many, context)

    def _apply_scope(self, scope: DatabaseScope) -> None:
        # A plain driver cursor of its own: not another trip through the execute wrappers,
        # and never the statement's cursor, which for `.iterator()` is a named one that
        # would only DECLARE the SELECT instead of running it.
        with self.connection.cursor() as cursor:
            cursor.execute(SET_SCOPE_SQL, list(scope))
        self.scope_applied = scope

    # Transaction boundaries: a new transaction starts with empty settings.
    def connect(self) -> None:
        super().connect()
        self.scope_applied = NO_SCOPE

    def _commit(self) -> None:
        try:
            super()._commit()  # type: ignore[misc]  # django-stubs omit it
        finally:
            self.scope_applied = NO_SCOPE

    def _rollback(self) -> None:
        try:
            super()._rollback()  # type: ignore[misc]  # django-stubs omit it
        finally:
            self.scope_applied = NO_SCOPE

    def _savepoint_rollback(self, sid: str) -> None:
        super()._savepoint_rollback(sid)  # type: ignore[misc]  # django-stubs omit it
        # The settings may have been written after that savepoint: say it again next time.
        self.scope_applied = None

    def _set_autocommit(self, autocommit: bool) -> None:  # noqa: FBT001 - Django's signature
        super()._set_autocommit(autocommit)  # type: ignore[misc]  # django-stubs omit it
        self.scope_applied = NO_SCOPE
