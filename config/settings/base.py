"""Settings shared by every environment; each value that differs by environment comes from it."""

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import environ
from csp.constants import NONCE

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
# A local .env is a convenience for developers; production reads the real environment only.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# --- Core -------------------------------------------------------------------------------
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
# Unset in development, links use the address of the request the server last answered
# (apps/core/site.py), so `make run PORT=8001` sends links to port 8001.
SITE_URL_FROM_ENV = "SITE_URL" in os.environ
SITE_ID = 1
# Reverse proxies in front of the app whose X-Forwarded-For entries are trusted. One
# setting for every reader of the client address: the audit trail and our own limits
# (core.middleware.client_ip), DRF's throttles and allauth's sign-in limits below. Left
# at 0 behind a proxy, every limit counts the proxy and one abuser locks everyone out.
NUM_PROXIES = env.int("NUM_PROXIES", default=0)

INSTALLED_APPS = [
    # Django's admin as the operators' door (apps/accounts/admin_site.py).
    "apps.accounts.admin_config.LaunchpadAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.humanize",
    # Third party
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "guardian",
    "django_htmx",
    "csp",
    # Launchpad
    "apps.core",
    "apps.accounts",
    "apps.agencies",
    "apps.audit",
    "apps.clients",
    "apps.projects",
    "apps.checklists",
    "apps.bookings",
    "apps.scans",
    "apps.notifications",
    "apps.workspace",
    "apps.ops",
    "apps.privacy",
    "apps.demo",
]

