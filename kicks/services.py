"""Kick rules: quotas, generation, storage consistency, deletion. No GraphQL here.

A generation runs in three steps so that no lock is held while the worker runs:
1. `reserve_generation`: one transaction locks the day's budget row, then the member's row,
   checks the quotas and inserts a PENDING KickGeneration (the reservation);
2. `run_generation`: the worker generates the WAV, which is uploaded to the `kicks` storage;
3. a second transaction stores the GeneratedKick and marks the generation SUCCEEDED — or the
   generation is marked FAILED, which releases its reservation, and any uploaded file removed.
"""

from __future__ import annotations

import logging
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.dateformat import format as format_date

from kicks.models import (
    PROMPT_MAX_LENGTH,
    REQUEST_ID_MAX_LENGTH,
    GeneratedKick,
    GenerationDay,
    KickGeneration,
    OrphanedKickFile,
    kicks_storage,
)
from kicks.names import pick_kick_name
from kicks.progress import ProgressEvent, ProgressSink, Stage
from kicks.workers import KickWorker, WorkerFailed, WorkerProgress, WorkerUnavailable

if TYPE_CHECKING:
    from presets.models import Preset

logger = logging.getLogger(__name__)

DEFAULT_PROMPT = "hit house"
# How often a duplicate request looks whether the first one has finished.
DUPLICATE_POLL_S = 0.1

Status = KickGeneration.Status
Failure = KickGeneration.Failure


# --- Outcomes the API turns into typed results -------------------------------------------------


class TotalCapReached(Exception):
    def __init__(self, total_cap: int) -> None:
        super().__init__(f"Delete kicks to generate more ({total_cap}/{total_cap})")
        self.total_cap = total_cap


class DailyLimitReached(Exception):
    def __init__(self, daily_limit: int, resets_at: datetime) -> None:
        local = resets_at.astimezone(ZoneInfo(settings.KICKS_DAY_TIMEZONE))
        # The app's standing notice at the limit uses the same words (frontend kickgen/kicks.ts).
        super().__init__(
            f"Daily limit reached: all {daily_limit} kick generations used today. "
            f"More at {format_date(local, 'g:i A')} {local.tzname()}."
        )
        self.resets_at = resets_at


class GenerationUnavailable(Exception):
    """The generator cannot take the request now; nothing was generated or counted."""


class GenerationFailed(Exception):
    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


class KickNotFound(Exception):
    def __init__(self) -> None:
        super().__init__("This kick does not exist.")


class PresetsAffected(Exception):
    def __init__(self, presets: list[Preset]) -> None:
        super().__init__(
            "Deleting this kick will also delete these presets: "
            + ", ".join(preset.name for preset in presets)
        )
        self.presets = presets


# --- Quotas -------------------------------------------------------------------------------------


def quota_day(now: datetime | None = None) -> date:
    """The calendar day in KICKS_DAY_TIMEZONE that `now` belongs to."""
    return (now or timezone.now()).astimezone(ZoneInfo(settings.KICKS_DAY_TIMEZONE)).date()


def day_resets_at(day: date) -> datetime:
    """Midnight after `day` in KICKS_DAY_TIMEZONE (zoneinfo picks EST or EDT)."""
    return datetime.combine(day + timedelta(days=1), datetime.min.time()).replace(
        tzinfo=ZoneInfo(settings.KICKS_DAY_TIMEZONE)
    )


def reservation_ttl() -> timedelta:
    """How long a PENDING generation may hold quota before it is presumed dead.

    Longer than any live generation can take (every worker attempt and backoff), so only
    reservations of crashed processes expire.
    """
    attempts = settings.KICKS_WORKER_RETRIES + 1
    backoff = settings.KICKS_WORKER_BACKOFF_S * (2**attempts)
    return timedelta(seconds=settings.KICKS_WORKER_TIMEOUT_S * attempts + backoff + 60)


def _holding_quota(generations: QuerySet[KickGeneration], now: datetime) -> QuerySet:
    """Generations that use quota: succeeded ones and live reservations."""
    return generations.filter(
        Q(status=Status.SUCCEEDED)
        | Q(status=Status.PENDING, created_at__gte=now - reservation_ttl())
    )


def _used_today(user_id: int, day: date, now: datetime) -> int:
    return _holding_quota(
        KickGeneration.objects.filter(owner_id=user_id, quota_day=day), now
    ).count()


@dataclass(frozen=True)
class Allowance:
    remaining_today: int
    total_count: int
    daily_limit: int
    total_cap: int
    resets_at: datetime


