"""The default of a partial update's parameters: "not given", which None cannot say when
None is a value the field may take (clearing a due date, an assignee, a launch date)."""

from __future__ import annotations

import enum
from typing import Final


class Unset(enum.Enum):
    UNSET = enum.auto()

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final = Unset.UNSET
