"""Smoke test of the default weights shipped in the repository."""

from __future__ import annotations

import numpy as np
import pytest

from gpu_worker import DEFAULT_MODEL_PATH
from gpu_worker.audio import decode_wav
from gpu_worker.descriptors import describe, envelope_db, find_artifacts
from gpu_worker.pipeline import KickPipeline
from gpu_worker.weights import MODEL_CARD_FILE, REQUIRED_FILES

MAX_TOTAL_BYTES = 25 * 1024 * 1024


def test_the_shipped_folder_is_complete_and_small() -> None:
    names = {path.name for path in DEFAULT_MODEL_PATH.iterdir()}
    assert set(REQUIRED_FILES) | {MODEL_CARD_FILE} <= names
    total = sum(path.stat().st_size for path in DEFAULT_MODEL_PATH.iterdir())
    assert total <= MAX_TOTAL_BYTES


@pytest.fixture(scope="module")
def pipeline() -> KickPipeline:
    return KickPipeline.from_pretrained(device="cpu")


def test_hit_house_is_understood(pipeline: KickPipeline) -> None:
    tokens = pipeline.vocabulary.tokenize("hit house")
    assert tokens.keywords == ["hit", "house"] and tokens.ignored_words == []


def test_hit_house_gives_a_pitched_kick_that_decays(pipeline: KickPipeline) -> None:
    for kick in pipeline.generate("hit house", seed=7, num_kicks=3):
        audio, sample_rate = decode_wav(kick.wav)
        assert sample_rate == 44_100 and audio.size == 88_200
        assert not find_artifacts(audio).any()
        assert 35 <= describe(audio).tail_fundamental_hz <= 120
        envelope = envelope_db(audio)  # 5 ms frames, dB below the loudest frame
        # Loud at the hit, at least 20 dB down by 0.6-0.95 s (before the fade-out starts).
        assert np.argmax(envelope) < 0.1 / 0.005
        assert envelope[int(0.6 / 0.005) : int(0.95 / 0.005)].max() < -20