def allowance(user_id: int, *, kick_count: int | None = None) -> Allowance:
    now = timezone.now()
    day = quota_day(now)
    if kick_count is None:
        kick_count = GeneratedKick.objects.owned_by(user_id).count()
    return Allowance(
        remaining_today=max(0, settings.KICKS_DAILY_LIMIT - _used_today(user_id, day, now)),
        total_count=kick_count,
        daily_limit=settings.KICKS_DAILY_LIMIT,
        total_cap=settings.KICKS_TOTAL_CAP,
        resets_at=day_resets_at(day),
    )


@dataclass(frozen=True)
class KickLibrary:
    kicks: list[GeneratedKick]
    allowance: Allowance


def kick_library(user: AbstractBaseUser) -> KickLibrary:
    kicks = list(GeneratedKick.objects.owned_by(user.pk))
    return KickLibrary(kicks=kicks, allowance=allowance(user.pk, kick_count=len(kicks)))


# --- Generation ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reservation:
    generation_id: int
    user_id: int
    request_id: str
    prompt: str
    seed: int


@dataclass(frozen=True)
class AlreadyRequested:
    """The request id was used before; its outcome is that of the first request."""

    generation_id: int


@dataclass(frozen=True)
class GenerationSuccess:
    kick: GeneratedKick
    allowance: Allowance


def normalise_prompt(prompt: str | None) -> str:
    prompt = " ".join((prompt or "").split())
    if not prompt:
        return DEFAULT_PROMPT
    if len(prompt) > PROMPT_MAX_LENGTH:
        raise GenerationFailed(
            f"The prompt must be at most {PROMPT_MAX_LENGTH} characters.", retryable=False
        )
    return prompt


def reserve_generation(
    user: AbstractBaseUser, prompt: str | None, request_id: str | None, publish: ProgressSink
) -> Reservation | AlreadyRequested:
    """Check the quotas and reserve a generation for `user`, atomically."""
    prompt = normalise_prompt(prompt)
    request_id = request_id or uuid.uuid4().hex
    if len(request_id) > REQUEST_ID_MAX_LENGTH:
        raise GenerationFailed(
            f"The request id must be at most {REQUEST_ID_MAX_LENGTH} characters.", retryable=False
        )
    now = timezone.now()
    day = quota_day(now)
    with transaction.atomic():
        # Lock order, everywhere: the day's budget row, the member's row, generation rows.
        GenerationDay.objects.bulk_create([GenerationDay(day=day)], ignore_conflicts=True)
        GenerationDay.objects.select_for_update().get(day=day)
        get_user_model().objects.select_for_update().only("pk").get(pk=user.pk)

        existing = KickGeneration.objects.filter(owner=user, request_id=request_id).first()
        if existing is not None:
            return AlreadyRequested(existing.pk)

        KickGeneration.objects.filter(
            owner=user, status=Status.PENDING, created_at__lt=now - reservation_ttl()
        ).update(
            status=Status.FAILED,
            failure=Failure.EXPIRED,
            error="The generation did not finish in time.",
            finished_at=now,
        )

        in_flight = KickGeneration.objects.filter(owner=user, status=Status.PENDING).count()
        stored = GeneratedKick.objects.owned_by(user.pk).count()
        if stored + in_flight >= settings.KICKS_TOTAL_CAP:
            raise TotalCapReached(settings.KICKS_TOTAL_CAP)
        if _used_today(user.pk, day, now) >= settings.KICKS_DAILY_LIMIT:
            raise DailyLimitReached(settings.KICKS_DAILY_LIMIT, day_resets_at(day))
        budget_used = _holding_quota(KickGeneration.objects.filter(quota_day=day), now).count()
        if budget_used >= settings.KICKS_GLOBAL_DAILY_BUDGET:
            raise GenerationUnavailable(
                "The kick generator has reached today's capacity. Please try again tomorrow."
            )

        generation = KickGeneration.objects.create(
            owner=user,
            request_id=request_id,
            prompt=prompt,
            seed=secrets.randbits(63),
            quota_day=day,
        )
        queued = ProgressEvent(request_id, Stage.QUEUED, message="Waiting for the generator")
        transaction.on_commit(lambda: publish(queued))
    return Reservation(generation.pk, user.pk, request_id, prompt, generation.seed)


