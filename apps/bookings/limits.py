"""The business limits of consultation booking, in one place: models, forms, serializers and
services import them, so a limit changes once (a model length change still needs its
migration)."""

from apps.projects.limits import MAX_USERS

# --- an offer (consultation type) ------------------------------------------------------------
OFFER_NAME_MAX_LENGTH = 120
OFFER_SLUG_MAX_LENGTH = 60
OFFER_DESCRIPTION_MAX_LENGTH = 2000
LOCATION_DETAIL_MAX_LENGTH = 300
# A meeting's length and the spacing of its start times, in minutes.
MIN_DURATION_MINUTES = 5
MAX_DURATION_MINUTES = 480
MIN_INTERVAL_MINUTES = 5
MAX_INTERVAL_MINUTES = 240
MAX_BUFFER_MINUTES = 240
# How soon (minimum notice, minutes) and how far ahead (booking window, days) one may book.
MAX_MINIMUM_NOTICE_MINUTES = 60 * 24 * 30
MIN_BOOKING_WINDOW_DAYS = 1
MAX_BOOKING_WINDOW_DAYS = 365
# Bookings of one type per host per day.
MIN_DAILY_CAP = 1
MAX_DAILY_CAP = 50

# --- a host's availability -------------------------------------------------------------------
OVERRIDE_NOTE_MAX_LENGTH = 120

# --- the agency's booking policy -------------------------------------------------------------
MAX_CANCEL_NOTICE_HOURS = 24 * 14
MAX_RESCHEDULES = 10
PRIVACY_NOTICE_MAX_LENGTH = 5000

# --- a booking and the booker's answers ------------------------------------------------------
BOOKER_NAME_MAX_LENGTH = 150
BOOKER_EMAIL_MAX_LENGTH = 254  # RFC 5321's limit for an address
BOOKER_COMPANY_MAX_LENGTH = 160
PROTOTYPE_URL_MAX_LENGTH = 500
NOTES_MAX_LENGTH = 4000
# A cancellation's or a move's reason, as stored and as accepted.
REASON_MAX_LENGTH = 500
# The booker's expected users: the engagement's own ceiling, which a booking turns into.
MAX_EXPECTED_USERS = MAX_USERS
# The longest stretch of days one slot query of the API may cover.
MAX_SLOT_DAYS = 62
