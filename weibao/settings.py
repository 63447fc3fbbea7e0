"""Weibao settings. Every deployment difference is an environment variable (see .env.example)."""

from datetime import timedelta
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from weibao.env import env_bool, env_int, env_list, env_secret, env_str, parse_database_url

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(env_str("WEIBAO_VAR_DIR", str(BASE_DIR.parent / "var")))

DEBUG = env_bool("WEIBAO_DEBUG", False)
SECRET_KEY = env_secret("WEIBAO_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "WEIBAO_SECRET_KEY (or WEIBAO_SECRET_KEY_FILE) must be set unless WEIBAO_DEBUG=true."
        )
    SECRET_KEY = "insecure-development-key-only-for-debug"  # noqa: S105
ALLOWED_HOSTS = env_list("WEIBAO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("WEIBAO_CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("WEIBAO_SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "axes",
    # weibao.core before django_tasks_db: its `db_worker` (the upstream worker with a lease) takes precedence.
    "weibao.core",
    "django_tasks_db",
    "crontask",
    "weibao.accounts",
    "weibao.customers",
    "weibao.assets",
    "weibao.contracts",
    "weibao.dispatch",
    "weibao.workorders",
    "weibao.onsite",
    "weibao.spares",
    "weibao.plans",
    "weibao.notifications",
    "weibao.inbound",
    "weibao.feedback",
    "weibao.payroll",
    "weibao.rma",
    "weibao.slareports",
    "weibao.inspections",
    "weibao.planning",
    "weibao.delivery",
    "weibao.labels",
]

MIDDLEWARE = [
    # A call to /api/ with `Authorization: Bearer` runs this list without WEIBAO_BROWSER_ONLY_MIDDLEWARE (below).
    "weibao.core.middleware.TokenApiMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "weibao.core.middleware.NoStoreWhenLoggedInMiddleware",
    "weibao.accounts.middleware.UserLanguageMiddleware",
    # A NUL character in a parameter: 400/422 naming the field (PostgreSQL cannot take it); JSON 404s under /api/.
    "weibao.core.middleware.InputGuardMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "weibao.core.errors.MethodNotAllowedPageMiddleware",
    # Last, so that it sees the outcome of authentication (django-axes requirement).
    "axes.middleware.AxesMiddleware",
]

# Browser state only (cookies, the session's user, CSRF, messages, htmx, login throttling, static files, the HTML 405
# page): a token-authenticated API call skips these (`weibao.core.middleware.TokenApiMiddleware`; issue 20 point 4).
WEIBAO_BROWSER_ONLY_MIDDLEWARE = [
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "weibao.core.errors.MethodNotAllowedPageMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "weibao.urls"
CSRF_FAILURE_VIEW = "weibao.core.errors.csrf_failure"
WSGI_APPLICATION = "weibao.wsgi.application"
ASGI_APPLICATION = "weibao.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "weibao.core.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DEFAULT_DB = f"sqlite:///{VAR_DIR / 'weibao.sqlite3'}"
DATABASES = {"default": parse_database_url(env_str("DATABASE_URL", DEFAULT_DB) or DEFAULT_DB)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    if DATABASES["default"]["NAME"] != ":memory:":
        Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # IMMEDIATE: writers queue instead of failing with "database is locked"; WAL lets readers run beside a writer.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        # read_uncommitted acts only in shared-cache mode, i.e. the tests' in-memory database: there a reader's table
        # lock made a live-server thread's concurrent write fail at once ("database table is locked"), with no wait.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000; PRAGMA read_uncommitted=1;"
        ),
    }
else:
    # 0: a new connection per request.
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("WEIBAO_DB_CONN_MAX_AGE", 60, minimum=0)
    # The health check costs a round trip (a ping before the first query) on every request that reuses the connection.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = env_bool("WEIBAO_DB_HEALTH_CHECKS", True)
    # Server-side binding with prepared statements: psycopg prepares a statement once it has run
    # WEIBAO_DB_PREPARE_THRESHOLD (5) times on a connection, so PostgreSQL stops re-planning the wide joins of the
    # work-order pages (the order fetch: 8.3 -> 2.8 ms, of which 3 ms was planning; docs/performance.md "Prepared
    # statements"). Django leaves both off by default; we switch them on. Behind a transaction-pooling PgBouncer set
    # WEIBAO_DB_SERVER_SIDE_BINDING=false (or WEIBAO_DB_PREPARE_THRESHOLD=0 to bind on the server without preparing).
    # After `migrate` changes a table, restart the web and task processes (a prepared plan keeps the old row type).
    if env_bool("WEIBAO_DB_SERVER_SIDE_BINDING", True):
        DATABASES["default"].setdefault("OPTIONS", {})["server_side_binding"] = True
        threshold = env_int("WEIBAO_DB_PREPARE_THRESHOLD", 5, minimum=0)
        if threshold:
            DATABASES["default"]["OPTIONS"]["prepare_threshold"] = threshold
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Covering indexes (INCLUDE) serve PostgreSQL; SQLite ignores the extra columns, which is fine for small sites.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

REDIS_URL = env_str("REDIS_URL", "")

# --- Cache ------------------------------------------------------------------------------------
# Short-lived counts, pick lists and their version, rendered fragments (docs/platform.md "Short-lived caches").
# Shared by every web and task process when WEIBAO_CACHE_URL (else REDIS_URL) names a Redis server, so a change seen
# by one process is seen by all; "locmem" (or no Redis) keeps a cache per process. A Redis that is down costs speed,
# not pages (weibao.core.cache): reads miss, and Redis is left alone for WEIBAO_CACHE_RETRY_SECONDS.
CACHE_URL = env_str("WEIBAO_CACHE_URL", REDIS_URL).strip()
if CACHE_URL and CACHE_URL != "locmem":
    if not CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured("WEIBAO_CACHE_URL must be a redis://, rediss:// or unix:// URL, or 'locmem'.")
    CACHES = {
        "default": {
            "BACKEND": "weibao.core.cache.TolerantRedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": env_str("WEIBAO_CACHE_PREFIX", "weibao"),
            "OPTIONS": {
                "retry_seconds": env_int("WEIBAO_CACHE_RETRY_SECONDS", 10, minimum=1),
                "socket_connect_timeout": 0.5,
                "socket_timeout": 0.5,
            },
        }
    }

# --- Authentication and security ------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses locked-out accounts/addresses
    "weibao.accounts.auth.AccountLimitBackend",  # then: refuses accounts over the limit from all addresses
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AXES_FAILURE_LIMIT = env_int("WEIBAO_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("WEIBAO_LOGIN_COOLOFF_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "weibao.accounts.views.lockout_response"
# On top of that, per account from all addresses together over a longer window (the login audit counts them): a
# forged or rotating client address gains nothing. 0 switches it off. Administrators unlock both in one click.
WEIBAO_LOGIN_ACCOUNT_FAILURE_LIMIT = env_int("WEIBAO_LOGIN_ACCOUNT_FAILURE_LIMIT", 20, minimum=0)
WEIBAO_LOGIN_ACCOUNT_WINDOW_MINUTES = env_int("WEIBAO_LOGIN_ACCOUNT_WINDOW_MINUTES", 120)
# Behind nginx the peer is the proxy: count the trusted proxies to find the client in X-Forwarded-For.
WEIBAO_PROXY_COUNT = env_int("WEIBAO_PROXY_COUNT", 0, minimum=0)  # 0: no proxy in front
AXES_CLIENT_IP_CALLABLE = "weibao.accounts.security.client_ip"
AXES_VERBOSE = False

SECURE_COOKIES = env_bool("WEIBAO_SECURE_COOKIES", False)  # true behind HTTPS
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("WEIBAO_SESSION_HOURS", 12) * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = SECURE_COOKIES
LANGUAGE_COOKIE_HTTPONLY = True  # no script reads it
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if SECURE_COOKIES:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("WEIBAO_HSTS_SECONDS", 0, minimum=0)  # 0: no HSTS header
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("WEIBAO_HSTS_INCLUDE_SUBDOMAINS", False)
    SECURE_HSTS_PRELOAD = env_bool("WEIBAO_HSTS_PRELOAD", False)
# Behind the proxy: plain-HTTP requests that reach us are redirected to HTTPS (X-Forwarded-Proto tells which is
# which). /healthz stays reachable over plain HTTP for a local monitor.
SECURE_SSL_REDIRECT = env_bool("WEIBAO_SSL_REDIRECT", False)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# Content-Security-Policy on every response (Django's own middleware): scripts, styles, images, fonts and XHR from
# our own origin only. No 'unsafe-inline' and no 'unsafe-eval': templates carry no <script> blocks, no on…=
# handlers, no <style> blocks and no style="…" attributes (weibao/core/tests/test_templates_csp.py enforces it);
# data: images for the icons that CSS files embed (Swagger UI).
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files --------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]  # project-wide CSS/JS and vendored libraries (apps keep their own)
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("WEIBAO_MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WEIBAO_MAX_UPLOAD_MB = env_int("WEIBAO_MAX_UPLOAD_MB", 25)
# Excel exports of lists (work orders, contracts): more matching rows than this asks the user to narrow the filters.
WEIBAO_EXPORT_MAX_ROWS = env_int("WEIBAO_EXPORT_MAX_ROWS", 50_000, minimum=1)
# How long a one-time quote approval link (SMS / e-mail / WeCom) stays valid.
WEIBAO_QUOTE_LINK_HOURS = env_int("WEIBAO_QUOTE_LINK_HOURS", 72, minimum=1)
# Inbound IM/SMS callbacks (weibao/inbound): a request whose timestamp is further off than this is refused as a replay.
WEIBAO_INBOUND_REPLAY_SECONDS = env_int("WEIBAO_INBOUND_REPLAY_SECONDS", 300, minimum=30)
# How long cached counts may lag: the work-order queue's per-state counts, and page counts of big lists.
WEIBAO_QUEUE_COUNTS_TTL = env_int("WEIBAO_QUEUE_COUNTS_TTL", 10, minimum=0)  # 0: never cached
WEIBAO_LIST_COUNT_TTL = env_int("WEIBAO_LIST_COUNT_TTL", 30, minimum=0)
# How long the one-click answer links of a notice ("已解决，可以结单" / "问题仍在") work (core.action_links).
WEIBAO_ANSWER_LINK_DAYS = env_int("WEIBAO_ANSWER_LINK_DAYS", 14, minimum=1)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Background work ------------------------------------------------------------------------
# Queues: "default"; "imports" (spreadsheets, below); "inbound" (routing received IM/SMS messages in batches, its own
# worker: `weibao db_worker --queue-name inbound`).
# Report snapshots (core.snapshots): None = each report's own age (the fault analysis an hour once its period has
# ended, the KPI month 10 minutes while current); a number of seconds overrides every kind (0: recompute on each view).
WEIBAO_SNAPSHOT_MAX_AGE_SECONDS = (
    env_int("WEIBAO_SNAPSHOT_MAX_AGE_SECONDS", 0, minimum=0) if env_str("WEIBAO_SNAPSHOT_MAX_AGE_SECONDS") else None
)
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "imports", "inbound"]}}
# A running worker renews its lease every third of this; a task whose worker missed it is re-queued (core.workers).
WEIBAO_TASK_LEASE_SECONDS = env_int("WEIBAO_TASK_LEASE_SECONDS", 60, minimum=2)
# Attempts of one task whose worker died under it before it is marked failed instead (a task that kills its worker).
WEIBAO_TASK_MAX_ATTEMPTS = env_int("WEIBAO_TASK_MAX_ATTEMPTS", 3)
# Events intake (POST /api/work-orders/events): a web process queues one alarm task per this many seconds, run when
# the window closes, so an alarm waits at most this long plus the worker's poll for its order (0: a task per alarm).
WEIBAO_ALARM_BATCH_SECONDS = env_int("WEIBAO_ALARM_BATCH_SECONDS", 1, minimum=0)
# Spreadsheet imports run on their own queue ("imports", its own worker) in a child process with these limits.
WEIBAO_IMPORT_TIME_LIMIT_SECONDS = env_int("WEIBAO_IMPORT_TIME_LIMIT_SECONDS", 300)
WEIBAO_IMPORT_MEMORY_MB = env_int("WEIBAO_IMPORT_MEMORY_MB", 1024, minimum=64)
# Every zip the product opens (.xlsx, .docx): largest entry when unpacked, all entries together, and ratio.
WEIBAO_ZIP_MAX_ENTRY_MB = env_int("WEIBAO_ZIP_MAX_ENTRY_MB", 100)
WEIBAO_ZIP_MAX_TOTAL_MB = env_int("WEIBAO_ZIP_MAX_TOTAL_MB", 200)
WEIBAO_ZIP_MAX_RATIO = env_int("WEIBAO_ZIP_MAX_RATIO", 100)
CRONTASK = {"REDIS_URL": REDIS_URL or None}

