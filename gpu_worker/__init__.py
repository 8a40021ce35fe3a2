"""Kick generator: latent diffusion over log-mel spectrograms, with no Django dependency.

Importing the package (or its torch-free modules: protocol, streams, synth, config) never imports
torch; the pipeline lives in gpu_worker.pipeline.
"""

from pathlib import Path

DEFAULT_MODEL_PATH = Path(__file__).resolve().parent / "pretrained" / "kick-gen-v11"

__all__ = ["DEFAULT_MODEL_PATH"]
