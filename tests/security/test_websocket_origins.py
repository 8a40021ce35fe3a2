"""Websocket handshakes pass the Origin check HTTP CSRF applies: scheme, host and port.

Before, the allowed origins were built from bare ALLOWED_HOSTS, so Channels ignored scheme and
port, and a page on http://127.0.0.1:9999 (or http://localhost:1234, https://127.0.0.1) ran a
cookie-authenticated createPreset over the websocket, which carries no CSRF token.
"""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings
from django.test import Client

from presets.models import Preset
from tests.conftest import GraphQLWebSocket
from tests.presets.conftest import CREATE, valid_input

pytestmark = pytest.mark.django_db(transaction=True)


async def session_of(member) -> dict[str, str]:
    browser = Client()
    await sync_to_async(browser.force_login)(member)
    return {settings.SESSION_COOKIE_NAME: browser.cookies[settings.SESSION_COOKIE_NAME].value}


@pytest.mark.parametrize(
    "origin", ["http://127.0.0.1:9999", "http://localhost:1234", "https://127.0.0.1"]
)
async def test_a_page_on_another_origin_cannot_create_a_preset(ws_headers, member, origin):
    socket = GraphQLWebSocket(ws_headers(origin=origin, cookies=await session_of(member)))

    answer = await socket.connect()
    await socket.close()

    assert answer["type"] == "websocket.close"
    assert not await Preset.objects.filter(owner=member).aexists()


async def test_the_site_itself_creates_one(graphql_ws, member):
    ws = await graphql_ws(cookies=await session_of(member))

    result = await ws.execute(CREATE, {"input": valid_input(name="From the site")})

    assert result["data"]["createPreset"]["__typename"] == "PresetSuccess"
