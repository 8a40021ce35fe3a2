"""`python -m gpu_worker publish` with the Hub SDK boundary (HfApi) replaced by a recorder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from huggingface_hub import CommitInfo, HfApi

from gpu_worker.__main__ import main
from gpu_worker.config import ModelConfig
from gpu_worker.pipeline import KickPipeline

TINY = {
    "vae": {"channels": [4, 4, 4, 4, 8]},
    "unet": {"channels": [8, 16], "embedding_dim": 16, "attention_heads": 2},
    "keywords": {"embedding_dim": 8},
    "vocoder": {"dim": 8, "intermediate_dim": 16, "num_layers": 1},
}


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, Any]]]:
    calls: list[tuple[str, dict[str, Any]]] = []

    def create_repo(self: HfApi, repo_id: str, **kwargs: Any) -> str:
        calls.append(("create_repo", {"repo_id": repo_id, "token": self.token, **kwargs}))
        return f"https://huggingface.co/{repo_id}"

    def upload_folder(self: HfApi, **kwargs: Any) -> CommitInfo:
        folder = Path(kwargs["folder_path"])
        patterns = kwargs["allow_patterns"]
        uploaded = sorted(p.name for p in folder.iterdir() if p.name in patterns)
        calls.append(("upload_folder", {**kwargs, "uploaded": uploaded}))
        return CommitInfo(
            commit_url=f"https://huggingface.co/{kwargs['repo_id']}/commit/abc123",
            commit_message=kwargs["commit_message"],
            commit_description="",
            oid="abc123",
        )

    def create_branch(self: HfApi, repo_id: str, **kwargs: Any) -> None:
        calls.append(("create_branch", {"repo_id": repo_id, **kwargs}))

    monkeypatch.setattr(HfApi, "create_repo", create_repo)
    monkeypatch.setattr(HfApi, "create_branch", create_branch)
    monkeypatch.setattr(HfApi, "upload_folder", upload_folder)
    return calls


@pytest.fixture
def model_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "kick-model"
    pipeline = KickPipeline.from_config(ModelConfig.from_dict(TINY), ["hit", "house"])
    pipeline.save_pretrained(folder)
    (folder / "MODEL_CARD.md").write_text("# tiny\n")
    (folder / "notes.tmp").write_text("local scratch, not for the Hub")
    return folder


def test_publish_creates_the_repo_and_uploads_the_model_files(
    hub: list[tuple[str, dict[str, Any]]], model_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "publish",
            "--repo-id",
            "kwr/kick-gen-test",
            "--path",
            str(model_folder),
            "--token",
            "hf_test",
            "--private",
        ]
    )
    assert code == 0
    (create, create_args), (upload, upload_args) = hub
    assert create == "create_repo" and upload == "upload_folder"
    assert create_args["repo_id"] == "kwr/kick-gen-test" and create_args["private"] is True
    assert create_args["exist_ok"] is True and create_args["token"] == "hf_test"
    assert upload_args["repo_id"] == "kwr/kick-gen-test"
    assert upload_args["repo_type"] == "model"
    assert upload_args["uploaded"] == [
        "MODEL_CARD.md",
        "config.json",
        "keywords.safetensors",
        "unet.safetensors",
        "vae.safetensors",
        "vocab.json",
        "vocoder.safetensors",
    ]
    out = capsys.readouterr().out
    assert "commit/abc123" in out
    assert "kwr/kick-gen-test@abc123" in out


def test_publishing_to_a_new_branch_creates_it_first(
    hub: list[tuple[str, dict[str, Any]]], model_folder: Path
) -> None:
    code = main(
        [
            "publish",
            "--repo-id",
            "kwr/kick-gen-test",
            "--path",
            str(model_folder),
            "--revision",
            "v3",
        ]
    )
    assert code == 0
    assert [name for name, _ in hub] == ["create_repo", "create_branch", "upload_folder"]
    branch = hub[1][1]
    assert branch["branch"] == "v3" and branch["exist_ok"] is True
    assert hub[2][1]["revision"] == "v3"


def test_an_incomplete_folder_is_refused_before_any_upload(
    hub: list[tuple[str, dict[str, Any]]], model_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (model_folder / "vocoder.safetensors").unlink()
    code = main(["publish", "--repo-id", "kwr/kick-gen-test", "--path", str(model_folder)])
    assert code == 2
    assert "missing vocoder.safetensors" in capsys.readouterr().err
    assert hub == []
