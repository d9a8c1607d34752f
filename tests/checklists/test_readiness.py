"""Readiness arithmetic, with worked examples, and the Bronze / Silver / Gold levels."""

from decimal import Decimal

from apps.checklists.readiness import ItemFacts, compute


def item(category="security", severity="high", level="bronze", status="todo"):
    return ItemFacts(category, severity, level, status)


def test_worked_example_weights_by_severity():
    # Weights: critical 8, high 4, medium 2, low 1.
    # security: critical done (8), high todo (4), low done (1)  -> 9 / 13 = 69.23 %
    # testing:  medium done (2), medium in progress (2)          -> 2 / 4  = 50.00 %
    # overall:  11 / 17                                          -> 64.71 %
    result = compute(
        [
            item("security", "critical", status="done"),
            item("security", "high", status="todo"),
            item("security", "low", status="done"),
            item("testing", "medium", status="done"),
            item("testing", "medium", status="in_progress"),
        ]
    )
    assert result.categories["security"].percent == Decimal("69.23")
    assert result.categories["testing"].percent == Decimal("50.00")
    assert result.overall.percent == Decimal("64.71")
    assert (result.overall.done, result.overall.total) == (3, 5)


def test_not_applicable_items_count_for_neither_side():
    # high done (4) and critical N/A: 4 / 4 = 100 %, not 4 / 12.
    result = compute(
        [item(severity="high", status="done"), item(severity="critical", status="not_applicable")]
    )
    assert result.overall.percent == Decimal("100.00")
    assert result.overall.not_applicable == 1
    assert result.overall.total == 1


def test_one_critical_gap_outweighs_several_low_wins():
    # 8 low done (8) vs one critical open (8): 50 %.
    result = compute([item(severity="low", status="done")] * 8 + [item(severity="critical")])
    assert result.overall.percent == Decimal("50.00")


def test_empty_or_all_not_applicable_has_no_percentage_and_no_level():
    assert compute([]).overall.percent is None
    all_na = compute([item(status="not_applicable")])
    assert all_na.overall.percent is None
    assert all_na.overall.level is None


def test_levels_need_every_item_at_that_level_and_below_done():
    items = [
        item(level="bronze", status="done"),
        item(level="silver", status="done"),
        item(level="gold", status="todo"),
    ]
    assert compute(items).categories["security"].level == "silver"
    items[2] = item(level="gold", status="done")
    assert compute(items).categories["security"].level == "gold"
    # A single open bronze item holds the category below Bronze, whatever else is done.
    items.append(item(level="bronze", status="in_progress"))
    assert compute(items).categories["security"].level is None


def test_levels_are_per_category():
    result = compute(
        [
            item("security", level="bronze", status="done"),
            item("security", level="silver", status="todo"),
            item("testing", level="bronze", status="todo"),
        ]
    )
    assert result.categories["security"].level == "bronze"
    assert result.categories["testing"].level is None


def test_not_applicable_does_not_block_a_level():
    result = compute(
        [item(level="bronze", status="done"), item(level="bronze", status="not_applicable")]
    )
    assert result.categories["security"].level == "gold"


def test_rounding_is_half_up_to_two_places():
    # 1 / 3 of the weight: 33.333... -> 33.33; 2 / 3 -> 66.67
    one_third = compute([item(severity="low", status="done"), item(severity="medium")])
    assert one_third.overall.percent == Decimal("33.33")
    two_thirds = compute([item(severity="medium", status="done"), item(severity="low")])
    assert two_thirds.overall.percent == Decimal("66.67")


def test_what_stands_between_the_engagement_and_its_next_level():
    def facts(title, severity, level, status="todo"):
        return ItemFacts("security", severity, level, status, pk=title, title=title)

    result = compute(
        [
            facts("a", "low", "bronze", status="done"),
            facts("b", "medium", "silver"),
            facts("c", "critical", "silver", status="in_progress"),
            facts("d", "high", "gold"),
            facts("e", "high", "silver", status="not_applicable"),
        ]
    )
    assert result.overall.level == "bronze"
    assert result.next_level == "silver"
    # Only the next level's open items, the most severe first; gold waits its turn.
    assert [b.title for b in result.blockers] == ["c", "b"]


def test_nothing_stands_in_the_way_once_every_item_is_done():
    result = compute([item(status="done"), item(level="gold", status="not_applicable")])
    assert result.next_level is None
    assert result.blockers == []
