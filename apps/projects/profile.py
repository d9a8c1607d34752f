"""The engagement profile vocabulary and the architecture-tier rule from the guide.

Plain Python: the catalog loader, the checklist services and the scan engine share it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models


class Platform(models.TextChoices):
    LOVABLE = "lovable", "Lovable"
    REPLIT = "replit", "Replit"
    V0 = "v0", "V0"
    BOLT = "bolt", "Bolt"
    CURSOR = "cursor", "Cursor"
    OTHER = "other", "Other"


class Framework(models.TextChoices):
    GDPR = "gdpr", "GDPR"
    CCPA = "ccpa", "CCPA/CPRA"
    SOC2 = "soc2", "SOC 2"
    HIPAA = "hipaa", "HIPAA"
    PCI = "pci", "PCI DSS"


class Stage(models.TextChoices):
    LEAD = "lead", "Lead"
    DISCOVERY = "discovery", "Discovery"
    MIGRATION = "migration", "Migration"
    STAGING = "staging", "Staging"
    LAUNCHED = "launched", "Launched"
    MAINTENANCE = "maintenance", "Maintenance"


class Tier(models.TextChoices):
    SMALL = "small", "Under 10K users"
    GROWTH = "growth", "10K to 100K users"
    SCALE = "scale", "Over 100K users"


# The guide's thresholds: "< 10K users", "10K-100K users", "> 100K users".
GROWTH_FROM = 10_000
SCALE_ABOVE = 100_000

TIER_ARCHITECTURE = {
    Tier.SMALL: "a modular monolith with clear bounded contexts, separated layers, an API-first "
    "design and managed services for the database, cache and authentication",
    Tier.GROWTH: "services for the critical, high-traffic features, event-driven async work, "
    "read replicas and a caching layer, a CDN, and background job queues",
    Tier.SCALE: "a full service architecture, multi-region deployment, multi-layer caching, "
    "horizontal autoscaling on metrics and a data warehouse for analytics",
}


@dataclass(frozen=True)
class TierRecommendation:
    tier: Tier
    sizing_users: int
    reasoning: str


def recommend_tier(
    *, users_at_launch: int | None, users_in_a_year: int | None
) -> TierRecommendation:
    """Size for the larger of the two expectations: architecture should fit the first year."""
    launch = users_at_launch or 0
    year = users_in_a_year or 0
    users = max(launch, year)
    if users > SCALE_ABOVE:
        tier = Tier.SCALE
    elif users >= GROWTH_FROM:
        tier = Tier.GROWTH
    else:
        tier = Tier.SMALL
    basis = (
        "the expected users in a year"
        if year >= launch and year
        else "the expected users at launch"
        if launch
        else "no user estimate yet"
    )
    band = tier.label[0].lower() + tier.label[1:]  # "under 10K users", "10K to 100K users"
    reasoning = (
        f"Sized for {users:,} users ({basis}), in the tier for {band}: "
        f"plan for {TIER_ARCHITECTURE[tier]}."
        if users
        else f"No user estimate yet, so the smallest tier applies: plan for "
        f"{TIER_ARCHITECTURE[tier]}. Add expected users to size it properly."
    )
    return TierRecommendation(tier=tier, sizing_users=users, reasoning=reasoning)
