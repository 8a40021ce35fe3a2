"""Assemble a run's checkpoints into a pipeline folder (config.json, vocab.json, *.safetensors):
the VAE with its measured latent scale, the EMA U-Net and keyword encoder, the vocoder."""

from __future__ import annotations

import dataclasses
import json
import logging
from pathlib import Path

from gpu_worker.data import VOCAB_FILE
from gpu_worker.models import Vocabulary, build_models
from gpu_worker.train.common import load_checkpoint, run_config
from gpu_worker.weights import save_model_folder

log = logging.getLogger("gpu_worker.train")

SUMMARY_FILE = "training_summary.json"


def export_model(run_dir: Path, out: Path | None = None) -> Path:
    """Writes the model folder (default: <run>/model) and <run>/training_summary.json."""
    out = out or run_dir / "model"
    config = run_config(run_dir)
    vocab = Vocabulary.load(run_dir / VOCAB_FILE)
    models = build_models(config, len(vocab))
    vae_progress = load_checkpoint(run_dir, "vae", {"vae": models.vae})
    diffusion_progress = load_checkpoint(
        run_dir, "diffusion", {"ema_unet": models.unet, "ema_keywords": models.keywords}
    )
    vocoder_progress = load_checkpoint(run_dir, "vocoder", {"vocoder": models.vocoder})
    scaling_factor = float(diffusion_progress.extra["scaling_factor"])
    if scaling_factor != vae_progress.extra.get("scaling_factor"):
        raise ValueError("the diffusion stage was trained on another VAE; rerun it")
    config = dataclasses.replace(
        config, vae=dataclasses.replace(config.vae, scaling_factor=scaling_factor)
    )
    save_model_folder(out, config, vocab, models)
    summary = {
        stage: {"steps": progress.step, "minutes": round(progress.seconds / 60, 1)}
        for stage, progress in (
            ("vae", vae_progress),
            ("diffusion", diffusion_progress),
            ("vocoder", vocoder_progress),
        )
    }
    summary["parameters"] = models.parameter_counts()
    (run_dir / SUMMARY_FILE).write_text(json.dumps(summary, indent=2) + "\n")
    log.info("exported %s (%s)", out, summary)
    return out
