"""AI kicks over GraphQL: thin types and resolvers over kicks.services (members only)."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncGenerator, Callable
from datetime import datetime
from typing import Annotated, TypeVar

import strawberry
import strawberry_django
from django.conf import settings
from django.core.files import File
from strawberry.file_uploads import Upload
from strawberry.types import Info
from strawberry_django.auth.utils import aget_current_user, get_current_user

from accounts.permissions import MembersOnly
from accounts.schema import FieldError, ValidationErrors
from gpu_worker.protocol import (
    DEFAULT_VARIATION_STRENGTH,
    MAX_REFERENCE_BYTES,
    MAX_VARIATION_STRENGTH,
    MIN_VARIATION_STRENGTH,
    REFERENCE_TOO_BIG_MESSAGE,
    ProgressEvent,
    Stage,
)
from kicks import failures as failed
from kicks import generation, services
from kicks.models import GeneratedKick
from kicks.workers import configured_worker

GenerationStage = strawberry.enum(Stage, name="GenerationStage")
KickOrigin = strawberry.enum(GeneratedKick.Origin, name="KickOrigin")

Resolver = TypeVar("Resolver", bound=Callable[..., object])


def _reads_loaded_columns_only(resolver: Resolver) -> Resolver:
    """Mark a resolver that never queries, so strawberry_django calls it directly.

    Otherwise, under the async view, every such field of every kick would hop to a worker
    thread in case it queried (twice per kick: half the `kicks` query's time). The marker is
    strawberry_django's own (`is_async_safe`); were it ignored, fields would only be slower.
    """
    resolver.is_async_safe = True  # type: ignore[attr-defined]
    return resolver


@strawberry.type(description="How a kick was made: enough to understand it and make it again.")
class KickRecipe:
    model_name: str = strawberry.field(
        description="The model's folder or Hub repo; empty for kicks made before recipes were kept."
    )
    model_version: str = strawberry.field(description="A digest of the model's files.")
    prompt: str
    understood_words: list[str] = strawberry.field(description="The words the model knows.")
    ignored_words: list[str] = strawberry.field(description="The words it did not know.")
    seed: str = strawberry.field(description="Decimal string: seeds exceed 2^53.")
    sampler: str | None = strawberry.field(
        description="How it was sampled: distilled (the model's few-step sampler) or ddim "
        "(the guided one, which variations use)."
    )
    steps: int | None
    guidance: float | None
    made_from: KickOrigin
    parent_id: strawberry.ID | None = strawberry.field(
        description="The kick it varies, while that kick exists."
    )
    parent_name: str | None
    reference_name: str | None = strawberry.field(
        description="The file name of the sample it varies (the sample was not kept)."
    )
    strength: float | None = strawberry.field(description="How far a variation was re-drawn.")


RECIPE_COLUMNS = [
    "prompt",
    "seed",
    "model_name",
    "model_version",
    "sampler",
    "keywords",
    "ignored_words",
    "steps",
    "guidance",
    "made_from",
    "parent",
    "parent_name",
    "reference_name",
    "strength",
]


@strawberry_django.type(GeneratedKick, name="Kick")
class Kick:
    id: strawberry.ID
    name: strawberry.auto
    created_at: strawberry.auto
    prompt: strawberry.auto

    # `only` makes the query optimizer load the columns these read (e.g. for Preset.aiKick).
    @strawberry_django.field(only=["audio"], description="Where the WAV can be fetched.")
    @_reads_loaded_columns_only
    def audio_url(self) -> str:
        return self.audio_url

    @strawberry_django.field(only=["seed"], description="Decimal string: seeds exceed 2^53.")
    @_reads_loaded_columns_only
    def seed(self) -> str:
        return str(self.seed)

    @strawberry_django.field(only=RECIPE_COLUMNS)
    @_reads_loaded_columns_only
    def recipe(self) -> KickRecipe:
        kick: GeneratedKick = self  # type: ignore[assignment]
        return KickRecipe(
            model_name=kick.model_name,
            model_version=kick.model_version,
            prompt=kick.prompt,
            understood_words=list(kick.keywords),
            ignored_words=list(kick.ignored_words),
            seed=str(kick.seed),
            sampler=kick.sampler or None,
            steps=kick.steps,
            guidance=kick.guidance,
            made_from=GeneratedKick.Origin(kick.made_from),
            parent_id=None if kick.parent_id is None else strawberry.ID(str(kick.parent_id)),
            parent_name=kick.parent_name or None,
            reference_name=kick.reference_name or None,
            strength=kick.strength,
        )


@strawberry.type(description="What AI Kick Gen mode remembers for the member.")
class KickPreferences:
    words: list[str] | None = strawberry.field(
        description="The keyword chips chosen last; null until the member chooses any (the "
        "model's default prompt applies)."
    )
    autoplay: bool = strawberry.field(description="Play a new kick once as soon as it lands.")


@strawberry.type(description="Variations' strength: how much of a kick is drawn anew.")
class StrengthRange:
    min: float
    max: float
    default: float


@strawberry.type
class KickModel:
    name: str
    version: str


@strawberry.type(description="Two words of opposite character; a kick gets one or neither.")
class KeywordPair:
    low: str
    high: str


@strawberry.type(description="The words the deployed kick model understands, for keyword chips.")
class KickVocabulary:
    model: KickModel
    styles: list[str] = strawberry.field(description="What kind of kick: pick one.")
    pairs: list[KeywordPair] = strawberry.field(description="Character: one word of a pair.")
    other_words: list[str] = strawberry.field(description="Every other word it knows.")
    default_words: list[str] = strawberry.field(
        description="The words of the model's default prompt: one click without choosing."
    )


@strawberry.type
class KickLibrary:
    kicks: list[Kick]
    remaining_gens_today: int
    total_gens_count: int
    daily_limit: int
    total_cap: int
    resets_at: datetime
    quota_time_zone: str = strawberry.field(
        description="The IANA time zone whose calendar days the daily limit counts."
    )
    daily_limit_message: str = strawberry.field(
        description="What DailyLimitReached says today (the app's notice at the limit)."
    )
    total_cap_message: str = strawberry.field(
        description="What TotalCapReached says (the app's notice at the cap)."
    )
    preferences: KickPreferences
    variation_strength: StrengthRange
    reference_max_bytes: int = strawberry.field(
        description="The largest sample generateKick(reference) accepts."
    )
    reference_too_big_message: str = strawberry.field(
        description="What generateKick answers for a larger sample (the app says it unsent)."
    )


@strawberry.type
class GenerateKickSuccess:
    kick: Kick
    remaining_gens_today: int
    total_gens_count: int


@strawberry.type
class TotalCapReached:
    message: str
    total_cap: int


@strawberry.type
class DailyLimitReached:
    message: str
    resets_at: datetime


@strawberry.type
class GenerationUnavailable:
    message: str


@strawberry.type
class GenerationFailed:
    message: str
    retryable: bool


@strawberry.type
class DeleteKickSuccess:
    deleted_id: strawberry.ID
    total_gens_count: int


@strawberry.type
class AffectedPreset:
    id: strawberry.ID
    name: str


@strawberry.type
class PresetsAffected:
    presets: list[AffectedPreset]
    message: str


@strawberry.type
class KickNotFound:
    message: str


@strawberry.type(description="The kick as it forms: an 8-bit log-mel picture.")
class SpectrogramPreview:
    mels: int = strawberry.field(description="Rows, from the lowest mel band up.")
    frames: int = strawberry.field(description="Columns, in time order.")
    pixels: str = strawberry.field(
        description="Base64 of mels x frames bytes, row by row (0: silence, 255: loudest)."
    )


@strawberry.type
class GenerationProgress:
    request_id: strawberry.ID
    stage: GenerationStage
    step: int
    total_steps: int
    fraction: float
    message: str
    preview: SpectrogramPreview | None = strawberry.field(
        description="The sampler's current estimate of the kick, while it samples."
    )

    @classmethod
    def from_event(cls, request_id: str, event: ProgressEvent) -> GenerationProgress:
        preview = event.preview
        return cls(
            request_id=strawberry.ID(request_id),
            stage=event.stage,
            step=event.step,
            total_steps=event.total_steps,
            fraction=event.fraction,
            message=event.message,
            preview=None
            if preview is None
            else SpectrogramPreview(
                mels=preview.mels,
                frames=preview.frames,
                pixels=base64.b64encode(preview.pixels).decode(),
            ),
        )


GenerateKickResult = Annotated[
    GenerateKickSuccess
    | ValidationErrors
    | TotalCapReached
    | DailyLimitReached
    | GenerationUnavailable
    | GenerationFailed,
    strawberry.union("GenerateKickResult"),
]
DeleteKickResult = Annotated[
    DeleteKickSuccess | PresetsAffected | KickNotFound, strawberry.union("DeleteKickResult")
]
KickVocabularyResult = Annotated[
    KickVocabulary | GenerationUnavailable, strawberry.union("KickVocabularyResult")
]
SaveKickPreferencesResult = Annotated[
    KickPreferences | ValidationErrors, strawberry.union("SaveKickPreferencesResult")
]


def invalid(error: failed.InvalidGenerationInput) -> ValidationErrors:
    return ValidationErrors(
        message=str(error),
        errors=[
            FieldError(
                field=error.field, messages=[str(error)], min=error.minimum, max=error.maximum
            )
        ],
    )


def preferences_of(preferences: services.Preferences) -> KickPreferences:
    return KickPreferences(words=preferences.words, autoplay=preferences.autoplay)


def failure_result(error: failed.GenerationError) -> GenerateKickResult:
    """The one mapping from a generation's failure to its GraphQL type."""
    match error:
        case failed.InvalidGenerationInput():
            return invalid(error)
        case failed.TotalCapReached():
            return TotalCapReached(message=str(error), total_cap=error.total_cap)
        case failed.DailyLimitReached():
            return DailyLimitReached(message=str(error), resets_at=error.resets_at)
        case failed.GenerationUnavailable():
            return GenerationUnavailable(message=str(error))
        case failed.GenerationFailed():
            return GenerationFailed(message=str(error), retryable=error.retryable)
    raise TypeError(f"no GraphQL type for {error!r}")


@strawberry.type
class Query:
    @strawberry_django.field(
        extensions=[MembersOnly()], description="The member's AI kicks and generation quotas."
    )
    def kicks(self, info: Info) -> KickLibrary:
        user_id = get_current_user(info).pk
        library = services.kick_library(user_id)
        allowance = library.allowance
        return KickLibrary(
            kicks=library.kicks,
            remaining_gens_today=allowance.remaining_today,
            total_gens_count=allowance.total_count,
            daily_limit=allowance.daily_limit,
            total_cap=allowance.total_cap,
            resets_at=allowance.resets_at,
            quota_time_zone=settings.KICKS_DAY_TIMEZONE,
            daily_limit_message=failed.daily_limit_message(
                allowance.daily_limit, allowance.resets_at
            ),
            total_cap_message=failed.total_cap_message(allowance.total_cap),
            preferences=preferences_of(services.kick_preferences(user_id)),
            variation_strength=StrengthRange(
                min=MIN_VARIATION_STRENGTH,
                max=MAX_VARIATION_STRENGTH,
                default=DEFAULT_VARIATION_STRENGTH,
            ),
            reference_max_bytes=MAX_REFERENCE_BYTES,
            reference_too_big_message=REFERENCE_TOO_BIG_MESSAGE,
        )

    @strawberry.field(
        extensions=[MembersOnly()],
        description="The words the deployed kick model understands (with the Modal worker: the "
        "model Modal runs), grouped for keyword chips.",
    )
    async def kick_vocabulary(self, info: Info) -> KickVocabularyResult:
        # Off the event loop (building the local worker imports torch; the Modal one asks
        # Modal), and not behind the generations queued on worker_executor().
        try:
            described = await asyncio.to_thread(lambda: configured_worker().describe())
        except failed.GenerationUnavailable as error:
            return GenerationUnavailable(message=str(error))
        return KickVocabulary(
            model=KickModel(name=described.model.name, version=described.model.version),
            styles=described.styles,
            pairs=[KeywordPair(low=low, high=high) for low, high in described.pairs],
            other_words=described.other_words,
            default_words=described.default_words,
        )


@strawberry.type
class Mutation:
    @strawberry.mutation(
        extensions=[MembersOnly()],
        description=(
            "Generate a kick and store it in the member's library. Subscribe to "
            "kickGeneration(requestId) first to follow its progress; repeating a requestId "
            "returns the first request's outcome. With variationOf (one of the member's kicks) "
            "or reference (a WAV, AIFF, FLAC or OGG sample sent as a multipart upload, never "
            "stored) it is a variation of that sound at strength (see kicks.variationStrength)."
        ),
    )
    async def generate_kick(
        self,
        info: Info,
        prompt: Annotated[
            str | None,
            strawberry.argument(
                description='Keywords, e.g. "punchy 909". Left out or blank: the deployed '
                "model's default prompt (kickVocabulary.defaultWords)."
            ),
        ] = None,
        request_id: strawberry.ID | None = None,
        variation_of: strawberry.ID | None = None,
        strength: float | None = None,
        reference: Upload | None = None,
    ) -> GenerateKickResult:
        user = await aget_current_user(info)
        if reference is not None and not isinstance(reference, File):
            return invalid(
                failed.InvalidGenerationInput("reference", "Send the sample as a file upload.")
            )
        try:
            success = await generation.generate_kick(
                user.pk,
                prompt,
                str(request_id) if request_id else None,
                variation_of=None if variation_of is None else str(variation_of),
                strength=strength,
                reference=reference,
            )
        except failed.GenerationError as error:
            return failure_result(error)
        return GenerateKickSuccess(
            kick=success.kick,
            remaining_gens_today=success.allowance.remaining_today,
            total_gens_count=success.allowance.total_count,
        )

    @strawberry_django.mutation(
        handle_django_errors=False,
        extensions=[MembersOnly()],
        description="Remember the member's keyword chips and whether new kicks play at once "
        "(an argument left out stays as it was).",
    )
    def save_kick_preferences(
        self, info: Info, words: list[str] | None = None, autoplay: bool | None = None
    ) -> SaveKickPreferencesResult:
        try:
            saved = services.save_kick_preferences(get_current_user(info).pk, words, autoplay)
        except failed.InvalidGenerationInput as error:
            return invalid(error)
        return preferences_of(saved)

    @strawberry_django.mutation(
        handle_django_errors=False,
        extensions=[MembersOnly()],
        description=(
            "Delete one of the member's kicks. Presets using it are deleted with it, but only "
            "with confirm: true; without it they are listed and nothing is deleted."
        ),
    )
    def delete_kick(self, info: Info, id: strawberry.ID, confirm: bool = False) -> DeleteKickResult:
        try:
            deletion = services.delete_kick(get_current_user(info).pk, id, confirm=confirm)
        except services.KickNotFound as error:
            return KickNotFound(message=str(error))
        except services.PresetsAffected as error:
            return PresetsAffected(
                message=str(error),
                presets=[
                    AffectedPreset(id=strawberry.ID(str(preset.pk)), name=preset.name)
                    for preset in error.presets
                ],
            )
        return DeleteKickSuccess(
            deleted_id=strawberry.ID(str(deletion.deleted_id)),
            total_gens_count=deletion.total_count,
        )


@strawberry.type
class Subscription:
    @strawberry.subscription(
        extensions=[MembersOnly()],
        description=(
            "Progress of the member's generation with this requestId, from QUEUED to DONE or "
            "FAILED. A late subscriber first receives the generation's current state."
        ),
    )
    async def kick_generation(
        self, info: Info, request_id: strawberry.ID
    ) -> AsyncGenerator[GenerationProgress, None]:
        user = await aget_current_user(info)
        async for event in generation.follow(user.pk, str(request_id)):
            yield GenerationProgress.from_event(str(request_id), event)
