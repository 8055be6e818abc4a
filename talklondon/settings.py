"""Settings for Talk London.

Every knob is an environment variable with an embedded default, so that the site runs with no
environment at all (SQLite, eager Celery, local-memory cache, console email) and production is
selected by setting DATABASE_URL, REDIS_URL and the email variables. See README.md.
"""

import os
import sys
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
TESTING = env_bool("TALKLONDON_TESTING", False) or "pytest" in sys.modules

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if DEBUG or TESTING:
        # Only for local development and tests; production must set SECRET_KEY.
        SECRET_KEY = "insecure-development-key-not-for-production"  # noqa: S105
    else:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if (DEBUG or TESTING) else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sites",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "rest_framework",
    "drf_spectacular",
    "corsheaders",
    "csp",
    "talklondon",
    "consultation",
    "consultation.surveys",
    "consultation.analysis",
    "consultation.statements",
    "anpr_info",
]
# The demo (seed_demo, demo_totp, simulate_police_feed) creates a superuser with a published
# password and simulated statistics, so production never has its commands: only local runs,
# the tests and the benchmarks (which seed with production settings and DEMO=1) install it.
DEMO = env_bool("DEMO", DEBUG or TESTING)
if DEMO:
    INSTALLED_APPS.append("demo")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    # ETags for every full response (cached copies too), and 304s for conditional requests.
    "django.middleware.http.ConditionalGetMiddleware",
    # Anonymous page-cache hits are answered here, before sessions, CSRF, auth and CSP.
    "talklondon.page_cache.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "talklondon.middleware.StaffAccessMiddleware",
    # Turns django-ratelimit's Ratelimited exception into RATELIMIT_VIEW (our friendly 429 page).
    "django_ratelimit.middleware.RatelimitMiddleware",
]

ROOT_URLCONF = "talklondon.urls"
WSGI_APPLICATION = "talklondon.wsgi.application"
ASGI_APPLICATION = "talklondon.asgi.application"
SITE_ID = 1

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
                "talklondon.context_processors.site",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            conn_max_age=env_int("DB_CONN_MAX_AGE", 600),
            conn_health_checks=True,
        )
    }
    # PgBouncer in transaction pooling mode cannot keep a named cursor open across
    # transactions: turn server-side cursors off there (Django then fetches all rows at once).
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env_bool(
        "DISABLE_SERVER_SIDE_CURSORS", False
    )
