"""Stand-ins for recorded kicks: procedural kicks of given styles, one folder per kit, prepared as
the real-kick corpus is (origin "real", whole kits held out)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import soundfile

from gpu_worker.data import prepare_folder
from gpu_worker.real_kicks import REAL_ORIGIN
from gpu_worker.synth import render_kick, sample_params


def prepare_recorded_kits(
    root: Path,
    kits: Sequence[tuple[str, str]],
    kicks_per_kit: int,
    held_out_share: float,
    seed: int,
) -> Path:
    """Writes `kicks_per_kit` kicks of each (kit, style) under root/corpus/<kit>/ and prepares
    them into root/real, which it returns."""
    rng = np.random.default_rng(seed)
    for kit, style in kits:
        (root / "corpus" / kit).mkdir(parents=True)
        for index in range(kicks_per_kit):
            kick = render_kick(sample_params(style, rng))
            soundfile.write(root / "corpus" / kit / f"{style}_{index}.wav", kick, 44_100)
    return prepare_folder(
        root / "corpus",
        root / "real",
        min_word_count=1,
        held_out_share=held_out_share,
        group_depth=1,
        origin=REAL_ORIGIN,
    )