MIDDLEWARE = [
    # First: its timing covers every other middleware, its status is the one sent.
    "apps.ops.middleware.RequestMetricsMiddleware",
    "apps.core.middleware.RequestContextMiddleware",
    # Outside WhiteNoise and every error path, so no answer leaves without these headers.
    "apps.core.headers.SecurityHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # NUL and unpaired surrogates in a path, query string or form post: a 400 (after
    # authentication, so the error page renders as any other).
    "apps.core.textinput.TextInputMiddleware",
    "apps.accounts.middleware.UserTimeZoneMiddleware",
    # The cookie of a browser that signed in (apps/accounts/devices.py).
    "apps.accounts.devices.KnownDeviceMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # After HtmxMiddleware (it reads request.htmx): an ended session's htmx request goes to
    # the sign-in page as a whole page, not into the fragment.
    "apps.core.middleware.HtmxSignInRedirectMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "apps.core.middleware.TenantScopeMiddleware",
    "apps.core.middleware.ApplicationErrorMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "apps.agencies.context_processors.agency_navigation",
                "apps.core.clock.clock",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------
# SQLite is the embedded default so that `make run` works anywhere; production and CI use
# PostgreSQL through DATABASE_URL.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes the write lock at BEGIN, so concurrent writers queue instead of failing
    # half-way through a transaction; WAL lets readers run beside the writer.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
IS_POSTGRES = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
if IS_POSTGRES:
    # The same backend, plus the tenant scope handed to row-level security (docs/security.md).
    DATABASES["default"]["ENGINE"] = "apps.core.db.postgresql"
# Two roles on PostgreSQL: DATABASE_URL connects as the application role (no superuser, no
# BYPASSRLS, owns nothing); migrations run with DATABASE_OWNER_URL, the role owning the tables,
# which grants this role its rights after each migrate.
DATABASE_APP_ROLE = env.str("DATABASE_APP_ROLE", default="launchpad_app")
DATABASE_OWNER_URL = env.str("DATABASE_OWNER_URL", default="")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, Redis -----------------------------------------------------------------------
# With Redis the cache is shared by every gunicorn worker, which is what makes allauth's rate
# limits and DRF throttles hold across processes. While Redis is away the cache degrades to
# one that keeps nothing (apps.core.cache; the limits fail open, docs/security.md "Redis
# outage"), and sessions live in the database alone: with cached_db a sign-out during the
# outage would leave the session alive in the cache once Redis came back.
REDIS_URL = env.str("REDIS_URL", default="")
SESSION_ENGINE = "django.contrib.sessions.backends.db"
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "apps.core.cache.DegradingRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="launchpad"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Authentication (django-allauth, guardian) ------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "allauth.account.auth_backends.AuthenticationBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

ACCOUNT_ADAPTER = "apps.accounts.adapters.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "apps.accounts.forms.SignupProfileForm"
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = False
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Launchpad] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = env.str("ACCOUNT_DEFAULT_HTTP_PROTOCOL", default="http")
# Failed logins are limited per IP and per account; the counters live in the cache above.
# The per-account limit (by default 5 in 5 minutes, a sliding window) refuses the right password
# from anywhere until the first of those failures is 5 minutes old (docs/security.md).
ALLAUTH_TRUSTED_PROXY_COUNT = NUM_PROXIES
ACCOUNT_RATE_LIMITS = {
    "login_failed": env.str("RATE_LIMIT_LOGIN_FAILED", default="10/m/ip,5/5m/key"),
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Launchpad"
# Two-factor secrets are stored encrypted with ENCRYPTION_KEYS, never in the clear.
MFA_ADAPTER = "apps.accounts.adapters.MFAAdapter"
# Changing email or two-factor settings asks for the password again unless it was entered in
# the last few minutes (the password change form always asks for the current one). No email
# code: whoever reads the mailbox must not be able to strip two-factor authentication.
ACCOUNT_REAUTHENTICATION_REQUIRED = True
MFA_REAUTHENTICATION_REQUIRED = True
ACCOUNT_REAUTHENTICATION_TIMEOUT = env.int("ACCOUNT_REAUTHENTICATION_TIMEOUT", default=300)
ACCOUNT_REAUTHENTICATION_METHODS = ["password", "mfa"]
# allauth.usersessions: the session list under /accounts/sessions/. Tracking last-seen times
# writes a row on every signed-in request, so it stays off unless an operator wants it.
USERSESSIONS_ADAPTER = "apps.accounts.adapters.UserSessionsAdapter"
USERSESSIONS_TRACK_ACTIVITY = env.bool("USERSESSIONS_TRACK_ACTIVITY", default=False)
# guardian: no anonymous user row; the app never grants anything to anonymous visitors.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

# --- Internationalisation ---------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files (whitenoise) ----------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- Email ------------------------------------------------------------------------------
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Launchpad <no-reply@launchpad.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Django REST framework, drf-spectacular ---------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.agencies.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "apps.core.api.CreatedCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "apps.core.schema.FilterAwareSchema",
    "EXCEPTION_HANDLER": "apps.core.api.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_THROTTLE_ANON", default="60/min"),
        "user": env.str("API_THROTTLE_USER", default="1200/min"),
    },
    "NUM_PROXIES": NUM_PROXIES,
    # JSON only, within API_MAX_BODY_BYTES and API_MAX_JSON_DEPTH (a form body is a 415).
    "DEFAULT_PARSER_CLASSES": ["apps.core.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Launchpad API",
    "DESCRIPTION": (
        "Agency-scoped API. Authenticate with a personal access token "
        "(`Authorization: Bearer lp_...`) created under the agency's settings; a token works "
        "only for the agency it was created in."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # drf-spectacular's enum components, then every operation's error answers.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "apps.core.schema.document_error_responses",
        "apps.notifications.schema.add_webhook_events",
    ],
    "ENUM_NAME_OVERRIDES": {
        "RoleEnum": "apps.agencies.roles.Role",
        "TierEnum": "apps.projects.profile.Tier",
        "ClientStatusEnum": "apps.clients.models.Client.Status",
        "ItemStatusEnum": "apps.checklists.models.ItemStatus",
        "BookingStatusEnum": "apps.bookings.models.Booking.Status",
        "PlatformEnum": "apps.projects.profile.Platform",
        "ScanStatusEnum": "apps.scans.models.Scan.Status",
        "ScanVerdictEnum": "apps.scans.serializers.VERDICT_CHOICES",
        "FindingSeverityEnum": "apps.scans.serializers.SEVERITY_CHOICES",
        "SeverityEnum": "apps.checklists.models.Severity",
    },
}

