"""Leases: a running generation renews its lease; one whose process died is noticed within a
lease by whoever follows it (subscribers, repeated request ids, the next reservation, the
purge), which fails it, gives its quota back and tells its subscribers. Refusals are told too.
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid

import pytest
from channels.db import database_sync_to_async as sync_to_async
from django.core.files.base import ContentFile
from django.utils import timezone

from kicks import failures, services
from kicks.models import KickGeneration, PendingKickFile, kicks_storage
from tests.kicks import conftest
from tests.kicks.test_subscription import collect, progress, socket_for

pytestmark = pytest.mark.django_db(transaction=True)

LEASE_S = 0.5


@pytest.fixture(autouse=True)
def short_leases(settings):
    settings.KICKS_LEASE_S = LEASE_S


def dead_reservation(user, request_id: str = "dead") -> services.Reservation:
    """What a process that reserved a generation and then died leaves behind."""
    return services.reserve_generation(user.pk, "hit house", request_id, lambda event: None)


async def test_a_subscriber_is_told_when_the_generation_dies(make_user, ws_headers):
    owner = await sync_to_async(make_user)("owner")
    await sync_to_async(dead_reservation)(owner)
    socket = await socket_for(owner, ws_headers)
    started = time.monotonic()

    events = progress(await collect(socket, "dead", timeout=10))

    assert [event["stage"] for event in events] == ["QUEUED", "FAILED"]
    assert events[-1]["message"] == services.EXPIRED_MESSAGE
    assert time.monotonic() - started < LEASE_S + 5
    generation = await sync_to_async(KickGeneration.objects.get)()
    assert generation.failure == KickGeneration.Failure.EXPIRED
    allowance = await sync_to_async(services.allowance)(owner.pk)
    assert allowance.remaining_today == 10
    await socket.close()


def test_a_repeated_request_id_of_a_dead_generation_fails_within_a_lease(make_user, events):
    user = make_user("techno")
    dead_reservation(user)
    started = time.monotonic()

    with pytest.raises(failures.GenerationFailed, match="stopped unexpectedly") as raised:
        conftest.generate(user, "hit house", "dead", events)

    assert raised.value.retryable
    assert time.monotonic() - started < LEASE_S + 5


def test_a_dead_generation_stops_holding_quota_at_once(make_user, settings):
    settings.KICKS_DAILY_LIMIT = 1
    user = make_user("techno")
    dead_reservation(user)
    assert services.allowance(user.pk).remaining_today == 0

    KickGeneration.objects.update(lease_expires_at=timezone.now())

    assert services.allowance(user.pk).remaining_today == 1
    assert conftest.generate(user, "hit house", "next").kick


async def test_a_refused_generation_tells_its_subscriber(make_user, ws_headers, settings):
    settings.KICKS_TOTAL_CAP = 0
    owner = await sync_to_async(make_user)("owner")
    socket = await socket_for(owner, ws_headers)
    listening = asyncio.create_task(collect(socket, "refused"))
    await conftest.wait_for_subscriber(owner.pk, "refused")

    with pytest.raises(failures.TotalCapReached):
        await sync_to_async(conftest.generate, thread_sensitive=False)(
            owner, "hit house", "refused"
        )

    events = progress(await listening)
    assert [event["stage"] for event in events] == ["FAILED"]
    assert events[0]["message"] == "Delete kicks to generate more (0/0)"
    await socket.close()


@pytest.fixture
def pending_files_lock():
    """Hold the INSERT of the next pending-file record (just before an upload) until released."""
    with conftest.table_lock("kicks_pendingkickfile") as release:
        yield release


@pytest.mark.postgres
def test_a_generation_longer_than_its_lease_renews_it(make_user, pending_files_lock):
    user = make_user("techno")
    outcome: list[object] = []
    generating = threading.Thread(
        target=lambda: outcome.append(conftest.generate(user, "hit house", "slow"))
    )
    generating.start()
    time.sleep(4 * LEASE_S)  # held before its upload, four leases long
    assert KickGeneration.objects.get().status == KickGeneration.Status.PENDING
    assert KickGeneration.objects.get().lease_expires_at > timezone.now()

    pending_files_lock.set()
    generating.join(60)

    assert isinstance(outcome[0], services.GenerationSuccess)
    assert KickGeneration.objects.get().status == KickGeneration.Status.SUCCEEDED


def upload_for(reservation: services.Reservation) -> str:
    name = services.kick_file_name(reservation.user_id, uuid.uuid4())
    services.record_pending_upload(reservation, name)
    return kicks_storage().save(name, ContentFile(b"RIFF"))


def test_the_purge_spares_live_uploads_and_removes_dead_ones(make_user, kicks_dir, settings):
    settings.KICKS_LEASE_S = 60
    user = make_user("techno")
    live = upload_for(services.reserve_generation(user.pk, "hit house", "live", lambda event: None))
    dead = upload_for(services.reserve_generation(user.pk, "hit house", "dead", lambda event: None))
    KickGeneration.objects.filter(request_id="dead").update(lease_expires_at=timezone.now())

    report = services.purge_orphan_kicks()

    assert (report.removed, report.failed) == (1, 0)
    assert (kicks_dir / live).exists() and not (kicks_dir / dead).exists()
    assert list(PendingKickFile.objects.values_list("path", flat=True)) == [live]
    assert KickGeneration.objects.get(request_id="dead").failure == KickGeneration.Failure.EXPIRED


def test_a_deleted_kick_leaves_no_record_once_its_file_is_gone(make_user, kicks_dir):
    user = make_user("techno")
    kick = conftest.generate(user, "hit house", "kept").kick
    assert (kicks_dir / kick.audio.name).exists()

    services.delete_kick(user.pk, kick.pk, confirm=False)

    assert not (kicks_dir / kick.audio.name).exists()
    assert not PendingKickFile.objects.exists()
