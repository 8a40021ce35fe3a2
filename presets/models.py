from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.deconstruct import deconstructible

from presets.catalogue import SampleKind, stock_sample

NAME_MAX_LENGTH = 32
NAME_PATTERN = r"^[A-Za-z0-9 ]+$"
NAME_RULE = f"Use 1 to {NAME_MAX_LENGTH} letters, digits and spaces."


@dataclass(frozen=True)
class ParameterRange:
    """One preset parameter: its inclusive range, the value a fresh DAW starts from (and a knob
    resets to), and a label and unit for messages."""

    label: str
    min: float
    max: float
    default: float
    unit: str = ""

    def __post_init__(self) -> None:
        if not self.min <= self.default <= self.max:
            raise ValueError(f"{self.label}: default {self.default:g} is outside its range.")

    def message(self) -> str:
        unit = f" {self.unit}" if self.unit else ""
        return f"{self.label} must be between {self.min:g} and {self.max:g}{unit}."

    def validators(self) -> list:
        return [
            MinValueValidator(self.min, message=self.message()),
            MaxValueValidator(self.max, message=self.message()),
        ]


# The one table of parameter ranges and defaults: model validators, database constraints,
# GraphQL errors and the `presetParameters` query (which the DAW's knobs are built from) all
# read it.
RANGES: dict[str, ParameterRange] = {
    "bpm": ParameterRange("BPM", 60, 365, default=140),
    "kick_length": ParameterRange("Kick length", 0.1, 1.0, default=1.0),
    "kick_distortion": ParameterRange("Kick distortion", 0.0, 0.5, default=0.0),
    "kick_ott": ParameterRange("Kick OTT", 0.0, 1.0, default=0.0),
    "noise_low_pass": ParameterRange("Noise low-pass", 30, 7000, default=7000, unit="Hz"),
    "noise_high_pass": ParameterRange("Noise high-pass", 30, 7000, default=30, unit="Hz"),
    "noise_volume": ParameterRange("Noise volume", -70, -6, default=-30, unit="dB"),
    "reverb_low_pass": ParameterRange("Reverb low-pass", 30, 7000, default=7000, unit="Hz"),
    "reverb_high_pass": ParameterRange("Reverb high-pass", 30, 7000, default=30, unit="Hz"),
    "reverb_volume": ParameterRange("Reverb volume", -60, 0, default=-18, unit="dB"),
    "master_ott": ParameterRange("Master OTT", 0.0, 1.0, default=0.0),
    "master_distortion": ParameterRange("Master distortion", 0.0, 0.5, default=0.0),
    "limiter_pre_gain": ParameterRange("Limiter pre-gain", 1, 8, default=1),
}


@deconstructible
class StockKeyValidator:
    """Accepts exactly the catalogue's keys of one kind of stock sample."""

    def __init__(self, kind: SampleKind) -> None:
        self.kind = kind

    def __call__(self, key: str) -> None:
        sample = stock_sample(key)
        if sample is None or sample.kind is not self.kind:
            kind = self.kind.value.replace("_", " ")
            raise ValidationError(f"Unknown stock {kind}: {key!r}.", code="unknown_key")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, StockKeyValidator) and other.kind is self.kind

    def __hash__(self) -> int:
        return hash(self.kind)


def _ranged_float(name: str) -> models.FloatField:
    return models.FloatField(validators=RANGES[name].validators())


class Preset(models.Model):
    """The whole state of the DAW. Shared presets belong to nobody and are read-only to users."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="presets",
        help_text="Empty for shared presets.",
    )
    is_shared = models.BooleanField(
        default=False, help_text="Shown to everyone, guests included; nobody can change it."
    )
    name = models.CharField(
        max_length=NAME_MAX_LENGTH,
        validators=[RegexValidator(NAME_PATTERN, message=NAME_RULE)],
    )
    bpm = models.PositiveSmallIntegerField(validators=RANGES["bpm"].validators())
    # The kick: a stock kick or one of the owner's AI kicks, never both. RESTRICT: deleting a kick
    # that presets use fails, so the kicks app deletes those presets explicitly (once the member
    # confirms) and none silently loses its kick; deleting a member still takes both along.
    kick_key = models.CharField(
        max_length=64, blank=True, validators=[StockKeyValidator(SampleKind.KICK)]
    )
    ai_kick = models.ForeignKey(
        "kicks.GeneratedKick",
        null=True,
        blank=True,
        on_delete=models.RESTRICT,
        related_name="presets",
    )
    kick_length = _ranged_float("kick_length")
    kick_distortion = _ranged_float("kick_distortion")
    kick_ott = _ranged_float("kick_ott")
    noise_key = models.CharField(max_length=64, validators=[StockKeyValidator(SampleKind.NOISE)])
    noise_low_pass = _ranged_float("noise_low_pass")
    noise_high_pass = _ranged_float("noise_high_pass")
    noise_volume = _ranged_float("noise_volume")
    reverb_key = models.CharField(
        max_length=64, validators=[StockKeyValidator(SampleKind.IMPULSE_RESPONSE)]
    )
    reverb_low_pass = _ranged_float("reverb_low_pass")
    reverb_high_pass = _ranged_float("reverb_high_pass")
    reverb_volume = _ranged_float("reverb_volume")
    master_ott = _ranged_float("master_ott")
    master_distortion = _ranged_float("master_distortion")
    limiter_pre_gain = _ranged_float("limiter_pre_gain")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = [Lower("name"), "id"]
        constraints = [
            models.UniqueConstraint(
                "owner",
                Lower("name"),
                name="unique_preset_name_per_owner",
                violation_error_message="You already have a preset with this name.",
            ),
            models.UniqueConstraint(
                Lower("name"),
                condition=Q(is_shared=True),
                name="unique_shared_preset_name",
                violation_error_message="A shared preset with this name exists.",
            ),
            models.CheckConstraint(
                condition=(Q(kick_key="") & Q(ai_kick__isnull=False))
                | (~Q(kick_key="") & Q(ai_kick__isnull=True)),
                name="preset_uses_one_kick",
                violation_error_message="Choose either a stock kick or an AI kick.",
            ),
            # Shared presets belong to nobody and use stock sounds only (an AI kick is private).
            models.CheckConstraint(
                condition=Q(is_shared=True, owner__isnull=True, ai_kick__isnull=True)
                | Q(is_shared=False, owner__isnull=False),
                name="preset_shared_xor_owned",
                violation_error_message="Shared presets have no owner and no AI kick.",
            ),
            *(
                models.CheckConstraint(
                    condition=Q(**{f"{field}__gte": bounds.min, f"{field}__lte": bounds.max}),
                    name=f"preset_{field}_in_range",
                    violation_error_message=bounds.message(),
                )
                for field, bounds in RANGES.items()
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.ai_kick_id is not None and self.kick_key:
            raise ValidationError(
                {"kick_key": "Choose either a stock kick or an AI kick, not both."}
            )
        if self.ai_kick_id is None and not self.kick_key:
            raise ValidationError({"kick_key": "Choose a stock kick or one of your AI kicks."})
        if self.ai_kick_id is not None and (
            self.is_shared or self.ai_kick.owner_id != self.owner_id
        ):
            raise ValidationError({"ai_kick": "Only the owner of an AI kick can use it."})