else:
    (BASE_DIR / "var").mkdir(exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": BASE_DIR / "var" / "db.sqlite3",
            # WAL and a busy timeout let the dev server and eager tasks share the file.
            "OPTIONS": {
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache and Celery ------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            # Degrades to "no cache" while Redis is unreachable instead of failing requests.
            "BACKEND": "talklondon.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "tl"),
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CELERY_BROKER_URL = "memory://"
    CELERY_RESULT_BACKEND = None
    CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "Europe/London"
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Publishing must fail fast when Redis is down: the outbox keeps the task and beat relays it later.
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# `max_retries: 0`: a publisher that cannot connect gives up at once. Without it kombu sleeps
# its first retry interval (2 s) before giving up, holding the request: the submission spike
# measured the site idle for the whole of a Redis outage. A worker's consumer reconnects by its
# own rule (broker_connection_max_retries), which this does not change.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 1,
    "socket_timeout": 2,
    "max_retries": 0,
}
CELERY_TASK_PUBLISH_RETRY = False
CELERY_RESULT_EXPIRES = 3600
# A worker keeps its database connection between tasks; Django's own rule (CONN_MAX_AGE, health
# checks) closes it (talklondon/celery.py). Without this Celery's Django fixup closes it before
# and after every task: a new connection per email. It still recycles it every 2 x this many.
CELERY_DB_REUSE_MAX = 1000
# The outbox (talklondon/outbox.py): every deferred task, emails included, is a row first.
# Most tasks relayed per beat tick.
OUTBOX_RELAY_BATCH = env_int("OUTBOX_RELAY_BATCH", 500)
# Seconds between beat's relays of tasks still waiting (the broker was down at commit).
OUTBOX_RELAY_SECONDS = env_int("OUTBOX_RELAY_SECONDS", 10)
# Batched kinds (emails): one drain per this many seconds of a burst, run a second after it,
# so a receipt leaves within about OUTBOX_BATCH_SECONDS + 1 of its submission.
OUTBOX_BATCH_SECONDS = env_int("OUTBOX_BATCH_SECONDS", 1)
# A task published this many seconds ago and still not completed (its worker died, or it ran
# out of retries) is published again by the relay...
OUTBOX_STALLED_SECONDS = env_int("OUTBOX_STALLED_SECONDS", 300)
# ...up to this many attempts in all; then it is left for a person (its last_error says why).
OUTBOX_MAX_ATTEMPTS = env_int("OUTBOX_MAX_ATTEMPTS", 20)
# Seconds between checks for embargoed ANPR releases whose announced time has come.
ANPR_PUBLISH_CHECK_SECONDS = env_int("ANPR_PUBLISH_CHECK_SECONDS", 60)
# Seconds between sweeps that delete expired export files.
EXPORT_EXPIRY_CHECK_SECONDS = env_int("EXPORT_EXPIRY_CHECK_SECONDS", 15 * 60)
# Hours between runs of the personal-data retention job.
PERSONAL_DATA_RETENTION_RUN_HOURS = env_int("PERSONAL_DATA_RETENTION_RUN_HOURS", 6)
# Every periodic task, and only here: no app adds its own (tests/talklondon/test_beat_schedule.py).
CELERY_BEAT_SCHEDULE = {
    "outbox-relay": {
        "task": "talklondon.tasks.outbox_relay",
        "schedule": float(OUTBOX_RELAY_SECONDS),
    },
    "personal-data-retention": {
        "task": "talklondon.tasks.personal_data_retention_run",
        "schedule": PERSONAL_DATA_RETENTION_RUN_HOURS * 3600.0,
    },
    # Publication is idempotent, so a missed or doubled beat is harmless.
    "anpr-publish-due-releases": {
        "task": "anpr_info.tasks.releases_publish_due",
        "schedule": float(ANPR_PUBLISH_CHECK_SECONDS),
    },
    "analysis-export-expiry": {
        "task": "consultation.analysis.tasks.export_expire",
        "schedule": float(EXPORT_EXPIRY_CHECK_SECONDS),
    },
}

# Caches (talklondon/cache.py). Each web process uses the namespace versions it read from Redis
# for this long, so that a cached anonymous page costs no round trip: another process's
# invalidation shows here up to this much later. 0 turns the per-process layer off (the test
# default: tests clear the shared cache, not each process's copies).
PAGE_CACHE_LOCAL_SECONDS = env_int("PAGE_CACHE_LOCAL_SECONDS", 0 if TESTING else 1)
# Published ANPR figures, charts and API answers are cached until the next publication makes
# them stale; this caps how long one is kept in Redis even without one.
ANPR_CACHE_SECONDS = env_int("ANPR_CACHE_SECONDS", 3600)

# Respondents' survey pages reuse a survey's loaded structure (per process) until a builder
# service changes it; this caps how long a copy lives. 0 turns reuse off (the test default).
SURVEY_STRUCTURE_CACHE_SECONDS = env_int("SURVEY_STRUCTURE_CACHE_SECONDS", 0 if TESTING else 300)

# Statements (opinion groups): people who voted on fewer statements than this are left out of
# the groups (as Pol.is does), and how many statements one person may submit an hour.
STATEMENTS_MIN_VOTES = env_int("STATEMENTS_MIN_VOTES", 7)
STATEMENTS_SUBMIT_PER_HOUR = env_int("STATEMENTS_SUBMIT_PER_HOUR", 10)

# --- Email ----------------------------------------------------------------------------------
# Django and allauth "send" through the outbox backend; the Celery task delivers with the
# real backend below, so that mail survives a broker outage.
EMAIL_BACKEND = "talklondon.mail.OutboxEmailBackend"
EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_DELIVERY_BACKEND = env_str(
    "EMAIL_DELIVERY_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Talk London <noreply@talk.london.gov.uk>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Auth and accounts (django-allauth) -----------------------------------------------------
AUTH_USER_MODEL = "talklondon.User"
# Django's and allauth's backends, loading the signed-in person with a compiled query.
AUTHENTICATION_BACKENDS = [
    "talklondon.auth_backends.ModelBackend",
    "talklondon.auth_backends.AuthenticationBackend",
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
# Messages live in the session so that the only cookies are sessionid and csrftoken.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_ADAPTER = "talklondon.adapters.AccountAdapter"
ACCOUNT_FORMS = {
    "login": "talklondon.forms.LoginForm",
    "signup": "talklondon.forms.SignupForm",
    "reset_password": "talklondon.forms.ResetPasswordForm",
}
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
# People may sign in before verifying; taking part is what needs a verified address.
ACCOUNT_EMAIL_VERIFICATION = "optional"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "Talk London: "
# Sign-up and password reset answer the same for a new and an existing address; the owner of
# an existing one is emailed (talklondon.forms.SignupForm keeps this with optional verification).
ACCOUNT_PREVENT_ENUMERATION = True
# Nobody can lock an account out: failed sign-ins are counted per client and per address from
# that client (talklondon.adapters), and the owner can always get in with an emailed code.
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_RATE_LIMITS = {
    "login_failed": "20/5m/ip,5/5m/key",
    "signup": "10/h/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "5/h/ip,3/h/key",
    "reset_password_from_key": "20/h/ip",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "reauthenticate": "10/m/user",
}
# Staff sessions are signed out after this many idle minutes (talklondon.middleware).
STAFF_SESSION_IDLE_MINUTES = env_int("STAFF_SESSION_IDLE_MINUTES", 30)
# The most sensitive staff actions need a sign-in or re-authentication this recent (seconds).
ACCOUNT_REAUTHENTICATION_TIMEOUT = env_int("STAFF_REAUTHENTICATION_SECONDS", 300)
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Talk London"
MFA_TOTP_TOLERANCE = 1

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "var" / "staticfiles")))
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if (DEBUG or TESTING)
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING
if DEBUG or TESTING:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

