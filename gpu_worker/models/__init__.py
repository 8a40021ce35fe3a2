"""The four networks of the kick generator; each takes its own config dataclass."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from gpu_worker.config import ModelConfig
from gpu_worker.models.keywords import KeywordEncoder, TokenizedPrompt, Vocabulary
from gpu_worker.models.unet import UNet
from gpu_worker.models.vae import VAE, LatentDistribution
from gpu_worker.models.vocoder import Vocoder


@dataclass
class KickModels:
    vae: VAE
    unet: UNet
    keywords: KeywordEncoder
    vocoder: Vocoder
    # The distilled few-step U-Net (config.distilled), beside the U-Net it was distilled from.
    student: UNet | None = None

    def named(self) -> dict[str, torch.nn.Module]:
        """Keyed like gpu_worker.weights.WEIGHT_FILES; the student only when there is one."""
        named: dict[str, torch.nn.Module] = {
            "vae": self.vae,
            "unet": self.unet,
            "keywords": self.keywords,
            "vocoder": self.vocoder,
        }
        if self.student is not None:
            named["student"] = self.student
        return named

    def parameter_counts(self) -> dict[str, int]:
        return {
            name: sum(parameter.numel() for parameter in module.parameters())
            for name, module in self.named().items()
        }

    def to(self, device: torch.device | str) -> KickModels:
        for module in self.named().values():
            module.to(device)
        return self

    def for_inference(self) -> KickModels:
        for module in self.named().values():
            module.eval().requires_grad_(False)
        return self


def build_models(config: ModelConfig, vocab_size: int) -> KickModels:
    """Randomly initialised networks for ``config`` (seed with torch.manual_seed beforehand)."""
    return KickModels(
        vae=VAE(config.vae, config.audio),
        unet=UNet(config.unet, config.vae.latent_channels, config.keywords.embedding_dim),
        keywords=KeywordEncoder(config.keywords, vocab_size),
        vocoder=Vocoder(config.vocoder, config.audio),
        student=(
            UNet(config.unet, config.vae.latent_channels, config.keywords.embedding_dim)
            if config.distilled.present
            else None
        ),
    )


__all__ = [
    "VAE",
    "KeywordEncoder",
    "KickModels",
    "LatentDistribution",
    "TokenizedPrompt",
    "UNet",
    "Vocabulary",
    "Vocoder",
    "build_models",
]
