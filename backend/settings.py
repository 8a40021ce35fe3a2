"""Django settings, read from the environment (see .env.example).

With nothing set, the app runs on the embedded default: SQLite under var/, local
file storage, the in-process CPU worker and an in-memory channel layer.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


DEBUG = env_bool("DEBUG", False)


def _secret_key() -> str:
    if key := os.environ.get("SECRET_KEY"):
        return key
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    # A development key generated once, so sessions survive restarts.
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
if DEBUG:
    ALLOWED_HOSTS += ["testserver"]
# Full origins (scheme://host[:port]) trusted besides the app's own: for CSRF on HTTP POSTs and
# for websocket handshakes alike (backend.asgi.SameOrTrustedOriginValidator), so one list
# decides both. Browsers attach cookies to cross-site websocket handshakes, which carry no CSRF
# token: the Origin check is all that stops another site from using a member's session there.
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# A frontend hosted on another origin (e.g. a CDN) sends credentials with its requests; it also
# needs its origin in CSRF_TRUSTED_ORIGINS.
CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS")
CORS_ALLOW_CREDENTIALS = True

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "servestatic",
    "django.contrib.staticfiles",
    "corsheaders",
    "csp",
    "channels",
    "strawberry_django",
    "accounts",
    "kicks",
    "presets",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "backend.middleware.StaticFilesMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "backend.urls"
ASGI_APPLICATION = "backend.asgi.application"

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

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent readers and one writer without "database is locked" under the ASGI server.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # channels-redis waits for messages with 5 s blocking reads, which redis-py's
                # default 5 s socket timeout would cut off, killing every idle websocket.
                "hosts": [{"address": REDIS_URL, "socket_timeout": 15}],
                "prefix": os.environ.get("CHANNELS_PREFIX", "kwr"),
            },
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_PREFIX", "kwr"),
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
# Static files and the built React app (frontend/dist, from the site root) are served by
# ServeStatic, WhiteNoise's fork that streams files asynchronously under ASGI.
FRONTEND_DIST = Path(os.environ.get("FRONTEND_DIST", BASE_DIR / "frontend" / "dist"))
SERVESTATIC_ROOT = FRONTEND_DIST if FRONTEND_DIST.exists() else None
SERVESTATIC_USE_FINDERS = True
SERVESTATIC_AUTOREFRESH = DEBUG

MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "servestatic.storage.CompressedStaticFilesStorage"},
    # Generated kicks: local files by default, Supabase Storage in production (kicks issue).
    "kicks": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": VAR_DIR / "kicks", "base_url": "/media/kicks/"},
    },
}

CSRF_FAILURE_VIEW = "backend.views.csrf_failure"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# Number of reverse proxies in front of the app whose X-Forwarded-For entries are trusted.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    if TRUSTED_PROXY_COUNT > 0:
        # Only a proxy may say the client's connection was HTTPS: without one, the header is the
        # client's own, and trusting it would let any client skip the HTTPS redirect.
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_CONTENT_TYPE_NOSNIFF = True

# GraphQL: the explorer, introspection and "Did you mean ...?" are development conveniences.
GRAPHQL_IDE = env_bool("GRAPHQL_IDE", DEBUG)
GRAPHQL_INTROSPECTION = env_bool("GRAPHQL_INTROSPECTION", DEBUG)
GRAPHQL_SUGGESTIONS = env_bool("GRAPHQL_SUGGESTIONS", DEBUG)
# Per operation, counted as if every fragment were expanded in place (backend.graphql_guards).
GRAPHQL_MAX_DEPTH = env_int("GRAPHQL_MAX_DEPTH", 10)
GRAPHQL_MAX_ALIASES = env_int("GRAPHQL_MAX_ALIASES", 15)
GRAPHQL_MAX_FIELDS = env_int("GRAPHQL_MAX_FIELDS", 500)
GRAPHQL_MAX_SPREADS = env_int("GRAPHQL_MAX_SPREADS", 100)
GRAPHQL_MAX_TOKENS = env_int("GRAPHQL_MAX_TOKENS", 2000)
# Largest request body and largest websocket message, in bytes (Django's default: 2.5 MiB).
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 2_621_440)

# Throttles, "count/period" with period in s, min, hour or day. Login and registration count per
# client IP; the lockout counts failed password logins per username from any IP and then refuses
# that account's password logins (GraphQL and admin alike) until its window ends.
LOGIN_THROTTLE = os.environ.get("LOGIN_THROTTLE", "10/min")
REGISTER_THROTTLE = os.environ.get("REGISTER_THROTTLE", "5/hour")
LOGIN_LOCKOUT = os.environ.get("LOGIN_LOCKOUT", "20/15m")
RATELIMIT_IP_META_KEY = "accounts.services.client_ip"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

# --- Kicks (AI kick generation: worker, storage, quotas) -------------------------------------
# Which worker generates kicks: "local" runs the gpu_worker pipeline in this process (CPU or a
# local GPU); "modal" calls the deployed Modal class.
KICKS_WORKER = os.environ.get("KICKS_WORKER", "local")
if KICKS_WORKER not in {"local", "modal"}:
    raise ImproperlyConfigured('KICKS_WORKER must be "local" or "modal".')
MODAL_APP_NAME = os.environ.get("MODAL_APP_NAME", "kick-generator-app")
MODAL_CLASS_NAME = os.environ.get("MODAL_CLASS_NAME", "KickGenerator")
# The local worker's deadline for one generation (loading its weights included).
KICKS_WORKER_TIMEOUT_S = float(os.environ.get("KICKS_WORKER_TIMEOUT_S", 180))
# A Modal attempt waits this long for a container to take it (queueing and a cold start), then
# at most this long between two of its messages; past either it is cancelled and retried.
KICKS_WORKER_START_TIMEOUT_S = float(os.environ.get("KICKS_WORKER_START_TIMEOUT_S", 120))
KICKS_WORKER_IDLE_TIMEOUT_S = float(os.environ.get("KICKS_WORKER_IDLE_TIMEOUT_S", 30))
KICKS_WORKER_RETRIES = env_int("KICKS_WORKER_RETRIES", 2)
KICKS_WORKER_BACKOFF_S = float(os.environ.get("KICKS_WORKER_BACKOFF_S", 1.0))
# A running generation renews its lease every quarter of this; a lease not renewed for this long
# belongs to a process that died: its generation fails, its quota comes back, its subscribers
# are told.
KICKS_LEASE_S = float(os.environ.get("KICKS_LEASE_S", 20.0))
# Threads running generations: a CPU pipeline saturates a core per generation, whereas remote
# Modal calls mostly wait on the network.
KICKS_WORKER_THREADS = env_int("KICKS_WORKER_THREADS", 2 if KICKS_WORKER == "local" else 32)
# torch threads of the local worker (0: torch's default, one per core). One per generation, as
# `make bench-generation` measured: two members' kicks then run side by side on two cores, and a
# busy machine slows each kick in proportion instead of stalling OpenMP threads that spin-wait.
KICKS_TORCH_THREADS = env_int("KICKS_TORCH_THREADS", 1)
# Weights for the local worker: a folder or Hugging Face Hub id; unset -> gpu_worker's shipped
# default weights. Hub downloads are cached in KICK_MODEL_CACHE_DIR.
KICK_MODEL = os.environ.get("KICK_MODEL") or None
KICK_MODEL_CACHE_DIR = os.environ.get("KICK_MODEL_CACHE_DIR") or None
KICK_MODEL_DEVICE = os.environ.get("KICK_MODEL_DEVICE") or None
# Sampling steps and guidance scale; unset -> the model's own defaults (config.json).
KICKS_SAMPLING_STEPS = int(steps) if (steps := os.environ.get("KICKS_SAMPLING_STEPS")) else None
KICKS_GUIDANCE = float(guidance) if (guidance := os.environ.get("KICKS_GUIDANCE")) else None

# Quotas: stored kicks per member (in-flight generations count), successful generations per
# member per calendar day in KICKS_DAY_TIMEZONE, and generations per day across all members.
KICKS_TOTAL_CAP = env_int("KICKS_TOTAL_CAP", 30)
KICKS_DAILY_LIMIT = env_int("KICKS_DAILY_LIMIT", 10)
KICKS_GLOBAL_DAILY_BUDGET = env_int("KICKS_GLOBAL_DAILY_BUDGET", 1000)
KICKS_DAY_TIMEZONE = os.environ.get("KICKS_DAY_TIMEZONE", "America/New_York")

# Where kick WAVs live: "local" files served by the app at /media/kicks/, or a public
# Supabase Storage bucket.
KICKS_STORAGE = os.environ.get("KICKS_STORAGE", "local")
SUPABASE_URL = os.environ.get("SUPABASE_URL", "")
SUPABASE_SERVICE_KEY = os.environ.get("SUPABASE_SERVICE_KEY", "")
SUPABASE_BUCKET = os.environ.get("SUPABASE_BUCKET", "generated-kicks")
SUPABASE_TIMEOUT_S = float(os.environ.get("SUPABASE_TIMEOUT_S", 20))
if KICKS_STORAGE == "supabase":
    if not (SUPABASE_URL and SUPABASE_SERVICE_KEY):
        raise ImproperlyConfigured(
            "KICKS_STORAGE=supabase needs SUPABASE_URL and SUPABASE_SERVICE_KEY."
        )
    STORAGES["kicks"] = {
        "BACKEND": "kicks.storage.SupabaseStorage",
        "OPTIONS": {
            "url": SUPABASE_URL,
            "service_key": SUPABASE_SERVICE_KEY,
            "bucket": SUPABASE_BUCKET,
            "timeout_s": SUPABASE_TIMEOUT_S,
        },
    }
elif KICKS_STORAGE != "local":
    raise ImproperlyConfigured('KICKS_STORAGE must be "local" or "supabase".')

# --- Presets: the stock sound library ---------------------------------------------------------
# `manage.py build_samples` renders it here; its audio/ folder is served as static files under
# samples/. Every file name carries the hash of its bytes (kick-909-punch.<12 hex>.wav), so
# ServeStatic may tell browsers to cache those URLs forever.
STOCK_SAMPLES_DIR = Path(os.environ.get("STOCK_SAMPLES_DIR", VAR_DIR / "samples"))
(STOCK_SAMPLES_DIR / "audio").mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [("samples", STOCK_SAMPLES_DIR / "audio")]
SERVESTATIC_MIMETYPES = {".wav": "audio/wav"}
SERVESTATIC_IMMUTABLE_FILE_TEST = rf"^{STATIC_URL}samples/[a-z0-9-]+\.[0-9a-f]{{12}}\.wav$"

# Presets a member may keep, and preset saves (create or update) per member.
PRESETS_PER_MEMBER_CAP = env_int("PRESETS_PER_MEMBER_CAP", 200)
PRESETS_WRITE_THROTTLE = os.environ.get("PRESETS_WRITE_THROTTLE", "30/min")
# The presets query's page size (strawberry-django's offset pagination; also its largest page).
STRAWBERRY_DJANGO = {"PAGINATION_DEFAULT_LIMIT": 100, "PAGINATION_MAX_LIMIT": 100}

# --- Content-Security-Policy --------------------------------------------------------------------
# The Content-Security-Policy of every page (django-csp). The built app loads its scripts, the
# Web Audio worklet, styles and samples from this origin only; its favicon is a data: URL.
# Kick WAVs in Supabase Storage are fetched from there.
_MEDIA_ORIGINS = [SUPABASE_URL.rstrip("/")] if KICKS_STORAGE == "supabase" else []
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "worker-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'", *_MEDIA_ORIGINS],
        "media-src": ["'self'", "blob:", *_MEDIA_ORIGINS],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
