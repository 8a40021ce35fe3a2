"""kickGeneration over graphql-transport-ws, in-process, with the mutation sent over HTTP
(Django's AsyncClient on the same event loop) — through Redis when REDIS_URL is set."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from channels.db import database_sync_to_async as sync_to_async
from django.test import AsyncClient, Client

from kicks.models import KickGeneration
from tests.conftest import GraphQLWebSocket
from tests.kicks.conftest import wait_for_subscriber

pytestmark = pytest.mark.django_db(transaction=True)

SUBSCRIBE = """subscription Progress($requestId: ID!) {
  kickGeneration(requestId: $requestId) { requestId stage step totalSteps fraction message }
}"""
GENERATE = """mutation Generate($requestId: ID, $prompt: String) {
  generateKick(requestId: $requestId, prompt: $prompt) { __typename
    ... on GenerateKickSuccess { kick { id } } ... on GenerationFailed { message }
    ... on GenerationUnavailable { message } } }"""


async def socket_for(user, ws_headers) -> GraphQLWebSocket:
    client = Client()
    await sync_to_async(client.force_login)(user)
    socket = GraphQLWebSocket(ws_headers(cookies={"sessionid": client.cookies["sessionid"].value}))
    await socket.init()
    return socket


async def collect(socket: GraphQLWebSocket, request_id: str, timeout: float = 30) -> list[dict]:
    payloads = []
    async for payload in socket.subscribe(SUBSCRIBE, {"requestId": request_id}, timeout=timeout):
        payloads.append(payload)
    return payloads


async def generate_over_http(user, request_id: str, prompt: str | None = None) -> dict[str, Any]:
    client = AsyncClient()
    await client.aforce_login(user)
    response = await client.post(
        "/graphql/",
        {"query": GENERATE, "variables": {"requestId": request_id, "prompt": prompt}},
        content_type="application/json",
    )
    return response.json()["data"]["generateKick"]


def progress(payloads: list[dict]) -> list[dict]:
    return [payload["data"]["kickGeneration"] for payload in payloads]


def assert_complete_progress(events: list[dict], request_id: str, steps: int = 4) -> None:
    stages = [event["stage"] for event in events]
    assert stages[0] == "QUEUED" and stages[-1] == "DONE"
    assert stages == sorted(
        stages,
        key=[
            "QUEUED",
            "LOADING_MODEL",
            "SAMPLING",
            "DECODING",
            "VOCODING",
            "UPLOADING",
            "DONE",
        ].index,
    )
    assert [e["step"] for e in events if e["stage"] == "SAMPLING"] == list(range(1, steps + 1))
    assert {e["totalSteps"] for e in events if e["stage"] == "SAMPLING"} == {steps}
    assert {"DECODING", "VOCODING", "UPLOADING"} <= set(stages)
    fractions = [event["fraction"] for event in events]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert {event["requestId"] for event in events} == {request_id}


async def test_the_owner_sees_every_stage_and_step(make_user, ws_headers):
    owner = await sync_to_async(make_user)("owner")
    socket = await socket_for(owner, ws_headers)
    listening = asyncio.create_task(collect(socket, "req-1"))
    await wait_for_subscriber(owner.pk, "req-1")

    result = await generate_over_http(owner, "req-1")

    assert result["__typename"] == "GenerateKickSuccess"
    assert_complete_progress(progress(await listening), "req-1")
    await socket.close()


async def test_nobody_else_sees_the_progress(make_user, ws_headers):
    owner = await sync_to_async(make_user)("owner")
    intruder = await sync_to_async(make_user)("intruder")
    intruder_socket = await socket_for(intruder, ws_headers)
    await intruder_socket.send(
        {
            "id": "1",
            "type": "subscribe",
            "payload": {"query": SUBSCRIBE, "variables": {"requestId": "req-1"}},
        }
    )
    await wait_for_subscriber(intruder.pk, "req-1")

    assert (await generate_over_http(owner, "req-1"))["__typename"] == "GenerateKickSuccess"

    assert await intruder_socket.communicator.receive_nothing(timeout=1)
    await intruder_socket.close()


async def test_a_failure_ends_the_stream_with_failed(make_user, ws_headers, settings, tmp_path):
    settings.KICK_MODEL = str(tmp_path / "missing")
    owner = await sync_to_async(make_user)("owner")
    socket = await socket_for(owner, ws_headers)
    listening = asyncio.create_task(collect(socket, "req-1"))
    await wait_for_subscriber(owner.pk, "req-1")

    await generate_over_http(owner, "req-1", "punchy 909")

    events = progress(await listening)
    assert [event["stage"] for event in events] == ["QUEUED", "LOADING_MODEL", "FAILED"]
    assert events[-1]["message"] == "The kick model could not be loaded."
    await socket.close()


async def test_no_prompt_for_a_model_that_cannot_be_read_fails_before_it_is_queued(
    make_user, ws_headers, settings, tmp_path
):
    # The model's own default prompt is asked for first; nothing is reserved without it.
    settings.KICK_MODEL = str(tmp_path / "missing")
    owner = await sync_to_async(make_user)("owner")
    socket = await socket_for(owner, ws_headers)
    listening = asyncio.create_task(collect(socket, "req-1"))
    await wait_for_subscriber(owner.pk, "req-1")

    answer = await generate_over_http(owner, "req-1")

    assert answer == {
        "__typename": "GenerationUnavailable",
        "message": "The kick model could not be loaded.",
    }
    events = progress(await listening)
    assert [(event["stage"], event["message"]) for event in events] == [
        ("FAILED", "The kick model could not be loaded.")
    ]
    assert not await KickGeneration.objects.aexists()
    await socket.close()


async def test_a_late_subscriber_gets_the_outcome_at_once(make_user, ws_headers):
    owner = await sync_to_async(make_user)("owner")
    assert (await generate_over_http(owner, "req-1"))["__typename"] == "GenerateKickSuccess"
    socket = await socket_for(owner, ws_headers)

    events = progress(await collect(socket, "req-1"))

    assert [event["stage"] for event in events] == ["DONE"]
    await socket.close()


async def test_guests_cannot_subscribe(ws_headers):
    socket = GraphQLWebSocket(ws_headers())
    await socket.init()

    payloads = await collect(socket, "req-1")

    assert payloads[-1]["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    await socket.close()


async def test_a_subscriber_joining_a_running_generation_starts_from_queued(
    make_user, ws_headers, events
):
    from kicks import services

    owner = await sync_to_async(make_user)("owner")
    await sync_to_async(services.reserve_generation)(owner.pk, "hit house", "running", events)
    socket = await socket_for(owner, ws_headers)
    await socket.send(
        {
            "id": "1",
            "type": "subscribe",
            "payload": {"query": SUBSCRIBE, "variables": {"requestId": "running"}},
        }
    )

    first = await socket.receive()

    assert first["payload"]["data"]["kickGeneration"]["stage"] == "QUEUED"
    await socket.close()
