"""A bounded schemathesis fuzz run of the GraphQL API, logged out and logged in (`make fuzz`).

Every generated query and mutation of schema.graphql goes through the real ASGI application
in-process; a server error is an HTTP 5xx, a body that is not a GraphQL response, or a masked
"Unexpected error." (an exception the app did not expect). The run must find none.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from django.conf import settings
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.python import asgi

from backend.asgi import application
from tests.kicks.conftest import build_tiny_model
from tests.presets.conftest import sample_library, served_library  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db(transaction=True)]

SCHEMA = schemathesis.graphql.from_path(Path(settings.BASE_DIR) / "schema.graphql")
BASE_URL = f"http://{asgi.HOST}"
# Logging in or out, or registering, would change the logged-in run's session under it.
SESSION_CHANGING = {"Mutation.login", "Mutation.logout", "Mutation.register"}
# Examples per operation and run: 100 keeps `make fuzz` to about a minute.
FUZZ = hypothesis_settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "100")),
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_model(tmp_path_factory.mktemp("fuzz-kick-model"))


@pytest.fixture
def app_settings(settings: Any, tiny_model: Path, tmp_path: Path, served_library: Path) -> Any:  # noqa: F811
    """generateKick runs for real on a tiny model; throttles stay as in production."""
    settings.KICK_MODEL = str(tiny_model)
    settings.KICK_MODEL_DEVICE = "cpu"
    settings.KICKS_SAMPLING_STEPS = 2
    settings.STORAGES = {
        **settings.STORAGES,
        "kicks": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "kicks", "base_url": "/media/kicks/"},
        },
    }
    return settings


async def from_loopback(scope: dict, receive: Any, send: Any) -> None:
    """The application as a server on loopback sees it (schemathesis names its client
    "testclient", which is no IP address for the throttles to count)."""
    await application({**scope, "client": ("127.0.0.1", 50000)}, receive, send)


def client_for(member_credentials: tuple[str, str] | None) -> asgi.ASGIClient:
    client = asgi.get_client(from_loopback)
    client.get(f"{BASE_URL}/graphql/", params={"query": "{ __typename }"})
    client.headers["X-CSRFToken"] = client.cookies["csrftoken"]
    if member_credentials is not None:
        username, password = member_credentials
        answer = client.post(
            f"{BASE_URL}/graphql/",
            json={
                "query": "mutation($u: String!, $p: String!) { login(username: $u, password: $p) "
                "{ __typename } }",
                "variables": {"u": username, "p": password},
            },
        ).json()
        assert answer == {"data": {"login": {"__typename": "LoginSuccess"}}}
        client.headers["X-CSRFToken"] = client.cookies["csrftoken"]  # rotated by the login
    return client


@pytest.fixture
def guest(app_settings: Any) -> Iterator[asgi.ASGIClient]:
    with client_for(None) as client:
        yield client


@pytest.fixture
def logged_in(app_settings: Any, member: Any, member_password: str) -> Iterator[asgi.ASGIClient]:
    with client_for((member.username, member_password)) as client:
        yield client


def assert_no_server_error(response: Any) -> None:
    assert response.status_code < 500, response.text
    body = response.json()
    assert isinstance(body, dict), body
    messages = [error.get("message") for error in body.get("errors") or []]
    assert "Unexpected error." not in messages, body


@SCHEMA.parametrize()
@FUZZ
def test_guest_requests_never_fail_on_the_server(case: Any, guest: asgi.ASGIClient) -> None:
    assert_no_server_error(case.call(base_url=f"{BASE_URL}/graphql/", session=guest))


@SCHEMA.parametrize()
@FUZZ
def test_member_requests_never_fail_on_the_server(case: Any, logged_in: asgi.ASGIClient) -> None:
    if case.operation.label in SESSION_CHANGING:
        pytest.skip("changes the session the run is logged in with")
    assert_no_server_error(case.call(base_url=f"{BASE_URL}/graphql/", session=logged_in))
