"""The limits of the privacy app in one place: the model reads them, and its form takes them
from the model (a length change still needs its migration)."""

CONTACT_EMAIL_MAX_LENGTH = 254
CONTACT_DETAILS_MAX_LENGTH = 1000
DATA_KEPT_MAX_LENGTH = 4000
RETENTION_MAX_LENGTH = 2000
