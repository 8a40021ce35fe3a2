"""graphql-transport-ws on /graphql/: origin checks and the Django session over websockets."""

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import DatabaseError
from django.test import Client

from tests.conftest import GraphQLWebSocket

pytestmark = pytest.mark.django_db(transaction=True)

ME = "{ me { username } }"


async def handshake(headers) -> dict:
    socket = GraphQLWebSocket(headers)
    answer = await socket.connect()
    await socket.close()
    return answer


async def test_a_page_of_this_site_connects(ws_headers):
    answer = await handshake(ws_headers())

    assert answer["type"] == "websocket.accept"
    assert answer["subprotocol"] == "graphql-transport-ws"


@pytest.mark.parametrize(
    "origin",
    [
        "https://evil.example",
        "http://127.0.0.1.evil.example",
        "null",
        "http://[::1",
        "http://127.0.0.1:99999",
        # The right host name, but another origin: scheme and port count, as for HTTP CSRF.
        "http://127.0.0.1:9999",
        "http://localhost:1234",
        "https://127.0.0.1",
        "https://127.0.0.1:8000",
        "http://127.0.0.1",
    ],
)
async def test_a_foreign_origin_is_refused(ws_headers, origin):
    assert (await handshake(ws_headers(origin=origin)))["type"] == "websocket.close"


async def test_a_host_outside_allowed_hosts_is_refused_even_with_its_own_origin():
    headers = [(b"host", b"evil.example:8000"), (b"origin", b"http://evil.example:8000")]

    assert (await handshake(headers))["type"] == "websocket.close"


async def test_a_secure_page_connects_over_wss():
    socket = GraphQLWebSocket(
        [(b"host", b"127.0.0.1:8000"), (b"origin", b"https://127.0.0.1:8000")], scheme="wss"
    )

    assert (await socket.connect())["type"] == "websocket.accept"
    await socket.close()


async def test_a_missing_origin_is_refused(ws_headers):
    assert (await handshake(ws_headers(origin=None)))["type"] == "websocket.close"


async def test_the_separately_hosted_frontend_may_connect(ws_headers, settings):
    """CSRF_TRUSTED_ORIGINS is the one list of other origins, for HTTP and websockets alike."""
    settings.CSRF_TRUSTED_ORIGINS = ["https://app.example"]

    assert (await handshake(ws_headers(origin="https://app.example")))["type"] == (
        "websocket.accept"
    )
    assert (await handshake(ws_headers(origin="http://app.example")))["type"] == "websocket.close"


async def test_only_graphql_transport_ws_is_spoken(ws_headers):
    socket = GraphQLWebSocket(ws_headers(), subprotocols=["graphql-ws"])

    assert await socket.connect() == {"type": "websocket.accept", "subprotocol": None}
    closing = await socket.communicator.receive_output()
    await socket.close()

    assert closing == {
        "type": "websocket.close",
        "code": 4406,
        "reason": "Subprotocol not acceptable",
    }


async def test_a_guest_is_anonymous_over_websockets(graphql_ws):
    ws = await graphql_ws()

    assert await ws.execute(ME) == {"data": {"me": None}}


async def test_the_session_cookie_authenticates_the_websocket(graphql_ws, member):
    browser = Client()
    await sync_to_async(browser.force_login)(member)
    session = browser.cookies[settings.SESSION_COOKIE_NAME].value

    ws = await graphql_ws(cookies={settings.SESSION_COOKIE_NAME: session})

    assert await ws.execute(ME) == {"data": {"me": {"username": "techno"}}}


async def test_a_logged_out_session_is_anonymous_over_websockets(graphql_ws, member):
    browser = Client()
    await sync_to_async(browser.force_login)(member)
    session = browser.cookies[settings.SESSION_COOKIE_NAME].value
    await sync_to_async(browser.logout)()

    ws = await graphql_ws(cookies={settings.SESSION_COOKIE_NAME: session})

    assert await ws.execute(ME) == {"data": {"me": None}}


async def test_session_mutations_are_refused_over_websockets(graphql_ws, member):
    ws = await graphql_ws()

    result = await ws.execute(
        'mutation { login(username: "techno", password: "x") { __typename } }'
    )

    assert result["data"] is None
    assert result["errors"][0]["message"] == (
        "Send this operation over HTTP: it changes the session cookie."
    )
    assert result["errors"][0]["extensions"] == {"code": "HTTP_ONLY"}


async def test_unexpected_exceptions_in_subscriptions_reach_the_client_masked(
    graphql_ws, member, monkeypatch
):
    def broken_database(*args, **kwargs):
        raise DatabaseError('relation "kicks_kickgeneration" does not exist\nSELECT 1')

    monkeypatch.setattr("kicks.services.generation_state", broken_database)
    browser = Client()
    await sync_to_async(browser.force_login)(member)
    ws = await graphql_ws(
        cookies={settings.SESSION_COOKIE_NAME: browser.cookies["sessionid"].value}
    )

    results = [
        result
        async for result in ws.subscribe(
            'subscription { kickGeneration(requestId: "4b4f3a52-8d2e-4a49-9d39-4f7c0e1d2a3b") '
            "{ stage } }"
        )
    ]

    assert [error["message"] for error in results[-1]["errors"]] == ["Unexpected error."]
    assert "kicks_kickgeneration" not in str(results)
