"""Convolutional VAE that compresses a normalised log-mel (n_mels x frames) to a small latent."""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from gpu_worker.config import AudioConfig, VAEConfig
from gpu_worker.models.layers import Downsample, ResidualBlock, Upsample, group_norm

# Value of silence in the normalised log-mel range: frames padded on the right are silence.
_SILENCE = -1.0


@dataclass
class LatentDistribution:
    """Diagonal Gaussian posterior q(z | mel)."""

    mean: torch.Tensor
    logvar: torch.Tensor

    def sample(self, generator: torch.Generator | None = None) -> torch.Tensor:
        noise = torch.randn(
            self.mean.shape, generator=generator, device=self.mean.device, dtype=self.mean.dtype
        )
        return self.mean + torch.exp(0.5 * self.logvar) * noise

    def kl(self) -> torch.Tensor:
        """KL divergence to N(0, I), summed over latent elements, one value per batch item."""
        kl = 0.5 * (self.mean.pow(2) + self.logvar.exp() - 1.0 - self.logvar)
        return kl.flatten(1).sum(dim=1)


class VAE(nn.Module):
    def __init__(self, config: VAEConfig, audio: AudioConfig) -> None:
        super().__init__()
        self.config = config
        self.audio = audio
        factor = config.downsample_factor
        if audio.n_mels % factor:
            raise ValueError(f"n_mels={audio.n_mels} must be divisible by {factor}")
        self.padded_frames = -(-audio.frames // factor) * factor
        channels = config.channels

        self.encoder_in = nn.Conv2d(1, channels[0], 3, padding=1)
        self.encoder_blocks = nn.ModuleList(ResidualBlock(c, c) for c in channels)
        self.encoder_down = nn.ModuleList(
            Downsample(c_in, c_out) for c_in, c_out in zip(channels[:-1], channels[1:], strict=True)
        )
        self.encoder_norm = group_norm(channels[-1])
        self.encoder_out = nn.Conv2d(channels[-1], 2 * config.latent_channels, 3, padding=1)

        self.decoder_in = nn.Conv2d(config.latent_channels, channels[-1], 3, padding=1)
        self.decoder_blocks = nn.ModuleList(ResidualBlock(c, c) for c in channels)
        self.decoder_up = nn.ModuleList(
            Upsample(c_in, c_out) for c_in, c_out in zip(channels[1:], channels[:-1], strict=True)
        )
        self.decoder_norm = group_norm(channels[0])
        self.decoder_out = nn.Conv2d(channels[0], 1, 3, padding=1)

    @property
    def latent_shape(self) -> tuple[int, int, int]:
        factor = self.config.downsample_factor
        return (
            self.config.latent_channels,
            self.audio.n_mels // factor,
            self.padded_frames // factor,
        )

    def encode(self, mel: torch.Tensor) -> LatentDistribution:
        """mel (batch, n_mels, frames) in the normalised range -> posterior over latents."""
        expected = (self.audio.n_mels, self.audio.frames)
        if tuple(mel.shape[1:]) != expected:
            raise ValueError(f"expected mel of shape (batch, {expected[0]}, {expected[1]})")
        padding = self.padded_frames - self.audio.frames
        h = F.pad(mel, (0, padding), value=_SILENCE).unsqueeze(1)
        h = self.encoder_in(h)
        for level, block in enumerate(self.encoder_blocks):
            h = block(h)
            if level < len(self.encoder_down):
                h = self.encoder_down[level](h)
        mean, logvar = self.encoder_out(F.silu(self.encoder_norm(h))).chunk(2, dim=1)
        return LatentDistribution(mean, logvar.clamp(-30.0, 20.0))

    def decode(self, latent: torch.Tensor) -> torch.Tensor:
        """Unscaled latent (batch, *latent_shape) -> mel (batch, n_mels, frames)."""
        h = self.decoder_in(latent)
        sizes = [
            (self.audio.n_mels >> level, self.padded_frames >> level)
            for level in range(len(self.config.channels))
        ]
        for level in reversed(range(len(self.config.channels))):
            h = self.decoder_blocks[level](h)
            if level > 0:
                h = self.decoder_up[level - 1](h, sizes[level - 1])
        mel = self.decoder_out(F.silu(self.decoder_norm(h))).squeeze(1)
        return mel[..., : self.audio.frames]
