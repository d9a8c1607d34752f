"""Test settings: fast hashing, in-memory email and cache, tasks run in-process."""

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = "test-only-key-not-secret-0123456789abcdefghijklmnop"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Each test starts with an empty local cache (see tests/conftest.py); tests that need the
# shared Redis cache switch to it explicitly so that runs never flush a shared database.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
SESSION_ENGINE = "django.contrib.sessions.backends.db"
CELERY_TASK_ALWAYS_EAGER = True
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
LOGGING["root"]["level"] = env.str("LOG_LEVEL", default="WARNING")  # noqa: F405
SITE_URL = "http://testserver"
SITE_URL_FROM_ENV = True
# Static files come straight from the finders; no collectstatic before a test run.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True

ENCRYPTION_KEYS = ["dGVzdC1vbmx5LWxhdW5jaHBhZC1zY2FuLXRva2VuLWs="]
SCAN_ALLOW_LOCAL_REPOS = True
SCAN_BLOCK_PRIVATE_NETWORKS = False
# The webhook receivers of the tests listen on 127.0.0.1, over plain http.
WEBHOOK_BLOCK_PRIVATE_NETWORKS = False
WEBHOOK_ALLOW_HTTP = True
# No test talks to the real OSV: tests of apps/scans/osv.py point it at a local fake.
OSV_API_URL = ""
