"""Kick rules: quotas, the generation ledger, storage consistency, deletion. No GraphQL here.

A generation (orchestrated by kicks.generation) holds no lock while the worker runs:
1. `reserve_generation`: one transaction locks the day's budget row, then the member's row,
   checks the quotas and inserts a PENDING KickGeneration (the reservation) with a lease that
   the running generation renews (`renew_lease`);
2. the worker generates the WAV; its storage name is recorded (`record_pending_upload`) before
   it is uploaded to the `kicks` storage;
3. `store_kick`: one transaction stores the GeneratedKick, clears the pending file and marks the
   generation SUCCEEDED — or `mark_failed` marks it FAILED, which releases its reservation, and
   the file is removed.
A lease that stops being renewed (the process died) is expired by whoever notices first
(`expire_if_stale`): the generation fails, its quota comes back and FAILED is published.

A generation may start from one of the member's kicks ("more like this") or from a reference
sample they upload (`generation_source`, checked before anything is reserved, so bad input uses
no quota); the kick keeps its recipe either way. The sample itself is never stored.
"""

from __future__ import annotations

import io
import logging
import math
import secrets
import unicodedata
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from asgiref.sync import async_to_sync
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files import File
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from gpu_worker.protocol import (
    DEFAULT_VARIATION_STRENGTH,
    MAX_REFERENCE_BYTES,
    MAX_REFERENCE_SECONDS,
    MAX_VARIATION_STRENGTH,
    MIN_VARIATION_STRENGTH,
    KickResult,
    ProgressEvent,
    Stage,
    Variation,
)
from gpu_worker.words import split_words
from kicks import progress
from kicks.failures import (
    DailyLimitReached,
    GenerationError,
    GenerationFailed,
    GenerationUnavailable,
    InvalidGenerationInput,
    TotalCapReached,
    error_of,
    failure_of,
)
from kicks.models import (
    PREFERRED_WORDS_MAX,
    PROMPT_MAX_LENGTH,
    REFERENCE_NAME_MAX_LENGTH,
    REQUEST_ID_MAX_LENGTH,
    WORD_MAX_LENGTH,
    GeneratedKick,
    GenerationDay,
    KickGeneration,
    KickPreferences,
    OrphanedKickFile,
    PendingKickFile,
    kicks_storage,
)
from kicks.names import pick_kick_name
from kicks.progress import ProgressSink

if TYPE_CHECKING:
    from presets.models import Preset

logger = logging.getLogger(__name__)

Status = KickGeneration.Status
Failure = KickGeneration.Failure
Origin = GeneratedKick.Origin
EXPIRED_MESSAGE = "The generation stopped unexpectedly. Please try again."
KICK_NOT_FOUND = "This kick does not exist."


class KickNotFound(Exception):
    def __init__(self) -> None:
        super().__init__(KICK_NOT_FOUND)


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


def lease_duration() -> timedelta:
    return timedelta(seconds=settings.KICKS_LEASE_S)


