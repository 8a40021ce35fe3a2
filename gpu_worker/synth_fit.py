"""Analysis by synthesis: the synth parameters that come closest to each recorded kick.

A bank of procedural kicks is drawn from every style's ranges and measured once; each real kick's
twin is the bank kick nearest to it in the measured descriptors (each standardised by the real
kicks' spread). The twins are the synth's distribution re-weighted towards recorded kicks: they
join the procedural corpus with their own grounded keywords (style included), so that a prompt
such as "hit house" has real-like examples too. `fit_report` says how close the synth gets.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from gpu_worker.descriptors import describe
from gpu_worker.parallel import map_on_cores
from gpu_worker.synth import STYLES, KickParams, draw_params, keywords_for, render_kick

# Descriptors the match is made on: pitch, length, attack, brightness, punch, click, harmonics,
# boom. Each is compared in units of the real kicks' own spread.
FIT_DESCRIPTORS: tuple[str, ...] = (
    "tail_fundamental_hz",
    "decay_s",
    "attack_ms",
    "early_centroid_hz",
    "attack_energy_db",
    "click_energy_db",
    "harmonic_distortion_db",
    "low_tail_db",
)


def measure(audio: Sequence[np.ndarray]) -> np.ndarray:
    """(N, len(FIT_DESCRIPTORS)) descriptors; frequencies on a log scale, as they are heard."""
    return _log_frequencies(np.array([_descriptor_row(kick) for kick in audio]))


def _descriptor_row(kick: np.ndarray) -> list[float]:
    described = describe(kick).as_dict()
    return [described[name] for name in FIT_DESCRIPTORS]


def _rendered_row(params: KickParams) -> list[float]:
    return _descriptor_row(render_kick(params))


def _log_frequencies(rows: np.ndarray) -> np.ndarray:
    values = rows.astype(np.float64)
    for column, name in enumerate(FIT_DESCRIPTORS):
        if name.endswith("_hz"):
            values[:, column] = np.log2(np.maximum(values[:, column], 1.0))
    return values


@dataclass(frozen=True)
class Bank:
    params: list[KickParams]
    descriptors: np.ndarray


def draw_bank(size: int, seed: int) -> Bank:
    """`size` procedural kicks, the styles in turn, and their descriptors."""
    params = draw_params(size, seed)
    rows = map_on_cores(_rendered_row, params, desc="synth bank")
    return Bank(params, _log_frequencies(np.array(rows)))


@dataclass(frozen=True)
class Fit:
    twins: list[KickParams]  # one per real kick, in order
    distances: np.ndarray  # standardised distance of each real kick to its twin
    bank_to_real: float  # median distance of a random bank kick to its nearest real kick


def fit_twins(real_audio: Sequence[np.ndarray], bank: Bank) -> Fit:
    real = measure(real_audio)
    scale = real.std(axis=0) + 1e-9
    real_z = real / scale
    bank_z = bank.descriptors / scale
    distances = np.linalg.norm(real_z[:, None, :] - bank_z[None, :, :], axis=2)
    nearest = distances.argmin(axis=1)
    return Fit(
        twins=[bank.params[i] for i in nearest],
        distances=distances[np.arange(len(real)), nearest],
        bank_to_real=float(np.median(distances.min(axis=0))),
    )


def twin_corpus(fit: Fit, seed: int) -> list[tuple[str, KickParams]]:
    """(file name, parameters) of each twin with a fresh noise seed, named like the procedural
    corpus (grounded keywords, then an index)."""
    rng = np.random.default_rng(seed)
    corpus = []
    for index, params in enumerate(fit.twins):
        twin = params.replace(seed=int(rng.integers(2**31 - 1)))
        corpus.append(("_".join([*keywords_for(twin), f"{index:05d}"]) + ".wav", twin))
    return corpus


def fit_report(fit: Fit) -> str:
    p10, p50, p90 = np.percentile(fit.distances, [10, 50, 90])
    styles = ", ".join(
        f"{style} {sum(t.style == style for t in fit.twins)}"
        for style in STYLES
        if any(t.style == style for t in fit.twins)
    )
    return (
        f"real kick -> nearest synth kick: median {p50:.2f} [{p10:.2f}-{p90:.2f}] real spreads; "
        f"synth kick -> nearest real kick: median {fit.bank_to_real:.2f}; twins: {styles}"
    )
