"""Django settings, every one read from the environment (``.env.example`` lists them all)."""
from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url

from config.runtime_choice import DEFAULT_REDIS_URL, RUNTIME_CHOICES, redis_answers
from config.secret_key import is_public, secret_key

CHANNEL_LAYER_CHOICES = ("auto", "memory", "redis")

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"


def env_bool(name: str, default: bool) -> bool:
    """Return the boolean value of an environment variable ("1", "true", "yes", "on" are true)."""
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def channel_layers(kind: str, redis_url: str) -> dict:
    """Return CHANNEL_LAYERS for ``kind`` ("redis" or "memory"); workers and tests build theirs here too."""
    if kind == "redis":
        # Redis pub/sub ignores database numbers: the prefix keeps two Switchyards that share a
        # Redis on different databases from hearing each other.
        prefix = f"switchyard{urlsplit(redis_url).path.strip('/') or '0'}"
        return {"default": {"BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
                            "CONFIG": {"hosts": [redis_url], "prefix": prefix}}}
    # The publisher queues at most one message per execution every 50 ms; room for bursts.
    return {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer", "CONFIG": {"capacity": 1000}}}


def env_list(name: str, default: str) -> list[str]:
    """Return a comma-separated environment variable as a list of non-empty, stripped items."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# A development key on loopback only; beyond it, SECRET_KEY or one kept in var/secret_key.
SECRET_KEY = secret_key(os.environ, VAR_DIR)
SWITCHYARD_PUBLIC = is_public(os.environ)
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
# Origins besides this site's own that may post to the REST API and open websockets
# (e.g. https://switchyard.example.com behind a TLS proxy).
CSRF_TRUSTED_ORIGINS = env_list("SWITCHYARD_TRUSTED_ORIGINS", "")

# --- HTTPS: behind a TLS proxy that sets X-Forwarded-Proto, SWITCHYARD_HTTPS=1 turns on HSTS, the
# redirect and secure cookies. Without it Switchyard serves plain HTTP (on loopback, or published
# on the host's loopback by docker compose), where those would lock the browser out, so
# `manage.py check --deploy` is told that they are off on purpose.
SWITCHYARD_HTTPS = env_bool("SWITCHYARD_HTTPS", False)
if SWITCHYARD_HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SWITCHYARD_HSTS_SECONDS") or 31536000)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
else:
    SILENCED_SYSTEM_CHECKS = ["security.W004", "security.W008", "security.W012", "security.W016"]

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "channels",
    "designer",
]

MIDDLEWARE = [
    "designer.rest.errors.JsonErrorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "designer.auth.LoopbackOrTokenMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
WSGI_APPLICATION = None

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

# --- database: SQLite by default, PostgreSQL (or anything dj-database-url reads) via DATABASE_URL
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The runtime writes history from its own thread while requests read and write:
    # WAL lets readers proceed during a write, the timeout makes writers queue instead of
    # failing, and IMMEDIATE transactions take the write lock up front, so two writers
    # never deadlock upgrading a read lock.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file, not Django's shared in-memory test database: threads then get real SQLite
    # locking (busy timeout) instead of "database table is locked" errors.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}
    # Opening a SQLite connection (and setting its pragmas) costs more than most requests: keep one
    # per thread. The threads are the server's fixed pool, so the connections are bounded too.
    DATABASES["default"]["CONN_MAX_AGE"] = None
    VAR_DIR.mkdir(exist_ok=True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
# The built front end (``npm run build`` writes frontend/dist); its index.html is served at "/".
FRONTEND_DIST = Path(os.environ.get("SWITCHYARD_FRONTEND_DIST") or BASE_DIR / "frontend" / "dist")
STATICFILES_DIRS = [FRONTEND_DIST] if FRONTEND_DIST.is_dir() else []

# A 1 MB definition JSON-escaped can grow several times over; AWS's own limits on the
# definition (1 MB) and the input (256 KB) are checked against botocore's service model.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("SWITCHYARD_MAX_BODY_BYTES") or 8 * 1024 * 1024)

REST_FRAMEWORK = {
    # CSRF on every unsafe request without the API token, from loopback too (designer/rest/auth.py);
    # JSON in and out, errors included: no form parsers for a cross-site form to reach.
    "DEFAULT_AUTHENTICATION_CLASSES": ["designer.rest.auth.CsrfSessionAuthentication"],
    "DEFAULT_PARSER_CLASSES": ["designer.rest.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # \u-escaped output: a stray lone surrogate in stored data cannot fail a response.
    "UNICODE_JSON": False,
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 100,
    "EXCEPTION_HANDLER": "designer.rest.errors.exception_handler",
}

# --- Redis, Channels, Celery
REDIS_URL = os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL
# Live updates (designer/live): every process that writes history publishes to this layer, so
# the web process and Celery workers must agree on it. "auto" takes Redis whenever it answers
# (the pub/sub layer: about 3x the messages/s of the list-based one through one daphne), else
# the in-memory layer, which only reaches websockets of the process that writes the history.
SWITCHYARD_CHANNEL_LAYER = (os.environ.get("SWITCHYARD_CHANNEL_LAYER") or "auto").strip().lower()
SWITCHYARD_CHANNEL_REDIS_URL = os.environ.get("SWITCHYARD_CHANNEL_REDIS_URL") or REDIS_URL
if SWITCHYARD_CHANNEL_LAYER not in CHANNEL_LAYER_CHOICES:
    raise ValueError(f"SWITCHYARD_CHANNEL_LAYER must be one of {CHANNEL_LAYER_CHOICES}, "
                     f"not {SWITCHYARD_CHANNEL_LAYER!r}")
if SWITCHYARD_CHANNEL_LAYER == "auto":
    SWITCHYARD_CHANNEL_LAYER = "redis" if redis_answers(SWITCHYARD_CHANNEL_REDIS_URL) else "memory"
CHANNEL_LAYERS = channel_layers(SWITCHYARD_CHANNEL_LAYER, SWITCHYARD_CHANNEL_REDIS_URL)
# At most one live message per execution per this many ms, carrying every event since the last.
SWITCHYARD_LIVE_COALESCE_MS = float(os.environ.get("SWITCHYARD_LIVE_COALESCE_MS") or 50)

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or REDIS_URL
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or REDIS_URL
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1

# --- Switchyard
SWITCHYARD_RUNTIME = os.environ.get("SWITCHYARD_RUNTIME", "auto").strip().lower() or "auto"
if SWITCHYARD_RUNTIME not in RUNTIME_CHOICES:
    raise ValueError(f"SWITCHYARD_RUNTIME must be one of {RUNTIME_CHOICES}, not {SWITCHYARD_RUNTIME!r}")
# Python modules whose @handler("function-name") functions answer Lambda Task states.
# Unset: the examples' handlers; set to nothing: none.
SWITCHYARD_HANDLERS = env_list("SWITCHYARD_HANDLERS", "examples.handlers")
SWITCHYARD_REGION = os.environ.get("SWITCHYARD_REGION") or "us-east-1"
SWITCHYARD_ACCOUNT_ID = os.environ.get("SWITCHYARD_ACCOUNT_ID") or "123456789012"
# How long GetActivityTask waits for a task, in seconds (AWS: 60).
SWITCHYARD_ACTIVITY_POLL_S = float(os.environ.get("SWITCHYARD_ACTIVITY_POLL_S") or 60)
# Required from any client that is not on the loopback interface (see designer/auth.py).
SWITCHYARD_API_TOKEN = os.environ.get("SWITCHYARD_API_TOKEN", "")
# StartSyncExecution waits at most this long (AWS: 5 minutes for EXPRESS).
SWITCHYARD_SYNC_TIMEOUT_S = float(os.environ.get("SWITCHYARD_SYNC_TIMEOUT_S") or 300)
# Step Functions Local's mock configuration file: StartExecution on "<stateMachineArn>#<TestCase>"
# answers that test case's mocked states from it (docs/testing.md).
SFN_MOCK_CONFIG = os.environ.get("SFN_MOCK_CONFIG", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL") or "INFO"},
    "loggers": {"daphne": {"level": "WARNING"}},
}
