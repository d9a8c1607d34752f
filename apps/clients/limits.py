"""The clients' business limits, in one place: models, forms and serializers import them, so
a limit changes once (a model length change still needs its migration)."""

NAME_MAX_LENGTH = 160
WEBSITE_MAX_LENGTH = 300
EMAIL_MAX_LENGTH = 254  # RFC 5321's limit for an address
NOTES_MAX_LENGTH = 5000
CONTACT_NAME_MAX_LENGTH = 150
CONTACT_TITLE_MAX_LENGTH = 120
CONTACT_PHONE_MAX_LENGTH = 40
