"""Presets and the stock sound library over GraphQL: thin types over presets.services."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import fields
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
import strawberry_django
from django.db.models import QuerySet
from graphql import GraphQLError
from strawberry.extensions import FieldExtension
from strawberry.types import Info
from strawberry.utils.str_converters import to_camel_case
from strawberry_django.auth.utils import get_current_user
from strawberry_django.pagination import OffsetPaginated, OffsetPaginationInput

from accounts.permissions import MembersOnly
from accounts.schema import FieldError, Throttled, ValidationErrors
from accounts.services import Throttled as ThrottledError
from presets import catalogue, services
from presets.models import NAME_MAX_LENGTH, NAME_PATTERN, NAME_RULE, RANGES, Preset
from presets.sample_library import served_samples

if TYPE_CHECKING:
    from kicks.schema import Kick

SampleKind = strawberry.enum(catalogue.SampleKind, name="SampleKind")
# Built from the one table of ranges, named as the PresetInput fields they bound, so that a
# client keyed by these names learns of a new or renamed parameter from its generated types.
PresetParameterName = strawberry.enum(
    Enum("PresetParameterName", {to_camel_case(field): field for field in RANGES}),
    name="PresetParameter",
    description="A ranged preset parameter, named as its PresetInput field.",
)


@strawberry_django.type(Preset, name="Preset")
class PresetType:
    id: strawberry.ID
    name: strawberry.auto
    is_shared: strawberry.auto
    bpm: int

    @strawberry_django.field(
        only=["kick_key"], description="Stock kick key; null when an AI kick is used."
    )
    def kick_key(self) -> str | None:
        return self.kick_key or None

    ai_kick: Annotated[Kick, strawberry.lazy("kicks.schema")] | None = strawberry_django.field(
        description="The owner's AI kick; null when a stock kick is used."
    )
    kick_length: float
    kick_distortion: float
    kick_ott: float
    noise_key: str
    noise_low_pass: float
    noise_high_pass: float
    noise_volume: float
    reverb_key: str
    reverb_low_pass: float
    reverb_high_pass: float
    reverb_volume: float
    master_ott: float
    master_distortion: float
    limiter_pre_gain: float
    created_at: strawberry.auto
    updated_at: strawberry.auto

    @classmethod
    def get_queryset(cls, queryset: QuerySet[Preset], info: Info, **kwargs: Any) -> QuerySet:
        # Every list of presets, wherever in the schema, holds only what the viewer may see.
        return services.visible_presets(get_current_user(info), queryset)


class NonNegativeOffset(FieldExtension):
    """Refuses pagination.offset < 0, which Django refuses only deep inside the resolver."""

    @staticmethod
    def _check(pagination: OffsetPaginationInput | None) -> None:
        if pagination is not None and pagination.offset < 0:
            raise GraphQLError(
                "pagination.offset must be 0 or more.", extensions={"code": "BAD_USER_INPUT"}
            )

    def resolve(self, next_: Callable[..., Any], source: Any, info: Info, **kwargs: Any) -> Any:
        self._check(kwargs.get("pagination"))
        return next_(source, info, **kwargs)

    async def resolve_async(
        self, next_: Callable[..., Awaitable[Any]], source: Any, info: Info, **kwargs: Any
    ) -> Any:
        self._check(kwargs.get("pagination"))
        return await next_(source, info, **kwargs)


@strawberry.input
class PresetInput:
    name: str
    bpm: int
    kick_key: str | None = strawberry.field(
        default=None, description="A stock kick key; give this or aiKickId."
    )
    ai_kick_id: strawberry.ID | None = strawberry.field(
        default=None, description="One of your AI kicks; give this or kickKey."
    )
    kick_length: float
    kick_distortion: float
    kick_ott: float
    noise_key: str
    noise_low_pass: float
    noise_high_pass: float
    noise_volume: float
    reverb_key: str
    reverb_low_pass: float
    reverb_high_pass: float
    reverb_volume: float
    master_ott: float
    master_distortion: float
    limiter_pre_gain: float

    def values(self) -> services.PresetValues:
        return services.PresetValues(
            **{field.name: getattr(self, field.name) for field in fields(services.PresetValues)}
        )


@strawberry.type
class PresetSuccess:
    preset: PresetType


@strawberry.type
class PresetNameTaken:
    message: str


@strawberry.type
class PresetNotFound:
    message: str


@strawberry.type
class PresetLimitReached:
    message: str
    cap: int = strawberry.field(description="How many presets a member may keep.")


@strawberry.type
class SharedPresetReadOnly:
    message: str


@strawberry.type
class DeletePresetSuccess:
    deleted_id: strawberry.ID


CreatePresetResult = Annotated[
    PresetSuccess | ValidationErrors | PresetNameTaken | PresetLimitReached | Throttled,
    strawberry.union("CreatePresetResult"),
]
UpdatePresetResult = Annotated[
    PresetSuccess
    | ValidationErrors
    | PresetNameTaken
    | PresetNotFound
    | SharedPresetReadOnly
    | Throttled,
    strawberry.union("UpdatePresetResult"),
]
DeletePresetResult = Annotated[
    DeletePresetSuccess | PresetNotFound | SharedPresetReadOnly,
    strawberry.union("DeletePresetResult"),
]


@strawberry.type
class Sample:
    key: str
    name: str
    kind: SampleKind
    url: str = strawberry.field(description="Static WAV; the URL changes whenever its audio does.")


@strawberry.type(description="The range and default of one preset parameter.")
class PresetParameterRange:
    parameter: PresetParameterName
    label: str = strawberry.field(description="How error messages name it.")
    min: float
    max: float
    default_value: float = strawberry.field(
        description="What a fresh DAW starts from and a knob resets to."
    )
    unit: str = strawberry.field(description="The unit of the values; empty when they have none.")
    step: float | None = strawberry.field(
        description="Values are whole multiples of this; null for a continuous parameter."
    )


@strawberry.type(
    description="What createPreset and updatePreset accept as a name, once its ends are trimmed."
)
class PresetNameRule:
    max_length: int
    pattern: str = strawberry.field(
        description="A regular expression the whole trimmed name matches (JavaScript syntax too)."
    )
    message: str = strawberry.field(description="The rule in words, as errors give it.")


def _validation_error(error: services.InvalidPreset) -> ValidationErrors:
    return ValidationErrors(
        message=str(error),
        errors=[
            FieldError(
                field=to_camel_case(problem.field),
                messages=[problem.message],
                min=problem.min,
                max=problem.max,
            )
            for problem in error.problems
        ],
    )


@strawberry.type
class Query:
    presets: OffsetPaginated[PresetType] = strawberry_django.offset_paginated(
        extensions=[NonNegativeOffset()],
        description=(
            "Guests: the shared presets. Members: their own and the shared, by name. One page "
            "(pageInfo.limit says its largest size): page through with pagination.offset."
        ),
    )

    @strawberry.field(description="The stock kicks, noise loops and reverb impulse responses.")
    def samples(self) -> list[Sample]:
        return [
            Sample(
                key=served.sample.key,
                name=served.sample.name,
                kind=served.sample.kind,
                url=served.url,
            )
            for served in served_samples()
        ]

    @strawberry.field(
        description=(
            "Every ranged preset parameter: the bounds createPreset and updatePreset enforce, "
            "and the defaults a fresh DAW starts from."
        )
    )
    def preset_parameters(self) -> list[PresetParameterRange]:
        return [
            PresetParameterRange(
                parameter=PresetParameterName(parameter.field),
                label=parameter.bounds.label,
                min=parameter.bounds.min,
                max=parameter.bounds.max,
                default_value=parameter.bounds.default,
                unit=parameter.bounds.unit,
                step=parameter.step,
            )
            for parameter in services.preset_parameters()
        ]

    @strawberry.field(description="The rule every preset name follows.")
    def preset_name_rule(self) -> PresetNameRule:
        return PresetNameRule(max_length=NAME_MAX_LENGTH, pattern=NAME_PATTERN, message=NAME_RULE)


@strawberry.type
class Mutation:
    @strawberry_django.mutation(handle_django_errors=False, extensions=[MembersOnly()])
    def create_preset(self, info: Info, input: PresetInput) -> CreatePresetResult:
        try:
            preset = services.create_preset(get_current_user(info), input.values())
        except services.InvalidPreset as error:
            return _validation_error(error)
        except services.PresetNameTaken as error:
            return PresetNameTaken(message=str(error))
        except services.PresetLimitReached as error:
            return PresetLimitReached(message=str(error), cap=error.cap)
        except ThrottledError as error:
            return Throttled(message=str(error))
        return PresetSuccess(preset=preset)

    @strawberry_django.mutation(handle_django_errors=False, extensions=[MembersOnly()])
    def update_preset(
        self, info: Info, id: strawberry.ID, input: PresetInput
    ) -> UpdatePresetResult:
        try:
            preset = services.update_preset(get_current_user(info), id, input.values())
        except services.InvalidPreset as error:
            return _validation_error(error)
        except services.PresetNameTaken as error:
            return PresetNameTaken(message=str(error))
        except services.PresetNotFound as error:
            return PresetNotFound(message=str(error))
        except services.SharedPresetReadOnly as error:
            return SharedPresetReadOnly(message=str(error))
        except ThrottledError as error:
            return Throttled(message=str(error))
        return PresetSuccess(preset=preset)

    @strawberry_django.mutation(handle_django_errors=False, extensions=[MembersOnly()])
    def delete_preset(self, info: Info, id: strawberry.ID) -> DeletePresetResult:
        try:
            deleted_id = services.delete_preset(get_current_user(info), id)
        except services.PresetNotFound as error:
            return PresetNotFound(message=str(error))
        except services.SharedPresetReadOnly as error:
            return SharedPresetReadOnly(message=str(error))
        return DeletePresetSuccess(deleted_id=strawberry.ID(str(deleted_id)))