# --- Celery -----------------------------------------------------------------------------
# Without Redis, tasks run in-process at the point they are queued (after commit), so the
# product works on a laptop with nothing else installed.
# The broker may be another Redis than the cache's (a test server uses "memory://": what
# it queues is never run).
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="default")
# Scans are long and heavy: their own queue, so a burst of them never delays email.
CELERY_TASK_ROUTES = {"apps.scans.tasks.run_scan": {"queue": "scans"}}
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=300)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=360)
# A task not acknowledged within the visibility timeout is delivered again; it must outlast
# the hard time limit or long tasks would run twice while still alive.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
# Run by exactly one beat process (docs/operations.md); every entry is safe to run twice.
CELERY_BEAT_SCHEDULE = {
    "record-daily-readiness": {
        "task": "apps.checklists.tasks.record_daily_readiness",
        "schedule": 60 * 60,  # hourly: the first run after midnight writes the day's points
    },
    "sweep-stuck-scans": {
        "task": "apps.scans.tasks.sweep_scans",
        "schedule": 60,
    },
    "queue-scheduled-rescans": {
        "task": "apps.scans.tasks.queue_scheduled_scans",
        "schedule": 60 * 15,
    },
    "publish-pending-tasks": {
        "task": "apps.core.outbox.publish_pending_tasks",
        "schedule": 60,  # the tasks the broker could not take after their commit (outbox)
    },
    "dispatch-deliveries": {
        "task": "apps.notifications.dispatch.dispatch_deliveries",
        # Reminders, digests, notices and webhooks that are due (what is due at a commit is
        # handed over then; this catches the rest).
        "schedule": env.float("NOTIFY_DISPATCH_EVERY_SECONDS", default=60.0),
    },
    "plan-digests": {
        "task": "apps.notifications.tasks.plan_digests",
        "schedule": 60 * 15,  # each person's 08:00 comes round in their own zone
    },
    "release-expired-booking-holds": {
        "task": "apps.bookings.tasks.release_expired_booking_holds",
        "schedule": 60,
    },
    "purge-expired-records": {
        "task": "apps.privacy.tasks.purge_expired_records",
        "schedule": 60 * 60 * 24,  # daily: retention periods are counted in days
    },
}

# --- Security ---------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# django-csp: scripts come from /static/ and carry the request's nonce (NONCE becomes a fresh
# 'nonce-...' each request; templates write nonce="{{ request.csp_nonce }}" on every <script>).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
}

# --- Launchpad --------------------------------------------------------------------------
INVITATION_TTL_DAYS = env.int("INVITATION_TTL_DAYS", default=7)
# Failed bearer-token attempts allowed per client address per minute before a 429.
API_TOKEN_FAILURES_PER_MINUTE = env.int("API_TOKEN_FAILURES_PER_MINUTE", default=20)
# Hostile input (docs/api.md, Limits): the largest API body, the deepest JSON nesting, and how
# many years from today a date from outside (API, forms, page links) may lie, either way.
API_MAX_BODY_BYTES = env.int("API_MAX_BODY_BYTES", default=1_048_576)
API_MAX_JSON_DEPTH = env.int("API_MAX_JSON_DEPTH", default=16)
INPUT_DATE_RANGE_YEARS = env.int("INPUT_DATE_RANGE_YEARS", default=100)

# --- Abuse limits (apps.core.ratelimit; docs/security.md, "Abuse limits") ---------------
# Rates are "N/period" as allauth writes them ("10/h", "5/15m"; several with commas).
# Public booking attempts (the form and the API counted together), per client address and
# per booker email: enough for a person who mistypes, not for a script.
BOOKING_RATE_PER_IP = env.str("BOOKING_RATE_PER_IP", default="10/h,30/d")
BOOKING_RATE_PER_EMAIL = env.str("BOOKING_RATE_PER_EMAIL", default="5/h,10/d")
# Open bookings (upcoming, not cancelled, holds included) one email may have per agency.
BOOKING_MAX_OPEN_PER_EMAIL = env.int("BOOKING_MAX_OPEN_PER_EMAIL", default=3)
# Where an agency asks bookers to confirm by email, how long an unconfirmed hold keeps the
# time before it expires and frees it.
BOOKING_HOLD_MINUTES = env.int("BOOKING_HOLD_MINUTES", default=15)
# Resends of one invitation per day (counted from the audit trail's INVITATION_RESENT rows).
INVITATION_RESENDS_PER_DAY = env.int("INVITATION_RESENDS_PER_DAY", default=3)

