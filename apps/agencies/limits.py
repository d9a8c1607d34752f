"""The agencies' business limits, in one place: models, forms, serializers and services
import them, so a limit changes once (a model length change still needs its migration)."""

AGENCY_NAME_MAX_LENGTH = 120
AGENCY_SLUG_MAX_LENGTH = 50
EMAIL_MAX_LENGTH = 254  # RFC 5321's limit for an address
API_TOKEN_NAME_MAX_LENGTH = 80
# How long an API token may live, in days (a year, and a leap day).
API_TOKEN_MAX_DAYS = 366
# Seconds between two writes of a token's last_used_at: a busy script must not turn every
# read into a write.
TOKEN_TOUCH_INTERVAL = 60
