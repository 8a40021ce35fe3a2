"""Settings are read from the environment once, at import: each case runs in a fresh process."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

REPO = Path(settings.BASE_DIR)
SNAPSHOT = """
import json
from backend import settings as s
print(json.dumps({name: getattr(s, name, None) for name in %r}, default=str))
"""


def run_settings(env: dict[str, str], names: list[str], tmp_path: Path) -> dict:
    """Import the settings with exactly `env` (+ PATH) and return the named values."""
    full_env = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "backend.settings",
        "VAR_DIR": str(tmp_path),
        **env,
    }
    process = subprocess.run(
        [sys.executable, "-c", SNAPSHOT % names],
        cwd=REPO,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if process.returncode:
        raise RuntimeError(process.stderr)
    return json.loads(process.stdout.strip().splitlines()[-1])


def test_production_defaults_are_secure(tmp_path):
    values = run_settings(
        {"DEBUG": "0", "SECRET_KEY": "s" * 50, "ALLOWED_HOSTS": "kicks.example"},
        [
            "DEBUG",
            "SECURE_SSL_REDIRECT",
            "SECURE_PROXY_SSL_HEADER",
            "SECURE_HSTS_SECONDS",
            "SECURE_HSTS_INCLUDE_SUBDOMAINS",
            "SESSION_COOKIE_SECURE",
            "CSRF_COOKIE_SECURE",
            "SESSION_COOKIE_HTTPONLY",
            "ALLOWED_HOSTS",
            "GRAPHQL_IDE",
            "GRAPHQL_INTROSPECTION",
            "GRAPHQL_SUGGESTIONS",
            "CORS_ALLOWED_ORIGINS",
        ],
        tmp_path,
    )

    assert values == {
        "DEBUG": False,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_PROXY_SSL_HEADER": None,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "ALLOWED_HOSTS": ["kicks.example"],
        "GRAPHQL_IDE": False,
        "GRAPHQL_INTROSPECTION": False,
        "GRAPHQL_SUGGESTIONS": False,
        "CORS_ALLOWED_ORIGINS": [],
    }


def test_the_forwarded_scheme_is_trusted_only_behind_a_trusted_proxy(tmp_path):
    """Without a proxy, X-Forwarded-Proto is the client's own word: it must not skip the
    HTTPS redirect."""
    production = {"DEBUG": "0", "SECRET_KEY": "s" * 50}
    names = ["SECURE_PROXY_SSL_HEADER"]

    assert run_settings(production, names, tmp_path) == {"SECURE_PROXY_SSL_HEADER": None}
    assert run_settings({**production, "TRUSTED_PROXY_COUNT": "1"}, names, tmp_path) == {
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"]
    }


def test_a_missing_secret_key_is_refused_in_production(tmp_path):
    with pytest.raises(RuntimeError, match="SECRET_KEY must be set when DEBUG is off"):
        run_settings({"DEBUG": "0"}, ["SECRET_KEY"], tmp_path)
    assert not (tmp_path / "secret_key").exists()


def test_development_generates_one_secret_key_and_keeps_it(tmp_path):
    first = run_settings({"DEBUG": "1"}, ["SECRET_KEY"], tmp_path)["SECRET_KEY"]
    second = run_settings({"DEBUG": "1"}, ["SECRET_KEY"], tmp_path)["SECRET_KEY"]

    assert len(first) >= 50
    assert first == second
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_embedded_defaults_without_services(tmp_path):
    values = run_settings({"DEBUG": "1"}, ["DATABASES", "CHANNEL_LAYERS", "CACHES"], tmp_path)

    assert values["DATABASES"]["default"]["ENGINE"] == "django.db.backends.sqlite3"
    assert values["DATABASES"]["default"]["NAME"] == str(tmp_path / "db.sqlite3")
    assert values["CHANNEL_LAYERS"]["default"]["BACKEND"] == "channels.layers.InMemoryChannelLayer"
    assert values["CACHES"]["default"]["BACKEND"].endswith("LocMemCache")


def test_services_from_urls(tmp_path):
    values = run_settings(
        {
            "DEBUG": "1",
            "DATABASE_URL": "postgres://kwr:pw@db.internal:5433/kwr",
            "REDIS_URL": "redis://cache.internal:6380/2",
        },
        ["DATABASES", "CHANNEL_LAYERS", "CACHES"],
        tmp_path,
    )

    database = values["DATABASES"]["default"]
    assert (database["ENGINE"], database["HOST"], database["PORT"], database["NAME"]) == (
        "django.db.backends.postgresql",
        "db.internal",
        5433,
        "kwr",
    )
    layer = values["CHANNEL_LAYERS"]["default"]
    assert layer["BACKEND"] == "channels_redis.core.RedisChannelLayer"
    assert layer["CONFIG"]["hosts"][0]["address"] == "redis://cache.internal:6380/2"
    assert values["CACHES"]["default"]["LOCATION"] == "redis://cache.internal:6380/2"


def test_a_separately_hosted_frontend_is_trusted_for_cors_and_csrf(tmp_path):
    """CSRF_TRUSTED_ORIGINS also decides websocket handshakes (tests/core/test_websockets.py)."""
    values = run_settings(
        {
            "DEBUG": "0",
            "SECRET_KEY": "s" * 50,
            "ALLOWED_HOSTS": "api.kicks.example",
            "CORS_ALLOWED_ORIGINS": "https://kicks.example",
            "CSRF_TRUSTED_ORIGINS": "https://kicks.example",
        },
        ["CORS_ALLOWED_ORIGINS", "CSRF_TRUSTED_ORIGINS"],
        tmp_path,
    )

    assert values == {
        "CORS_ALLOWED_ORIGINS": ["https://kicks.example"],
        "CSRF_TRUSTED_ORIGINS": ["https://kicks.example"],
    }