# --- Metrics (prometheus-client) --------------------------------------------------------
# GET /metrics answers a scraper sending `Authorization: Bearer <METRICS_TOKEN>` (no token
# set: nobody); with METRICS_ALLOW_LOOPBACK, also a local process no proxy relayed. A Celery
# worker serves its own /metrics on METRICS_WORKER_PORT (0: off). PROMETHEUS_MULTIPROC_DIR
# is read by prometheus_client itself, from the environment (docs/operations.md, "Metrics").
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_ALLOW_LOOPBACK = env.bool("METRICS_ALLOW_LOOPBACK", default=False)
METRICS_WORKER_PORT = env.int("METRICS_WORKER_PORT", default=0)

# --- Encryption at rest (apps/core/crypto.py) -------------------------------------------
# Fernet keys for everything encrypted at rest (repository tokens, two-factor secrets): the
# first encrypts, all decrypt (add a new key in front, run `manage.py rotate_keys`, then drop
# the old one). SCAN_TOKEN_KEYS is the deprecated name, read while ENCRYPTION_KEYS is unset.
ENCRYPTION_KEYS = env.list("ENCRYPTION_KEYS", default=[])
SCAN_TOKEN_KEYS = env.list("SCAN_TOKEN_KEYS", default=[])

# --- Privacy: retention ---------------------------------------------------------------------
# Days each kind of record is kept before the daily purge (apps.privacy.tasks) deletes it;
# 0 keeps it for ever. Sent mail: invitations, the record of each invitation email.
AUDIT_RETENTION_DAYS = env.int("AUDIT_RETENTION_DAYS", default=730)
SCAN_RETENTION_DAYS = env.int("SCAN_RETENTION_DAYS", default=365)
SENT_MAIL_RETENTION_DAYS = env.int("SENT_MAIL_RETENTION_DAYS", default=180)

# --- Notifications, reminders and webhooks (apps.notifications, docs/operations.md) ------
# A claimed delivery not sent within the lease is claimed again (a worker died sending it).
NOTIFY_LEASE_SECONDS = env.int("NOTIFY_LEASE_SECONDS", default=300)
NOTIFY_BATCH_SIZE = env.int("NOTIFY_BATCH_SIZE", default=200)
NOTIFY_MAX_BATCHES_PER_RUN = env.int("NOTIFY_MAX_BATCHES_PER_RUN", default=50)
# Rows of one agency per delivery task (one mail connection each). Keep a piece's worst case
# (webhook timeouts add up) near the lease: past it, rows not reached yet are claimed again
# and the first worker to lock each sends it.
NOTIFY_DELIVER_CHUNK = env.int("NOTIFY_DELIVER_CHUNK", default=20)
# Attempts before a delivery is given up (backoff doubles from 30 s to at most an hour).
NOTIFY_MAX_ATTEMPTS = env.int("NOTIFY_MAX_ATTEMPTS", default=8)
# The daily digest goes out at this hour of each person's own time zone.
NOTIFY_DIGEST_HOUR = env.int("NOTIFY_DIGEST_HOUR", default=8)
WEBHOOK_BLOCK_PRIVATE_NETWORKS = env.bool("WEBHOOK_BLOCK_PRIVATE_NETWORKS", default=True)
# Tests only: lets a webhook go to a plain-http receiver.
WEBHOOK_ALLOW_HTTP = env.bool("WEBHOOK_ALLOW_HTTP", default=False)
WEBHOOK_CONNECT_TIMEOUT = env.float("WEBHOOK_CONNECT_TIMEOUT", default=5.0)
WEBHOOK_READ_TIMEOUT = env.float("WEBHOOK_READ_TIMEOUT", default=10.0)
# An endpoint whose every delivery failed for this long is switched off.
WEBHOOK_DISABLE_AFTER = timedelta(hours=env.int("WEBHOOK_DISABLE_AFTER_HOURS", default=24))

