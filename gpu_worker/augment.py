"""Augmentation of real kicks: what producers do to a kick in a sampler, drawn at random, so that
a few hundred recordings teach the model more than a few hundred sounds.

Each augmented kick is re-tuned (±4 semitones, played faster or slower as a sampler does, so the
decay moves with the pitch), tilted with shelving EQ, sometimes saturated, sometimes shortened by
a decay envelope and sometimes put in a short room; pedalboard (Spotify's wrapper of JUCE's DSP)
does the filters, saturation and room. Levels do not matter: preparation normalises the peak.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pedalboard

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
