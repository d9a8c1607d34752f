"""The rule modules; importing this package registers every rule with the registry."""

from . import (  # noqa: F401 - imported for their @rule registrations
    ai_faults,
    api_exposure,
    ci,
    dependencies,
    deployment,
    documentation,
    firebase,
    platform,
    production,
    secrets,
    stack,
    supabase,
    testing,
)
