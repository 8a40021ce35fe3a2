"""The Modal class runs locally (its @enter hook and methods via Modal's .local()) against a
real pipeline; only the remote execution itself is Modal's."""

from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path

import pytest

from gpu_worker import modal_app
from gpu_worker.audio import decode_wav
from gpu_worker.modal_app import KickGenerator, KickGeneratorService
from gpu_worker.pipeline import KickPipeline
from gpu_worker.protocol import ModelIdentity, ProgressEvent, from_wire


@pytest.fixture
def local_generator(saved_model: Path, monkeypatch: pytest.MonkeyPatch) -> KickGenerator:
    monkeypatch.setenv("KICKGEN_MODEL", str(saved_model))
    warnings.filterwarnings("ignore", message=".*executing locally.*", category=UserWarning)
    return KickGenerator()


def test_app_and_class_names_match_what_the_web_app_looks_up() -> None:
    assert modal_app.app.name == "kick-generator-app"
    assert modal_app.CLASS_NAME == KickGenerator.__name__ == "KickGenerator"


def identity_of(folder: Path) -> ModelIdentity:
    return KickPipeline.from_pretrained(folder, device="cpu").identity


def test_generate_stream_yields_progress_then_the_kick(
    local_generator: KickGenerator, tiny_pipeline: KickPipeline, saved_model: Path
) -> None:
    messages = list(local_generator.generate_stream.local("punchy house", 5, 3, 2.0))
    events: list[ProgressEvent] = []
    [expected] = tiny_pipeline.generate(
        "punchy house", seed=5, steps=3, guidance=2.0, on_progress=events.append, previews=True
    )
    assert expected.keywords == ["punchy", "house"] and expected.ignored_words == []
    progress, result = messages[:-1], messages[-1]
    assert [(m["stage"], m["step"], m["total_steps"]) for m in progress] == [
        ("SAMPLING", 1, 3),
        ("SAMPLING", 2, 3),
        ("SAMPLING", 3, 3),
        ("DECODING", 0, 0),
        ("VOCODING", 0, 0),
        ("DONE", 0, 0),
    ]
    assert all(m["type"] == "progress" for m in progress)
    assert [from_wire(m) for m in messages[:-1]] == events  # what the pipeline reported
    assert from_wire(result) == dataclasses.replace(expected, model=identity_of(saved_model))
    assert decode_wav(result["wav"])[0].shape == (88200,)


def test_generate_batch_returns_one_kick_per_seed(
    local_generator: KickGenerator, tiny_pipeline: KickPipeline
) -> None:
    results = local_generator.generate_batch.local("hit", [3, 9], 2, 3.0)
    assert [r["seed"] for r in results] == [3, 9]
    alone = tiny_pipeline.generate("hit", seed=9, steps=2, guidance=3.0)[0].wav
    difference = abs(decode_wav(results[1]["wav"])[0] - decode_wav(alone)[0]).max()
    assert difference <= 2 / 32768


def test_stream_reraises_generation_errors(tiny_pipeline: KickPipeline) -> None:
    service = KickGeneratorService(tiny_pipeline)
    with pytest.raises(ValueError, match="guidance must be between"):
        list(service.generate_stream("hit", 1, 2, -4.0))


def test_missing_model_fails_when_the_container_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KICKGEN_MODEL", str(tmp_path / "absent"))
    warnings.filterwarnings("ignore", message=".*executing locally.*", category=UserWarning)
    with pytest.raises(ValueError, match="does not exist"):
        list(KickGenerator().generate_stream.local("hit", 1))
