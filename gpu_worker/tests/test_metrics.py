"""The realism measures on sets with known answers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gpu_worker.config import AudioConfig
from gpu_worker.metrics import (
    FLOOR_DRAWS,
    FeatureSpace,
    Floor,
    coverage,
    frechet_distance,
    precision,
    spread,
)
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


def test_precision_is_full_for_the_set_itself_and_none_for_a_far_set() -> None:
    rng = np.random.default_rng(0)
    reference = rng.standard_normal((50, 4))
    assert precision(reference, reference) == 1.0
    assert precision(reference, reference + 100.0) == 0.0
    # A tight cluster at the reference's centre sounds like it without covering it.
    assert precision(reference, 0.01 * rng.standard_normal((20, 4))) == 1.0
    assert coverage(reference, 0.01 * rng.standard_normal((20, 4))) < 0.2
    half_far = np.concatenate([reference[:10], reference[:10] + 100.0])
    assert precision(reference, half_far) == 0.5


def test_frechet_distance_holds_where_scipys_matrix_square_root_returned_nan() -> None:
    # The features of 76 kicks of kick-gen-v2 at "short minimal" and of the 76 held-out real
    # kicks: singular covariances for which scipy.linalg.sqrtm returned NaN in the evaluation.
    case = np.load(Path(__file__).parent / "data" / "singular_features.npz")
    generated, reference = case["generated"], case["reference"]
    cov_g, cov_r = np.cov(generated, rowvar=False), np.cov(reference, rowvar=False)
    # The same trace from the symmetric form sqrt(cov_g) cov_r sqrt(cov_g), by eigh alone.
    values, vectors = np.linalg.eigh(cov_g)
    root_g = (vectors * np.sqrt(np.clip(values, 0.0, None))) @ vectors.T
    inner = np.linalg.eigvalsh(root_g @ cov_r @ root_g)
    expected = (
        np.sum((generated.mean(0) - reference.mean(0)) ** 2)
        + np.trace(cov_g)
        + np.trace(cov_r)
        - 2 * np.sqrt(np.clip(inner, 0.0, None)).sum()
    )
    assert frechet_distance(generated, reference) == pytest.approx(expected, rel=1e-6)
    assert frechet_distance(generated, generated) == pytest.approx(0.0, abs=1e-4)


def test_the_floor_of_the_reference_itself_is_zero_and_of_a_shifted_pool_the_shift() -> None:
    rng = np.random.default_rng(0)
    reference = rng.standard_normal((40, 3))
    # Every draw takes all 40 rows: the same set in another order.
    itself = Floor.of(reference, reference)
    assert itself.distance == pytest.approx(0.0, abs=1e-9) and itself.precision == 1.0
    shifted = Floor.of(reference + np.array([2.0, 0.0, 0.0]), reference)
    assert shifted.distance == pytest.approx(4.0) and shifted.deviation == pytest.approx(0.0)


def test_the_floor_is_the_mean_of_its_draws_not_one_of_them() -> None:
    rng = np.random.default_rng(0)
    reference = rng.standard_normal((30, 3))
    pool = rng.standard_normal((90, 3))
    floor = Floor.of(pool, reference)
    draws = np.random.default_rng(0)
    distances = [
        frechet_distance(pool[draws.choice(90, size=30, replace=False)], reference)
        for _ in range(FLOOR_DRAWS)
    ]
    assert floor.distance == pytest.approx(np.mean(distances))
    assert floor.deviation == pytest.approx(np.std(distances)) and floor.deviation > 0
    assert floor.distance != pytest.approx(distances[0])
