"""Progress crosses server processes: a subscription on server A follows a generation that
server B runs, through Redis. Two real uvicorn processes share the test database and Redis."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from channels.db import database_sync_to_async as sync_to_async
from django.conf import settings

from kicks.models import GeneratedKick
from tests.kicks.conftest import table_lock, wait_for_subscriber, wait_until_blocked_on
from tests.kicks.servers import (
    post_graphql,
    read_progress,
    running_servers,
    server_env,
    session_cookie,
    subscribe,
)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis (set REDIS_URL)"),
]

GENERATE = """mutation Generate($requestId: ID) { generateKick(requestId: $requestId) {
  __typename ... on GenerateKickSuccess { kick { id audioUrl } } } }"""
STAGE_ORDER = ["QUEUED", "LOADING_MODEL", "SAMPLING", "DECODING", "VOCODING", "UPLOADING", "DONE"]


@pytest.fixture
def servers(tiny_model_dir: Path, tmp_path: Path) -> Iterator[tuple[int, int]]:
    with running_servers(2, server_env(tiny_model_dir, tmp_path / "var")) as running:
        yield tuple(port for port, _ in running)


async def test_progress_reaches_a_subscriber_on_another_server(servers, make_user):
    port_a, port_b = servers
    owner = await sync_to_async(make_user)("owner")
    intruder = await sync_to_async(make_user)("intruder")
    owner_cookie = await sync_to_async(session_cookie)(owner)
    intruder_cookie = await sync_to_async(session_cookie)(intruder)

    owner_ws = await subscribe(port_a, owner_cookie, "cross-process")
    intruder_ws = await subscribe(port_b, intruder_cookie, "cross-process")
    await wait_for_subscriber(owner.pk, "cross-process")
    await wait_for_subscriber(intruder.pk, "cross-process")
    listening = asyncio.create_task(read_progress(owner_ws))

    result = (await post_graphql(port_b, owner_cookie, GENERATE, {"requestId": "cross-process"}))[
        "generateKick"
    ]
    assert result["__typename"] == "GenerateKickSuccess"
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port_b}") as http:
        audio = await http.get(result["kick"]["audioUrl"])
    assert audio.headers["content-type"] == "audio/wav"

    events = await listening
    stages = [event["stage"] for event in events]
    assert stages[0] == "QUEUED" and stages[-1] == "DONE"
    assert set(stages) == set(STAGE_ORDER)
    assert stages == sorted(stages, key=STAGE_ORDER.index)
    assert [e["step"] for e in events if e["stage"] == "SAMPLING"] == [1, 2, 3, 4]
    assert {event["requestId"] for event in events} == {"cross-process"}

    with pytest.raises(TimeoutError):
        await asyncio.wait_for(intruder_ws.recv(), 1)
    await owner_ws.close()
    await intruder_ws.close()


@pytest.fixture
def kicks_table_lock():
    """Hold the new kick's INSERT (a generation's last step) until `release` is set."""
    with table_lock("kicks_generatedkick") as release:
        yield release


async def wait_for_stage(ws, stage: str) -> None:
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), 60))
        if message["payload"]["data"]["kickGeneration"]["stage"] == stage:
            return


async def test_a_server_answers_other_requests_while_it_generates(
    servers, make_user, kicks_table_lock
):
    """While a generation waits in its worker thread, the same server answers another member."""
    port, _ = servers
    owner = await sync_to_async(make_user)("owner")
    other = await sync_to_async(make_user)("other")
    owner_cookie = await sync_to_async(session_cookie)(owner)
    other_cookie = await sync_to_async(session_cookie)(other)
    owner_ws = await subscribe(port, owner_cookie, "held")
    await wait_for_subscriber(owner.pk, "held")
    generation = asyncio.create_task(
        post_graphql(port, owner_cookie, GENERATE, {"requestId": "held"})
    )
    await wait_for_stage(owner_ws, "UPLOADING")  # now blocked on the lock

    me = await post_graphql(port, other_cookie, "{ me { username } }")

    assert me == {"me": {"username": "other"}}
    assert not generation.done()
    kicks_table_lock.set()
    assert (await generation)["generateKick"]["__typename"] == "GenerateKickSuccess"
    await owner_ws.close()


@pytest.mark.parametrize(
    "held_table",
    [
        pytest.param("kicks_kickgeneration", id="while-its-quota-is-reserved"),
        pytest.param("kicks_generatedkick", id="while-its-kick-is-stored"),
    ],
)
async def test_a_client_that_hangs_up_still_gets_its_kick_and_progress(
    servers, make_user, held_table
):
    """The hang-up lands while the generation waits on `held_table`, so it comes at a known
    point however slow the server is: before anything is reserved, or at the last step."""
    port, _ = servers
    owner = await sync_to_async(make_user)("owner")
    cookie = await sync_to_async(session_cookie)(owner)
    owner_ws = await subscribe(port, cookie, "hang-up")
    await wait_for_subscriber(owner.pk, "hang-up")
    listening = asyncio.create_task(read_progress(owner_ws))

    with table_lock(held_table):  # released on leaving the block
        request = asyncio.create_task(
            post_graphql(port, cookie, GENERATE, {"requestId": "hang-up"})
        )
        await wait_until_blocked_on(held_table)
        request.cancel()  # closes the connection: the server sees the client hang up
        with pytest.raises(asyncio.CancelledError):
            await request
        await asyncio.sleep(1)  # a server that cancelled the generation on it has done so

    stages = [event["stage"] for event in await listening]
    assert stages[-2:] == ["UPLOADING", "DONE"]
    assert await sync_to_async(GeneratedKick.objects.filter(owner=owner).count)() == 1
    await owner_ws.close()
