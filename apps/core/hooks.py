"""How a lower app asks the apps above it to act, without importing them.

The layers in docs/architecture.md let an app import only the apps below it. A few of its
writes still matter higher up: when a member leaves an agency, their engagement grants and
their hosted consultations must be dealt with; when an engagement's profile changes, its
checklist must follow. The lower app declares a `Hook` beside its services (`hooks.py`),
fires it inside the service's transaction, and the higher app connects a receiver in its
`AppConfig.ready()`.

Unlike Django signals, a hook is declared and documented where it is fired, carries typed
keyword arguments, runs synchronously in the caller's transaction (a receiver that raises
rolls the whole write back, which is how a higher app refuses one), and is never fired by a
model save. docs/architecture.md lists every hook and its receivers, and a test pins them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, ParamSpec

P = ParamSpec("P")


class Hook(Generic[P]):
    """A named list of receivers, called in the order they were connected."""

    def __init__(self, name: str, *, doc: str) -> None:
        self.name = name
        self.__doc__ = doc
        self._receivers: list[Callable[P, None]] = []

    def connect(self, receiver: Callable[P, None]) -> Callable[P, None]:
        """Add a receiver (usable as a decorator); connecting it twice keeps one."""
        if receiver not in self._receivers:
            self._receivers.append(receiver)
        return receiver

    @property
    def receivers(self) -> tuple[Callable[P, None], ...]:
        return tuple(self._receivers)

    def fire(self, *args: P.args, **kwargs: P.kwargs) -> None:
        for receiver in self._receivers:
            receiver(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<Hook {self.name}: {len(self._receivers)} receiver(s)>"


def hook(signature: Callable[P, None]) -> Hook[P]:
    """Declare a hook from a stub of its receivers' signature (used as a decorator): the
    stub's name and docstring become the hook's, and mypy checks every `connect` and `fire`
    against its keyword arguments, which `Hook[[...]]` cannot spell (positional types only)."""
    return Hook(signature.__name__, doc=signature.__doc__ or "")