def _mark_failed(
    reservation: Reservation, failure: str, message: str, publish: ProgressSink
) -> None:
    """Record the failure, which gives the reservation's quota back, and tell the subscriber."""
    with transaction.atomic():
        KickGeneration.objects.filter(pk=reservation.generation_id, status=Status.PENDING).update(
            status=Status.FAILED, failure=failure, error=message, finished_at=timezone.now()
        )
        failed = ProgressEvent(reservation.request_id, Stage.FAILED, message=message)
        transaction.on_commit(lambda: publish(failed))


def _fail(reservation: Reservation, failure: str, message: str, publish: ProgressSink) -> Exception:
    try:
        _mark_failed(reservation, failure, message, publish)
    except Exception:
        # The database is failing too; the reservation expires after reservation_ttl().
        logger.exception("Could not record the failure of generation %s", reservation.generation_id)
    if failure == Failure.UNAVAILABLE:
        return GenerationUnavailable(message)
    return GenerationFailed(message, retryable=failure == Failure.RETRYABLE)


def kick_file_name(user_id: int, kick_uuid: uuid.UUID) -> str:
    return f"{user_id}/{kick_uuid}.wav"


class _ReservationLost(Exception):
    """The reservation expired while the worker ran (its process was presumed dead)."""


def _store_kick(
    reservation: Reservation, file_name: str, kick_uuid: uuid.UUID, seed: int, publish: ProgressSink
) -> GeneratedKick:
    with transaction.atomic():
        # The member's row serialises name choices; then the generation row (lock order).
        get_user_model().objects.select_for_update().only("pk").get(pk=reservation.user_id)
        generation = KickGeneration.objects.select_for_update().get(pk=reservation.generation_id)
        if generation.status != Status.PENDING:
            raise _ReservationLost
        taken = set(
            GeneratedKick.objects.owned_by(reservation.user_id).values_list("name", flat=True)
        )
        kick = GeneratedKick.objects.create(
            uuid=kick_uuid,
            owner_id=reservation.user_id,
            name=pick_kick_name(taken),
            audio=file_name,
            prompt=reservation.prompt,
            seed=seed,
        )
        generation.status = Status.SUCCEEDED
        generation.kick = kick
        generation.finished_at = timezone.now()
        generation.save(update_fields=["status", "kick", "finished_at"])
        done = ProgressEvent(reservation.request_id, Stage.DONE, 1, 1, f"{kick.name} is ready")
        transaction.on_commit(lambda: publish(done))
    return kick


def run_generation(
    reservation: Reservation, worker: KickWorker, publish: ProgressSink
) -> GenerationSuccess:
    """Generate, upload and store the reserved kick. Blocking: run it on worker_executor()."""

    def relay(progress: WorkerProgress) -> None:
        publish(
            ProgressEvent(
                reservation.request_id,
                Stage(progress.stage),
                progress.step,
                progress.total_steps,
                progress.message,
            )
        )

    try:
        result = worker.generate(reservation.prompt, reservation.seed, relay)
    except WorkerUnavailable as error:
        raise _fail(reservation, Failure.UNAVAILABLE, str(error), publish) from error
    except WorkerFailed as error:
        failure = Failure.RETRYABLE if error.retryable else Failure.PERMANENT
        raise _fail(reservation, failure, str(error), publish) from error
    except Exception as error:
        logger.exception("Kick worker crashed on generation %s", reservation.generation_id)
        raise _fail(reservation, Failure.RETRYABLE, "The generator failed.", publish) from error

    publish(ProgressEvent(reservation.request_id, Stage.UPLOADING, message="Saving your kick"))
    kick_uuid = uuid.uuid4()
    try:
        file_name = kicks_storage().save(
            kick_file_name(reservation.user_id, kick_uuid), ContentFile(result.wav)
        )
    except Exception as error:
        logger.exception("Could not upload the kick of generation %s", reservation.generation_id)
        message = "The kick could not be saved. Please try again."
        raise _fail(reservation, Failure.RETRYABLE, message, publish) from error

    try:
        kick = _store_kick(reservation, file_name, kick_uuid, result.seed, publish)
    except Exception as error:
        remove_kick_file(file_name)
        if isinstance(error, _ReservationLost):
            message = "The generation took too long. Please try again."
        else:
            logger.exception("Could not store generation %s", reservation.generation_id)
            message = "The kick could not be saved. Please try again."
        raise _fail(reservation, Failure.RETRYABLE, message, publish) from error
    return GenerationSuccess(kick=kick, allowance=allowance(reservation.user_id))


