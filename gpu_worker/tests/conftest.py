"""Tiny model configurations so that the tests run in seconds on a shared 2-core CPU."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from gpu_worker.config import (
    KeywordEncoderConfig,
    ModelConfig,
    UNetConfig,
    VAEConfig,
    VocoderConfig,
)
from gpu_worker.pipeline import KickPipeline

TINY_VOCAB = ["hit", "house", "punchy", "909", "long", "short"]


@pytest.fixture(autouse=True, scope="session")
def _single_thread() -> None:
    torch.set_num_threads(1)


@pytest.fixture
def tiny_config() -> ModelConfig:
    return ModelConfig(
        vae=VAEConfig(channels=(4, 8, 8, 8, 8), scaling_factor=0.7),
        unet=UNetConfig(channels=(8, 16), attention_heads=2, embedding_dim=16),
        keywords=KeywordEncoderConfig(embedding_dim=8),
        vocoder=VocoderConfig(dim=16, intermediate_dim=32, num_layers=2),
        default_steps=4,
        default_guidance=3.0,
    )


@pytest.fixture
def tiny_pipeline(tiny_config: ModelConfig) -> KickPipeline:
    return KickPipeline.from_config(tiny_config, TINY_VOCAB, seed=0, device="cpu")


@pytest.fixture
def saved_model(tiny_pipeline: KickPipeline, tmp_path: Path) -> Path:
    folder = tmp_path / "tiny-model"
    tiny_pipeline.save_pretrained(folder)
    return folder
