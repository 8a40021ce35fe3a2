"""Variations ("more like this", SDEdit) and kicks from a reference sample, on a tiny model: the
recipe every result carries, where a variation starts and how far it may move, the worker's
handling of latents and references, and the model description behind the keyword chips."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
import torch
from modal._partial_function import _find_partial_methods_for_user_cls, _PartialFunctionFlags

from gpu_worker import worker
from gpu_worker.audio import decode_wav
from gpu_worker.config import ModelConfig
from gpu_worker.modal_app import KickGenerator, KickGeneratorService
from gpu_worker.pipeline import KickPipeline, latent_to_bytes, variation_timesteps
from gpu_worker.protocol import (
    KickRequest,
    KickResult,
    ModelDescription,
    ModelIdentity,
    Variation,
    from_wire,
)
from gpu_worker.reference import prepare_reference, reference_wav
from gpu_worker.synth import draw_params, render_kick
from gpu_worker.tests.conftest import TINY_VOCAB
from gpu_worker.weights import model_identity


@pytest.fixture
def loaded(saved_model: Path) -> KickPipeline:
    return KickPipeline.from_pretrained(saved_model, device="cpu")


@pytest.fixture
def lively(tiny_pipeline: KickPipeline) -> KickPipeline:
    # A random U-Net's output layer starts at zero; this one's predictions depend on its input.
    torch.nn.init.normal_(tiny_pipeline.models.unet.conv_out.weight, std=0.1)
    return tiny_pipeline


def audio_of(kick: KickResult) -> np.ndarray:
    return decode_wav(kick.wav)[0]


def test_every_kick_carries_its_recipe(loaded: KickPipeline, saved_model: Path) -> None:
    [kick] = loaded.generate("punchy banana house", seed=3, steps=3, guidance=2.5)

    assert (kick.keywords, kick.ignored_words) == (["punchy", "house"], ["banana"])
    assert (kick.seed, kick.steps, kick.guidance) == (3, 3, 2.5)
    assert kick.model == model_identity(str(saved_model), saved_model)
    assert kick.model.name == "tiny-model" and len(kick.model.version) == 12
    assert len(kick.latent) == 4 * np.prod(loaded.models.vae.latent_shape)
    [default] = loaded.generate(seed=3)
    assert (default.steps, default.guidance) == (4, 3.0)  # the model's own defaults


def test_the_model_version_follows_its_files(saved_model: Path, tmp_path: Path) -> None:
    first = model_identity(str(saved_model), saved_model)
    copy = tmp_path / "copy"
    copy.mkdir()
    for path in saved_model.iterdir():
        (copy / path.name).write_bytes(path.read_bytes())
    assert model_identity(str(copy), copy).version == first.version
    config = ModelConfig.load(copy / "config.json")
    dataclasses.replace(config, default_steps=9).save(copy / "config.json")
    assert model_identity(str(copy), copy).version != first.version
    assert model_identity("owner/kick-gen@abc123", copy).name == "owner/kick-gen"


def test_a_variation_runs_the_grid_steps_below_its_strength(lively: KickPipeline) -> None:
    grid = [999, 959, 919, 879, 839, 799, 759, 719, 679, 639, 599, 559, 519, 479, 439, 399]
    assert variation_timesteps(grid, 0.4, 1000) == [399]
    assert variation_timesteps(grid, 1.0, 1000) == grid
    assert variation_timesteps(grid, 0.0, 1000) == []
    [parent] = lively.generate("hit", seed=1, steps=10)
    events = []
    start = lively.latent_from_bytes(parent.latent)

    lively.generate(
        "hit", seed=2, steps=10, start_latent=start, strength=0.4, on_progress=events.append
    )

    sampling = [(e.step, e.total_steps) for e in events if e.stage == "SAMPLING"]
    assert sampling == [(1, 4), (2, 4), (3, 4), (4, 4)]  # 399, 299, 199, 99 of 999 … 99


def test_strength_zero_returns_the_parent(lively: KickPipeline) -> None:
    [parent] = lively.generate("hit house", seed=1)

    [same] = lively.generate(
        "hit house", seed=77, start_latent=lively.latent_from_bytes(parent.latent), strength=0.0
    )

    assert same.latent == parent.latent
    assert np.abs(audio_of(same) - audio_of(parent)).max() <= 1 / 32768


def test_strength_one_forgets_the_parent(lively: KickPipeline) -> None:
    parents = lively.generate("hit house", seeds=[1, 2])
    fresh = audio_of(lively.generate("hit house", seed=50)[0])
    assert np.abs(audio_of(parents[0]) - audio_of(parents[1])).max() > 0.01

    for parent in parents:
        start = lively.latent_from_bytes(parent.latent)
        [variation] = lively.generate("hit house", seed=50, start_latent=start, strength=1.0)
        # The grid starts at t = 999, where the parent's share of the latent is about 1e-4.
        assert np.abs(audio_of(variation) - fresh).max() < 0.01


def test_a_variation_depends_on_its_seed_and_the_batch_does_not_matter(
    lively: KickPipeline,
) -> None:
    [parent] = lively.generate("hit", seed=1)
    start = lively.latent_from_bytes(parent.latent)
    alone = lively.generate("hit", seed=8, start_latent=start, strength=0.6)[0]
    batch = lively.generate("hit", seeds=[5, 8], start_latent=start, strength=0.6)
    assert np.abs(audio_of(batch[1]) - audio_of(alone)).max() <= 2 / 32768
    assert batch[0].wav != alone.wav != parent.wav


@pytest.mark.parametrize(
    ("shape", "strength", "message"),
    [
        ((4, 8, 10), 0.4, "start_latent must have shape"),
        ((4, 8, 11), 1.5, "strength must be between 0 and 1"),
        ((4, 8, 11), float("nan"), "strength must be between 0 and 1"),
    ],
)
def test_bad_variations_are_refused_before_any_work(
    tiny_pipeline: KickPipeline, shape: tuple[int, ...], strength: float, message: str
) -> None:
    events = []
    with pytest.raises(ValueError, match=message):
        tiny_pipeline.generate(
            seed=1, start_latent=torch.zeros(shape), strength=strength, on_progress=events.append
        )
    assert events == []


def test_latent_bytes_must_fit_the_model(tiny_pipeline: KickPipeline) -> None:
    latent = torch.randn(1, 4, 8, 11)
    assert torch.equal(tiny_pipeline.latent_from_bytes(latent_to_bytes(latent[0])), latent)
    with pytest.raises(ValueError, match="352 finite float32 values"):
        tiny_pipeline.latent_from_bytes(bytes(351 * 4))
    with pytest.raises(ValueError, match="352 finite float32 values"):
        tiny_pipeline.latent_from_bytes(np.full(352, np.nan, "<f4").tobytes())


def test_encoding_audio_is_deterministic_and_batch_independent(tiny_pipeline: KickPipeline) -> None:
    kicks = torch.from_numpy(
        np.stack([prepare_reference(wav_of(render_kick(p))) for p in draw_params(2, 9)])
    )
    both = tiny_pipeline.encode_audio(kicks)
    assert both.shape == (2, 4, 8, 11)
    assert torch.allclose(tiny_pipeline.encode_audio(kicks[1:]), both[1:], atol=1e-6)
    assert torch.equal(tiny_pipeline.encode_audio(kicks[:1]), tiny_pipeline.encode_audio(kicks[:1]))


def wav_of(audio: np.ndarray) -> bytes:
    from gpu_worker.audio import encode_wav

    return encode_wav(np.asarray(audio, np.float32), 44100)


# --- The worker: one request, from noise, a kick's latent or a reference ---------------------


def test_the_worker_varies_a_kick_of_its_own_model(loaded: KickPipeline) -> None:
    [parent] = loaded.generate("hit", seed=1)
    variation = Variation(0.0, latent=parent.latent, latent_version=loaded.identity.version)

    kick = worker.generate(loaded, KickRequest("hit", 9, variation=variation), lambda e: None)

    assert kick.latent == parent.latent and kick.seed == 9


def test_the_worker_refuses_a_latent_of_another_model_version(loaded: KickPipeline) -> None:
    [parent] = loaded.generate("hit", seed=1)
    variation = Variation(0.4, latent=parent.latent, latent_version="0123456789ab")

    with pytest.raises(ValueError, match="made by model version '0123456789ab'"):
        worker.generate(loaded, KickRequest("hit", 9, variation=variation), lambda e: None)


def test_the_worker_encodes_a_reference_and_varies_it(loaded: KickPipeline) -> None:
    prepared = prepare_reference(wav_of(render_kick(draw_params(1, 4)[0])))
    variation = Variation(0.0, reference_wav=reference_wav(prepared))

    kick = worker.generate(loaded, KickRequest("hit", 9, variation=variation), lambda e: None)

    expected = loaded.encode_audio(torch.from_numpy(prepared)[None])
    assert torch.equal(loaded.latent_from_bytes(kick.latent), expected)


def test_the_worker_refuses_an_unprepared_reference(loaded: KickPipeline) -> None:
    variation = Variation(0.4, reference_wav=wav_of(np.zeros(1000, np.float32)))
    with pytest.raises(ValueError, match="a reference must be prepared"):
        worker.generate(loaded, KickRequest("hit", 9, variation=variation), lambda e: None)


def test_a_variation_starts_from_a_latent_or_a_reference() -> None:
    with pytest.raises(ValueError, match="not both"):
        Variation(0.4)
    with pytest.raises(ValueError, match="not both"):
        Variation(0.4, latent=b"1", reference_wav=b"2")


def test_the_description_groups_the_models_words(tiny_config: ModelConfig) -> None:
    vocabulary = ["house", "short", "long", "deep", "hit", "909", "warm"]
    pipeline = KickPipeline.from_config(tiny_config, vocabulary, device="cpu")

    described = worker.describe(pipeline)

    assert described.words == vocabulary
    assert described.styles == ["909", "house"]  # the synth's order
    assert described.pairs == [("short", "long")]  # "deep" has no "high" here
    assert described.other_words == ["deep", "hit", "warm"]
    assert described.default_prompt == "hit house"
    assert ModelDescription.from_wire(described.to_wire()) == described


def test_a_model_folder_is_described_without_loading_it(
    saved_model: Path, loaded: KickPipeline
) -> None:
    described = worker.describe_folder(str(saved_model), None)

    assert described == worker.describe(loaded)
    (saved_model / "unet.safetensors").write_bytes(b"not read")  # no network is built
    assert worker.describe_folder(str(saved_model), None).words == TINY_VOCAB


# --- The Modal class runs it the same way (its body, KickGeneratorService, on the CPU) ---------


@pytest.fixture
def service(saved_model: Path) -> KickGeneratorService:
    loaded = KickGeneratorService.load(str(saved_model), cache_dir=None, timeout_s=60)
    loaded.start("cpu")
    return loaded


def test_the_modal_class_has_a_describe_method() -> None:
    methods = _find_partial_methods_for_user_cls(
        KickGenerator._get_user_cls(), _PartialFunctionFlags.CALLABLE_INTERFACE
    )
    assert {"describe", "generate_stream"} <= set(methods)


def test_the_modal_class_describes_the_model_it_runs(
    service: KickGeneratorService, loaded: KickPipeline
) -> None:
    described = ModelDescription.from_wire(service.describe())
    assert described == worker.describe(loaded)
    assert described.model == loaded.identity and described.words == TINY_VOCAB


def test_the_modal_class_streams_a_variation(
    service: KickGeneratorService, loaded: KickPipeline
) -> None:
    [parent] = loaded.generate("hit", seed=1)
    variation = Variation(0.5, latent=parent.latent, latent_version=loaded.identity.version)

    messages = list(
        service.generate_stream("hit", 5, None, None, call_id="fc-1", variation=variation.to_wire())
    )

    sampling = [
        m["total_steps"] for m in messages if m["type"] == "progress" and m["stage"] == "SAMPLING"
    ]
    assert sampling == [2, 2]  # 499 and 249 of the 4-step grid 999, 749, 499, 249
    expected = worker.generate(loaded, KickRequest("hit", 5, variation=variation), lambda e: None)
    assert from_wire(messages[-1]) == expected


def test_wire_forms_round_trip() -> None:
    variation = Variation(0.4, latent=bytes(range(16)), latent_version="abc")
    result = KickResult(b"RIFF", 7, ["hit"], [], 25, 3.0, ModelIdentity("m", "v"), b"\x00" * 8)
    assert Variation.from_wire(variation.to_wire()) == variation
    assert from_wire(result.to_wire()) == result
    reference = Variation(0.9, reference_wav=b"RIFF")
    assert Variation.from_wire(reference.to_wire()) == reference
