"""Procedural kick drum synthesizer: the source of the default model's training corpus.

Every kick is rendered from a `KickParams` (deterministic: the same parameters give the same
samples), and its keywords are derived from those parameters by fixed thresholds, so a word such
as "long" or "deep" always means something measurable in the audio. Between the two thresholds of
an opposite pair a kick gets neither word, which keeps the two sides clearly apart.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import signal

SAMPLE_RATE = 44_100
DURATION_S = 2.0
NUM_SAMPLES = int(SAMPLE_RATE * DURATION_S)
OUTPUT_PEAK_DB = -1.0

Saturation = Literal["soft", "hard", "tape"]
STYLES: tuple[str, ...] = ("808", "909", "house", "techno", "hard", "acoustic", "lofi", "minimal")


@dataclass(frozen=True)
class KickParams:
    """Everything that defines one kick; `seed` drives the noise of the click and the room."""

    style: str
    start_hz: float  # body pitch at the onset
    end_hz: float  # body pitch the sweep settles on (the tail fundamental)
    sweep_s: float  # time constant of the exponential pitch sweep
    triangle_mix: float  # 0 = pure sine body, 1 = triangle body
    punch: float  # 0..1: fast attack and a transient boost over the first ~15 ms
    hold_s: float  # full-level time before the decay starts
    decay_s: float  # time for the body to fall by 40 dB after the hold
    click_level: float  # 0..1: band-passed noise burst plus an impulse
    click_tone_hz: float  # centre of the click's band-pass
    click_decay_ms: float
    sub_level: float  # 0..1: a slower-decaying tail at the settled pitch
    shell_level: float  # 0..1: inharmonic shell partials (acoustic kicks)
    drive: float  # 0..1: saturation amount
    saturation: Saturation
    compression: float  # 0..1
    tilt_db: float  # EQ tilt around 800 Hz: negative is darker
    room_level: float  # 0..1
    room_s: float  # room decay time (-60 dB)
    crush: bool  # lo-fi: reduced bit depth and sample-and-hold
    seed: int
    # What recorded kicks have and the first synth lacked (measured against the real-kick
    # corpus: a broadband, noisy first 50-100 ms and a ringing shell or body).
    click_noise: float = 0.0  # 0 = a band-passed click, 1 = a broadband (high-passed) noise burst
    resonance_level: float = 0.0  # 0..1: a damped mode of the body, struck with the hit
    resonance_hz: float = 150.0
    resonance_decay_ms: float = 30.0
    click_noise_decay_ms: float = 20.0  # the broadband burst rings longer than the click
    # What the recording chain adds, measured against the recorded training kicks: skin and
    # beater noise through the body's first 100 ms, a high-frequency roll-off (microphone,
    # sampler) and a hiss floor that lasts as long as the sample.
    skin_db: float = -120.0  # band-passed noise under the body, against the kick's peak
    skin_decay_ms: float = 50.0
    skin_low_hz: float = 600.0
    skin_high_hz: float = 5000.0
    air_hz: float = SAMPLE_RATE / 2  # 2nd-order low-pass; at Nyquist it is off
    hiss_db: float = -120.0  # broadband noise floor against the kick's peak
    hiss_s: float = 1.0  # how long the recording (and its hiss) lasts

    def replace(self, **changes: object) -> KickParams:
        return dataclasses.replace(self, **changes)

    @property
    def low_tail_db(self) -> float:
        """Low-end (< 150 Hz) energy of 50-500 ms against the first 50 ms: how much boom rings on
        after the hit. It is computed from the body and sub envelopes and the pitch sweep (the
        instantaneous pitch decides when the body falls under 150 Hz), not from the audio, and
        tracks the measured `Descriptors.low_tail_db` closely (r^2 0.95 in house and techno).
        No single parameter decides it: the sub layer, the body's decay, the start pitch and the
        sweep time all move it by a few dB."""
        t = np.arange(int(0.5 * SAMPLE_RATE)) / SAMPLE_RATE
        body, sub = _envelopes(self, t)
        energy = (body + sub) ** 2 * (_pitch_hz(self, t) < 150)
        hit = int(0.05 * SAMPLE_RATE)
        return float(10 * np.log10((energy[hit:].sum() + 1e-20) / (energy[:hit].sum() + 1e-20)))


# Opposite pairs: (parameter, low word, low threshold, high word, high threshold).
# The gaps between the thresholds are wide enough that the audio measures (decay time, tail
# fundamental, attack energy, click brightness, harmonic distortion, low tail) keep the order.
# Boomy/tight stands on the derived `low_tail_db`: on `sub_level` alone, a long tight kick rang on
# more than a short boomy one in 37-40 % of house and techno pairs (now none of them).
OPPOSITE_PAIRS: tuple[tuple[str, str, float, str, float], ...] = (
    ("decay_s", "short", 0.25, "long", 0.55),
    ("end_hz", "deep", 48.0, "high", 62.0),
    ("punch", "soft", 0.25, "punchy", 0.6),
    ("click_level", "round", 0.15, "clicky", 0.55),
    ("drive", "clean", 0.15, "distorted", 0.55),
    ("low_tail_db", "tight", -3.0, "boomy", 1.0),
)
PAIR_WORDS: tuple[str, ...] = tuple(w for p in OPPOSITE_PAIRS for w in (p[1], p[3]))


def keywords_for(params: KickParams) -> list[str]:
    """Keywords grounded in the parameters: style word(s), then descriptive words."""
    words = ["lofi"] if params.style == "lofi" else [params.style]
    if params.style == "hard" and params.drive >= 0.85:
        words.append("gabber")
    for name, low_word, low_max, high_word, high_min in OPPOSITE_PAIRS:
        value = getattr(params, name)
        if value <= low_max:
            words.append(low_word)
        elif value >= high_min:
            words.append(high_word)
    # A "hit" is a solid, well-balanced one-shot: clear transient, moderate length, not smashed.
    if params.punch >= 0.4 and 0.2 <= params.decay_s <= 0.6 and params.drive < 0.55:
        words.append("hit")
    if params.saturation == "tape" and params.drive >= 0.15:
        words.append("tape")
        if params.tilt_db <= -1.0 and params.drive < 0.55:
            words.append("warm")
    if params.sub_level >= 0.5 and params.end_hz <= 52.0:
        words.append("sub")
    return words


@dataclass(frozen=True)
class _Range:
    low: float
    high: float

    def draw(self, rng: np.random.Generator) -> float:
        return float(rng.uniform(self.low, self.high))


@dataclass(frozen=True)
class _LogRange(_Range):
    """Drawn evenly on a log scale, as frequencies and times are heard."""

    def draw(self, rng: np.random.Generator) -> float:
        return float(np.exp(rng.uniform(np.log(self.low), np.log(self.high))))


@dataclass(frozen=True)
class _Style:
    start_hz: _Range
    end_hz: _Range
    sweep_s: _Range
    triangle_mix: _Range
    punch: _Range
    hold_s: _Range
    decay_s: _Range
    click_level: _Range
    click_tone_hz: _Range
    click_decay_ms: _Range
    sub_level: _Range
    shell_level: _Range
    drive: _Range
    saturations: tuple[Saturation, ...]
    compression: _Range
    tilt_db: _Range
    room_level: _Range
    room_s: _Range
    crush: bool = False
    click_noise: _Range = _Range(0.2, 0.9)
    resonance_level: _Range = _Range(0.0, 0.2)
    resonance_hz: _Range = _Range(90.0, 260.0)
    # Short enough to be gone when the tail's pitch and harmonics are measured (120 ms on).
    resonance_decay_ms: _Range = _Range(10.0, 40.0)
    click_noise_decay_ms: _Range = _Range(8.0, 40.0)
    # Ranges fitted to the recorded training kicks (kick-gen-v11's MODEL_CARD.md, "The recording
    # chain"): without them the synth's onsets were about 3 real spreads too loud above 17 kHz,
    # its 0.6-6 kHz 1-3 spreads too quiet through the first 230 ms, and its tails digitally
    # silent where recordings hiss. The skin sits 8 dB louder since kick-gen-v11: seven of the
    # eight styles came 3-21 % closer to the recorded kicks (Fréchet, in their own feature space;
    # the old "hard" 5 % further), kick-gen-v11's model card, "Closer styles from the synth".
    skin_db: _Range = _Range(-34.0, -20.0)
    skin_decay_ms: _LogRange = _LogRange(20.0, 100.0)
    skin_low_hz: _LogRange = _LogRange(300.0, 1200.0)
    skin_high_hz: _LogRange = _LogRange(3000.0, 8000.0)
    air_hz: _LogRange = _LogRange(6000.0, 16000.0)
    hiss_db: _Range = _Range(-92.0, -72.0)
    hiss_s: _Range = _Range(0.3, 1.5)


def _r(low: float, high: float) -> _Range:
    return _Range(low, high)


_NONE = _r(0.0, 0.0)
_STYLE_RANGES: dict[str, _Style] = {
    # Long boom: slow, shallow sweep, little click, a sub tail. Decays from 0.35 s: recorded
    # training kicks decay in 0.23 s (median) and 1.3 s at most, where 808s reached 1.65 s.
    "808": _Style(
        _r(70, 140),
        _r(38, 56),
        _r(0.03, 0.09),
        _NONE,
        _r(0.0, 0.45),
        _r(0.0, 0.02),
        _r(0.35, 1.1),
        _r(0.0, 0.25),
        _r(2000, 5000),
        _r(1, 4),
        _r(0.3, 0.9),
        _NONE,
        _r(0.0, 0.35),
        ("soft", "tape"),
        _r(0.0, 0.4),
        _r(-3, 0),
        _r(0.0, 0.15),
        _r(0.2, 0.4),
        click_noise=_r(0.0, 0.5),
        resonance_level=_r(0.0, 0.15),
    ),
    # Punchy: fast deep sweep, noisy click, some drive and compression. Sweeps from 120-260 Hz
    # and clicks at 1-4 kHz: from higher up and brighter, the onsets lacked the recorded kicks'
    # lows under 170 Hz and had too much above 10 kHz.
    "909": _Style(
        _r(120, 260),
        _r(48, 68),
        _r(0.01, 0.035),
        _NONE,
        _r(0.5, 1.0),
        _r(0.005, 0.03),
        _r(0.15, 0.5),
        _r(0.35, 0.85),
        _r(1000, 4000),
        _r(2, 8),
        _r(0.0, 0.2),
        _NONE,
        _r(0.1, 0.5),
        ("soft",),
        _r(0.2, 0.6),
        _r(-1, 3),
        _r(0.0, 0.2),
        _r(0.15, 0.35),
    ),
    # House and techno are the styles producers pair with descriptive words ("distorted house",
    # "high techno"), so both ends of every opposite pair occur with each of them.
    "house": _Style(
        _r(120, 260),
        _r(45, 65),
        _r(0.015, 0.05),
        _NONE,
        _r(0.05, 0.9),
        _r(0.0, 0.03),
        _r(0.1, 0.62),
        _r(0.0, 0.8),
        _r(2000, 6000),
        _r(1, 6),
        _r(0.0, 0.6),
        _NONE,
        _r(0.0, 0.7),
        ("soft", "tape"),
        _r(0.2, 0.6),
        _r(-2, 2),
        _r(0.0, 0.25),
        _r(0.15, 0.35),
    ),
    # Rumble-ready: mostly deep, controlled tail, compressed, often a little driven.
    "techno": _Style(
        _r(150, 320),
        _r(40, 66),
        _r(0.01, 0.04),
        _NONE,
        _r(0.05, 1.0),
        _r(0.0, 0.03),
        _r(0.12, 0.8),
        _r(0.05, 0.8),
        _r(2000, 7000),
        _r(1, 6),
        _r(0.0, 0.6),
        _NONE,
        _r(0.1, 0.6),
        ("soft", "tape", "hard"),
        _r(0.3, 0.8),
        _r(-2, 2),
        _r(0.0, 0.2),
        _r(0.15, 0.35),
    ),
    # Hard / gabber: steep sweep, heavy drive. Against the recorded kicks the old hard style
    # (sweeps from 200-450 Hz, decays to 0.9 s, hard clipping) was the furthest of all (Fréchet
    # 169, house 67): no onset lows and 1.3-2 spreads of distorted mids through a long tail. A
    # faster sweep from lower down, decays to 0.45 s and soft saturation took it to 93.
    "hard": _Style(
        _r(100, 220),
        _r(45, 75),
        _r(0.008, 0.025),
        _NONE,
        _r(0.5, 1.0),
        _r(0.0, 0.04),
        _r(0.15, 0.45),
        _r(0.3, 0.9),
        _r(2500, 7000),
        _r(1, 6),
        _r(0.0, 0.5),
        _NONE,
        _r(0.55, 1.0),
        ("soft",),
        _r(0.3, 0.9),
        _r(0, 4),
        _r(0.0, 0.15),
        _r(0.15, 0.3),
    ),
    # A miked kick drum: higher shell pitch, small sweep, beater click, shell partials, room.
    "acoustic": _Style(
        _r(90, 180),
        _r(55, 90),
        _r(0.005, 0.02),
        _r(0.0, 0.3),
        _r(0.2, 0.8),
        _r(0.0, 0.01),
        _r(0.1, 0.4),
        _r(0.3, 0.8),
        _r(1000, 3500),
        _r(3, 10),
        _r(0.0, 0.1),
        _r(0.2, 0.6),
        _r(0.0, 0.15),
        ("soft", "tape"),
        _r(0.0, 0.3),
        _r(-2, 1),
        _r(0.3, 0.8),
        _r(0.2, 0.5),
        resonance_level=_r(0.2, 0.6),
        resonance_hz=_r(70, 200),
    ),
    "lofi": _Style(
        _r(100, 250),
        _r(42, 65),
        _r(0.01, 0.05),
        _r(0.0, 0.5),
        _r(0.2, 0.7),
        _r(0.0, 0.03),
        _r(0.2, 0.7),
        _r(0.0, 0.5),
        _r(1500, 4000),
        _r(1, 6),
        _r(0.0, 0.4),
        _NONE,
        _r(0.2, 0.6),
        ("tape",),
        _r(0.2, 0.6),
        _r(-5, -2),
        _r(0.0, 0.3),
        _r(0.15, 0.35),
        crush=True,
    ),
    # Minimal / tight: short, dry, no sub. Short kicks that are recorded hold their body for a
    # moment and click lower down: holds to 50 ms, decays of 0.15-0.25 s and 1-4 kHz clicks took
    # the style from 120 to 89 (Fréchet, the louder skin included).
    "minimal": _Style(
        _r(150, 300),
        _r(50, 72),
        _r(0.008, 0.025),
        _NONE,
        _r(0.4, 0.9),
        _r(0.0, 0.05),
        _r(0.15, 0.25),
        _r(0.1, 0.5),
        _r(1000, 4000),
        _r(2, 8),
        _NONE,
        _NONE,
        _r(0.0, 0.2),
        ("soft",),
        _r(0.0, 0.4),
        _r(0, 3),
        _r(0.0, 0.1),
        _r(0.1, 0.2),
    ),
}


def sample_params(style: str, rng: np.random.Generator) -> KickParams:
    """Draw one kick of `style` (one of `STYLES`) from that style's parameter ranges."""
    if style not in _STYLE_RANGES:
        raise ValueError(f"unknown style {style!r}; expected one of {', '.join(STYLES)}")
    s = _STYLE_RANGES[style]
    return KickParams(
        style=style,
        start_hz=s.start_hz.draw(rng),
        end_hz=s.end_hz.draw(rng),
        sweep_s=s.sweep_s.draw(rng),
        triangle_mix=s.triangle_mix.draw(rng),
        punch=s.punch.draw(rng),
        hold_s=s.hold_s.draw(rng),
        decay_s=s.decay_s.draw(rng),
        click_level=s.click_level.draw(rng),
        click_tone_hz=s.click_tone_hz.draw(rng),
        click_decay_ms=s.click_decay_ms.draw(rng),
        sub_level=s.sub_level.draw(rng),
        shell_level=s.shell_level.draw(rng),
        drive=s.drive.draw(rng),
        saturation=s.saturations[int(rng.integers(len(s.saturations)))],
        compression=s.compression.draw(rng),
        tilt_db=s.tilt_db.draw(rng),
        room_level=s.room_level.draw(rng),
        room_s=s.room_s.draw(rng),
        crush=s.crush,
        seed=int(rng.integers(2**31 - 1)),
        click_noise=s.click_noise.draw(rng),
        resonance_level=s.resonance_level.draw(rng),
        resonance_hz=s.resonance_hz.draw(rng),
        resonance_decay_ms=s.resonance_decay_ms.draw(rng),
        click_noise_decay_ms=s.click_noise_decay_ms.draw(rng),
        skin_db=s.skin_db.draw(rng),
        skin_decay_ms=s.skin_decay_ms.draw(rng),
        skin_low_hz=s.skin_low_hz.draw(rng),
        skin_high_hz=s.skin_high_hz.draw(rng),
        air_hz=s.air_hz.draw(rng),
        hiss_db=s.hiss_db.draw(rng),
        hiss_s=s.hiss_s.draw(rng),
    )