# --- Security -------------------------------------------------------------------------------
SECURE = env_bool("SECURE", not (DEBUG or TESTING))
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", SECURE)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if SECURE else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE
SECURE_HSTS_PRELOAD = SECURE
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
BEHIND_TLS_PROXY = env_bool("BEHIND_TLS_PROXY", False)
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # Exactly one proxy (nginx) in front: client addresses come from its X-Forwarded-For entry,
    # the same one for every rate limit (see talklondon/client_ip.py).
    RATELIMIT_IP_META_KEY = "talklondon.client_ip.client_ip"
    ALLAUTH_TRUSTED_PROXY_COUNT = 1
SESSION_COOKIE_SECURE = SECURE
# Links in emails sent without a request (e.g. from tasks) use the Site domain and this scheme.
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if SECURE else "http"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Database sessions, their one read per request compiled once per process.
SESSION_ENGINE = "talklondon.sessions"
CSRF_COOKIE_SECURE = SECURE
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "talklondon.views.csrf_failure"
X_FRAME_OPTIONS = "DENY"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- API ------------------------------------------------------------------------------------
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.AnonRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"anon": env_str("API_RATE_LIMIT", "600/min")},
    "EXCEPTION_HANDLER": "talklondon.problems.problem_exception_handler",
    # Behind one proxy, the anonymous throttle counts the client, not the proxy.
    "NUM_PROXIES": 1 if BEHIND_TLS_PROXY else None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Talk London ANPR transparency API",
    "DESCRIPTION": "Read-only open data on how the Metropolitan Police use ANPR data.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
}

# --- Limits at the edge of the APIs (hostile input) -----------------------------------------
# Each is refused with a problem response before any of our code reads the return.
ANPR_SIGNATURE_WINDOW_SECONDS = env_int("ANPR_SIGNATURE_WINDOW_SECONDS", 300)
ANPR_INGEST_RATE = env_str("ANPR_INGEST_RATE", "600/min")
ANPR_INGEST_MAX_BYTES = env_int("ANPR_INGEST_MAX_BYTES", DATA_UPLOAD_MAX_MEMORY_SIZE)
ANPR_INGEST_MAX_ROWS = env_int("ANPR_INGEST_MAX_ROWS", 500_000)
# Containers inside containers: a JSON return needs 3 (document, rows, row).
ANPR_INGEST_MAX_DEPTH = env_int("ANPR_INGEST_MAX_DEPTH", 8)
ANPR_INGEST_MAX_CELL_CHARS = env_int("ANPR_INGEST_MAX_CELL_CHARS", 10_000)
# A request killed mid-way (a worker timeout) leaves its Idempotency-Key "in progress"; after
# this long a retry may claim it again. Longer than gunicorn's --timeout (30 s).
ANPR_IDEMPOTENCY_EXPIRY_SECONDS = env_int("ANPR_IDEMPOTENCY_EXPIRY_SECONDS", 120)
# The largest page number the open data API answers (1000 observations a page).
API_MAX_PAGE = env_int("API_MAX_PAGE", 10_000)

# --- Rate limits on writes (django-ratelimit) ------------------------------------------------
RATELIMIT_ENABLE = env_bool("RATELIMIT_ENABLE", True)
RATELIMIT_VIEW = "talklondon.views.rate_limited"

