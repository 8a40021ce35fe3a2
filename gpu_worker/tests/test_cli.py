"""`python -m gpu_worker generate` writes WAV files and reports seeds and keywords."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from gpu_worker.__main__ import main
from gpu_worker.audio import decode_wav
from gpu_worker.pipeline import KickPipeline

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_generate_writes_one_wav_per_kick(
    saved_model: Path, tmp_path: Path, tiny_pipeline: KickPipeline, capsys: pytest.CaptureFixture
) -> None:
    out = tmp_path / "kicks"
    argv = ["generate", "--prompt", "Punchy 909 thing", "--seed", "7", "-n", "2"]
    argv += ["--out", str(out), "--model", str(saved_model), "--steps", "2", "--device", "cpu"]
    assert main(argv) == 0
    files = sorted(out.iterdir())
    assert [f.name for f in files] == ["punchy-909-thing-7.wav", "punchy-909-thing-8.wav"]
    expected = tiny_pipeline.generate("Punchy 909 thing", seed=7, num_kicks=2, steps=2)
    assert [f.read_bytes() for f in files] == [kick.wav for kick in expected]
    assert decode_wav(files[0].read_bytes())[1] == 44100
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].endswith("seed 7  keywords: punchy 909  ignored: thing")
    assert "seed 8" in printed[1]


def test_errors_are_reported_without_a_traceback(
    saved_model: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    assert main(["generate", "--model", str(tmp_path / "none"), "--out", str(tmp_path)]) == 2
    assert "does not exist" in capsys.readouterr().err
    argv = ["generate", "--model", str(saved_model), "--out", str(tmp_path), "--guidance", "-1"]
    assert main(argv) == 2
    assert "guidance must be between" in capsys.readouterr().err


def test_module_entry_point_runs(saved_model: Path, tmp_path: Path) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "gpu_worker", "generate", "--model", str(saved_model), "--seed", "1"]
        + ["--out", str(tmp_path), "--steps", "1", "--threads", "1"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr
    assert (tmp_path / "hit-house-1.wav").is_file()