# --- Email ----------------------------------------------------------------------------------
# One mailer, "default" (Django 6.1 MAILERS; the EMAIL_* settings it replaces are deprecated and must not be set).
# The SMTP options belong to the SMTP backend only: another backend (e.g. console for a demo) takes none.
_smtp_backend = "django.core.mail.backends.smtp.EmailBackend"
MAILERS = {"default": {"BACKEND": env_str("WEIBAO_EMAIL_BACKEND", _smtp_backend)}}
if MAILERS["default"]["BACKEND"] == _smtp_backend:
    MAILERS["default"]["OPTIONS"] = {
        "host": env_str("WEIBAO_SMTP_HOST", "127.0.0.1"),
        "port": env_int("WEIBAO_SMTP_PORT", 25),
        "username": env_str("WEIBAO_SMTP_USER", ""),
        "password": env_secret("WEIBAO_SMTP_PASSWORD") or "",
        "use_tls": env_bool("WEIBAO_SMTP_STARTTLS", False),  # STARTTLS, usually port 587
        "use_ssl": env_bool("WEIBAO_SMTP_SSL", False),  # TLS from the start, usually port 465
        "timeout": 20,
    }
    if MAILERS["default"]["OPTIONS"]["use_tls"] and MAILERS["default"]["OPTIONS"]["use_ssl"]:
        raise ImproperlyConfigured("WEIBAO_SMTP_STARTTLS and WEIBAO_SMTP_SSL exclude each other: set at most one.")
elif MAILERS["default"]["BACKEND"] == "django.core.mail.backends.filebased.EmailBackend":
    # The demo's mailer (scripts/run.sh): every notice is written to a file under var/mail to be read there.
    MAILERS["default"]["OPTIONS"] = {"file_path": env_str("WEIBAO_EMAIL_FILE_PATH", str(VAR_DIR / "mail"))}
DEFAULT_FROM_EMAIL = env_str("WEIBAO_FROM_EMAIL", "weibao@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Logging --------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # A refused request (403, 404, a bad Host) is one line, not a traceback.
    "filters": {"refusals": {"()": "weibao.core.errors.RefusalsWithoutTraceback"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["refusals"]}},
    "root": {"handlers": ["console"], "level": env_str("WEIBAO_LOG_LEVEL", "INFO")},
    # apscheduler reports every lock refresh (every 5 s) at INFO: only problems are worth a line.
    "loggers": {"axes": {"level": "WARNING"}, "apscheduler": {"level": "WARNING"}},
}

WEIBAO_BRAND = _("Weibao")
