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

# The booking page's logo: what an upload may be, and what is kept (re-encoded as PNG).
LOGO_MAX_BYTES = 512 * 1024
LOGO_MAX_PIXELS = 2000  # either side, as uploaded
LOGO_MIN_PIXELS = 32
LOGO_KEPT_HEIGHT = 160  # resized down to this, which is twice the header's height
LOGO_FORMATS = ("PNG", "JPEG", "WEBP")
# White text on the accent colour (buttons) must stay readable: WCAG AA for normal text.
ACCENT_MIN_CONTRAST = 4.5
