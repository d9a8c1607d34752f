"""Readiness as pages draw it: the bars by category (`readiness_context`) and the daily
chart as an inline SVG polyline (no chart library needed)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from apps.checklists.forms import CATEGORY_LABELS
from apps.checklists.readiness import SEVERITY_WEIGHT
from apps.checklists.selectors import project_readiness
from apps.projects.models import Project


def readiness_context(project: Project) -> dict[str, Any]:
    """The engagement's readiness, and its categories in catalog order, each with its score
    and level, for bars and the report."""
    readiness = project_readiness(project=project)
    categories = [
        {"key": key, "label": label, "score": readiness.categories[key]}
        for key, label in CATEGORY_LABELS.items()
        if key in readiness.categories
    ]
    return {
        "readiness": readiness,
        "categories": categories,
        "next_level": readiness.next_level,
        "blockers": readiness.blockers[:5],
        "blocker_count": len(readiness.blockers),
        "severity_weights": SEVERITY_WEIGHT,
    }


@dataclass(frozen=True)
class ChartPoint:
    day: date
    value: Decimal
    x: float
    y: float


@dataclass(frozen=True)
class Chart:
    points: list[ChartPoint]
    polyline: str
    width: int
    height: int

    @property
    def first(self) -> ChartPoint | None:
        return self.points[0] if self.points else None

    @property
    def last(self) -> ChartPoint | None:
        return self.points[-1] if self.points else None


def readiness_chart(snapshots, *, today: date, days: int = 90, width: int = 600, height: int = 160):
    """One point per day from the first snapshot (at most `days` ago) to today. A day
    without a snapshot carries the previous value: readiness only changes when work does."""
    by_day = {s.day: s.overall for s in snapshots}
    if not by_day:
        return Chart(points=[], polyline="", width=width, height=height)
    start = max(min(by_day), today - timedelta(days=days - 1))
    earlier = [d for d in by_day if d < start]
    value = by_day[max(earlier)] if earlier else Decimal(0)
    span = max((today - start).days, 1)
    points = []
    day = start
    while day <= today:
        value = by_day.get(day, value)
        x = round((day - start).days / span * width, 1)
        y = round(height - float(value) / 100 * height, 1)
        points.append(ChartPoint(day=day, value=value, x=x, y=y))
        day += timedelta(days=1)
    polyline = " ".join(f"{p.x},{p.y}" for p in points)
    return Chart(points=points, polyline=polyline, width=width, height=height)
