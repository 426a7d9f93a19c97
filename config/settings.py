"""Django settings. Everything comes from the environment, with defaults that start the
service with nothing configured (SQLite in ./var, an in-process cache, the local dev chain).
Application code reads these settings, never os.environ."""

from __future__ import annotations

import secrets
from pathlib import Path

import dj_database_url

from .env import env_bool, env_int, env_list, env_str, parse_chains, parse_rate

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("TOKENGATE_DATA_DIR", str(BASE_DIR / "var")))


def _secret_key() -> str:
    """DJANGO_SECRET_KEY, else a random key kept in the data folder so restarts keep it."""
    configured = env_str("DJANGO_SECRET_KEY", "")
    if configured:
        return configured
    path = DATA_DIR / "secret_key"
    if not path.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(50))
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
# Origins (scheme://host[:port]) allowed to POST admin forms besides the service's own host.
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

# --- HTTPS and security headers --------------------------------------------------------------
# Behind a TLS-terminating proxy that sets X-Forwarded-Proto (and overwrites any the client
# sent), trust it to say whether the request came in over HTTPS.
TOKENGATE_BEHIND_PROXY = env_bool("TOKENGATE_BEHIND_PROXY", False)
if TOKENGATE_BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Served over HTTPS only: secure cookies, redirect plain HTTP, HSTS. Off by default so that
# `make demo` works on plain http://127.0.0.1. The probes stay on plain HTTP for healthchecks.
TOKENGATE_SECURE = env_bool("TOKENGATE_SECURE", False)
SESSION_COOKIE_SECURE = TOKENGATE_SECURE
CSRF_COOKIE_SECURE = TOKENGATE_SECURE
SECURE_SSL_REDIRECT = TOKENGATE_SECURE
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = env_int("TOKENGATE_HSTS_SECONDS", 31536000 if TOKENGATE_SECURE else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("TOKENGATE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("TOKENGATE_HSTS_PRELOAD", False)
# Django's defaults, stated so they stay: no MIME sniffing, no framing, no cross-site referrers.
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "tokengate",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "tokengate.logs.RequestLogMiddleware",
    # Django's own, except on the JSON API, which uses no session, user or messages.
    "tokengate.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "tokengate.middleware.AuthenticationMiddleware",
    "tokengate.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASE_PREPARED_STATEMENTS = env_bool("DATABASE_PREPARED_STATEMENTS", True)
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'tokengate.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    # Serialise writers instead of failing with "database is locked" under concurrent logins.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and DATABASE_PREPARED_STATEMENTS:
    # Send parameters apart from the SQL so that psycopg can prepare each statement on a
    # connection and re-run it: a login repeats the same dozen statements, and PostgreSQL then
    # skips parsing and planning them (about a third of its CPU per login). Turn it off behind a
    # pooler that cannot keep prepared statements (PgBouncer in transaction mode before 1.21).
    DATABASES["default"].setdefault("OPTIONS", {}).update(server_side_binding=True, prepare_threshold=2)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("DJANGO_STATIC_ROOT", str(DATA_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise serves from here after collectstatic
WHITENOISE_USE_FINDERS = True
# Request bodies beyond this are refused before parsing (a SIWE login is ~1 KB).
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("TOKENGATE_MAX_BODY_BYTES", 65536, minimum=1024)

REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["tokengate.api.parsers.StrictJSONParser"],
    "DEFAULT_AUTHENTICATION_CLASSES": ["tokengate.api.auth.SiteKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["tokengate.api.auth.IsSite"],
    "EXCEPTION_HANDLER": "tokengate.api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Token Gate API",
    "DESCRIPTION": "Sign-In-With-Ethereum login and Ed25519 access tokens for token-gated WordPress sites.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Token Gate ---------------------------------------------------------------------------
TOKENGATE_ISSUER = env_str("TOKENGATE_ISSUER", "http://127.0.0.1:8000")
TOKENGATE_CHAINS = parse_chains(env_str("TOKENGATE_CHAINS", "31337=http://127.0.0.1:8545"))
TOKENGATE_ACCESS_TTL = env_int("TOKENGATE_ACCESS_TTL", 600, minimum=30)
TOKENGATE_REFRESH_TTL = env_int("TOKENGATE_REFRESH_TTL", 30 * 24 * 3600, minimum=60)
TOKENGATE_NONCE_TTL = env_int("TOKENGATE_NONCE_TTL", 600, minimum=30)
TOKENGATE_CLOCK_SKEW = env_int("TOKENGATE_CLOCK_SKEW", 60)
TOKENGATE_SIWE_MAX_BYTES = env_int("TOKENGATE_SIWE_MAX_BYTES", 4096, minimum=512)
TOKENGATE_SIWE_STATEMENT = env_str("TOKENGATE_SIWE_STATEMENT", "Sign in to read token-gated content.")
# Holdings: RPC timeout per request; how old stored holdings may be at refresh; how often
# Celery beat sweeps every reader's balances.
TOKENGATE_RPC_TIMEOUT = env_int("TOKENGATE_RPC_TIMEOUT", 5, minimum=1)
TOKENGATE_HOLDINGS_MAX_AGE = env_int("TOKENGATE_HOLDINGS_MAX_AGE", 300, minimum=0)
TOKENGATE_REFRESH_INTERVAL = env_int("TOKENGATE_REFRESH_INTERVAL", 300, minimum=10)
TOKENGATE_SWEEP_CHUNK = env_int("TOKENGATE_SWEEP_CHUNK", 500, minimum=1)
TOKENGATE_RATE_LIMIT_IP = parse_rate("TOKENGATE_RATE_LIMIT_IP", "60/min")
TOKENGATE_RATE_LIMIT_SITE = parse_rate("TOKENGATE_RATE_LIMIT_SITE", "6000/min")
# Encrypts signing keys at rest. Defaults to a key derived from SECRET_KEY; set it separately
# in production so a leaked SECRET_KEY alone does not expose the signing keys.
TOKENGATE_KEY_ENCRYPTION_KEY = env_str("TOKENGATE_KEY_ENCRYPTION_KEY", SECRET_KEY)

# --- Celery --------------------------------------------------------------------------------
# Redis in production. Unset, an embedded broker: kombu's filesystem transport in the data
# folder, which the web process, a worker and beat on one machine share with nothing to run.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
if CELERY_BROKER_URL == "filesystem://":
    _BROKER_DIR = DATA_DIR / "broker"
    for _folder in ("queue", "processed", "control"):
        (_BROKER_DIR / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_BROKER_DIR / "queue"),
        "data_folder_out": str(_BROKER_DIR / "queue"),
        "processed_folder": str(_BROKER_DIR / "processed"),
        "control_folder": str(_BROKER_DIR / "control"),  # kombu's default is ./control
        "store_processed": False,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SOFT_TIME_LIMIT = 60
CELERY_TASK_TIME_LIMIT = 90
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE = {
    "holdings-sweep": {"task": "tokengate.sweep", "schedule": float(TOKENGATE_REFRESH_INTERVAL)},
    "purge": {"task": "tokengate.purge", "schedule": 3600.0},
}
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"

# --- Logging -------------------------------------------------------------------------------
LOG_LEVEL = env_str("LOG_LEVEL", "INFO").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "tokengate.logs.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": env_str("TOKENGATE_LOG_FORMAT", "json"),
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # The request log below replaces Django's, which would print query strings.
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "ERROR"},
    },
}
