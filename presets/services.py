"""Preset business rules as plain functions (no GraphQL).

Who may see or change which preset is decided in one place, `visible_presets`: every lookup
goes through it, so another member's preset is simply not found. Shared presets are visible to
everyone and changed by nobody (admin and migrations aside).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import IntegerField, Q, QuerySet

from accounts.services import throttle
from kicks.models import GeneratedKick
from presets.models import NAME_MAX_LENGTH, NAME_RULE, RANGES, ParameterRange, Preset

User = AbstractBaseUser | AnonymousUser


class PresetNotFound(Exception):
    def __init__(self) -> None:
        super().__init__("Preset not found.")


class SharedPresetReadOnly(Exception):
    def __init__(self) -> None:
        super().__init__("Shared presets cannot be changed or deleted; save a copy instead.")


class PresetLimitReached(Exception):
    def __init__(self, cap: int) -> None:
        super().__init__(f"You can keep {cap} presets. Delete one to save a new one.")
        self.cap = cap


class PresetNameTaken(Exception):
    def __init__(self, name: str) -> None:
        super().__init__(f'You already have a preset named "{name}".')


@dataclass(frozen=True)
class FieldProblem:
    field: str  # a PresetValues field name
    message: str
    min: float | None = None
    max: float | None = None


class InvalidPreset(Exception):
    def __init__(self, problems: list[FieldProblem]) -> None:
        super().__init__("Please correct the highlighted fields.")
        self.problems = problems


@dataclass(frozen=True)
class PresetValues:
    """Everything a member sets on a preset; exactly one of kick_key and ai_kick_id is given."""

    name: str
    bpm: int
    kick_key: str | None
    ai_kick_id: str | int | None
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


_MODEL_VALUES = [f.name for f in fields(PresetValues) if f.name not in {"kick_key", "ai_kick_id"}]


@dataclass(frozen=True)
class PresetParameter:
    """One ranged preset parameter as clients are told it, so that none keeps its own copy."""

    field: str  # a PresetValues field name
    bounds: ParameterRange
    step: float | None  # 1 where the field holds whole numbers (bpm); None: continuous


def preset_parameters() -> list[PresetParameter]:
    """Every parameter in RANGES, in its order, with the step its model field imposes."""
    return [
        PresetParameter(
            field,
            bounds,
            1 if isinstance(Preset._meta.get_field(field), IntegerField) else None,
        )
        for field, bounds in RANGES.items()
    ]


def visible_presets(user: User, presets: QuerySet[Preset] | None = None) -> QuerySet[Preset]:
    """The presets `user` may see: shared ones, and a member's own. The base of every lookup."""
    visible = Q(is_shared=True)
    if user.is_authenticated:
        visible |= Q(owner=user)
    return (Preset.objects.all() if presets is None else presets).filter(visible)


def presets_using(kick: GeneratedKick) -> QuerySet[Preset]:
    """The presets that must go before `kick` can be deleted (the kicks app's confirm flow)."""
    return kick.presets.all()


def _throttle_saves(user: AbstractBaseUser) -> None:
    """Count one save (create or update) for the member; raises accounts' Throttled when over."""
    member = str(user.pk)
    throttle(None, "preset save", settings.PRESETS_WRITE_THROTTLE, key=lambda _g, _r: member)


def create_preset(user: AbstractBaseUser, values: PresetValues) -> Preset:
    _throttle_saves(user)
    try:
        with transaction.atomic():
            # Lock order everywhere: the member (as kicks does), the AI kick, then presets.
            # The member's lock serialises their creates, so two at once cannot both take the
            # last place under the cap.
            get_user_model().objects.select_for_update().only("pk").get(pk=user.pk)
            kick, kick_problems = _locked_own_kick(user, values.ai_kick_id)
            cap = settings.PRESETS_PER_MEMBER_CAP
            if Preset.objects.filter(owner=user).count() >= cap:
                raise PresetLimitReached(cap)
            preset = Preset(owner=user, is_shared=False)
            _apply(preset, values, kick)
            _save_validated(preset, kick_problems)
    except IntegrityError:
        _explain_conflict(user, values, exclude_id=None)
        raise
    return preset


