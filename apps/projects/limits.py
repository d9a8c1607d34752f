"""The engagement's business limits, in one place: models, forms, serializers and services
import them, so a limit changes once (a model length change still needs its migration)."""

NAME_MAX_LENGTH = 160
DESCRIPTION_MAX_LENGTH = 5000
URL_MAX_LENGTH = 500
# The profile's expected users: beyond this an estimate means nothing.
MAX_USERS = 10_000_000_000
# The stack: how many technologies, and how long each name may be.
STACK_MAX_ENTRIES = 20
STACK_ENTRY_MAX_LENGTH = 40
TIER_REASON_MAX_LENGTH = 500
ENVIRONMENT_NOTES_MAX_LENGTH = 2000
# An activity row's old value, new value and message are cut to this.
ACTIVITY_TEXT_MAX_LENGTH = 500
