"""Readiness arithmetic: severity-weighted completion per category and overall, and the
Bronze / Silver / Gold level of each category. Pure functions over plain values.

- Each item weighs by severity (critical 8, high 4, medium 2, low 1): closing one critical
  gap moves readiness as much as eight low ones.
- Completion = weight of done items / weight of applicable items. "Not applicable" items
  count for neither; "in progress" counts as not done.
- A category reaches a level when every applicable item at that level and below is done;
  what stands between the engagement and its next level is the open items of the lowest
  level not reached.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

SEVERITY_WEIGHT = {"critical": 8, "high": 4, "medium": 2, "low": 1}
LEVELS = ("bronze", "silver", "gold")
_CENT = Decimal("0.01")


@dataclass(frozen=True)
class ItemFacts:
    category: str
    severity: str
    level: str
    status: str
    pk: object = None
    title: str = ""


@dataclass
class Score:
    done_weight: int = 0
    total_weight: int = 0
    done: int = 0
    total: int = 0
    not_applicable: int = 0
    level: str | None = None
    _open_levels: set[str] = field(default_factory=set, repr=False)

    @property
    def percent(self) -> Decimal | None:
        if not self.total_weight:
            return None
        return (Decimal(100) * self.done_weight / self.total_weight).quantize(_CENT, ROUND_HALF_UP)


@dataclass
class Readiness:
    overall: Score
    categories: dict[str, Score]
    # The lowest level the engagement has not reached, and its open items, most severe first.
    next_level: str | None = None
    blockers: list[ItemFacts] = field(default_factory=list)

    def as_snapshot(self) -> dict[str, str | None]:
        return {
            name: (str(score.percent) if score.percent is not None else None)
            for name, score in sorted(self.categories.items())
        }


def _level(open_levels: set[str], *, has_items: bool) -> str | None:
    if not has_items:
        return None
    reached = None
    for level in LEVELS:
        if level in open_levels:
            break
        reached = level
    return reached


def compute(items: Iterable[ItemFacts]) -> Readiness:
    overall = Score()
    categories: dict[str, Score] = defaultdict(Score)
    open_items: list[ItemFacts] = []
    for item in items:
        if item.status not in ("done", "not_applicable"):
            open_items.append(item)
        for score in (overall, categories[item.category]):
            if item.status == "not_applicable":
                score.not_applicable += 1
                continue
            weight = SEVERITY_WEIGHT[item.severity]
            score.total += 1
            score.total_weight += weight
            if item.status == "done":
                score.done += 1
                score.done_weight += weight
            else:
                score._open_levels.add(item.level)
    for score in (overall, *categories.values()):
        score.level = _level(score._open_levels, has_items=bool(score.total))
    next_level = next((level for level in LEVELS if level in overall._open_levels), None)
    blockers = sorted(
        (item for item in open_items if item.level == next_level),
        key=lambda item: (-SEVERITY_WEIGHT[item.severity], item.category, item.title),
    )
    return Readiness(
        overall=overall, categories=dict(categories), next_level=next_level, blockers=blockers
    )
