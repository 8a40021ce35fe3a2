"""Production answers: no field suggestions, a Content-Security-Policy on every page."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from django.test import Client

from backend.views import GRAPHIQL_ENTRY
from tests.core.test_settings import REPO

UNKNOWN_FIELD = """
import os, django
os.environ["DJANGO_SETTINGS_MODULE"] = "backend.settings"
django.setup()
from backend.schema import schema
print(schema.execute_sync("{ kick }").errors[0].message)
"""


@pytest.mark.parametrize(
    ("debug", "message"),
    [
        ("0", "Cannot query field 'kick' on type 'Query'."),
        ("1", "Cannot query field 'kick' on type 'Query'. Did you mean 'kicks'?"),
    ],
)
def test_suggestions_are_given_in_development_only(tmp_path, debug, message):
    env = {"PATH": "/usr/bin:/bin", "DEBUG": debug, "SECRET_KEY": "s" * 50}
    env["VAR_DIR"] = str(tmp_path)
    process = subprocess.run(
        [sys.executable, "-c", UNKNOWN_FIELD],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )

    assert process.stdout.strip().splitlines()[-1] == message


POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "worker-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "connect-src": "'self'",
    "media-src": "'self' blob:",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/graphql/?query=%7Bme%7Bid%7D%7D", "/admin/login/"])
def test_every_page_carries_the_content_security_policy(path):
    response = Client().get(path)

    policy = response["Content-Security-Policy"]
    directives = [part.strip().split(" ", 1) for part in policy.split(";")]
    assert dict(directives) == POLICY


@pytest.mark.django_db
def test_graphiql_runs_only_this_origins_scripts_with_inline_styles_for_its_editor(
    client, settings, tmp_path
):
    settings.GRAPHQL_IDE = True
    settings.FRONTEND_DIST = tmp_path
    (tmp_path / ".vite").mkdir()
    (tmp_path / ".vite" / "manifest.json").write_text(
        json.dumps({GRAPHIQL_ENTRY: {"file": "assets/graphiql-1234.js", "css": []}})
    )

    response = client.get("/graphql/", HTTP_ACCEPT="text/html")

    assert response.status_code == 200
    assert b'<script type="module" src="/assets/graphiql-1234.js">' in response.content
    policy = dict(
        directive.strip().split(" ", 1)
        for directive in response["Content-Security-Policy"].split(";")
    )
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self' 'unsafe-inline'"