def update_preset(user: AbstractBaseUser, preset_id: str | int, values: PresetValues) -> Preset:
    _throttle_saves(user)
    try:
        with transaction.atomic():
            kick, kick_problems = _locked_own_kick(user, values.ai_kick_id)
            preset = _locked_editable(user, preset_id)
            _apply(preset, values, kick)
            _save_validated(preset, kick_problems)
    except IntegrityError:
        _explain_conflict(user, values, exclude_id=preset_id)
        raise
    return preset


def delete_preset(user: AbstractBaseUser, preset_id: str | int) -> int:
    with transaction.atomic():
        preset = _locked_editable(user, preset_id)
        deleted_id = preset.pk
        preset.delete()
    return deleted_id


def _locked_editable(user: AbstractBaseUser, preset_id: str | int) -> Preset:
    try:
        pk = int(preset_id)
    except (TypeError, ValueError):
        raise PresetNotFound() from None
    preset = visible_presets(user).select_for_update().filter(pk=pk).first()
    if preset is None:
        raise PresetNotFound()
    if preset.is_shared:
        raise SharedPresetReadOnly()
    return preset


_KICK_NOT_YOURS = FieldProblem("ai_kick_id", "Choose one of your own AI kicks.")


def _locked_own_kick(
    user: AbstractBaseUser, kick_id: str | int | None
) -> tuple[GeneratedKick | None, list[FieldProblem]]:
    """The member's AI kick, locked so that it cannot be deleted while a preset adopts it."""
    if kick_id is None:
        return None, []
    try:
        pk = int(kick_id)
    except (TypeError, ValueError):
        return None, [_KICK_NOT_YOURS]
    kick = GeneratedKick.objects.select_for_update(no_key=True).filter(owner=user, pk=pk).first()
    return kick, [] if kick else [_KICK_NOT_YOURS]


def _apply(preset: Preset, values: PresetValues, kick: GeneratedKick | None) -> None:
    for name in _MODEL_VALUES:
        setattr(preset, name, values.name.strip() if name == "name" else getattr(values, name))
    preset.kick_key = values.kick_key or ""
    preset.ai_kick = kick


def _save_validated(preset: Preset, kick_problems: list[FieldProblem]) -> None:
    try:
        preset.full_clean(validate_unique=False, validate_constraints=False)
        problems = []
    except ValidationError as error:
        problems = _problems(error)
    if kick_problems:
        # The chosen AI kick is not usable; "choose a kick" on kick_key would only repeat that.
        problems = [p for p in problems if p.field != "kick_key"] + kick_problems
    if problems:
        raise InvalidPreset(problems)
    if _name_taken(preset.owner_id, preset.name, exclude_id=preset.pk):
        raise PresetNameTaken(preset.name)
    preset.save()


def _problems(error: ValidationError) -> list[FieldProblem]:
    problems = []
    for field, messages in error.message_dict.items():
        if field == "name":
            problems.append(FieldProblem("name", NAME_RULE, 1, NAME_MAX_LENGTH))
        elif field in RANGES:
            bounds = RANGES[field]
            problems.append(FieldProblem(field, bounds.message(), bounds.min, bounds.max))
        elif field == "ai_kick":
            problems.append(_KICK_NOT_YOURS)
        else:
            problems.append(FieldProblem(field, messages[0]))
    return problems


def _name_taken(owner_id: int, name: str, exclude_id: int | str | None) -> bool:
    same_name = Preset.objects.filter(owner_id=owner_id, name__iexact=name)
    return same_name.exclude(pk=exclude_id).exists()


def _explain_conflict(
    user: AbstractBaseUser, values: PresetValues, exclude_id: int | str | None
) -> None:
    """Turn a constraint violation by a concurrent request into the error it stands for."""
    if _name_taken(user.pk, values.name.strip(), exclude_id):
        raise PresetNameTaken(values.name.strip()) from None
    if (
        values.ai_kick_id is not None
        and not GeneratedKick.objects.filter(owner=user, pk=values.ai_kick_id).exists()
    ):
        raise InvalidPreset([_KICK_NOT_YOURS]) from None
