"""Model folders: save/load round trip, Hub resolution and every way a folder can be wrong."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import huggingface_hub
import pytest
import safetensors.torch
import torch
from huggingface_hub.errors import LocalEntryNotFoundError

from gpu_worker import weights
from gpu_worker.pipeline import KickPipeline
from gpu_worker.weights import WeightsError, resolve_model_folder


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


def _copying_snapshot_download(source: Path, calls: list[dict[str, Any]]):
    """Stands in for huggingface_hub.snapshot_download: same signature and return value, serving
    the repo from a local folder into the cache directory."""

    def snapshot_download(repo_id: str, **kwargs: Any) -> str:
        calls.append({"repo_id": repo_id, **kwargs})
        target = Path(kwargs["cache_dir"]) / repo_id.replace("/", "--") / "snapshot"
        target.mkdir(parents=True, exist_ok=True)
        for file in source.iterdir():
            if file.name in kwargs["allow_patterns"]:
                shutil.copy(file, target / file.name)
        return str(target)

    return snapshot_download


def test_hub_repo_id_is_downloaded_into_the_cache_and_loaded(
    tiny_pipeline: KickPipeline, saved_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (saved_model / "training-log.txt").write_text("not part of a model")
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(
        huggingface_hub, "snapshot_download", _copying_snapshot_download(saved_model, calls)
    )
    cache = tmp_path / "hub-cache"
    loaded = KickPipeline.from_pretrained("kwr/kick-gen-v2@main", device="cpu", cache_dir=cache)
    assert calls == [
        {
            "repo_id": "kwr/kick-gen-v2",
            "revision": "main",
            "cache_dir": str(cache),
            "allow_patterns": [
                "config.json",
                "vocab.json",
                "vae.safetensors",
                "unet.safetensors",
                "keywords.safetensors",
                "vocoder.safetensors",
                "student_unet.safetensors",
                "MODEL_CARD.md",
            ],
        }
    ]
    assert not list(cache.rglob("training-log.txt"))
    expected = tiny_pipeline.generate(seed=3)[0].wav
    assert loaded.generate(seed=3)[0].wav == expected


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


def test_hub_failures_become_weights_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    def offline(repo_id: str, **kwargs: Any) -> str:
        raise LocalEntryNotFoundError("offline mode is enabled and the repo is not cached")

    monkeypatch.setattr(huggingface_hub, "snapshot_download", offline)
    with pytest.raises(WeightsError, match="kwr/missing.*offline"):
        resolve_model_folder("kwr/missing")


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
