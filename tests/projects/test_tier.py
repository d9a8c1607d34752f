"""The architecture tier follows expected users, as in the guide."""

import pytest

from apps.projects.profile import Tier, recommend_tier


@pytest.mark.parametrize(
    ("launch", "year", "tier"),
    [
        (None, None, Tier.SMALL),
        (500, 9_999, Tier.SMALL),
        (10_000, None, Tier.GROWTH),
        (2_000, 60_000, Tier.GROWTH),
        (100_000, 100_000, Tier.GROWTH),
        (100_001, None, Tier.SCALE),
        (50_000, 2_000_000, Tier.SCALE),
    ],
)
def test_tier_boundaries(launch, year, tier):
    assert recommend_tier(users_at_launch=launch, users_in_a_year=year).tier == tier


def test_reasoning_names_the_basis_and_the_architecture():
    rec = recommend_tier(users_at_launch=3_000, users_in_a_year=25_000)
    assert "25,000 users" in rec.reasoning
    assert "the expected users in a year" in rec.reasoning
    assert "read replicas" in rec.reasoning
    empty = recommend_tier(users_at_launch=None, users_in_a_year=None)
    assert "No user estimate yet" in empty.reasoning
