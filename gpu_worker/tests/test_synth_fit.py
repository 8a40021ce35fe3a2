"""Analysis by synthesis and the measured keywords that real kicks get."""

from __future__ import annotations

import numpy as np
import pytest

from gpu_worker.descriptors import MEASURED_PAIRS, describe, measured_keywords
from gpu_worker.synth import STYLES, keywords_for, render_kick, sample_params
from gpu_worker.synth_fit import Bank, draw_bank, fit_report, fit_twins, twin_corpus


@pytest.fixture(scope="module")
def bank() -> Bank:
    return draw_bank(48, seed=3)


def test_a_kick_of_the_bank_is_its_own_twin(bank: Bank) -> None:
    members = [render_kick(bank.params[i]) for i in (0, 7, 21)]
    fit = fit_twins(members, bank)
    assert fit.twins == [bank.params[i] for i in (0, 7, 21)]
    np.testing.assert_allclose(fit.distances, 0.0, atol=1e-9)
    assert "real kick -> nearest synth kick: median 0.00" in fit_report(fit)


def test_twins_are_the_nearest_bank_kicks_and_renamed_with_fresh_noise(bank: Bank) -> None:
    others = [render_kick(sample_params(style, np.random.default_rng(99))) for style in STYLES]
    fit = fit_twins(others, bank)
    assert len(fit.twins) == len(STYLES) and (fit.distances > 0).all()
    corpus = twin_corpus(fit, seed=1)
    for (name, params), twin in zip(corpus, fit.twins, strict=True):
        assert params.replace(seed=twin.seed) == twin and params.seed != twin.seed
        assert name.split("_")[:-1] == keywords_for(params)


def test_measured_words_almost_never_contradict_the_synths_words() -> None:
    contradictions = {pair[1]: 0 for pair in MEASURED_PAIRS}
    measured_with = dict.fromkeys(contradictions, 0)
    rng = np.random.default_rng(2027)
    for index in range(160):
        params = sample_params(STYLES[index % len(STYLES)], rng)
        given, measured = keywords_for(params), measured_keywords(describe(render_kick(params)))
        for _, low, _, high, _ in MEASURED_PAIRS:
            for word, opposite in ((low, high), (high, low)):
                if word in measured:
                    measured_with[low] += 1
                    contradictions[low] += opposite in given
    for low, count in measured_with.items():
        assert count >= 10, low
        assert contradictions[low] / count <= 0.15, low
