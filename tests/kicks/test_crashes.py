"""A server killed (SIGKILL) at each point of a generation or a deletion loses nothing: after
`purge_orphan_kicks` the stored files are exactly the kicks' files, the quota comes back, and
subscribers and repeated request ids on another server learn the outcome within a lease.

Two real uvicorn processes share the test database, Redis and a Supabase Storage REST API
(the fake at its HTTP boundary), which holds the storage request at the crash point.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from channels.db import database_sync_to_async as sync_to_async
from django.conf import settings
from pytest_httpserver import HTTPServer

from kicks import services
from kicks.models import GeneratedKick, KickGeneration, PendingKickFile
from tests.kicks.conftest import wait_for_subscriber
from tests.kicks.servers import (
    post_graphql,
    read_progress,
    running_servers,
    server_env,
    session_cookie,
    subscribe,
)
from tests.kicks.supabase_fake import BUCKET, SERVICE_KEY, FakeSupabaseStorage

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis (set REDIS_URL)"),
]

LEASE_S = 2.0
# A dead generation's lease ends within LEASE_S of its last renewal; followers notice it then.
NOTICED_WITHIN_S = LEASE_S + 8
GENERATE = """mutation Generate($requestId: ID) { generateKick(requestId: $requestId) {
  __typename ... on GenerateKickSuccess { kick { id } }
  ... on GenerationFailed { message retryable } } }"""
DELETE = "mutation Delete($id: ID!) { deleteKick(id: $id) { __typename } }"


@pytest.fixture
def supabase(settings) -> Iterator[FakeSupabaseStorage]:
    server = HTTPServer(threaded=True)  # a held request must not block the others
    server.start()
    fake = FakeSupabaseStorage(server)
    settings.STORAGES = {
        **settings.STORAGES,
        "kicks": {
            "BACKEND": "kicks.storage.SupabaseStorage",
            "OPTIONS": {"url": fake.url, "service_key": SERVICE_KEY, "bucket": BUCKET},
        },
    }
    settings.KICKS_LEASE_S = LEASE_S
    yield fake
    for hold in list(fake._holds.values()):
        hold.released.set()
    server.clear()
    server.stop()


@pytest.fixture
def servers(tiny_model_dir: Path, tmp_path: Path, supabase: FakeSupabaseStorage):
    env = server_env(
        tiny_model_dir,
        tmp_path / "var",
        KICKS_STORAGE="supabase",
        SUPABASE_URL=supabase.url,
        SUPABASE_SERVICE_KEY=SERVICE_KEY,
        SUPABASE_BUCKET=BUCKET,
        KICKS_LEASE_S=str(LEASE_S),
    )
    with running_servers(2, env) as running:
        yield running


def kill(process) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(10)


@sync_to_async
def stored_state(supabase: FakeSupabaseStorage) -> tuple[set[str], set[str], int]:
    """Files in storage, files kicks own, pending-file records."""
    owned = set(GeneratedKick.objects.values_list("audio", flat=True))
    return set(supabase.objects), owned, PendingKickFile.objects.count()


async def assert_files_are_rows_after_purge(supabase: FakeSupabaseStorage) -> None:
    await sync_to_async(services.purge_orphan_kicks)()
    files, owned, pending = await stored_state(supabase)
    assert files == owned
    assert pending == 0


@pytest.mark.parametrize("point", ["before upload", "after upload"])
async def test_a_server_killed_while_saving_the_kick(point, servers, supabase, make_user):
    (port_a, server_a), (port_b, _) = servers
    owner = await sync_to_async(make_user)("owner")
    cookie = await sync_to_async(session_cookie)(owner)
    subscriber = await subscribe(port_b, cookie, "crash")
    await wait_for_subscriber(owner.pk, "crash")
    listening = asyncio.create_task(read_progress(subscriber))
    hold = supabase.hold_next("POST", taken_effect=point == "after upload")
    request = asyncio.create_task(post_graphql(port_a, cookie, GENERATE, {"requestId": "crash"}))

    await asyncio.to_thread(hold.wait)
    kill(server_a)
    hold.released.set()
    killed_at = time.monotonic()

    events = await asyncio.wait_for(listening, NOTICED_WITHIN_S)
    assert events[-1]["stage"] == "FAILED"
    assert time.monotonic() - killed_at < NOTICED_WITHIN_S
    with pytest.raises(Exception):  # noqa: B017 - the server died under the request
        await request
    generation = await sync_to_async(KickGeneration.objects.get)(request_id="crash")
    assert generation.failure == KickGeneration.Failure.EXPIRED
    allowance = await sync_to_async(services.allowance)(owner.pk)
    assert allowance.remaining_today == settings.KICKS_DAILY_LIMIT  # the quota came back
    files, owned, pending = await stored_state(supabase)
    assert pending == 1 and owned == set()
    assert len(files) == (1 if point == "after upload" else 0)
    await assert_files_are_rows_after_purge(supabase)

    again = await post_graphql(port_b, cookie, GENERATE, {"requestId": "crash"}, timeout=30)
    assert again["generateKick"]["__typename"] == "GenerationFailed"
    assert again["generateKick"]["retryable"] is True
    await subscriber.close()


async def test_a_server_killed_after_the_kick_was_stored(servers, supabase, make_user):
    (port_a, server_a), (port_b, _) = servers
    owner = await sync_to_async(make_user)("owner")
    cookie = await sync_to_async(session_cookie)(owner)
    subscriber = await subscribe(port_b, cookie, "stored")
    await wait_for_subscriber(owner.pk, "stored")
    listening = asyncio.create_task(read_progress(subscriber))
    request = asyncio.create_task(post_graphql(port_a, cookie, GENERATE, {"requestId": "stored"}))

    succeeded = KickGeneration.objects.filter(status=KickGeneration.Status.SUCCEEDED)
    deadline = time.monotonic() + 120
    while not await sync_to_async(succeeded.exists)():
        assert not request.done(), await request
        assert time.monotonic() < deadline, "the kick was never stored"
        await asyncio.sleep(0.005)
    kill(server_a)

    events = await asyncio.wait_for(listening, NOTICED_WITHIN_S)
    assert events[-1]["stage"] == "DONE"  # published before the kill, or read after it
    await asyncio.gather(request, return_exceptions=True)
    files, owned, pending = await stored_state(supabase)
    assert files == owned and len(owned) == 1 and pending == 0
    await assert_files_are_rows_after_purge(supabase)
    allowance = await sync_to_async(services.allowance)(owner.pk)
    assert allowance.remaining_today == settings.KICKS_DAILY_LIMIT - 1
    again = await post_graphql(port_b, cookie, GENERATE, {"requestId": "stored"}, timeout=30)
    assert again["generateKick"]["__typename"] == "GenerateKickSuccess"
    await subscriber.close()


async def test_a_server_killed_while_deleting_a_kick(servers, supabase, make_user):
    (port_a, server_a), _ = servers
    owner = await sync_to_async(make_user)("owner")
    cookie = await sync_to_async(session_cookie)(owner)
    generated = await post_graphql(port_a, cookie, GENERATE, {"requestId": "doomed"})
    kick_id = generated["generateKick"]["kick"]["id"]
    hold = supabase.hold_next("DELETE")
    request = asyncio.create_task(post_graphql(port_a, cookie, DELETE, {"id": kick_id}))

    await asyncio.to_thread(hold.wait)
    kill(server_a)
    hold.released.set()
    await asyncio.gather(request, return_exceptions=True)

    files, owned, pending = await stored_state(supabase)
    assert owned == set() and len(files) == 1 and pending == 1  # the kick is gone, its file not
    await assert_files_are_rows_after_purge(supabase)
    assert supabase.objects == {}