# --- Repository scans ----------------------------------------------------------------------
SCAN_BLOCK_PRIVATE_NETWORKS = env.bool("SCAN_BLOCK_PRIVATE_NETWORKS", default=True)
# Tests only: lets a scan read a local path (never set it where users can start scans).
SCAN_ALLOW_LOCAL_REPOS = env.bool("SCAN_ALLOW_LOCAL_REPOS", default=False)
SCAN_CLONE_TIMEOUT = env.int("SCAN_CLONE_TIMEOUT", default=120)
# Every scan's temporary checkout lives here (one folder per scan, removed when it ends); a
# worker's start-up sweep removes what a killed worker left. Local to the worker's machine.
SCAN_WORK_DIR = env.str("SCAN_WORK_DIR", default="/tmp/launchpad-scans")  # noqa: S108
SCAN_MAX_REPO_BYTES = env.int("SCAN_MAX_REPO_BYTES", default=200_000_000)
SCAN_MAX_FILES = env.int("SCAN_MAX_FILES", default=20_000)
# Commits a clone fetches for the scan's history pass (secrets removed from the tree but still
# in history); 0 clones shallow (the latest commit only) and skips that pass.
SCAN_HISTORY_COMMITS = env.int("SCAN_HISTORY_COMMITS", default=200)
# A running scan's worker renews its lease every SCAN_HEARTBEAT_SECONDS; a lease left to run
# out means the worker died, and the scan may be taken over.
SCAN_LEASE_SECONDS = env.int("SCAN_LEASE_SECONDS", default=90)
SCAN_HEARTBEAT_SECONDS = env.int("SCAN_HEARTBEAT_SECONDS", default=15)
SCAN_MAX_REQUEUES = env.int("SCAN_MAX_REQUEUES", default=3)
SCAN_MAX_RETRIES = env.int("SCAN_MAX_RETRIES", default=3)
# Known-vulnerable dependencies (apps/scans/osv.py): the OSV API asked about each locked
# package version (POST <url>/querybatch, then GET <url>/vulns/<id>); empty switches the
# lookups off and the rule reports "not checked". Answers are cached per package version and
# per advisory. OSV takes at most 1,000 queries per batch. A mirror on a private network
# needs OSV_BLOCK_PRIVATE_NETWORKS=False.
OSV_API_URL = env.str("OSV_API_URL", default="https://api.osv.dev/v1")
OSV_TIMEOUT = env.float("OSV_TIMEOUT", default=10.0)
OSV_BATCH_SIZE = env.int("OSV_BATCH_SIZE", default=1000)
OSV_CACHE_SECONDS = env.int("OSV_CACHE_SECONDS", default=6 * 3600)
OSV_MAX_ADVISORIES = env.int("OSV_MAX_ADVISORIES", default=300)  # details fetched per scan
OSV_BLOCK_PRIVATE_NETWORKS = env.bool("OSV_BLOCK_PRIVATE_NETWORKS", default=True)

# Incoming push webhooks (apps/scans/webhooks.py; docs/webhooks.md, "Incoming: repository
# push"): the largest body taken, how many deliveries per engagement are remembered (a
# delivery id among them is a replay), and the rates per webhook address and per client
# address (GitHub and GitLab send from shared addresses: keep that one generous).
SCAN_PUSH_MAX_BODY_BYTES = env.int("SCAN_PUSH_MAX_BODY_BYTES", default=1_048_576)
SCAN_PUSH_DELIVERIES_KEPT = env.int("SCAN_PUSH_DELIVERIES_KEPT", default=500)
SCAN_PUSH_RATE_PER_HOOK = env.str("SCAN_PUSH_RATE_PER_HOOK", default="30/m,300/h")
SCAN_PUSH_RATE_PER_IP = env.str("SCAN_PUSH_RATE_PER_IP", default="300/m")

# --- Logging ----------------------------------------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOG_FORMAT = env.str("LOG_FORMAT", default="text")  # "json" in production
LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_context": {"()": "apps.core.logging.RequestContextFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_context"],
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
    },
}

# --- Sentry -----------------------------------------------------------------------------
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    import sentry_sdk

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=env.str("SENTRY_ENVIRONMENT", default="production"),
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
        send_default_pii=False,
    )
