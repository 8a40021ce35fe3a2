"""Shared fixtures: a GraphQL client over Django's test client, members, websocket helpers.

The suite runs on PostgreSQL + Redis (DATABASE_URL / REDIS_URL set) and on SQLite + the
in-memory layer (neither set); tests marked `postgres` need PostgreSQL and skip elsewhere.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.test import Client

# The Origin a browser sends for pages served by the app itself.
SITE_ORIGIN = "http://127.0.0.1:8000"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _clear_cache() -> Iterator[None]:
    """Throttle counters live in the cache; every test starts with none."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """The production hasher costs ~0.3 s per password by design; tests hash hundreds."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def time(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def ratelimit_clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """The clock of the throttles' fixed windows, stopped so no test straddles a window edge.

    Advance `ratelimit_clock.now` to move into later windows.
    """
    import django_ratelimit.core

    clock = Clock(now=1_800_000_000.0)
    monkeypatch.setattr(django_ratelimit.core, "time", clock)
    return clock


GraphQL = Callable[..., dict[str, Any]]


@pytest.fixture
def graphql(client: Client) -> GraphQL:
    """POST one operation with the `client` fixture's session; returns the JSON body."""

    def run(query: str, variables: dict[str, Any] | None = None, **headers: Any) -> dict[str, Any]:
        response = client.post(
            "/graphql/",
            {"query": query, "variables": variables or {}},
            content_type="application/json",
            **headers,
        )
        assert response.status_code == 200, response.content
        return response.json()

    return run


@dataclass(frozen=True)
class AsgiResponse:
    status: int
    headers: dict[str, str]
    body: bytes
    # Warnings raised while the server sent the response (e.g. Django's about sync iterators).
    warnings: list[str]


AsgiGet = Callable[[str], Awaitable[AsgiResponse]]


@pytest.fixture
def asgi_get() -> AsgiGet:
    """GET a path from Django's ASGI handler, built from the current settings, as uvicorn would."""
    from asgiref.testing import ApplicationCommunicator
    from django.core.handlers.asgi import ASGIHandler

    async def get(path: str) -> AsgiResponse:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": [(b"host", b"127.0.0.1:8000")],
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8000),
        }
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            communicator = ApplicationCommunicator(ASGIHandler(), scope)
            await communicator.send_input({"type": "http.request", "body": b""})
            start = await communicator.receive_output(10)
            body = b""
            while True:
                message = await communicator.receive_output(10)
                body += message.get("body", b"")
                if not message.get("more_body"):
                    break
            await communicator.wait(10)
        headers = {name.decode().lower(): value.decode() for name, value in start["headers"]}
        return AsgiResponse(start["status"], headers, body, [str(w.message) for w in caught])

    return get


@pytest.fixture
def member_password() -> str:
    return "correct horse battery"


@pytest.fixture
def member(db: None, member_password: str) -> AbstractBaseUser:
    return get_user_model().objects.create_user(
        username="techno", email="techno@example.com", password=member_password
    )


WsHeaders = Callable[..., list[tuple[bytes, bytes]]]


@pytest.fixture
def ws_headers() -> WsHeaders:
    """Websocket handshake headers of a page of this site (origin=None: a non-browser client)."""

    def build(
        origin: str | None = SITE_ORIGIN, cookies: dict[str, str] | None = None
    ) -> list[tuple[bytes, bytes]]:
        headers = [(b"host", b"127.0.0.1:8000")]
        if origin is not None:
            headers.append((b"origin", origin.encode()))
        if cookies:
            cookie = "; ".join(f"{name}={value}" for name, value in cookies.items())
            headers.append((b"cookie", cookie.encode()))
        return headers

    return build


class GraphQLWebSocket:
    """A graphql-transport-ws client driving the real ASGI application in-process.

    (channels.testing needs daphne, which the project does not use.)
    """

    def __init__(
        self,
        headers: list[tuple[bytes, bytes]],
        subprotocols: list[str] | None = None,
        scheme: str = "ws",
    ) -> None:
        from asgiref.testing import ApplicationCommunicator

        from backend.asgi import application

        self.communicator = ApplicationCommunicator(
            application,
            {
                "type": "websocket",
                "scheme": scheme,
                "path": "/graphql/",
                "query_string": b"",
                "headers": headers,
                "subprotocols": subprotocols or ["graphql-transport-ws"],
            },
        )
        self.next_id = 0

    async def connect(self) -> dict[str, Any]:
        """The handshake's answer: websocket.accept or websocket.close (with its code)."""
        await self.communicator.send_input({"type": "websocket.connect"})
        return await self.communicator.receive_output(timeout=5)

    async def init(self) -> None:
        accepted = await self.connect()
        assert accepted["type"] == "websocket.accept", accepted
        await self.send({"type": "connection_init"})
        assert await self.receive() == {"type": "connection_ack"}

    async def send(self, message: dict[str, Any]) -> None:
        await self.communicator.send_input(
            {"type": "websocket.receive", "text": json.dumps(message)}
        )

    async def receive(self, timeout: float = 5) -> dict[str, Any]:
        message = await self.communicator.receive_output(timeout)
        assert message["type"] == "websocket.send", message
        return json.loads(message["text"])

    async def subscribe(
        self, query: str, variables: dict[str, Any] | None = None, timeout: float = 5
    ) -> AsyncIterator[dict[str, Any]]:
        """Yield each `next` payload, then a final `{"errors": ...}` if the server sends one."""
        self.next_id += 1
        operation_id = str(self.next_id)
        payload = {"query": query, "variables": variables or {}}
        await self.send({"id": operation_id, "type": "subscribe", "payload": payload})
        while True:
            message = await self.receive(timeout)
            assert message.get("id") == operation_id, message
            if message["type"] == "next":
                yield message["payload"]
            elif message["type"] == "error":
                yield {"errors": message["payload"]}
                return
            else:
                assert message["type"] == "complete", message
                return

    async def execute(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """A query or mutation over the socket: its single result."""
        results = [result async for result in self.subscribe(query, variables)]
        assert len(results) == 1, results
        return results[0]

    async def close(self) -> None:
        if self.communicator.future.done():  # the server has closed the socket
            return
        await self.communicator.send_input({"type": "websocket.disconnect", "code": 1000})
        # Python 3.11's asyncio.wait_for can swallow a cancellation that lands while redis-py
        # connects, leaving channels-redis' receive loop running; stop waiting for it then.
        await self.communicator.wait(timeout=1)


@pytest.fixture
async def graphql_ws(ws_headers: WsHeaders) -> AsyncIterator[Callable[..., Any]]:
    """Open initialised sockets: `ws = await graphql_ws(cookies={...})`; closed afterwards."""
    sockets: list[GraphQLWebSocket] = []

    async def open_socket(**header_options: Any) -> GraphQLWebSocket:
        socket = GraphQLWebSocket(ws_headers(**header_options))
        sockets.append(socket)
        await socket.init()
        return socket

    yield open_socket
    for socket in sockets:
        await socket.close()
