"""Model folders for the browser tests' backends, written with gpu_worker's own save_pretrained.

  python kick_models.py stand-in DIR   the shipped architecture with random weights, used only
                                       while gpu_worker.DEFAULT_MODEL_PATH is not in the tree
  python kick_models.py failing DIR    the same with a vocoder whose weights are finite but huge (the
                                       loader refuses NaN weights): it loads and samples, then the
                                       vocoder overflows and the pipeline refuses the non-finite
                                       audio, so the real worker fails half-way through a generation
"""

from __future__ import annotations

import sys
from pathlib import Path

import torch

from gpu_worker.config import ModelConfig
from gpu_worker.pipeline import KickPipeline

VOCABULARY = ["hit", "house", "punchy", "909", "deep", "techno"]


def build(kind: str, folder: Path) -> None:
    pipeline = KickPipeline.from_config(ModelConfig(), VOCABULARY, seed=7, device="cpu")
    if kind == "failing":
        with torch.no_grad():
            for parameter in pipeline.models.vocoder.parameters():
                parameter.fill_(1e30)
    elif kind != "stand-in":
        raise SystemExit(f"unknown model kind {kind!r}")
    pipeline.save_pretrained(folder)


if __name__ == "__main__":
    build(sys.argv[1], Path(sys.argv[2]))