def _holding_quota(generations: QuerySet[KickGeneration], now: datetime) -> QuerySet:
    """Generations that use quota: succeeded ones and live reservations."""
    return generations.filter(
        Q(status=Status.SUCCEEDED) | Q(status=Status.PENDING, lease_expires_at__gt=now)
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


def kick_library(user_id: int) -> KickLibrary:
    # The latents are the worker's business, never the list's.
    kicks = list(GeneratedKick.objects.owned_by(user_id).defer("latent"))
    return KickLibrary(kicks=kicks, allowance=allowance(user_id, kick_count=len(kicks)))


# --- Preferences --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Preferences:
    words: list[str] | None  # None: never chosen (the model's default prompt applies)
    autoplay: bool


def kick_preferences(user_id: int) -> Preferences:
    # A member who never saved any has the model's defaults (an unsaved row holds them).
    stored = KickPreferences.objects.filter(owner_id=user_id).first() or KickPreferences()
    return Preferences(words=stored.words, autoplay=stored.autoplay)


def save_kick_preferences(
    user_id: int, words: list[str] | None, autoplay: bool | None
) -> Preferences:
    """Remember the member's keyword chips and autoplay setting (None leaves one as it is)."""
    if words is not None:
        words = _checked_words(words)
    with transaction.atomic():
        stored, _ = KickPreferences.objects.select_for_update().get_or_create(owner_id=user_id)
        if words is not None:
            stored.words = words
        if autoplay is not None:
            stored.autoplay = autoplay
        stored.save()
    return Preferences(words=stored.words, autoplay=stored.autoplay)


def _checked_words(words: list[str]) -> list[str]:
    if len(words) > PREFERRED_WORDS_MAX:
        raise InvalidGenerationInput(
            "words", f"At most {PREFERRED_WORDS_MAX} words.", maximum=PREFERRED_WORDS_MAX
        )
    checked: list[str] = []
    for word in words:
        if len(word) > WORD_MAX_LENGTH or split_words(word) != [word]:
            raise InvalidGenerationInput(
                "words",
                f"Each word must be one lower-case word of at most {WORD_MAX_LENGTH} characters.",
            )
        if word not in checked:
            checked.append(word)
    return checked


# --- Generation ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class VariationOf:
    """ "More like this": a variation of one of the member's kicks, as its id was sent."""

    kick_id: str
    strength: float


@dataclass(frozen=True)
class FromReference:
    """A variation of a reference sample, checked and prepared (gpu_worker.reference)."""

    wav: bytes
    name: str
    strength: float


Source = VariationOf | FromReference


@dataclass(frozen=True)
class ParentKick:
    """What a variation needs of the kick it varies, read when it is reserved."""

    id: int
    name: str
    audio_name: str
    latent: bytes | None
    model_version: str


@dataclass(frozen=True)
class Reservation:
    generation_id: int
    user_id: int
    request_id: str
    prompt: str
    seed: int
    source: Source | None = None
    parent: ParentKick | None = None


@dataclass(frozen=True)
class AlreadyRequested:
    """The request id was used before; its outcome is that of the first request."""

    generation_id: int


@dataclass(frozen=True)
class GenerationSuccess:
    kick: GeneratedKick
    allowance: Allowance


def new_request_id() -> str:
    """The request id of a generateKick that names none."""
    return uuid.uuid4().hex


def normalise_prompt(prompt: str | None, model_default: Callable[[], str]) -> str:
    """The prompt as it is stored and sent, whitespace collapsed; a blank one is the deployed
    model's own default prompt (`model_default`, asked only then), which the keyword chips also
    send when no chip is chosen."""
    prompt = " ".join((prompt or "").split())
    if not prompt:
        return model_default()
    if len(prompt) > PROMPT_MAX_LENGTH:
        raise InvalidGenerationInput(
            "prompt", f"The prompt must be at most {PROMPT_MAX_LENGTH} characters."
        )
    return prompt


def check_strength(strength: float | None) -> float:
    """A variation's strength; the default when none was sent."""
    if strength is None:
        return DEFAULT_VARIATION_STRENGTH
    if not math.isfinite(strength) or not (
        MIN_VARIATION_STRENGTH <= strength <= MAX_VARIATION_STRENGTH
    ):
        raise InvalidGenerationInput(
            "strength",
            f"The strength must be between {MIN_VARIATION_STRENGTH:g} and "
            f"{MAX_VARIATION_STRENGTH:g}.",
            minimum=MIN_VARIATION_STRENGTH,
            maximum=MAX_VARIATION_STRENGTH,
        )
    return strength


def reference_name(file_name: str | None) -> str:
    """An uploaded file's name as the recipe shows it: no folders, no control characters."""
    base = (file_name or "").replace("\\", "/").rsplit("/", 1)[-1]
    printable = "".join(c for c in base if unicodedata.category(c)[0] != "C").strip()
    return printable[:REFERENCE_NAME_MAX_LENGTH] or "sample"


def generation_source(
    variation_of: str | None, strength: float | None, reference: File | None
) -> Source | None:
    """What generateKick starts from: nothing, one of the member's kicks or a reference sample
    (read and prepared here: blocking, so call it off the event loop). Raises
    InvalidGenerationInput; the kick's ownership is checked when it is reserved."""
    # Imported here: gpu_worker's audio code imports torch, which the event loop must not.
    from gpu_worker.reference import (
        ReferenceProblem,
        ReferenceRejected,
        check_size,
        prepare_reference,
        reference_wav,
    )

    if variation_of is not None and reference is not None:
        raise InvalidGenerationInput(
            "reference", "Vary either one of your kicks or a sample, not both."
        )
    if variation_of is None and reference is None:
        if strength is not None:
            raise InvalidGenerationInput(
                "strength", "A strength applies to variations of a kick or a sample only."
            )
        return None
    strength = check_strength(strength)
    if variation_of is not None:
        return VariationOf(variation_of, strength)
    assert reference is not None
    try:
        check_size(reference.size)  # before a byte is read
        prepared = prepare_reference(reference.read())
    except ReferenceRejected as refused:
        limits = {
            ReferenceProblem.TOO_BIG: MAX_REFERENCE_BYTES,
            ReferenceProblem.TOO_LONG: MAX_REFERENCE_SECONDS,
        }
        raise InvalidGenerationInput(
            "reference", str(refused), maximum=limits.get(refused.problem)
        ) from refused
    return FromReference(reference_wav(prepared), reference_name(reference.name), strength)


def _parent_kick(user_id: int, kick_id: str) -> ParentKick:
    """The member's own kick to vary; any other id (another member's kick included) is
    refused the same way, so nobody learns which kicks exist."""
    try:
        kick_pk = int(kick_id)
    except (TypeError, ValueError):
        kick_pk = None
    kick = (
        GeneratedKick.objects.owned_by(user_id)
        .filter(pk=kick_pk)
        .values("pk", "name", "audio", "latent", "model_version")
        .first()
        if kick_pk is not None
        else None
    )
    if kick is None:
        raise InvalidGenerationInput("variationOf", KICK_NOT_FOUND)
    latent = kick["latent"]
    return ParentKick(
        id=kick["pk"],
        name=kick["name"],
        audio_name=kick["audio"],
        latent=None if latent is None else bytes(latent),
        model_version=kick["model_version"],
    )


def check_request_id(request_id: str) -> str:
    if len(request_id) > REQUEST_ID_MAX_LENGTH:
        raise InvalidGenerationInput(
            "requestId", f"The request id must be at most {REQUEST_ID_MAX_LENGTH} characters."
        )
    return request_id


def publish_now(user_id: int, request_id: str, event: ProgressEvent) -> None:
    """Publish from synchronous code that has no relay (expiries found by someone else)."""
    async_to_sync(progress.publish)(user_id, request_id, event)


def _expire(generations: QuerySet[KickGeneration], now: datetime) -> None:
    """Fail PENDING generations whose lease ran out (their process died) and tell their
    subscribers once this transaction commits. Call inside a transaction."""
    stale = list(
        generations.select_for_update()
        .filter(status=Status.PENDING, lease_expires_at__lte=now)
        .values_list("pk", "owner_id", "request_id")
    )
    if not stale:
        return
    KickGeneration.objects.filter(pk__in=[pk for pk, _, _ in stale]).update(
        status=Status.FAILED, failure=Failure.EXPIRED, error=EXPIRED_MESSAGE, finished_at=now
    )
    failed = ProgressEvent(Stage.FAILED, message=EXPIRED_MESSAGE)
    for _, owner_id, request_id in stale:
        transaction.on_commit(
            lambda owner_id=owner_id, request_id=request_id: publish_now(
                owner_id, request_id, failed
            )
        )


def reserve_generation(
    user_id: int,
    prompt: str,
    request_id: str,
    publish: ProgressSink,
    source: Source | None = None,
) -> Reservation | AlreadyRequested:
    """Check the quotas (and that a kick to vary is the member's) and reserve a generation for
    the member, atomically. `prompt` is normalised (`normalise_prompt`)."""
    request_id = check_request_id(request_id)
    now = timezone.now()
    day = quota_day(now)
    with transaction.atomic():
        # Lock order, everywhere: the day's budget row, the member's row, generation rows.
        GenerationDay.objects.bulk_create([GenerationDay(day=day)], ignore_conflicts=True)
        GenerationDay.objects.select_for_update().get(day=day)
        get_user_model().objects.select_for_update().only("pk").get(pk=user_id)

        existing = KickGeneration.objects.filter(owner_id=user_id, request_id=request_id).first()
        if existing is not None:
            return AlreadyRequested(existing.pk)
        parent = _parent_kick(user_id, source.kick_id) if isinstance(source, VariationOf) else None

        _expire(KickGeneration.objects.filter(owner_id=user_id), now)

        in_flight = KickGeneration.objects.filter(owner_id=user_id, status=Status.PENDING).count()
        stored = GeneratedKick.objects.owned_by(user_id).count()
        if stored + in_flight >= settings.KICKS_TOTAL_CAP:
            raise TotalCapReached(settings.KICKS_TOTAL_CAP)
        if _used_today(user_id, day, now) >= settings.KICKS_DAILY_LIMIT:
            raise DailyLimitReached(settings.KICKS_DAILY_LIMIT, day_resets_at(day))
        budget_used = _holding_quota(KickGeneration.objects.filter(quota_day=day), now).count()
        if budget_used >= settings.KICKS_GLOBAL_DAILY_BUDGET:
            raise GenerationUnavailable(
                "The kick generator has reached today's capacity. Please try again tomorrow."
            )

        generation = KickGeneration.objects.create(
            owner_id=user_id,
            request_id=request_id,
            prompt=prompt,
            seed=secrets.randbits(63),
            quota_day=day,
            lease_expires_at=now + lease_duration(),
        )
        queued = ProgressEvent(Stage.QUEUED, message="Waiting for the generator")
        transaction.on_commit(lambda: publish(queued))
    return Reservation(generation.pk, user_id, request_id, prompt, generation.seed, source, parent)


class ParentUnreadable(GenerationFailed):
    def __init__(self) -> None:
        super().__init__("The kick to vary could not be read. Please try again.", retryable=True)


def variation_of(reservation: Reservation, model_version: Callable[[], str]) -> Variation | None:
    """Where the reserved generation starts, for the worker: a reference sample, the parent
    kick's stored latent when the deployed model (`model_version()`, asked only then) made it,
    else the parent's audio, prepared and encoded like training data (kicks older than stored
    latents, or made by another model)."""
    # Imported here: gpu_worker's audio code imports torch, which the event loop must not.
    from gpu_worker.audio import UnreadableAudioError
    from gpu_worker.config import AudioConfig
    from gpu_worker.data import load_kick
    from gpu_worker.reference import reference_wav

    source, parent = reservation.source, reservation.parent
    if isinstance(source, FromReference):
        return Variation(source.strength, reference_wav=source.wav)
    if source is None or parent is None:
        return None
    if parent.latent is not None and parent.model_version == model_version():
        return Variation(source.strength, latent=parent.latent, latent_version=parent.model_version)
    try:
        with kicks_storage().open(parent.audio_name, "rb") as audio:
            prepared = load_kick(io.BytesIO(audio.read()), AudioConfig())
    except UnreadableAudioError as error:
        raise GenerationFailed(
            f"{parent.name} cannot be varied: {error}", retryable=False
        ) from error
    except Exception as error:
        logger.warning("Could not read kick %s to vary it: %r", parent.id, error)
        raise ParentUnreadable from error
    return Variation(source.strength, reference_wav=reference_wav(prepared))


def renew_lease(generation_id: int) -> bool:
    """Extend a running generation's lease; False once it is no longer PENDING."""
    return bool(
        KickGeneration.objects.filter(pk=generation_id, status=Status.PENDING).update(
            lease_expires_at=timezone.now() + lease_duration()
        )
    )


def expire_if_stale(user_id: int, request_id: str) -> None:
    """Fail the member's generation if its lease ran out (publishing FAILED to its group)."""
    with transaction.atomic():
        generation = KickGeneration.objects.filter(owner_id=user_id, request_id=request_id)
        _expire(generation, timezone.now())


def expire_stale_generations() -> None:
    with transaction.atomic():
        _expire(KickGeneration.objects.all(), timezone.now())


def mark_failed(reservation: Reservation, error: GenerationError, publish: ProgressSink) -> None:
    """Record the failure, which gives the reservation's quota back, and tell the subscriber."""
    assert isinstance(error, GenerationUnavailable | GenerationFailed)
    with transaction.atomic():
        KickGeneration.objects.filter(pk=reservation.generation_id, status=Status.PENDING).update(
            status=Status.FAILED,
            failure=failure_of(error),
            error=str(error),
            finished_at=timezone.now(),
        )
        failed = ProgressEvent(Stage.FAILED, message=str(error))
        transaction.on_commit(lambda: publish(failed))


def kick_file_name(user_id: int, kick_uuid: uuid.UUID) -> str:
    return f"{user_id}/{kick_uuid}.wav"


def record_pending_upload(reservation: Reservation, file_name: str) -> None:
    """Committed before the upload starts, so a crash at any later point leaves a trace."""
    PendingKickFile.objects.create(path=file_name, generation_id=reservation.generation_id)


class ReservationLost(GenerationFailed):
    """The lease ran out while the worker ran (the process was presumed dead)."""

    def __init__(self) -> None:
        super().__init__("The generation took too long. Please try again.", retryable=True)


def store_kick(
    reservation: Reservation,
    file_name: str,
    kick_uuid: uuid.UUID,
    result: KickResult,
    publish: ProgressSink,
) -> GeneratedKick:
    source, parent = reservation.source, reservation.parent
    with transaction.atomic():
        # The member's row serialises name choices; then the generation row, then the kick it
        # varies (lock order), which may have been deleted since.
        get_user_model().objects.select_for_update().only("pk").get(pk=reservation.user_id)
        generation = KickGeneration.objects.select_for_update().get(pk=reservation.generation_id)
        if generation.status != Status.PENDING or generation.lease_expires_at <= timezone.now():
            raise ReservationLost
        parent_id = (
            GeneratedKick.objects.select_for_update()
            .filter(pk=parent.id)
            .values_list("pk", flat=True)
            .first()
            if parent is not None
            else None
        )
        taken = set(
            GeneratedKick.objects.owned_by(reservation.user_id).values_list("name", flat=True)
        )
        kick = GeneratedKick.objects.create(
            uuid=kick_uuid,
            owner_id=reservation.user_id,
            name=pick_kick_name(taken),
            audio=file_name,
            prompt=reservation.prompt,
            seed=result.seed,
            model_name=result.model.name,
            model_version=result.model.version,
            keywords=result.keywords,
            ignored_words=result.ignored_words,
            sampler=result.sampler,
            steps=result.steps,
            guidance=result.guidance,
            made_from=(
                Origin.KICK
                if isinstance(source, VariationOf)
                else Origin.REFERENCE
                if isinstance(source, FromReference)
                else Origin.NOTHING
            ),
            parent_id=parent_id,
            parent_name=parent.name if parent is not None else "",
            reference_name=source.name if isinstance(source, FromReference) else "",
            strength=source.strength if source is not None else None,
            latent=result.latent or None,
        )
        PendingKickFile.objects.filter(generation_id=generation.pk).delete()
        generation.status = Status.SUCCEEDED
        generation.kick = kick
        generation.finished_at = timezone.now()
        generation.save(update_fields=["status", "kick", "finished_at"])
        done = ProgressEvent(Stage.DONE, 1, 1, f"{kick.name} is ready")
        transaction.on_commit(lambda: publish(done))
    return kick


@dataclass(frozen=True)
class StillRunning:
    lease_expires_at: datetime


def outcome_of(generation_id: int) -> GenerationSuccess | GenerationError | StillRunning:
    """Where an earlier request stands: its kick, the error it ended with, or still running."""
    generation = KickGeneration.objects.select_related("kick").get(pk=generation_id)
    if generation.status == Status.PENDING:
        return StillRunning(generation.lease_expires_at)
    if generation.status == Status.SUCCEEDED:
        if generation.kick is None:
            return GenerationFailed("The kick of this request has been deleted.", retryable=False)
        return GenerationSuccess(kick=generation.kick, allowance=allowance(generation.owner_id))
    return error_of(generation.failure, generation.error)


@dataclass(frozen=True)
class GenerationState:
    event: ProgressEvent
    # While it runs: until when it is known to be alive.
    lease_expires_at: datetime | None


def generation_state(user_id: int, request_id: str) -> GenerationState | None:
    """Where the member's generation with this request id stands, for late subscribers."""
    generation = KickGeneration.objects.filter(owner_id=user_id, request_id=request_id).first()
    if generation is None:
        return None
    if generation.status == Status.SUCCEEDED:
        return GenerationState(ProgressEvent(Stage.DONE, 1, 1, "The kick is ready"), None)
    if generation.status == Status.FAILED:
        return GenerationState(ProgressEvent(Stage.FAILED, message=generation.error), None)
    return GenerationState(
        ProgressEvent(Stage.QUEUED, message="Generating"), generation.lease_expires_at
    )


# --- Deletion and orphaned files ----------------------------------------------------------------


def _record_orphan(file_name: str, error: Exception) -> None:
    orphan, created = OrphanedKickFile.objects.get_or_create(
        path=file_name, defaults={"error": str(error)}
    )
    if not created:
        OrphanedKickFile.objects.filter(pk=orphan.pk).update(
            attempts=F("attempts") + 1, error=str(error), last_attempt_at=timezone.now()
        )


def remove_kick_file(file_name: str) -> bool:
    """Remove a file no kick owns and clear its pending record; if storage refuses, record it
    as an OrphanedKickFile for `purge_orphan_kicks` instead. True when the file is gone."""
    try:
        kicks_storage().delete(file_name)
    except Exception as error:
        logger.warning("Could not remove kick file %s: %s", file_name, error)
        try:
            with transaction.atomic():
                _record_orphan(file_name, error)
                PendingKickFile.objects.filter(path=file_name).delete()
        except Exception:
            # The pending record stays: purge_orphan_kicks still finds the file.
            logger.exception("Could not record the orphaned kick file %s", file_name)
        return False
    try:
        PendingKickFile.objects.filter(path=file_name).delete()
    except Exception:
        logger.exception("Could not clear the pending kick file %s", file_name)
    return True


@dataclass(frozen=True)
class Deletion:
    deleted_id: int
    total_count: int


def delete_kick(user_id: int, kick_id: int | str, *, confirm: bool) -> Deletion:
    """Delete a member's kick; the presets using it go too, but only once confirmed."""
    try:
        kick_pk = int(kick_id)
    except (TypeError, ValueError):
        raise KickNotFound from None
    with transaction.atomic():
        kick = (
            GeneratedKick.objects.owned_by(user_id).select_for_update().filter(pk=kick_pk).first()
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
        # Committed with the deletion: a crash before the file is removed leaves this record.
        PendingKickFile.objects.create(path=file_name)
        transaction.on_commit(lambda: remove_kick_file(file_name))
        total = GeneratedKick.objects.owned_by(user_id).count()
    return Deletion(deleted_id=deleted_id, total_count=total)


@dataclass(frozen=True)
class PurgeReport:
    removed: int
    failed: int


def purge_orphan_kicks() -> PurgeReport:
    """Remove every file no kick owns: pending files no live generation is uploading (left by a
    crash at any point) and recorded orphans. Forget the ones that are gone."""
    expire_stale_generations()
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
    abandoned = PendingKickFile.objects.exclude(generation__status=Status.PENDING)
    for path in abandoned.values_list("path", flat=True):
        if remove_kick_file(path):
            removed += 1
        else:
            failed += 1
    return PurgeReport(removed=removed, failed=failed)
