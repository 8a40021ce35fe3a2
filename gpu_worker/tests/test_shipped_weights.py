"""Smoke test of the default weights shipped in the repository."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from gpu_worker import DEFAULT_MODEL_PATH
from gpu_worker.audio import decode_wav, encode_wav
from gpu_worker.descriptors import describe, envelope_db, find_artifacts
from gpu_worker.evaluate import EvaluationSettings, as_delivered, variation_distances
from gpu_worker.metrics import log_mel_statistics
from gpu_worker.pipeline import KickPipeline
from gpu_worker.preview import picture_of
from gpu_worker.protocol import DEFAULT_VARIATION_STRENGTH
from gpu_worker.reference import prepare_reference
from gpu_worker.synth import draw_params, render_kick
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


@pytest.mark.parametrize("prompt", [None, "hit house"])
def test_the_default_prompt_and_hit_house_are_understood(
    pipeline: KickPipeline, prompt: str | None
) -> None:
    prompt = pipeline.config.default_prompt if prompt is None else prompt
    tokens = pipeline.vocabulary.tokenize(prompt)
    assert tokens.keywords == prompt.split() and tokens.ignored_words == []


@pytest.mark.parametrize("prompt", [None, "hit house"])
def test_a_prompt_gives_a_pitched_kick_that_decays(
    pipeline: KickPipeline, prompt: str | None
) -> None:
    fundamentals = []
    for kick in pipeline.generate(prompt, seed=7, num_kicks=3):
        audio, sample_rate = decode_wav(kick.wav)
        assert sample_rate == 44_100 and audio.size == 88_200
        assert not find_artifacts(audio).any()
        fundamentals.append(describe(audio).tail_fundamental_hz)
        envelope = envelope_db(audio)  # 5 ms frames, dB below the loudest frame
        # Loud at the hit, at least 20 dB down by 0.6-0.95 s (before the fade-out starts).
        assert np.argmax(envelope) < 0.1 / 0.005
        assert envelope[int(0.6 / 0.005) : int(0.95 / 0.005)].max() < -20
    # One recorded kick in nine measures above 120 Hz (tuned acoustic kicks), one in twenty
    # above 240 Hz; a model that learned them may draw such a kick, but not as the typical one.
    assert all(35 <= hz <= 240 for hz in fundamentals)
    assert 35 <= float(np.median(fundamentals)) <= 120


def test_variations_sit_between_their_parent_and_an_unrelated_kick(pipeline: KickPipeline) -> None:
    """The evaluation's figure with its 8 parents and fewer variations: growing with the
    strength, below an unrelated kick of the same prompt. The default prompt's kicks vary so much
    that the distance between unrelated kicks needs all 8 parents (3 put it below strength 0.9)."""
    settings = EvaluationSettings(variation_parents=8, variations_per_parent=2)

    variations, _ = variation_distances(pipeline, settings)

    assert variations["monotonic"], variations


def test_a_variation_at_almost_no_strength_is_its_parent(pipeline: KickPipeline) -> None:
    """Over four parents, as the evaluation averages: one parent alone may land a little further."""
    # The default prompt, whose kicks members vary most: a narrow style such as "hit house"
    # (kick-gen-v10's spread 0.50) puts an unrelated kick nearer, not the variation further.
    config, prompt = pipeline.config.audio, pipeline.config.default_prompt
    to_variation, to_unrelated = [], []
    for seed in (11, 12, 13, 14):
        [parent] = pipeline.generate(prompt, seed=seed)
        start = pipeline.latent_from_bytes(parent.latent)
        [variation] = pipeline.generate(prompt, seed=99, start_latent=start, strength=0.05)
        [unrelated] = pipeline.generate(prompt, seed=99)
        features = log_mel_statistics(
            np.stack([decode_wav(kick.wav)[0] for kick in (parent, variation, unrelated)]), config
        )
        distances = np.linalg.norm(features[1:] - features[0], axis=1)
        to_variation.append(distances[0])
        to_unrelated.append(distances[1])
    assert np.mean(to_variation) < 0.1 * np.mean(to_unrelated)


def test_a_variation_of_a_reference_is_closer_to_it_than_a_random_kick(
    pipeline: KickPipeline,
) -> None:
    """Encode a recorded-like kick (rendered by the synth, prepared like an upload), vary it at
    the default strength and compare, in log-mel statistics, with a kick of the default prompt and
    the same seed made from noise. Over twelve references, one of each style and then some: a
    variation that ignored its reference would be the closer one about half of the time and as
    far on average. kick-gen-v10 was closer for all twelve (0.53 of the random kick's distance on
    average), kick-gen-v11 for ten (0.66): its variations move further from the reference."""
    config, prompt = pipeline.config.audio, pipeline.config.default_prompt
    to_variation, to_random = [], []
    for index, params in enumerate(draw_params(12, 21)):
        prepared = prepare_reference(encode_wav(render_kick(params), config.sample_rate))
        start = pipeline.encode_audio(torch.from_numpy(prepared)[None])
        [variation] = pipeline.generate(
            prompt, seed=500 + index, start_latent=start, strength=DEFAULT_VARIATION_STRENGTH
        )
        [random_kick] = pipeline.generate(prompt, seed=500 + index)
        reference = as_delivered(torch.from_numpy(prepared)[None], config)
        generated = np.stack([decode_wav(kick.wav)[0] for kick in (variation, random_kick)])
        features = log_mel_statistics(np.concatenate([reference, generated]), config)
        distances = np.linalg.norm(features[1:] - features[0], axis=1)
        to_variation.append(distances[0])
        to_random.append(distances[1])
    closer = np.less(to_variation, to_random)
    assert closer.sum() >= 10, closer
    assert np.mean(to_variation) <= 0.8 * np.mean(to_random)


def test_a_preview_is_close_to_the_full_decode_of_the_shipped_models_kicks(
    pipeline: KickPipeline,
) -> None:
    """The readout is fitted to the model's own kicks: on other seeds and prompts its picture is
    within a few levels of the whole decoder's (5/255 measured; 15/255 when it was fitted to
    synthesised kicks)."""
    differences = []
    with torch.inference_mode():
        for prompt in ("hit house", "punchy techno", "long deep 808"):
            ids = pipeline.vocabulary.tokenize(prompt).ids
            for latent in pipeline.sample_latents(ids, [900, 901], pipeline.sampling()):
                preview = np.frombuffer(pipeline.preview(latent[None]).pixels, np.uint8)
                full = np.frombuffer(picture_of(pipeline.decode(latent[None])[0]).pixels, np.uint8)
                differences.append(np.abs(preview.astype(float) - full).mean())
    assert np.mean(differences) < 8
