"""Kick generator: latent diffusion over log-mel spectrograms, with no Django dependency."""

from pathlib import Path

DEFAULT_MODEL_PATH = Path(__file__).resolve().parent / "pretrained" / "kick-gen-v1"

__all__ = ["DEFAULT_MODEL_PATH"]