def draw_params(count: int, seed: int) -> list[KickParams]:
    """`count` kicks, the styles in turn, kick i drawn from its own stream [seed, i] (so the
    first n of a larger draw are the same n kicks)."""
    return [
        sample_params(STYLES[i % len(STYLES)], np.random.default_rng([seed, i]))
        for i in range(count)
    ]


def render_kick(params: KickParams) -> np.ndarray:
    """Render `params` to 2.0 s of float32 mono audio at 44.1 kHz, peak at -1 dBFS."""
    rng = np.random.default_rng(params.seed)
    t = np.arange(NUM_SAMPLES) / SAMPLE_RATE
    body_envelope, sub_envelope = _envelopes(params, t)

    # Exponential pitch sweep; the phase is its closed-form integral, so no drift or zipper noise.
    sweep_span = params.start_hz - params.end_hz
    phase = (
        2
        * np.pi
        * (params.end_hz * t + sweep_span * params.sweep_s * (1 - np.exp(-t / params.sweep_s)))
    )
    sine = np.sin(phase)
    triangle = (2 / np.pi) * np.arcsin(sine)
    body = (1 - params.triangle_mix) * sine + params.triangle_mix * triangle
    # The oscillator is shaped before the amplitude envelope (as in kick designers), so `drive`
    # sets the harmonic content of the whole tail and `decay_s` stays the audible decay.
    body = _saturate(body, params.drive, params.saturation)

    kick = body * body_envelope + sine * sub_envelope
    if params.shell_level > 0:
        attack = _attack(params, t)
        for ratio, level, tau in ((1.59, 0.5, 0.03), (2.14, 0.35, 0.02), (2.65, 0.2, 0.015)):
            partial = np.sin(ratio * phase + rng.uniform(0, 2 * np.pi))
            kick += params.shell_level * level * partial * attack * np.exp(-t / tau)
    if params.resonance_level > 0:
        # A struck mode of the shell or body: its own pitch, its own short decay.
        mode = np.sin(2 * np.pi * params.resonance_hz * t + rng.uniform(0, 2 * np.pi))
        decay = np.exp(-t / (params.resonance_decay_ms / 1000))
        kick += 0.6 * params.resonance_level * mode * decay * _attack(params, t)
    if params.click_level > 0:
        kick += params.click_level * _click(params, t, rng)
    kick += _skin(params, t, rng) * np.max(np.abs(kick))

    if params.compression > 0:
        kick = _compress(kick, params.compression)
    kick = _tilt(kick, params.tilt_db)
    if params.room_level > 0:
        kick = kick + _room(kick, params.room_level, params.room_s, rng)
    if params.crush:
        kick = _crush(kick, rng)
    # After the crush, as a sampler's output filter: before it, the crush's steps put the
    # roll-off's highs back ("lofi" 130 instead of 101 against the recorded training kicks).
    kick = _recorded(kick, params, t, rng)

    # Asymmetric shaping leaves DC in the body; a gentle high-pass removes it without an offset
    # in the silent tail.
    kick = signal.sosfilt(signal.butter(1, 10, "highpass", fs=SAMPLE_RATE, output="sos"), kick)
    peak = np.max(np.abs(kick))
    return (kick / peak * 10 ** (OUTPUT_PEAK_DB / 20)).astype(np.float32)


