"""Shapes and contracts of the four networks, the tokenizer and the noise schedule."""

from __future__ import annotations

import pytest
import torch

from gpu_worker.config import DiffusionConfig, ModelConfig
from gpu_worker.models import KeywordEncoder, Vocabulary, build_models
from gpu_worker.models.keywords import split_words
from gpu_worker.sampler import DDIMSampler


def test_networks_produce_the_documented_shapes(tiny_config: ModelConfig) -> None:
    torch.manual_seed(0)
    models = build_models(tiny_config, vocab_size=6)
    mel = torch.randn(3, 128, 173)
    posterior = models.vae.encode(mel)
    assert models.vae.latent_shape == (4, 8, 11)
    assert posterior.mean.shape == posterior.logvar.shape == (3, 4, 8, 11)
    assert posterior.sample(torch.Generator().manual_seed(0)).shape == (3, 4, 8, 11)
    assert posterior.kl().shape == (3,) and torch.all(posterior.kl() >= 0)
    assert models.vae.decode(posterior.mean).shape == (3, 128, 173)

    keyword_embedding = models.keywords(torch.eye(6)[:3])
    assert keyword_embedding.shape == (3, 8)
    prediction = models.unet(posterior.mean, torch.tensor([0, 500, 999]), keyword_embedding)
    assert prediction.shape == (3, 4, 8, 11)

    audio = models.vocoder(mel)
    assert audio.shape == (3, 88200) and torch.isfinite(audio).all()


def test_default_config_matches_the_original_latent_and_stays_small() -> None:
    config = ModelConfig()
    models = build_models(config, vocab_size=40)
    assert models.vae.latent_shape == (4, 8, 11)
    total = sum(models.parameter_counts().values())
    assert total * 4 < 25 * 2**20, "float32 weights must fit the 25 MB budget"


def test_unet_is_conditioned_on_keywords_and_time(tiny_config: ModelConfig) -> None:
    torch.manual_seed(0)
    unet = build_models(tiny_config, vocab_size=6).unet
    torch.nn.init.normal_(unet.conv_out.weight)  # zero-initialised for training stability
    latent = torch.randn(1, 4, 8, 11)
    base = unet(latent, torch.tensor([10]), torch.zeros(1, 8))
    assert not torch.allclose(base, unet(latent, torch.tensor([900]), torch.zeros(1, 8)))
    assert not torch.allclose(base, unet(latent, torch.tensor([10]), torch.ones(1, 8)))


def test_keyword_encoder_averages_words_and_uses_null_for_none(tiny_config: ModelConfig) -> None:
    encoder = KeywordEncoder(tiny_config.keywords, vocab_size=4)
    vocabulary = Vocabulary(["a1", "b2", "c3", "d4"])
    weights = vocabulary.multi_hot([(0, 2), (), (1,)])
    out = encoder(weights)
    table = encoder.embedding.weight
    assert torch.allclose(out[0], (table[0] + table[2]) / 2)
    assert torch.equal(out[1], encoder.null_embedding)
    assert torch.allclose(out[2], table[1])


def test_tokenizer_reports_understood_and_ignored_words() -> None:
    vocabulary = Vocabulary(["hit", "house", "909", "punchy"])
    tokens = vocabulary.tokenize("  Punchy-909_kick.HIT/house  punchy wow ")
    assert tokens.keywords == ["punchy", "909", "hit", "house"]
    assert tokens.ids == (3, 2, 0, 1)
    assert tokens.ignored_words == ["kick", "wow"]
    empty = vocabulary.tokenize("")
    assert empty.ids == () and empty.keywords == [] and empty.ignored_words == []
    assert split_words("Deep__Sub--808.wav") == ["deep", "sub", "808", "wav"]


@pytest.mark.parametrize(
    "words, message",
    [([], "at least one"), (["Hit"], "invalid"), (["hit house"], "invalid"), (["a", "a"], "dup")],
)
def test_vocabulary_refuses_bad_word_lists(words: list[str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Vocabulary(words)


@pytest.mark.parametrize("prediction_type", ["v_prediction", "epsilon"])
@pytest.mark.parametrize("schedule", ["cosine", "linear", "scaled_linear"])
def test_perfect_prediction_recovers_the_clean_latent(prediction_type: str, schedule: str) -> None:
    sampler = DDIMSampler(
        DiffusionConfig(beta_schedule=schedule, prediction_type=prediction_type)  # type: ignore[arg-type]
    )
    generator = torch.Generator().manual_seed(0)
    clean = torch.randn(2, 4, 8, 11, generator=generator)
    noise = torch.randn(2, 4, 8, 11, generator=generator)
    for timestep in (0, 400, 900):
        t = torch.full((2,), timestep)
        noisy = sampler.add_noise(clean, noise, t)
        target = sampler.training_target(clean, noise, t)
        assert torch.allclose(sampler.step(target, timestep, -1, noisy), clean, atol=1e-4)
        # Stepping to an earlier timestep lands exactly on that timestep's noisy latent.
        earlier = sampler.step(target, timestep, timestep // 2, noisy)
        expected = sampler.add_noise(clean, noise, torch.full((2,), timestep // 2))
        assert torch.allclose(earlier, expected, atol=1e-4)


def test_schedule_is_monotonic_and_timesteps_trail() -> None:
    sampler = DDIMSampler(DiffusionConfig())
    alpha_bar = sampler.alphas_cumprod
    assert torch.all(alpha_bar[1:] < alpha_bar[:-1]) and alpha_bar[-1] < 1e-3 < alpha_bar[0]
    assert sampler.timesteps(4) == [999, 749, 499, 249]
    assert sampler.timesteps(1) == [999]
    assert len(set(sampler.timesteps(1000))) == 1000
    with pytest.raises(ValueError, match="steps"):
        sampler.timesteps(0)
    with pytest.raises(ValueError, match="steps"):
        sampler.timesteps(1001)
    t = sampler.sample_training_timesteps(64, torch.Generator().manual_seed(0))
    assert t.shape == (64,) and t.min() >= 0 and t.max() < 1000
