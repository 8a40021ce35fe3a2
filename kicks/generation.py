"""generateKick end to end, and following a generation: the entry points production runs and
the tests drive.

`generate_kick` owns a generation: the reservation, the worker call on `worker_executor()`, the
upload, the ledger, progress publishing (a ChannelLayerRelay, closed by whichever thread
publishes last) and the lease renewal that tells other processes it is alive. `follow` yields a
generation's progress to a subscriber; a repeated request id follows the first request the same
way and answers its outcome. Both notice a generation whose process died by its lease.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any, TypeVar

from channels.db import database_sync_to_async
from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import connections
from django.utils import timezone

from gpu_worker.protocol import KickRequest, ProgressEvent, Stage
from kicks import services
from kicks.failures import GenerationError, GenerationFailed, GenerationUnavailable
from kicks.models import kicks_storage
from kicks.progress import ChannelLayerRelay, ProgressSink, listening
from kicks.services import GenerationSuccess, Reservation
from kicks.workers import configured_worker, worker_executor

logger = logging.getLogger(__name__)
T = TypeVar("T")

SAVE_FAILED = "The kick could not be saved. Please try again."
# A subscription that joins before its generateKick arrives waits this long for it to start.
SUBSCRIBE_AHEAD_S = 120.0
# Slack after a lease's end before a silent generation is presumed dead (clocks, renewal time).
LEASE_GRACE_S = 1.0


async def generate_kick(
    user_id: int,
    prompt: str | None,
    request_id: str | None = None,
    *,
    variation_of: str | None = None,
    strength: float | None = None,
    reference: File | None = None,
    observe: ProgressSink | None = None,
) -> GenerationSuccess:
    """Reserve, generate and store a kick; raises a GenerationError when there is none.

    `variation_of` (one of the member's kicks) or `reference` (an uploaded sample, never
    stored) makes it a variation at `strength`. Runs to the end even if the caller is cancelled
    (a client that hangs up still gets its kick and its subscribers the outcome). `observe` sees
    every event published, as it is.
    """
    request_id = request_id or services.new_request_id()
    relay = ChannelLayerRelay(user_id, request_id, also=observe)

    async def generate_then_flush() -> GenerationSuccess:
        try:
            return await _generate(
                user_id, prompt, request_id, relay, (variation_of, strength, reference)
            )
        finally:
            # The answer never overtakes the last progress event (DONE or FAILED).
            await relay.sent()

    # Shielded from the start, not only once the worker runs: a hang-up while the prompt is
    # checked or the quota reserved would otherwise leave a reservation with no generation.
    return await asyncio.shield(_keep(asyncio.ensure_future(generate_then_flush())))


async def _generate(
    user_id: int,
    prompt: str | None,
    request_id: str,
    relay: ChannelLayerRelay,
    source_arguments: tuple[str | None, float | None, File | None],
) -> GenerationSuccess:
    try:
        # Checked (a sample read and prepared) before anything is reserved: bad input uses no
        # quota. Off the event loop, and off the thread database calls share (a blank prompt
        # asks the worker for its model's default, which may wait for a Modal container).
        prompt = await asyncio.to_thread(services.normalise_prompt, prompt, _model_default_prompt)
        source = await asyncio.to_thread(services.generation_source, *source_arguments)
        reservation = await database_sync_to_async(services.reserve_generation)(
            user_id, prompt, request_id, relay, source
        )
    except GenerationError as refusal:
        # A subscriber already following this request id learns it at once.
        relay(ProgressEvent(Stage.FAILED, message=str(refusal)))
        relay.close()
        raise
    except BaseException:
        relay.close()
        raise
    if isinstance(reservation, services.AlreadyRequested):
        relay.close()  # the first request's own relay reports its progress
        return await _outcome_of_earlier_request(user_id, request_id, reservation.generation_id)
    work = worker_executor().submit(_run_generation, reservation, relay)
    outcome = asyncio.wrap_future(work)
    _keep(asyncio.ensure_future(_renew_lease_until_done(reservation.generation_id, outcome)))
    return await outcome


def _model_default_prompt() -> str:
    return configured_worker().describe().default_prompt


# Generations and lease renewals whose request may be gone: asyncio keeps only weak
# references to tasks.
_running: set[asyncio.Future[Any]] = set()


def _keep(task: asyncio.Future[T]) -> asyncio.Future[T]:
    _running.add(task)
    task.add_done_callback(_running.discard)
    return task


async def _renew_lease_until_done(generation_id: int, work: asyncio.Future[object]) -> None:
    interval = settings.KICKS_LEASE_S / 4
    while not work.done():
        await asyncio.wait({work}, timeout=interval)
        if work.done():
            return
        try:
            # Not thread-sensitive: the request that started it may be over.
            renew = database_sync_to_async(services.renew_lease, thread_sensitive=False)
            if not await renew(generation_id):
                return
        except Exception:
            # Missing one renewal is harmless; the next one tries again.
            logger.exception("Could not renew the lease of generation %s", generation_id)


def _run_generation(reservation: Reservation, relay: ChannelLayerRelay) -> GenerationSuccess:
    """Generate, upload and store the reserved kick (blocking, on worker_executor())."""
    try:
        return _generate_and_store(reservation, relay)
    finally:
        # This thread published the last event; a cancelled request must not cut it off.
        relay.close()
        # Pool threads outlive the request; do not leave a connection open in each.
        connections.close_all()


def _generate_and_store(reservation: Reservation, publish: ProgressSink) -> GenerationSuccess:
    try:
        # Built here, not on the event loop: the local worker imports torch.
        worker = configured_worker()
        variation = services.variation_of(reservation, lambda: worker.describe().model.version)
        result = worker.generate(
            KickRequest(reservation.prompt, reservation.seed, variation=variation), publish
        )
    except (GenerationUnavailable, GenerationFailed) as error:
        raise _failed(reservation, error, publish) from error
    except Exception as error:
        logger.exception("Kick worker crashed on generation %s", reservation.generation_id)
        failure = GenerationFailed("The generator failed.", retryable=True)
        raise _failed(reservation, failure, publish) from error

    publish(ProgressEvent(Stage.UPLOADING, message="Saving your kick"))
    file_name = services.kick_file_name(reservation.user_id, kick_uuid := uuid.uuid4())
    try:
        services.record_pending_upload(reservation, file_name)
        file_name = kicks_storage().save(file_name, ContentFile(result.wav))
    except Exception as error:
        logger.exception("Could not upload the kick of generation %s", reservation.generation_id)
        services.remove_kick_file(file_name)
        failure = GenerationFailed(SAVE_FAILED, retryable=True)
        raise _failed(reservation, failure, publish) from error

    try:
        kick = services.store_kick(reservation, file_name, kick_uuid, result, publish)
    except Exception as error:
        services.remove_kick_file(file_name)
        if not isinstance(error, services.ReservationLost):
            logger.exception("Could not store generation %s", reservation.generation_id)
            error = GenerationFailed(SAVE_FAILED, retryable=True)
        raise _failed(reservation, error, publish) from error
    return GenerationSuccess(kick=kick, allowance=services.allowance(reservation.user_id))


def _failed(
    reservation: Reservation, error: GenerationUnavailable | GenerationFailed, publish: ProgressSink
) -> GenerationError:
    try:
        services.mark_failed(reservation, error, publish)
    except Exception:
        # The database is failing too; the lease, no longer renewed, expires it.
        logger.exception("Could not record the failure of generation %s", reservation.generation_id)
    return error


async def _outcome_of_earlier_request(
    user_id: int, request_id: str, generation_id: int
) -> GenerationSuccess:
    async for event in follow(user_id, request_id):
        if event.is_terminal:
            break
    outcome = await database_sync_to_async(services.outcome_of)(generation_id)
    if isinstance(outcome, GenerationError):
        raise outcome
    if isinstance(outcome, services.StillRunning):
        raise GenerationFailed("The generation did not finish in time.", retryable=True)
    return outcome


def _seconds_until(moment: datetime | None) -> float:
    return 0.0 if moment is None else max(0.0, (moment - timezone.now()).total_seconds())


async def follow(user_id: int, request_id: str) -> AsyncIterator[ProgressEvent]:
    """The member's generation with this request id, event by event, to DONE or FAILED.

    A late follower first gets its current state. A generation that falls silent past its
    lease is checked in the database: one whose process died is failed here (FAILED goes to
    every follower). Ends without a terminal event only when no generation with this request
    id starts within SUBSCRIBE_AHEAD_S.
    """
    lease_s = settings.KICKS_LEASE_S
    async with listening(user_id, request_id) as events:
        state = await database_sync_to_async(services.generation_state)(user_id, request_id)
        if state is not None:
            yield state.event
            if state.event.is_terminal:
                return
        started = state is not None
        wait_s = (
            _seconds_until(state.lease_expires_at) + LEASE_GRACE_S if started else SUBSCRIBE_AHEAD_S
        )
        silent_since = time.monotonic()
        while True:
            event = await events.next(timeout_s=wait_s)
            if event is not None:
                if not (state is not None and event.stage is Stage.QUEUED):  # already reported
                    yield event
                if event.is_terminal:
                    return
                started = True
                wait_s = lease_s + LEASE_GRACE_S
                silent_since = time.monotonic()
                continue
            # Silence: is the generation still alive?
            await database_sync_to_async(services.expire_if_stale)(user_id, request_id)
            state = await database_sync_to_async(services.generation_state)(user_id, request_id)
            if state is None:
                # Seen running, now gone (its member was deleted), or never started.
                if started or time.monotonic() - silent_since >= SUBSCRIBE_AHEAD_S:
                    return
                wait_s = SUBSCRIBE_AHEAD_S - (time.monotonic() - silent_since)
                continue
            if state.event.is_terminal:
                yield state.event
                return
            wait_s = _seconds_until(state.lease_expires_at) + LEASE_GRACE_S