def _pitch_hz(params: KickParams, t: np.ndarray) -> np.ndarray:
    """The body's instantaneous pitch: the derivative of the sweep's phase over 2 pi."""
    return params.end_hz + (params.start_hz - params.end_hz) * np.exp(-t / params.sweep_s)


def _attack(params: KickParams, t: np.ndarray) -> np.ndarray:
    attack_s = 0.0003 + (1 - params.punch) * 0.006
    return 0.5 - 0.5 * np.cos(np.pi * np.clip(t / attack_s, 0, 1))


def _envelopes(params: KickParams, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Amplitude envelopes of the body and of the sub layer."""
    decay = 10 ** (-2 * np.maximum(t - params.hold_s, 0) / params.decay_s)  # -40 dB at decay_s
    transient = 1 + 1.5 * params.punch * np.exp(-t / 0.015)
    body = _attack(params, t) * decay * transient
    # A clean low layer that swells in after the hit and fades a little slower than the body.
    sub = 0.8 * params.sub_level * (1 - np.exp(-t / 0.04)) * decay**0.7
    return body, sub


def _click(params: KickParams, t: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    burst_len = int(SAMPLE_RATE * 0.12)
    noise = rng.standard_normal(burst_len)
    centre = params.click_tone_hz
    band = signal.butter(
        2,
        [centre / 1.8, min(centre * 1.8, 0.45 * SAMPLE_RATE)],
        "bandpass",
        fs=SAMPLE_RATE,
        output="sos",
    )
    tonal = signal.sosfilt(band, noise)
    tonal *= np.exp(-t[:burst_len] / (params.click_decay_ms / 1000)) / (
        np.max(np.abs(tonal)) + 1e-12
    )
    # Recorded kicks carry broadband noise up to several kHz through their first 50-100 ms
    # (beater, skin, the sample's own character): a high-passed burst that rings longer.
    highpass = signal.butter(2, min(centre / 3, 2500), "highpass", fs=SAMPLE_RATE, output="sos")
    broadband = signal.sosfilt(highpass, noise)
    broadband *= np.exp(-t[:burst_len] / (params.click_noise_decay_ms / 1000)) / (
        np.max(np.abs(broadband)) + 1e-12
    )
    burst = np.zeros_like(t)
    burst[:burst_len] = (1 - params.click_noise) * tonal + params.click_noise * broadband
    # The beater/impulse part: a few samples of a decaying spike, lightly smoothed.
    impulse = np.zeros_like(t)
    impulse[:4] = [1.0, -0.6, 0.3, -0.1]
    return 0.8 * burst + 0.5 * impulse


def _skin(params: KickParams, t: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Band-passed noise that decays with the skin: the mid-range texture of a struck drum."""
    band = signal.butter(
        2, [params.skin_low_hz, params.skin_high_hz], "bandpass", fs=SAMPLE_RATE, output="sos"
    )
    noise = signal.sosfilt(band, rng.standard_normal(t.size))
    noise *= np.exp(-t / (params.skin_decay_ms / 1000)) / (np.max(np.abs(noise)) + 1e-12)
    return 10 ** (params.skin_db / 20) * noise


def _recorded(
    x: np.ndarray, params: KickParams, t: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """The roll-off and the hiss of a recording, the hiss ending (in 50 ms) with the sample."""
    if params.air_hz < SAMPLE_RATE / 2:
        x = signal.sosfilt(signal.butter(2, params.air_hz, fs=SAMPLE_RATE, output="sos"), x)
    gate = np.clip((params.hiss_s - t) / 0.05, 0.0, 1.0)
    hiss = rng.standard_normal(t.size) * gate * 10 ** (params.hiss_db / 20)
    return x + hiss * np.max(np.abs(x))


def _saturate(x: np.ndarray, drive: float, kind: Saturation) -> np.ndarray:
    if drive <= 0:
        return x
    gain = 10 ** (30 * drive**1.5 / 20)  # up to +30 dB into the shaper, gentle at low drive
    if kind == "soft":
        return np.tanh(gain * x) / np.tanh(gain)
    if kind == "hard":
        return np.clip(gain * x, -1, 1)
    # Tape: asymmetric soft saturation (even harmonics) with a gentle high-frequency loss.
    bias = 0.3
    y = (np.tanh(gain * x + bias) - np.tanh(bias)) / np.tanh(gain)
    lowpass = signal.butter(1, 9000, fs=SAMPLE_RATE, output="sos")
    return signal.sosfilt(lowpass, y)


def _compress(x: np.ndarray, amount: float) -> np.ndarray:
    """Feed-forward compressor whose slow detector lets the transient through, as on kicks."""
    # Moderate settings: they tame the transient without moving the -40 dB point much.
    threshold_db = -4 - 8 * amount
    ratio = 2 + amount
    smoothing = np.exp(-1 / (SAMPLE_RATE * 0.03))
    level = signal.lfilter([1 - smoothing], [1, -smoothing], np.abs(x))
    level_db = 20 * np.log10(level / (np.max(level) + 1e-12) + 1e-9)
    gain_db = np.minimum(0.0, (1 / ratio - 1) * (level_db - threshold_db))
    return x * 10 ** (gain_db / 20)


def _tilt(x: np.ndarray, tilt_db: float) -> np.ndarray:
    lowpass = signal.butter(1, 800, fs=SAMPLE_RATE, output="sos")
    low = signal.sosfilt(lowpass, x)
    high = x - low
    return low * 10 ** (-tilt_db / 40) + high * 10 ** (tilt_db / 40)


def _room(x: np.ndarray, level: float, decay_s: float, rng: np.random.Generator) -> np.ndarray:
    ir_t = np.arange(int(SAMPLE_RATE * decay_s)) / SAMPLE_RATE
    ir = rng.standard_normal(ir_t.size) * 10 ** (-3 * ir_t / decay_s)  # -60 dB at decay_s
    ir = signal.sosfilt(signal.butter(1, 4000, fs=SAMPLE_RATE, output="sos"), ir)
    ir[: int(SAMPLE_RATE * 0.004)] = 0  # pre-delay: early reflections arrive after the direct hit
    ir /= np.sqrt(np.sum(ir**2)) + 1e-12
    return 0.2 * level * signal.fftconvolve(x, ir)[: x.size]


def _crush(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    bits = int(rng.integers(8, 13))
    hold = int(rng.integers(1, 4))
    held = np.repeat(x[::hold], hold)[: x.size]
    steps = 2 ** (bits - 1)
    peak = np.max(np.abs(held)) + 1e-12
    return np.round(held / peak * steps) / steps * peak
