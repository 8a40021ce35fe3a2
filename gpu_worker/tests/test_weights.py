"""Model folders: save/load round trip, Hub resolution and every way a folder can be wrong."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import huggingface_hub
import pytest
import safetensors.torch
import torch

from gpu_worker import weights
from gpu_worker.pipeline import KickPipeline
from gpu_worker.tests.hub_fake import FakeHub, SilentHub, hub_at
from gpu_worker.weights import WeightsError, locate_model, resolve_model_folder


def test_save_writes_only_json_and_safetensors(saved_model: Path) -> None:
    assert sorted(p.name for p in saved_model.iterdir()) == [
        "config.json",
        "keywords.safetensors",
        "unet.safetensors",
        "vae.safetensors",
        "vocab.json",
        "vocoder.safetensors",
    ]
    assert json.loads((saved_model / "vocab.json").read_text())[:2] == ["hit", "house"]
    assert json.loads((saved_model / "config.json").read_text())["vae"]["scaling_factor"] == 0.7


def test_round_trip_reproduces_weights_and_kicks_bit_exactly(
    tiny_pipeline: KickPipeline, saved_model: Path
) -> None:
    loaded = KickPipeline.from_pretrained(saved_model, device="cpu")
    assert loaded.config == tiny_pipeline.config
    assert loaded.vocabulary.words == tiny_pipeline.vocabulary.words
    for name, module in tiny_pipeline.models.named().items():
        reloaded = loaded.models.named()[name].state_dict()
        for key, value in module.state_dict().items():
            assert torch.equal(value, reloaded[key]), f"{name}.{key}"
    original = tiny_pipeline.generate("punchy 909", seed=11, num_kicks=2)
    again = loaded.generate("punchy 909", seed=11, num_kicks=2)
    assert [kick.wav for kick in original] == [kick.wav for kick in again]


def test_a_hub_model_is_downloaded_once_then_served_from_the_cache(
    tiny_pipeline: KickPipeline, saved_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (saved_model / "MODEL_CARD.md").write_text("# tiny\n")
    (saved_model / "training-log.txt").write_text("not part of a model")
    cache = tmp_path / "hub-cache"
    with FakeHub() as hub, hub_at(hub.url, monkeypatch):
        commit = hub.publish("kwr/kick-gen-test", saved_model)

        first = locate_model("kwr/kick-gen-test@main", cache)
        asked = len(hub.requests)
        again = locate_model("kwr/kick-gen-test@main", cache)
        pinned = locate_model(f"kwr/kick-gen-test@{commit}", cache)

    assert first.downloaded and first.folder.name == commit
    assert ("GET", "/api/models/kwr/kick-gen-test/revision/main") in hub.requests
    # Only a model folder's files.
    assert {p.name for p in first.folder.iterdir()} == {
        name for name in weights.MODEL_FOLDER_FILES if (saved_model / name).is_file()
    }
    # Cache first: neither the branch it has seen nor the commit asks the Hub again.
    assert len(hub.requests) == asked
    assert again == pinned == weights.LocatedModel(first.folder, downloaded=False)
    loaded = KickPipeline.from_pretrained(first.folder, device="cpu")
    assert loaded.generate(seed=3)[0].wav == tiny_pipeline.generate(seed=3)[0].wav


def test_an_interrupted_download_is_completed(
    saved_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "hub-cache"
    with FakeHub() as hub, hub_at(hub.url, monkeypatch):
        hub.publish("kwr/kick-gen-test", saved_model)
        first = locate_model("kwr/kick-gen-test", cache)
        (first.folder / "vocoder.safetensors").unlink()

        again = locate_model("kwr/kick-gen-test", cache)

    assert again.downloaded and (again.folder / "vocoder.safetensors").is_file()


def test_a_hub_that_never_answers_fails_within_the_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with SilentHub() as hub, hub_at(hub.url, monkeypatch):
        started = time.monotonic()
        with pytest.raises(WeightsError, match="kwr/kick-gen-test.*Timeout"):
            locate_model("kwr/kick-gen-test@main", tmp_path / "hub-cache", hub_timeout_s=0.5)
        elapsed = time.monotonic() - started

    assert hub.connections >= 1  # it did ask, and was left hanging
    assert elapsed < 5


def test_a_cached_model_loads_while_the_hub_hangs(
    saved_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "hub-cache"
    with FakeHub() as hub, hub_at(hub.url, monkeypatch):
        commit = hub.publish("kwr/kick-gen-test", saved_model)
        locate_model("kwr/kick-gen-test", cache)

    with SilentHub() as silent, hub_at(silent.url, monkeypatch):
        started = time.monotonic()
        by_branch = locate_model("kwr/kick-gen-test", cache)
        by_commit = locate_model(f"kwr/kick-gen-test@{commit}", cache)

    assert silent.connections == 0 and time.monotonic() - started < 2
    assert by_branch.folder == by_commit.folder and not by_branch.downloaded


def test_pinning_names_the_commit_a_branch_points_to(
    saved_model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with FakeHub() as hub, hub_at(hub.url, monkeypatch):
        hub.publish("kwr/kick-gen-test", saved_model)
        commit = hub.publish("kwr/kick-gen-test", saved_model, branch="tuned")

        assert weights.pin_hub_revision("kwr/kick-gen-test@tuned") == f"kwr/kick-gen-test@{commit}"
        assert weights.pin_hub_revision("kwr/kick-gen-test").startswith("kwr/kick-gen-test@")
        asked = len(hub.requests)
        assert weights.pin_hub_revision(f"kwr/x@{commit}") == f"kwr/x@{commit}"  # already pinned
        assert len(hub.requests) == asked
        with pytest.raises(WeightsError, match="could not pin 'kwr/absent'.*RepositoryNotFound"):
            weights.pin_hub_revision("kwr/absent")


def test_pinning_against_a_silent_hub_fails_within_the_timeout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with SilentHub() as hub, hub_at(hub.url, monkeypatch):
        started = time.monotonic()
        with pytest.raises(WeightsError, match="could not pin.*Timeout"):
            weights.pin_hub_revision("kwr/kick-gen-test", hub_timeout_s=0.5)
        assert time.monotonic() - started < 5


def test_offline_mode_serves_the_cached_snapshot_through_the_real_sdk(
    tiny_pipeline: KickPipeline, saved_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """HF_HUB_OFFLINE=1 (read by huggingface_hub at import, hence patched on its constants):
    the real snapshot_download resolves a Modal-volume-style cache without any network."""
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    cache = tmp_path / "hub-cache"
    commit = "0123456789abcdef0123456789abcdef01234567"
    repo = cache / "models--kwr--kick-gen-v2"
    shutil.copytree(saved_model, repo / "snapshots" / commit)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(commit)
    loaded = KickPipeline.from_pretrained("kwr/kick-gen-v2", device="cpu", cache_dir=cache)
    assert loaded.generate(seed=4)[0].wav == tiny_pipeline.generate(seed=4)[0].wav
    with pytest.raises(WeightsError, match="kwr/not-cached.*LocalEntryNotFoundError"):
        KickPipeline.from_pretrained("kwr/not-cached", cache_dir=cache)


def test_hub_failures_become_weights_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with FakeHub() as hub, hub_at(hub.url, monkeypatch):
        with pytest.raises(WeightsError, match="kwr/missing.*RepositoryNotFound"):
            resolve_model_folder("kwr/missing", tmp_path)


def test_unknown_local_path_is_not_mistaken_for_a_repo(tmp_path: Path) -> None:
    with pytest.raises(WeightsError, match="does not exist"):
        resolve_model_folder(tmp_path / "nope")
    with pytest.raises(WeightsError, match="does not exist"):
        resolve_model_folder("./models/a/b")


def test_missing_default_model_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(weights, "DEFAULT_MODEL_PATH", tmp_path / "kick-gen-v2")
    with pytest.raises(WeightsError, match="default model is not shipped"):
        KickPipeline.from_pretrained(None)


def test_missing_file_is_named(saved_model: Path) -> None:
    (saved_model / "vocoder.safetensors").unlink()
    with pytest.raises(WeightsError, match="missing vocoder.safetensors"):
        KickPipeline.from_pretrained(saved_model)


def test_pickled_weights_are_refused(saved_model: Path) -> None:
    (saved_model / "unet.safetensors").unlink()
    torch.save({"weight": torch.zeros(1)}, saved_model / "unet.bin")
    with pytest.raises(WeightsError, match=r"missing unet.safetensors; pickled .*unet.bin"):
        KickPipeline.from_pretrained(saved_model)
    torch.save({"weight": torch.zeros(1)}, saved_model / "model.ckpt")
    with pytest.raises(WeightsError, match="pickled checkpoints are refused"):
        KickPipeline.from_pretrained(saved_model / "model.ckpt")


def test_malformed_safetensors_is_refused(saved_model: Path) -> None:
    (saved_model / "vae.safetensors").write_bytes(b"\x80\x04not a safetensors file")
    with pytest.raises(WeightsError, match="vae.safetensors is not a valid safetensors file"):
        KickPipeline.from_pretrained(saved_model)


def test_wrong_shape_names_file_and_key(saved_model: Path) -> None:
    state = safetensors.torch.load_file(str(saved_model / "unet.safetensors"))
    state["conv_in.weight"] = torch.zeros(3, 3, 3, 3)
    safetensors.torch.save_file(state, str(saved_model / "unet.safetensors"))
    with pytest.raises(WeightsError, match=r"unet.safetensors: conv_in.weight has shape \(3, 3"):
        KickPipeline.from_pretrained(saved_model)


def test_missing_and_unexpected_keys_are_named(saved_model: Path) -> None:
    state = safetensors.torch.load_file(str(saved_model / "keywords.safetensors"))
    state["extra.weight"] = state.pop("null_embedding")
    safetensors.torch.save_file(state, str(saved_model / "keywords.safetensors"))
    with pytest.raises(WeightsError, match="missing keys null_embedding; unexpected keys extra"):
        KickPipeline.from_pretrained(saved_model)


def test_non_finite_weights_are_refused(saved_model: Path) -> None:
    state = safetensors.torch.load_file(str(saved_model / "vocoder.safetensors"))
    state["head.bias"][0] = float("nan")
    safetensors.torch.save_file(state, str(saved_model / "vocoder.safetensors"))
    with pytest.raises(WeightsError, match="head.bias must hold finite"):
        KickPipeline.from_pretrained(saved_model)


@pytest.mark.parametrize(
    "content, message",
    [
        ("{not json", "config.json is not valid JSON"),
        ('{"vae": {"mystery": 1}}', r"unknown key\(s\) in config.vae: mystery"),
        ('{"audio": {"frames": 100}}', "frames=100 does not match"),
    ],
)
def test_bad_config_is_refused(saved_model: Path, content: str, message: str) -> None:
    (saved_model / "config.json").write_text(content)
    with pytest.raises(WeightsError, match=message):
        KickPipeline.from_pretrained(saved_model)


def test_bad_vocabulary_is_refused(saved_model: Path) -> None:
    (saved_model / "vocab.json").write_text('["hit", "hit"]')
    with pytest.raises(WeightsError, match="vocab.json: the vocabulary holds duplicate"):
        KickPipeline.from_pretrained(saved_model)
