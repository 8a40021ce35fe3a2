"""NUL characters and unpaired surrogates in any string argument: one typed error, nothing done.

They answered "Unexpected error." before: PostgreSQL refuses NUL in text and UTF-8 cannot encode
a lone surrogate, both deep inside the resolvers. backend.graphql_guards.TextArgumentGuard now
refuses them before any resolver runs, with `extensions.errors` shaped like ValidationErrors.
"""

from __future__ import annotations

import pytest
from django.test import Client

from kicks.models import KickGeneration
from presets.models import Preset
from tests.presets.conftest import CREATE, valid_input

pytestmark = pytest.mark.django_db

BAD_TEXTS = ["hit\x00house", "\udcff", "kick \ud800 drum"]
GENERATE = """
mutation Generate($prompt: String!, $requestId: ID) {
  generateKick(prompt: $prompt, requestId: $requestId) { __typename }
}
"""
LOGIN = 'mutation L($u: String!) { login(username: $u, password: "x") { __typename } }'


def refused_fields(body: dict) -> list[str]:
    assert body["data"] is None
    (error,) = body["errors"]
    assert error["message"] == (
        "Text arguments must not contain NUL characters or unpaired surrogates."
    )
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    messages = {tuple(problem["messages"]) for problem in error["extensions"]["errors"]}
    assert messages == {("Remove the NUL character or unpaired surrogate.",)}
    return [problem["field"] for problem in error["extensions"]["errors"]]


@pytest.fixture
def member_client(member) -> Client:
    client = Client()
    client.force_login(member)
    return client


def post(client: Client, query: str, variables: dict | None = None) -> dict:
    response = client.post(
        "/graphql/", {"query": query, "variables": variables or {}}, content_type="application/json"
    )
    assert response.status_code == 200
    return response.json()


@pytest.mark.parametrize("text", BAD_TEXTS)
def test_the_prompt_and_request_id_are_refused_and_nothing_is_generated(member_client, text):
    assert refused_fields(post(member_client, GENERATE, {"prompt": text})) == ["prompt"]
    assert refused_fields(post(member_client, GENERATE, {"prompt": "hit", "requestId": text})) == [
        "requestId"
    ]
    assert not KickGeneration.objects.exists()


def test_literal_arguments_are_refused_with_their_path(member_client):
    query = 'mutation { generateKick(prompt: "hit\\u0000house") { __typename } }'
    body = post(member_client, query)

    assert refused_fields(body) == ["prompt"]


@pytest.mark.parametrize("text", BAD_TEXTS)
def test_the_login_username_is_refused(client, member, text):
    assert refused_fields(post(client, LOGIN, {"u": text})) == ["u"]


def test_every_offending_input_field_is_listed_and_no_preset_is_saved(member_client):
    variables = {"input": valid_input(name="bad\x00name", noiseKey="\udcff")}

    assert refused_fields(post(member_client, CREATE, variables)) == [
        "input.name",
        "input.noiseKey",
    ]
    assert not Preset.objects.filter(owner__isnull=False).exists()


def test_variable_defaults_and_nested_lists_are_checked(client):
    body = post(client, 'query Q($x: String = "a\\u0000") { me { id } }')
    assert refused_fields(body) == ["x"]

    body = post(client, "{ me { id } }", {"unused": [{"deep": ["ok", "no\x00"]}]})
    assert refused_fields(body) == ["unused.0.deep.1"]


def test_ordinary_unicode_is_served(client):
    """Emoji (a surrogate pair in JSON) and other text pass."""
    body = post(client, LOGIN, {"u": "dj 🎛️ Bärbel"})

    assert body == {"data": {"login": {"__typename": "InvalidCredentials"}}}


@pytest.mark.django_db(transaction=True)
async def test_over_websockets_too(graphql_ws):
    ws = await graphql_ws()

    result = await ws.execute(
        "subscription S($id: ID!) { kickGeneration(requestId: $id) { stage } }", {"id": "r\x00"}
    )

    assert refused_fields(result | {"data": None}) == ["id"]
