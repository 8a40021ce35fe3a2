"""What every kick worker does with a pipeline, the local one in the web app's process and the
Modal container alike: describe the model it runs, and turn one KickRequest (a new kick or a
variation) into a KickResult."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from gpu_worker.audio import decode_wav
from gpu_worker.config import ModelConfig
from gpu_worker.models import Vocabulary
from gpu_worker.pipeline import KickPipeline
from gpu_worker.protocol import (
    KickRequest,
    KickResult,
    ModelDescription,
    ModelIdentity,
    ProgressEvent,
    Variation,
)
from gpu_worker.synth import OPPOSITE_PAIRS, STYLES
from gpu_worker.weights import load_config_and_vocabulary, model_identity, resolve_model_folder


def describe(pipeline: KickPipeline) -> ModelDescription:
    """The model a pipeline runs, described for the keyword chips (``describe_model``)."""
    return describe_model(pipeline.config, pipeline.vocabulary, pipeline.identity)


def describe_folder(
    path_or_hub_id: str | Path | None, cache_dir: str | Path | None
) -> ModelDescription:
    """The same from the model folder's config.json and vocab.json, loading no network (a web
    server's local worker describes its model before its first kick loads it)."""
    folder = resolve_model_folder(path_or_hub_id, cache_dir)
    config, vocabulary = load_config_and_vocabulary(folder)
    return describe_model(config, vocabulary, model_identity(path_or_hub_id, folder))


def describe_model(
    config: ModelConfig, vocabulary: Vocabulary, identity: ModelIdentity
) -> ModelDescription:
    """The model's vocabulary grouped for the keyword chips: the synth's styles and opposite
    pairs (the words the training data grounds), each only as far as the model knows its
    words, and every other word it knows."""
    words = vocabulary.words
    styles = [style for style in STYLES if style in words]
    pairs = [(low, high) for _, low, _, high, _ in OPPOSITE_PAIRS if low in words and high in words]
    grouped = {*styles, *(word for pair in pairs for word in pair)}
    return ModelDescription(
        model=identity,
        words=list(words),
        styles=styles,
        pairs=pairs,
        other_words=[word for word in words if word not in grouped],
        default_prompt=config.default_prompt,
        default_words=vocabulary.tokenize(config.default_prompt).keywords,
    )


def generate(
    pipeline: KickPipeline,
    request: KickRequest,
    on_progress: Callable[[ProgressEvent], None],
    *,
    previews: bool = True,
) -> KickResult:
    """One kick for ``request``, from noise or, for a variation, from its start latent."""
    start = None if request.variation is None else start_latent(pipeline, request.variation)
    [kick] = pipeline.generate(
        request.prompt,
        seed=request.seed,
        steps=request.steps,
        guidance=request.guidance,
        on_progress=on_progress,
        previews=previews,
        start_latent=start,
        strength=1.0 if request.variation is None else request.variation.strength,
    )
    return kick


def start_latent(pipeline: KickPipeline, variation: Variation) -> torch.Tensor:
    """The latent a variation starts from: the kick's own, which only the model version that
    made it can reuse, or the reference sample's, encoded by the VAE."""
    if variation.latent is not None:
        if variation.latent_version != pipeline.identity.version:
            raise ValueError(
                f"the latent was made by model version {variation.latent_version!r}, "
                f"not by this one ({pipeline.identity.version!r})"
            )
        return pipeline.latent_from_bytes(variation.latent)
    assert variation.reference_wav is not None
    audio, sample_rate = decode_wav(variation.reference_wav)
    expected = pipeline.config.audio
    if sample_rate != expected.sample_rate or audio.shape != (expected.num_samples,):
        raise ValueError(
            f"a reference must be prepared at {expected.sample_rate} Hz, "
            f"{expected.num_samples} samples (gpu_worker.reference)"
        )
    if not np.isfinite(audio).all():
        raise ValueError("the reference holds non-finite samples")
    return pipeline.encode_audio(torch.from_numpy(audio)[None])
