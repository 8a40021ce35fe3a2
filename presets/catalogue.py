"""The stock sound library: every stock kick, noise loop and reverb impulse response.

This catalogue is the single source of truth for keys, display names, kinds and the parameters
each sound is rendered from. `manage.py build_samples` renders it (presets.sample_library), the
`samples` query lists it, and preset validation accepts exactly its keys. It imports nothing
heavy, so models and GraphQL types can use it freely.

Keys are permanent: presets store them, so a sound may be re-voiced but never re-keyed.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

SAMPLE_RATE = 44_100


class SampleKind(enum.Enum):
    KICK = "kick"
    NOISE = "noise"
    IMPULSE_RESPONSE = "impulse_response"


@dataclass(frozen=True)
class KickRecipe:
    """A kick from gpu_worker.synth: `sample_params(style, default_rng(seed))` plus overrides."""

    style: str
    seed: int
    overrides: tuple[tuple[str, float], ...] = ()


class Texture(enum.Enum):
    PINK = "pink"
    BROWN = "brown"
    TAPE_HISS = "tape_hiss"
    VINYL_CRACKLE = "vinyl_crackle"
    RAIN = "rain"
    WIND = "wind"
    SCIFI_SWEEP = "scifi_sweep"


@dataclass(frozen=True)
class NoiseRecipe:
    """A seamless loop: `seconds` long, so that it can repeat with no click at the seam."""

    texture: Texture
    seconds: float
    channels: int
    seed: int


@dataclass(frozen=True)
class ImpulseResponseRecipe:
    """A stereo reverb: early reflections followed by a band-wise exponentially decaying tail."""

    seconds: float  # total length; the tail is faded to silence by the end
    rt60_s: float  # mid-band time to decay by 60 dB
    low_decay_ratio: float  # decay time below 250 Hz relative to rt60_s
    high_decay_ratio: float  # decay time above 4 kHz relative to rt60_s (< 1 is darker)
    pre_delay_ms: float
    early_reflections: int  # 0 for plates, which build up densely at once
    early_spread_ms: float  # window the early reflections arrive in, after the pre-delay
    build_up_ms: float  # time the diffuse tail takes to build up
    low_pass_hz: float  # overall tone: dark rooms have a low cut-off
    width: float  # 0 = identical channels, 1 = fully decorrelated channels
    seed: int


Recipe = KickRecipe | NoiseRecipe | ImpulseResponseRecipe


@dataclass(frozen=True)
class StockSample:
    key: str
    name: str
    kind: SampleKind
    recipe: Recipe


CATALOGUE: tuple[StockSample, ...] = (
    # Kicks: fixed styles and seeds of the procedural synthesizer the model was trained on.
    StockSample("kick-909-punch", "909 Punch", SampleKind.KICK, KickRecipe("909", 909)),
    StockSample("kick-808-boom", "808 Boom", SampleKind.KICK, KickRecipe("808", 808)),
    StockSample(
        "kick-berlin-rumble",
        "Berlin Rumble",
        SampleKind.KICK,
        KickRecipe("techno", 1989, (("sub_level", 0.55), ("end_hz", 44.0), ("decay_s", 0.7))),
    ),
    StockSample("kick-warehouse-thud", "Warehouse Thud", SampleKind.KICK, KickRecipe("techno", 4)),
    StockSample(
        "kick-gabber-hammer",
        "Gabber Hammer",
        SampleKind.KICK,
        KickRecipe("hard", 180, (("drive", 0.95),)),
    ),
    StockSample("kick-industrial-clip", "Industrial Clip", SampleKind.KICK, KickRecipe("hard", 77)),
    StockSample("kick-house-classic", "House Classic", SampleKind.KICK, KickRecipe("house", 124)),
    StockSample("kick-minimal-tick", "Minimal Tick", SampleKind.KICK, KickRecipe("minimal", 5)),
    StockSample("kick-acoustic-room", "Acoustic Room", SampleKind.KICK, KickRecipe("acoustic", 12)),
    StockSample("kick-lofi-dust", "Lo-Fi Dust", SampleKind.KICK, KickRecipe("lofi", 33)),
    # Noise loops.
    StockSample("noise-pink", "Pink Noise", SampleKind.NOISE, NoiseRecipe(Texture.PINK, 3.0, 1, 1)),
    StockSample(
        "noise-brown", "Brown Noise", SampleKind.NOISE, NoiseRecipe(Texture.BROWN, 3.0, 1, 2)
    ),
    StockSample(
        "noise-tape-hiss",
        "Tape Hiss",
        SampleKind.NOISE,
        NoiseRecipe(Texture.TAPE_HISS, 3.0, 1, 3),
    ),
    # 3.6 s is two turns of a record at 33 1/3 rpm, so the rumble of the turntable loops too.
    StockSample(
        "noise-vinyl-crackle",
        "Vinyl Crackle",
        SampleKind.NOISE,
        NoiseRecipe(Texture.VINYL_CRACKLE, 3.6, 2, 4),
    ),
    StockSample("noise-rain", "Rain", SampleKind.NOISE, NoiseRecipe(Texture.RAIN, 3.0, 2, 5)),
    StockSample(
        "noise-night-wind", "Night Wind", SampleKind.NOISE, NoiseRecipe(Texture.WIND, 4.0, 2, 6)
    ),
    StockSample(
        "noise-scifi-sweep",
        "Sci-Fi Sweep",
        SampleKind.NOISE,
        NoiseRecipe(Texture.SCIFI_SWEEP, 4.0, 2, 7),
    ),
    # Stereo impulse responses, short to long.
    StockSample(
        "ir-tight-room",
        "Tight Room",
        SampleKind.IMPULSE_RESPONSE,
        ImpulseResponseRecipe(0.3, 0.22, 1.1, 0.7, 2, 10, 12, 6, 12_000, 0.8, 11),
    ),
    StockSample(
        "ir-small-room",
        "Small Room",
        SampleKind.IMPULSE_RESPONSE,
        ImpulseResponseRecipe(0.6, 0.45, 1.2, 0.75, 4, 12, 20, 10, 14_000, 0.85, 12),
    ),
    StockSample(
        "ir-dark-room",
        "Dark Room",
        SampleKind.IMPULSE_RESPONSE,
        ImpulseResponseRecipe(1.0, 0.75, 1.4, 0.35, 6, 14, 28, 15, 3_500, 0.9, 13),
    ),
    StockSample(
        "ir-bright-plate",
        "Bright Plate",
        SampleKind.IMPULSE_RESPONSE,
        ImpulseResponseRecipe(1.6, 1.3, 0.8, 1.0, 1, 0, 0, 2, 18_000, 1.0, 14),
    ),
    StockSample(
        "ir-dark-plate",
        "Dark Plate",
        SampleKind.IMPULSE_RESPONSE,
        ImpulseResponseRecipe(2.2, 1.8, 0.9, 0.45, 1, 0, 0, 3, 5_000, 1.0, 15),
    ),
    StockSample(
        "ir-concert-hall",
        "Concert Hall",
        SampleKind.IMPULSE_RESPONSE,
        ImpulseResponseRecipe(2.8, 2.2, 1.3, 0.6, 18, 16, 70, 60, 10_000, 0.95, 16),
    ),
    StockSample(
        "ir-dark-hall",
        "Dark Hall",
        SampleKind.IMPULSE_RESPONSE,
        ImpulseResponseRecipe(3.5, 2.8, 1.5, 0.3, 24, 18, 90, 80, 3_000, 0.95, 17),
    ),
    # Concrete and steel: long, bright and with strong, late slap-back reflections.
    StockSample(
        "ir-warehouse",
        "Warehouse",
        SampleKind.IMPULSE_RESPONSE,
        ImpulseResponseRecipe(4.0, 3.3, 1.1, 0.9, 35, 10, 160, 120, 9_000, 1.0, 18),
    ),
)

_BY_KEY: dict[str, StockSample] = {sample.key: sample for sample in CATALOGUE}


def stock_sample(key: str) -> StockSample | None:
    return _BY_KEY.get(key)


def keys_of(kind: SampleKind) -> tuple[str, ...]:
    return tuple(sample.key for sample in CATALOGUE if sample.kind is kind)
