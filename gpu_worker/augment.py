"""Augmentation: what producers do to a kick in a sampler, drawn at random, so that a few hundred
recordings teach the model more than a few hundred sounds.

Each augmented kick is re-tuned (±4 semitones, played faster or slower as a sampler does, so the
decay moves with the pitch), tilted with shelving EQ, sometimes saturated, sometimes shortened by
a decay envelope and sometimes put in a short room; pedalboard (Spotify's wrapper of JUCE's DSP)
does the filters, saturation and room. Levels do not matter: preparation normalises the peak.

Layering puts a recorded kick's top (its hit and shell, high-passed) over a synthesized body, as
producers build kicks: the synth's styles then carry the broadband, varied first 200 ms that
recorded kicks have and the synth alone lacks (house kicks 4.6x the real-vs-real floor alone,
1.1-1.3x layered; kick-gen-v5's MODEL_CARD.md, "Layered kicks").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pedalboard
from scipy import signal

from gpu_worker.audio import resample


@dataclass(frozen=True)
class AugmentationRanges:
    semitones: float = 4.0  # re-tuning, either way
    low_shelf_db: float = 4.0  # at 150 Hz, either way
    high_shelf_db: float = 6.0  # at 3 kHz, either way
    saturation_chance: float = 0.3
    saturation_drive_db: tuple[float, float] = (4.0, 18.0)
    decay_chance: float = 0.4
    decay_time_constant_s: tuple[float, float] = (0.06, 0.4)
    room_chance: float = 0.3
    room_size: tuple[float, float] = (0.05, 0.3)
    room_wet: tuple[float, float] = (0.05, 0.2)


def augment_kick(
    audio: np.ndarray,
    sample_rate: int,
    rng: np.random.Generator,
    ranges: AugmentationRanges = AugmentationRanges(),
) -> np.ndarray:
    """One random variation of a mono float32 kick (same rate; the length follows the pitch)."""
    ratio = 2 ** (rng.uniform(-ranges.semitones, ranges.semitones) / 12)
    # Read as if recorded at rate * ratio: played back at `sample_rate`, the pitch moves by ratio.
    tuned = resample(audio.astype(np.float32), round(sample_rate * ratio), sample_rate)
    effects: list[pedalboard.Plugin] = [
        pedalboard.LowShelfFilter(
            cutoff_frequency_hz=150, gain_db=rng.uniform(-1, 1) * ranges.low_shelf_db
        ),
        pedalboard.HighShelfFilter(
            cutoff_frequency_hz=3000, gain_db=rng.uniform(-1, 1) * ranges.high_shelf_db
        ),
    ]
    if rng.random() < ranges.saturation_chance:
        effects.append(pedalboard.Distortion(drive_db=rng.uniform(*ranges.saturation_drive_db)))
    if rng.random() < ranges.room_chance:
        effects.append(
            pedalboard.Reverb(
                room_size=rng.uniform(*ranges.room_size),
                wet_level=rng.uniform(*ranges.room_wet),
                dry_level=1.0,
                width=0.0,
            )
        )
    shaped = pedalboard.Pedalboard(effects)(tuned, sample_rate)
    if rng.random() < ranges.decay_chance:
        time = np.arange(shaped.size) / sample_rate
        shaped = shaped * np.exp(-time / rng.uniform(*ranges.decay_time_constant_s))
    return shaped.astype(np.float32)


@dataclass(frozen=True)
class LayeringRanges:
    top_gain: tuple[float, float] = (0.4, 1.0)  # top peak (before the high-pass) to body peak
    crossover_hz: tuple[float, float] = (150.0, 300.0)  # the top is high-passed here


def layer_kick(
    body: np.ndarray,
    top: np.ndarray,
    sample_rate: int,
    rng: np.random.Generator,
    ranges: LayeringRanges = LayeringRanges(),
) -> np.ndarray:
    """`body` with `top` high-passed (4th-order Butterworth) and laid over it, both from the hit
    and of one length. The top's level is set before the high-pass, so a top that is mostly low
    end adds little."""
    crossover = signal.butter(
        4, rng.uniform(*ranges.crossover_hz), "highpass", fs=sample_rate, output="sos"
    )
    gain = rng.uniform(*ranges.top_gain) * np.abs(body).max() / (np.abs(top).max() + 1e-12)
    return (body + gain * signal.sosfilt(crossover, top)).astype(np.float32)
