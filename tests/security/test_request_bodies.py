"""Malformed requests answer 400 with a GraphQL-shaped error, over HTTP and websockets.

Each of these answered HTTP 500 (or "Unexpected error.") before: a JSON scalar body, invalid
UTF-8, 50k-deep arrays in `variables` (RecursionError), a subscription sent over HTTP POST.
"""

from __future__ import annotations

import json

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

SUBSCRIPTION = 'subscription { kickGeneration(requestId: "r1") { stage } }'


def post(body: bytes | str, content_type: str = "application/json") -> tuple[int, dict]:
    response = Client().post("/graphql/", body, content_type=content_type)
    return response.status_code, json.loads(response.content)


def assert_refused(status: int, body: dict, message: str) -> None:
    assert status == 400
    assert body == {
        "data": None,
        "errors": [{"message": message, "extensions": {"code": "BAD_REQUEST"}}],
    }


def body_code(body: dict) -> str:
    return body["errors"][0]["extensions"]["code"]


NOT_JSON_OBJECT = "The request body must be a JSON object in UTF-8."


@pytest.mark.parametrize(
    "body",
    [
        '"x"',
        "42",
        "null",
        "true",
        b'{"query": "\xff{ me { id } }"}',
        '{"query": "{ me { id } }", "variables": {"a": ' + "[" * 50_000 + "]" * 50_000 + "}}",
        "{not json",
    ],
    ids=["string", "number", "null", "boolean", "invalid-utf8", "deep-arrays", "broken"],
)
def test_a_malformed_body_answers_400(body):
    assert_refused(*post(body), NOT_JSON_OBJECT)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"query": 42}, "The GraphQL operation's `query` must be a string or null, if provided."),
        (
            {"query": "{ me { id } }", "variables": [1]},
            "The GraphQL operation's `variables` must be an object or null, if provided.",
        ),  # noqa: E501
        ({"variables": {}}, "No GraphQL query found in the request"),
        ([{"query": "{ me { id } }"}], "Batching is not enabled"),
        ({"query": "{ me { id } }", "operationName": 42}, 'Unknown operation named "42".'),
    ],
)
def test_a_malformed_operation_answers_400(body, message):
    assert_refused(*post(json.dumps(body)), message)


def test_another_content_type_answers_400():
    answer = post("query={me{id}}", "application/x-www-form-urlencoded")
    assert_refused(*answer, "Unsupported content type")


def test_a_get_with_malformed_variables_answers_400():
    response = Client().get(
        "/graphql/", {"query": "{ me { id } }", "variables": "[" * 50_000 + "]" * 50_000}
    )

    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


def test_a_subscription_over_post_answers_400():
    assert_refused(
        *post(json.dumps({"query": SUBSCRIPTION})), "subscriptions are not allowed when using POST"
    )


def test_a_body_over_the_upload_limit_answers_413(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000

    status, body = post(json.dumps({"query": "{ me { id } }", "variables": {"x": "y" * 1000}}))

    assert status == 413
    assert body["errors"][0]["message"] == "The request body is larger than 1000 bytes."
    assert body_code(body) == "REQUEST_ENTITY_TOO_LARGE"


def test_a_method_other_than_get_and_post_answers_405():
    response = Client().put("/graphql/", "{}", content_type="application/json")

    assert response.status_code == 405
    assert response.json()["errors"][0]["extensions"]["code"] == "METHOD_NOT_ALLOWED"


# --- Websockets --------------------------------------------------------------------------------

ws_db = pytest.mark.django_db(transaction=True)


async def closing_of(ws, text: str) -> dict:
    await ws.communicator.send_input({"type": "websocket.receive", "text": text})
    return await ws.communicator.receive_output(timeout=5)


@ws_db
async def test_a_websocket_message_over_the_upload_limit_closes_the_socket(graphql_ws, settings):
    ws = await graphql_ws()
    padding = "y" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    query = {"query": "{ me { id } }", "variables": {"x": padding}}

    closing = await closing_of(ws, json.dumps({"id": "1", "type": "subscribe", "payload": query}))

    assert closing["type"] == "websocket.close"
    assert closing["code"] == 1009


@ws_db
async def test_a_websocket_message_just_under_the_limit_is_served(graphql_ws, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    ws = await graphql_ws()

    result = await ws.execute("{ me { id } }", {"padding": "y" * 9_000})

    assert result == {"data": {"me": None}}


@ws_db
@pytest.mark.parametrize(
    "message",
    ["[" * 50_000 + "]" * 50_000, "42", '"x"', "{broken"],
    ids=["deep", "number", "string", "broken"],
)
async def test_a_malformed_websocket_message_closes_with_4400(graphql_ws, message):
    ws = await graphql_ws()

    closing = await closing_of(ws, message)

    assert closing["type"] == "websocket.close"
    assert closing["code"] == 4400
