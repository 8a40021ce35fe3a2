"""AI kicks over GraphQL: thin types and resolvers over kicks.services (members only)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncGenerator, Callable
from datetime import datetime
from typing import Annotated, TypeVar

import strawberry
import strawberry_django
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.contrib.auth.models import AbstractBaseUser
from django.db import connections
from strawberry.types import Info
from strawberry_django.auth.utils import aget_current_user, get_current_user

from accounts.permissions import MembersOnly
from kicks import services
from kicks.models import GeneratedKick
from kicks.progress import (
    TERMINAL_STAGES,
    ChannelLayerRelay,
    ProgressEvent,
    Stage,
    progress_group,
)
from kicks.workers import KickWorker, configured_worker, worker_executor

GenerationStage = strawberry.enum(Stage, name="GenerationStage")

Resolver = TypeVar("Resolver", bound=Callable[..., object])


def _reads_loaded_columns_only(resolver: Resolver) -> Resolver:
    """Mark a resolver that never queries, so strawberry_django calls it directly.

    Otherwise, under the async view, every such field of every kick would hop to a worker
    thread in case it queried (twice per kick: half the `kicks` query's time). The marker is
    strawberry_django's own (`is_async_safe`); were it ignored, fields would only be slower.
    """
    resolver.is_async_safe = True  # type: ignore[attr-defined]
    return resolver


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


@strawberry.type
class KickLibrary:
    kicks: list[Kick]
    remaining_gens_today: int
    total_gens_count: int
    daily_limit: int
    total_cap: int
    resets_at: datetime


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


@strawberry.type
class GenerationProgress:
    request_id: strawberry.ID
    stage: GenerationStage
    step: int
    total_steps: int
    fraction: float
    message: str

    @classmethod
    def from_event(cls, event: ProgressEvent) -> GenerationProgress:
        return cls(
            request_id=strawberry.ID(event.request_id),
            stage=event.stage,
            step=event.step,
            total_steps=event.total_steps,
            fraction=event.fraction,
            message=event.message,
        )


GenerateKickResult = Annotated[
    GenerateKickSuccess
    | TotalCapReached
    | DailyLimitReached
    | GenerationUnavailable
    | GenerationFailed,
    strawberry.union("GenerateKickResult"),
]
DeleteKickResult = Annotated[
    DeleteKickSuccess | PresetsAffected | KickNotFound, strawberry.union("DeleteKickResult")
]


def _run_generation(
    reservation: services.Reservation, worker: KickWorker, relay: ChannelLayerRelay
) -> services.GenerationSuccess:
    try:
        return services.run_generation(reservation, worker, relay)
    finally:
        # This thread published the last event; a cancelled request must not cut it off.
        relay.close()
        # Pool threads outlive the request; do not leave a connection open in each.
        connections.close_all()


async def _generate(
    user: AbstractBaseUser, prompt: str, request_id: str, relay: ChannelLayerRelay
) -> services.GenerationSuccess:
    try:
        reservation = await database_sync_to_async(services.reserve_generation)(
            user, prompt, request_id, relay
        )
    except BaseException:
        relay.close()
        raise
    if isinstance(reservation, services.AlreadyRequested):
        relay.close()  # the first request's own relay reports its progress
        return await database_sync_to_async(services.outcome_of, thread_sensitive=False)(
            reservation.generation_id
        )
    # Runs to the end even if this request is cancelled; the relay then still reports it.
    generation = asyncio.get_running_loop().run_in_executor(
        worker_executor(), _run_generation, reservation, configured_worker(), relay
    )
    return await generation


@strawberry.type
class Query:
    @strawberry_django.field(
        extensions=[MembersOnly()], description="The member's AI kicks and generation quotas."
    )
    def kicks(self, info: Info) -> KickLibrary:
        library = services.kick_library(get_current_user(info))
        allowance = library.allowance
        return KickLibrary(
            kicks=library.kicks,
            remaining_gens_today=allowance.remaining_today,
            total_gens_count=allowance.total_count,
            daily_limit=allowance.daily_limit,
            total_cap=allowance.total_cap,
            resets_at=allowance.resets_at,
        )


@strawberry.type
class Mutation:
    @strawberry.mutation(
        extensions=[MembersOnly()],
        description=(
            "Generate a kick and store it in the member's library. Subscribe to "
            "kickGeneration(requestId) first to follow its progress; repeating a requestId "
            "returns the first request's outcome."
        ),
    )
    async def generate_kick(
        self,
        info: Info,
        prompt: str = services.DEFAULT_PROMPT,
        request_id: strawberry.ID | None = None,
    ) -> GenerateKickResult:
        user = await aget_current_user(info)
        request_id = str(request_id) if request_id else uuid.uuid4().hex
        relay = ChannelLayerRelay(get_channel_layer(), user.pk, request_id)
        result: GenerateKickResult
        try:
            success = await _generate(user, prompt, request_id, relay)
        except services.TotalCapReached as error:
            result = TotalCapReached(message=str(error), total_cap=error.total_cap)
        except services.DailyLimitReached as error:
            result = DailyLimitReached(message=str(error), resets_at=error.resets_at)
        except services.GenerationUnavailable as error:
            result = GenerationUnavailable(message=str(error))
        except services.GenerationFailed as error:
            result = GenerationFailed(message=str(error), retryable=error.retryable)
        else:
            result = GenerateKickSuccess(
                kick=success.kick,
                remaining_gens_today=success.allowance.remaining_today,
                total_gens_count=success.allowance.total_count,
            )
        # The answer never overtakes the last progress event (DONE or FAILED).
        await relay.sent()
        return result

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
            deletion = services.delete_kick(get_current_user(info), id, confirm=confirm)
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
        layer = get_channel_layer()
        channel = await layer.new_channel()
        group = progress_group(user.pk, str(request_id))
        await layer.group_add(group, channel)
        try:
            current = await database_sync_to_async(services.generation_state)(
                user.pk, str(request_id)
            )
            if current is not None:
                yield GenerationProgress.from_event(current)
                if current.stage in TERMINAL_STAGES:
                    return
            idle_timeout = services.reservation_ttl().total_seconds()
            while True:
                try:
                    message = await asyncio.wait_for(layer.receive(channel), idle_timeout)
                except TimeoutError:
                    return
                event = ProgressEvent.from_message(message)
                if current is not None and event.stage is Stage.QUEUED:
                    continue  # already reported from the database
                yield GenerationProgress.from_event(event)
                if event.stage in TERMINAL_STAGES:
                    return
        finally:
            await layer.group_discard(group, channel)
