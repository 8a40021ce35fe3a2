"""The Modal app as `modal deploy` imports it: the image definition, the class's two start phases
and the service behind its methods, run locally against a real pipeline (Modal's `.local()` runs
the `@modal.enter` hooks too). Only Modal's remote execution itself, and the Hub behind a local
fake, are not the real services."""

from __future__ import annotations

import dataclasses
import logging
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import torch
from modal._partial_function import _find_partial_methods_for_user_cls, _PartialFunctionFlags
from modal._utils.async_utils import synchronizer
from modal.mount import _Mount

from gpu_worker import DEFAULT_MODEL_PATH, modal_app
from gpu_worker.audio import decode_wav
from gpu_worker.modal_app import KickGenerator, KickGeneratorService, deployment, worker_failure
from gpu_worker.pipeline import KickPipeline
from gpu_worker.protocol import (
    BadRequest,
    CallStarted,
    GeneratorUnavailable,
    ModelIdentity,
    ProgressEvent,
    TransientFailure,
    from_wire,
)
from gpu_worker.tests.hub_fake import FakeHub, SilentHub, hub_at
from gpu_worker.weights import REQUIRED_FILES, WeightsError

CUDA = torch.cuda.is_available()


@pytest.fixture(autouse=True)
def _quiet_local_execution() -> None:
    warnings.filterwarnings("ignore", message=".*executing locally.*", category=UserWarning)


@pytest.fixture
def service(saved_model: Path) -> KickGeneratorService:
    loaded = KickGeneratorService.load(str(saved_model), cache_dir=None, timeout_s=60)
    loaded.start("cpu")
    return loaded


def image_files(image: Any) -> dict[str, Path]:
    """Container path -> local file of everything the image's definition adds from this machine
    (the mounts Modal uploads when it deploys)."""
    files: dict[str, Path] = {}

    def walk(layer: Any) -> None:
        for dependency in layer._deps() if layer._deps else []:
            if isinstance(dependency, _Mount):
                for entry in dependency.entries:
                    for local, remote in entry.get_files_to_upload():
                        files[str(remote)] = Path(local)
            walk(dependency)

    walk(synchronizer._translate_in(image))
    return files


def test_app_and_class_names_match_what_the_web_app_looks_up() -> None:
    assert modal_app.app.name == "kick-generator-app"
    assert modal_app.CLASS_NAME == KickGenerator.__name__ == "KickGenerator"


def test_the_default_image_carries_the_package_and_the_shipped_weights() -> None:
    files = image_files(modal_app.image)
    assert modal_app.DEPLOYMENT.model == ""
    assert "/root/gpu_worker/modal_app.py" in files
    for name in REQUIRED_FILES:
        assert files[f"/root/gpu_worker/pretrained/{DEFAULT_MODEL_PATH.name}/{name}"] == (
            DEFAULT_MODEL_PATH / name
        )


def test_a_model_folder_in_the_settings_travels_in_the_image(saved_model: Path) -> None:
    deployed = deployment(str(saved_model))

    files = image_files(deployed.image)
    assert deployed.model == f"/models/{saved_model.name}"
    for name in REQUIRED_FILES:
        assert files[f"{deployed.model}/{name}"].resolve() == (saved_model / name).resolve()


def test_an_incomplete_folder_or_a_bad_setting_stops_the_deploy(saved_model: Path) -> None:
    (saved_model / "unet.safetensors").unlink()
    with pytest.raises(WeightsError, match="missing unet.safetensors"):
        deployment(str(saved_model))
    with pytest.raises(WeightsError, match="neither a folder nor a Hub repo id"):
        deployment("not a model")