def outcome_of(generation_id: int) -> GenerationSuccess:
    """The outcome of an earlier request: its kick, or the error it ended with.

    A request still running is waited for, so concurrent duplicates share one outcome.
    """
    deadline = time.monotonic() + reservation_ttl().total_seconds()
    while True:
        generation = KickGeneration.objects.select_related("kick").get(pk=generation_id)
        if generation.status != Status.PENDING or time.monotonic() > deadline:
            break
        time.sleep(DUPLICATE_POLL_S)
    if generation.status == Status.SUCCEEDED:
        if generation.kick is None:
            raise GenerationFailed("The kick of this request has been deleted.", retryable=False)
        return GenerationSuccess(kick=generation.kick, allowance=allowance(generation.owner_id))
    if generation.failure == Failure.UNAVAILABLE:
        raise GenerationUnavailable(generation.error)
    if generation.status == Status.PENDING:
        raise GenerationFailed("The generation did not finish in time.", retryable=True)
    raise GenerationFailed(
        generation.error, retryable=generation.failure in (Failure.RETRYABLE, Failure.EXPIRED)
    )


def generation_state(user_id: int, request_id: str) -> ProgressEvent | None:
    """Where the member's generation with this request id stands, for late subscribers."""
    generation = KickGeneration.objects.filter(owner_id=user_id, request_id=request_id).first()
    if generation is None:
        return None
    if generation.status == Status.SUCCEEDED:
        return ProgressEvent(request_id, Stage.DONE, 1, 1, "The kick is ready")
    if generation.status == Status.FAILED:
        return ProgressEvent(request_id, Stage.FAILED, message=generation.error)
    return ProgressEvent(request_id, Stage.QUEUED, message="Generating")


def generate_kick(
    user: AbstractBaseUser,
    prompt: str | None,
    request_id: str | None,
    worker: KickWorker,
    publish: ProgressSink,
) -> GenerationSuccess:
    """Reserve, generate and store a kick in the calling thread (blocking)."""
    reservation = reserve_generation(user, prompt, request_id, publish)
    if isinstance(reservation, AlreadyRequested):
        return outcome_of(reservation.generation_id)
    return run_generation(reservation, worker, publish)


# --- Deletion and orphaned files ----------------------------------------------------------------


def remove_kick_file(file_name: str) -> None:
    """Remove a kick's file; if storage refuses, record it for `purge_orphan_kicks`."""
    try:
        kicks_storage().delete(file_name)
    except Exception as error:
        logger.warning("Could not remove kick file %s: %s", file_name, error)
        try:
            orphan, created = OrphanedKickFile.objects.get_or_create(
                path=file_name, defaults={"error": str(error)}
            )
            if not created:
                OrphanedKickFile.objects.filter(pk=orphan.pk).update(
                    attempts=F("attempts") + 1, error=str(error), last_attempt_at=timezone.now()
                )
        except Exception:
            logger.exception("Could not record the orphaned kick file %s", file_name)


@dataclass(frozen=True)
class Deletion:
    deleted_id: int
    total_count: int


def delete_kick(user: AbstractBaseUser, kick_id: int | str, *, confirm: bool) -> Deletion:
    """Delete a member's kick; the presets using it go too, but only once confirmed."""
    try:
        kick_pk = int(kick_id)
    except (TypeError, ValueError):
        raise KickNotFound from None
    with transaction.atomic():
        kick = (
            GeneratedKick.objects.owned_by(user.pk).select_for_update().filter(pk=kick_pk).first()
        )
        if kick is None:
            raise KickNotFound
        # Preset.ai_kick protects the kick, so its presets go first, and only once confirmed.
        presets = list(kick.presets.order_by("name"))
        if presets and not confirm:
            raise PresetsAffected(presets)
        kick.presets.all().delete()
        file_name = kick.audio.name
        deleted_id = kick.pk
        kick.delete()
        transaction.on_commit(lambda: remove_kick_file(file_name))
        total = GeneratedKick.objects.owned_by(user.pk).count()
    return Deletion(deleted_id=deleted_id, total_count=total)


@dataclass(frozen=True)
class PurgeReport:
    removed: int
    failed: int


def purge_orphan_kicks() -> PurgeReport:
    """Retry removing every recorded orphan file; forget the ones that are gone."""
    removed = failed = 0
    storage = kicks_storage()
    for orphan in OrphanedKickFile.objects.order_by("created_at"):
        try:
            storage.delete(orphan.path)
        except Exception as error:
            failed += 1
            OrphanedKickFile.objects.filter(pk=orphan.pk).update(
                attempts=F("attempts") + 1, error=str(error), last_attempt_at=timezone.now()
            )
        else:
            removed += 1
            orphan.delete()
    return PurgeReport(removed=removed, failed=failed)
