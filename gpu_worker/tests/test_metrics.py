"""The realism measures on sets with known answers."""

from __future__ import annotations

import numpy as np
import pytest

from gpu_worker.config import AudioConfig
from gpu_worker.metrics import FeatureSpace, coverage, frechet_distance, spread
from gpu_worker.synth import STYLES, render_kick, sample_params

CONFIG = AudioConfig()


def _kicks(styles: tuple[str, ...], count: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.stack(
        [render_kick(sample_params(styles[i % len(styles)], rng)) for i in range(count)]
    )


@pytest.fixture(scope="module")
def reference() -> np.ndarray:
    return _kicks(STYLES, 40, seed=1)


def test_the_reference_set_has_spread_one_and_a_constant_set_spread_zero(
    reference: np.ndarray,
) -> None:
    space = FeatureSpace.of(reference, CONFIG)
    assert spread(space(reference)) == pytest.approx(1.0, abs=1e-6)
    constant = np.repeat(reference[:1], 12, axis=0)
    assert spread(space(constant)) == pytest.approx(0.0, abs=1e-9)
    one_style = _kicks(("808",), 12, seed=2)
    assert 0.0 < spread(space(one_style)) < 1.0


def test_identical_sets_are_at_distance_zero_and_other_kicks_further(
    reference: np.ndarray,
) -> None:
    space = FeatureSpace.of(reference, CONFIG)
    features = space(reference)
    assert frechet_distance(features, features) == pytest.approx(0.0, abs=1e-4)
    same_styles = space(_kicks(STYLES, 40, seed=3))
    only_808 = space(_kicks(("808",), 40, seed=4))
    assert frechet_distance(same_styles, features) < frechet_distance(only_808, features)


def test_coverage_is_full_for_the_set_itself_and_none_for_a_far_set() -> None:
    rng = np.random.default_rng(0)
    reference = rng.standard_normal((50, 4))
    assert coverage(reference, reference) == 1.0
    assert coverage(reference, reference + 100.0) == 0.0
    half = coverage(reference, reference[:25])
    assert 0.4 <= half <= 0.8  # the covered half, and some of the rest near them
