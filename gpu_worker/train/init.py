"""Start a run from a trained pipeline folder instead of from scratch.

Every stage's checkpoint is written from the folder's weights (the EMA networks of the diffusion
stage too) with no optimizer state, so `vae`, `diffusion` and `vocoder` then fine-tune where the
published model left off, e.g. the vocoder on the VAE's reconstructions (`--vae-share`). The run
keeps the model's vocabulary, so the prepared dataset must have the same one; or, given the
dataset (`--data`), it takes the dataset's vocabulary when that holds every word of the model's:
each known word keeps its embedding and a new word starts from the null embedding, the kick the
model makes of no word at all, which its own examples then move.
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import torch

from gpu_worker.config import DistilledConfig
from gpu_worker.data import VOCAB_FILE
from gpu_worker.models import KeywordEncoder, Vocabulary
from gpu_worker.train.common import CONFIG_FILE, Progress, checkpoint_path, save_checkpoint
from gpu_worker.weights import load_model_folder, resolve_model_folder

log = logging.getLogger("gpu_worker.train")

STAGES = ("vae", "diffusion", "vocoder")


def init_run(
    model: str | Path,
    run_dir: Path,
    seed: int = 0,
    cache_dir: Path | None = None,
    data_dir: Path | None = None,
) -> Path:
    """Writes config.json, vocab.json and one checkpoint per stage into the new `run_dir`; with
    `data_dir`, the vocabulary is that dataset's (see the module's doc)."""
    existing = [stage for stage in STAGES if checkpoint_path(run_dir, stage).exists()]
    if existing:
        raise FileExistsError(
            f"{run_dir} already holds {', '.join(existing)} checkpoint(s); choose another --run"
        )
    folder = resolve_model_folder(model, cache_dir)
    config, vocab, models = load_model_folder(folder)
    if data_dir is not None:
        grown = Vocabulary.load(data_dir / VOCAB_FILE)
        models.keywords = grown_keywords(models.keywords, vocab, grown)
        log.info("vocabulary of %s: %s", data_dir, ", ".join(grown.words))
        vocab = grown
    # A run trains the teacher. A distilled student no longer matches it once the U-Net moves, so
    # the run and its export leave the student out; `train distill` makes a new one from them.
    config = dataclasses.replace(config, sampler="ddim", distilled=DistilledConfig())
    run_dir.mkdir(parents=True, exist_ok=True)
    config.save(run_dir / CONFIG_FILE)
    vocab.save(run_dir / VOCAB_FILE)
    generator = torch.Generator().manual_seed(seed)
    extra = {"scaling_factor": config.vae.scaling_factor, "initialised_from": str(model)}
    stage_modules: dict[str, dict[str, torch.nn.Module]] = {
        "vae": {"vae": models.vae},
        "diffusion": {
            "unet": models.unet,
            "keywords": models.keywords,
            "ema_unet": models.unet,
            "ema_keywords": models.keywords,
        },
        "vocoder": {"vocoder": models.vocoder},
    }
    for stage, modules in stage_modules.items():
        save_checkpoint(run_dir, stage, modules, {}, Progress(extra=dict(extra)), generator)
    log.info("run %s initialised from %s (%s)", run_dir, model, folder)
    return run_dir


def grown_keywords(
    keywords: KeywordEncoder, vocab: Vocabulary, grown: Vocabulary
) -> KeywordEncoder:
    """A keyword encoder for `grown`, a superset of `vocab`: the known words' embeddings, and the
    null embedding for each new word."""
    dropped = [word for word in vocab.words if word not in grown]
    if dropped:
        raise ValueError(
            f"the dataset lacks the model's word(s) {', '.join(dropped)}: fine-tuning on it would "
            "leave them untrained"
        )
    encoder = KeywordEncoder(keywords.config, len(grown))
    with torch.no_grad():
        encoder.null_embedding.copy_(keywords.null_embedding)
        for row, word in enumerate(grown.words):
            encoder.embedding.weight[row] = (
                keywords.embedding.weight[vocab.ids([word])[0]]
                if word in vocab
                else keywords.null_embedding
            )
    return encoder
