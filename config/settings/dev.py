"""Local development: DEBUG on, console email, a fixed key that must never reach production."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-change-me-0123456789abcdef")
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True

# A development key for everything encrypted at rest (production sets ENCRYPTION_KEYS); the
# same value the scan tokens of existing development databases were encrypted with.
ENCRYPTION_KEYS = env.list(
    "ENCRYPTION_KEYS", default=["ZGV2LW9ubHktbGF1bmNocGFkLXNjYW4tdG9rZW4tayE="]
)
