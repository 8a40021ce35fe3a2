"""Kick generator: latent diffusion over log-mel spectrograms, with no Django dependency."""

from pathlib import Path

DEFAULT_MODEL_PATH = Path(__file__).resolve().parent / "pretrained" / "kick-gen-v3"

# Imported after DEFAULT_MODEL_PATH, which gpu_worker.weights reads.
from gpu_worker.pipeline import KickPipeline, KickResult, ProgressEvent, Stage  # noqa: E402

__all__ = ["DEFAULT_MODEL_PATH", "KickPipeline", "KickResult", "ProgressEvent", "Stage"]