def test_a_hub_model_is_pinned_to_its_commit_when_deployed(
    saved_model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with FakeHub() as hub, hub_at(hub.url, monkeypatch):
        commit = hub.publish("kwr/kick-gen-test", saved_model)
        assert deployment("kwr/kick-gen-test").model == f"kwr/kick-gen-test@{commit}"
        assert deployment("kwr/kick-gen-test@main").model == f"kwr/kick-gen-test@{commit}"


def test_the_class_loads_into_a_memory_snapshot_then_moves_to_the_gpu() -> None:
    user_class = KickGenerator._get_user_cls()
    flags = _PartialFunctionFlags
    before = _find_partial_methods_for_user_cls(user_class, flags.ENTER_PRE_SNAPSHOT)
    after = _find_partial_methods_for_user_cls(user_class, flags.ENTER_POST_SNAPSHOT)
    assert list(before) == ["load"] and list(after) == ["start"]


def test_the_two_phases_load_on_the_cpu_then_move(saved_model: Path) -> None:
    loaded = KickGeneratorService.load(str(saved_model), cache_dir=None, timeout_s=60)
    # Phase one, what the snapshot holds: loaded, on the CPU.
    assert loaded.pipeline.is_loaded and loaded.pipeline.device.type == "cpu"
    assert all(p.device.type == "cpu" for p in loaded.pipeline.models.unet.parameters())

    loaded.start(modal_app.DEVICE if CUDA else "cpu")

    device = loaded.pipeline.device
    assert device.type == ("cuda" if CUDA else "cpu")
    assert all(p.device.type == device.type for p in loaded.pipeline.models.unet.parameters())


@pytest.mark.skipif(CUDA, reason="a machine without CUDA")
def test_the_class_refuses_to_run_on_the_cpu(saved_model: Path, monkeypatch) -> None:
    monkeypatch.setenv("KICKGEN_MODEL", str(saved_model))
    generator = KickGenerator()

    with pytest.raises(GeneratorUnavailable, match="CUDA is not available.*torch 2.11.0"):
        list(generator.generate_stream.local("hit", 1))
    # Phase one ran (the model is loaded on the CPU); phase two refused that device.
    assert generator._cached_user_cls_instance().service.pipeline.device.type == "cpu"


@pytest.mark.skipif(not CUDA, reason="needs a CUDA GPU")
def test_the_class_generates_on_the_gpu(
    saved_model: Path, tiny_pipeline: KickPipeline, monkeypatch
) -> None:
    monkeypatch.setenv("KICKGEN_MODEL", str(saved_model))
    generator = KickGenerator()

    messages = list(generator.generate_stream.local("punchy house", 5, 3, 2.0))

    assert generator._cached_user_cls_instance().service.pipeline.device.type == "cuda"
    assert from_wire(messages[0]) == CallStarted(None)  # no Modal call id when run locally
    result = from_wire(messages[-1])
    expected = tiny_pipeline.generate("punchy house", seed=5, steps=3, guidance=2.0)[0]
    difference = abs(decode_wav(result.wav)[0] - decode_wav(expected.wav)[0]).max()
    assert difference < 0.05  # the same kick, up to float rounding across devices


def test_a_missing_model_makes_the_generator_unavailable(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("KICKGEN_MODEL", str(tmp_path / "absent"))
    with pytest.raises(GeneratorUnavailable, match="absent could not be loaded.*does not exist"):
        list(KickGenerator().generate_stream.local("hit", 1))


def test_a_hub_that_never_answers_fails_the_start_by_its_deadline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with SilentHub() as hub, hub_at(hub.url, monkeypatch):
        started = time.monotonic()
        with pytest.raises(GeneratorUnavailable, match="took longer than 1 s"):
            KickGeneratorService.load("kwr/kick-gen-test", cache_dir=tmp_path, timeout_s=1)
        assert time.monotonic() - started < 5 and hub.connections >= 1


def test_the_cache_is_committed_only_after_a_download(
    saved_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    commits: list[str] = []
    with FakeHub() as hub, hub_at(hub.url, monkeypatch):
        hub.publish("kwr/kick-gen-test", saved_model)
        for _ in range(2):
            KickGeneratorService.load(
                "kwr/kick-gen-test",
                cache_dir=tmp_path,
                timeout_s=60,
                persist=lambda: commits.append("commit"),
            )
    assert commits == ["commit"]  # the second start found everything in the cache


def test_a_failed_commit_is_logged_and_the_start_goes_on(
    saved_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog
) -> None:
    def conflict() -> None:
        raise RuntimeError("another container committed first")

    with FakeHub() as hub, hub_at(hub.url, monkeypatch), caplog.at_level(logging.ERROR):
        hub.publish("kwr/kick-gen-test", saved_model)
        loaded = KickGeneratorService.load(
            "kwr/kick-gen-test", cache_dir=tmp_path, timeout_s=60, persist=conflict
        )
    assert loaded.pipeline.is_loaded
    assert "Could not commit the Hub cache" in caplog.text


def identity_of(folder: Path) -> ModelIdentity:
    return KickPipeline.from_pretrained(folder, device="cpu").identity


def test_generate_stream_names_the_call_then_streams_progress_then_the_kick(
    service: KickGeneratorService, tiny_pipeline: KickPipeline, saved_model: Path
) -> None:
    messages = list(
        service.generate_stream("punchy house", 5, 3, 2.0, call_id="fc-1", start_by=None)
    )
    events: list[ProgressEvent] = []
    [expected] = tiny_pipeline.generate(
        "punchy house", seed=5, steps=3, guidance=2.0, on_progress=events.append, previews=True
    )
    assert from_wire(messages[0]) == CallStarted("fc-1")
    progress, result = messages[1:-1], messages[-1]
    assert [(m["stage"], m["step"], m["total_steps"]) for m in progress] == [
        ("SAMPLING", 1, 3),
        ("SAMPLING", 2, 3),
        ("SAMPLING", 3, 3),
        ("DECODING", 0, 0),
        ("VOCODING", 0, 0),
        ("DONE", 0, 0),
    ]
    assert [from_wire(m) for m in progress] == events  # what the pipeline reported
    assert from_wire(result) == dataclasses.replace(expected, model=identity_of(saved_model))
    assert decode_wav(result["wav"])[0].shape == (88200,)


def test_generate_batch_returns_one_kick_per_seed(
    service: KickGeneratorService, tiny_pipeline: KickPipeline
) -> None:
    results = service.generate_batch("hit", [3, 9], 2, 3.0)
    assert [r["seed"] for r in results] == [3, 9]
    alone = tiny_pipeline.generate("hit", seed=9, steps=2, guidance=3.0)[0].wav
    difference = abs(decode_wav(results[1]["wav"])[0] - decode_wav(alone)[0]).max()
    assert difference <= 2 / 32768


def test_a_bad_request_fails_as_such_after_naming_the_call(service: KickGeneratorService) -> None:
    stream: Iterator[dict[str, Any]] = service.generate_stream("hit", 1, 2, -4.0, call_id="fc-2")
    assert from_wire(next(stream)) == CallStarted("fc-2")
    with pytest.raises(BadRequest, match="guidance must be between"):
        next(stream)
    with pytest.raises(BadRequest, match="steps"):
        service.generate_batch("hit", [1], 0, None)


def test_a_call_that_starts_after_its_caller_gave_up_generates_nothing(
    service: KickGeneratorService,
) -> None:
    stream = service.generate_stream("hit", 1, 2, None, call_id="fc-3", start_by=time.time() - 1)
    with pytest.raises(TransientFailure, match="after its caller gave up"):
        next(stream)  # not even CallStarted: the generation never began


@pytest.mark.parametrize(
    ("error", "failure"),
    [
        (GeneratorUnavailable("no GPU"), GeneratorUnavailable),
        (ValueError("prompt too long"), BadRequest),
        (RuntimeError("CUDA error: an illegal memory access was encountered"), TransientFailure),
        (MemoryError(), TransientFailure),
    ],
)
def test_every_failure_maps_to_one_protocol_failure(
    error: Exception, failure: type[Exception]
) -> None:
    assert type(worker_failure(error)) is failure