# --- Comments and moderation (consultation/limits.py, consultation/services/rules.py) --------
# Longest comment, in characters.
COMMENT_MAX_LENGTH = env_int("COMMENT_MAX_LENGTH", 5000)
# How long after posting an author may still edit a comment, in minutes.
COMMENT_EDIT_WINDOW_MINUTES = env_int("COMMENT_EDIT_WINDOW_MINUTES", 15)
# Comments one person may post per minute and per hour.
COMMENT_RATE_PER_MINUTE = env_int("COMMENT_RATE_PER_MINUTE", 5)
COMMENT_RATE_PER_HOUR = env_int("COMMENT_RATE_PER_HOUR", 30)
# Hold a new account's first comment for a moderator; an account is new for this many days.
COMMENT_HOLD_FIRST_COMMENT = env_bool("COMMENT_HOLD_FIRST_COMMENT", True)
COMMENT_NEW_ACCOUNT_DAYS = env_int("COMMENT_NEW_ACCOUNT_DAYS", 7)
# Comma-separated words (whole words, any case) that hold a comment for a moderator.
COMMENT_BLOCKLIST = env_list("COMMENT_BLOCKLIST", "fuck,cunt,viagra,casino,crypto giveaway")
# More comments than this in a minute on one consultation holds new ones (a surge).
COMMENT_SURGE_PER_MINUTE = env_int("COMMENT_SURGE_PER_MINUTE", 20)

# --- Exports (consultation/analysis/services/exports/) ---------------------------------------
# Exports of up to this many rows download at once; larger ones are built in the background.
EXPORT_STREAM_MAX_ROWS = env_int("EXPORT_STREAM_MAX_ROWS", 5000)
# Hours a background export's file is offered before it is deleted.
EXPORT_EXPIRY_HOURS = env_int("EXPORT_EXPIRY_HOURS", 24)
# Background exports one member of staff may have waiting or running at once.
EXPORT_MAX_ACTIVE_PER_PERSON = env_int("EXPORT_MAX_ACTIVE_PER_PERSON", 3)
# A background export still "running" after this many minutes is taken to have died with its
# worker, and may be built again.
EXPORT_STALE_RUNNING_MINUTES = env_int("EXPORT_STALE_RUNNING_MINUTES", 30)

# --- Product knobs --------------------------------------------------------------------------
PERSONAL_DATA_RETENTION_MONTHS = env_int("PERSONAL_DATA_RETENTION_MONTHS", 12)
# Copies of delivered emails (they contain addresses) are deleted after this many days.
EMAIL_LOG_RETENTION_DAYS = env_int("EMAIL_LOG_RETENTION_DAYS", 30)

# --- Personal data (see talklondon/personal_data.py, the inventory) -------------------------
# The secret behind keyed digests (HMAC) of plates and emails kept only to recognise them, and
# behind the wrapping of the per-person keys that seal audit text. Set it apart from SECRET_KEY
# in production, so that rotating one does not change the other; without it, it is derived
# from SECRET_KEY. A copy of the database without this key cannot test guesses against digests.
PERSONAL_DATA_KEY = env_str("PERSONAL_DATA_KEY") or f"derived-from-secret-key:{SECRET_KEY}"
# Mail that could not be delivered after this many days is dropped (it holds an address).
UNDELIVERED_EMAIL_RETENTION_DAYS = env_int("UNDELIVERED_EMAIL_RETENTION_DAYS", 14)
# Accounts that never took part (no comment, like, report or survey response) and have not
# signed in for this many months are erased.
DORMANT_ACCOUNT_MONTHS = env_int("DORMANT_ACCOUNT_MONTHS", 24)
# Paper, email, letter and event responses: the name, reference and scan are erased this many
# months after the survey closes (the anonymised answers stay).
OFFLINE_RESPONSE_IDENTITY_MONTHS = env_int("OFFLINE_RESPONSE_IDENTITY_MONTHS", 12)
# Earlier versions of comments (edits and redactions, kept for moderators) go this many months
# after the consultation closes.
COMMENT_VERSION_RETENTION_MONTHS = env_int("COMMENT_VERSION_RETENTION_MONTHS", 12)
# ANPR ingestion: idempotency records and quarantined returns go after this many days.
ANPR_IDEMPOTENCY_RETENTION_DAYS = env_int("ANPR_IDEMPOTENCY_RETENTION_DAYS", 30)
ANPR_QUARANTINE_RETENTION_DAYS = env_int("ANPR_QUARANTINE_RETENTION_DAYS", 90)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Every line passes the personal-data mask: plates and email addresses never reach a log.
    "filters": {"personal_data": {"()": "talklondon.log_filters.PersonalDataFilter"}},
    "formatters": {
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["personal_data"]},
        # The development server's request lines, masked like every other line.
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["personal_data"],
        },
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
    },
}
